from __future__ import annotations

from decimal import Decimal

import pytest

from orders.mapping import (
    MappingError,
    MappingRules,
    OdooRefs,
    SaleLine,
    TotalsCheck,
    lines_to_untax,
    load_table,
    order_note,
    sale_order_draft,
)
from synco.odoo.client import OdooTax
from synco.shopify.types import parse_order
from tests.factories import money, order_node

TAXES = (
    OdooTax(id=1, name="15%", amount=Decimal("15.0"), price_included=False),
    OdooTax(id=7, name="20% incl.", amount=Decimal("20.0"), price_included=True),
)
REFS = OdooRefs(
    partner_id=7,
    invoice_partner_id=9,
    shipping_partner_id=8,
    product_ids={"9001": 2, "9002": 5},
    delivery_product_id=1,
    discount_product_id=30,
    tip_product_id=31,
    taxes=TAXES,
    correction_product_id=32,
)


def test_it_maps_lines_discounts_taxes_and_shipping():
    draft = sale_order_draft(parse_order(order_node()), MappingRules(order_prefix="SHOP"), REFS)

    assert draft.xmlid == "shopify.order_5550001001"
    assert draft.name == "SHOP#1001"
    assert draft.client_order_ref == "#1001"
    assert draft.origin == "shopify:order:5550001001"
    assert draft.date_order == "2026-11-20 14:03:00"
    assert (draft.partner_id, draft.invoice_partner_id, draft.shipping_partner_id) == (7, 9, 8)
    assert draft.lines == (
        SaleLine("line_9001", 2, "Organic T-Shirt - M", Decimal(2), Decimal("22.50"), Decimal("0"), (1,)),
        SaleLine("line_9002", 5, "Gift wrap", Decimal(1), Decimal("3.50"), Decimal("0"), (1,)),
        SaleLine(
            "shipping_5550001001_0",
            1,
            "Shipping: Standard",
            Decimal(1),
            Decimal("5.99"),
            Decimal("0"),
            (),
            is_delivery=True,
        ),
    )


def test_it_writes_the_load_table_with_an_external_id_on_the_order_and_each_line():
    draft = sale_order_draft(parse_order(order_node()), MappingRules(order_prefix="SHOP"), REFS)

    fields, rows = load_table(draft, "tax_id")

    assert fields[:3] == ["id", "name", "partner_id/.id"]
    assert "order_line/tax_id/.id" in fields
    table = [dict(zip(fields, row, strict=True)) for row in rows]
    assert table[0]["id"] == "shopify.order_5550001001"
    assert table[0]["date_order"] == "2026-11-20 14:03:00"
    assert [row["order_line/id"] for row in table] == [
        "shopify.line_9001",
        "shopify.line_9002",
        "shopify.shipping_5550001001_0",
    ]
    assert [row["order_line/price_unit"] for row in table] == ["22.5", "3.5", "5.99"]
    assert [row["order_line/discount"] for row in table] == ["0", "0", "0"]
    assert [row["order_line/tax_id/.id"] for row in table] == ["1", "1", ""]
    assert table[1]["id"] == "" and table[1]["partner_id/.id"] == ""
    assert lines_to_untax(draft, {1, 2}) == ["shipping_5550001001_0"]
    assert lines_to_untax(draft, {2}) == []


def test_it_leaves_the_name_to_odoo_when_the_shopify_number_is_not_used():
    draft = sale_order_draft(parse_order(order_node()), MappingRules(use_shopify_order_number=False), REFS)

    assert draft.name == ""


def test_it_can_put_discounts_on_separate_lines_per_tax():
    draft = sale_order_draft(parse_order(order_node()), MappingRules(discount_lines=True), REFS)

    assert draft.lines[0].discount == Decimal("0")
    discount = [line for line in draft.lines if line.key.startswith("discount_")]
    assert discount == [
        SaleLine("discount_5550001001_0", 30, "Discount", Decimal(1), Decimal("-5.00"), Decimal("0"), (1,))
    ]


def test_it_adds_a_tip_line():
    draft = sale_order_draft(parse_order(order_node(totalTipReceivedSet=money("4.00"))), MappingRules(), REFS)

    assert draft.lines[-1] == SaleLine("tip_5550001001", 31, "Tip", Decimal(1), Decimal("4.00"))


def test_it_refuses_a_line_without_a_matched_product():
    refs = OdooRefs(**{**REFS.__dict__, "product_ids": {"9002": 5}})

    with pytest.raises(MappingError, match="No Odoo product is matched to line 'Organic T-Shirt - M'"):
        sale_order_draft(parse_order(order_node()), MappingRules(), refs)


def test_it_refuses_a_tax_rate_odoo_does_not_have():
    refs = OdooRefs(**{**REFS.__dict__, "taxes": (TAXES[1],)})

    with pytest.raises(MappingError, match=r"no sale tax of 15% excluded from the price"):
        sale_order_draft(parse_order(order_node()), MappingRules(), refs)


def test_it_matches_price_included_taxes_only_to_included_odoo_taxes():
    node = order_node(taxesIncluded=True)
    for line, tax in zip(node["lineItems"]["nodes"], ("7.50", "0.58"), strict=True):
        line["taxLines"] = [{"title": "VAT", "rate": 0.2, "ratePercentage": 20.0, "priceSet": money(tax)}]

    draft = sale_order_draft(parse_order(node), MappingRules(), REFS)

    assert draft.lines[0].tax_ids == (7,)


def test_it_skips_removed_lines_and_refuses_an_order_with_nothing_left():
    node = order_node(shippingLines={"nodes": []})
    for line in node["lineItems"]["nodes"]:
        line["quantity"] = 0

    with pytest.raises(MappingError, match="no line with a quantity"):
        sale_order_draft(parse_order(node), MappingRules(), REFS)


def test_it_writes_note_attributes_and_tags_into_the_note_as_the_rules_say():
    order = parse_order(order_node(note="Ring <twice>", tags=["vip", "wholesale"]))

    assert order_note(order, MappingRules()) == (
        "<p>Ring &lt;twice&gt;</p><ul><li>gift: yes</li></ul><p>Tags: vip, wholesale</p>"
    )
    assert (
        order_note(order, MappingRules(sync_note_attributes=False, sync_tags=False))
        == "<p>Ring &lt;twice&gt;</p>"
    )


def test_it_nets_a_discount_into_prices_odoo_can_hold_to_the_cent():
    # 3 x 25.00 - 5.00 = 70.00 does not divide by 3: two lines, 2 x 23.33 and 1 x 23.34
    node = order_node()
    node["lineItems"]["nodes"][0]["quantity"] = 3
    node["lineItems"]["nodes"][0]["taxLines"][0]["priceSet"] = money("10.50")

    draft = sale_order_draft(parse_order(node), MappingRules(), REFS)

    assert [(line.key, line.quantity, line.price_unit, line.discount) for line in draft.lines[:2]] == [
        ("line_9001", Decimal(2), Decimal("23.33"), Decimal(0)),
        ("line_9001_2", Decimal(1), Decimal("23.34"), Decimal(0)),
    ]
    assert draft.expected_untaxed == Decimal("79.49")


def test_it_judges_totals_against_the_tolerance():
    check = TotalsCheck(Decimal("97.48"), Decimal("97.47"), Decimal("0.01"))

    assert check.within_tolerance
    assert check.describe() == "Odoo total 97.48 differs from Shopify total 97.47 by +0.01 (tolerance 0.01)."
    assert not TotalsCheck(Decimal("97.50"), Decimal("97.47"), Decimal("0.01")).within_tolerance


def test_it_writes_the_totals_in_the_orders_currency():
    # given Shopify's total as its API writes it ("307.3") and Odoo's to the cent
    check = TotalsCheck(Decimal("307.30"), Decimal("307.3"), Decimal("0.01"), currency="USD")
    assert check.describe() == "Totals match ($307.30)."

    check = TotalsCheck(Decimal("307.30"), Decimal("307.7"), Decimal("0.01"), currency="USD")
    assert check.describe() == (
        "Odoo total $307.30 differs from Shopify total $307.70 by -$0.40 (tolerance $0.01)."
    )
    yen = TotalsCheck(Decimal("6480"), Decimal("6479"), Decimal("1"), Decimal("589"), Decimal("590"), "JPY")
    assert yen.describe() == (
        "Odoo total ¥6,480 differs from Shopify total ¥6,479 by +¥1; "
        "Odoo tax ¥589 differs from Shopify tax ¥590 by -¥1 (tolerance ¥1)."
    )
