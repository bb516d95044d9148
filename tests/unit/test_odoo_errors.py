from __future__ import annotations

import socket
import xmlrpc.client

import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.odoo.errors import OdooNoneResult, classify

WHERE = "http://odoo.example:8069 (database 'prod')"
TRACEBACK = 'Traceback (most recent call last):\n  File "/opt/odoo/odoo/service/model.py", line 1\n'


def test_it_reports_a_bad_login_without_the_secret():
    error = classify(AuthenticationError("Authentication failure"), where=WHERE)

    assert isinstance(error, PermanentGatewayError)
    assert error.message == (
        "Odoo refused the login at http://odoo.example:8069 (database 'prod'): "
        "check the login and the password or API key."
    )


def test_it_reads_legacy_string_fault_codes():
    user_error = classify(
        xmlrpc.client.Fault(
            "warning -- UserError\n\nSome orders are not in a state requiring confirmation.", ""
        ),
        where=WHERE,
    )
    denied = classify(xmlrpc.client.Fault("AccessDenied", "Access Denied"), where=WHERE)

    assert isinstance(user_error, PermanentGatewayError)
    assert (
        user_error.message
        == "Odoo refused the operation: Some orders are not in a state requiring confirmation."
    )
    assert isinstance(denied, PermanentGatewayError)
    assert "check the login" in denied.message


def test_it_recognises_the_none_fault_of_a_method_that_ran():
    legacy = classify(
        xmlrpc.client.Fault("cannot marshal None unless allow_none is enabled", ""), where=WHERE
    )
    v2 = classify(
        xmlrpc.client.Fault(1, TRACEBACK + "TypeError: cannot marshal None unless allow_none is enabled"),
        where=WHERE,
    )

    assert isinstance(legacy, OdooNoneResult)
    assert isinstance(v2, OdooNoneResult)


def test_it_hides_the_database_host_of_a_missing_database():
    fault = xmlrpc.client.Fault(
        1,
        TRACEBACK + 'psycopg2.OperationalError: connection to server at "10.0.0.5", port 5433 failed: '
        'FATAL:  database "no_such_db" does not exist',
    )

    error = classify(fault, where=WHERE)

    assert isinstance(error, PermanentGatewayError)
    assert error.message == (
        "The Odoo database 'no_such_db' does not exist on http://odoo.example:8069 (database 'prod'): "
        "check the database name."
    )
    assert "10.0.0.5" not in error.message


def test_it_keeps_only_the_last_line_of_a_traceback():
    error = classify(
        xmlrpc.client.Fault(1, TRACEBACK + "ValueError: Invalid field 'tax_ids' on model 'sale.order.line'"),
        where=WHERE,
    )

    assert (
        error.message
        == "Odoo rejected a field or method Synco uses: Invalid field 'tax_ids' on model 'sale.order.line'"
    )
    assert "/opt/odoo" not in error.message


def test_it_names_missing_access_rights():
    fault = xmlrpc.client.Fault(
        "warning -- AccessError\n\nYou are not allowed to access 'Sales Order' (sale.order) records.\n\nThis "
        "operation is allowed for the following groups:\n\t- Sales/User",
        "",
    )

    error = classify(fault, where=WHERE)

    assert error.message == (
        "The Odoo user lacks access rights: You are not allowed to access 'Sales Order' (sale.order) records."
    )


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ConnectionRefusedError(), TransientGatewayError),
        (TimeoutError(), TransientGatewayError),
        (xmlrpc.client.ProtocolError("odoo/xmlrpc/object", 502, "Bad Gateway", {}), TransientGatewayError),
        (xmlrpc.client.ProtocolError("odoo/xmlrpc/object", 404, "Not Found", {}), PermanentGatewayError),
        (socket.gaierror(-2, "Name or service not known"), PermanentGatewayError),
    ],
)
def test_it_classifies_network_failures(exc, kind):
    assert isinstance(classify(exc, where=WHERE), kind)


def test_it_reads_json_rpc_errors_by_exception_class():
    error = classify(
        JsonRPCException(
            {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {
                    "name": "odoo.exceptions.UserError",
                    "message": "Nothing to invoice.",
                    "debug": "...",
                },
            }
        ),
        where=WHERE,
    )

    assert error.message == "Odoo refused the operation: Nothing to invoice."


OLD_UNKNOWN_METHOD = "The method 'do_magic' does not exist on the model 'sale.order'"  # 18.0 before mid-2025
NEW_UNKNOWN_METHOD = "The method 'sale.order.do_magic' does not exist"  # 18.0-20250702
OLD_PRIVATE_METHOD = "Private methods (such as _create_invoices) cannot be called remotely."
NEW_PRIVATE_METHOD = "Private methods (such as 'sale.order._create_invoices') cannot be called remotely."


@pytest.mark.parametrize("text", [OLD_UNKNOWN_METHOD, NEW_UNKNOWN_METHOD])
def test_it_reports_an_unknown_method_in_the_older_and_the_current_wording(text):
    faults = [
        xmlrpc.client.Fault(1, f"{TRACEBACK}AttributeError: {text}\n"),
        xmlrpc.client.Fault(text, f"{TRACEBACK}AttributeError: {text}\n"),  # legacy /xmlrpc
        JsonRPCException(
            {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {"name": "builtins.AttributeError", "message": text, "debug": TRACEBACK},
            }
        ),
    ]

    errors = [classify(fault, where=WHERE) for fault in faults]

    assert [type(error) for error in errors] == [PermanentGatewayError] * 3
    assert [error.message for error in errors] == [f"Odoo rejected a field or method Synco uses: {text}"] * 3


@pytest.mark.parametrize("text", [OLD_PRIVATE_METHOD, NEW_PRIVATE_METHOD])
def test_it_reports_a_private_method_as_missing_rights_in_the_older_and_the_current_wording(text):
    faults = [
        xmlrpc.client.Fault(4, text),
        xmlrpc.client.Fault(f"warning -- AccessError\n\n{text}", ""),  # legacy /xmlrpc
        JsonRPCException(
            {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {"name": "odoo.exceptions.AccessError", "message": text, "debug": ""},
            }
        ),
    ]

    errors = [classify(fault, where=WHERE) for fault in faults]

    assert [type(error) for error in errors] == [PermanentGatewayError] * 3
    assert [error.message for error in errors] == [f"The Odoo user lacks access rights: {text}"] * 3
