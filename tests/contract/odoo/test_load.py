"""§10: the atomic upsert with ``load()`` and external ids."""

from __future__ import annotations

from .conftest import Catalogue, Customer, OdooApi

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
    api: OdooApi,
    customer: Customer,
    catalogue: Catalogue,
    order_xid: str,
    line_xids: tuple[str, str],
    product: int | None = None,
) -> list[list[str]]:
    return [
        [
            order_xid,
            str(customer.id),
            str(customer.delivery),
            str(customer.invoice),
            f"#load-{order_xid}",
            f"shopify:order:{order_xid}",
            line_xids[0],
            str(product or catalogue.shirt),
            "2",
            "25.0",
        ],
        ["", "", "", "", "", "", line_xids[1], str(catalogue.wrap), "1", "3.5"],
    ]


def test_it_upserts_an_order_and_its_lines_by_external_id(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    run = odoo_api.run_id
    order_xid = f"synco_contract.order_{run}_load"
    lines = (f"synco_contract.line_{run}_1", f"synco_contract.line_{run}_2")
    first = odoo_api.call(
        "sale.order", "load", [FIELDS, _rows(odoo_api, customer, catalogue, order_xid, lines)]
    )
    assert first == {"ids": first["ids"], "messages": [], "nextrow": 0}
    assert len(first["ids"]) == 1
    order = odoo_api.discard_later(first["ids"][0])
    again = odoo_api.call(
        "sale.order", "load", [FIELDS, _rows(odoo_api, customer, catalogue, order_xid, lines)]
    )
    assert again == {"ids": [order], "messages": [], "nextrow": 0}
    row = odoo_api.read_one(
        "sale.order",
        order,
        ["order_line", "amount_untaxed", "amount_total", "partner_id", "partner_shipping_id"],
    )
    assert len(row["order_line"]) == 2
    assert row["amount_untaxed"] == 53.5
    assert row["amount_total"] == 61.53
    assert (row["partner_id"][0], row["partner_shipping_id"][0]) == (customer.id, customer.delivery)
    assert odoo_api.call(
        "ir.model.data", "check_object_reference", ["synco_contract", f"order_{run}_load"]
    ) == [
        "sale.order",
        order,
    ]
    model, line = odoo_api.call(
        "ir.model.data", "check_object_reference", ["synco_contract", f"line_{run}_2"]
    )
    assert model == "sale.order.line"
    assert line in row["order_line"]


def test_it_appends_lines_again_when_they_have_no_external_id(
    odoo_api: OdooApi, tax_rounding: str, customer: Customer, catalogue: Catalogue
) -> None:
    order_xid = f"synco_contract.order_{odoo_api.run_id}_noline"
    rows = _rows(odoo_api, customer, catalogue, order_xid, ("", ""))
    first = odoo_api.call("sale.order", "load", [FIELDS, rows])
    assert first["messages"] == []
    order = odoo_api.discard_later(first["ids"][0])
    assert odoo_api.call("sale.order", "load", [FIELDS, rows])["ids"] == [order]
    row = odoo_api.read_one("sale.order", order, ["order_line", "amount_untaxed", "amount_total"])
    # twice 2 x 25.00 and 3.50 at 15 %: the tax is 16.06 rounded per line, 16.05 rounded globally (19's default)
    total = {"round_per_line": 123.06, "round_globally": 123.05}[tax_rounding]
    assert (len(row["order_line"]), row["amount_untaxed"], row["amount_total"]) == (4, 107.0, total)


def test_it_returns_load_errors_as_messages_not_a_fault(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    run = odoo_api.run_id
    order_xid = f"synco_contract.order_{run}_bad"
    missing = odoo_api.missing_id("product.product")
    rows = _rows(
        odoo_api, customer, catalogue, order_xid, (f"synco_contract.line_{run}_b1", ""), product=missing
    )
    result = odoo_api.call("sale.order", "load", [FIELDS, rows])
    assert result["ids"] is False
    assert result["messages"][0]["type"] == "error"
    assert result["messages"][0]["field"] == "order_line"
    # Synco recognises a missing record by this text (a stale id it cached)
    assert result["messages"][0]["message"] == (
        f"No matching record found for database id '{missing}' in field 'Order Lines/Product'"
    )
    assert odoo_api.call("sale.order", "search", [[["client_order_ref", "=", f"#load-{order_xid}"]]]) == []
    assert (
        odoo_api.call(
            "ir.model.data",
            "search",
            [[["module", "=", "synco_contract"], ["name", "=", f"order_{run}_bad"]]],
        )
        == []
    )


def test_an_order_without_a_name_column_is_named_by_odoo_but_an_empty_name_is_refused(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    # Synco leaves the column out when the shop does not use Shopify's order number
    run = odoo_api.run_id
    lines = (f"synco_contract.line_{run}_noname_1", f"synco_contract.line_{run}_noname_2")
    named = odoo_api.call(
        "sale.order",
        "load",
        [FIELDS, _rows(odoo_api, customer, catalogue, f"synco_contract.order_{run}_noname", lines)],
    )
    assert named["messages"] == []
    order = odoo_api.discard_later(named["ids"][0])
    name = odoo_api.read_one("sale.order", order, ["name"])["name"]
    assert name and name != "New"

    # an empty cell is a value: Odoo refuses it for the required Order Reference and writes nothing
    empty_lines = (f"synco_contract.line_{run}_empty_1", f"synco_contract.line_{run}_empty_2")
    rows = _rows(odoo_api, customer, catalogue, f"synco_contract.order_{run}_empty", empty_lines)
    refused = odoo_api.call("sale.order", "load", [["name", *FIELDS], [["", *rows[0]], ["", *rows[1]]]])
    assert refused["ids"] is False
    assert [message["type"] for message in refused["messages"]] == ["error"]
    assert refused["messages"][0].get("field") == "name"
