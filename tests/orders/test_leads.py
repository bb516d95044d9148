"""Shop leads (issue 17): a bulk sync sends a task per batch, not per order; each lead writes a batch under the
Odoo server's cap and hands over to the next, and the watchdog restarts a shop whose chain was lost."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from orders import batching, services, tasks
from orders.models import Order, SyncStatus
from orders.services import bulk_sync, claim_to_run, recover_stuck_orders
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, Shop
from tests.orders.helpers import queued_order
from tests.orders.test_batching import _node, _queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> dict[str, list[Any]]:
    """The tasks sent to the broker, instead of sending them: shop leads and orders' own tasks."""
    record: dict[str, list[Any]] = {"leads": [], "orders": []}
    monkeypatch.setattr(
        tasks.sync_shop_task, "apply_async", lambda args, **options: record["leads"].append(args[0])
    )
    monkeypatch.setattr(
        tasks.sync_order_task, "apply_async", lambda args, **options: record["orders"].append(args[0])
    )
    return record


def _not_synced(shop: Shop, count: int) -> list[Order]:
    orders = _queued(shop, count)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(sync_status=SyncStatus.NOT_SYNCED)
    return orders


@pytest.mark.parametrize(("cap", "leads"), [(1, 1), (2, 2), (8, 3)])
def test_a_bulk_sync_sends_one_lead_per_batch_up_to_the_odoo_cap(
    shop, settings, sent, django_capture_on_commit_callbacks, cap, leads
):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=cap)
    _not_synced(shop, 10)

    with django_capture_on_commit_callbacks(execute=True):
        batch = bulk_sync(shop, None)

    assert batch.total == 10
    assert Order.objects.filter(shop=shop, sync_status=SyncStatus.QUEUED, batch=batch).count() == 10
    # ceil(10 / 4) = 3 batches, never more leads than the server takes runs at once; no task per order
    assert sent == {"leads": [shop.pk] * leads, "orders": []}


def test_a_lead_takes_batch_after_batch_of_its_shop_within_its_time(
    shop, odoo, settings, sent, django_capture_on_commit_callbacks
):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    orders = _not_synced(shop, 10)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_sync(shop, None)
    sent["leads"].clear()

    assert batching.sync_next(shop.pk) == 3  # 4 + 4 + 2 in one task

    assert sent == {"leads": [], "orders": []}  # nothing left: no hand-over
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("sync_status", flat=True)) == {
        SyncStatus.SYNCED
    }


def test_leads_drain_a_bulk_sync_batch_by_batch_each_handing_over_to_the_next(
    shop, odoo, settings, sent, django_capture_on_commit_callbacks
):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    settings.SYNCO_LEAD_SECONDS = 0.0  # its time is up after each batch: it hands over to a new lead
    orders = _not_synced(shop, 10)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_sync(shop, None)
    assert sent["leads"] == [shop.pk]

    runs = 0
    while sent["leads"]:
        sent["leads"].pop()
        batching.sync_next(shop.pk)
        runs += 1
        assert runs <= 3

    assert runs == 3  # 4 + 4 + 2, then no lead: nothing waits
    assert sent["orders"] == []
    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    written = [SyncAttempt.objects.get(order=order).message for order in orders]
    assert sum("Written in a batch of 4 orders" in message for message in written) == 8
    assert sum("Written in a batch of 2 orders" in message for message in written) == 2


def test_a_lead_at_the_cap_stops_and_the_running_one_hands_over(shop, odoo, settings, sent):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=1)
    running, *waiting = _queued(shop, 3)
    lease = claim_to_run(running.pk)
    assert isinstance(lease, services.Lease)

    batching.sync_next(shop.pk)  # the one slot is taken: nothing claimed, no hand-over

    assert sent == {"leads": [], "orders": []}
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in waiting]).values_list("sync_status", flat=True)
    ) == {SyncStatus.QUEUED}
    # the running order ends: its slot goes to a lead, which takes the waiting orders
    Order.objects.filter(pk=running.pk).update(sync_status=SyncStatus.NOT_SYNCED, **services._RELEASED)
    services.hand_over_slot(shop.pk)
    assert sent["leads"] == [shop.pk]
    batching.sync_next(shop.pk)
    for order in waiting:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED


def test_a_lead_of_a_paused_shop_puts_its_queued_orders_back(shop, odoo, sent):
    orders = _queued(shop, 2)
    Shop.objects.filter(pk=shop.pk).update(sync_paused=True)

    batching.sync_next(shop.pk)

    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.NOT_SYNCED and order.odoo_id is None
    assert sent == {"leads": [], "orders": []}


def test_a_lead_writes_a_retry_alone_and_sends_nothing_for_orders_waiting_for_their_retry(
    shop, odoo, settings, sent
):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    retried, later = _queued(shop, 2)
    # a second attempt (the first one left a log entry): never batched; another waits for its retry's time
    Order.objects.filter(pk=retried.pk).update(sync_attempts=1)
    SyncAttempt.objects.create(
        shop=shop,
        order=retried,
        object_type="order",
        object_ref=retried.name,
        operation="create_sale_order",
        started_at=timezone.now(),
    )
    Order.objects.filter(pk=later.pk).update(next_retry_at=timezone.now() + timedelta(minutes=2))

    batching.sync_next(shop.pk)

    retried.refresh_from_db()
    later.refresh_from_db()
    assert retried.sync_status == SyncStatus.SYNCED
    assert "batch" not in SyncAttempt.objects.filter(order=retried).latest("started_at").message
    assert later.sync_status == SyncStatus.QUEUED and later.odoo_id is None
    assert sent == {"leads": [], "orders": []}  # the retry has its own task; nothing else waits


def test_the_watchdog_leads_a_shop_whose_chain_was_lost_and_leaves_a_moving_one_alone(shop, settings, sent):
    orders = _queued(shop, 3)
    old = timezone.now() - timedelta(seconds=settings.SYNCO_STUCK_SECONDS + 5)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(status_changed_at=old)

    # a run of the shop holds a live lease: it hands over when it ends, nothing is sent
    lease = claim_to_run(orders[0].pk)
    assert isinstance(lease, services.Lease)
    assert recover_stuck_orders() == 0
    assert sent == {"leads": [], "orders": []}

    # nothing runs any more, and the hand-over was lost: one lead for the shop, not a task per order
    Order.objects.filter(pk=orders[0].pk).update(sync_status=SyncStatus.SYNCED, **services._RELEASED)
    assert recover_stuck_orders() == 2
    assert sent == {"leads": [shop.pk], "orders": []}


def test_a_slow_odoo_gets_smaller_batches_so_that_no_call_holds_it_long(shop, odoo, settings, monkeypatch):
    monkeypatch.setattr(batching, "_PACE", {})
    settings.SYNCO_SYNC_BATCH_SIZE = 12
    assert batching.batch_size(shop.pk) == 12  # nothing measured yet: full batches
    real_confirm = batching.odoo_batch.confirm_orders

    def slow_confirm(client, ids):
        time.sleep(0.02 * len(ids))  # this Odoo takes 20 ms per order to confirm
        return real_confirm(client, ids)

    monkeypatch.setattr(batching.odoo_batch, "confirm_orders", slow_confirm)
    settings.SYNCO_BATCH_CALL_SECONDS = settings.SYNCO_BATCH_CALL_SECONDS_IDLE = 0.14
    orders = _queued(shop, 20)

    batching.sync_next(shop.pk)

    # its slowest call took >= 20 ms per order: the next batches take at most 0.14 / 0.02 = 7 orders
    assert batching.MIN_BATCH <= batching.batch_size(shop.pk) <= 7
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("sync_status", flat=True)) == {
        SyncStatus.SYNCED
    }
    messages = SyncAttempt.objects.filter(message__contains="Written in a batch of").values_list(
        "message", flat=True
    )
    sizes = sorted({int(m.split("Written in a batch of ")[1].split()[0]) for m in messages})
    assert sizes[-1] == 12 and sizes[0] <= 7  # the first batch full, the next ones smaller


def test_a_fast_odoo_keeps_full_batches(shop, monkeypatch, settings):
    monkeypatch.setattr(batching, "_PACE", {})
    settings.SYNCO_SYNC_BATCH_SIZE = 50
    settings.SYNCO_BATCH_CALL_SECONDS = settings.SYNCO_BATCH_CALL_SECONDS_IDLE = 1.5
    batching.learn_pace(shop.pk, 0.002)  # 2 ms per order: 750 would fit in 1.5 s
    assert batching.batch_size(shop.pk) == 50
    batching.learn_pace(shop.pk, 0.2)  # it slowed down: averaged, ~0.1 s per order
    assert batching.batch_size(shop.pk) == 14
    settings.SYNCO_SYNC_BATCH_SIZE = 1  # batching off stays off
    assert batching.batch_size(shop.pk) == 1


def test_batches_keep_their_calls_short_only_while_a_merchant_clicks_on_the_same_odoo(
    shop, odoo, monkeypatch, settings
):
    from django.core.cache import cache

    other = Shop.objects.create(domain="other-odoo.myshopify.com")
    cache.delete_many([services._click_key(shop.pk), services._click_key(other.pk)])
    monkeypatch.setattr(batching, "_PACE", {})
    settings.SYNCO_SYNC_BATCH_SIZE = 50
    settings.SYNCO_BATCH_CALL_SECONDS, settings.SYNCO_BATCH_CALL_SECONDS_IDLE = 1.0, 4.0
    batching.learn_pace(shop.pk, 0.2)  # 0.2 s per order in the slowest call
    assert batching.batch_size(shop.pk) == 20  # nobody clicked: calls of about 4 s

    services.note_click(other.pk)  # a click on another Odoo changes nothing here
    assert batching.batch_size(shop.pk) == 20
    order = queued_order(shop, _node(1))
    assert isinstance(services.claim_order(order.pk, interactive=True), services.Lease)  # a Sync click
    assert services.clicked_recently([shop.pk])
    assert batching.batch_size(shop.pk) == 5  # calls of about 1 s while the merchant clicks

    settings.SYNCO_CLICK_WINDOW_SECONDS = 0.01  # the window passes
    services.note_click(shop.pk)
    time.sleep(0.05)
    assert not services.clicked_recently([shop.pk]) and batching.batch_size(shop.pk) == 20

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services.cache, "get_many", down)
    assert batching.batch_size(shop.pk) == 5  # the cache does not answer: short calls, the safe side


def test_a_click_behind_another_click_looks_again_within_a_second_whatever_the_queue(shop, monkeypatch):
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=1)
    orders = _queued(shop, 40)
    batch_run = claim_to_run(orders[0].pk)
    first_click = claim_to_run(orders[1].pk, interactive=True)
    assert isinstance(batch_run, services.Lease) and isinstance(first_click, services.Lease)
    monkeypatch.setattr(services.random, "uniform", lambda low, high: high)  # the longest wait it may draw

    click_wait = claim_to_run(orders[2].pk, interactive=True)
    bulk_wait = claim_to_run(orders[3].pk)

    assert click_wait == 1.0  # the slot beyond the cap frees with the click before it
    assert isinstance(bulk_wait, float) and bulk_wait > 30  # bulk work waits in line with the 38 others
