from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import GraphQLSchema

from sandboxes.shopify.generator import SandboxDataset, generate_dataset
from sandboxes.shopify.graphql_api import AdminGraphQL
from sandboxes.shopify.ratelimit import RateLimiter
from sandboxes.shopify.schema import load_schema
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN, SandboxStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def schema() -> GraphQLSchema:
    return load_schema()


@pytest.fixture(scope="session")
def dataset() -> SandboxDataset:
    return generate_dataset(60, now=NOW)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(dataset: SandboxDataset) -> SandboxStore:
    s = SandboxStore(None)
    s.add_shop(DEMO_SHOP_DOMAIN, [DEMO_ACCESS_TOKEN])
    s.upsert_orders(DEMO_SHOP_DOMAIN, dataset.orders, transactions=dataset.transactions, risks=dataset.risks)
    return s


@pytest.fixture
def api(schema: GraphQLSchema, store: SandboxStore, clock: FakeClock) -> AdminGraphQL:
    return AdminGraphQL(schema, store, RateLimiter(clock))


def _run(api: AdminGraphQL, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    return api.execute(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, query, variables, **kw).body


@pytest.fixture
def run() -> Any:
    """run(api, query, variables) -> response body of the in-process executor."""
    return _run


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def sandbox(schema: GraphQLSchema, dataset: SandboxDataset) -> Iterator[tuple[SandboxServer, str]]:
    server, base = start_in_thread()
    server.add_orders(dataset.orders, transactions=dataset.transactions, risks=dataset.risks)
    yield server, base
    server.shutdown_sandbox()


def _post(
    url: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes, dict[str, str]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _gql(
    base: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str = DEMO_ACCESS_TOKEN,
    version: str = "2026-10",
    timeout: float = 10,
) -> tuple[int, Any, dict[str, str]]:
    status, raw, headers = _post(
        f"{base}/admin/api/{version}/graphql.json",
        {"query": query, "variables": variables},
        {"X-Shopify-Access-Token": token},
        timeout=timeout,
    )
    try:
        return status, json.loads(raw), headers
    except ValueError:
        return status, raw, headers


@pytest.fixture
def post() -> Any:
    """post(url, body, headers) -> (status, raw body, headers)."""
    return _post


@pytest.fixture
def gql() -> Any:
    """gql(base, query, variables, token=..., version=...) -> (status, parsed body, headers)."""
    return _gql
