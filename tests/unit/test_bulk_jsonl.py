from __future__ import annotations

from pathlib import Path

import pytest

from synco.shopify.bulk import group_orders
from synco.shopify.types import order_location

FIXTURE = Path(__file__).parents[1] / "fixtures" / "shopify" / "bulk_orders__grouped_false.jsonl"


def test_it_attaches_children_to_their_parent_even_when_they_are_not_adjacent():
    orders = list(group_orders(FIXTURE.read_bytes().splitlines()))

    assert [o["name"] for o in orders] == ["#1001", "#1002"]
    assert [li["sku"] for li in orders[0]["lineItems"]["nodes"]] == ["SKU-MUG", "SKU-TOTE"]
    assert [s["title"] for s in orders[0]["shippingLines"]["nodes"]] == ["Standard"]
    assert [li["sku"] for li in orders[1]["lineItems"]["nodes"]] == ["SKU-CAP"]
    assert "__parentId" not in orders[0]["lineItems"]["nodes"][0]


def test_it_holds_only_a_window_of_parents():
    lines = [f'{{"id":"gid://shopify/Order/{n}"}}' for n in range(10)]

    stream = group_orders(lines, window=3)

    assert next(stream)["id"] == "gid://shopify/Order/0"


def test_it_refuses_a_child_whose_parent_is_unknown():
    with pytest.raises(ValueError, match="gid://shopify/Order/9"):
        list(group_orders(['{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/9"}']))


def test_it_attaches_the_fulfilment_orders_whose_location_routes_the_order():
    lines = [
        '{"id":"gid://shopify/Order/1","name":"#1001"}',
        '{"id":"gid://shopify/LineItem/11","sku":"SKU-MUG","__parentId":"gid://shopify/Order/1"}',
        '{"id":"gid://shopify/FulfillmentOrder/21","status":"OPEN",'
        '"assignedLocation":{"location":{"id":"gid://shopify/Location/7"}},"__parentId":"gid://shopify/Order/1"}',
    ]

    [order] = group_orders(lines)

    assert order["fulfillmentOrders"]["nodes"] == [
        {
            "id": "gid://shopify/FulfillmentOrder/21",
            "status": "OPEN",
            "assignedLocation": {"location": {"id": "gid://shopify/Location/7"}},
        }
    ]
    assert order_location(order) == "gid://shopify/Location/7"
