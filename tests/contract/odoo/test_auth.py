"""§2, §11, §13: version, authentication, API keys, access rights."""

from __future__ import annotations

import xmlrpc.client

import pytest
from odoolib.tools import AuthenticationError

from .conftest import OdooApi, OdooTarget

NO_SALES_RIGHTS_START = (
    "You are not allowed to access 'Sales Order' (sale.order) records.\n\n"
    "This operation is allowed for the following groups:\n"
)
NO_SALES_RIGHTS_END = "\n\nContact your administrator to request access if necessary."


def test_it_reports_the_odoo_18_version_shape(odoo_api: OdooApi) -> None:
    for proxy in (odoo_api.common, odoo_api.proxy("common", legacy=True)):
        version = proxy.version()
        assert set(version) == {"server_version", "server_version_info", "server_serie", "protocol_version"}
        assert version["server_serie"] == "18.0"
        assert version["protocol_version"] == 1
        assert version["server_version"].startswith("18.0")
        assert version["server_version_info"][:2] == [18, 0]
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


def test_it_reports_create_rights_on_sale_orders_with_has_access(odoo_api: OdooApi) -> None:
    assert odoo_api.call("sale.order", "has_access", [[], "create"]) is True


def test_it_reports_no_sales_rights_for_a_user_without_them(
    odoo_api: OdooApi, norights: tuple[int, str]
) -> None:
    uid, password = norights
    assert odoo_api.call("sale.order", "has_access", [[], "create"], uid=uid, password=password) is False
    fault = odoo_api.fault("sale.order", "search", [[]], uid=uid, password=password)
    assert fault.faultCode == 4
    assert fault.faultString.startswith(NO_SALES_RIGHTS_START)
    assert fault.faultString.endswith(NO_SALES_RIGHTS_END)
    assert "\t- Sales/Administrator\n" in fault.faultString


def test_it_refuses_check_access_over_xml_rpc_with_a_none_fault(odoo_api: OdooApi) -> None:
    fault = odoo_api.fault("res.partner", "check_access", [[], "read"])
    assert fault.faultCode == 1
    assert odoo_api.last_line(fault) == "TypeError: cannot marshal None unless allow_none is enabled"
