"""Near-real-time stock notifications (issue 14): an automation rule (module base_automation) whose action
is "Send Webhook Notification", created over RPC and pointed at a listener in the test process.

Verified on Odoo 18.0-20250702: the POST is JSON (``Content-Type: application/json``, no signature) with
``_action`` ("Send Webhook Notification(#<action id>)" for an action made inside a rule), ``_id``,
``_model``, ``id`` and the chosen fields (many2one as a bare id). Odoo 18 sends it inside the writing
transaction, before the commit, with a 1 s timeout (the sandbox sends after the commit): so only the
arrival and the body are asserted here, and the receiver must not trust a read-back made while it answers.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from synco.odoo.client import OdooClient
from synco.odoo.stock_notifications import (
    LEGACY_RULES,
    ensure_stock_notifications,
    repoint_stock_notifications,
)

from .conftest import NONE_FAULT, Customer, OdooApi, OdooTarget, Refs, make_product, make_synco_client

QUANT_FIELDS = [
    "product_id",
    "location_id",
    "quantity",
    "reserved_quantity",
    "available_quantity",
    "write_date",
]
MOVE_FIELDS = [
    "product_id",
    "location_id",
    "location_dest_id",
    "quantity",
    "state",
    "picking_id",
    "write_date",
]


class Listener:
    def __init__(self) -> None:
        self.received: queue.Queue[tuple[str, dict[str, str], dict[str, Any]]] = queue.Queue()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                listener.received.put((self.path, dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, match: Any, seconds: float = 5.0) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
        """Everything received until a POST satisfying ``match`` arrives (or fail after ``seconds``)."""
        seen = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                item = self.received.get(timeout=0.1)
            except queue.Empty:
                continue
            seen.append(item)
            if match(item[2]):
                return seen
        raise AssertionError(f"no matching webhook within {seconds} s; got {[s[2] for s in seen]}")


@pytest.fixture(scope="module")
def automation(odoo_api: OdooApi) -> None:
    """base_automation installed (installed now if it was not: Odoo 18's immediate install)."""
    module = odoo_api.call(
        "ir.module.module", "search_read", [[["name", "=", "base_automation"]]], {"fields": ["state"]}
    )[0]
    if module["state"] != "installed":
        action = odoo_api.call("ir.module.module", "button_immediate_install", [[module["id"]]])
        assert action["type"] == "ir.actions.act_url"
    module = odoo_api.read_one("ir.module.module", module["id"], ["state"])
    assert module["state"] == "installed"


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.server.shutdown()


def model_id(api: OdooApi, model: str) -> int:
    return api.search_one("ir.model", [["model", "=", model]])


def field_ids(api: OdooApi, model: str, names: list[str]) -> list[int]:
    rows = api.call(
        "ir.model.fields",
        "search_read",
        [[["model", "=", model], ["name", "in", names]]],
        {"fields": ["name"]},
    )
    assert sorted(r["name"] for r in rows) == sorted(names)
    return [int(r["id"]) for r in rows]


@pytest.fixture
def rules(odoo_api: OdooApi, automation: None) -> Iterator[list[int]]:
    """Rules a test creates, deleted afterwards (a real database keeps no rule pointing at a dead port)."""
    made: list[int] = []
    yield made
    if made:
        odoo_api.call("base.automation", "unlink", [made])


def webhook_rule(
    api: OdooApi, model: str, url: str, fields: list[str], triggers: list[str], domain: str
) -> tuple[int, int]:
    model_ref = model_id(api, model)
    rule = api.call(
        "base.automation",
        "create",
        [
            {
                "name": api.unique("synco stock"),
                "model_id": model_ref,
                "trigger": "on_create_or_write",
                "trigger_field_ids": [(6, 0, field_ids(api, model, triggers))],
                "filter_domain": domain,
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "synco webhook",
                            "model_id": model_ref,
                            "state": "webhook",
                            "webhook_url": url,
                            "webhook_field_ids": [(6, 0, field_ids(api, model, fields))],
                        },
                    )
                ],
            }
        ],
    )
    assert isinstance(rule, int)
    row = api.read_one("base.automation", rule, ["trigger", "action_server_ids", "active", "filter_domain"])
    assert (row["trigger"], row["active"], row["filter_domain"]) == ("on_create_or_write", True, domain)
    action = api.read_one("ir.actions.server", row["action_server_ids"][0], ["state", "webhook_url", "name"])
    assert (action["state"], action["webhook_url"]) == ("webhook", url)
    # Odoo 18 names a rule's action itself, 19 keeps the name given; the POST's _action carries it
    assert action["name"] in ("Send Webhook Notification", "synco webhook")
    return rule, int(row["action_server_ids"][0])


def adjust(api: OdooApi, product: int, location: int, quantity: float) -> int:
    quant = api.call(
        "stock.quant",
        "create",
        [{"product_id": product, "location_id": location, "inventory_quantity": quantity}],
        {"context": {"inventory_mode": True}},
    )
    fault = api.fault("stock.quant", "action_apply_inventory", [[quant]])
    assert api.last_line(fault) == NONE_FAULT
    return int(quant)


INTERNAL_ONLY = "[('location_id.usage', '=', 'internal')]"


def test_a_quant_change_posts_the_quant(
    odoo_api: OdooApi, refs: Refs, listener: Listener, rules: list[int]
) -> None:
    rule, action = webhook_rule(
        odoo_api,
        "stock.quant",
        listener.url("/hooks/quant"),
        QUANT_FIELDS,
        ["quantity", "reserved_quantity"],
        INTERNAL_ONLY,
    )
    rules.append(rule)
    product = make_product(odoo_api, "Hooked", **odoo_api.f.storable)
    quant = adjust(odoo_api, product, refs.stock_location, 7)
    seen = listener.wait_for(lambda body: body.get("_id") == quant and body.get("quantity") == 7.0)
    path, headers, body = seen[-1]
    assert path == "/hooks/quant"
    assert headers["Content-Type"] == "application/json"
    assert set(body) == {"_action", "_id", "_model", "id", *QUANT_FIELDS}
    action_name = odoo_api.read_one("ir.actions.server", action, ["name"])["name"]
    assert body["_action"] == f"{action_name}(#{action})"
    assert (body["_model"], body["id"], body["product_id"], body["location_id"]) == (
        "stock.quant",
        quant,
        product,
        refs.stock_location,
    )
    assert (body["reserved_quantity"], body["available_quantity"]) == (0.0, 7.0)
    assert body["write_date"][:19] == odoo_api.read_one("stock.quant", quant, ["write_date"])["write_date"]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?", body["write_date"]
    )  # str(): microseconds
    # The filter keeps out the other side of the adjustment (the virtual "Inventory adjustment" quant).
    for _path, _headers, other in seen:
        assert other["location_id"] == refs.stock_location


def test_a_done_move_posts_the_move_and_a_dead_receiver_fails_nothing(
    odoo_api: OdooApi, refs: Refs, listener: Listener, rules: list[int]
) -> None:
    rule, _action = webhook_rule(
        odoo_api,
        "stock.move",
        listener.url("/hooks/move"),
        MOVE_FIELDS,
        ["state"],
        "[('state', '=', 'done')]",
    )
    rules.append(rule)
    dead, _ = webhook_rule(
        odoo_api, "stock.quant", "http://127.0.0.1:9/nobody", QUANT_FIELDS, ["quantity"], INTERNAL_ONLY
    )
    rules.append(dead)
    product = make_product(odoo_api, "Hooked move", **odoo_api.f.storable)
    quant = adjust(odoo_api, product, refs.stock_location, 4)
    assert odoo_api.read_one("stock.quant", quant, ["quantity"])["quantity"] == 4.0
    seen = listener.wait_for(lambda body: body.get("product_id") == product)
    body = seen[-1][2]
    assert set(body) == {"_action", "_id", "_model", "id", *MOVE_FIELDS}
    assert (
        body["_model"],
        body["state"],
        body["location_dest_id"],
        body["quantity"],
        body["picking_id"],
    ) == (
        "stock.move",
        "done",
        refs.stock_location,
        4.0,
        False,
    )


def test_a_validated_delivery_posts_the_quant_it_takes_from_so_the_quant_rule_covers_done_moves(
    odoo_api: OdooApi, refs: Refs, customer: Customer, listener: Listener, rules: list[int]
) -> None:
    """Synco's one stock rule is on stock.quant (issue 14): a done move out of (or, as the count in `adjust`,
    into) an internal location changes its quant, which posts its product and location; no stock.move rule."""
    rule, _action = webhook_rule(
        odoo_api,
        "stock.quant",
        listener.url("/hooks/quant"),
        QUANT_FIELDS,
        ["quantity", "reserved_quantity"],
        INTERNAL_ONLY,
    )
    rules.append(rule)
    product = make_product(odoo_api, "Delivered", **odoo_api.f.storable)
    quant = adjust(odoo_api, product, refs.stock_location, 5)
    listener.wait_for(lambda body: body.get("_id") == quant and body.get("quantity") == 5.0)
    order = odoo_api.call(
        "sale.order",
        "create",
        [{"partner_id": customer.id, "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 2})]}],
    )
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    listener.wait_for(lambda body: body.get("_id") == quant and body.get("reserved_quantity") == 2.0)
    [picking] = odoo_api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]

    assert odoo_api.call("stock.picking", "button_validate", [[picking]]) is True

    # Odoo 18 posts the quant once, 3 on hand and nothing reserved; the sandbox writes the two fields one after
    # the other (two posts): either way the last one says the quant's state after the delivery.
    seen = listener.wait_for(
        lambda body: (
            body.get("product_id") == product
            and (body.get("quantity"), body.get("reserved_quantity")) == (3.0, 0.0)
        )
    )
    assert {(body["_model"], body["location_id"]) for _path, _headers, body in seen} == {
        ("stock.quant", refs.stock_location)
    }


@pytest.fixture
def synco_client(odoo_target: OdooTarget) -> Iterator[OdooClient]:
    client = make_synco_client(odoo_target)
    yield client
    client.close()


def test_synco_creates_its_one_quant_rule_and_switches_off_the_old_done_moves_rule(
    odoo_api: OdooApi, refs: Refs, listener: Listener, rules: list[int], synco_client: OdooClient
) -> None:
    # given the done-moves rule an earlier Synco created
    legacy = odoo_api.call(
        "base.automation",
        "create",
        [
            {
                "name": LEGACY_RULES[0],
                "model_id": model_id(odoo_api, "stock.move"),
                "trigger": "on_create_or_write",
                "filter_domain": "[('state', '=', 'done')]",
            }
        ],
    )
    rules.append(int(legacy))

    made = ensure_stock_notifications(synco_client, listener.url("/old"))
    rules.extend(made.rule_ids)
    repointed = repoint_stock_notifications(synco_client, listener.url("/stock"))

    assert (len(made.rule_ids), made.created, repointed) == (1, 1, 1)
    assert odoo_api.read_one("base.automation", legacy, ["active"])["active"] is False
    product = make_product(odoo_api, "Synco's rule", **odoo_api.f.storable)
    quant = adjust(odoo_api, product, refs.stock_location, 6)
    seen = listener.wait_for(lambda body: body.get("_id") == quant)
    path, _headers, body = seen[-1]
    assert path == "/stock"
    assert (body["_model"], body["product_id"], body["location_id"]) == (
        "stock.quant",
        product,
        refs.stock_location,
    )
    assert all(body["_model"] == "stock.quant" for _p, _h, body in seen)


PICKING_FIELDS = [
    "name",
    "state",
    "origin",
    "sale_id",
    "carrier_tracking_ref",
    "carrier_id",
    "date_done",
    "backorder_id",
]


def test_a_reservation_posts_the_quant_with_its_reserved_quantity(
    odoo_api: OdooApi, refs: Refs, customer: Customer, listener: Listener, rules: list[int]
) -> None:
    rule, _action = webhook_rule(
        odoo_api,
        "stock.quant",
        listener.url("/hooks/quant"),
        QUANT_FIELDS,
        ["quantity", "reserved_quantity"],
        INTERNAL_ONLY,
    )
    rules.append(rule)
    product = make_product(odoo_api, "Reserved", **odoo_api.f.storable)
    quant = adjust(odoo_api, product, refs.stock_location, 9)
    listener.wait_for(lambda body: body.get("_id") == quant and body.get("quantity") == 9.0)
    order = odoo_api.call(
        "sale.order",
        "create",
        [{"partner_id": customer.id, "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 3})]}],
    )
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    seen = listener.wait_for(lambda body: body.get("_id") == quant and body.get("reserved_quantity") == 3.0)
    assert (seen[-1][2]["quantity"], seen[-1][2]["available_quantity"]) == (9.0, 6.0)


def test_a_validated_delivery_posts_the_picking_done_and_its_tracking_ref(
    odoo_api: OdooApi, refs: Refs, customer: Customer, listener: Listener, rules: list[int]
) -> None:
    done, _ = webhook_rule(
        odoo_api,
        "stock.picking",
        listener.url("/hooks/done"),
        PICKING_FIELDS,
        ["state"],
        "[('state', '=', 'done'), ('picking_type_code', '=', 'outgoing')]",
    )
    tracking, _ = webhook_rule(
        odoo_api,
        "stock.picking",
        listener.url("/hooks/tracking"),
        PICKING_FIELDS,
        ["carrier_tracking_ref"],
        "[('carrier_tracking_ref', '!=', False)]",
    )
    rules.extend([done, tracking])
    product = make_product(odoo_api, "Shipped", **odoo_api.f.storable)
    adjust(odoo_api, product, refs.stock_location, 5)
    order = odoo_api.call(
        "sale.order",
        "create",
        [{"partner_id": customer.id, "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 2})]}],
    )
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    [picking] = odoo_api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    odoo_api.call("stock.picking", "write", [[picking], {"carrier_tracking_ref": "1ZHOOK0001"}])
    seen = listener.wait_for(lambda body: body.get("_id") == picking)
    path, _headers, body = seen[-1]
    assert path == "/hooks/tracking"
    assert set(body) == {"_action", "_id", "_model", "id", *PICKING_FIELDS}
    assert (body["_model"], body["state"], body["carrier_tracking_ref"], body["sale_id"]) == (
        "stock.picking",
        "assigned",
        "1ZHOOK0001",
        order,
    )
    assert odoo_api.call("stock.picking", "button_validate", [[picking]]) is True
    seen = listener.wait_for(lambda body: body.get("_id") == picking and body.get("state") == "done")
    path, _headers, body = seen[-1]
    assert path == "/hooks/done"
    # Odoo writes the state before date_done: the notification carries date_done false (re-read it).
    assert (body["date_done"], body["carrier_tracking_ref"], body["backorder_id"]) == (
        False,
        "1ZHOOK0001",
        False,
    )
    assert odoo_api.read_one("stock.picking", picking, ["date_done"])["date_done"]
