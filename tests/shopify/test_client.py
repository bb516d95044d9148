"""The Shopify gateway against the Shopify sandbox: throttling, failures classified once, all lines fetched."""

from __future__ import annotations

import pytest

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import bucket
from synco.shopify.client import ShopifyClient, ShopifySettings

DOMAIN = "synco-demo.myshopify.com"


@pytest.fixture
def gateway(shopify_server):
    shopify_server.control(reset=True)
    bucket.forget()
    return ShopifyClient(
        ShopifySettings(
            domain=DOMAIN, token=shopify_server.token, admin_origin=shopify_server.base_url, timeout=2
        )
    )


def test_it_reads_every_order_page_by_page(gateway, shopify_server):
    stored = len(shopify_server.server.store.orders(DOMAIN))

    results = list(gateway.iter_orders(query=None, first=7))

    assert stored >= 60
    assert len(results) == stored
    assert len({r.gid for r in results}) == stored
    assert gateway.requests == -(-stored // 7)


def test_it_waits_out_a_throttled_response_and_retries(gateway, shopify_server):
    shopify_server.control(throttle_next=1)

    page = gateway.fetch_orders_page(after=None, query=None, first=5)

    assert len(page.results) == 5
    assert gateway.throttled == 1
    assert gateway.requests == 2


def test_it_handles_a_throttled_429_too(gateway, shopify_server):
    shopify_server.control(throttle_next=1, throttle_status=429)

    page = gateway.fetch_orders_page(after=None, query=None, first=5)

    assert len(page.results) == 5
    assert gateway.throttled == 1


def test_it_waits_before_a_query_that_would_not_fit_the_bucket(gateway, shopify_server):
    from graphql import parse

    from sandboxes.shopify.cost import requested_query_cost
    from sandboxes.shopify.schema import load_schema
    from synco.shopify import queries

    variables = {"first": 5, "after": None, "query": None, "lineCount": 100, "sortKey": "UPDATED_AT"}
    cost = requested_query_cost(load_schema(), parse(queries.ORDERS_PAGE), "OrdersPage", variables)
    # A bucket just big enough for one 5-order page: the next page must wait for it to refill.
    shopify_server.control(bucket={"maximum_available": cost + 2, "restore_rate": 100})
    gateway.fetch_orders_page(after=None, query=None, first=5)

    gateway.fetch_orders_page(after=None, query=None, first=5)

    assert gateway.throttled == 0
    assert gateway.waited > 0


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"fail_next": 1, "status": 503}, "Shopify answered HTTP 503; it will be retried."),
        ({"malformed_next": 1}, "Shopify sent a response that is not valid JSON."),
        (
            {"timeout_next": 1, "timeout_seconds": 3},
            "Shopify (synco-demo.myshopify.com) did not answer in time.",
        ),
    ],
)
def test_it_classifies_server_trouble_as_transient(gateway, shopify_server, fault, message):
    shopify_server.control(**fault)

    with pytest.raises(TransientGatewayError) as raised:
        gateway.fetch_orders_page(after=None, query=None, first=5)

    assert raised.value.message == message


def test_it_classifies_a_refused_token_as_permanent(shopify_server):
    gateway = ShopifyClient(
        ShopifySettings(domain=DOMAIN, token="shpat_wrong", admin_origin=shopify_server.base_url)
    )

    with pytest.raises(PermanentGatewayError, match=r"refused the access token .* \(HTTP 401\)"):
        gateway.fetch_orders_page(after=None, query=None)


def test_it_reports_an_order_that_is_gone(gateway):
    with pytest.raises(PermanentGatewayError, match="Shopify has no order gid://shopify/Order/1"):
        gateway.fetch_order("gid://shopify/Order/1")


def test_it_fetches_every_line_of_a_very_large_order(gateway, shopify_server):
    from sandboxes.shopify.generator import generate_orders

    [big] = [
        o
        for o in generate_orders(200, seed=3, start_id=7770000001, big_order=True)
        if len(o["line_items"]) >= 250
    ]
    shopify_server.server.add_orders([big])

    result = gateway.fetch_order(f"gid://shopify/Order/{big['id']}")

    assert result.order is not None
    assert len(result.order.line_items) == len(big["line_items"])
