"""Money as people read it: by currency and locale, through Babel (CLDR), never hand-rolled.

Pure (no ORM, no settings, no clock). Each currency keeps its own decimals (USD and EUR 2, JPY 0, KWD 3), its
locale's symbol and pattern ("$64.80" in English, "64,80 €" in German) and one way of writing a negative amount
(the locale's minus sign where CLDR puts it: "-$6.60", "-6,60 €"). Amounts stay Decimal end to end.

`format_money` is for people (pages, log messages); `plain_money` is for machines (CSV): the amount fixed to
the currency's decimals, '.' as decimal separator, no symbol and no grouping.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

DEFAULT_LOCALE = "en"
# What a missing amount shows (a page cell, a log fact): the same dash the pages use for "nothing".
MISSING = "—"

Amount = Decimal | int | str | None
# Enough digits to round any amount a shop can hold (and far more) without Decimal's default 28 overflowing.
_WIDE = Context(prec=60)


@lru_cache(maxsize=64)
def babel_locale(name: str | None) -> Locale:
    """Babel's locale for a Django or Shopify locale name ('en-us', 'de', 'fr_CA', 'pt-BR'); English if unknown."""
    if not name:
        return Locale.parse(DEFAULT_LOCALE)
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


def to_decimal(amount: Amount) -> Decimal | None:
    """The amount as a finite Decimal; None for a missing or blank amount. Floats are refused (they lose cents)."""
    if amount is None:
        return None
    if isinstance(amount, float):
        raise TypeError("money is Decimal, not float")
    if isinstance(amount, str):
        amount = amount.strip()
        if not amount:
            return None
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"'{amount}' is not an amount") from exc
    if not value.is_finite():
        raise ValueError(f"'{amount}' is not an amount")
    return value


def currency_digits(currency: str) -> int:
    """How many decimals the currency is shown with (CLDR): 2 for USD and EUR, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(currency.upper()))


def quantize_money(value: Decimal, currency: str) -> Decimal:
    """The amount rounded (half away from zero, as Shopify and Odoo round) to the currency's decimals."""
    exponent = Decimal(1).scaleb(-currency_digits(currency))
    return value.quantize(exponent, rounding=ROUND_HALF_UP, context=_WIDE)


def format_money(
    amount: Amount,
    currency: str,
    locale: str | None = DEFAULT_LOCALE,
    *,
    with_code: bool = False,
    signed: bool = False,
    exact: bool = False,
) -> str:
    """The amount in the locale's currency format: "$64.80", "64,80 €", "¥1,235", "KWD 1.500"; "—" if missing.

    `with_code` adds the ISO code after the amount when the symbol alone does not name the currency
    ("$64.80 USD", as Shopify's money-with-currency format shows it); `signed` puts a "+" before a positive
    amount (a difference); `exact` keeps digits beyond the currency's (a unit price Odoo receives as
    16.658333 shows as "$16.658333", never rounded to a price it is not), with at least the currency's decimals.
    """
    value = to_decimal(amount)
    if value is None:
        return MISSING
    code = currency.strip().upper()
    if not code:
        raise ValueError("a currency code is required to show an amount")
    rounded = quantize_money(value, code)
    if exact and rounded != value:
        rounded = value.normalize(_WIDE)
    if not rounded:
        rounded = abs(rounded)  # never "-$0.00"
    place = babel_locale(locale)
    with localcontext(_WIDE):  # Babel quantizes in the current context
        text = format_currency(
            rounded, code, locale=place, currency_digits=True, decimal_quantization=not exact
        )
    if with_code and get_currency_symbol(code, locale=place) != code:
        text = f"{text} {code}"
    if signed and rounded > 0:
        text = f"+{text}"
    return text


def plain_money(amount: Amount, currency: str) -> str:
    """The amount for machines (CSV): fixed to the currency's decimals, '.' decimal, no symbol ("" if missing)."""
    value = to_decimal(amount)
    if value is None:
        return ""
    rounded = quantize_money(value, currency.strip().upper() or "XXX")
    if not rounded:
        rounded = abs(rounded)
    return f"{rounded:f}"
