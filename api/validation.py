"""One validation for the pages and the API: the API binds the very Django forms the pages use.

`validated(SomeForm, request.query_params)` returns the form's cleaned data, or raises a DRF ValidationError
whose field errors are the form's own messages (400, `{"error": {"code": "invalid", "fields": {...}}}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

FormT = TypeVar("FormT", bound=forms.BaseForm)


def _as_form_data(form_class: type[forms.BaseForm], data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A JSON body as the form reads an HTML post: numbers as their text, a list only where the field takes
    several values; a list or an object elsewhere is refused with a field error (a form would fail on it)."""
    if isinstance(data, QueryDict) or not isinstance(data, Mapping):
        return data  # a query string or a form post: text already
    fields = getattr(form_class, "base_fields", {})
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        field = fields.get(name)
        several = field is not None and getattr(field.widget, "allow_multiple_selected", False)
        if isinstance(value, dict) or (isinstance(value, list) and field is not None and not several):
            errors[name] = ["Expected a single value, not a list or an object."]
        elif isinstance(value, list):
            if any(isinstance(item, dict | list) for item in value):
                errors[name] = ["Expected a list of values."]
            else:
                values[name] = [item if isinstance(item, str) else str(item) for item in value]
        elif isinstance(value, bool):
            values[name] = value
        elif isinstance(value, int | float):
            values[name] = str(value)
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


def bound(form_class: type[FormT], data: Mapping[str, Any], **kwargs: Any) -> FormT:
    """The form bound to the request's data, validated; ValidationError with the form's messages if invalid."""
    form = form_class(data=_as_form_data(form_class, data), **kwargs)
    if not form.is_valid():
        errors = form.errors.get_json_data()
        raise ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): [item["message"] for item in items]
                for name, items in errors.items()
            }
        )
    return form


def validated(form_class: type[forms.BaseForm], data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dict(bound(form_class, data, **kwargs).cleaned_data)
