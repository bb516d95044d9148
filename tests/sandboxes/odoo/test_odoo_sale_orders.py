from __future__ import annotations

import xmlrpc.client
from datetime import datetime

import pytest

ORDER_FIELDS = [
    "name",
    "state",
    "pricelist_id",
    "currency_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "warehouse_id",
    "invoice_status",
    "user_id",
    "team_id",
    "note",
    "partner_invoice_id",
    "partner_shipping_id",
    "client_order_ref",
    "origin",
    "date_order",
]
MANDATORY_PARTNER = (
    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
    "Model: Sales Order (sale.order)\nField: Customer (partner_id)\n"
)


def test_it_creates_the_spec_order_with_odoo_tax_rounding(odoo) -> None:
    order = odoo.spec_order()
    row = odoo.read_one("sale.order", order, ORDER_FIELDS)
    assert row == {
        "id": order,
        "name": "SHOP#1001",
        "state": "draft",
        "pricelist_id": False,
        "currency_id": [1, "USD"],
        "amount_untaxed": 54.49,
        "amount_tax": 7.28,
        "amount_total": 61.77,
        "warehouse_id": [1, "My Company"],
        "invoice_status": "no",
        "user_id": [2, "Administrator"],
        "team_id": [1, "Sales"],
        "note": "<p>Leave at the door</p>",
        "partner_invoice_id": [9, "Jane Doe, Jane Doe (bill)"],
        "partner_shipping_id": [8, "Jane Doe, Jane Doe (ship)"],
        "client_order_ref": "#1001",
        "origin": "shopify:order:5550001001",
        "date_order": "2026-11-20 14:03:00",
    }
    lines = odoo.call(
        "sale.order.line",
        "search_read",
        [[["order_id", "=", order]]],
        {"fields": ["price_subtotal", "price_tax", "price_total", "name", "product_uom"]},
    )
    assert [line["price_subtotal"] for line in lines] == [45.0, 3.5, 5.99]
    assert [line["price_tax"] for line in lines] == [6.75, 0.5300000000000002, 0.0]
    assert [line["name"] for line in lines] == [
        "[SKU-TSHIRT-M] Organic T-Shirt - M",
        "[SKU-GIFTWRAP] Gift wrap",
        "Shipping: Standard",
    ]
    assert lines[0]["product_uom"] == [1, "Units"]


def test_it_numbers_orders_without_a_name_and_accepts_duplicate_names(odoo) -> None:
    jane = odoo.jane()
    odoo.call("sale.order", "create", [{"name": "SHOP#1001", "partner_id": jane}])
    odoo.call("sale.order", "create", [{"name": "SHOP#1001", "partner_id": jane}])
    plain = odoo.call("sale.order", "create", [{"partner_id": jane}])
    assert odoo.read_one("sale.order", plain, ["name"])["name"] == "S00001"
    assert odoo.call("sale.order", "search", [[["name", "=", "SHOP#1001"]]]) == [2, 1]


def test_it_defaults_addresses_price_and_taxes(odoo) -> None:
    jane = odoo.jane()
    mug = odoo.product("SKU-MUG")
    order = odoo.call(
        "sale.order", "create", [{"partner_id": jane, "order_line": [(0, 0, {"product_id": mug})]}]
    )
    row = odoo.read_one("sale.order", order, ["partner_invoice_id", "partner_shipping_id", "order_line"])
    assert (row["partner_invoice_id"][0], row["partner_shipping_id"][0]) == (9, 8)
    line = odoo.read_one("sale.order.line", row["order_line"][0], ["price_unit", "tax_id", "product_uom_qty"])
    assert (line["price_unit"], line["tax_id"], line["product_uom_qty"]) == (12.0, [1], 1.0)
    odoo.call("sale.order.line", "write", [[line["id"]], {"product_uom_qty": 3}])
    assert odoo.read_one("sale.order.line", line["id"], ["price_unit"])["price_unit"] == 12.0


def test_it_ignores_currency_on_create_and_takes_it_from_the_pricelist(odoo) -> None:
    jane = odoo.jane()
    order = odoo.call("sale.order", "create", [{"partner_id": jane, "currency_id": 125}])
    assert odoo.read_one("sale.order", order, ["currency_id"])["currency_id"] == [1, "USD"]
    assert odoo.call("res.currency", "write", [[125], {"active": True}]) is True
    pricelist = odoo.call("product.pricelist", "create", [{"name": "Shopify EUR", "currency_id": 125}])
    assert pricelist == 1
    odoo.call("sale.order", "write", [[order], {"pricelist_id": pricelist}])
    assert odoo.read_one("sale.order", order, ["currency_id"])["currency_id"] == [125, "EUR"]


def test_it_handles_tax_included_prices(odoo) -> None:
    jane = odoo.jane()
    order = odoo.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": jane,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": odoo.product("SKU-TSHIRT-S"),
                            "price_unit": 28.75,
                            "tax_id": [(6, 0, [9])],
                        },
                    )
                ],
            }
        ],
    )
    # tax 9 is 10 % included; 15 % included is the spec's example
    tax15 = odoo.call(
        "account.tax",
        "create",
        [{"name": "15% incl.", "amount": 15.0, "price_include_override": "tax_included"}],
    )
    line = odoo.read_one("sale.order", order, ["order_line"])["order_line"][0]
    odoo.call("sale.order.line", "write", [[line], {"tax_id": [(6, 0, [tax15])]}])
    row = odoo.read_one("sale.order", order, ["amount_untaxed", "amount_tax", "amount_total"])
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (25.0, 3.75, 28.75)
    assert odoo.read_one("account.tax", tax15, ["price_include"])["price_include"] is True


def test_it_accepts_sections_notes_and_loose_lines(odoo) -> None:
    jane = odoo.jane()
    order = odoo.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": jane,
                "order_line": [
                    (0, 0, {"display_type": "line_section", "name": "Items"}),
                    (0, 0, {"display_type": "line_note", "name": "Fragile"}),
                    (0, 0, {"name": "x", "product_uom_qty": 1}),
                ],
            }
        ],
    )
    lines = odoo.call(
        "sale.order.line",
        "search_read",
        [[["order_id", "=", order]]],
        {"fields": ["display_type", "product_uom_qty"]},
    )
    assert [line["display_type"] for line in lines] == ["line_section", "line_note", False]
    fault = odoo.fault("sale.order.line", "write", [[lines[0]["id"]], {"display_type": "line_note"}])
    assert fault.faultCode == 2
    assert fault.faultString == (
        "You cannot change the type of a sale order line. Instead you should delete the "
        "current line and create a new line of the proper type."
    )


def test_it_refuses_iso_dates_and_accepts_datetimes(odoo) -> None:
    jane = odoo.jane()
    for value in ("2026-11-20T14:03:00", "2026-11-20T14:03:00+00:00"):
        fault = odoo.fault("sale.order", "create", [{"partner_id": jane, "date_order": value}])
        assert fault.faultCode == 1
        assert odoo.last_line(fault) == (
            f"ValueError: time data '{value}' does not match format '%Y-%m-%d %H:%M:%S'"
        )
    order = odoo.call(
        "sale.order", "create", [{"partner_id": jane, "date_order": datetime(2026, 11, 20, 14, 3)}]
    )
    assert odoo.read_one("sale.order", order, ["date_order"])["date_order"] == "2026-11-20 14:03:00"


def test_it_refuses_renamed_line_fields(odoo) -> None:
    jane = odoo.jane()
    for field in ("tax_ids", "product_uom_id"):
        fault = odoo.fault(
            "sale.order", "create", [{"partner_id": jane, "order_line": [(0, 0, {field: False})]}]
        )
        assert odoo.last_line(fault) == f"ValueError: Invalid field '{field}' on model 'sale.order.line'"
    assert odoo.call("sale.order", "search", [[]]) == []


def test_it_requires_a_customer_and_an_existing_one(odoo) -> None:
    fault = odoo.fault("sale.order", "create", [{"name": "X"}])
    assert (fault.faultCode, fault.faultString) == (2, MANDATORY_PARTNER)
    fault = odoo.fault("sale.order", "create", [{"partner_id": 999999}])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)",
    )


def test_it_reports_missing_records_on_write_but_not_on_read(odoo) -> None:
    fault = odoo.fault("sale.order", "write", [[999999], {"origin": "x"}])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "Record does not exist or has been deleted.\n(Record: sale.order(999999,), User: 2)",
    )
    assert odoo.call("sale.order", "read", [[999999]], {"fields": ["name"]}) == []
    legacy = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        legacy.execute_kw("synco_demo", 2, "admin", "sale.order", "unlink", [[999999]], {})
    assert caught.value.faultCode.startswith("warning -- MissingError\n\nRecord does not exist")


def test_it_confirms_once_and_resets_the_order_date(odoo) -> None:
    order = odoo.spec_order()
    assert odoo.call("sale.order", "action_confirm", [[order]]) is True
    row = odoo.read_one(
        "sale.order", order, ["state", "invoice_status", "picking_ids", "delivery_status", "date_order"]
    )
    assert (row["state"], row["invoice_status"], row["delivery_status"]) == ("sale", "to invoice", "pending")
    assert row["picking_ids"] == [1]
    assert row["date_order"] != "2026-11-20 14:03:00"
    fault = odoo.fault("sale.order", "action_confirm", [[order]])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "Some orders are not in a state requiring confirmation.",
    )
    assert odoo.call("sale.order", "write", [[order], {"date_order": "2026-11-20 14:03:00"}]) is True


def test_it_answers_a_user_error_with_a_string_code_on_the_legacy_endpoint(odoo) -> None:
    order = odoo.spec_order()
    model = odoo.lib().get_model("sale.order")
    assert model.action_confirm([order]) is True
    with pytest.raises(xmlrpc.client.Fault) as caught:
        model.action_confirm([order])
    assert (
        caught.value.faultCode
        == "warning -- UserError\n\nSome orders are not in a state requiring confirmation."
    )
    assert caught.value.faultString == ""


def test_it_applies_methods_returning_none_but_faults_over_xml_rpc(odoo) -> None:
    order = odoo.spec_order()
    odoo.call("sale.order", "action_confirm", [[order]])
    fault = odoo.fault("sale.order", "action_lock", [[order]])
    assert fault.faultCode == 1
    assert odoo.last_line(fault) == "TypeError: cannot marshal None unless allow_none is enabled"
    assert odoo.read_one("sale.order", order, ["locked"])["locked"] is True
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo.lib().get_model("sale.order").action_unlock([order])
    assert caught.value.faultCode == "cannot marshal None unless allow_none is enabled"
    assert odoo.read_one("sale.order", order, ["locked"])["locked"] is False
    assert odoo.lib("jsonrpc").get_model("sale.order").action_lock([order]) is False
    assert odoo.read_one("sale.order", order, ["locked"])["locked"] is True


def test_it_marks_a_quotation_sent_through_a_none_fault(odoo) -> None:
    order = odoo.spec_order()
    fault = odoo.fault("sale.order", "action_quotation_sent", [[order]])
    assert odoo.last_line(fault) == "TypeError: cannot marshal None unless allow_none is enabled"
    assert odoo.read_one("sale.order", order, ["state"])["state"] == "sent"
    assert odoo.call("sale.order", "action_draft", [[order]]) is True
    assert odoo.read_one("sale.order", order, ["state"])["state"] == "draft"


def test_it_cancels_drafts_but_asks_a_wizard_for_confirmed_orders(odoo) -> None:
    draft = odoo.spec_order()
    assert odoo.call("sale.order", "action_cancel", [[draft]]) is True
    assert odoo.read_one("sale.order", draft, ["state"])["state"] == "cancel"
    confirmed = odoo.spec_order(partner=odoo.call("res.partner", "search", [[["name", "=", "Jane Doe"]]])[0])
    odoo.call("sale.order", "action_confirm", [[confirmed]])
    wizard = odoo.call("sale.order", "action_cancel", [[confirmed]])
    assert wizard["res_model"] == "sale.order.cancel"
    assert odoo.read_one("sale.order", confirmed, ["state"])["state"] == "sale"
    assert (
        odoo.call("sale.order", "action_cancel", [[confirmed]], {"context": {"disable_cancel_warning": True}})
        is True
    )
    row = odoo.read_one("sale.order", confirmed, ["state", "picking_ids"])
    assert row["state"] == "cancel"
    assert odoo.read_one("stock.picking", row["picking_ids"][0], ["state"])["state"] == "cancel"


def test_it_refuses_to_delete_a_confirmed_order(odoo) -> None:
    order = odoo.spec_order()
    odoo.call("sale.order", "action_confirm", [[order]])
    fault = odoo.fault("sale.order", "unlink", [[order]])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.",
    )


def test_it_finds_orders_by_reference_and_origin(odoo) -> None:
    order = odoo.spec_order()
    assert odoo.call("sale.order", "search", [[["client_order_ref", "=", "#1001"]]]) == [order]
    assert odoo.call("sale.order", "search", [[["origin", "=", "shopify:order:5550001001"]]]) == [order]
    assert odoo.call("sale.order", "search_count", [[["amount_total", ">", 60]]]) == 1


def test_it_returns_a_dict_for_a_single_id_read_through_odoolib(odoo) -> None:
    jane = odoo.jane()
    partners = odoo.lib().get_model("res.partner")
    assert partners.read(jane, ["name"]) == {"id": jane, "name": "Jane Doe"}
    assert partners.read([jane], ["name"]) == [{"id": jane, "name": "Jane Doe"}]
    odoo.server.reset_stats()
    assert partners.search_read([["id", "=", jane]], ["name"]) == [{"id": jane, "name": "Jane Doe"}]
    assert odoo.server.stats()["calls"] == {"res.partner:read": 1, "res.partner:search": 1}
    assert partners.search_read(domain=[["id", "=", jane]], fields=["name"]) == [
        {"id": jane, "name": "Jane Doe"}
    ]
