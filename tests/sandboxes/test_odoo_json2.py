"""The Odoo sandbox's JSON-2 API (version 19), against odoo19-external-api.md §0-§4, §6 and §12, over real HTTP."""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sandboxes.odoo import DEFAULT_API_KEY, OdooSandboxServer, start_in_thread
from sandboxes.odoo.json2 import NOT_AUTHENTICATED
from sandboxes.odoo.models.automation import SENDER

DB = "synco_demo"
SALES_NONE_UID = 6
SALES_NONE_KEY = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
SERVER_PATH = "/usr/lib/python3/dist-packages/odoo"
INVENTORY = {"inventory_mode": True}


@dataclass
class Json2:
    """A JSON-2 client as the notes describe one: bearer key, database header, named arguments."""

    server: OdooSandboxServer
    url: str

    def post(
        self,
        model: str,
        method: str,
        body: Any = None,
        *,
        key: str | None = DEFAULT_API_KEY,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"X-Odoo-Database": DB, "Content-Type": "application/json"}
        if key is not None:
            sent["Authorization"] = f"bearer {key}"
        sent.update(headers or {})
        content = b"" if body is None else json.dumps(body).encode()
        return httpx.post(f"{self.url}/json/2/{model}/{method}", content=content, headers=sent, timeout=10)

    def call(self, model: str, method: str, **body: Any) -> Any:
        response = self.post(model, method, body)
        assert response.status_code == 200, response.text
        return response.json()

    def error(self, model: str, method: str, body: Any, status: int, **options: Any) -> dict[str, Any]:
        response = self.post(model, method, body, **options)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        payload = response.json()
        assert set(payload) == {"name", "message", "arguments", "context", "debug"}
        return dict(payload)

    def xmlrpc(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object")
        return proxy.execute_kw(DB, 2, "admin", model, method, args, kwargs or {})

    def product(self, code: str) -> int:
        return int(self.call("product.product", "search", domain=[["default_code", "=", code]])[0])

    def tax_field(self) -> str:
        """``tax_ids`` on 19 (``tax_id`` before): asked of the server, as a client should."""
        fields = self.call("sale.order.line", "fields_get", allfields=["tax_id", "tax_ids"])
        return "tax_ids" if "tax_ids" in fields else "tax_id"

    def order_values(self, partner: int) -> dict[str, Any]:
        """The notes' 3-line order (§6): 2 x 25.00 -10 %, 1 x 3.50, shipping 5.99 without tax."""
        tax = self.tax_field()
        return {
            "name": "P19#1001",
            "partner_id": partner,
            "client_order_ref": "#1001",
            "date_order": "2026-11-20 14:03:00",
            "order_line": [
                [
                    0,
                    0,
                    {
                        "product_id": self.product("SKU-TSHIRT-M"),
                        "product_uom_qty": 2,
                        "price_unit": 25.0,
                        "discount": 10.0,
                        tax: [[6, 0, [1]]],
                    },
                ],
                [
                    0,
                    0,
                    {
                        "product_id": self.product("SKU-GIFTWRAP"),
                        "product_uom_qty": 1,
                        "price_unit": 3.5,
                        tax: [[6, 0, [1]]],
                    },
                ],
                [
                    0,
                    0,
                    {
                        "product_id": 1,
                        "name": "Shipping: Standard",
                        "product_uom_qty": 1,
                        "price_unit": 5.99,
                        tax: [[6, 0, []]],
                        "is_delivery": True,
                    },
                ],
            ],
        }

    def order(self) -> int:
        partner = self.call("res.partner", "create", vals_list=[{"name": "Jane Doe"}])[0]
        return int(self.call("sale.order", "create", vals_list=[self.order_values(partner)])[0])


@pytest.fixture
def odoo() -> Iterator[Json2]:
    server, url = start_in_thread(version=19)
    try:
        yield Json2(server, url)
    finally:
        server.shutdown_and_save()


@pytest.fixture(params=[17, 18], ids=["odoo17", "odoo18"])
def before19(request: pytest.FixtureRequest) -> Iterator[Json2]:
    server, url = start_in_thread(version=request.param)
    try:
        yield Json2(server, url)
    finally:
        server.shutdown_and_save()


# -- calls and results (§3.1-§3.3) -------------------------------------------------------------------
def test_it_answers_search_read_with_the_raw_result_and_no_envelope(odoo: Json2) -> None:
    response = odoo.post(
        "res.partner", "search_read", {"domain": [["id", "=", 1]], "fields": ["name", "country_id"]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["connection"] == "close"
    assert "set-cookie" not in response.headers
    assert response.json() == [{"id": 1, "name": "My Company", "country_id": [233, "United States"]}]


def test_it_passes_limit_offset_and_order_by_name(odoo: Json2) -> None:
    rows = odoo.call("res.partner", "search_read", domain=[], fields=["name"], limit=2, order="id desc")
    everyone = odoo.call("res.partner", "search", domain=[], order="id desc")
    assert [row["id"] for row in rows] == everyone[:2]


def test_it_reads_records_by_ids_a_bare_id_and_leaves_out_missing_ones(odoo: Json2) -> None:
    assert odoo.call("res.partner", "read", ids=[1, 999999], fields=["name"]) == [
        {"id": 1, "name": "My Company"}
    ]
    assert odoo.call("res.partner", "read", ids=1, fields=["name"]) == [{"id": 1, "name": "My Company"}]
    assert odoo.call("res.partner", "read", ids=[999999], fields=["name"]) == []


def test_it_creates_from_a_list_or_a_single_dict_and_answers_a_list_of_ids(odoo: Json2) -> None:
    created = odoo.call("res.partner", "create", vals_list=[{"name": "probe19 JSON2 partner"}])
    single = odoo.call("res.partner", "create", vals_list={"name": "probe19 single dict"})
    assert isinstance(created, list) and len(created) == 1
    assert isinstance(single, list) and single[0] == created[0] + 1
    assert odoo.call("res.partner", "search_count", domain=[["name", "like", "probe19"]]) == 2


def test_it_writes_records_and_reads_the_change_back(odoo: Json2) -> None:
    partner = odoo.call("res.partner", "create", vals_list=[{"name": "Jane"}])[0]
    assert odoo.call("res.partner", "write", ids=[partner], vals={"phone": "+1 555 0100"}) is True
    assert odoo.call("res.partner", "read", ids=[partner], fields=["phone"]) == [
        {"id": partner, "phone": "+1 555 0100"}
    ]


def test_it_reads_a_many2one_as_a_bare_id_with_load_null(odoo: Json2) -> None:
    fields = ["name", "country_id"]
    assert odoo.call("res.partner", "read", ids=[1], fields=fields, load=None) == [
        {"id": 1, "name": "My Company", "country_id": 233}
    ]
    assert odoo.call("res.partner", "search_read", domain=[["id", "=", 1]], fields=fields, load=None) == [
        {"id": 1, "name": "My Company", "country_id": 233}
    ]


def test_it_copies_a_record_and_answers_the_new_ids(odoo: Json2) -> None:
    partner = odoo.call("res.partner", "create", vals_list=[{"name": "Jane", "email": "jane@example.com"}])[0]
    copies = odoo.call("res.partner", "copy", ids=[partner], default={"name": "Jane (copy)"})
    assert len(copies) == 1 and copies[0] != partner
    assert odoo.call("res.partner", "read", ids=copies, fields=["name", "email"]) == [
        {"id": copies[0], "name": "Jane (copy)", "email": "jane@example.com"}
    ]


def test_it_runs_a_record_method_without_ids_on_an_empty_recordset(odoo: Json2) -> None:
    before = odoo.call("res.partner", "search_count", domain=[["name", "=", "Nobody"]])
    assert odoo.call("res.partner", "write", vals={"name": "Nobody"}) is True
    assert odoo.call("res.partner", "search_count", domain=[["name", "=", "Nobody"]]) == before == 0


def test_it_ignores_a_json_array_body(odoo: Json2) -> None:
    response = odoo.post("res.partner", "read", [[1], ["name"]])
    assert (response.status_code, response.json()) == (200, [])


def test_it_takes_null_in_arguments(odoo: Json2) -> None:
    partner = odoo.call("res.partner", "create", vals_list=[{"name": "No Email"}])[0]
    found = odoo.call("res.partner", "search", domain=[["email", "=", None], ["name", "=", "No Email"]])
    assert found == [partner]


def test_it_loads_rows_with_external_ids_and_answers_the_import_result(odoo: Json2) -> None:
    result = odoo.call(
        "res.partner",
        "load",
        fields=["id", "name", "email"],
        data=[["shopify.customer_7001", "Jane Doe", "jane@example.com"]],
    )
    assert result["messages"] == [] and result["nextrow"] == 0 and len(result["ids"]) == 1
    again = odoo.call(
        "res.partner",
        "load",
        fields=["id", "name", "email"],
        data=[["shopify.customer_7001", "Jane Doe", "jane.doe@example.com"]],
    )
    assert again["ids"] == result["ids"]
    assert odoo.call("res.partner", "read", ids=result["ids"], fields=["email"])[0]["email"] == (
        "jane.doe@example.com"
    )
    # JSON turns get_external_id's integer keys into strings (XML-RPC cannot marshal them at all)
    assert odoo.call("res.partner", "get_external_id", ids=[result["ids"][0], 1]) == {
        str(result["ids"][0]): "shopify.customer_7001",
        "1": "",
    }


def test_it_answers_has_access(odoo: Json2) -> None:
    assert odoo.call("sale.order", "has_access", ids=[], operation="create") is True


def test_it_uses_the_context(odoo: Json2) -> None:
    partner = odoo.call("res.partner", "create", vals_list=[{"name": "Archived Jane"}])[0]
    assert odoo.call("res.partner", "action_archive", ids=[partner]) is True
    domain = [["name", "=", "Archived Jane"]]
    assert odoo.call("res.partner", "search", domain=domain) == []
    assert odoo.call("res.partner", "search", domain=domain, context={"active_test": False}) == [partner]


def test_it_confirms_an_order_then_refuses_a_second_confirmation_with_422(odoo: Json2) -> None:
    order = odoo.order()
    assert odoo.call("sale.order", "action_confirm", ids=[order]) is True
    assert odoo.call("sale.order", "read", ids=[order], fields=["state"]) == [{"id": order, "state": "sale"}]
    error = odoo.error("sale.order", "action_confirm", {"ids": [order]}, 422)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.UserError",
        "Some orders are not in a state requiring confirmation.",
    )


def test_it_answers_null_where_xml_rpc_cannot_marshal_none(odoo: Json2) -> None:
    order = odoo.order()
    response = odoo.post("sale.order", "action_lock", {"ids": [order]})
    assert (response.status_code, response.content) == (200, b"null")
    assert odoo.call("sale.order", "read", ids=[order], fields=["locked"])[0]["locked"] is True
    with pytest.raises(xmlrpc.client.Fault, match="cannot marshal None"):
        odoo.xmlrpc("sale.order", "action_unlock", [[order]])


def test_it_answers_the_invoice_action_of_create_invoices_without_a_payment_term(odoo: Json2) -> None:
    # given a confirmed order whose customer has no payment term (XML-RPC: "cannot marshal None")
    order = odoo.order()
    odoo.call("sale.order", "action_confirm", ids=[order])
    context = {"active_model": "sale.order", "active_ids": [order], "active_id": order}
    wizard = odoo.call(
        "sale.advance.payment.inv",
        "create",
        vals_list=[{"advance_payment_method": "delivered"}],
        context=context,
    )
    # when
    action = odoo.call("sale.advance.payment.inv", "create_invoices", ids=wizard, context=context)
    # then
    invoices = odoo.call("sale.order", "read", ids=[order], fields=["invoice_ids"])[0]["invoice_ids"]
    assert len(invoices) == 1
    assert (action["res_model"], action["res_id"]) == ("account.move", invoices[0])
    assert action["context"]["default_invoice_payment_term_id"] is None


# -- errors (§3.4) ---------------------------------------------------------------------------------
def test_it_refuses_a_wrong_key_and_a_password_with_401_and_a_bearer_challenge(odoo: Json2) -> None:
    for secret in ("0" * 40, "admin"):
        response = odoo.post("res.partner", "search_count", {"domain": []}, key=secret)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert (response.json()["name"], response.json()["message"]) == (
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
        )
        assert response.json()["arguments"] == ["Invalid apikey", 401]


@pytest.mark.parametrize("authorization", [None, f"Basic {DEFAULT_API_KEY}", "bearer"])
def test_it_refuses_a_call_without_a_bearer_key(odoo: Json2, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = odoo.post("res.partner", "search_count", {"domain": []}, key=None, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["message"] == NOT_AUTHENTICATED


def test_it_takes_the_bearer_scheme_in_any_case(odoo: Json2) -> None:
    response = odoo.post(
        "res.partner",
        "search_count",
        {"domain": []},
        key=None,
        headers={"Authorization": f"BEARER {DEFAULT_API_KEY}"},
    )
    assert response.status_code == 200 and response.json() > 0


def test_it_refuses_a_key_of_an_archived_user(odoo: Json2) -> None:
    odoo.server.db.insert("res.users.apikeys", {"user_id": 1, "name": "odoobot", "key": SALES_NONE_KEY})
    assert odoo.error("res.partner", "search_count", {"domain": []}, 401, key=SALES_NONE_KEY)["message"] == (
        "Invalid apikey"
    )


def test_it_answers_an_unknown_database_with_the_html_404(odoo: Json2) -> None:
    response = odoo.post("res.partner", "search_count", {"domain": []}, headers={"X-Odoo-Database": "nope"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<p>No database is selected and the requested URL was not found" in response.text
    assert "<!-- Alternatively, use the X-Odoo-Database header. -->" in response.text


def test_it_needs_no_database_header_with_one_database(odoo: Json2) -> None:
    response = httpx.post(
        f"{odoo.url}/json/2/res.partner/search_count",
        json={"domain": [["id", "=", 1]]},
        headers={"Authorization": f"bearer {DEFAULT_API_KEY}"},
    )
    assert (response.status_code, response.json()) == (200, 1)


def test_it_refuses_another_content_type_with_the_html_415(odoo: Json2) -> None:
    response = httpx.post(
        f"{odoo.url}/json/2/res.partner/search_count",
        content=b'{"domain": []}',
        headers={"Authorization": f"bearer {DEFAULT_API_KEY}", "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "is type=&#x27;json2&#x27;" in response.text


def test_it_answers_a_body_that_is_not_json_with_400(odoo: Json2) -> None:
    response = httpx.post(
        f"{odoo.url}/json/2/res.partner/search_count",
        content=b"{x",
        headers={"Authorization": f"bearer {DEFAULT_API_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert (response.json()["name"], response.json()["message"]) == (
        "werkzeug.exceptions.BadRequest",
        "could not parse the body as json: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    )


@pytest.mark.parametrize(
    ("model", "method", "message"),
    [
        ("res.partnerz", "read", "the model 'res.partnerz' does not exist"),
        ("res.partner", "do_magic", "The method 'res.partner.do_magic' does not exist"),
    ],
)
def test_it_answers_an_unknown_model_or_method_with_404(
    odoo: Json2, model: str, method: str, message: str
) -> None:
    error = odoo.error(model, method, {}, 404)
    assert (error["name"], error["message"], error["arguments"]) == (
        "werkzeug.exceptions.NotFound",
        message,
        [message, 404],
    )


def test_it_points_a_get_or_a_path_without_method_at_post(odoo: Json2) -> None:
    for response in (
        httpx.get(f"{odoo.url}/json/2/res.partner/search_read"),
        httpx.post(
            f"{odoo.url}/json/2/res.partner",
            json={},
            headers={"Authorization": f"bearer {DEFAULT_API_KEY}"},
        ),
    ):
        assert response.status_code == 404
        assert response.json()["message"] == "Did you mean POST /json/2/<model>/<method>?"


@pytest.mark.parametrize(
    "method", ["_create_invoices", "_read_group", "check_access", "exists", "search_fetch"]
)
def test_it_refuses_private_methods_with_403(odoo: Json2, method: str) -> None:
    error = odoo.error("sale.order", method, {"ids": [1]}, 403)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.AccessError",
        f"Private methods (such as 'sale.order.{method}') cannot be called remotely.",
    )


def test_it_answers_missing_rights_with_403(odoo: Json2) -> None:
    odoo.server.db.insert(
        "res.users.apikeys", {"user_id": SALES_NONE_UID, "name": "no sales", "key": SALES_NONE_KEY}
    )
    error = odoo.error(
        "sale.order", "search_read", {"domain": [], "fields": ["name"]}, 403, key=SALES_NONE_KEY
    )
    assert error["name"] == "odoo.exceptions.AccessError"
    assert error["message"].startswith("You are not allowed to access 'Sales Order' (sale.order) records.")
    assert odoo.call("sale.order", "has_access", ids=[], operation="read") is True


@pytest.mark.parametrize(
    ("method", "body", "record"),
    [
        ("write", {"ids": [999999], "vals": {"name": "x"}}, "res.partner(999999,)"),
        ("create", {"vals_list": [{"name": "x", "parent_id": 999999}]}, "res.partner(999999,)"),
    ],
)
def test_it_answers_a_missing_record_with_404(
    odoo: Json2, method: str, body: dict[str, Any], record: str
) -> None:
    error = odoo.error("res.partner", method, body, 404)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: {record}, User: 2)",
    )


def test_it_answers_a_validation_error_and_a_missing_required_field_with_422(odoo: Json2) -> None:
    error = odoo.error("res.partner", "create", {"vals_list": [{"email": "no-name@example.com"}]}, 422)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.ValidationError",
        "The operation cannot be completed: Contacts require a name",
    )
    required = odoo.error("sale.order", "create", {"vals_list": [{"client_order_ref": "#1"}]}, 422)
    assert (required["name"], required["message"]) == (
        "odoo.exceptions.ValidationError",
        "The operation cannot be completed: Missing required value for the field 'Customer' (partner_id).\n"
        "Model: 'Sales Order' (sale.order)\n"
        "- create/update: a mandatory field is not set\n"
        "- delete: another model requires the record being deleted, you can archive it instead\n",
    )


def test_it_answers_a_write_to_a_missing_record_that_only_the_foreign_key_sees_with_422(odoo: Json2) -> None:
    # a done picking's contact: Odoo reads nothing through it, the database's foreign key refuses it (§3.4)
    odoo.call(
        "stock.quant",
        "create",
        vals_list=[{"product_id": odoo.product("SKU-TSHIRT-M"), "location_id": 8, "inventory_quantity": 5}],
        context={"inventory_mode": True},
    )
    odoo.call("stock.quant", "action_apply_inventory", ids=odoo.call("stock.quant", "search", domain=[]))
    order = odoo.order()
    odoo.call("sale.order", "action_confirm", ids=[order])
    picking = odoo.call("sale.order", "read", ids=[order], fields=["picking_ids"])[0]["picking_ids"][0]
    pending = odoo.error("stock.picking", "write", {"ids": [picking], "vals": {"partner_id": 999999}}, 404)
    assert pending["name"] == "odoo.exceptions.MissingError"  # not done yet: its moves read the contact
    assert odoo.call("stock.picking", "button_validate", ids=[picking]) is True
    vals = {"carrier_tracking_ref": "1ZROLLBACK", "partner_id": 999999}
    error = odoo.error("stock.picking", "write", {"ids": [picking], "vals": vals}, 422)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.ValidationError",
        "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n"
        "The troublemaker is: 'Transfer' (stock.picking)\n"
        "Thanks to the following constraint: 'Contact' (partner_id)\n"
        "How about archiving the record instead?",
    )
    tracking = odoo.call("stock.picking", "read", ids=[picking], fields=["carrier_tracking_ref"])
    assert tracking == [{"id": picking, "carrier_tracking_ref": False}]


@pytest.mark.parametrize(
    ("model", "method", "body", "message"),
    [
        (
            "res.partner",
            "read",
            {"ids": [1], "args": [["name"]]},
            "got an unexpected keyword argument 'args'",
        ),
        ("res.partner", "search_count", None, "missing a required argument: 'domain'"),
        (
            "res.partner",
            "search_read",
            {"ids": [1], "domain": []},
            "cannot call res.partner.search_read with ids",
        ),
        ("res.partner", "create", {"ids": [1], "vals_list": []}, "cannot call res.partner.create with ids"),
    ],
)
def test_it_answers_arguments_that_do_not_bind_with_422(
    odoo: Json2, model: str, method: str, body: Any, message: str
) -> None:
    error = odoo.error(model, method, body, 422)
    assert (error["name"], error["message"]) == ("werkzeug.exceptions.UnprocessableEntity", message)


def test_default_get_takes_19s_fields_parameter(odoo: Json2) -> None:
    assert odoo.call("res.partner", "default_get", fields=["type", "lang"]) == {
        "type": "contact",
        "lang": "en_US",
    }
    error = odoo.error("res.partner", "default_get", {"fields_list": ["type"]}, 422)
    assert (error["name"], error["message"]) == (
        "werkzeug.exceptions.UnprocessableEntity",
        "missing a required argument: 'fields'",
    )


def test_it_answers_a_language_that_is_not_installed_with_422(odoo: Json2) -> None:
    error = odoo.error("res.partner", "search_count", {"domain": [], "context": {"lang": "fr_FR"}}, 422)
    assert error["message"] == "Invalid language code: fr_FR"


LINE = {"product_id": 2, "product_uom_qty": 1}


@pytest.mark.parametrize(
    ("model", "method", "body", "name", "message"),
    [
        (
            "res.partner",
            "create",
            {"vals_list": [{"name": "x", "nonexistent_field": 1}]},
            "builtins.ValueError",
            "Invalid field 'nonexistent_field' in 'res.partner'",
        ),
        (
            "res.partner",
            "search",
            {"domain": [["shopify_id", "=", 1]]},
            "builtins.ValueError",
            "Invalid field res.partner.shopify_id in condition ('shopify_id', '=', 1)",
        ),
        (
            "stock.move",
            "search_read",
            {"domain": [], "fields": ["name"]},
            "builtins.ValueError",
            "Invalid field 'name' on 'stock.move'",
        ),
        (
            "res.partner",
            "create",
            {"vals_list": [{"name": "x", "mobile": "+1 555 0100"}]},
            "builtins.ValueError",
            "Invalid field 'mobile' in 'res.partner'",
        ),
        (
            "sale.order",
            "create",
            {"vals_list": [{"partner_id": 3, "order_line": [[0, 0, {**LINE, "tax_id": [[6, 0, [1]]]}]]}]},
            "builtins.ValueError",
            "Invalid field 'tax_id' on model 'sale.order.line'",
        ),
        (
            "sale.order",
            "create",
            {"vals_list": [{"partner_id": 3, "order_line": [[0, 0, {**LINE, "product_uom": 1}]]}]},
            "builtins.ValueError",
            "Invalid field 'product_uom' on model 'sale.order.line'",
        ),
        (
            "product.template",
            "create",
            {"vals_list": [{"name": "Mug", "type": "product"}]},
            "builtins.ValueError",
            "Wrong value for product.template.type: 'product'",
        ),
        (
            "sale.order",
            "create",
            {"vals_list": [{"partner_id": 3, "date_order": "2026-11-20T14:03:00"}]},
            "builtins.ValueError",
            "time data '2026-11-20T14:03:00' does not match format '%Y-%m-%d %H:%M:%S'",
        ),
        (
            "res.partner",
            "search_read",
            {"domain": [], "fieldz": ["name"]},
            "builtins.TypeError",
            "BaseModel._read_format() got an unexpected keyword argument 'fieldz'",
        ),
        (
            "res.partner",
            "search",
            {"domain": "not a domain"},
            "builtins.TypeError",
            "Domain() invalid argument type for domain: 'not a domain'",
        ),
        (
            "res.partner",
            "write",
            {"ids": [1], "vals": {"bogus": 1}},
            "builtins.KeyError",
            "bogus",  # Odoo's exception_to_unicode: the key, without KeyError's quotes
        ),
    ],
)
def test_it_answers_bad_payloads_with_500_and_the_exception_name(
    odoo: Json2, model: str, method: str, body: dict[str, Any], name: str, message: str
) -> None:
    orders = odoo.call("sale.order", "search_count", domain=[])
    error = odoo.error(model, method, body, 500)
    assert (error["name"], error["message"]) == (name, message)
    assert odoo.call("sale.order", "search_count", domain=[]) == orders


def test_it_answers_a_domain_false_with_no_record(odoo: Json2) -> None:
    assert odoo.call("res.partner", "search_count", domain=False) == 0
    assert odoo.call("res.partner", "search", domain=False) == []


def test_it_logs_a_user_error_as_a_warning_an_exception_as_an_error_and_http_errors_not_at_all(
    odoo: Json2, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="odoo.http")
    odoo.post("sale.order", "action_confirm", {"ids": [999999]})  # 404 MissingError
    odoo.post(
        "res.partner", "create", {"vals_list": [{"email": "no-name@example.com"}]}
    )  # 422 ValidationError
    odoo.post("res.partner", "search", {"domain": "not a domain"})  # 500 TypeError
    odoo.post("res.partner", "search_count", {"domain": []}, key="wrong")  # 401
    odoo.post("res.partner", "default_get", {"fields_list": ["type"]})  # 422, raised by the dispatcher
    odoo.post("res.partnerz", "search_count", {"domain": []})  # 404 NotFound
    logged = [
        (record.levelno, record.getMessage(), record.exc_info is not None)
        for record in caplog.records
        if record.name == "odoo.http"
    ]
    assert logged == [
        (
            logging.WARNING,
            "Record does not exist or has been deleted.\n(Record: sale.order(999999,), User: 2)",
            False,
        ),
        (logging.WARNING, "The operation cannot be completed: Contacts require a name", False),
        (logging.ERROR, "Exception during request handling.", True),
    ]


def test_it_puts_a_server_traceback_in_debug_and_never_in_message(odoo: Json2) -> None:
    error = odoo.error("res.partner", "create", {"vals_list": [{"name": "x", "nonexistent_field": 1}]}, 500)
    assert error["debug"].startswith("Traceback (most recent call last):\n")
    assert f'File "{SERVER_PATH}/' in error["debug"]
    assert error["debug"].rstrip().endswith(f"ValueError: {error['message']}")
    assert SERVER_PATH not in error["message"]


# -- transactions (§3.5) ---------------------------------------------------------------------------
def test_a_failing_call_keeps_none_of_its_writes(odoo: Json2) -> None:
    odoo.error(
        "res.partner",
        "create",
        {"vals_list": [{"name": "probe19 tx A"}, {"email": "no-name@example.com"}]},
        422,
    )
    assert odoo.call("res.partner", "search_count", domain=[["name", "like", "probe19 tx"]]) == 0


def test_consecutive_calls_commit_independently(odoo: Json2) -> None:
    odoo.call("res.partner", "create", vals_list=[{"name": "probe19 first"}])
    odoo.error("res.partner", "create", {"vals_list": [{"name": "probe19 second"}, {"type": "contact"}]}, 422)
    names = odoo.call("res.partner", "search_read", domain=[["name", "like", "probe19"]], fields=["name"])
    assert [row["name"] for row in names] == ["probe19 first"]


@pytest.fixture
def receiver() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.put(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()  # a webhook still on its way is refused at once, not left hanging for its 1 s timeout


def install_quant_rule(odoo: Json2, url: str) -> None:
    """A "Send Webhook Notification" rule on internal quants, created over JSON-2 (§10.1)."""
    module = odoo.call("ir.module.module", "search", domain=[["name", "=", "base_automation"]])
    odoo.call("ir.module.module", "button_immediate_install", ids=module)
    model = odoo.call("ir.model", "search", domain=[["model", "=", "stock.quant"]])[0]
    fields = odoo.call(
        "ir.model.fields",
        "search",
        domain=[["model", "=", "stock.quant"], ["name", "in", ["quantity", "product_id"]]],
    )
    action = {
        "name": "hook",
        "model_id": model,
        "state": "webhook",
        "webhook_url": url,
        "webhook_field_ids": fields,
    }
    odoo.call(
        "base.automation",
        "create",
        vals_list=[
            {
                "name": "quant",
                "model_id": model,
                "trigger": "on_create_or_write",
                "filter_domain": "[('location_id.usage', '=', 'internal')]",
                "action_server_ids": [[0, 0, action]],
            }
        ],
    )


def test_a_failing_call_sends_none_of_its_queued_webhooks(
    odoo: Json2, receiver: tuple[str, queue.Queue[dict[str, Any]]]
) -> None:
    url, received = receiver
    install_quant_rule(odoo, url)
    mug = odoo.product("SKU-MUG")
    quant = {"product_id": mug, "location_id": 8, "inventory_quantity": 3}
    # a quant created in inventory mode fires the rule, then the second (bad) one fails the call
    failed = odoo.post(
        "stock.quant",
        "create",
        {"vals_list": [quant, {**quant, "quantity": 3}], "context": {"inventory_mode": True}},
    )
    assert (failed.status_code, failed.json()["message"]) == (
        422,
        "Quant's creation is restricted, you can't do this operation.",
    )
    # then a call that succeeds: the sandbox sends a database's webhooks in the order their calls committed, so
    # the first one the receiver gets is this call's; one queued by the failed call would have come before it.
    # (No fixed sleep and no wait on other sandboxes' webhooks: this test once failed in a full run.)
    created = odoo.call("stock.quant", "create", vals_list=[quant], context={"inventory_mode": True})
    assert received.get(timeout=10)["_id"] == created[0]
    assert SENDER.join(timeout=10, db=odoo.server.db)
    while not received.empty():
        assert received.get()["_id"] == created[0]


def test_a_receiver_that_never_answers_delays_no_other_sandboxs_webhooks(
    odoo: Json2, receiver: tuple[str, queue.Queue[dict[str, Any]]]
) -> None:
    # given another sandbox whose rule posts to a receiver that accepts connections and never answers
    # (each webhook waits out its 1 s timeout) and that has queued 7 of them (1, then 2 per upsert)
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)
    other_server, other_url = start_in_thread(version=19)
    try:
        other = Json2(other_server, other_url)
        install_quant_rule(other, f"http://127.0.0.1:{hanging.getsockname()[1]}/hook")
        quant = {"product_id": other.product("SKU-MUG"), "location_id": 8}
        for count in (1, 2, 3, 4):
            other.call(
                "stock.quant", "create", vals_list=[{**quant, "inventory_quantity": count}], context=INVENTORY
            )
        # when this sandbox's rule fires
        url, received = receiver
        install_quant_rule(odoo, url)
        started = time.monotonic()
        created = odoo.call(
            "stock.quant", "create", vals_list=[{**quant, "inventory_quantity": 5}], context=INVENTORY
        )
        # then its webhook goes out at once, not after the other sandbox's 7 s of timeouts
        assert received.get(timeout=10)["_id"] == created[0]
        assert time.monotonic() - started < 4.0
    finally:
        other_server.shutdown_and_save()
        hanging.close()


# -- the sandbox's fault injection and statistics --------------------------------------------------
def test_it_counts_json2_calls_in_the_statistics(odoo: Json2) -> None:
    odoo.server.reset_stats()
    odoo.call("res.partner", "search_count", domain=[])
    odoo.post("res.partner", "search_count", {"domain": []}, key="wrong")
    assert httpx.get(f"{odoo.url}/sandbox/stats").json()["calls"] == {"res.partner:search_count": 2}


def test_it_answers_503_when_told_to_fail_the_next_call(odoo: Json2) -> None:
    odoo.server.set_fail_next(1)
    failed = odoo.post("res.partner", "create", {"vals_list": [{"name": "probe19 503"}]})
    assert (failed.status_code, failed.headers["content-type"]) == (503, "text/html")
    assert odoo.call("res.partner", "search_count", domain=[["name", "=", "probe19 503"]]) == 0


def test_it_drops_the_connection_after_a_committed_write_when_told_to(odoo: Json2) -> None:
    odoo.server.set_drop_after_write(1)
    with pytest.raises(httpx.TransportError):
        odoo.post("res.partner", "create", {"vals_list": [{"name": "probe19 dropped"}]})
    assert odoo.call("res.partner", "search_count", domain=[["name", "=", "probe19 dropped"]]) == 1


def test_it_drops_every_connection_while_down(odoo: Json2) -> None:
    odoo.server.set_down(True)
    with pytest.raises(httpx.TransportError):
        odoo.post("res.partner", "search_count", {"domain": []})
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{odoo.url}/json/version")


# -- version routes (§1, §12) ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/json/version", "/web/version"])
def test_it_answers_the_version_without_key_or_database(odoo: Json2, path: str) -> None:
    response = httpx.get(f"{odoo.url}{path}")
    assert response.status_code == 200
    assert response.json() == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0+e-20251227"}
    facts: Any = xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/common").version()
    assert response.json() == {
        "version_info": facts["server_version_info"],
        "version": facts["server_version"],
    }


def test_before_19_json2_redirects_to_the_login_page(before19: Json2) -> None:
    response = before19.post("res.partner", "search_count", {"domain": []})
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login?redirect=%2Fjson%2F2%2Fres.partner%2Fsearch_count%3F"
    followed = httpx.post(
        f"{before19.url}/json/2/res.partner/search_count", json={"domain": []}, follow_redirects=True
    )
    assert (followed.status_code, followed.headers["content-type"]) == (200, "text/html; charset=utf-8")


def test_before_19_there_are_no_version_routes(before19: Json2) -> None:
    redirected = httpx.get(f"{before19.url}/json/version")
    assert (redirected.status_code, redirected.headers["location"]) == (
        303,
        "/web/login?redirect=%2Fjson%2Fversion%3F",
    )
    assert httpx.get(f"{before19.url}/web/version").status_code == 404


# -- the same order over both protocols ------------------------------------------------------------
def test_the_same_order_over_json2_and_xml_rpc_has_the_same_totals(odoo: Json2) -> None:
    over_json2 = odoo.order()
    partner = odoo.xmlrpc("res.partner", "create", [{"name": "Jane Doe"}])
    over_xmlrpc = odoo.xmlrpc("sale.order", "create", [odoo.order_values(partner)])
    fields = ["amount_untaxed", "amount_tax", "amount_total", "order_line"]
    by_json2 = odoo.call("sale.order", "read", ids=[over_json2], fields=fields)[0]
    by_xmlrpc = odoo.xmlrpc("sale.order", "read", [[over_xmlrpc]], {"fields": fields})[0]
    totals = ("amount_untaxed", "amount_tax", "amount_total")
    assert [by_json2[name] for name in totals] == [by_xmlrpc[name] for name in totals] == [54.49, 7.28, 61.77]
    line_fields = ["price_subtotal", "price_tax", "price_total"]
    lines_json2 = odoo.call("sale.order.line", "read", ids=by_json2["order_line"], fields=line_fields)
    lines_xmlrpc = odoo.xmlrpc("sale.order.line", "read", [by_xmlrpc["order_line"]], {"fields": line_fields})
    assert [{k: v for k, v in line.items() if k != "id"} for line in lines_json2] == [
        {k: v for k, v in line.items() if k != "id"} for line in lines_xmlrpc
    ]
