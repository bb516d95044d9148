"""Danger zone: while syncing is paused nothing reaches Odoo, whichever path asks; Resume sends the held orders."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from orders.models import Order, SyncBatch, SyncStatus
from orders.services import (
    SYNC_PAUSED_REASON,
    pause_syncing,
    requeue_held_orders,
    store_order,
    sweep_shop,
    sync_order,
)
from synclogs.models import SyncAttempt
from synco.models import OrderRules, Shop
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"


def _toast(response):
    return json.loads(response["HX-Trigger"])["toast"]


def test_pause_syncing_puts_queued_orders_back_and_shows_the_banner(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())

    response = merchant_client.post(reverse("settings:pause"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert ">Resume syncing</s-button>" in html and "Pause syncing" not in html
    assert (
        '<div id="pause-banner" hx-swap-oob="true">' in html and "<strong>Syncing is paused.</strong>" in html
    )
    assert _toast(response) == {"message": "Syncing is paused: nothing is sent to Odoo.", "level": "warning"}
    shop.refresh_from_db()
    assert shop.sync_paused and shop.sync_paused_by == "merchant" and shop.sync_paused_at is not None
    order.refresh_from_db()
    assert (order.sync_status, order.sync_error) == (SyncStatus.NOT_SYNCED, SYNC_PAUSED_REASON)
    assert odoo.sale_orders(ORIGIN) == []


def test_a_task_already_in_the_queue_puts_its_order_back_without_calling_odoo(shop, odoo):
    order = queued_order(shop, order_node())
    Shop.objects.filter(pk=shop.pk).update(sync_paused=True)  # paused after the order was queued

    assert sync_order(order.pk) is None

    order.refresh_from_db()
    assert (order.sync_status, order.sync_error) == (SyncStatus.NOT_SYNCED, SYNC_PAUSED_REASON)
    assert odoo.sale_orders(ORIGIN) == []
    assert not SyncAttempt.objects.exists()


def test_sync_and_bulk_sync_are_refused_with_a_clear_message(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    order = stored_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(eligible=True)
    pause_syncing(shop, "merchant")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")
        bulk = merchant_client.post(
            reverse("orders:bulk_sync"), {"scope": "eligible"}, HTTP_HX_REQUEST="true"
        )
        selected = merchant_client.post(
            reverse("orders:bulk_sync"), {"order": [order.pk]}, HTTP_HX_REQUEST="true"
        )

    assert callbacks == []
    assert _toast(row) == {"message": f"#1001 was not sent: {SYNC_PAUSED_REASON}", "level": "error"}
    assert bulk.status_code == 204 and selected.status_code == 204
    assert _toast(bulk) == {"message": f"No order was sent: {SYNC_PAUSED_REASON}", "level": "error"}
    assert not SyncBatch.objects.exists()
    assert Order.objects.get(pk=order.pk).sync_status == SyncStatus.NOT_SYNCED
    assert odoo.sale_orders(ORIGIN) == []


def test_auto_sync_leaves_a_new_order_not_synced_with_the_reason_on_the_orders_page(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)
    pause_syncing(shop, "merchant")
    node = order_node()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))

    assert callbacks == []
    order = Order.objects.get()
    assert (order.eligible, order.sync_status, order.sync_error) == (True, "not_synced", SYNC_PAUSED_REASON)
    row = merchant_client.get(reverse("orders:list")).content.decode().split(f'id="order-{order.pk}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert f'<div class="muted small" role="note">{SYNC_PAUSED_REASON}</div>' in row


def test_the_sweep_imports_but_queues_nothing_while_paused(shop, shopify, django_capture_on_commit_callbacks):
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)
    pause_syncing(shop, "merchant")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = sweep_shop(shop.pk)

    eligible = Order.objects.filter(shop=shop, eligible=True)
    assert queued == 0 and callbacks == []
    assert eligible.count() > 0
    assert not Order.objects.filter(sync_status=SyncStatus.QUEUED).exists()
    assert eligible.filter(sync_error=SYNC_PAUSED_REASON).count() == eligible.count()


def test_resume_queues_the_held_orders_and_they_reach_odoo(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)
    merchant_client.post(reverse("settings:pause"), HTTP_HX_REQUEST="true")
    node = order_node()
    store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    order = Order.objects.get()

    with django_capture_on_commit_callbacks(execute=False) as resumed:
        response = merchant_client.post(reverse("settings:resume"), HTTP_HX_REQUEST="true")
    assert len(resumed) == 1  # requeue_held_orders_task, after the resume commits
    assert ">Pause syncing</s-button>" in response.content.decode()
    assert '<div id="pause-banner" hx-swap-oob="true">\n</div>' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert requeue_held_orders(shop.pk) == 1  # what that task runs
    assert len(queued) == 1
    sync_order(order.pk)

    order.refresh_from_db()
    assert (order.sync_status, order.sync_error) == (SyncStatus.SYNCED, "")
    [odoo_order] = odoo.sale_orders(ORIGIN)
    assert odoo_order["id"] == order.odoo_id
    assert not Shop.objects.get(pk=shop.pk).sync_paused


def test_a_held_order_of_a_bulk_sync_stays_in_its_batch(shop, odoo, django_capture_on_commit_callbacks):
    batch = SyncBatch.objects.create(shop=shop, total=1)
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(batch=batch)
    pause_syncing(shop, "merchant")
    Shop.objects.filter(pk=shop.pk).update(sync_paused=False)

    with django_capture_on_commit_callbacks(execute=False):
        requeue_held_orders(shop.pk)

    assert Order.objects.get(pk=order.pk).batch_id == batch.pk


def test_the_banner_is_on_every_page_while_paused(merchant_client, shop):
    pause_syncing(shop, "merchant")

    for name in ("home", "orders:list", "synclogs:list", "settings:index", "settings:rules", "settings:odoo"):
        html = merchant_client.get(reverse(name)).content.decode()
        assert "<strong>Syncing is paused.</strong>" in html, name
        assert "(paused by merchant)" in html, name


def test_without_htmx_pause_and_resume_go_back_to_the_settings(merchant_client, shop):
    paused = merchant_client.post(reverse("settings:pause"))
    assert paused.status_code == 302 and paused["Location"] == reverse("settings:index")
    assert "Resume syncing" in merchant_client.get(reverse("settings:index")).content.decode()

    resumed = merchant_client.post(reverse("settings:resume"))

    assert resumed.status_code == 302
    html = merchant_client.get(reverse("settings:index")).content.decode()
    assert ">Pause syncing</s-button>" in html and "Syncing is paused." not in html


def test_pausing_one_shop_leaves_the_others_syncing(merchant_client, shop):
    other = Shop.objects.create(domain="other.myshopify.com")

    merchant_client.post(reverse("settings:pause"), HTTP_HX_REQUEST="true")

    assert Shop.objects.get(pk=shop.pk).sync_paused
    assert not Shop.objects.get(pk=other.pk).sync_paused
