"""§4: products (product.product / product.template); 18 and 19 track stock with is_storable, 17 with type."""

from __future__ import annotations

import pytest

from .conftest import Catalogue, OdooApi, Refs, make_product


def test_it_ships_the_delivery_product_as_an_untaxed_service(odoo_api: OdooApi, refs: Refs) -> None:
    row = odoo_api.read_one("product.product", refs.delivery_product, ["default_code", "type", "taxes_id"])
    assert row == {
        "id": refs.delivery_product,
        "default_code": "Delivery_007",
        "type": "service",
        "taxes_id": [],
    }


def test_it_creates_and_reads_a_storable_product(odoo_api: OdooApi, refs: Refs) -> None:
    code, barcode = odoo_api.unique("SKU-PIN"), odoo_api.barcode()
    product = make_product(
        odoo_api,
        "Enamel Pin",
        default_code=code,
        barcode=barcode,
        **odoo_api.f.storable,
        list_price=25.0,
        standard_price=8.0,
        taxes_id=[(6, 0, [refs.tax15])],
        invoice_policy="order",
    )
    row = odoo_api.read_one(
        "product.product",
        product,
        [
            "display_name",
            *odoo_api.f.storable,
            "list_price",
            "lst_price",
            "taxes_id",
            "product_tmpl_id",
            "uom_id",
            "tracking",
            "qty_available",
            "invoice_policy",
        ],
    )
    assert row == {
        "id": product,
        "display_name": f"[{code}] Enamel Pin",
        **odoo_api.f.storable,
        "list_price": 25.0,
        "lst_price": 25.0,
        "taxes_id": [refs.tax15],
        "product_tmpl_id": [row["product_tmpl_id"][0], f"[{code}] Enamel Pin"],
        "uom_id": [row["uom_id"][0], "Units"],
        "tracking": "none",
        "qty_available": 0.0,
        "invoice_policy": "order",
    }


def test_it_finds_products_by_sku_and_by_barcode(odoo_api: OdooApi) -> None:
    code, barcode = odoo_api.unique("SKU-FIND"), odoo_api.barcode()
    product = make_product(odoo_api, "Findable", default_code=code, barcode=barcode)
    assert odoo_api.call("product.product", "search", [[["default_code", "=", code]]]) == [product]
    assert odoo_api.call("product.product", "search", [[["barcode", "=", barcode]]]) == [product]


def test_it_applies_the_product_defaults(odoo_api: OdooApi) -> None:
    companies = odoo_api.call("res.company", "search_read", [[]], {"fields": ["account_sale_tax_id"]})
    default_taxes = sorted({row["account_sale_tax_id"][0] for row in companies if row["account_sale_tax_id"]})
    product = make_product(odoo_api, "Defaults only")
    row = odoo_api.read_one(
        "product.product", product, [*odoo_api.f.goods, "invoice_policy", "list_price", "taxes_id"]
    )
    assert row == {
        "id": product,
        **odoo_api.f.goods,
        "invoice_policy": "order",
        "list_price": 1.0,
        "taxes_id": row["taxes_id"],
    }
    assert sorted(row["taxes_id"]) == default_taxes


def test_it_accepts_a_storable_service_as_is(odoo_api: OdooApi, odoo_version: int) -> None:
    if odoo_version < 18:
        pytest.skip("is_storable is new in 18 (17 tracks stock with type 'product')")
    product = make_product(odoo_api, "Loose", type="service", is_storable=True)
    row = odoo_api.read_one("product.product", product, ["type", "is_storable"])
    assert (row["type"], row["is_storable"]) == ("service", True)


def test_it_creates_a_variant_with_each_template(odoo_api: OdooApi) -> None:
    code = odoo_api.unique("SKU-BOX")
    template = odoo_api.call(
        "product.template",
        "create",
        [{"name": "Gift box", "default_code": code, **odoo_api.f.goods}],
    )
    variant = odoo_api.read_one("product.template", template, ["product_variant_id"])["product_variant_id"]
    assert variant[1] == f"[{code}] Gift box"
    assert odoo_api.call("product.product", "search", [[["default_code", "=", code]]]) == [variant[0]]


def test_it_accepts_duplicate_skus(odoo_api: OdooApi) -> None:
    code = odoo_api.unique("SKU-TWICE")
    first = make_product(odoo_api, "First", default_code=code)
    second = make_product(odoo_api, "Second", default_code=code)
    assert first != second
    assert sorted(odoo_api.call("product.product", "search", [[["default_code", "=", code]]])) == [
        first,
        second,
    ]


def test_it_refuses_duplicate_barcodes(odoo_api: OdooApi, catalogue: Catalogue) -> None:
    taken = odoo_api.read_one("product.product", catalogue.shirt, ["barcode", "display_name"])
    fault = odoo_api.fault(
        "product.product", "create", [{"name": "Dup barcode", "barcode": taken["barcode"]}]
    )
    assert fault.faultCode == 2
    assert fault.faultString == (
        f'Barcode(s) already assigned:\n\n- Barcode "{taken["barcode"]}" already assigned to product(s): '
        f"{taken['display_name']} and Dup barcode\n\n"
        "Note: products that you don't have access to will not be shown above."
    )
    assert odoo_api.call("product.product", "search", [[["barcode", "=", taken["barcode"]]]]) == [
        catalogue.shirt
    ]


def test_it_hides_archived_products_unless_the_domain_mentions_active(odoo_api: OdooApi) -> None:
    code = odoo_api.unique("SKU-OLD")
    product = make_product(odoo_api, "Archived", default_code=code)
    assert odoo_api.call("product.product", "write", [[product], {"active": False}]) is True
    assert odoo_api.call("product.product", "search", [[["default_code", "=", code]]]) == []
    assert odoo_api.call(
        "product.product", "search", [[["default_code", "=", code], ["active", "in", [True, False]]]]
    ) == [product]


def test_it_rejects_detailed_type_as_an_invalid_field(odoo_api: OdooApi, odoo_version: int) -> None:
    if odoo_version < 18:
        pytest.skip("detailed_type is a field of 17 (gone in 18)")
    code = odoo_api.unique("SKU-OLDTYPE")
    fault = odoo_api.fault(
        "product.product", "create", [{"name": "Old", "default_code": code, "detailed_type": "product"}]
    )
    assert fault.faultCode == 1
    # "... on model 'product.product'" in 18, "... in 'product.product'" in 19
    last = odoo_api.last_line(fault)
    assert last.startswith("ValueError: Invalid field 'detailed_type' ")
    assert "'product.product'" in last
    assert odoo_api.call("product.product", "search", [[["default_code", "=", code]]]) == []


def test_it_refuses_the_pre_18_product_type(odoo_api: OdooApi, odoo_version: int) -> None:
    if odoo_version < 18:
        pytest.skip("type 'product' is 17's storable product")
    code = odoo_api.unique("SKU-OLDTYPE")
    fault = odoo_api.fault(
        "product.product", "create", [{"name": "Old", "default_code": code, "type": "product"}]
    )
    assert fault.faultCode == 1
    assert odoo_api.last_line(fault) == "ValueError: Wrong value for product.template.type: 'product'"
    selection = odoo_api.call("product.template", "fields_get", [["type"]], {"attributes": ["selection"]})
    assert selection == {
        "type": {"selection": [["consu", "Goods"], ["service", "Service"], ["combo", "Combo"]]}
    }
