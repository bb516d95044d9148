"""What every list, export and (future) API filter accepts: days, date ranges, row ids, page numbers, search text.

One place, so the orders page, the sync log, its exports and an API refuse the same inputs with the same words
instead of each view parsing GET parameters its own way (and one of them raising a 500 on `9999-12-31`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The days a filter may name. Shopify did not exist before 2006 and Synco keeps nothing older; a far-future day is
# a typo. Bounding both ends also keeps "the next midnight" of any day, in any time zone, a valid datetime.
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2099, 12, 31)
OUT_OF_RANGE = format_lazy(
    _("Choose a date between {first} and {last}."), first=MIN_DAY.year, last=MAX_DAY.year
)
# Row ids are 64-bit (BigAutoField): a larger number names no row and cannot even be sent to the database.
MAX_ID = 2**63 - 1
ID_TEXT = re.compile(r"[0-9]{1,19}")
# ASCII digits only: str.isdigit() accepts "²", which int() then refuses.
PAGE_TEXT = re.compile(r"[0-9]{1,9}")
SEARCH_MAX = 100


class DayInput(forms.DateInput):
    """A date picker without min/max: the browser would refuse a day out of range silently (HTMX does not send a
    form the browser finds invalid, and the old results stay); the server's message says what is wrong."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A calendar day typed as YYYY-MM-DD within [MIN_DAY, MAX_DAY]; every refusal names the field."""

    widget = DayInput

    def __init__(self, *, label: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(
            label=label,
            input_formats=["%Y-%m-%d"],
            error_messages={
                # Lazy: the label and the message are translated when shown, in the request's language.
                "invalid": format_lazy(_("“{label}” is not a date: use YYYY-MM-DD."), label=label),
                "required": format_lazy(_("Choose a date for “{label}”."), label=label),
            },
            **kwargs,
        )

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and not MIN_DAY <= day <= MAX_DAY:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day


class DayRangeForm(forms.Form):
    """A filter with two DayFields, `start_field` and `end_field`: the end may not come before the start.

    Days are the current time zone's (the shop's, activated by synco.timezones) unless a form sets `zone`.
    """

    start_field = "date_from"
    end_field = "date_to"
    zone: tzinfo | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get(self.start_field), cleaned.get(self.end_field)
        if start and end and end < start:
            start_label = self.fields[self.start_field].label
            end_label = self.fields[self.end_field].label
            self.add_error(
                self.end_field,
                gettext("“{end}” must not be before “{start}”.").format(end=end_label, start=start_label),
            )
        return cleaned

    def day_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The aware [first midnight, midnight after the last day) of the chosen days; None for an empty end."""
        zone = self.zone or timezone.get_current_timezone()
        start, end = self.cleaned_data.get(self.start_field), self.cleaned_data.get(self.end_field)
        return (
            day_start(start, zone) if start else None,
            day_start(end + timedelta(days=1), zone) if end else None,
        )

    def time_range(self, field: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Keep rows whose `field` falls within the chosen days (both inclusive)."""
        start, end = self.day_bounds()
        if start is not None:
            queryset = queryset.filter(**{f"{field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{field}__lt": end})
        return queryset


def day_start(day: date, zone: tzinfo) -> datetime:
    """The day's first moment in `zone` (a day within MIN_DAY..MAX_DAY + 1 is always representable)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def error_messages(form: forms.Form) -> list[str]:
    """Every error of a bound form, each once, in field order, each naming its field (the page lists them apart
    from the fields: "Choose a date between 2000 and 2099." alone would not say which date)."""
    messages: list[str] = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        # A hidden field's own message says what it is about; the merchant never saw its name.
        label = str(field.label or name) if field is not None and not field.widget.is_hidden else ""
        for error in errors:
            message = str(error)
            if label and f"“{label}”" not in message:
                message = gettext("“{label}”: {message}").format(label=label, message=message)
            if message not in messages:
                messages.append(message)
    return messages


def parse_ids(values: Iterable[str]) -> list[int]:
    """The row ids among `values` (ASCII digits within the id range); anything else names no row and is dropped."""
    ids = (int(value) for value in values if ID_TEXT.fullmatch(value))
    return [pk for pk in ids if 1 <= pk <= MAX_ID]


def parse_id(value: str | None) -> int | None:
    """One row id, or None for anything that is not one."""
    ids = parse_ids([value or ""])
    return ids[0] if ids else None


def parse_page_number(value: str | None) -> int:
    """A requested page number, 1 for anything that is not one (a huge one is capped by the caller)."""
    if value is None or not PAGE_TEXT.fullmatch(value):
        return 1
    return max(int(value), 1)


def search_text(*parts: str | None) -> str:
    """Text as the searches compare it: case-folded, accents dropped ("LÉA" and "Léa" are both "lea").

    Stored beside what it is made of (Order.search_text) and applied to what is typed, so the search is one
    indexed substring match that behaves the same on SQLite and PostgreSQL.
    """
    text = "\n".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
