"""`{% load money %}`: the template filters show amounts in the currency and the request's language."""

from __future__ import annotations

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

NBSP = "\N{NO-BREAK SPACE}"


def _render(source: str, **context: object) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_money_shows_the_amount_in_its_currency():
    assert _render("{{ a|money:c }}", a=Decimal("64.8"), c="USD") == "$64.80"
    assert _render("{{ a|money:c }}", a=Decimal("6480"), c="JPY") == "¥6,480"


def test_money_code_names_the_currency_beside_the_symbol():
    assert _render("{{ a|money_code:c }}", a=Decimal("307.3"), c="USD") == "$307.30 USD"


def test_money_negative_and_money_signed_write_negatives_like_any_other_amount():
    assert _render("{{ a|money_negative:c }}", a=Decimal("6.6"), c="USD") == "-$6.60"
    assert _render("{{ a|money_signed:c }}", a=Decimal("0.4"), c="USD") == "+$0.40"
    assert _render("{{ a|money_signed:c }}", a=Decimal("-0.4"), c="USD") == "-$0.40"


def test_money_exact_keeps_a_unit_prices_extra_digits():
    assert _render("{{ a|money_exact:c }}", a=Decimal("16.658333"), c="USD") == "$16.658333"


def test_the_active_language_sets_the_format():
    with translation.override("de"):
        assert _render("{{ a|money:c }}", a=Decimal("-6.6"), c="EUR") == f"-6,60{NBSP}€"
    assert _render("{{ a|money:c }}", a=Decimal("-6.6"), c="EUR") == "-€6.60"


def test_a_missing_amount_shows_a_dash_and_a_json_string_amount_is_formatted():
    assert _render("{{ a|money:c }}", a=None, c="USD") == "—"
    assert _render("{{ a|money:c }}", a="", c="USD") == "—"
    assert _render("{{ a|money:c }}", a="307.3", c="USD") == "$307.30"


def test_without_a_currency_the_amount_still_has_its_cents():
    assert _render("{{ a|money:c }}", a=Decimal("22.0"), c="") == "22.00"


def test_a_value_that_is_not_an_amount_is_shown_as_it_is_not_a_500():
    assert _render("{{ a|money:c }}", a="n/a", c="USD") == "n/a"
