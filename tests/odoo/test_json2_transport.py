"""The JSON-2 transport against a local HTTP server that answers as Odoo 19 does (odoo19-external-api.md §3).

The server records every request (method, path, headers, JSON body, the TCP connection it came on) so the
tests can assert what went over the wire: named bodies, the bearer key and database headers, one kept-alive
connection, and the error classification of each status and exception class Odoo 19 answers with.
"""

from __future__ import annotations

import ast
import json
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from synco.errors import GatewayError, PermanentGatewayError, TransientGatewayError
from synco.odoo.client import OdooClient, OdooSettings, OdooUnreachableError, forget_sessions
from synco.odoo.destination import OutboundPolicy
from synco.odoo.errors import OdooLoginRefusedError, OdooMissingRecordError
from synco.odoo.json2 import Json2SignatureError, named_arguments

DB = "synco_demo"
LOGIN = "admin"
KEY = "0123456789abcdef0123456789abcdef01234567"
VERSION_19 = {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0+e-20251227"}
DEBUG = 'Traceback (most recent call last):\n  File "/opt/odoo/odoo/http.py", line 2180, in _serve_db\n'
NO_DATABASE_PAGE = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is "
    b"selected and the requested URL was not found in the server-wide controllers.</p>\n"
    b"<!-- Alternatively, use the X-Odoo-Database header. -->"
)


@dataclass
class Seen:
    verb: str
    path: str
    headers: dict[str, str]
    body: Any
    connection: int


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def odoo_error(status: int, name: str, message: str) -> Answer:
    """An error as JSON-2 answers it, traceback (with server paths) included."""
    body = {"name": name, "message": message, "arguments": [message], "context": {}, "debug": DEBUG}
    return Answer(status, json.dumps(body).encode())


def result(value: Any) -> Answer:
    return Answer(200, json.dumps(value).encode())


class FakeOdoo:
    """What a caller of Odoo 19 (or 18, `major=18`) sees over HTTP; answers can be scripted per method."""

    def __init__(self, major: int = 19) -> None:
        self.major = major
        self.seen: list[Seen] = []
        self.answers: dict[tuple[str, str], Answer | str] = {}
        self.context: dict[str, Any] = {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}
        self.close_each = False
        self.version_answer = result(VERSION_19)
        self.stop = threading.Event()
        self.port = 0
        self._connections = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self) -> list[Seen]:
        """The JSON-2 model calls received (the version probe and the key check left out)."""
        return [s for s in self.seen if s.path.startswith("/json/2/") and "/res.users/" not in s.path]

    def next_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def respond(self, verb: str, path: str, headers: dict[str, str], raw: bytes) -> Answer | str:
        if path.startswith("/xmlrpc/"):
            return self._xmlrpc(path, raw)
        if self.major < 19:  # no JSON-2: Odoo 18 sends everything it does not route to its login page
            return Answer(303, b"<html>Redirecting...</html>", "text/html", {"Location": "/web/login"})
        if path == "/json/version" and verb == "GET":
            return self.version_answer
        if not path.startswith("/json/2/") or verb != "POST":
            return Answer(404, b"<h1>Not Found</h1>", "text/html")
        if headers.get("x-odoo-database") != DB:
            return Answer(404, NO_DATABASE_PAGE, "text/html; charset=utf-8")
        if headers.get("content-type") != "application/json":
            return Answer(415, b"<p>Request inferred type is compatible with ['http']</p>", "text/html")
        if headers.get("authorization", "").lower() != f"bearer {KEY}":
            return odoo_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
        model, method = path.removeprefix("/json/2/").split("/", 1)
        body = json.loads(raw) if raw else {}
        scripted = self.answers.get((model, method))
        if scripted is not None:
            return scripted
        if (model, method) == ("res.users", "context_get"):
            return result(self.context)
        if (model, method) == ("res.users", "search"):
            return result([2] if body.get("domain") == [["login", "=", LOGIN]] else [])
        return result(True)

    def _xmlrpc(self, path: str, raw: bytes) -> Answer:
        _params, method = xmlrpc.client.loads(raw)
        value: Any = []
        if method == "version":
            value = {
                "server_version": f"{self.major}.0",
                "server_version_info": [self.major, 0, 0, "final", 0],
            }
        elif method in ("login", "authenticate"):
            value = 2
        elif method == "execute_kw":
            value = [7]
        payload = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()
        return Answer(200, payload, "text/xml")


def _handler(odoo: FakeOdoo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Odoo's threaded server

        def setup(self) -> None:
            super().setup()
            self.connection_number = odoo.next_connection()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, verb: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            body = json.loads(raw) if raw and "json" in headers.get("content-type", "") else raw
            odoo.seen.append(Seen(verb, self.path, headers, body, self.connection_number))
            answer = odoo.respond(verb, self.path, headers, raw)
            if answer == "trickle":  # a valid beginning, then one byte every 0.2 s, never an end
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for byte in b"X-Slow: " + b"a" * 10_000:
                    if odoo.stop.wait(0.2):
                        break
                    self.wfile.write(bytes([byte]))
                self.close_connection = True
                return
            assert isinstance(answer, Answer)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if odoo.close_each:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(answer.body)

    return Handler


@pytest.fixture
def serve() -> Iterator[Callable[..., FakeOdoo]]:
    servers: list[tuple[FakeOdoo, ThreadingHTTPServer]] = []

    def start(major: int = 19) -> FakeOdoo:
        odoo = FakeOdoo(major)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(odoo))
        server.daemon_threads = True
        odoo.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append((odoo, server))
        return odoo

    forget_sessions()
    yield start
    forget_sessions()
    for odoo, server in servers:
        odoo.stop.set()
        server.shutdown()
        server.server_close()


def client_for(
    odoo: FakeOdoo, *, protocol: str = "json2", secret: str = KEY, timeout: float = 5.0
) -> OdooClient:
    return OdooClient(
        OdooSettings(
            host="127.0.0.1",
            port=odoo.port,
            use_tls=False,
            database=DB,
            login=LOGIN,
            secret=secret,
            protocol=protocol,
            timeout=timeout,
            policy=OutboundPolicy(allow_loopback=True),
        )
    )


@pytest.fixture
def odoo19(serve: Callable[..., FakeOdoo]) -> FakeOdoo:
    return serve(19)


@pytest.fixture
def client(odoo19: FakeOdoo) -> Iterator[OdooClient]:
    client = client_for(odoo19)
    yield client
    client.close()


# -- request bodies -----------------------------------------------------------------------------------------

# Every method Synco calls, called as Synco calls it (XML-RPC style), and the JSON-2 body it must become.
CALLS: list[tuple[str, str, tuple[Any, ...], dict[str, Any], dict[str, Any]]] = [
    (
        "res.country",
        "search",
        ([["code", "=", "US"]],),
        {"limit": 1},
        {"domain": [["code", "=", "US"]], "limit": 1},
    ),
    (
        "sale.order",
        "search",
        ([["origin", "=", "shopify:1"]], 0, 1, "id"),
        {},
        {"domain": [["origin", "=", "shopify:1"]], "offset": 0, "limit": 1, "order": "id"},
    ),
    (
        "res.partner",
        "search_read",
        ([["id", "=", 1]],),
        {"fields": ["name"], "limit": 1, "order": "id"},
        {"domain": [["id", "=", 1]], "fields": ["name"], "limit": 1, "order": "id"},
    ),
    (
        "res.company",
        "search_read",
        (),
        {"domain": [], "fields": ["currency_id"], "limit": 1},
        {"domain": [], "fields": ["currency_id"], "limit": 1},
    ),
    (
        "res.partner",
        "search_read",
        ([], ["name"], 5, 10, "name"),
        {},
        {"domain": [], "fields": ["name"], "offset": 5, "limit": 10, "order": "name"},
    ),
    (
        "res.partner",
        "search_count",
        ([["active", "=", True]], 100),
        {},
        {"domain": [["active", "=", True]], "limit": 100},
    ),
    ("stock.move", "read", ([4, 5], ["quantity"]), {}, {"ids": [4, 5], "fields": ["quantity"]}),
    (
        "sale.order",
        "read",
        ([1], ["partner_id"], None),
        {},
        {"ids": [1], "fields": ["partner_id"], "load": None},
    ),
    (
        "sale.order",
        "read",
        ([1], ["name"]),
        {"context": {"active_test": False}},
        {"ids": [1], "fields": ["name"], "context": {"active_test": False}},
    ),
    ("product.product", "create", ([{"name": "Mug"}],), {}, {"vals_list": [{"name": "Mug"}]}),
    (
        "stock.quant",
        "create",
        ([{"product_id": 2, "inventory_quantity": 10.0}],),
        {"context": {"inventory_mode": True}},
        {"vals_list": [{"product_id": 2, "inventory_quantity": 10.0}], "context": {"inventory_mode": True}},
    ),
    ("sale.order", "write", ([1], {"note": "x"}), {}, {"ids": [1], "vals": {"note": "x"}}),
    ("res.partner", "unlink", ([6],), {}, {"ids": [6]}),
    (
        "sale.order",
        "load",
        (["id", "name"], [["shopify.order_1", "#1"]]),
        {},
        {"fields": ["id", "name"], "data": [["shopify.order_1", "#1"]]},
    ),
    (
        "res.partner",
        "web_read",
        ([18], {"display_name": {}}),
        {},
        {"ids": [18], "specification": {"display_name": {}}},
    ),
    (
        "sale.order",
        "web_save",
        ([1], {"note": "x"}, {"note": {}}),
        {},
        {"ids": [1], "vals": {"note": "x"}, "specification": {"note": {}}},
    ),
    ("sale.order", "has_access", ([], "create"), {}, {"ids": [], "operation": "create"}),
    (
        "sale.order",
        "check_access_rights",
        ("create",),
        {"raise_exception": False},
        {"operation": "create", "raise_exception": False},
    ),
    (
        "stock.picking",
        "fields_get",
        (["carrier_id"],),
        {"attributes": ["type"]},
        {"allfields": ["carrier_id"], "attributes": ["type"]},
    ),
    (
        "res.partner",
        "name_search",
        ("My", [], "ilike", 5),
        {},
        {"name": "My", "domain": [], "operator": "ilike", "limit": 5},
    ),
    (
        "ir.model.data",
        "check_object_reference",
        ("shopify", "order_1"),
        {},
        {"module": "shopify", "xml_id": "order_1"},
    ),
    (
        "res.partner",
        "address_get",
        ([18], ["delivery", "invoice"]),
        {},
        {"ids": [18], "adr_pref": ["delivery", "invoice"]},
    ),
    (
        "sale.order",
        "read_group",
        ([], ["amount_total:sum"], ["state"]),
        {"lazy": False},
        {"domain": [], "fields": ["amount_total:sum"], "groupby": ["state"], "lazy": False},
    ),
    ("ir.module.module", "button_immediate_install", ([12],), {}, {"ids": [12]}),
    ("sale.order", "action_confirm", ([1],), {}, {"ids": [1]}),
    (
        "sale.order",
        "action_cancel",
        ([1],),
        {"context": {"disable_cancel_warning": True}},
        {"ids": [1], "context": {"disable_cancel_warning": True}},
    ),
    ("account.move", "action_post", ([3],), {}, {"ids": [3]}),
    ("stock.picking", "button_validate", ([1],), {}, {"ids": [1]}),
    ("stock.picking", "action_assign", ([1],), {}, {"ids": [1]}),
    ("stock.quant", "action_apply_inventory", ([1],), {}, {"ids": [1]}),
    ("stock.return.picking", "action_create_returns", ([2],), {}, {"ids": [2]}),
    (
        "sale.advance.payment.inv",
        "create_invoices",
        ([1],),
        {"context": {"active_model": "sale.order", "active_ids": [1]}},
        {"ids": [1], "context": {"active_model": "sale.order", "active_ids": [1]}},
    ),
    (
        "account.payment.register",
        "action_create_payments",
        ([1],),
        {"context": {"active_model": "account.move", "active_ids": [1]}},
        {"ids": [1], "context": {"active_model": "account.move", "active_ids": [1]}},
    ),
    ("account.move.reversal", "refund_moves", ([1],), {}, {"ids": [1]}),
    (
        "stock.backorder.confirmation",
        "process",
        ([1],),
        {"context": {"a": 1}},
        {"ids": [1], "context": {"a": 1}},
    ),
    ("stock.backorder.confirmation", "process_cancel_backorder", ([1],), {}, {"ids": [1]}),
    ("confirm.stock.sms", "send_sms", ([1],), {}, {"ids": [1]}),
]


@pytest.mark.parametrize(
    ("model", "method", "args", "kwargs", "body"), CALLS, ids=[f"{c[0]}.{c[1]}" for c in CALLS]
)
def test_it_names_every_argument_of_the_methods_synco_calls(
    client: OdooClient, odoo19: FakeOdoo, model: str, method: str, args: Any, kwargs: Any, body: Any
) -> None:
    client.call(model, method, *args, **kwargs)

    [seen] = odoo19.calls()
    assert (seen.verb, seen.path) == ("POST", f"/json/2/{model}/{method}")
    assert seen.body == body


APPS = ("synco", "orders", "refunds", "stock", "shipments", "customers", "products", "sandboxes/management")


def _calls_in_the_code() -> list[tuple[str, str, int, list[str]]]:
    """Every `.call(model, "method", ...)` / `.call_allowing_none(...)` in the apps: where, method, positional
    arguments after the method, keyword names."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("call", "call_allowing_none")
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)
                    and not any(isinstance(arg, ast.Starred) for arg in node.args)
                ):
                    continue
                keywords = [str(keyword.arg) for keyword in node.keywords]
                where = f"{path.relative_to(root)}:{node.lineno}"
                found.append((where, node.args[1].value, len(node.args) - 2, keywords))
    return found


def test_every_call_in_the_code_can_be_named() -> None:
    calls = _calls_in_the_code()
    unnamed = []
    for where, method, positional, keywords in calls:
        try:
            named_arguments(method, [object()] * positional, dict.fromkeys(keywords))
        except Json2SignatureError as exc:
            unnamed.append(f"{where}: {exc}")

    assert len(calls) > 90  # the scan found the code base's calls
    assert unnamed == []
    # The wizard buttons client.py calls through a variable (validate_picking's decisions) are in the table.
    for method in ("process", "process_cancel_backorder", "send_sms"):
        assert named_arguments(method, [[1]], {"context": {}}) == {"ids": [1], "context": {}}


def test_it_sends_the_key_as_a_bearer_token_and_names_the_database(
    client: OdooClient, odoo19: FakeOdoo
) -> None:
    client.call("sale.order", "action_confirm", [1])

    for seen in odoo19.seen:
        if seen.path.startswith("/json/2/"):
            assert seen.headers["authorization"] == f"bearer {KEY}"
            assert seen.headers["x-odoo-database"] == DB
            assert seen.headers["content-type"] == "application/json"
    assert [s.path for s in odoo19.seen] == [
        "/json/version",
        "/json/2/res.users/context_get",
        "/json/2/sale.order/action_confirm",
    ]


def test_it_sends_datetimes_as_odoo_strings(client: OdooClient, odoo19: FakeOdoo) -> None:
    client.call("sale.order", "write", [1], {"date_order": datetime(2026, 11, 20, 14, 3)})

    assert odoo19.calls()[0].body == {"ids": [1], "vals": {"date_order": "2026-11-20 14:03:00"}}


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "error"),
    [
        (
            "do_magic",
            ([1], "x"),
            {},
            "JSON-2 needs the parameter names of 'do_magic' (2 positional arguments",
        ),
        ("do_magic", ([1],), {}, "JSON-2 needs the parameter names of 'do_magic' (1 positional arguments"),
        (
            "write",
            ([1], {"note": "x"}, {"extra": 1}),
            {},
            "write takes 1 positional arguments after ids over JSON-2",
        ),
        (
            "action_confirm",
            ([1], True),
            {},
            "action_confirm takes 0 positional arguments after ids over JSON-2",
        ),
        ("write", (), {"vals": {"note": "x"}}, "write acts on records: pass their ids first"),
        ("read", ([1], ["name"]), {"fields": ["name"]}, "read got 'fields' both by position and by name"),
        ("search", ([],), {"ids": [1]}, "search is a model method: it takes no ids"),
    ],
)
def test_it_refuses_a_call_it_cannot_name_before_sending_anything(
    client: OdooClient, odoo19: FakeOdoo, method: str, args: Any, kwargs: Any, error: str
) -> None:
    with pytest.raises(Json2SignatureError) as raised:
        client.call("sale.order", method, *args, **kwargs)

    assert str(raised.value).startswith(error)
    assert odoo19.calls() == []


def test_an_unknown_method_without_positional_arguments_goes_by_name(
    client: OdooClient, odoo19: FakeOdoo
) -> None:
    client.call("res.partner", "get_views", views=[[False, "form"]])

    assert odoo19.calls()[0].body == {"views": [[False, "form"]]}


# -- results ------------------------------------------------------------------------------------------------


def test_a_null_result_is_none(client: OdooClient, odoo19: FakeOdoo) -> None:
    odoo19.answers[("sale.order", "action_lock")] = Answer(200, b"null")

    assert client.call_allowing_none("sale.order", "action_lock", [1]) is None
    assert client.call("sale.order", "action_lock", [1]) is None
    assert len(odoo19.calls()) == 2


def test_create_of_one_dict_answers_its_id_as_over_xml_rpc(client: OdooClient, odoo19: FakeOdoo) -> None:
    odoo19.answers[("product.product", "create")] = result([6])

    assert client.call("product.product", "create", {"name": "Mug"}) == 6
    assert client.call("product.product", "create", [{"name": "Mug"}]) == [6]
    assert [seen.body for seen in odoo19.calls()] == [
        {"vals_list": {"name": "Mug"}},
        {"vals_list": [{"name": "Mug"}]},
    ]


def test_read_of_one_record_stays_a_list(client: OdooClient, odoo19: FakeOdoo) -> None:
    odoo19.answers[("res.partner", "read")] = result([{"id": 1, "name": "My Company"}])

    assert client.call("res.partner", "read", [1], ["name"]) == [{"id": 1, "name": "My Company"}]


def test_it_answers_the_version_in_xml_rpcs_shape(client: OdooClient) -> None:
    assert client.server_version() == "19.0+e-20251227"
    assert client._connection.get_service("common").version() == {
        "server_version": "19.0+e-20251227",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
        "protocol_version": 1,
    }


# -- the key's user -----------------------------------------------------------------------------------------


def test_it_takes_the_uid_from_the_users_context(client: OdooClient, odoo19: FakeOdoo) -> None:
    odoo19.context["uid"] = 7

    assert client.authenticate() == 7
    assert [s.path for s in odoo19.seen if "res.users" in s.path] == ["/json/2/res.users/context_get"]
    assert odoo19.seen[-1].body == {}


def test_without_a_uid_in_the_context_it_looks_the_login_up(client: OdooClient, odoo19: FakeOdoo) -> None:
    del odoo19.context["uid"]

    assert client.authenticate() == 2
    assert odoo19.seen[-1].path == "/json/2/res.users/search"
    assert odoo19.seen[-1].body == {"domain": [["login", "=", LOGIN]], "limit": 1}


def test_a_login_that_names_no_user_is_refused(serve: Callable[..., FakeOdoo]) -> None:
    odoo = serve(19)
    del odoo.context["uid"]
    client = OdooClient(
        OdooSettings(
            host="127.0.0.1", port=odoo.port, use_tls=False, database=DB, login="nobody", secret=KEY,
            protocol="json2", policy=OutboundPolicy(allow_loopback=True),
        )
    )  # fmt: skip

    with pytest.raises(OdooLoginRefusedError) as raised:
        client.authenticate()

    assert raised.value.message == (
        f"Odoo refused the login at http://127.0.0.1:{odoo.port} (database '{DB}'): "
        "check the login and the password or API key."
    )


def test_the_login_is_checked_once_per_process(odoo19: FakeOdoo) -> None:
    client_for(odoo19).call("sale.order", "action_confirm", [1])
    client_for(odoo19).call("sale.order", "action_confirm", [2])

    assert [s.path for s in odoo19.seen] == [
        "/json/version",
        "/json/2/res.users/context_get",
        "/json/2/sale.order/action_confirm",
        "/json/2/sale.order/action_confirm",
    ]


# -- the connection -----------------------------------------------------------------------------------------


def test_several_calls_share_one_kept_alive_connection(client: OdooClient, odoo19: FakeOdoo) -> None:
    for order_id in range(5):
        client.call("sale.order", "action_confirm", [order_id])

    assert len(odoo19.seen) == 7
    assert {seen.connection for seen in odoo19.seen} == {1}


def test_a_server_that_closes_after_each_answer_gets_a_new_connection(
    client: OdooClient, odoo19: FakeOdoo
) -> None:
    odoo19.close_each = True

    for order_id in range(3):
        assert client.call("sale.order", "action_confirm", [order_id]) is True

    assert [seen.connection for seen in odoo19.seen] == [1, 2, 3, 4, 5]


def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(odoo19: FakeOdoo) -> None:
    odoo19.answers[("sale.order", "action_confirm")] = "trickle"
    client = client_for(odoo19, timeout=1.0)
    client.authenticate()
    started = time.monotonic()

    with pytest.raises(TransientGatewayError) as raised:
        client.call("sale.order", "action_confirm", [1])

    assert time.monotonic() - started < 2.0
    assert (
        raised.value.message
        == f"Odoo at http://127.0.0.1:{odoo19.port} (database '{DB}') did not answer in time."
    )


# -- errors -------------------------------------------------------------------------------------------------

WHERE = "http://127.0.0.1:{port} (database 'synco_demo')"
ACCESS = (
    "You are not allowed to access 'Sales Order' (sale.order) records.\n\nThis operation is allowed for the "
    "following groups:\n\t- Sales/User: Own Documents Only\n\nContact your administrator to request access if "
    "necessary."
)
MISSING = "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"

ERRORS: list[tuple[str, Answer, type[GatewayError], str]] = [
    (
        "401 invalid key",
        odoo_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"),
        OdooLoginRefusedError,
        "Odoo refused the API key at {where} (wrong, revoked or expired; create a new key in Odoo: "
        "Preferences → Account Security → New API Key).",
    ),
    (
        "403 private method",
        odoo_error(
            403,
            "odoo.exceptions.AccessError",
            "Private methods (such as 'sale.order._create_invoices') cannot be called remotely.",
        ),
        PermanentGatewayError,
        "The Odoo user lacks access rights: Private methods (such as 'sale.order._create_invoices') cannot be "
        "called remotely.",
    ),
    (
        "403 no rights",
        odoo_error(403, "odoo.exceptions.AccessError", ACCESS),
        PermanentGatewayError,
        "The Odoo user lacks access rights: You are not allowed to access 'Sales Order' (sale.order) records.",
    ),
    (
        "404 unknown model",
        odoo_error(404, "werkzeug.exceptions.NotFound", "the model 'res.partnerz' does not exist"),
        PermanentGatewayError,
        "Odoo rejected a field or method Synco uses: the model 'res.partnerz' does not exist",
    ),
    (
        "404 unknown method",
        odoo_error(
            404, "werkzeug.exceptions.NotFound", "The method 'sale.order.action_confirm' does not exist"
        ),
        PermanentGatewayError,
        "Odoo rejected a field or method Synco uses: The method 'sale.order.action_confirm' does not exist",
    ),
    (
        "404 missing record",
        odoo_error(404, "odoo.exceptions.MissingError", MISSING),
        OdooMissingRecordError,
        f"Odoo refused the operation: {MISSING}",
    ),
    (
        "404 not an Odoo",
        Answer(404, b"<h1>Not Found</h1>", "text/html"),
        PermanentGatewayError,
        "{where} has no Odoo JSON-2 API (HTTP 404): check the URL.",
    ),
    (
        "422 user error",
        odoo_error(
            422, "odoo.exceptions.UserError", "Some orders are not in a state requiring confirmation."
        ),
        PermanentGatewayError,
        "Odoo refused the operation: Some orders are not in a state requiring confirmation.",
    ),
    (
        "422 validation error",
        odoo_error(
            422,
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed: Contacts require a name",
        ),
        PermanentGatewayError,
        "Odoo refused the operation: The operation cannot be completed: Contacts require a name",
    ),
    (
        "422 missing record",
        odoo_error(422, "odoo.exceptions.MissingError", MISSING),
        OdooMissingRecordError,
        f"Odoo refused the operation: {MISSING}",
    ),
    (
        "422 unexpected argument",
        odoo_error(
            422, "werkzeug.exceptions.UnprocessableEntity", "got an unexpected keyword argument 'args'"
        ),
        PermanentGatewayError,
        "Odoo rejected a field or method Synco uses: got an unexpected keyword argument 'args'",
    ),
    (
        "500 unknown field",
        odoo_error(500, "builtins.ValueError", "Invalid field 'tax_id' on model 'sale.order.line'"),
        PermanentGatewayError,
        "Odoo rejected a field or method Synco uses: Invalid field 'tax_id' on model 'sale.order.line'",
    ),
    (
        "500 bad selection value",
        odoo_error(500, "builtins.ValueError", "Wrong value for product.template.type: 'product'"),
        PermanentGatewayError,
        "Odoo reported an error: ValueError: Wrong value for product.template.type: 'product'",
    ),
    (
        "500 misspelled keyword",
        odoo_error(
            500, "builtins.TypeError", "BaseModel._read_format() got an unexpected keyword argument 'fieldz'"
        ),
        PermanentGatewayError,
        "Odoo reported an error: TypeError: BaseModel._read_format() got an unexpected keyword argument 'fieldz'",
    ),
    (
        "500 database error",
        odoo_error(500, "psycopg2.errors.SerializationFailure", "could not serialize access"),
        TransientGatewayError,
        "Odoo at {where} had a database error; it may be overloaded.",
    ),
    (
        "500 other server error",
        odoo_error(500, "builtins.KeyError", "'x'"),
        TransientGatewayError,
        "Odoo at {where} answered HTTP 500; it may be overloaded or restarting.",
    ),
    (
        "409 lock",
        odoo_error(409, "odoo.exceptions.LockError", "could not obtain lock"),
        TransientGatewayError,
        "Odoo at {where} was busy with the same records (HTTP 409, a lock); Synco will try again.",
    ),
    *[
        (
            f"{status} proxy",
            Answer(status, b"<html>try again</html>", "text/html"),
            TransientGatewayError,
            f"Odoo at {{where}} answered HTTP {status}; it may be down or restarting.",
        )
        for status in (429, 502, 503, 504)
    ],
    (
        "415 wrong content type",
        Answer(415, b"<p>Request inferred type is compatible with ['http']</p>", "text/html"),
        PermanentGatewayError,
        "Odoo at {where} could not process Synco's request (HTTP 415): Request inferred type is compatible "
        "with ['http']",
    ),
    (
        "303 no JSON-2",
        Answer(303, b"", "text/html", {"Location": "/web/login"}),
        PermanentGatewayError,
        "{where} has no Odoo JSON-2 API (HTTP 303, a redirect; Odoo 19 and later have it): check the URL, or "
        "connect over XML-RPC.",
    ),
]


@pytest.mark.parametrize(("answer", "kind", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_it_classifies_every_json2_error(
    client: OdooClient, odoo19: FakeOdoo, answer: Answer, kind: type[GatewayError], message: str
) -> None:
    client.authenticate()
    odoo19.answers[("sale.order", "action_confirm")] = answer

    with pytest.raises(kind) as raised:
        client.call("sale.order", "action_confirm", [1])

    assert type(raised.value) is kind
    assert raised.value.message == message.format(where=WHERE.format(port=odoo19.port))
    assert "/opt/odoo" not in raised.value.message


def test_a_password_on_json2_is_told_to_use_an_api_key(odoo19: FakeOdoo) -> None:
    client = client_for(odoo19, secret="admin")

    with pytest.raises(OdooLoginRefusedError) as raised:
        client.authenticate()

    assert raised.value.message == (
        f"Odoo at {WHERE.format(port=odoo19.port)} refused the password: Odoo 19's JSON-2 API needs an API key, "
        "not a password. Create one in Odoo (Preferences → Account Security → New API Key) and enter it as the "
        "secret."
    )
    assert odoo19.seen[-1].headers["authorization"] == "bearer admin"


def test_an_unknown_database_is_named(odoo19: FakeOdoo) -> None:
    client = OdooClient(
        OdooSettings(
            host="127.0.0.1", port=odoo19.port, use_tls=False, database="nope", login=LOGIN, secret=KEY,
            protocol="json2", policy=OutboundPolicy(allow_loopback=True),
        )
    )  # fmt: skip

    with pytest.raises(PermanentGatewayError) as raised:
        client.authenticate()

    assert raised.value.message == (
        f"The Odoo database does not exist on http://127.0.0.1:{odoo19.port} (database 'nope') (or the server "
        "does not serve it): check the database name."
    )


def test_a_refused_key_forgets_the_cached_login(odoo19: FakeOdoo) -> None:
    client_for(odoo19).call("sale.order", "action_confirm", [1])
    odoo19.answers[("sale.order", "action_confirm")] = odoo_error(
        401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"
    )
    with pytest.raises(OdooLoginRefusedError):
        client_for(odoo19).call("sale.order", "action_confirm", [2])
    del odoo19.answers[("sale.order", "action_confirm")]
    odoo19.seen.clear()

    client_for(odoo19).call("sale.order", "action_confirm", [3])

    assert [s.path for s in odoo19.seen] == [
        "/json/version",
        "/json/2/res.users/context_get",
        "/json/2/sale.order/action_confirm",
    ]


# -- auto ---------------------------------------------------------------------------------------------------


def test_auto_takes_json2_on_odoo_19_with_an_api_key(odoo19: FakeOdoo) -> None:
    client = client_for(odoo19, protocol="auto")

    client.call("sale.order", "action_confirm", [1])

    assert client.transport == "json2"
    assert [s.path for s in odoo19.seen] == [
        "/json/version",
        "/json/2/res.users/context_get",
        "/json/2/sale.order/action_confirm",
    ]


def test_auto_keeps_a_password_on_xml_rpc_without_asking(odoo19: FakeOdoo) -> None:
    client = client_for(odoo19, protocol="auto", secret="admin")

    assert client.transport == "xmlrpc"
    assert client.call("sale.order", "search", [["id", "=", 7]]) == [7]
    assert [s.path for s in odoo19.seen] == ["/xmlrpc/common", "/xmlrpc/common", "/xmlrpc/object"]


def test_auto_takes_xml_rpc_on_odoo_18(serve: Callable[..., FakeOdoo]) -> None:
    odoo18 = serve(18)
    client = client_for(odoo18, protocol="auto")

    assert client.call("sale.order", "search", [["id", "=", 7]]) == [7]

    assert client.transport == "xmlrpc"
    assert [(s.verb, s.path) for s in odoo18.seen] == [
        ("GET", "/json/version"),
        ("POST", "/xmlrpc/common"),
        ("POST", "/xmlrpc/common"),
        ("POST", "/xmlrpc/object"),
    ]


def test_auto_asks_once_per_process(serve: Callable[..., FakeOdoo], odoo19: FakeOdoo) -> None:
    odoo18 = serve(18)
    for _ in range(3):
        assert client_for(odoo19, protocol="auto").transport == "json2"
        assert client_for(odoo18, protocol="auto").transport == "xmlrpc"

    assert [s.path for s in odoo19.seen] == ["/json/version"]
    assert [s.path for s in odoo18.seen] == ["/json/version"]


def test_auto_does_not_take_a_server_error_for_an_answer(odoo19: FakeOdoo) -> None:
    odoo19.version_answer = Answer(503, b"<html>maintenance</html>", "text/html")
    client = client_for(odoo19, protocol="auto")

    with pytest.raises(TransientGatewayError):
        client.call("sale.order", "action_confirm", [1])
    odoo19.version_answer = result(VERSION_19)

    assert client.transport == "json2"
    assert [s.path for s in odoo19.seen] == ["/json/version", "/json/version"]


def test_auto_takes_xml_rpc_where_json_version_is_not_odoos(odoo19: FakeOdoo) -> None:
    odoo19.version_answer = Answer(200, b"<html>a shop</html>", "text/html")

    assert client_for(odoo19, protocol="auto").transport == "xmlrpc"


def test_probe_version_chooses_the_transport(serve: Callable[..., FakeOdoo], odoo19: FakeOdoo) -> None:
    odoo18 = serve(18)
    on_19 = client_for(odoo19, protocol="auto")
    on_18 = client_for(odoo18, protocol="auto")

    assert on_19.probe_version() == "19.0+e-20251227"
    assert on_18.probe_version() == "18.0"

    assert (on_19.transport, on_18.transport) == ("json2", "xmlrpc")
    assert (on_19.rpc_calls, on_18.rpc_calls) == (1, 2)
    assert [s.path for s in odoo19.seen] == ["/json/version"]


def test_probe_version_of_json2_on_something_else_is_unreachable(serve: Callable[..., FakeOdoo]) -> None:
    odoo18 = serve(18)

    with pytest.raises(OdooUnreachableError):
        client_for(odoo18, protocol="json2").probe_version()
