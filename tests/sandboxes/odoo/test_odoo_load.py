from __future__ import annotations

FIELDS = [
    "id",
    "partner_id/.id",
    "partner_shipping_id/.id",
    "partner_invoice_id/.id",
    "client_order_ref",
    "origin",
    "order_line/id",
    "order_line/product_id/.id",
    "order_line/product_uom_qty",
    "order_line/price_unit",
]


def _rows(
    odoo,
    first_line: str = "shopify.line_9001",
    second_line: str = "shopify.line_9002",
    product: str | None = None,
) -> list[list[str]]:
    shirt = product or str(odoo.product("SKU-TSHIRT-M"))
    wrap = str(odoo.product("SKU-GIFTWRAP"))
    return [
        [
            "shopify.order_5550001003",
            "7",
            "8",
            "9",
            "#1003-load",
            "shopify:order:5550001003",
            first_line,
            shirt,
            "2",
            "25.0",
        ],
        ["", "", "", "", "", "", second_line, wrap, "1", "3.5"],
    ]


def test_it_upserts_an_order_and_its_lines_by_external_id(odoo) -> None:
    odoo.jane()
    first = odoo.call("sale.order", "load", [FIELDS, _rows(odoo)])
    assert first == {"ids": [1], "messages": [], "nextrow": 0}
    again = odoo.call("sale.order", "load", [FIELDS, _rows(odoo)])
    assert again == {"ids": [1], "messages": [], "nextrow": 0}
    row = odoo.read_one("sale.order", 1, ["order_line", "amount_total", "name", "client_order_ref"])
    assert (len(row["order_line"]), row["amount_total"], row["name"]) == (2, 61.53, "S00001")
    assert (
        odoo.call("ir.model.data", "check_object_reference", ["shopify", "line_9002"])[0] == "sale.order.line"
    )


def test_it_appends_lines_again_when_they_have_no_external_id(odoo) -> None:
    odoo.jane()
    odoo.call("sale.order", "load", [FIELDS, _rows(odoo, "", "")])
    odoo.call("sale.order", "load", [FIELDS, _rows(odoo, "", "")])
    row = odoo.read_one("sale.order", 1, ["order_line", "amount_total"])
    assert (len(row["order_line"]), row["amount_total"]) == (4, 123.06)


def test_it_returns_load_errors_as_messages_and_rolls_back(odoo) -> None:
    odoo.jane()
    result = odoo.call("sale.order", "load", [FIELDS, _rows(odoo, product="999999")])
    assert result["ids"] is False
    assert result["messages"][0]["type"] == "error"
    assert result["messages"][0]["field"] == "order_line"
    assert result["messages"][0]["message"] == (
        "No matching record found for database id '999999' in field 'Order Lines/Product'"
    )
    assert odoo.call("sale.order", "search", [[]]) == []
    assert odoo.call("ir.model.data", "search", [[["module", "=", "shopify"]]]) == []
    ok = odoo.call("sale.order", "load", [FIELDS, _rows(odoo)])
    assert odoo.read_one("sale.order", ok["ids"][0], ["name"])["name"] == "S00002"
