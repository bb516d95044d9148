from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sandboxes.shopify.generator import SandboxDataset
from sandboxes.shopify.oauth import AppConfig
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_SHOP_DOMAIN

SECRET = "shpss_hooks0123456789abcdef0123456789a"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny app: records every POST; answers from `statuses` (then 200), sleeping `delays` first."""

    base: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= n:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"expected {n} deliveries, got {len(self.received)}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.received.append(Received(self.path, dict(self.headers), body))
                delay = state.delays.pop(0) if state.delays else 0.0
                status = state.statuses.pop(0) if state.statuses else 200
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sandbox gave up waiting

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(receiver: Receiver, dataset: SandboxDataset) -> Iterator[tuple[SandboxServer, str]]:
    srv, base = start_in_thread(app=AppConfig(api_secret=SECRET, application_url=receiver.base))
    srv.add_orders(dataset.orders[:5])
    srv.control(webhooks={"retry_base_seconds": 0.05, "max_retries": 3})
    yield srv, base
    srv.shutdown_sandbox()


def _verify(received: Received) -> bool:
    digest = hmac.new(SECRET.encode(), received.body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), received.headers["X-Shopify-Hmac-Sha256"])


def test_order_webhook_is_signed_with_shopify_headers(
    server: tuple[SandboxServer, str], receiver: Receiver, post: Any, dataset: SandboxDataset
) -> None:
    _srv, base = server
    order = dataset.orders[0]
    status, raw, _ = post(
        f"{base}/sandbox/webhooks/send",
        {"topic": "orders/create", "shop": DEMO_SHOP_DOMAIN, "order_id": order["id"]},
    )
    assert status == 202
    sent = json.loads(raw)
    (got,) = receiver.wait_for(1)
    assert got.path == "/webhooks/"
    assert _verify(got)
    assert not _verify(Received(got.path, got.headers, got.body + b" "))
    h = got.headers
    assert h["X-Shopify-Topic"] == "orders/create"
    assert h["X-Shopify-Shop-Domain"] == DEMO_SHOP_DOMAIN
    assert h["X-Shopify-API-Version"] == "2026-10"
    assert h["X-Shopify-Event-Id"] == sent["event_id"] and h["X-Shopify-Webhook-Id"] == sent["webhook_ids"][0]
    assert h["X-Shopify-Triggered-At"].endswith("Z")
    body = json.loads(got.body)
    assert body["id"] == order["id"] and body["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    assert "order" not in body  # unwrapped REST resource


def test_duplicate_has_same_event_id_and_different_webhook_ids(
    server: tuple[SandboxServer, str], receiver: Receiver, dataset: SandboxDataset
) -> None:
    srv, _base = server
    srv.send_webhook("orders/updated", order_id=dataset.orders[1]["id"], duplicate=True)
    first, second = receiver.wait_for(2)
    assert first.headers["X-Shopify-Event-Id"] == second.headers["X-Shopify-Event-Id"]
    assert first.headers["X-Shopify-Webhook-Id"] != second.headers["X-Shopify-Webhook-Id"]
    assert first.headers["X-Shopify-Triggered-At"] == second.headers["X-Shopify-Triggered-At"]
    assert first.body == second.body and _verify(first) and _verify(second)


def test_retries_after_a_500_and_lists_every_attempt(
    server: tuple[SandboxServer, str], receiver: Receiver, dataset: SandboxDataset
) -> None:
    srv, base = server
    receiver.statuses = [500, 503]
    sent = srv.send_webhook("orders/paid", order_id=dataset.orders[2]["id"])
    got = receiver.wait_for(3)
    assert srv.webhooks.wait_idle(5)
    assert len({r.headers["X-Shopify-Webhook-Id"] for r in got}) == 1  # a retry is the same webhook
    assert len({r.body for r in got}) == 1
    attempts = srv.deliveries(event_id=sent["event_id"])
    assert [(a["attempt"], a["status_code"], a["ok"]) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert attempts[0]["error"] == "HTTP 500" and attempts[2]["error"] is None
    assert all(a["topic"] == "orders/paid" and a["duration_ms"] >= 0 for a in attempts)

    with urllib.request.urlopen(f"{base}/sandbox/webhooks/deliveries", timeout=5) as resp:
        listed = json.loads(resp.read())["deliveries"]
    assert [a["status_code"] for a in listed] == [500, 503, 200]


def test_a_slow_answer_counts_as_a_failure(
    server: tuple[SandboxServer, str], receiver: Receiver, dataset: SandboxDataset
) -> None:
    srv, _base = server
    srv.control(webhooks={"timeout_seconds": 0.3})
    receiver.delays = [1.0]
    srv.send_webhook("orders/create", order_id=dataset.orders[0]["id"])
    receiver.wait_for(2)
    assert srv.webhooks.wait_idle(5)
    attempts = srv.deliveries()
    assert [a["error"] for a in attempts] == ["timeout", None]
    assert attempts[0]["status_code"] is None and attempts[1]["status_code"] == 200


def test_gives_up_after_max_retries(server: tuple[SandboxServer, str], receiver: Receiver) -> None:
    srv, _base = server
    receiver.statuses = [500] * 10
    srv.send_webhook("shop/redact")
    assert srv.webhooks.wait_idle(5)
    assert [a["attempt"] for a in srv.deliveries()] == [1, 2, 3, 4]
    assert len(receiver.received) == 4


def test_compliance_and_uninstall_payloads(server: tuple[SandboxServer, str], receiver: Receiver) -> None:
    srv, _base = server
    shop_id = srv.store.shop(DEMO_SHOP_DOMAIN)["id"]
    for topic in ("customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"):
        srv.send_webhook(topic, address=f"{receiver.base}/webhooks/compliance")
    got = {r.headers["X-Shopify-Topic"]: json.loads(r.body) for r in receiver.wait_for(4)}
    assert got["shop/redact"] == {"shop_id": shop_id, "shop_domain": DEMO_SHOP_DOMAIN}
    assert set(got["customers/data_request"]) == {
        "shop_id",
        "shop_domain",
        "orders_requested",
        "customer",
        "data_request",
    }
    assert set(got["customers/data_request"]["customer"]) == {"id", "email", "phone"}
    assert set(got["customers/redact"]) == {"shop_id", "shop_domain", "customer", "orders_to_redact"}
    uninstall = got["app/uninstalled"]
    assert uninstall["myshopify_domain"] == DEMO_SHOP_DOMAIN and uninstall["id"] == shop_id
    assert "access_tokens" not in uninstall


def test_explicit_payload_and_bad_requests(
    server: tuple[SandboxServer, str], receiver: Receiver, post: Any
) -> None:
    srv, base = server
    payload = {"inventory_item_id": 1, "location_id": 2, "available": 7}
    srv.send_webhook("inventory_levels/update", payload=payload, api_version="2026-07")
    (got,) = receiver.wait_for(1)
    assert json.loads(got.body) == payload and got.headers["X-Shopify-API-Version"] == "2026-07"
    url = f"{base}/sandbox/webhooks/send"
    assert post(url, {"topic": "orders/create"})[0] == 400  # no order
    assert post(url, {"topic": "products/update"})[0] == 400  # no built-in payload
    assert post(url, {"topic": "orders/create", "order_id": 1})[0] == 400  # unknown order
    assert post(url, {"topic": "shop/redact", "shop": "nope.myshopify.com"})[0] == 400


def test_posting_orders_with_emit_sends_create_then_updated(
    server: tuple[SandboxServer, str], receiver: Receiver, post: Any, dataset: SandboxDataset
) -> None:
    _srv, base = server
    order = dict(dataset.orders[10])
    assert post(f"{base}/sandbox/orders", {"orders": [order], "emit": True})[0] == 200
    receiver.wait_for(1)
    order["note"] = "changed"
    assert post(f"{base}/sandbox/orders", {"orders": [order], "emit": True})[0] == 200
    first, second = receiver.wait_for(2)
    assert first.headers["X-Shopify-Topic"] == "orders/create"
    assert second.headers["X-Shopify-Topic"] == "orders/updated"
    assert json.loads(second.body)["note"] == "changed"
    assert post(f"{base}/sandbox/orders", {"orders": [order]})[0] == 200
    time.sleep(0.2)
    assert len(receiver.received) == 2  # without emit: no webhook
