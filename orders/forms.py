from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django import forms


class BackfillForm(forms.Form):
    created_from = forms.DateField(label="Orders created from")
    created_to = forms.DateField(label="to (inclusive)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date must not be before the start date.")
            data["created_from"] = datetime.combine(start, time.min, tzinfo=UTC)
            data["created_to"] = datetime.combine(end, time.max, tzinfo=UTC)
        return data
