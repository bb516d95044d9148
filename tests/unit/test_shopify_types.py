from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from synco.shopify.types import OrderParseError, parse_order
from tests.factories import order_node


def test_it_parses_money_as_decimal_and_dates_as_aware_datetimes():
    order = parse_order(order_node())

    assert order.id == 5550001001
    assert order.total == Decimal("61.77")
    assert order.total_tax == Decimal("7.28")
    assert order.created_at == datetime(2026, 11, 20, 14, 3, tzinfo=UTC)
    assert order.line_items[0].discount == Decimal("5.00")
    assert order.line_items[0].tax_lines[0].rate == Decimal("0.15")
    assert order.customer is not None and order.customer.email == "jane.doe@example.com"
    assert order.customer_name == "Jane Doe"
    assert order.note_attributes == (("gift", "yes"),)
    assert order.risk_levels == ("LOW",)


def test_it_reads_a_guest_order_name_from_the_billing_address():
    order = parse_order(order_node(customer=None, email=None))

    assert order.customer is None
    assert order.email == ""
    assert order.customer_name == "Jane Doe"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"createdAt": None}, "createdAt is missing"),
        ({"createdAt": "2026-11-20T14:03:00"}, "has no time zone"),
        ({"totalPriceSet": {"shopMoney": {"amount": "abc"}}}, "totalPriceSet: 'abc' is not an amount"),
        ({"id": "gid://shopify/Order/xyz"}, "is not a Shopify id"),
    ],
)
def test_it_names_the_field_that_makes_an_order_unreadable(override, message):
    with pytest.raises(OrderParseError, match=message):
        parse_order(order_node(**override))


def test_it_keeps_the_presentment_currency_amounts_and_product_ids():
    node = order_node(
        presentmentCurrencyCode="EUR",
        totalPriceSet={"shopMoney": {"amount": "61.77"}, "presentmentMoney": {"amount": "57.10"}},
    )
    node["lineItems"]["nodes"][0]["variant"]["product"] = {"id": "gid://shopify/Product/632910392"}

    order = parse_order(node)

    assert (order.total, order.presentment_total, order.presentment_currency) == (
        Decimal("61.77"),
        Decimal("57.10"),
        "EUR",
    )
    assert order.line_items[0].product_id == 632910392
