"""Sandbox-only behaviour of webhook automation rules: the model appears on install, POSTs go out after the
commit from a background thread, a rolled-back call sends nothing, and a slow receiver never slows a write."""

from __future__ import annotations

import json
import queue
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sandboxes.odoo.models.automation import SENDER


@pytest.fixture
def receiver() -> Any:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    delay = {"seconds": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            time.sleep(delay["seconds"])
            received.put(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, delay
    server.shutdown()


def install_rule(odoo: Any, url: str) -> None:
    fault = odoo.fault("base.automation", "search", [[]])
    assert fault.faultString == "Object base.automation doesn't exist"
    module = odoo.call("ir.module.module", "search", [[["name", "=", "base_automation"]]])
    odoo.call("ir.module.module", "button_immediate_install", [module])
    model = odoo.call("ir.model", "search", [[["model", "=", "stock.quant"]]])[0]
    fields = odoo.call(
        "ir.model.fields",
        "search",
        [[["model", "=", "stock.quant"], ["name", "in", ["quantity", "product_id", "location_id"]]]],
    )
    odoo.call(
        "base.automation",
        "create",
        [
            {
                "name": "quant",
                "model_id": model,
                "trigger": "on_create_or_write",
                "filter_domain": "[('location_id.usage', '=', 'internal')]",
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "hook",
                            "model_id": model,
                            "state": "webhook",
                            "webhook_url": url,
                            "webhook_field_ids": fields,
                        },
                    )
                ],
            }
        ],
    )


def test_a_slow_receiver_does_not_hold_the_write_and_gets_the_post_after_commit(
    odoo: Any, receiver: Any
) -> None:
    url, received, delay = receiver
    install_rule(odoo, url)
    delay["seconds"] = 0.5
    mug = odoo.product("SKU-MUG")
    started = time.monotonic()
    odoo.stock(mug, 12)
    assert time.monotonic() - started < 0.5
    SENDER.join()
    bodies = []
    while not received.empty():
        bodies.append(received.get())
    assert [b["quantity"] for b in bodies][-1] == 12.0
    assert all(b["location_id"] == 8 and b["product_id"] == mug for b in bodies)


def test_a_rolled_back_call_sends_nothing(odoo: Any, receiver: Any) -> None:
    url, received, _delay = receiver
    install_rule(odoo, url)
    with pytest.raises(xmlrpc.client.Fault):
        odoo.call(
            "stock.quant",
            "create",
            [
                {
                    "product_id": odoo.product("SKU-MUG"),
                    "location_id": 8,
                    "inventory_quantity": 3,
                    "quantity": 3,
                }
            ],
            {"context": {"inventory_mode": True}},
        )
    SENDER.join()
    time.sleep(0.2)
    assert received.empty()


def test_an_action_needs_a_name_even_inside_a_rule(odoo: Any) -> None:
    install_rule(odoo, "http://127.0.0.1:9/nobody")
    model = odoo.call("ir.model", "search", [[["model", "=", "stock.move"]]])[0]
    action = {"model_id": model, "state": "webhook", "webhook_url": "http://127.0.0.1:9/x"}
    rule = {
        "name": "r",
        "model_id": model,
        "trigger": "on_create_or_write",
        "action_server_ids": [(0, 0, action)],
    }
    fault = odoo.fault("base.automation", "create", [[rule]])
    assert "Field: Action Name (name)" in fault.faultString


def test_a_dead_receiver_fails_nothing(odoo: Any) -> None:
    install_rule(odoo, "http://127.0.0.1:9/nobody")
    mug = odoo.product("SKU-MUG")
    odoo.stock(mug, 5)
    assert odoo.call("product.product", "read", [[mug], ["qty_available"]])[0]["qty_available"] == 5.0
