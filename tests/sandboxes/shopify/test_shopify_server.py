from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import shopify

from sandboxes.shopify.generator import SandboxDataset, generate_orders
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN, seed_demo

SHOP_QUERY = "{ shop { name } }"


def test_it_serves_graphql_over_http(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    _server, base = sandbox
    status, body, headers = gql(base, "{ orders(first: 2) { nodes { name } } }")
    assert status == 200
    assert body["data"] == {"orders": {"nodes": [{"name": "#1001"}, {"name": "#1002"}]}}
    assert headers["X-Shopify-API-Version"] == "2026-10"
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_it_keeps_connections_alive(sandbox: tuple[SandboxServer, str]) -> None:
    _server, base = sandbox
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    for _ in range(3):
        conn.request(
            "POST",
            "/admin/api/2026-10/graphql.json",
            body=json.dumps({"query": SHOP_QUERY}),
            headers={"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["data"]["shop"]["name"] == "Synco Demo"
    conn.close()


def test_it_rejects_missing_and_unknown_tokens(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    _server, base = sandbox
    for token in ("", "shpat_00000000000000000000000000000000"):
        status, body, _ = gql(base, SHOP_QUERY, token=token)
        assert status == 401
        assert body == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


def test_it_answers_400_to_a_body_without_a_query(sandbox: tuple[SandboxServer, str], post: Any) -> None:
    _server, base = sandbox
    url = f"{base}/admin/api/2026-10/graphql.json"
    for body in (b"{not json", b'{"variables": {}}', b'{"query": ""}'):
        status, raw, _ = post(url, body, {"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN})
        assert status == 400
        assert json.loads(raw) == {"errors": {"query": "Required parameter missing or invalid"}}


def test_it_falls_forward_for_old_versions_and_404s_malformed_ones(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    _server, base = sandbox
    for requested, served in (("2024-01", "2025-10"), ("2026-05", "2026-07"), ("2025-10", "2025-10")):
        status, body, headers = gql(base, SHOP_QUERY, version=requested)
        assert (status, headers["X-Shopify-API-Version"]) == (200, served)
        assert body["data"]["shop"]["name"] == "Synco Demo"
    for malformed in ("latest", "2026-1", "v1"):
        status, body, _ = gql(base, SHOP_QUERY, version=malformed)
        assert (status, body) == (404, {"errors": "Not Found"})


def test_it_injects_gateway_failures(sandbox: tuple[SandboxServer, str], gql: Any, post: Any) -> None:
    server, base = sandbox
    status, raw, _ = post(f"{base}/sandbox/control", {"fail_next": 2, "status": 502})
    assert status == 200 and json.loads(raw)["faults"]["fail_next"] == 2
    for _ in range(2):
        status, body, headers = gql(base, SHOP_QUERY)
        assert status == 502 and headers["Content-Type"].startswith("text/html")
    server.control(fail_next=1, status=503)
    status, _, headers = gql(base, SHOP_QUERY)
    assert status == 503 and headers["Retry-After"] == "1"
    status, body, _ = gql(base, SHOP_QUERY)
    assert status == 200 and body["data"]["shop"]["name"] == "Synco Demo"
    assert server.stats()["injected_failures"] == 3


def test_it_holds_a_request_past_the_client_timeout(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    server.control(timeout_next=1, timeout_seconds=1.5)
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        gql(base, SHOP_QUERY, timeout=0.4)
    assert time.monotonic() - started < 1.4
    status, _body, _ = gql(base, SHOP_QUERY)
    assert status == 200


def test_it_cuts_off_a_response_body(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    server.control(malformed_next=1)
    status, body, _ = gql(base, SHOP_QUERY)
    assert status == 200 and isinstance(body, bytes)
    with pytest.raises(ValueError):
        json.loads(body)


def test_it_forces_throttling_with_either_status(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    server.control(throttle_next=1)
    status, body, _ = gql(base, SHOP_QUERY)
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    server.control(throttle_next=1, throttle_status=429)
    status, body, _ = gql(base, SHOP_QUERY)
    assert status == 429 and body["errors"][0]["message"] == "Throttled"
    assert server.stats()["throttled"] == 2


def test_it_throttles_a_busy_client_and_lets_it_recover(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    server.control(cost_model="linear", bucket={"maximum_available": 60, "restore_rate": 40})
    query = "{ orders(first: 50) { nodes { id } } }"
    assert gql(base, query)[1]["extensions"]["cost"]["actualQueryCost"] == 52
    throttled = gql(base, query)[1]
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = throttled["extensions"]["cost"]
    time.sleep((cost["requestedQueryCost"] - cost["throttleStatus"]["currentlyAvailable"]) / 40 + 0.05)
    assert "errors" not in gql(base, query)[1]
    assert server.stats()["throttled"] == 1


def test_it_applies_latency(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    server.control(latency_ms=200)
    started = time.monotonic()
    gql(base, SHOP_QUERY)
    assert time.monotonic() - started >= 0.2
    server.reset()
    assert server.stats()["requests"] == 0


def test_it_adds_orders_posted_to_the_sandbox(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any, now: Any
) -> None:
    _server, base = sandbox
    order = generate_orders(1, now=now, seed=99, start_id=7770001, start_number=5001)[0]
    status, raw, _ = post(f"{base}/sandbox/orders", {"orders": [order]})
    assert (status, json.loads(raw)) == (200, {"upserted": 1})
    status, body, _ = gql(
        base, '{ orders(first: 5, query: "name:#5001") { nodes { id name transactions { kind } } } }'
    )
    assert body["data"]["orders"]["nodes"] == [
        {"id": "gid://shopify/Order/7770001", "name": "#5001", "transactions": [{"kind": "SALE"}]}
    ]
    stats = json.loads(post(f"{base}/sandbox/control", {})[1])
    assert stats["faults"]["fail_next"] == 0


def test_it_is_reachable_through_shopifyapi(sandbox: tuple[SandboxServer, str]) -> None:
    _server, base = sandbox

    class SandboxGraphQL(shopify.GraphQL):  # type: ignore[misc]
        """ShopifyAPI's client, with the shop origin swapped for the sandbox (as the app does)."""

        def __init__(self) -> None:
            super().__init__()
            self.endpoint = self.endpoint.replace(f"https://{DEMO_SHOP_DOMAIN}", base)

    session = shopify.Session(DEMO_SHOP_DOMAIN, "2026-10", DEMO_ACCESS_TOKEN)
    shopify.ShopifyResource.activate_session(session)
    try:
        client = SandboxGraphQL()
        assert client.endpoint == f"{base}/admin/api/2026-10/graphql.json"
        raw = client.execute(
            "query One($q: String) { orders(first: 1, query: $q) { nodes { name } } }",
            variables={"q": "name:#1003"},
            operation_name="One",
        )
    finally:
        shopify.ShopifyResource.clear_session()
    body = json.loads(raw)
    assert body["data"]["orders"]["nodes"] == [{"name": "#1003"}]
    assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 2000.0


def test_it_persists_its_state_across_restarts(tmp_path: Path, gql: Any, dataset: SandboxDataset) -> None:
    state = tmp_path / "shopify.json"
    token = seed_demo(state, n_orders=5)
    assert token == DEMO_ACCESS_TOKEN and token.startswith("shpat_") and len(token) == 38
    server, base = start_in_thread(state_path=state)
    try:
        server.add_orders([dataset.orders[20]])
    finally:
        server.shutdown_sandbox()
    saved = json.loads(state.read_text())
    assert len(saved["orders"][DEMO_SHOP_DOMAIN]) == 6
    server, base = start_in_thread(state_path=state)
    try:
        _status, body, _ = gql(base, "{ orders(first: 10, sortKey: ORDER_NUMBER) { nodes { name } } }")
        assert [n["name"] for n in body["data"]["orders"]["nodes"]] == [
            "#1001",
            "#1002",
            "#1003",
            "#1004",
            "#1005",
            "#1021",
        ]
    finally:
        server.shutdown_sandbox()
