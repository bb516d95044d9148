from __future__ import annotations

import xmlrpc.client

import pytest
from odoolib.tools import AuthenticationError

DB = "synco_demo"
VERSION = {
    "server_version": "18.0+e-20260607",
    "server_version_info": [18, 0, 0, "final", 0, ""],
    "server_serie": "18.0",
    "protocol_version": 1,
}
WRONG_DB = (
    'psycopg2.OperationalError: connection to server at "127.0.0.1", port 5433 failed: '
    'FATAL:  database "no_such_db" does not exist'
)


def test_it_reports_the_odoo_18_version(odoo) -> None:
    assert odoo.common.version() == VERSION
    assert xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/common").version() == VERSION


def test_it_authenticates_admin_and_returns_false_on_bad_credentials(odoo) -> None:
    assert odoo.common.authenticate(DB, "admin", "admin", {}) == 2
    assert odoo.common.login(DB, "admin", "admin") == 2
    assert odoo.common.authenticate(DB, "admin", "wrong", {}) is False
    assert odoo.common.authenticate(DB, "nobody", "x", {}) is False


def test_it_leaks_the_database_host_for_an_unknown_database(odoo) -> None:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        odoo.common.authenticate("no_such_db", "admin", "admin", {})
    assert caught.value.faultCode == 1
    assert odoo.last_line(caught.value) == WRONG_DB
    assert caught.value.faultString.startswith("Traceback (most recent call last):\n")


def test_it_uses_the_exception_text_as_fault_code_on_the_legacy_endpoint_for_an_unknown_database(
    odoo,
) -> None:
    legacy = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/common")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        legacy.login("no_such_db", "admin", "admin")
    assert caught.value.faultCode.startswith('connection to server at "127.0.0.1", port 5433 failed')
    assert "Traceback" in caught.value.faultString


def test_it_accepts_the_api_key_wherever_the_password_is(odoo, api_key) -> None:
    assert len(api_key) == 40
    assert odoo.common.authenticate(DB, "admin", api_key, {}) == 2
    assert odoo.call("res.partner", "search_count", [[["id", "=", 3]]], password=api_key) == 1


def test_it_denies_execute_kw_with_a_wrong_password_or_mismatched_uid(odoo) -> None:
    fault = odoo.fault("res.partner", "search", [[]], password="wrong")
    assert (fault.faultCode, fault.faultString) == (3, "Access Denied")
    fault = odoo.fault("res.partner", "search", [[]], uid=6, password="admin")
    assert (fault.faultCode, fault.faultString) == (3, "Access Denied")


def test_it_answers_access_denied_with_a_string_code_on_the_legacy_endpoint(odoo) -> None:
    legacy = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        legacy.execute_kw(DB, 2, "wrong", "res.partner", "search", [[]], {})
    assert (caught.value.faultCode, caught.value.faultString) == ("AccessDenied", "Access Denied")


def test_it_lists_the_database_and_its_version(odoo) -> None:
    db = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/db")
    assert db.list() == [DB]
    assert db.server_version() == "18.0+e-20260607"


def test_it_logs_odoolib_in_through_common_login(odoo) -> None:
    connection = odoo.lib()
    connection.check_login()
    assert connection.user_id == 2
    with pytest.raises(AuthenticationError):
        odoo.lib(password="wrong").get_model("res.partner").search([])


def test_it_reports_sales_rights_with_has_access_and_check_access_rights(odoo) -> None:
    assert odoo.call("sale.order", "has_access", [[], "create"]) is True
    assert odoo.call("sale.order", "has_access", [[], "create"], uid=6, password="sales-none") is False
    assert (
        odoo.call(
            "sale.order",
            "check_access_rights",
            ["create"],
            {"raise_exception": False},
            uid=6,
            password="sales-none",
        )
        is False
    )
    assert odoo.call("sale.order", "check_access_rights", ["create"], {"raise_exception": False}) is True


def test_it_refuses_sale_orders_to_a_user_without_sales_rights(odoo) -> None:
    fault = odoo.fault("sale.order", "search", [[]], uid=6, password="sales-none")
    assert fault.faultCode == 4
    assert fault.faultString == (
        "You are not allowed to access 'Sales Order' (sale.order) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Inventory/User\n\t- Invoicing/Invoicing\n"
        "\t- Sales/Administrator\n\t- Sales/User: Own Documents Only\n"
        "\t- Technical/Show Accounting Features - Readonly\n\t- Technical/Show Full Accounting Features\n"
        "\t- User types/Portal\n\nContact your administrator to request access if necessary."
    )


def test_it_refuses_product_creation_to_a_user_without_the_right(odoo) -> None:
    fault = odoo.fault("product.product", "create", [{"name": "X"}], uid=6, password="sales-none")
    assert fault.faultCode == 4
    assert fault.faultString.startswith(
        "You are not allowed to create 'Product Variant' (product.product) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Extra Rights/Product Creation\n"
    )


def test_it_finds_the_installed_modules(odoo) -> None:
    wanted = [
        "sale_management",
        "sale_stock",
        "stock",
        "account",
        "delivery",
        "stock_delivery",
        "sale",
        "base",
    ]
    found = odoo.call(
        "ir.module.module",
        "search_read",
        [[["name", "in", wanted], ["state", "=", "installed"]]],
        {"fields": ["name"]},
    )
    assert sorted(row["name"] for row in found) == sorted(wanted)


def test_it_can_pretend_a_module_is_missing() -> None:
    from sandboxes.odoo import start_in_thread

    server, url = start_in_thread(uninstalled_modules=("sale_stock",))
    try:
        proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        found = proxy.execute_kw(
            DB,
            2,
            "admin",
            "ir.module.module",
            "search_read",
            [[["name", "in", ["sale_stock", "stock"]], ["state", "=", "installed"]]],
            {"fields": ["name"]},
        )
        assert [row["name"] for row in found] == ["stock"]
    finally:
        server.shutdown_and_save()


def test_it_cannot_create_an_api_key_over_rpc(odoo) -> None:
    wizard = odoo.call("res.users.apikeys.description", "create", [{"name": "synco-connector"}])
    fault = odoo.fault("res.users.apikeys.description", "make_key", [[wizard]])
    assert (fault.faultCode, fault.faultString) == (2, "This method can only be accessed over HTTP")
