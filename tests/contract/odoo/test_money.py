"""Money to the cent: the field digits, the tax arithmetic Synco predicts (orders/money.py), the tax corrections
and the one read that gives totals with each line's amounts — the same numbers on the sandbox and a real Odoo 18.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders.money import (
    ROUND_PER_LINE,
    LineInput,
    TaxRate,
    correction_base,
    document_figures,
    split_price,
)

from .conftest import Catalogue, Customer, OdooApi, Refs

CENT = Decimal("0.01")
LINE_FIELDS = ["price_unit", "discount", "product_uom_qty", "price_subtotal", "price_tax"]
TOTALS = ["amount_untaxed", "amount_tax", "amount_total"]


@pytest.fixture(scope="module")
def tax_included_20(odoo_api: OdooApi, refs: Refs) -> int:
    rows = odoo_api.call(
        "account.tax",
        "search_read",
        [
            [
                ["type_tax_use", "=", "sale"],
                ["amount_type", "=", "percent"],
                ["amount", "=", 20.0],
                *([key, "=", value] for key, value in odoo_api.f.tax_price_include(True).items()),
                ["company_id", "=", refs.company],
            ]
        ],
        {"fields": ["id"], "limit": 1},
    )
    if rows:
        return int(rows[0]["id"])
    values = {
        "name": odoo_api.unique("20% incl contract"),
        "amount": 20.0,
        "amount_type": "percent",
        "type_tax_use": "sale",
        **odoo_api.f.tax_price_include(True),
    }
    return int(odoo_api.call("account.tax", "create", [values]))


def _order(
    api: OdooApi, customer: Customer, catalogue: Catalogue, lines: list[tuple[float, float, float, list[int]]]
) -> int:
    """A quotation with (quantity, price_unit, discount, tax ids) lines."""
    values = {
        "partner_id": customer.id,
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": catalogue.shirt,
                    "product_uom_qty": quantity,
                    "price_unit": price,
                    "discount": discount,
                    api.f.tax: [(6, 0, taxes)],
                },
            )
            for quantity, price, discount, taxes in lines
        ],
    }
    return api.discard_later(int(api.call("sale.order", "create", [values])))


def _lines(api: OdooApi, order: int) -> list[dict[str, Any]]:
    ids = api.read_one("sale.order", order, ["order_line"])["order_line"]
    rows = api.call("sale.order.line", "read", [ids], {"fields": LINE_FIELDS})
    return [{key: row[key] for key in LINE_FIELDS} for row in rows]


def _totals(api: OdooApi, order: int) -> tuple[Decimal, Decimal, Decimal]:
    row = api.read_one("sale.order", order, TOTALS)
    return tuple(Decimal(str(row[name])).quantize(CENT) for name in TOTALS)  # type: ignore[return-value]


def test_it_keeps_two_digits_of_a_discount_so_a_percentage_loses_the_cent(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    # Shopify: 199.00 with a 3.33 allocation = 195.67; as a percentage that is 1.67336683…
    order = _order(odoo_api, customer, catalogue, [(1, 199.0, 3.33 / 199.0 * 100, [])])

    [line] = _lines(odoo_api, order)

    assert (line["discount"], line["price_subtotal"]) == (1.67, 195.68)


def test_it_holds_a_net_price_and_a_split_line_to_the_cent(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    # 3 x 199.00 - 10.00 = 587.00 does not divide by 3: Synco sends 2 x 195.66 and 1 x 195.68
    parts = split_price(Decimal("587.00"), 3, CENT)
    assert parts == [(2, Decimal("195.66")), (1, Decimal("195.68"))]

    order = _order(odoo_api, customer, catalogue, [(q, float(p), 0.0, []) for q, p in parts])

    assert [line["price_unit"] for line in _lines(odoo_api, order)] == [195.66, 195.68]
    assert _totals(odoo_api, order) == (Decimal("587.00"), Decimal("0.00"), Decimal("587.00"))


def test_it_computes_taxes_as_synco_predicts(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, refs: Refs, tax_included_20: int, client: Any
) -> None:
    # given lines whose per-line taxes round differently from the sum (7 x 10.10 at 15 % and 19.99 at 20 % incl.)
    method = client.company_tax_rounding()
    rates = {
        refs.tax15: TaxRate(refs.tax15, Decimal(15), False),
        tax_included_20: TaxRate(tax_included_20, Decimal(20), True),
    }
    excluded = [LineInput(Decimal(1), Decimal("10.10"), Decimal(0), (refs.tax15,))] * 7
    included = [LineInput(Decimal(1), Decimal("19.99"), Decimal(0), (tax_included_20,))] * 3

    for lines in (excluded, included):
        order = _order(
            odoo_api,
            customer,
            catalogue,
            [(float(line.quantity), float(line.price_unit), 0.0, list(line.tax_ids)) for line in lines],
        )
        predicted = document_figures(
            lines, rates, CENT, method, client.dialect.round_globally_keeps_included_total
        )

        assert _totals(odoo_api, order) == (predicted.untaxed, predicted.tax, predicted.total)


def test_it_brings_odoo_tax_to_shopify_tax_with_a_correction_pair(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, refs: Refs, client: Any
) -> None:
    # given Shopify charged 6.76 of tax on 45.00 (a manual edit): Odoo's 15 % gives 6.75
    method = client.company_tax_rounding()
    rates = {refs.tax15: TaxRate(refs.tax15, Decimal(15), False)}
    lines = [LineInput(Decimal(2), Decimal("22.50"), Decimal(0), (refs.tax15,))]
    base = correction_base(lines, rates, CENT, method, refs.tax15, Decimal("6.76"))
    assert base is not None

    # when Synco adds the taxed correction line and its untaxed counterpart
    order = _order(
        odoo_api,
        customer,
        catalogue,
        [(2, 22.5, 0.0, [refs.tax15]), (1, float(base), 0.0, [refs.tax15]), (1, -float(base), 0.0, [])],
    )

    # then Odoo's untaxed stays Shopify's and its tax is Shopify's to the cent
    assert _totals(odoo_api, order) == (Decimal("45.00"), Decimal("6.76"), Decimal("51.76"))


def test_it_reads_totals_and_each_lines_amounts_in_one_call(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, refs: Refs, client: Any
) -> None:
    order = _order(odoo_api, customer, catalogue, [(2, 22.5, 0.0, [refs.tax15]), (1, 3.5, 0.0, [])])
    before = client.rpc_calls

    sale = client.read_sale_order(order)

    assert client.rpc_calls - before == 1
    assert (sale.amount_untaxed, sale.amount_tax, sale.amount_total) == (
        Decimal("48.50"),
        Decimal("6.75"),
        Decimal("55.25"),
    )
    assert [(line.price_subtotal, line.price_tax) for line in sale.lines] == [
        (Decimal("45.00"), Decimal("6.75")),
        (Decimal("3.50"), Decimal("0.00")),
    ]


def test_it_reads_the_company_tax_rounding_method(client: Any) -> None:
    assert client.company_tax_rounding() in (ROUND_PER_LINE, "round_globally")
