"""Shopify's own published example orders (tests/fixtures/shopify/examples, MIT, see NOTICE.md there) through
Synco's real GraphQL import and sync paths into the Odoo sandbox: each lands with Odoo's total equal to
Shopify's to the cent, or is held for review with a reason — never Synced with a difference.

The same run as bench/shopify_examples.py (which also runs against a real Odoo)."""

from __future__ import annotations

import itertools
import uuid

import pytest

from bench.shopify_examples import clone, load_examples, run_examples, summary
from orders.services import import_order
from synco.models import OrderRules, Shop
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("added_shopify_orders_removed")]
_runs = itertools.count(1)


def _first_id() -> int:
    return 6_100_000_000 + next(_runs) * 100_000 + (uuid.uuid4().int % 900) * 100


@pytest.fixture
def examples_shop(shop: Shop, shopify, odoo) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    journal = odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
    OrderRules.objects.filter(shop=shop).update(
        auto_create_products=True, auto_create_taxes=True, payment_journals={"*": journal}
    )
    return shop


def test_the_fixture_holds_shopifys_29_complete_example_orders():
    examples = load_examples()
    assert len(examples) == 29
    assert len(load_examples(distinct=True)) == 26
    assert {order["name"] for _, order in examples} == {"#1001", "#1002"}


@pytest.mark.parametrize(
    "create_as", [OrderRules.CreateAs.SALE_ORDER, OrderRules.CreateAs.PAID_INVOICE], ids=["sale", "invoice"]
)
def test_every_example_matches_to_the_cent_or_is_held_with_a_reason(examples_shop, shopify, create_as):
    rows = run_examples(examples_shop, shopify.server, create_as, load_examples(), _first_id())

    assert len(rows) == 29, summary(rows)
    for row in rows:
        assert row.status in ("synced", "needs_review"), row.line()
        assert not row.synced_with_difference, row.line()
        if row.status == "needs_review":
            assert row.reason, row.line()
        if not row.matched:
            assert row.held, row.line()
            assert "held (" in row.refund_states or row.reason, row.line()
    # Every example reaches Odoo as placed (Shopify's total_price and total_tax, to the cent).
    assert all(row.placed_matched for row in rows if row.status == "synced"), summary(rows)


def test_the_sandbox_serves_an_examples_refunded_amount_from_its_rest_transactions(examples_shop, shopify):
    """Shopify's REST refund transactions carry `amount` only: the sandbox still serves totalRefundedSet."""
    _index, example = load_examples()[0]
    order = clone(example, _first_id(), "t")
    shopify.server.add_orders([order], shop=SHOP_DOMAIN)
    import_order(examples_shop.pk, order["admin_graphql_api_id"])
    from refunds.models import Refund

    [refund] = Refund.objects.filter(order__shopify_id=order["id"])
    assert str(refund.amount) == "209.00"
