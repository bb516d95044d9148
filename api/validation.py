"""One validation for the pages and the API: the API binds the very Django forms the pages use.

`validated(SomeForm, request.query_params)` returns the form's cleaned data, or raises a DRF ValidationError
whose field errors are the form's own messages (400, `{"error": {"code": "invalid", "fields": {...}}}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from rest_framework.exceptions import ValidationError

FormT = TypeVar("FormT", bound=forms.BaseForm)


def bound(form_class: type[FormT], data: Mapping[str, Any], **kwargs: Any) -> FormT:
    """The form bound to the request's data, validated; ValidationError with the form's messages if invalid."""
    form = form_class(data=data, **kwargs)
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
