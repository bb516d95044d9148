"""§11: fault codes and texts on /xmlrpc/2, the legacy /xmlrpc and /jsonrpc; §10 external ids."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest

from synco.errors import PermanentGatewayError
from synco.odoo.errors import OdooMissingRecordError, classify

from .conftest import OdooApi

WHERE = "the contract target"


def test_it_refuses_private_methods_with_code_4(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    fault = odoo_api.fault("sale.order", "_create_invoices", [[order]])
    assert fault.faultCode == 4
    # The wording changes between 18.0 builds ("such as _create_invoices" before mid-2025, "such as
    # 'sale.order._create_invoices'" since): Synco reads the code, and the text only names the method.
    assert "_create_invoices" in fault.faultString
    error = classify(fault, where=WHERE)
    assert type(error) is PermanentGatewayError
    assert error.message == f"The Odoo user lacks access rights: {fault.faultString}"


def test_it_refuses_private_methods_with_a_string_code_over_legacy_odoolib(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo_api.lib().get_model("sale.order")._create_invoices([order])
    kind, _, message = str(caught.value.faultCode).partition("\n\n")
    assert kind == "warning -- AccessError"
    assert "_create_invoices" in message
    assert caught.value.faultString == ""
    error = classify(caught.value, where=WHERE)
    assert type(error) is PermanentGatewayError
    assert error.message == f"The Odoo user lacks access rights: {message}"


def test_it_reports_an_unknown_model_with_code_2(odoo_api: OdooApi) -> None:
    fault = odoo_api.fault("sale.orderz", "search", [[]])
    assert (fault.faultCode, fault.faultString) == (2, "Object sale.orderz doesn't exist")


def test_it_reports_an_unknown_method_with_code_1_and_an_attribute_error(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    fault = odoo_api.fault("sale.order", "do_magic", [[order]])
    assert fault.faultCode == 1
    assert fault.faultString.startswith("Traceback (most recent call last):\n")
    # "The method 'do_magic' does not exist on the model 'sale.order'" before mid-2025, "The method
    # 'sale.order.do_magic' does not exist" since: Synco relies on the class and the "The method" prefix.
    last = odoo_api.last_line(fault)
    assert last.startswith("AttributeError: The method '")
    assert "do_magic" in last
    error = classify(fault, where=WHERE)
    assert type(error) is PermanentGatewayError
    assert (
        error.message
        == f"Odoo rejected a field or method Synco uses: {last.removeprefix('AttributeError: ')}"
    )


def _rejected_field(fault: xmlrpc.client.Fault) -> str:
    """What Synco tells the merchant for a field Odoo does not know: it matches "ValueError: Invalid field"."""
    error = classify(fault, where=WHERE)
    assert type(error) is PermanentGatewayError
    prefix = "Odoo rejected a field or method Synco uses: "
    assert error.message.startswith(prefix)
    return error.message.removeprefix(prefix)


def test_it_reports_an_unknown_field_in_a_domain_with_code_1(odoo_api: OdooApi) -> None:
    fault = odoo_api.fault("sale.order", "search", [[["shopify_id", "=", "1"]]])
    assert fault.faultCode == 1
    # "... in leaf ('shopify_id', '=', '1')" up to 18, "... in condition (...)" in 19
    last = odoo_api.last_line(fault)
    assert last.startswith("ValueError: Invalid field sale.order.shopify_id in ")
    assert _rejected_field(fault) == last.removeprefix("ValueError: ")


def test_it_reports_an_unknown_field_in_values_with_code_1(odoo_api: OdooApi) -> None:
    name = odoo_api.unique("Bogus")
    fault = odoo_api.fault("res.partner", "create", [{"name": name, "bogus": 1}])
    assert fault.faultCode == 1
    # "... on model 'res.partner'" up to 18, "... in 'res.partner'" in 19
    last = odoo_api.last_line(fault)
    assert last.startswith("ValueError: Invalid field 'bogus' ")
    assert "'res.partner'" in last
    assert _rejected_field(fault) == last.removeprefix("ValueError: ")
    assert odoo_api.call("res.partner", "search", [[["name", "=", name]]]) == []


def test_it_reads_a_missing_id_as_an_empty_list(odoo_api: OdooApi) -> None:
    missing = odoo_api.missing_id("sale.order")
    assert odoo_api.call("sale.order", "read", [[missing]], {"fields": ["name"]}) == []


def test_it_refuses_to_write_a_missing_id_with_code_2(odoo_api: OdooApi) -> None:
    missing = odoo_api.missing_id("sale.order")
    fault = odoo_api.fault("sale.order", "write", [[missing], {"origin": "x"}])
    assert (fault.faultCode, fault.faultString) == (
        2,
        f"Record does not exist or has been deleted.\n(Record: sale.order({missing},), User: {odoo_api.uid})",
    )
    # Synco recognises a deleted record by that text (a stale id it cached)
    assert type(classify(fault, where=WHERE)) is OdooMissingRecordError


def test_it_wraps_a_user_error_in_the_json_rpc_error_envelope(
    odoo_api: OdooApi, spec_order: Any, odoo_version: int
) -> None:
    order = spec_order()
    odoo_api.call("sale.order", "action_confirm", [[order]])
    answer = odoo_api.json_execute("sale.order", "action_confirm", [[order]])
    assert "result" not in answer
    error = answer["error"]
    # the envelope's code is 200 up to 18 and 0 in 19; Synco reads data.name
    assert (error["code"], error["message"]) == (0 if odoo_version >= 19 else 200, "Odoo Server Error")
    assert error["data"]["name"] == "odoo.exceptions.UserError"
    assert error["data"]["message"] == "Some orders are not in a state requiring confirmation."
    assert isinstance(error["data"]["debug"], str)


def test_it_names_access_denied_in_the_json_rpc_error_envelope(odoo_api: OdooApi) -> None:
    answer = odoo_api.json_execute("res.partner", "search", [[]], password="wrong-" + odoo_api.run_id)
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_it_raises_json_rpc_exception_through_odoolib(odoo_api: OdooApi, spec_order: Any) -> None:
    from odoolib.tools import JsonRPCException

    order = spec_order()
    model = odoo_api.lib("jsonrpc").get_model("sale.order")
    assert model.action_confirm([order]) is True
    with pytest.raises(JsonRPCException) as caught:
        model.action_confirm([order])
    assert caught.value.error["data"]["name"] == "odoo.exceptions.UserError"


def test_it_keeps_external_ids_unique_and_resolves_them(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    name = f"order_{odoo_api.run_id}"
    values = {
        "module": "synco_contract",
        "name": name,
        "model": "sale.order",
        "res_id": order,
        "noupdate": True,
    }
    assert isinstance(odoo_api.call("ir.model.data", "create", [values]), int)
    fault = odoo_api.fault("ir.model.data", "create", [values])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "The operation cannot be completed: duplicate key value violates unique constraint "
        f'"ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=(synco_contract, {name}) already exists.\n',
    )
    assert odoo_api.call("ir.model.data", "check_object_reference", ["synco_contract", name]) == [
        "sale.order",
        order,
    ]


def test_it_cannot_marshal_get_external_id_over_xml_rpc_but_can_over_json(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    name = f"order_{odoo_api.run_id}_xid"
    odoo_api.call(
        "ir.model.data",
        "create",
        [{"module": "synco_contract", "name": name, "model": "sale.order", "res_id": order}],
    )
    fault = odoo_api.fault("sale.order", "get_external_id", [[order]])
    assert fault.faultCode == 1
    assert odoo_api.last_line(fault) == "TypeError: dictionary key must be string"
    assert odoo_api.lib("jsonrpc").get_model("sale.order").get_external_id([order]) == {
        str(order): f"synco_contract.{name}"
    }


def test_it_cannot_create_an_api_key_over_rpc(odoo_api: OdooApi) -> None:
    wizard = odoo_api.call(
        "res.users.apikeys.description", "create", [{"name": odoo_api.unique("synco-contract")}]
    )
    fault = odoo_api.fault("res.users.apikeys.description", "make_key", [[wizard]])
    assert (fault.faultCode, fault.faultString) == (2, "This method can only be accessed over HTTP")
