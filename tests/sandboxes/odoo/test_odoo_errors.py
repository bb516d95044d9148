from __future__ import annotations

import httpx
import pytest
from odoolib.tools import JsonRPCException

DUPLICATE_XMLID = (
    "The operation cannot be completed: duplicate key value violates unique constraint "
    '"ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=(shopify, order_5550001001) already exists.\n'
)


def test_it_reports_an_unknown_model_as_a_user_error(odoo) -> None:
    fault = odoo.fault("sale.orderz", "search", [[]])
    assert (fault.faultCode, fault.faultString) == (2, "Object sale.orderz doesn't exist")


def test_it_reports_an_unknown_method_with_a_traceback(odoo) -> None:
    fault = odoo.fault("sale.order", "do_magic", [[1]])
    assert fault.faultCode == 1
    assert odoo.last_line(fault) == "AttributeError: The method 'sale.order.do_magic' does not exist"


def test_it_reports_an_unknown_field_in_a_domain(odoo) -> None:
    fault = odoo.fault("sale.order", "search", [[["shopify_id", "=", "1"]]])
    assert (
        odoo.last_line(fault)
        == "ValueError: Invalid field sale.order.shopify_id in leaf ('shopify_id', '=', '1')"
    )


def test_it_refuses_private_methods_on_both_endpoints(odoo) -> None:
    fault = odoo.fault("sale.order", "_create_invoices", [[1]])
    assert (fault.faultCode, fault.faultString) == (
        4,
        "Private methods (such as 'sale.order._create_invoices') cannot be called remotely.",
    )
    with pytest.raises(Exception) as caught:
        odoo.lib().get_model("sale.order")._create_invoices([1])
    assert caught.value.faultCode == (
        "warning -- AccessError\n\nPrivate methods (such as 'sale.order._create_invoices') cannot be called remotely."
    )
    assert caught.value.faultString == ""


def test_it_answers_json_rpc_errors_like_odoo(odoo) -> None:
    order = odoo.spec_order()
    odoo.call("sale.order", "action_confirm", [[order]])
    with pytest.raises(JsonRPCException) as caught:
        odoo.lib("jsonrpc").get_model("sale.order").action_confirm([order])
    error = caught.value.error
    assert (error["code"], error["message"]) == (200, "Odoo Server Error")
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == "Some orders are not in a state requiring confirmation."
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": ["synco_demo", 2, "wrong", "res.partner", "search", [[]]],
        },
    }
    answer = httpx.post(f"{odoo.url}/jsonrpc", json=payload).json()
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_it_answers_none_over_json_rpc_without_a_result_key(odoo) -> None:
    order = odoo.spec_order()
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": ["synco_demo", 2, "admin", "sale.order", "action_lock", [[order]]],
        },
    }
    assert httpx.post(f"{odoo.url}/jsonrpc", json=payload).json() == {"jsonrpc": "2.0", "id": 7}


def test_it_cannot_marshal_get_external_id_over_xml_rpc_but_can_over_json(odoo) -> None:
    order = odoo.spec_order()
    odoo.call(
        "ir.model.data",
        "create",
        [
            {
                "module": "shopify",
                "name": "order_5550001001",
                "model": "sale.order",
                "res_id": order,
                "noupdate": True,
            }
        ],
    )
    fault = odoo.fault("sale.order", "get_external_id", [[order]])
    assert odoo.last_line(fault) == "TypeError: dictionary key must be string"
    assert odoo.lib("jsonrpc").get_model("sale.order").get_external_id([order]) == {
        str(order): "shopify.order_5550001001"
    }


def test_it_keeps_external_ids_unique_and_resolves_them(odoo) -> None:
    order = odoo.spec_order()
    values = {
        "module": "shopify",
        "name": "order_5550001001",
        "model": "sale.order",
        "res_id": order,
        "noupdate": True,
    }
    assert isinstance(odoo.call("ir.model.data", "create", [values]), int)
    fault = odoo.fault("ir.model.data", "create", [values])
    assert (fault.faultCode, fault.faultString) == (2, DUPLICATE_XMLID)
    assert odoo.call("ir.model.data", "check_object_reference", ["shopify", "order_5550001001"]) == [
        "sale.order",
        order,
    ]


def test_it_describes_fields_with_fields_get(odoo) -> None:
    described = odoo.call(
        "sale.order.line",
        "fields_get",
        [["tax_id", "product_uom", "price_tax"]],
        {"attributes": ["type", "relation", "string"]},
    )
    assert described == {
        "tax_id": {"type": "many2many", "relation": "account.tax", "string": "Taxes"},
        "product_uom": {"type": "many2one", "relation": "uom.uom", "string": "Unit of Measure"},
        "price_tax": {"type": "float", "string": "Total Tax"},
    }


def test_it_lets_a_failed_call_leave_no_trace(odoo) -> None:
    jane = odoo.jane()
    odoo.fault(
        "sale.order",
        "create",
        [
            {
                "partner_id": jane,
                "order_line": [
                    (0, 0, {"product_id": odoo.product("SKU-MUG")}),
                    (0, 0, {"product_id": 999999}),
                ],
            }
        ],
    )
    assert odoo.call("sale.order", "search", [[]]) == []
    assert odoo.call("sale.order.line", "search", [[]]) == []
