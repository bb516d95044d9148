from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from orders.queries import FILTERS
from synco.filters import (
    MAX_DAY,
    MAX_ID,
    MIN_DAY,
    OUT_OF_RANGE,
    SEARCH_MAX,
    DayField,
    DayRangeForm,
    parse_ids,
    parse_page_number,
)

# The filters' days, ids and page numbers are parsed in one place for every page, export and API.
__all__ = [
    "MAX_DAY",
    "MAX_ID",
    "MIN_DAY",
    "BackfillForm",
    "OrderFilterForm",
    "parse_ids",
    "parse_page_number",
]


class BackfillForm(forms.Form):
    created_from = DayField(label=_("Orders created from"), required=True)
    created_to = DayField(label=_("to (inclusive)"), required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        for name, day in (("created_from", start), ("created_to", end)):
            if day is not None and not MIN_DAY <= day <= MAX_DAY:
                self.add_error(name, OUT_OF_RANGE)
                return data
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must not be before the start date."))
            # The shop's days (the page's time zone), as the dates on the page are.
            zone = timezone.get_current_timezone()
            data["created_from"] = datetime.combine(start, time.min, tzinfo=zone)
            data["created_to"] = datetime.combine(end, time.max, tzinfo=zone)
        return data


class OrderFilterForm(DayRangeForm):
    """The orders page's filters: a status tab, a search and a creation date range (days in the shop's zone)."""

    # One of the page's tabs (the API refuses any other; the page shows "All" with this message).
    status = forms.ChoiceField(
        required=False,
        choices=[(key, label) for key, (label, _condition) in FILTERS.items()],
        error_messages={
            "invalid_choice": format_lazy(_("Choose a status among: {tabs}."), tabs=", ".join(FILTERS))
        },
    )
    q = forms.CharField(required=False, label=_("Search orders"))
    created_from = DayField(label=_("Created from"))
    created_to = DayField(label=_("Created to"))

    start_field = "created_from"
    end_field = "created_to"

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip()[:SEARCH_MAX]

    def created_range(self) -> tuple[datetime | None, datetime | None]:
        """Aware bounds [from midnight, to the next midnight); nothing is applied while either date is wrong."""
        if not self.is_valid():
            return None, None
        return self.day_bounds()
