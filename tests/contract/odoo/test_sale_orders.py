"""§5, §6: sale order create, amounts, confirm, cancel, lock (the None-fault)."""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime
from typing import Any

import pytest

from .conftest import NONE_FAULT, Catalogue, Customer, OdooApi, Refs, spec_order_values

# Synco's confirm_sale_order treats this UserError as "already confirmed" (a retry): the wording matters.
NOT_TO_CONFIRM = "Some orders are not in a state requiring confirmation."


def _amounts(api: OdooApi, order: int) -> tuple[float, float, float]:
    row = api.read_one("sale.order", order, ["amount_untaxed", "amount_tax", "amount_total"])
    return row["amount_untaxed"], row["amount_tax"], row["amount_total"]


def _draft(api: OdooApi, customer: Customer, lines: list[Any], **values: Any) -> int:
    order = api.call("sale.order", "create", [{"partner_id": customer.id, "order_line": lines, **values}])
    assert isinstance(order, int)
    return api.discard_later(order)


def test_it_creates_the_spec_order_with_a_custom_name_addresses_and_odoo_amounts(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    values = spec_order_values(odoo_api, refs, customer, catalogue)
    order = odoo_api.discard_later(odoo_api.call("sale.order", "create", [values]))
    row = odoo_api.read_one(
        "sale.order",
        order,
        [
            "name",
            "state",
            "partner_id",
            "partner_invoice_id",
            "partner_shipping_id",
            "client_order_ref",
            "origin",
            "note",
            "date_order",
            "currency_id",
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "invoice_status",
            "order_line",
        ],
    )
    assert row == {
        "id": order,
        "name": values["name"],
        "state": "draft",
        "partner_id": [customer.id, customer.name],
        "partner_invoice_id": [customer.invoice, f"{customer.name}, Jane Doe (bill)"],
        "partner_shipping_id": [customer.delivery, f"{customer.name}, Jane Doe (ship)"],
        "client_order_ref": values["client_order_ref"],
        "origin": values["origin"],
        "note": "<p>Leave at the door</p>",
        "date_order": "2026-11-20 14:03:00",
        "currency_id": [refs.company_currency, row["currency_id"][1]],
        "amount_untaxed": 54.49,
        "amount_tax": 7.28,
        "amount_total": 61.77,
        "invoice_status": "no",
        "order_line": row["order_line"],
    }
    lines = odoo_api.call(
        "sale.order.line",
        "read",
        [sorted(row["order_line"])],
        {
            "fields": [
                "name",
                "price_subtotal",
                "price_tax",
                "discount",
                odoo_api.f.tax,
                odoo_api.f.uom,
                "is_delivery",
            ]
        },
    )
    assert [line["price_subtotal"] for line in lines] == [45.0, 3.5, 5.99]
    assert [round(line["price_tax"], 2) for line in lines] == [6.75, 0.53, 0.0]
    assert [line["discount"] for line in lines] == [10.0, 0.0, 0.0]
    assert [line[odoo_api.f.tax] for line in lines] == [[refs.tax15], [refs.tax15], []]
    assert [line["is_delivery"] for line in lines] == [False, False, True]
    assert lines[2]["name"] == "Shipping: Standard"
    assert lines[0][odoo_api.f.uom][1] == "Units"


def test_it_does_not_use_a_sequence_number_for_a_custom_name_and_allows_duplicates(
    odoo_api: OdooApi, customer: Customer
) -> None:
    name = odoo_api.unique("SHOP#DUP")
    first = _draft(odoo_api, customer, [], name=name)
    second = _draft(odoo_api, customer, [], name=name)
    assert sorted(odoo_api.call("sale.order", "search", [[["name", "=", name]]])) == sorted([first, second])
    plain = _draft(odoo_api, customer, [])
    assert odoo_api.read_one("sale.order", plain, ["name"])["name"].startswith("S")


@pytest.mark.parametrize("which", [0, 1], ids=["tax", "uom"])
def test_it_refuses_the_other_versions_line_field_names(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, which: int
) -> None:
    # 17/18 refuse 19's tax_ids / product_uom_id, 19 refuses 17/18's tax_id / product_uom
    field = odoo_api.f.renamed[which]
    reference = odoo_api.unique("#renamed")
    fault = odoo_api.fault(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "client_order_ref": reference,
                "order_line": [(0, 0, {"product_id": catalogue.wrap, field: False})],
            }
        ],
    )
    assert fault.faultCode == 1
    # Synco reports "Invalid field ..." as a field it uses that Odoo does not know (never retried)
    assert odoo_api.last_line(fault) == f"ValueError: Invalid field '{field}' on model 'sale.order.line'"
    assert odoo_api.call("sale.order", "search", [[["client_order_ref", "=", reference]]]) == []


@pytest.mark.parametrize("value", ["2026-11-20T14:03:00", "2026-11-20T14:03:00+00:00"])
def test_it_refuses_iso_t_date_strings(odoo_api: OdooApi, customer: Customer, value: str) -> None:
    fault = odoo_api.fault("sale.order", "create", [{"partner_id": customer.id, "date_order": value}])
    assert fault.faultCode == 1
    assert (
        odoo_api.last_line(fault)
        == f"ValueError: time data '{value}' does not match format '%Y-%m-%d %H:%M:%S'"
    )


def test_it_accepts_datetime_values(odoo_api: OdooApi, customer: Customer) -> None:
    order = _draft(odoo_api, customer, [], date_order=datetime(2026, 11, 20, 14, 3))
    assert odoo_api.read_one("sale.order", order, ["date_order"])["date_order"] == "2026-11-20 14:03:00"


def test_it_requires_an_existing_customer(odoo_api: OdooApi) -> None:
    reference = odoo_api.unique("#nobody")
    fault = odoo_api.fault("sale.order", "create", [{"client_order_ref": reference}])
    # a mandatory field: the text names it (worded differently in 19: "Missing required value for the field")
    assert fault.faultCode == 2
    assert fault.faultString.startswith("The operation cannot be completed:")
    assert "(partner_id)" in fault.faultString
    assert odoo_api.call("sale.order", "search", [[["client_order_ref", "=", reference]]]) == []
    missing = odoo_api.missing_id("res.partner")
    fault = odoo_api.fault("sale.order", "create", [{"partner_id": missing}])
    assert (fault.faultCode, fault.faultString) == (
        2,
        f"Record does not exist or has been deleted.\n(Record: res.partner({missing},), User: {odoo_api.uid})",
    )


def test_it_ignores_currency_id_on_create(odoo_api: OdooApi, refs: Refs, customer: Customer) -> None:
    other = odoo_api.call(
        "res.currency",
        "search",
        [
            [
                ["name", "in", ["EUR", "USD"]],
                ["id", "!=", refs.company_currency],
                ["active", "in", [True, False]],
            ]
        ],
        {"limit": 1},
    )
    assert other, "no currency other than the company's among EUR/USD"
    order = _draft(odoo_api, customer, [], currency_id=other[0])
    assert odoo_api.read_one("sale.order", order, ["currency_id"])["currency_id"][0] == refs.company_currency


def test_it_takes_price_and_taxes_from_the_product_when_omitted(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _draft(odoo_api, customer, [(0, 0, {"product_id": catalogue.shirt})])
    line = odoo_api.read_one("sale.order", order, ["order_line"])["order_line"][0]
    tax = odoo_api.f.tax
    row = odoo_api.read_one("sale.order.line", line, ["price_unit", tax, "product_uom_qty"])
    assert (row["price_unit"], row[tax], row["product_uom_qty"]) == (25.0, [refs.tax15], 1.0)
    assert odoo_api.call("sale.order.line", "write", [[line], {"product_uom_qty": 3}]) is True
    assert odoo_api.read_one("sale.order.line", line, ["price_unit"])["price_unit"] == 25.0
    assert _amounts(odoo_api, order) == (75.0, 11.25, 86.25)


def test_it_computes_tax_included_prices(odoo_api: OdooApi, customer: Customer, catalogue: Catalogue) -> None:
    tax = odoo_api.call(
        "account.tax",
        "create",
        [
            {
                "name": odoo_api.unique("15% incl."),
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                **odoo_api.f.tax_price_include(True),
            }
        ],
    )
    assert odoo_api.read_one("account.tax", tax, ["price_include"])["price_include"] is True
    order = _draft(
        odoo_api,
        customer,
        [(0, 0, {"product_id": catalogue.shirt, "price_unit": 28.75, odoo_api.f.tax: [(6, 0, [tax])]})],
    )
    assert _amounts(odoo_api, order) == (25.0, 3.75, 28.75)


def test_it_accepts_sections_notes_and_loose_lines(odoo_api: OdooApi, customer: Customer) -> None:
    order = _draft(
        odoo_api,
        customer,
        [
            (0, 0, {"display_type": "line_section", "name": "Items"}),
            (0, 0, {"display_type": "line_note", "name": "Fragile"}),
            (0, 0, {"name": "x", "product_uom_qty": 1}),
        ],
    )
    lines = odoo_api.call(
        "sale.order.line",
        "search_read",
        [[["order_id", "=", order]]],
        {"fields": ["display_type"], "order": "id"},
    )
    assert [line["display_type"] for line in lines] == ["line_section", "line_note", False]


def test_it_confirms_once_with_true_then_code_2(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    row = odoo_api.read_one(
        "sale.order", order, ["state", "invoice_status", "picking_ids", "delivery_status"]
    )
    assert (row["state"], row["invoice_status"], row["delivery_status"]) == ("sale", "to invoice", "pending")
    assert len(row["picking_ids"]) == 1
    fault = odoo_api.fault("sale.order", "action_confirm", [[order]])
    assert (fault.faultCode, fault.faultString) == (2, NOT_TO_CONFIRM)


def test_it_overwrites_date_order_on_confirm_and_lets_it_be_written_back(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    assert odoo_api.read_one("sale.order", order, ["date_order"])["date_order"] != "2026-11-20 14:03:00"
    assert odoo_api.call("sale.order", "write", [[order], {"date_order": "2026-11-20 14:03:00"}]) is True
    assert odoo_api.read_one("sale.order", order, ["date_order"])["date_order"] == "2026-11-20 14:03:00"


def test_it_answers_a_user_error_with_a_string_code_on_the_legacy_endpoint(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    model = odoo_api.lib().get_model("sale.order")
    assert model.action_confirm([order]) is True
    with pytest.raises(xmlrpc.client.Fault) as caught:
        model.action_confirm([order])
    assert caught.value.faultCode == f"warning -- UserError\n\n{NOT_TO_CONFIRM}"
    assert caught.value.faultString == ""


def test_it_cancels_a_draft_with_true(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    assert odoo_api.call("sale.order", "action_cancel", [[order]]) is True
    assert odoo_api.read_one("sale.order", order, ["state"])["state"] == "cancel"


def test_it_answers_cancel_of_a_confirmed_order_with_a_wizard_and_cancels_with_the_context_key(
    odoo_api: OdooApi, spec_order: Any, odoo_version: int
) -> None:
    if odoo_version >= 19:
        pytest.skip("Odoo 19 has no sale.order.cancel wizard: action_cancel cancels at once (tested below)")
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    wizard = odoo_api.call("sale.order", "action_cancel", [[order]])
    assert isinstance(wizard, dict)
    assert wizard["res_model"] == "sale.order.cancel"
    assert odoo_api.read_one("sale.order", order, ["state"])["state"] == "sale"
    cancelled = odoo_api.call(
        "sale.order", "action_cancel", [[order]], {"context": {"disable_cancel_warning": True}}
    )
    assert cancelled is True
    row = odoo_api.read_one("sale.order", order, ["state", "picking_ids"])
    assert row["state"] == "cancel"
    assert odoo_api.read_one("stock.picking", row["picking_ids"][0], ["state"])["state"] == "cancel"


def test_19_cancels_a_confirmed_order_at_once(odoo_api: OdooApi, spec_order: Any, odoo_version: int) -> None:
    if odoo_version < 19:
        pytest.skip(
            f"Odoo {odoo_version} answers a confirmed order's action_cancel with a wizard (tested above)"
        )
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    assert odoo_api.call("sale.order", "action_cancel", [[order]]) is True
    row = odoo_api.read_one("sale.order", order, ["state", "picking_ids"])
    assert row["state"] == "cancel"
    assert odoo_api.read_one("stock.picking", row["picking_ids"][0], ["state"])["state"] == "cancel"
    # the wizard's model is gone, and the old context key is harmless
    assert odoo_api.call("ir.model", "search", [[["model", "=", "sale.order.cancel"]]]) == []
    assert odoo_api.call("sale.order", "action_draft", [[order]]) is True
    odoo_api.call("sale.order", "action_confirm", [[order]])
    cancelled = odoo_api.call(
        "sale.order", "action_cancel", [[order]], {"context": {"disable_cancel_warning": True}}
    )
    assert cancelled is True
    assert odoo_api.read_one("sale.order", order, ["state"])["state"] == "cancel"


def test_it_refuses_to_delete_a_confirmed_order(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    fault = odoo_api.fault("sale.order", "unlink", [[order]])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.",
    )


def test_it_locks_through_a_none_fault_over_xml_rpc_2(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    fault = odoo_api.fault("sale.order", "action_lock", [[order]])
    assert fault.faultCode == 1
    assert odoo_api.last_line(fault) == NONE_FAULT
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is True
    fault = odoo_api.fault("sale.order", "action_unlock", [[order]])
    assert odoo_api.last_line(fault) == NONE_FAULT
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is False


def test_it_locks_through_a_string_coded_none_fault_over_legacy_odoolib(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo_api.lib().get_model("sale.order").action_lock([order])
    assert caught.value.faultCode == "cannot marshal None unless allow_none is enabled"
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is True


def test_it_locks_without_an_error_over_json_rpc(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    assert odoo_api.lib("jsonrpc").get_model("sale.order").action_lock([order]) is False
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is True
    answer = odoo_api.json_execute("sale.order", "action_unlock", [[order]])
    assert answer == {"jsonrpc": "2.0", "id": 1}
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is False


def test_it_marks_a_quotation_sent_through_a_none_fault(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    fault = odoo_api.fault("sale.order", "action_quotation_sent", [[order]])
    assert odoo_api.last_line(fault) == NONE_FAULT
    assert odoo_api.read_one("sale.order", order, ["state"])["state"] == "sent"
    assert odoo_api.call("sale.order", "action_draft", [[order]]) is True
    assert odoo_api.read_one("sale.order", order, ["state"])["state"] == "draft"


def test_it_finds_orders_by_client_order_ref_and_origin(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    row = odoo_api.read_one("sale.order", order, ["client_order_ref", "origin"])
    assert odoo_api.call("sale.order", "search", [[["client_order_ref", "=", row["client_order_ref"]]]]) == [
        order
    ]
    assert odoo_api.call("sale.order", "search", [[["origin", "=", row["origin"]]]]) == [order]


def test_it_returns_a_dict_for_a_single_id_read_through_odoolib(
    odoo_api: OdooApi, customer: Customer
) -> None:
    partners = odoo_api.lib().get_model("res.partner")
    assert partners.read(customer.id, ["name"]) == {"id": customer.id, "name": customer.name}
    assert partners.read([customer.id], ["name"]) == [{"id": customer.id, "name": customer.name}]
    assert partners.search_read(domain=[["id", "=", customer.id]], fields=["name"]) == [
        {"id": customer.id, "name": customer.name}
    ]
