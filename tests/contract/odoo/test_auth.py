"""§2, §11, §13: version, authentication, API keys, access rights."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
from odoolib.tools import AuthenticationError

from synco.errors import PermanentGatewayError
from synco.odoo.errors import OdooNoneResult
from synco.odoo.errors import classify as synco_classify

from .conftest import NONE_FAULT, Customer, OdooApi, OdooTarget

NO_SALES_RIGHTS_START = (
    "You are not allowed to access 'Sales Order' (sale.order) records.\n\n"
    "This operation is allowed for the following groups:\n"
)
NO_SALES_RIGHTS_END = "\n\nContact your administrator to request access if necessary."


def test_it_reports_the_version_shape(odoo_api: OdooApi, odoo_version: int) -> None:
    # Synco reads the major version from server_version ('18.0+e-20241005', or plain '19.0' on a source build)
    for proxy in (odoo_api.common, odoo_api.proxy("common", legacy=True)):
        version: Any = proxy.version()
        assert set(version) == {"server_version", "server_version_info", "server_serie", "protocol_version"}
        assert version["server_serie"] == f"{odoo_version}.0"
        assert version["protocol_version"] == 1
        assert version["server_version"].startswith(f"{odoo_version}.0")
        assert version["server_version_info"][:2] == [odoo_version, 0]
        assert len(version["server_version_info"]) == 6


def test_it_authenticates_and_logs_in_to_the_same_uid(odoo_api: OdooApi, odoo_target: OdooTarget) -> None:
    uid = odoo_api.common.authenticate(odoo_target.db, odoo_target.login, odoo_target.password, {})
    assert isinstance(uid, int) and uid > 0
    assert odoo_api.common.login(odoo_target.db, odoo_target.login, odoo_target.password) == uid


def test_it_returns_false_for_a_wrong_password_or_an_unknown_login(
    odoo_api: OdooApi, odoo_target: OdooTarget
) -> None:
    wrong = odoo_target.password + "-wrong"
    assert odoo_api.common.authenticate(odoo_target.db, odoo_target.login, wrong, {}) is False
    assert odoo_api.common.login(odoo_target.db, odoo_target.login, wrong) is False
    nobody = f"nobody-{odoo_api.run_id}"
    assert odoo_api.common.authenticate(odoo_target.db, nobody, "x", {}) is False


def test_it_answers_an_unknown_database_with_a_code_1_psycopg2_fault(odoo_api: OdooApi) -> None:
    db = f"no_such_db_{odoo_api.run_id}"
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo_api.common.authenticate(db, "admin", "admin", {})
    assert caught.value.faultCode == 1
    assert caught.value.faultString.startswith("Traceback (most recent call last):\n")
    last = odoo_api.last_line(caught.value)
    assert last.startswith("psycopg2.OperationalError: connection to server ")  # "at host", or "on socket"
    assert last.endswith(f'FATAL:  database "{db}" does not exist')


def test_it_accepts_an_api_key_like_a_password(
    odoo_api: OdooApi, odoo_target: OdooTarget, api_key: str
) -> None:
    assert len(api_key) == 40
    assert odoo_api.common.authenticate(odoo_target.db, odoo_target.login, api_key, {}) == odoo_api.uid
    assert odoo_api.common.login(odoo_target.db, odoo_target.login, api_key) == odoo_api.uid
    assert odoo_api.call("res.users", "search_count", [[["id", "=", odoo_api.uid]]], password=api_key) == 1


def test_it_denies_execute_kw_with_a_wrong_password_with_fault_3(odoo_api: OdooApi) -> None:
    fault = odoo_api.fault("res.partner", "search", [[]], password="wrong-" + odoo_api.run_id)
    assert (fault.faultCode, fault.faultString) == (3, "Access Denied")


def test_it_denies_a_wrong_password_with_a_string_code_on_the_legacy_endpoint(odoo_api: OdooApi) -> None:
    legacy = odoo_api.proxy("object", legacy=True)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        legacy.execute_kw(odoo_api.target.db, odoo_api.uid, "wrong", "res.partner", "search", [[]], {})
    assert (caught.value.faultCode, caught.value.faultString) == ("AccessDenied", "Access Denied")
    # odoolib with a known uid goes straight to the call: the same string fault code
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo_api.lib(password="wrong", user_id=odoo_api.uid).get_model("res.partner").search([])
    assert caught.value.faultCode == "AccessDenied"


def test_it_makes_odoolib_raise_authentication_error_on_the_first_call_with_a_bad_password(
    odoo_api: OdooApi,
) -> None:
    for protocol in ("xmlrpc", "jsonrpc"):
        with pytest.raises(AuthenticationError):
            odoo_api.lib(protocol, password="wrong").get_model("res.partner").search([])


def test_it_logs_odoolib_in_through_common_login(odoo_api: OdooApi) -> None:
    connection = odoo_api.lib()
    connection.check_login()
    assert connection.user_id == odoo_api.uid


def _may_create_sale_orders(api: OdooApi, **auth: Any) -> Any:
    """What Synco asks before syncing: has_access from 18, check_access_rights before."""
    if api.f.has_access:
        return api.call("sale.order", "has_access", [[], "create"], **auth)
    return api.call("sale.order", "check_access_rights", ["create"], {"raise_exception": False}, **auth)


def test_it_reports_create_rights_on_sale_orders(odoo_api: OdooApi) -> None:
    assert _may_create_sale_orders(odoo_api) is True


def test_it_reports_no_sales_rights_for_a_user_without_them(
    odoo_api: OdooApi, norights: tuple[int, str]
) -> None:
    uid, password = norights
    assert _may_create_sale_orders(odoo_api, uid=uid, password=password) is False
    fault = odoo_api.fault("sale.order", "search", [[]], uid=uid, password=password)
    assert fault.faultCode == 4
    # Synco shows the first line to the merchant; the list of groups that would do differs between versions
    assert fault.faultString.startswith(NO_SALES_RIGHTS_START)
    assert fault.faultString.endswith(NO_SALES_RIGHTS_END)
    assert "Sales/Administrator\n" in fault.faultString
    error = synco_classify(fault, where="the contract target")
    assert isinstance(error, PermanentGatewayError)
    assert error.message == f"The Odoo user lacks access rights: {NO_SALES_RIGHTS_START.splitlines()[0]}"


def test_it_refuses_check_access_over_xml_rpc_with_a_none_fault(odoo_api: OdooApi, odoo_version: int) -> None:
    if odoo_version != 18:
        pytest.skip(f"check_access is new in 18 and private in 19 (this is {odoo_version})")
    fault = odoo_api.fault("res.partner", "check_access", [[], "read"])
    assert fault.faultCode == 1
    assert odoo_api.last_line(fault) == NONE_FAULT
    assert isinstance(synco_classify(fault, where="the contract target"), OdooNoneResult)


@pytest.mark.parametrize("method", ["check_access", "exists", "search_fetch"])
def test_19_refuses_orm_internals_as_private_methods_with_code_4(
    odoo_api: OdooApi, odoo_version: int, customer: Customer, method: str
) -> None:
    if odoo_version < 19:
        pytest.skip(f"Odoo {odoo_version} does not mark {method} private (19 does)")
    args: dict[str, list[Any]] = {
        "check_access": [[customer.id], "read"],
        "exists": [[customer.id]],
        "search_fetch": [[["id", "=", customer.id]], ["name"]],
    }
    fault = odoo_api.fault("res.partner", method, args[method])
    assert fault.faultCode == 4
    assert f"res.partner.{method}" in fault.faultString
    assert type(synco_classify(fault, where="the contract target")) is PermanentGatewayError


def test_19_still_serves_the_deprecated_xml_rpc_and_json_rpc(
    odoo_api: OdooApi, odoo_version: int, customer: Customer
) -> None:
    """Deprecated in 19 (the server logs a warning per request) and removed in 20, but they work as in 18."""
    if odoo_version < 19:
        pytest.skip(f"XML-RPC is deprecated from 19; on {odoo_version} it is the API")
    version: Any = odoo_api.common.version()
    assert version["server_version_info"][0] == 19
    one = [[["id", "=", customer.id]]]
    assert odoo_api.call("res.partner", "search", one) == [customer.id]
    legacy = odoo_api.proxy("object", legacy=True)
    assert legacy.execute_kw(
        odoo_api.target.db, odoo_api.uid, odoo_api.target.password, "res.partner", "search", one, {}
    ) == [customer.id]
    assert odoo_api.json_execute("res.partner", "search", one)["result"] == [customer.id]
    assert odoo_api.lib().get_model("res.partner").search_count([["id", "=", customer.id]]) == 1
