"""A cancelled order is refused on every path that could send it to Odoo, with the reason shown and logged."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from orders.models import Order, SyncStatus
from orders.services import request_sync, store_order, sweep_shop, sync_order
from synclogs.models import SyncAttempt
from synco.models import OrderRules
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"
REASON = "#1001 is not eligible: cancelled in Shopify."


def _cancelled(shop, status: str = SyncStatus.NOT_SYNCED) -> Order:
    node = order_node(cancelledAt="2026-11-20T15:00:00Z", cancelReason="CUSTOMER")
    store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    order = Order.objects.get(shop=shop)
    Order.objects.filter(pk=order.pk).update(sync_status=status)
    order.refresh_from_db()
    assert (order.eligible, order.ineligible_reason) == (False, "cancelled in Shopify")
    return order


def _nothing_sent(odoo, order: Order) -> None:
    assert odoo.sale_orders(ORIGIN) == []
    order.refresh_from_db()
    assert order.odoo_id is None
    assert order.sync_status not in (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS, SyncStatus.SYNCED)


def _toast(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


@pytest.mark.parametrize("status", [SyncStatus.NOT_SYNCED, SyncStatus.FAILED, SyncStatus.NEEDS_REVIEW])
def test_the_sync_and_retry_buttons_refuse_a_cancelled_order_with_the_reason(
    merchant_client, shop, odoo, status, django_capture_on_commit_callbacks
):
    order = _cancelled(shop, status)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert _toast(response) == {"message": f"Not sent to Odoo: {REASON}", "level": "error"}
    assert callbacks == []
    _nothing_sent(odoo, order)
    log = SyncAttempt.objects.get(order=order, operation="sync_refused")
    assert (log.status, log.message) == (SyncAttempt.Status.FAILED, f"Not sent to Odoo: {REASON}")


def test_bulk_sync_leaves_a_selected_cancelled_order_out_and_says_why(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    order = _cancelled(shop)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = merchant_client.post(
            reverse("orders:bulk_sync"), {"order": [order.pk]}, HTTP_HX_REQUEST="true"
        )

    assert _toast(response) == {"message": f"Not sent to Odoo: {REASON}", "level": "warning"}
    assert callbacks == []
    _nothing_sent(odoo, order)
    assert SyncAttempt.objects.filter(order=order, operation="sync_refused").count() == 1


def test_the_service_refuses_whoever_calls_it(shop, odoo, django_capture_on_commit_callbacks):
    order = _cancelled(shop)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert request_sync(order) is False

    assert callbacks == []
    _nothing_sent(odoo, order)


def test_auto_sync_from_a_webhook_does_not_queue_a_cancelled_order(
    shop, odoo, django_capture_on_commit_callbacks
):
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = _cancelled(shop)

    assert callbacks == []
    _nothing_sent(odoo, order)


def test_the_sweep_does_not_queue_a_cancelled_order(shop, odoo, django_capture_on_commit_callbacks):
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)
    order = _cancelled(shop)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert (
            sweep_shop(shop.pk) == 0
        )  # its Shopify import fails here (no Shopify): only the queueing counts

    assert callbacks == []
    _nothing_sent(odoo, order)


def test_a_queued_order_cancelled_before_a_worker_takes_it_is_not_written(shop, odoo):
    # given: queued while eligible, then Shopify's cancellation arrives
    order = _cancelled(shop)
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)

    # when the worker runs it
    assert sync_order(order.pk) is None

    # then nothing reached Odoo and the log says why
    _nothing_sent(odoo, order)
    assert order.sync_status == SyncStatus.NOT_SYNCED
    assert SyncAttempt.objects.get(order=order).message == f"Not sent to Odoo: {REASON}"
    assert not SyncAttempt.objects.filter(order=order, operation="create_sale_order").exists()
