from __future__ import annotations

from decimal import Decimal

import pytest

from orders.mapping import MappingError, MappingRules, OdooRefs, discount_percent, sale_order_values
from synco.odoo.client import OdooTax
from synco.shopify.types import parse_order
from tests.factories import order_node

TAXES = (
    OdooTax(id=1, name="15%", amount=Decimal("15.0"), price_included=False),
    OdooTax(id=7, name="20% incl.", amount=Decimal("20.0"), price_included=True),
)
REFS = OdooRefs(
    partner_id=7,
    invoice_partner_id=9,
    shipping_partner_id=8,
    product_ids={"SKU-TSHIRT-M": 2, "SKU-GIFTWRAP": 5},
    delivery_product_id=1,
    taxes=TAXES,
)


def test_it_maps_lines_discounts_taxes_and_shipping():
    values = sale_order_values(parse_order(order_node()), MappingRules(order_prefix="SHOP"), REFS)

    assert values["name"] == "SHOP#1001"
    assert values["client_order_ref"] == "#1001"
    assert values["origin"] == "shopify:order:5550001001"
    assert values["date_order"] == "2026-11-20 14:03:00"
    assert values["partner_id"] == 7
    assert values["partner_invoice_id"] == 9
    assert values["partner_shipping_id"] == 8
    assert values["note"] == "<p>Leave at the door</p>"
    lines = [line[2] for line in values["order_line"]]
    assert lines[0] == {
        "product_id": 2,
        "name": "Organic T-Shirt - M",
        "product_uom_qty": 2,
        "price_unit": Decimal("25.00"),
        "discount": Decimal("10.0000"),
        "tax_id": [(6, 0, [1])],
    }
    assert lines[1]["product_id"] == 5
    assert lines[1]["discount"] == Decimal("0")
    assert lines[2] == {
        "product_id": 1,
        "name": "Shipping: Standard",
        "product_uom_qty": 1,
        "price_unit": Decimal("5.99"),
        "discount": Decimal("0"),
        "tax_id": [(6, 0, [])],
        "is_delivery": True,
    }


def test_it_leaves_the_name_to_odoo_when_the_shopify_number_is_not_used():
    values = sale_order_values(parse_order(order_node()), MappingRules(use_shopify_order_number=False), REFS)

    assert "name" not in values


def test_it_refuses_an_unknown_sku_naming_it():
    refs = OdooRefs(**{**REFS.__dict__, "product_ids": {"SKU-GIFTWRAP": 5}})

    with pytest.raises(MappingError, match="No Odoo product has the SKU 'SKU-TSHIRT-M'"):
        sale_order_values(parse_order(order_node()), MappingRules(), refs)


def test_it_refuses_a_tax_rate_odoo_does_not_have():
    refs = OdooRefs(**{**REFS.__dict__, "taxes": (TAXES[1],)})

    with pytest.raises(MappingError, match=r"no sale tax of 15% excluded from the price"):
        sale_order_values(parse_order(order_node()), MappingRules(), refs)


def test_it_matches_price_included_taxes_only_to_included_odoo_taxes():
    node = order_node(taxesIncluded=True)
    for line in node["lineItems"]["nodes"]:
        line["taxLines"] = [{"title": "VAT", "rate": 0.2, "ratePercentage": 20.0, "priceSet": None}]

    values = sale_order_values(parse_order(node), MappingRules(), REFS)

    assert values["order_line"][0][2]["tax_id"] == [(6, 0, [7])]


def test_it_skips_removed_lines_and_refuses_an_order_with_nothing_left():
    node = order_node(shippingLines={"nodes": []})
    for line in node["lineItems"]["nodes"]:
        line["quantity"] = 0

    with pytest.raises(MappingError, match="no line with a quantity"):
        sale_order_values(parse_order(node), MappingRules(), REFS)


def test_it_computes_the_discount_percentage_from_the_allocated_amount():
    assert discount_percent(Decimal("25.00"), 3, Decimal("5.00")) == Decimal("6.6667")
    assert discount_percent(Decimal("0"), 1, Decimal("1")) == Decimal("0")
