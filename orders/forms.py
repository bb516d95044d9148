from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

# Shopify did not exist before 2006; far-future dates are typos. Both would only make empty pages.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
# Row ids are 64-bit (BigAutoField): a larger number names no row and cannot even be sent to the database.
MAX_ID = 2**63 - 1
ID_TEXT = re.compile(r"[0-9]{1,19}")


def parse_ids(values: Iterable[str]) -> list[int]:
    """The row ids among `values` (ASCII digits within the id range); anything else names no row and is dropped."""
    ids = (int(value) for value in values if ID_TEXT.fullmatch(value))
    return [pk for pk in ids if 1 <= pk <= MAX_ID]


def parse_page_number(value: str | None) -> int:
    """A requested page number, 1 for anything that is not one (a huge one is capped by the caller)."""
    if value is None or not re.fullmatch(r"[0-9]{1,9}", value):
        return 1
    return max(int(value), 1)


class BackfillForm(forms.Form):
    created_from = forms.DateField(label="Orders created from")
    created_to = forms.DateField(label="to (inclusive)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        for name, day in (("created_from", start), ("created_to", end)):
            if day is not None and not MIN_DAY <= day <= MAX_DAY:
                self.add_error(name, f"Choose a date between {MIN_DAY:%Y} and {MAX_DAY:%Y}.")
                return data
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date must not be before the start date.")
            # The shop's days (the page's time zone), as the dates on the page are.
            zone = timezone.get_current_timezone()
            data["created_from"] = datetime.combine(start, time.min, tzinfo=zone)
            data["created_to"] = datetime.combine(end, time.max, tzinfo=zone)
        return data


class OrderFilterForm(forms.Form):
    """The orders page's filters: a status tab, a search and a creation date range (days in the site's zone)."""

    status = forms.CharField(required=False)
    q = forms.CharField(required=False, label="Search orders")
    created_from = forms.DateField(
        required=False,
        label="Created from",
        error_messages={"invalid": "“Created from” is not a date: use YYYY-MM-DD."},
    )
    created_to = forms.DateField(
        required=False,
        label="Created to",
        error_messages={"invalid": "“Created to” is not a date: use YYYY-MM-DD."},
    )

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip()[:100]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        for name, day in (("created_from", start), ("created_to", end)):
            if day is not None and not MIN_DAY <= day <= MAX_DAY:
                self.add_error(name, f"Choose a date between {MIN_DAY:%Y} and {MAX_DAY:%Y}.")
        if start and end and end < start:
            self.add_error("created_to", "“Created to” must not be before “Created from”.")
        return data

    def created_range(self) -> tuple[datetime | None, datetime | None]:
        """Aware bounds [from midnight, to the next midnight); nothing is applied while either date is wrong."""
        if not self.is_valid():
            return None, None
        zone = timezone.get_current_timezone()
        start, end = self.cleaned_data.get("created_from"), self.cleaned_data.get("created_to")
        return (
            datetime.combine(start, time.min, tzinfo=zone) if start else None,
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
        )
