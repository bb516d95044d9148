"""Money as people read it (synco/formatting.py): Babel's currency formats, each currency's own decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from synco.formatting import currency_digits, format_money, plain_money

NBSP = "\N{NO-BREAK SPACE}"
NNBSP = "\N{NARROW NO-BREAK SPACE}"


def test_it_shows_dollars_with_two_decimals_whatever_shopify_sent():
    assert format_money(Decimal("64.8"), "USD") == "$64.80"
    assert format_money("22.0", "USD") == "$22.00"
    assert format_money(Decimal("1234.5"), "usd") == "$1,234.50"


def test_it_writes_euros_as_german_and_french_readers_do():
    assert format_money(Decimal("1234.5"), "EUR", "de") == f"1.234,50{NBSP}€"
    assert format_money(Decimal("1234.5"), "EUR", "de-DE") == f"1.234,50{NBSP}€"
    assert format_money(Decimal("1234.5"), "EUR", "fr") == f"1{NNBSP}234,50{NBSP}€"
    assert format_money(Decimal("6.6"), "EUR", "en") == "€6.60"


def test_yen_has_no_decimals_and_dinar_three():
    assert currency_digits("JPY") == 0 and currency_digits("KWD") == 3 and currency_digits("EUR") == 2
    assert format_money(Decimal("6480"), "JPY") == "¥6,480"
    assert (
        format_money(Decimal("6480.5"), "JPY") == "¥6,481"
    )  # half away from zero, as Shopify and Odoo round
    assert format_money(Decimal("1.5"), "KWD") == "KWD1.500"


def test_negative_amounts_are_written_one_way_per_locale():
    assert format_money(Decimal("-6.6"), "USD") == "-$6.60"
    assert format_money(Decimal("-6.6"), "EUR", "de") == f"-6,60{NBSP}€"
    assert format_money(Decimal("-0.001"), "USD") == "$0.00"  # rounds to zero: never "-$0.00"


def test_a_difference_carries_its_sign_and_a_total_its_code():
    assert format_money(Decimal("0.4"), "USD", signed=True) == "+$0.40"
    assert format_money(Decimal("-0.03"), "USD", signed=True) == "-$0.03"
    assert format_money(Decimal("0"), "USD", signed=True) == "$0.00"
    assert format_money(Decimal("64.8"), "USD", with_code=True) == "$64.80 USD"
    assert format_money(Decimal("1.5"), "KWD", with_code=True) == "KWD1.500"  # the symbol is the code already


def test_an_exact_unit_price_keeps_the_digits_odoo_receives():
    assert format_money(Decimal("16.658333"), "USD", exact=True) == "$16.658333"
    assert format_money(Decimal("16.500000"), "USD", exact=True) == "$16.50"
    assert format_money(Decimal("16.658333"), "USD") == "$16.66"


def test_a_missing_or_blank_amount_is_a_dash_on_pages_and_empty_in_csv():
    assert format_money(None, "USD") == "—" and format_money("  ", "USD") == "—"
    assert plain_money(None, "USD") == "" and plain_money("", "USD") == ""


def test_huge_amounts_keep_every_digit():
    assert format_money(Decimal("123456789012345678901234567890.125"), "USD") == (
        "$123,456,789,012,345,678,901,234,567,890.13"
    )
    assert (
        plain_money(Decimal("123456789012345678901234567890.125"), "USD")
        == "123456789012345678901234567890.13"
    )


def test_csv_amounts_are_fixed_to_the_currency_without_symbol_or_grouping():
    assert plain_money(Decimal("307.3"), "USD") == "307.30"
    assert plain_money("1234.5", "EUR") == "1234.50"
    assert plain_money(Decimal("6480"), "JPY") == "6480"
    assert plain_money(Decimal("-6.6"), "USD") == "-6.60"
    assert plain_money(Decimal("1.5"), "KWD") == "1.500"


def test_an_unknown_locale_falls_back_to_english():
    assert format_money(Decimal("64.8"), "USD", "xx-YY") == "$64.80"
    assert format_money(Decimal("64.8"), "USD", None) == "$64.80"


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity"])
def test_it_refuses_what_is_not_an_amount(amount):
    with pytest.raises(ValueError, match="is not an amount"):
        format_money(amount, "USD")


def test_it_refuses_floats_and_a_missing_currency():
    with pytest.raises(TypeError, match="Decimal, not float"):
        format_money(6.6, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="currency code is required"):
        format_money(Decimal("1"), "")
