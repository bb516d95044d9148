from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from orders.models import Order
from orders.services import import_orders, store_order
from synclogs.models import SyncAttempt
from synco.models import Shop
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_shop(db, shopify):
    return Shop.objects.create(domain="synco-demo.myshopify.com", access_token=shopify.token)


def test_it_imports_every_sandbox_order_through_the_graphql_api(demo_shop, shopify):
    summary = import_orders(demo_shop.pk)

    assert summary.created == 60
    assert Order.objects.filter(shop=demo_shop).count() == 60
    first = Order.objects.get(shop=demo_shop, name="#1001")
    assert first.total_price > Decimal("0")
    assert first.payload["id"] == f"gid://shopify/Order/{first.shopify_id}"
    demo_shop.refresh_from_db()
    assert demo_shop.orders_imported_until == max(o.updated_at for o in Order.objects.filter(shop=demo_shop))
    log = SyncAttempt.objects.get(shop=demo_shop, operation="import_orders")
    assert log.status == SyncAttempt.Status.SUCCESS
    assert log.message.startswith("Imported 60 orders: 60 new")


def test_it_never_creates_a_second_row_when_importing_again(demo_shop, shopify):
    import_orders(demo_shop.pk)
    Shop.objects.filter(pk=demo_shop.pk).update(orders_imported_until=None)

    summary = import_orders(demo_shop.pk)

    assert (summary.created, summary.unchanged) == (0, 60)
    assert Order.objects.filter(shop=demo_shop).count() == 60


def test_it_keeps_the_newer_state_of_an_order(demo_shop):
    newer = order_node(updatedAt="2026-11-21T10:00:00Z", displayFinancialStatus="REFUNDED")
    older = order_node(updatedAt="2026-11-20T10:00:00Z", displayFinancialStatus="PAID")

    assert (
        store_order(demo_shop, OrderResult(gid=newer["id"], node=newer, order=parse_order(newer)))
        == "created"
    )
    assert (
        store_order(demo_shop, OrderResult(gid=older["id"], node=older, order=parse_order(older)))
        == "unchanged"
    )

    assert Order.objects.get(shop=demo_shop).financial_status == "REFUNDED"


def test_it_stores_an_unreadable_order_with_its_reason(demo_shop):
    node = order_node(createdAt=None)

    outcome = store_order(
        demo_shop, OrderResult(gid=node["id"], node=node, order=None, error="createdAt is missing")
    )

    assert outcome == "invalid"
    order = Order.objects.get(shop=demo_shop)
    assert order.parse_error == "createdAt is missing"
    assert not order.is_syncable


def test_it_logs_a_failed_import_with_a_clear_reason(demo_shop, shopify):
    demo_shop.access_token = "shpat_revoked"
    demo_shop.save()

    with pytest.raises(Exception, match="Shopify refused the access token"):
        import_orders(demo_shop.pk)

    log = SyncAttempt.objects.get(shop=demo_shop, operation="import_orders")
    assert log.status == SyncAttempt.Status.FAILED
    assert "shpat_revoked" not in log.message
    assert log.message == (
        "Import stopped after 0 orders: Shopify refused the access token for synco-demo.myshopify.com (HTTP 401): "
        "reinstall or reconnect the app."
    )


def test_it_resumes_from_where_the_last_import_stopped(demo_shop, shopify):
    import_orders(demo_shop.pk)
    latest = Order.objects.filter(shop=demo_shop).order_by("-updated_at").first()
    assert latest is not None
    Shop.objects.filter(pk=demo_shop.pk).update(
        orders_imported_until=latest.updated_at - timedelta(seconds=1)
    )

    summary = import_orders(demo_shop.pk)

    assert summary.created == 0
    assert 1 <= summary.seen < 60


def test_it_imports_partial_orders_and_keeps_going(demo_shop, shopify_server, shopify, odoo):
    from orders.models import SyncStatus
    from orders.services import sync_order
    from sandboxes.shopify.generator import generate_orders
    from synco.models import OdooConnection, OrderRules

    # given odd but real-world orders: a guest without e-mail, a line without SKU, a deleted variant,
    # a line whose current quantity is 0 (the order is written as placed; refunds are separate documents)
    odd = generate_orders(4, seed=11, start_id=8880000001, start_number=9001)
    odd[0]["customer"] = None
    odd[0]["email"] = None
    odd[0]["contact_email"] = None
    odd[1]["line_items"][0]["sku"] = None
    odd[1]["line_items"][0]["variant_id"] = None
    odd[2]["line_items"][0]["variant_id"] = None
    odd[3]["line_items"][0]["current_quantity"] = 0
    shopify_server.server.add_orders(odd)
    OdooConnection.objects.create(
        shop=demo_shop,
        url=f"http://127.0.0.1:{odoo.port}",
        database="synco_demo",
        login="admin",
        secret="admin",
    )
    OrderRules.objects.create(shop=demo_shop)

    # when
    summary = import_orders(demo_shop.pk)

    # then every order is stored and readable
    assert summary.created == 64
    stored = {
        o.name: o for o in Order.objects.filter(shop=demo_shop, name__in=["#9001", "#9002", "#9003", "#9004"])
    }
    assert [stored[name].parse_error for name in sorted(stored)] == ["", "", "", ""]
    assert stored["#9001"].email == ""
    # and they sync: the guest to the fallback customer, the SKU-less line without variant as a custom item,
    # the deleted variant by its SKU
    for order in stored.values():
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
        sync_order(order.pk)
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, (order.name, order.sync_error)
    [line] = odoo.execute(
        "sale.order.line",
        "search_read",
        [["order_id", "=", stored["#9002"].odoo_id], ["product_id.default_code", "=", "SHOPIFY-CUSTOM"]],
        fields=["name"],
    )
    assert line["name"] == odd[1]["line_items"][0]["title"]


def test_it_imports_a_single_order_by_id(demo_shop, shopify):
    from orders.services import import_order

    assert import_order(demo_shop.pk, "gid://shopify/Order/5550001001") == "created"
    assert import_order(demo_shop.pk, "gid://shopify/Order/5550001001") == "unchanged"

    assert list(Order.objects.filter(shop=demo_shop).values_list("name", flat=True)) == ["#1001"]
