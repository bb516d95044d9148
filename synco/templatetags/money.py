"""`{% load money %}`: amounts shown by currency and locale (synco/formatting.py) in every template.

    {{ order.total_price|money:order.currency }}        $64.80
    {{ order.total_price|money_code:order.currency }}   $64.80 USD   (totals: as Shopify's money-with-currency)
    {{ line.discount|money_negative:currency }}         -$6.60       (a deduction, written as a negative amount)
    {{ difference|money_signed:order.currency }}        +$0.40
    {{ line.price_unit|money_exact:order.currency }}      $16.658333  (a unit price Odoo receives, never rounded)

The locale is the request's active language (Django's `get_language()`: English unless the shop's admin locale
is activated), so one switch changes every figure on the page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import translation

from synco.formatting import MISSING, format_money, to_decimal

register = template.Library()


def _render(value: Any, currency: Any, *, negate: bool = False, **options: bool) -> str:
    try:
        if isinstance(
            value, float
        ):  # a template is the wrong place to refuse; show the float's shortest Decimal
            value = Decimal(repr(value))
        amount = to_decimal(value)
        if amount is None:
            return MISSING
        if not currency:
            # No currency known (an order not yet read): the number to the cent, never a bare "22.0".
            return f"{amount.quantize(Decimal('0.01')):f}"
        return format_money(
            -amount if negate else amount, str(currency), translation.get_language(), **options
        )
    except (TypeError, ValueError):
        return str(value)


@register.filter
def money(value: Any, currency: Any) -> str:
    """The amount in the currency, as the locale writes it: "$64.80"."""
    return _render(value, currency)


@register.filter
def money_code(value: Any, currency: Any) -> str:
    """The amount with the ISO code where the symbol alone does not name it: "$64.80 USD"."""
    return _render(value, currency, with_code=True)


@register.filter
def money_negative(value: Any, currency: Any) -> str:
    """A deduction (a discount, a refund line) shown as the negative amount it is: "-$6.60"."""
    return _render(value, currency, negate=True)


@register.filter
def money_signed(value: Any, currency: Any) -> str:
    """A difference, with its sign either way: "+$0.40", "-$0.40", "$0.00"."""
    return _render(value, currency, signed=True)


@register.filter
def money_exact(value: Any, currency: Any) -> str:
    """A unit price as sent: the currency's decimals at least, more when it has them ("$16.658333")."""
    return _render(value, currency, exact=True)
