from __future__ import annotations

BARCODE_TAKEN = (
    'Barcode(s) already assigned:\n\n- Barcode "0012345678912" already assigned to product(s): '
    "[SKU-TSHIRT-M] Organic T-Shirt - M and Dup barcode\n\n"
    "Note: products that you don't have access to will not be shown above."
)


def test_it_creates_and_reads_a_storable_product(odoo) -> None:
    product = odoo.call(
        "product.product",
        "create",
        [
            {
                "name": "Enamel Pin",
                "default_code": "SKU-PIN",
                "barcode": "0099999999990",
                "type": "consu",
                "is_storable": True,
                "list_price": 25.0,
                "standard_price": 8.0,
                "taxes_id": [(6, 0, [1])],
                "invoice_policy": "order",
            }
        ],
    )
    row = odoo.read_one(
        "product.product",
        product,
        [
            "display_name",
            "type",
            "is_storable",
            "list_price",
            "lst_price",
            "taxes_id",
            "product_tmpl_id",
            "uom_id",
            "tracking",
            "qty_available",
        ],
    )
    assert row == {
        "id": product,
        "display_name": "[SKU-PIN] Enamel Pin",
        "type": "consu",
        "is_storable": True,
        "list_price": 25.0,
        "lst_price": 25.0,
        "taxes_id": [1],
        "product_tmpl_id": [product, "[SKU-PIN] Enamel Pin"],
        "uom_id": [1, "Units"],
        "tracking": "none",
        "qty_available": 0.0,
    }
    assert odoo.call("product.product", "search", [[["barcode", "=", "0099999999990"]]]) == [product]


def test_it_applies_odoo_18_product_defaults(odoo) -> None:
    product = odoo.call("product.product", "create", [{"name": "Defaults only"}])
    row = odoo.read_one(
        "product.product", product, ["type", "is_storable", "taxes_id", "invoice_policy", "list_price"]
    )
    assert row == {
        "id": product,
        "type": "consu",
        "is_storable": False,
        "taxes_id": [1],
        "invoice_policy": "order",
        "list_price": 1.0,
    }


def test_it_creates_a_variant_with_each_template(odoo) -> None:
    template = odoo.call(
        "product.template",
        "create",
        [{"name": "Gift box", "default_code": "SKU-BOX", "type": "consu", "is_storable": False}],
    )
    variant = odoo.read_one("product.template", template, ["product_variant_id"])["product_variant_id"]
    assert variant == [template, "[SKU-BOX] Gift box"]


def test_it_refuses_duplicate_barcodes_but_not_duplicate_skus(odoo) -> None:
    fault = odoo.fault("product.product", "create", [{"name": "Dup barcode", "barcode": "0012345678912"}])
    assert (fault.faultCode, fault.faultString) == (2, BARCODE_TAKEN)
    again = odoo.call("product.product", "create", [{"name": "Second M", "default_code": "SKU-TSHIRT-M"}])
    assert len(odoo.call("product.product", "search", [[["default_code", "=", "SKU-TSHIRT-M"]]])) == 2
    assert again > 16


def test_it_hides_archived_products_unless_asked(odoo) -> None:
    mug = odoo.product("SKU-MUG")
    odoo.call("product.product", "write", [[mug], {"active": False}])
    assert odoo.call("product.product", "search", [[["default_code", "=", "SKU-MUG"]]]) == []
    assert odoo.call(
        "product.product", "search", [[["default_code", "=", "SKU-MUG"], ["active", "in", [True, False]]]]
    ) == [mug]


def test_it_rejects_the_pre_18_product_type_fields(odoo) -> None:
    fault = odoo.fault("product.product", "create", [{"name": "Old", "detailed_type": "product"}])
    assert fault.faultCode == 1
    assert odoo.last_line(fault) == "ValueError: Invalid field 'detailed_type' on model 'product.product'"
    fault = odoo.fault("product.product", "create", [{"name": "Old", "type": "product"}])
    assert odoo.last_line(fault) == "ValueError: Wrong value for product.template.type: 'product'"
    selection = odoo.call("product.template", "fields_get", [["type"]], {"attributes": ["selection"]})
    assert selection == {
        "type": {"selection": [["consu", "Goods"], ["service", "Service"], ["combo", "Combo"]]}
    }


def test_it_ships_the_delivery_product(odoo) -> None:
    row = odoo.read_one("product.product", 1, ["default_code", "type", "taxes_id"])
    assert row == {"id": 1, "default_code": "Delivery_007", "type": "service", "taxes_id": []}


def test_it_seeds_the_catalogue_and_the_taxes(odoo) -> None:
    mug = odoo.read_one("product.product", odoo.product("SKU-MUG"), ["barcode", "list_price", "is_storable"])
    assert (mug["barcode"], mug["list_price"], mug["is_storable"]) == ("0012345678950", 12.0, True)
    wrap = odoo.read_one("product.product", odoo.product("SKU-GIFTWRAP"), ["is_storable"])
    assert wrap["is_storable"] is False
    tax = odoo.read_one(
        "account.tax",
        1,
        ["name", "amount", "amount_type", "type_tax_use", "price_include_override", "price_include"],
    )
    assert tax == {
        "id": 1,
        "name": "15%",
        "amount": 15.0,
        "amount_type": "percent",
        "type_tax_use": "sale",
        "price_include_override": False,
        "price_include": False,
    }
    included = odoo.call("account.tax", "search", [[["price_include_override", "=", "tax_included"]]])
    assert len(included) == 3
