"""An order cancelled in Shopify after it reached Odoo: the Odoo sale order is cancelled too, never an invoiced one."""

from __future__ import annotations

import pytest

from orders.cancellation import PAUSED_RETRY_SECONDS, WAIT_FOR_SYNC_SECONDS, cancel_in_odoo
from orders.models import Order, SyncStatus
from orders.services import store_order, sync_order
from synclogs.models import SyncAttempt
from synco.models import OrderRules
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"


def _cancelled(node: dict) -> OrderResult:
    node = {**node, "cancelledAt": "2026-11-21T09:00:00Z", "updatedAt": "2026-11-21T09:00:00Z"}
    node["cancelReason"] = "CUSTOMER"
    return OrderResult(gid=node["id"], node=node, order=parse_order(node))


def _synced(shop, odoo, **rules) -> Order:
    OrderRules.objects.filter(shop=shop).update(**rules)
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    return order


def test_a_cancelled_order_is_cancelled_in_odoo(shop, odoo, django_capture_on_commit_callbacks):
    order = _synced(shop, odoo, create_as=OrderRules.CreateAs.SALE_ORDER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert store_order(shop, _cancelled(order.payload)) == "updated"
    assert len(callbacks) == 1  # the cancel task, queued once the cancelled order is stored

    assert cancel_in_odoo(order.pk) is None

    [sale] = odoo.sale_orders(ORIGIN)
    assert sale["state"] == "cancel"
    order.refresh_from_db()
    assert (order.odoo_state, order.sync_status, order.review_reason) == ("cancel", SyncStatus.SYNCED, "")
    attempt = SyncAttempt.objects.get(order=order, operation="cancel_sale_order")
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert attempt.message == f"#1001 was cancelled in Shopify: cancelled {sale['name']} in Odoo."
    # A second delivery of the same cancellation changes nothing and calls nothing.
    assert cancel_in_odoo(order.pk) is None
    assert SyncAttempt.objects.filter(order=order, operation="cancel_sale_order").count() == 1


def test_an_invoiced_order_is_left_alone_and_flagged(shop, odoo):
    order = _synced(shop, odoo, create_as=OrderRules.CreateAs.POSTED_INVOICE)
    store_order(shop, _cancelled(order.payload))

    cancel_in_odoo(order.pk)

    [sale] = odoo.sale_orders(ORIGIN)
    assert sale["state"] == "sale"
    order.refresh_from_db()
    assert order.odoo_state == "sale"
    assert "is invoiced in Odoo" in order.review_reason and order.odoo_invoice_name in order.review_reason
    attempt = SyncAttempt.objects.get(order=order, operation="cancel_sale_order")
    assert attempt.status == SyncAttempt.Status.FAILED


def test_it_waits_for_a_running_sync_before_cancelling(shop, odoo):
    order = queued_order(shop, order_node())
    store_order(shop, _cancelled(order.payload))

    assert cancel_in_odoo(order.pk) == WAIT_FOR_SYNC_SECONDS
    assert not SyncAttempt.objects.filter(operation="cancel_sale_order").exists()
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
    sync_order(order.pk)  # the sync that was already queued refuses the now cancelled order ...
    assert cancel_in_odoo(order.pk, waited=1) is None  # ... so there is nothing to cancel in Odoo
    assert odoo.sale_orders(ORIGIN) == []
    assert not SyncAttempt.objects.filter(operation="cancel_sale_order").exists()


def test_an_order_that_never_reached_odoo_just_becomes_ineligible(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = Order.objects.get(pk=queued_order(shop, order_node()).pk)
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.NOT_SYNCED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_order(shop, _cancelled(order.payload))

    assert callbacks == []
    order.refresh_from_db()
    assert not order.eligible and order.ineligible_reason == "cancelled in Shopify"
    assert odoo.sale_orders(ORIGIN) == []


def test_odoo_down_is_retried_later(shop, odoo):
    order = _synced(shop, odoo, create_as=OrderRules.CreateAs.SALE_ORDER)
    store_order(shop, _cancelled(order.payload))
    odoo.control(down=True)

    assert cancel_in_odoo(order.pk) == 60.0

    odoo.control(down=False)
    assert cancel_in_odoo(order.pk) is None
    assert odoo.sale_orders(ORIGIN)[0]["state"] == "cancel"


def test_nothing_is_cancelled_while_syncing_is_paused(shop, odoo):
    order = _synced(shop, odoo, create_as=OrderRules.CreateAs.SALE_ORDER)
    store_order(shop, _cancelled(order.payload))
    type(shop).objects.filter(pk=shop.pk).update(sync_paused=True)

    assert cancel_in_odoo(order.pk) == PAUSED_RETRY_SECONDS
    assert odoo.sale_orders(ORIGIN)[0]["state"] == "sale"

    type(shop).objects.filter(pk=shop.pk).update(sync_paused=False)
    assert cancel_in_odoo(order.pk) is None
    assert odoo.sale_orders(ORIGIN)[0]["state"] == "cancel"
