"""Small value helpers shared by the models: rounding, dates, clocks."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def float_round(value: float, precision: float = 0.01) -> float:
    """Odoo's ``float_round`` (HALF-UP): a 2**-52 relative epsilon makes 2.5649999999999995 round to 2.57."""
    if value == 0 or precision == 0:
        return 0.0
    normalized = float(value) / precision
    epsilon = 2 ** (math.log(abs(normalized), 2) - 52)
    normalized += math.copysign(epsilon, normalized)
    rounded = math.copysign(math.floor(abs(normalized) + 0.5), normalized)  # Python 2's round, as Odoo's shim
    # Multiply in decimal so the result is the clean two-decimal float a numeric column would give back.
    return float(Decimal(int(rounded)) * Decimal(repr(precision)))


def float_is_zero(value: float, precision: float = 0.01) -> bool:
    return float_round(value, precision) == 0.0


def now_string() -> str:
    return datetime.now(UTC).replace(tzinfo=None).strftime(DATETIME_FORMAT)


def today_string() -> str:
    return datetime.now(UTC).date().strftime(DATE_FORMAT)


def to_datetime_string(value: Any) -> str | bool:
    """Odoo's ``fields.Datetime.to_datetime``: note the format slice, which makes ISO 'T' strings fail."""
    if not value:
        return False
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(f"Datetime field expects a naive datetime: {value}")
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()).strftime(DATETIME_FORMAT)
    text = str(value)
    return datetime.strptime(text, DATETIME_FORMAT[: len(text) - 2]).strftime(DATETIME_FORMAT)


def to_date_string(value: Any) -> str | bool:
    """Odoo's ``fields.Date.to_date``: only the first ten characters matter."""
    if not value:
        return False
    if isinstance(value, datetime):
        return value.date().strftime(DATE_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return datetime.strptime(str(value)[:10], DATE_FORMAT).date().strftime(DATE_FORMAT)
