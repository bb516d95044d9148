"""The sandbox rounds like Odoo 18: field digits (decimal.precision), currency rounding, per line vs globally."""

from __future__ import annotations

from typing import Any

LINE_FIELDS = ["price_unit", "discount", "product_uom_qty", "price_subtotal", "price_total"]
TOTALS = ["amount_untaxed", "amount_tax", "amount_total"]


def _tax(odoo: Any, percent: float, included: bool = False) -> int:
    return int(
        odoo.call(
            "account.tax",
            "create",
            [
                {
                    "name": f"Rounding {percent}%{' incl' if included else ''}",
                    "amount": percent,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included" if included else "tax_excluded",
                }
            ],
        )
    )


def _order(odoo: Any, lines: list[dict[str, Any]], **extra: Any) -> int:
    product = odoo.product("SKU-TSHIRT-M")
    order_line = [(0, 0, {"product_id": product, "tax_id": [(6, 0, [])], **line}) for line in lines]
    return int(
        odoo.call("sale.order", "create", [{"partner_id": odoo.jane(), "order_line": order_line, **extra}])
    )


def _lines(odoo: Any, order: int) -> list[dict[str, Any]]:
    ids = odoo.read_one("sale.order", order, ["order_line"])["order_line"]
    return [
        {key: row[key] for key in LINE_FIELDS}
        for row in odoo.call("sale.order.line", "read", [ids], {"fields": LINE_FIELDS})
    ]


def test_it_stores_a_discount_with_the_discount_precision(odoo) -> None:
    # given a discount allocation of 3.33 on 199.00 sent as a percentage
    order = _order(odoo, [{"product_uom_qty": 1, "price_unit": 199.0, "discount": 3.33 / 199.0 * 100}])

    # then Odoo keeps 2 digits (1.67 %) and the line is 195.68, not Shopify's 195.67
    assert _lines(odoo, order) == [
        {
            "price_unit": 199.0,
            "discount": 1.67,
            "product_uom_qty": 1.0,
            "price_subtotal": 195.68,
            "price_total": 195.68,
        }
    ]


def test_it_stores_a_unit_price_with_the_product_price_precision(odoo) -> None:
    order = _order(odoo, [{"product_uom_qty": 3, "price_unit": 65.6666666, "discount": 0}])

    [line] = _lines(odoo, order)

    assert (line["price_unit"], line["price_subtotal"]) == (65.67, 197.01)


def test_it_follows_a_changed_decimal_precision(odoo) -> None:
    [price] = odoo.call("decimal.precision", "search", [[["name", "=", "Product Price"]]])
    odoo.call("decimal.precision", "write", [[price], {"digits": 4}])

    order = _order(odoo, [{"product_uom_qty": 3, "price_unit": 65.6666666, "discount": 0}])

    [line] = _lines(odoo, order)
    assert (line["price_unit"], line["price_subtotal"]) == (65.6667, 197.0)


def test_it_rounds_taxes_per_line_by_default(odoo) -> None:
    tax = _tax(odoo, 7.25)
    lines = [{"product_uom_qty": 1, "price_unit": 10.10, "tax_id": [(6, 0, [tax])]}] * 3

    order = _order(odoo, lines)

    # each line: 10.10 x 7.25 % = 0.73225 -> 0.73; three lines: 2.19
    totals = odoo.read_one("sale.order", order, TOTALS)
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (30.3, 2.19, 32.49)


def test_it_rounds_taxes_globally_when_the_company_says_so(odoo) -> None:
    odoo.call("res.company", "write", [[1], {"tax_calculation_rounding_method": "round_globally"}])
    tax = _tax(odoo, 7.25)
    lines = [{"product_uom_qty": 1, "price_unit": 10.10, "tax_id": [(6, 0, [tax])]}] * 3

    order = _order(odoo, lines)

    # 30.30 x 7.25 % = 2.19675 -> 2.20, rounded once for the document
    totals = odoo.read_one("sale.order", order, TOTALS)
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (30.3, 2.2, 32.5)


def test_it_rounds_the_base_before_the_tax_per_line(odoo) -> None:
    # 3 x 3.335 = 10.005: Odoo rounds the line's base (10.01) and then its tax (10.01 x 5 % = 0.5005 -> 0.50)
    tax = _tax(odoo, 5.0)
    [price] = odoo.call("decimal.precision", "search", [[["name", "=", "Product Price"]]])
    odoo.call("decimal.precision", "write", [[price], {"digits": 3}])

    order = _order(odoo, [{"product_uom_qty": 3, "price_unit": 3.335, "tax_id": [(6, 0, [tax])]}])

    totals = odoo.read_one("sale.order", order, TOTALS)
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (10.01, 0.5, 10.51)


def test_it_splits_a_price_included_tax_per_line(odoo) -> None:
    tax = _tax(odoo, 20.0, included=True)

    order = _order(odoo, [{"product_uom_qty": 1, "price_unit": 19.99, "tax_id": [(6, 0, [tax])]}])

    # 19.99 / 1.2 x 0.2 = 3.3316 -> 3.33; untaxed = 19.99 - 3.33
    totals = odoo.read_one("sale.order", order, TOTALS)
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (16.66, 3.33, 19.99)


def test_it_rounds_to_the_currency_of_the_order(odoo) -> None:
    [jpy] = odoo.call(
        "res.currency", "search", [[["name", "=", "JPY"], ["active", "in", [True, False]]]]
    ) or [None]
    if jpy is None:
        jpy = odoo.call("res.currency", "create", [{"name": "JPY", "rounding": 1.0, "decimal_places": 0}])
    odoo.call("res.currency", "write", [[jpy], {"active": True}])
    pricelist = odoo.call("product.pricelist", "create", [{"name": "Yen", "currency_id": jpy}])
    tax = _tax(odoo, 10.0)

    order = _order(
        odoo,
        [{"product_uom_qty": 1, "price_unit": 1234.0, "tax_id": [(6, 0, [tax])]}],
        pricelist_id=pricelist,
    )

    totals = odoo.read_one("sale.order", order, TOTALS)
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (1234.0, 123.0, 1357.0)


def test_it_gives_the_totals_measured_on_a_real_odoo_18_for_both_rounding_methods(odoo) -> None:
    # /work/odoo18/FACTS.md (c): 3 lines at 15 %, of 1.05 x 1 and of 1.05 x 3, on Odoo 18.0-20250702
    tax = _tax(odoo, 15.0)
    measured = {
        ("round_per_line", 1): (3.15, 0.48, 3.63),
        ("round_per_line", 3): (9.45, 1.41, 10.86),
        ("round_globally", 1): (3.15, 0.47, 3.62),
        ("round_globally", 3): (9.45, 1.42, 10.87),
    }
    for (method, quantity), expected in measured.items():
        odoo.call("res.company", "write", [[1], {"tax_calculation_rounding_method": method}])
        lines = [{"product_uom_qty": quantity, "price_unit": 1.05, "tax_id": [(6, 0, [tax])]}] * 3

        order = _order(odoo, lines)

        totals = odoo.read_one("sale.order", order, TOTALS)
        assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == expected, method
