"""JSON-2 (Odoo 19, shared/odoo19-external-api.md §3, §6, §12): what Synco's JSON-2 transport depends on.

``POST /json/2/<model>/<method>`` with an API key as bearer and the database in ``X-Odoo-Database``; the body
names every argument (synco/odoo/json2.py names them); the answer is the raw result (``null`` for a method that
returns None), or an HTTP status with ``{name, message, arguments, context, debug}``, classified by status and
exception class. Before 19 there is no JSON-2: ``/json/2/...`` redirects to the login page and ``/json/version``
is no JSON, which is how Synco's 'auto' transport tells the versions apart. Called with httpx, as a client would.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from synco.odoo.json2 import MODEL_METHODS, RECORD_METHODS

from .conftest import Catalogue, Customer, OdooApi, Refs, spec_order_values

ERROR_KEYS = {"name", "message", "arguments", "context", "debug"}
WRONG_KEY = "0123456789abcdef" * 2 + "01234567"


@pytest.fixture(scope="module")
def api(odoo_api: OdooApi) -> OdooApi:
    """The target when it serves JSON-2 (19) and the suite has an API key of its user."""
    if odoo_api.version < 19:
        pytest.skip(f"Odoo {odoo_api.version} has no JSON-2 (its redirect is tested below)")
    if not odoo_api.target.api_key:
        pytest.skip("set ODOO_TEST_API_KEY (an API key of ODOO_TEST_LOGIN) to test JSON-2 on a real Odoo 19")
    return odoo_api


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text[:1000]
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def failed(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:1000]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    return dict(body)


def _is_json_200(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.headers.get("content-type", "").startswith(
        "application/json"
    )


def _order(api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue) -> int:
    values = spec_order_values(api, refs, customer, catalogue)
    [order] = ok(api.json2("sale.order", "create", {"vals_list": [values]}))
    assert isinstance(order, int)
    return api.discard_later(order)


# -- version, key ------------------------------------------------------------------------------------


def test_it_answers_the_version_without_a_key(api: OdooApi) -> None:
    for path in ("/json/version", "/web/version"):
        version = ok(httpx.get(f"{api.target.base_url}{path}", timeout=30, follow_redirects=False))
        assert set(version) == {"version_info", "version"}
        assert version["version_info"][:2] == [19, 0]
        assert len(version["version_info"]) == 6
        assert version["version"].startswith("19.0")
    assert version["version"] == api.target.build  # the same build as XML-RPC's version()


def test_it_names_the_keys_user_in_context_get(api: OdooApi) -> None:
    context = ok(api.json2("res.users", "context_get", {}))
    assert context["uid"] == api.uid
    assert {"lang", "tz"} <= set(context)


def test_it_accepts_the_bearer_scheme_in_any_case(api: OdooApi) -> None:
    key = str(api.target.api_key)
    for scheme in ("bearer", "Bearer"):
        response = httpx.post(
            f"{api.target.base_url}/json/2/res.users/search_count",
            json={"domain": [["id", "=", api.uid]]},
            headers={"Authorization": f"{scheme} {key}", "X-Odoo-Database": api.target.db},
            timeout=30,
        )
        assert ok(response) == 1


# -- the connector's calls (§3.3) -----------------------------------------------------------------------


def test_it_search_reads_and_reads_with_named_arguments(api: OdooApi, refs: Refs, customer: Customer) -> None:
    rows = ok(
        api.json2(
            "res.partner",
            "search_read",
            {"domain": [["id", "=", customer.id]], "fields": ["name", "email", "country_id"], "limit": 1},
        )
    )
    assert rows == [
        {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "country_id": [refs.us, "United States"],
        }
    ]
    assert ok(api.json2("res.partner", "read", {"ids": [customer.id], "fields": ["name"]})) == [
        {"id": customer.id, "name": customer.name}
    ]
    missing = api.missing_id("res.partner")
    assert ok(api.json2("res.partner", "read", {"ids": [missing], "fields": ["name"]})) == []


def test_it_reads_many2one_as_a_bare_id_with_load_null(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _order(api, refs, customer, catalogue)
    rows = ok(
        api.json2(
            "sale.order",
            "read",
            {"ids": [order], "fields": ["partner_id", "amount_total", "date_order"], "load": None},
        )
    )
    assert rows == [
        {"id": order, "partner_id": customer.id, "amount_total": 61.77, "date_order": "2026-11-20 14:03:00"}
    ]


def test_it_creates_with_a_list_of_ids_and_writes_with_true(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _order(api, refs, customer, catalogue)
    lines = api.read_one("sale.order", order, ["order_line"])["order_line"]
    assert len(lines) == 3
    assert (
        ok(api.json2("sale.order", "write", {"ids": [order], "vals": {"origin": f"json2:{order}"}})) is True
    )
    assert api.read_one("sale.order", order, ["origin"])["origin"] == f"json2:{order}"


def test_a_record_method_without_ids_runs_on_no_record(api: OdooApi, customer: Customer) -> None:
    """Why Synco's JSON-2 transport always names the ids: 200 true, and nothing was written (§0.3)."""
    assert ok(api.json2("res.partner", "write", {"vals": {"comment": "<p>nobody</p>"}})) is True
    assert api.read_one("res.partner", customer.id, ["comment"])["comment"] != "<p>nobody</p>"


def test_it_loads_an_order_by_external_id_with_ids_and_messages(
    api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    run = api.run_id
    fields = [
        "id",
        "partner_id/.id",
        "client_order_ref",
        "order_line/id",
        "order_line/product_id/.id",
        "order_line/product_uom_qty",
        "order_line/price_unit",
    ]
    order_cells = [f"synco_contract.order_{run}_json2", str(customer.id), f"#json2-{run}"]
    data = [[*order_cells, f"synco_contract.line_{run}_j1", str(catalogue.shirt), "2", "25.0"]]
    first = ok(api.json2("sale.order", "load", {"fields": fields, "data": data}))
    assert first == {"ids": first["ids"], "messages": [], "nextrow": 0}
    [order] = first["ids"]
    api.discard_later(order)
    assert ok(api.json2("sale.order", "load", {"fields": fields, "data": data})) == {
        "ids": [order],
        "messages": [],
        "nextrow": 0,
    }
    assert len(api.read_one("sale.order", order, ["order_line"])["order_line"]) == 1
    # an error is a message in a 200, not an HTTP error
    missing = api.missing_id("product.product")
    bad_cells = [f"synco_contract.order_{run}_json2_bad", str(customer.id), f"#json2-bad-{run}"]
    bad = [[*bad_cells, "", str(missing), "1", "1"]]
    refused = ok(api.json2("sale.order", "load", {"fields": fields, "data": bad}))
    assert refused["ids"] is False
    assert [message["type"] for message in refused["messages"]] == ["error"]
    assert f"No matching record found for database id '{missing}'" in refused["messages"][0]["message"]
    assert api.call("sale.order", "search", [[["client_order_ref", "=", f"#json2-bad-{run}"]]]) == []


def test_it_confirms_with_true_then_answers_422_user_error(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _order(api, refs, customer, catalogue)
    assert ok(api.json2("sale.order", "action_confirm", {"ids": [order]})) is True
    assert api.read_one("sale.order", order, ["state"])["state"] == "sale"
    error = failed(api.json2("sale.order", "action_confirm", {"ids": [order]}), 422)
    # Synco's confirm_sale_order takes this message for "already confirmed" (a retry)
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.UserError",
        "Some orders are not in a state requiring confirmation.",
    )


def test_it_answers_has_access_with_a_boolean(api: OdooApi) -> None:
    assert ok(api.json2("sale.order", "has_access", {"ids": [], "operation": "create"})) is True


def test_it_answers_null_for_methods_that_return_none(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _order(api, refs, customer, catalogue)
    api.call("sale.order", "action_confirm", [[order]])
    assert ok(api.json2("sale.order", "action_lock", {"ids": [order]})) is None
    assert api.read_one("sale.order", order, ["locked"])["locked"] is True
    assert ok(api.json2("sale.order", "action_unlock", {"ids": [order]})) is None
    assert api.read_one("sale.order", order, ["locked"])["locked"] is False

    product = api.call("product.product", "create", [{"name": api.unique("JSON-2 stock"), **api.f.storable}])
    [quant] = ok(
        api.json2(
            "stock.quant",
            "create",
            {
                "vals_list": [
                    {"product_id": product, "location_id": refs.stock_location, "inventory_quantity": 7}
                ],
                "context": {"inventory_mode": True},
            },
        )
    )
    assert ok(api.json2("stock.quant", "action_apply_inventory", {"ids": [quant]})) is None
    assert api.read_one("product.product", product, ["qty_available"])["qty_available"] == 7.0


def test_it_answers_create_invoices_with_the_new_invoice_as_res_id(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    """Over XML-RPC this is a None-fault for an order without a payment term; over JSON-2 the action names it."""
    order = _order(api, refs, customer, catalogue)
    assert api.read_one("sale.order", order, ["payment_term_id"])["payment_term_id"] is False
    api.call("sale.order", "action_confirm", [[order]])
    context = {"active_model": "sale.order", "active_ids": [order], "active_id": order}
    [wizard] = ok(
        api.json2(
            "sale.advance.payment.inv",
            "create",
            {"vals_list": [{"advance_payment_method": "delivered"}], "context": context},
        )
    )
    action = ok(
        api.json2("sale.advance.payment.inv", "create_invoices", {"ids": [wizard], "context": context})
    )
    [invoice] = api.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"]
    assert (action["type"], action["res_model"], action["res_id"]) == (
        "ir.actions.act_window",
        "account.move",
        invoice,
    )
    assert api.read_one("account.move", invoice, ["state", "amount_total"]) == {
        "id": invoice,
        "state": "draft",
        "amount_total": 61.77,
    }


def test_it_takes_every_argument_name_synco_sends(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    """Each parameter name in Synco's JSON-2 table (synco/odoo/json2.py), sent at once, is one Odoo 19 binds."""
    order = _order(api, refs, customer, catalogue)
    xmlid = f"partner_{api.run_id}_json2"
    api.call(
        "ir.model.data",
        "create",
        [{"module": "synco_contract", "name": xmlid, "model": "res.partner", "res_id": customer.id}],
    )
    one = [["id", "=", customer.id]]
    scratch = api.call(
        "res.partner", "create", [{"name": api.unique("JSON-2 to copy")}]
    )  # not the shared customer
    model_calls: dict[str, tuple[str, dict[str, Any], Any]] = {
        "search": ("res.partner", {"domain": one, "offset": 0, "limit": 1, "order": "id"}, [customer.id]),
        "search_read": (
            "res.partner",
            {"domain": one, "fields": ["name"], "offset": 0, "limit": 1, "order": "id"},
            [{"id": customer.id, "name": customer.name}],
        ),
        "search_count": ("res.partner", {"domain": one, "limit": 10}, 1),
        "read_group": (
            "sale.order",
            {
                "domain": [["id", "=", order]],
                "fields": ["amount_total:sum"],
                "groupby": ["partner_id"],
                "offset": 0,
                "limit": 10,
                "orderby": False,
                "lazy": False,
            },
            None,
        ),
        "create": ("res.partner", {"vals_list": [{"name": api.unique("JSON-2 named")}]}, None),
        "load": ("res.partner", {"fields": ["name"], "data": [[api.unique("JSON-2 loaded")]]}, None),
        "fields_get": (
            "sale.order.line",
            {"allfields": [api.f.tax], "attributes": ["type", "relation"]},
            {api.f.tax: {"type": "many2many", "relation": "account.tax"}},
        ),
        "name_search": (
            "res.partner",
            {"name": customer.name, "domain": [], "operator": "=", "limit": 1},
            None,
        ),
        "default_get": ("sale.order", {"fields": ["state"]}, {"state": "draft"}),
        "check_access_rights": ("sale.order", {"operation": "create", "raise_exception": False}, True),
        "check_object_reference": (
            "ir.model.data",
            {"module": "synco_contract", "xml_id": xmlid},
            ["res.partner", customer.id],
        ),
        "context_get": ("res.users", {}, None),
    }
    record_calls: dict[str, tuple[str, dict[str, Any], Any]] = {
        "read": ("res.partner", {"ids": [customer.id], "fields": ["name"], "load": None}, None),
        "write": ("res.partner", {"ids": [customer.id], "vals": {"comment": "<p>named</p>"}}, True),
        "copy": ("res.partner", {"ids": [scratch], "default": {"name": api.unique("JSON-2 copy")}}, None),
        "web_read": (
            "res.partner",
            {"ids": [customer.id], "specification": {"name": {}}},
            [{"id": customer.id, "name": customer.name}],
        ),
        "web_save": (
            "sale.order",
            {"ids": [order], "vals": {"note": "<p>saved</p>"}, "specification": {"state": {}}},
            [{"id": order, "state": "draft"}],
        ),
        "has_access": ("sale.order", {"ids": [], "operation": "create"}, True),
        "address_get": (
            "res.partner",
            {"ids": [customer.id], "adr_pref": ["delivery", "invoice"]},
            # 'contact' is always added (test_partners.py, the notes' address_get)
            {"delivery": customer.delivery, "invoice": customer.invoice, "contact": customer.id},
        ),
    }
    for method, params in MODEL_METHODS.items():
        assert method in model_calls, f"Synco sends {method} over JSON-2: add a call of it here"
        assert set(model_calls[method][1]) == set(params), f"{method}: Synco names {params}"
    for method, params in RECORD_METHODS.items():
        if params:  # buttons and wizards take only the records
            assert method in record_calls, f"Synco sends {method} over JSON-2: add a call of it here"
            assert set(record_calls[method][1]) == {"ids", *params}, f"{method}: Synco names {params}"
    for method, (model, body, expected) in {**model_calls, **record_calls}.items():
        response = api.json2(model, method, body)
        assert response.status_code == 200, f"{model}/{method} {sorted(body)}: {response.text[:300]}"
        if expected is not None:
            assert response.json() == expected, method


# -- errors (§3.4): status and exception class ----------------------------------------------------------


def test_it_refuses_a_wrong_key_and_a_password_with_401(api: OdooApi) -> None:
    for key in (WRONG_KEY, api.target.password):
        response = api.json2("res.partner", "search_count", {"domain": []}, key=key)
        error = failed(response, 401)
        assert error["name"] == "werkzeug.exceptions.Unauthorized"
        assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_it_refuses_a_private_method_with_403(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    order = _order(api, refs, customer, catalogue)
    error = failed(api.json2("sale.order", "_create_invoices", {"ids": [order]}), 403)
    assert error["name"] == "odoo.exceptions.AccessError"
    assert "_create_invoices" in error["message"]
    assert api.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"] == []
    error = failed(api.json2("res.partner", "check_access", {"ids": [customer.id], "operation": "read"}), 403)
    assert error["name"] == "odoo.exceptions.AccessError"


def test_it_answers_an_unknown_model_or_method_with_404(api: OdooApi) -> None:
    for model, method in (("res.partnerz", "search_count"), ("res.partner", "do_magic")):
        error = failed(api.json2(model, method, {"domain": []}), 404)
        assert error["name"] == "werkzeug.exceptions.NotFound"
        assert (model if model.endswith("z") else method) in error["message"]


def test_it_answers_a_missing_record_with_404_missing_error(api: OdooApi) -> None:
    missing = api.missing_id("sale.order")
    error = failed(api.json2("sale.order", "write", {"ids": [missing], "vals": {"origin": "x"}}), 404)
    assert error["name"] == "odoo.exceptions.MissingError"
    assert error["message"].startswith("Record does not exist or has been deleted.")


def test_it_answers_an_unknown_database_with_a_404_html_page(api: OdooApi) -> None:
    response = api.json2("res.partner", "search_count", {"domain": []}, database=f"no_such_db_{api.run_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_it_answers_an_unexpected_argument_with_422(api: OdooApi) -> None:
    error = failed(api.json2("res.partner", "search_count", {"domain": [], "args": [[]]}), 422)
    assert error["name"] == "werkzeug.exceptions.UnprocessableEntity"
    assert "args" in error["message"]


def test_it_answers_an_old_field_name_with_500_value_error_and_creates_nothing(
    api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    """A 500 that retrying never helps: Synco classifies it by the body's name, not by the status."""
    reference = api.unique("#json2-tax_id")
    values = {
        "partner_id": customer.id,
        "client_order_ref": reference,
        "order_line": [[0, 0, {"product_id": catalogue.shirt, "product_uom_qty": 1, "tax_id": [[6, 0, []]]}]],
    }
    error = failed(api.json2("sale.order", "create", {"vals_list": [values]}), 500)
    assert error["name"] == "builtins.ValueError"
    assert error["message"].startswith("Invalid field 'tax_id'")
    assert api.call("sale.order", "search", [[["client_order_ref", "=", reference]]]) == []


def test_one_call_is_one_transaction(api: OdooApi) -> None:
    name = api.unique("JSON-2 rolled back")
    error = failed(
        api.json2("res.partner", "create", {"vals_list": [{"name": name}, {"email": "x@example.com"}]}), 422
    )
    assert error["name"] == "odoo.exceptions.ValidationError"
    assert api.call("res.partner", "search", [[["name", "=", name]]]) == []


# -- before 19 -----------------------------------------------------------------------------------------


def test_before_19_json2_redirects_to_the_login_and_json_version_is_no_json(odoo_api: OdooApi) -> None:
    if odoo_api.version >= 19:
        pytest.skip("Odoo 19 serves JSON-2 (tested above)")
    base = odoo_api.target.base_url
    call = httpx.post(
        f"{base}/json/2/res.partner/search_count",
        json={"domain": []},
        headers={"Authorization": f"bearer {WRONG_KEY}", "X-Odoo-Database": odoo_api.target.db},
        timeout=30,
        follow_redirects=False,
    )
    version = httpx.get(f"{base}/json/version", timeout=30, follow_redirects=False)
    # what Synco's 'auto' transport relies on: no JSON answer from either, so it stays on XML-RPC
    assert not _is_json_200(call)
    assert not _is_json_200(version)
    if odoo_api.version == 18:
        assert call.status_code == 303
        assert call.headers["location"].split("?")[0].endswith("/web/login")
        assert version.status_code == 303
