"""Every GraphQL document Synco sends is valid against Shopify's official Admin schema for the pinned version."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from sandboxes.shopify.schema import load_schema
from synco.shopify import queries


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_it_sends_only_documents_valid_in_the_pinned_schema(name):
    errors = validate(load_schema(), parse(queries.ALL_DOCUMENTS[name]))

    assert [error.message for error in errors] == []


def test_it_would_notice_a_field_shopify_does_not_have():
    errors = validate(load_schema(), parse("query { shop { name riskLevel } }"))

    assert [error.message for error in errors] == ["Cannot query field 'riskLevel' on type 'Shop'."]


def test_the_bulk_import_query_is_valid_and_uses_edges():
    inner = queries.bulk_orders_query("created_at:>='2026-01-01T00:00:00Z' name:\"#1001\"")

    assert validate(load_schema(), parse(inner)) == []
    assert "nodes {" not in inner  # Shopify refuses `nodes` inside bulk queries


def test_the_bulk_import_query_keeps_within_shopifys_bulk_limits():
    """At most 5 connections, nested at most 2 deep (the sandbox's check holds Shopify's rules and wording)."""
    from sandboxes.shopify.bulk import check_bulk_query

    checked = check_bulk_query(load_schema(), queries.bulk_orders_query("status:any"))

    assert checked.user_errors == []
    assert "fulfillmentOrders { edges { node { id status assignedLocation" in " ".join(
        queries.bulk_orders_query("status:any").split()
    )


def test_the_order_page_costs_what_shopify_will_charge_for_it():
    """Requested cost of a page of 25 orders with 100 lines each (sandboxes/shopify/cost.py, Shopify's model):
    758 before the order's location (issue 14), 830 with it: 12 points an order (retailLocation, 3
    fulfilment orders with their location and up to 10 lines counted). Each line's unfulfilledQuantity (stock's
    demand, issue 14) is a scalar: 0 points, 830 still. Shopify refuses a query over 1,000."""
    from sandboxes.shopify.cost import MAX_QUERY_COST, requested_query_cost

    variables = {"first": 25, "after": None, "query": None, "lineCount": 100, "sortKey": "UPDATED_AT"}
    page = requested_query_cost(load_schema(), parse(queries.ORDERS_PAGE), "OrdersPage", variables)
    one = requested_query_cost(
        load_schema(),
        parse(queries.ORDER_BY_ID),
        "OrderById",
        {"id": "gid://shopify/Order/1", "lineCount": 100},
    )

    assert (page, one) == (830, 138)
    assert page < MAX_QUERY_COST
    assert "unfulfilledQuantity" in queries.LINE_ITEM  # the page, the order by id, its further lines and bulk
