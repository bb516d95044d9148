"""Fields the API's serializers share: money and decimals as strings (never floats)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from synco.formatting import quantize_money


def money(value: Decimal | None, currency: str) -> str | None:
    """The amount as a string with the currency's decimals (None stays None)."""
    if value is None:
        return None
    return str(quantize_money(Decimal(value), currency or "USD"))


# A decimal number written as a string, so that no client reads it as a float.
DECIMAL_STRING = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}


@extend_schema_field(DECIMAL_STRING)
class MoneyField(serializers.CharField):
    """A decimal amount as a string, in the currency of the object's `currency`. With `currency_of(object,
    context)` it writes the object's Decimal with that currency's decimals (JPY "6480", USD "61.77"); without it
    the value is already written (by `money`)."""

    def __init__(
        self, currency_of: Callable[[Any, dict[str, Any]], str] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("allow_null", True)
        self.currency_of = currency_of
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        if self.currency_of is None or value is None:
            return value
        return money(Decimal(value), self.currency_of(instance, self.context))


@extend_schema_field(DECIMAL_STRING)
class DecimalString(serializers.CharField):
    """A decimal number as a string, exactly as Synco computed it."""
