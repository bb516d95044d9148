"""The API binds the pages' forms to JSON bodies: JSON types become what an HTML post sends, or a field error."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from rest_framework.exceptions import ValidationError

from api.validation import bound, validated


class Sample(forms.Form):
    name = forms.CharField(max_length=20)
    day = forms.DateField(required=False)
    count = forms.IntegerField(required=False)
    active = forms.BooleanField(required=False)
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("1", "One")], required=False)


def test_json_numbers_and_booleans_read_as_a_post_would_send_them():
    data = validated(Sample, {"name": 7, "count": 3, "active": True, "tags": ["a", 1], "day": "2026-12-01"})
    assert data == {"name": "7", "count": 3, "active": True, "tags": ["a", "1"], "day": date(2026, 12, 1)}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "day": ["2026-12-01"]}, "day"),
        ({"name": "x", "day": {"y": 2026}}, "day"),
        ({"name": ["x"]}, "name"),
        ({"name": "x", "tags": [["a"]]}, "tags"),
        ({"name": "x", "day": 20261201}, "day"),
    ],
)
def test_a_shape_the_form_cannot_read_is_a_field_error_not_a_crash(body, field):
    with pytest.raises(ValidationError) as refused:
        bound(Sample, body)
    assert field in refused.value.detail


def test_the_form_s_own_messages_come_back_per_field():
    with pytest.raises(ValidationError) as refused:
        bound(Sample, {"name": "x" * 21})
    assert "at most 20 characters" in str(refused.value.detail["name"][0])
