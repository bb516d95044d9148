"""orders/money.py against figures read from real Odoo servers: the totals Synco predicts, to the cent.

The fixtures hold sale orders created on a real Odoo 19.0 (its default, round_globally) and a real 18.0
(round_per_line as it comes, and round_globally for one run): tests/fixtures/odoo/sale_order_totals__*.json.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orders.money import (
    ROUND_GLOBALLY,
    ROUND_PER_LINE,
    DocumentFigures,
    LineInput,
    TaxRate,
    correction_base,
    document_figures,
    line_figures,
    round_to,
)
from synco.odoo.versions import dialect_for

CENT = Decimal("0.01")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "odoo"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


CASES = _load("sale_order_totals__cases.json")
RANDOM = _load("sale_order_totals__random.json")


def _rates(taxes: dict[str, Any]) -> tuple[dict[str, int], dict[int, TaxRate]]:
    ids = {role: index for index, role in enumerate(taxes, start=1)}
    rates = {
        ids[role]: TaxRate(ids[role], Decimal(tax["percent"]), tax["included"], tax["sequence"])
        for role, tax in taxes.items()
    }
    return ids, rates


def _predict(taxes: dict[str, Any], order: dict[str, Any], server: str) -> list[Decimal]:
    """(untaxed, tax, total) for a server key such as '19.0 round_globally'."""
    version, method = server.split()
    ids, rates = _rates(taxes)
    lines = [
        LineInput(Decimal(quantity), Decimal(price), Decimal(discount), tuple(ids[role] for role in roles))
        for quantity, price, discount, roles in order["lines"]
    ]
    # The dialect row of that version says whether it keeps a price-included total.
    keeps = dialect_for(version).round_globally_keeps_included_total
    figures = document_figures(lines, rates, CENT, method, keeps_included_total=keeps)
    return [figures.untaxed, figures.tax, figures.total]


def _real(order: dict[str, Any], server: str) -> list[Decimal]:
    return [Decimal(amount) for amount in order["odoo"][server]]


def _included_20(*prices: str, quantity: str = "1") -> tuple[list[LineInput], dict[int, TaxRate]]:
    lines = [LineInput(Decimal(quantity), Decimal(price), Decimal(0), (1,)) for price in prices]
    return lines, {1: TaxRate(1, Decimal(20), True)}


def _totals(figures: DocumentFigures) -> tuple[Decimal, Decimal, Decimal]:
    return figures.untaxed, figures.tax, figures.total


@pytest.mark.parametrize(
    ("order", "server"),
    [(order, server) for order in CASES["orders"] for server in order["odoo"]],
    ids=lambda value: value["name"] if isinstance(value, dict) else value,
)
def test_it_predicts_the_totals_a_real_odoo_computed(order: dict[str, Any], server: str) -> None:
    assert _predict(CASES["taxes"], order, server) == _real(order, server)


def test_it_predicts_300_random_real_orders_to_the_cent() -> None:
    # given 150 random orders from a real 19 (round_globally) and 150 from a real 18 (round_per_line)
    checked = [(order, server) for order in RANDOM["orders"] for server in order["odoo"]]
    assert len(checked) == 300

    # then Synco's figures are Odoo's, every one
    wrong = [
        (order["name"], _real(order, server), _predict(RANDOM["taxes"], order, server))
        for order, server in checked
        if _predict(RANDOM["taxes"], order, server) != _real(order, server)
    ]
    assert wrong == []


def test_it_keeps_a_price_included_total_where_odoo_19_does() -> None:
    # 3 x 19.99 at 20 % included: the tax is 3 x 3.3316666... = 9.995 -> 10.00 once for the document
    lines, rates = _included_20("19.99", "19.99", "19.99")

    # Odoo 19 keeps the prices' sum (59.97) and leaves 49.97 untaxed; Odoo 18 rounds the untaxed sum (49.975)
    assert _totals(document_figures(lines, rates, CENT, ROUND_GLOBALLY, keeps_included_total=True)) == (
        Decimal("49.97"),
        Decimal("10.00"),
        Decimal("59.97"),
    )
    assert _totals(document_figures(lines, rates, CENT, ROUND_GLOBALLY)) == (
        Decimal("49.98"),
        Decimal("10.00"),
        Decimal("59.98"),
    )
    # per line: 3 x (16.66 + 3.33)
    assert _totals(document_figures(lines, rates, CENT, ROUND_PER_LINE)) == (
        Decimal("49.98"),
        Decimal("9.99"),
        Decimal("59.97"),
    )


def test_it_rounds_an_unrounded_half_cent_up_as_odoo_does() -> None:
    # 59.97 / 1.2 x 0.2 is 9.995 exactly; in 28 digits it would be 9.99499999... and round down
    lines, rates = _included_20("19.99", quantity="3")

    [figure] = document_figures(lines, rates, CENT, ROUND_GLOBALLY, keeps_included_total=True).lines

    assert (figure.subtotal, figure.tax) == (Decimal("49.98"), Decimal("10.00"))
    assert round_to(Decimal("-9.995"), CENT) == Decimal("-10.00")


def test_it_rounds_the_untaxed_sum_when_one_tax_is_price_excluded() -> None:
    # given the 3 x 19.99 included lines and one 10.10 line at 15 % excluded
    lines, rates = _included_20("19.99", "19.99", "19.99")
    rates[2] = TaxRate(2, Decimal(15), False)
    lines.append(LineInput(Decimal(1), Decimal("10.10"), Decimal(0), (2,)))

    figures = document_figures(lines, rates, CENT, ROUND_GLOBALLY, keeps_included_total=True)

    # untaxed: 3 x 16.658333... + 10.10 = 60.075 -> 60.08; taxes 10.00 and 1.515 -> 1.52
    assert _totals(figures) == (Decimal("60.08"), Decimal("11.52"), Decimal("71.60"))
    assert figures.tax_by_id == {1: Decimal("10.00"), 2: Decimal("1.52")}


def test_it_takes_a_price_excluded_tax_on_the_price_less_the_included_tax() -> None:
    rates = {1: TaxRate(1, Decimal(20), True), 2: TaxRate(2, Decimal(15), False)}
    line = LineInput(Decimal(1), Decimal("19.99"), Decimal(0), (1, 2))

    figure = line_figures(line, rates, CENT, ROUND_PER_LINE)

    # 20 % included: 3.33 of 19.99; 15 % on the 16.66 left: 2.499 -> 2.50 (not 15 % of 19.99 = 3.00)
    assert (figure.subtotal, figure.taxes) == (Decimal("16.66"), ((1, Decimal("3.33")), (2, Decimal("2.50"))))


def test_it_takes_included_taxes_of_separate_batches_one_after_the_other() -> None:
    # 10 % included (sequence 1), 15 % excluded (5), 20 % included (10): the 20 % comes out first, then the 10 %
    rates = {
        1: TaxRate(1, Decimal(10), True, 1),
        2: TaxRate(2, Decimal(15), False, 5),
        3: TaxRate(3, Decimal(20), True, 10),
    }
    line = LineInput(Decimal(1), Decimal("119.99"), Decimal(0), (3, 2, 1))

    figure = line_figures(line, rates, CENT, ROUND_PER_LINE)

    # 119.99 / 1.2 x 0.2 = 20.00; (119.99 - 20.00) / 1.1 x 0.1 = 9.09; 15 % of 90.90 = 13.635 -> 13.64
    assert figure.subtotal == Decimal("90.90")
    assert figure.taxes == ((1, Decimal("9.09")), (2, Decimal("13.64")), (3, Decimal("20.00")))


def test_it_shares_one_batch_between_consecutive_included_taxes() -> None:
    rates = {1: TaxRate(1, Decimal(20), True), 2: TaxRate(2, Decimal(15), True)}
    line = LineInput(Decimal(1), Decimal("100.00"), Decimal(0), (1, 2))

    figure = line_figures(line, rates, CENT, ROUND_PER_LINE)

    # 100 / 1.35 x 0.20 = 14.81 and 100 / 1.35 x 0.15 = 11.11; the rest untaxed
    assert (figure.subtotal, figure.taxes) == (
        Decimal("74.08"),
        ((1, Decimal("14.81")), (2, Decimal("11.11"))),
    )


def test_it_finds_the_correction_that_brings_a_tax_to_its_target_under_global_rounding() -> None:
    # given 3 x 19.99 included: Odoo's tax is 10.00; Shopify charged 9.99
    lines, rates = _included_20("19.99", "19.99", "19.99")

    base = correction_base(lines, rates, CENT, ROUND_GLOBALLY, 1, Decimal("9.99"))

    assert base is not None
    corrected = [
        *lines,
        LineInput(Decimal(1), base, Decimal(0), (1,)),
        LineInput(Decimal(1), -base, Decimal(0), ()),
    ]
    for keeps in (True, False):
        figures = document_figures(corrected, rates, CENT, ROUND_GLOBALLY, keeps_included_total=keeps)
        assert figures.tax == Decimal("9.99")
