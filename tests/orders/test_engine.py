"""The sync engine's guarantees, with faults injected through the Odoo sandbox."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Order, SyncStatus
from orders.services import (
    batch_progress,
    bulk_sync,
    recover_stuck_orders,
    refresh_eligibility,
    request_sync,
    sweep_shop,
    sync_order,
)
from synclogs.models import SyncAttempt
from synclogs.records import purge_old_attempts
from synco.models import OdooConnection, OrderRules
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"


def _odoo_orders(odoo, origin=ORIGIN):
    return odoo.execute(
        "sale.order", "search_read", [["origin", "=", origin]], fields=["state", "order_line", "note"]
    )


def test_it_gives_up_after_the_last_attempt_with_a_retry_button(shop, odoo, settings):
    settings.SYNCO_MAX_ATTEMPTS = 3
    settings.SYNCO_CIRCUIT_FAILURES = 100
    order = queued_order(shop, order_node())
    odoo.control(fail_next=10)

    delays = [sync_order(order.pk) for _ in range(3)]

    order.refresh_from_db()
    assert delays[0] is not None and delays[1] is not None and delays[2] is None
    assert order.sync_status == SyncStatus.FAILED
    assert order.sync_attempts == 3
    assert order.sync_error.endswith("Gave up after 3 attempts: use Retry once it is fixed.")
    assert order.is_syncable
    odoo.control(fail_next=0)
    assert _odoo_orders(odoo) == []


def test_it_shows_waiting_to_retry_with_the_next_try_and_the_error(shop, odoo):
    order = queued_order(shop, order_node())
    odoo.control(fail_next=1)

    sync_order(order.pk)

    order.refresh_from_db()
    state = order.sync_state
    assert order.status_label == "Waiting to retry" and state.key == "retrying"
    assert (state.next_attempt, state.max_attempts) == (2, 6)
    assert state.at == order.next_retry_at and state.error == order.sync_error != ""


def test_it_stops_calling_odoo_while_the_circuit_is_open_and_drains_after(shop, odoo, settings):
    settings.SYNCO_CIRCUIT_FAILURES = 2
    first = queued_order(shop, order_node())
    odoo.control(down=True)
    sync_order(first.pk)
    Order.objects.filter(pk=first.pk).update(sync_status=SyncStatus.QUEUED)
    sync_order(first.pk)  # second failure in a row opens the circuit
    assert OdooConnection.objects.get(shop=shop).circuit_open_until is not None
    odoo.control(down=False)
    odoo.server.reset_stats()
    Order.objects.filter(pk=first.pk).update(sync_status=SyncStatus.QUEUED)

    delay = sync_order(first.pk)

    assert delay is not None and delay > 0
    assert odoo.server.stats()["total"] == 0
    first.refresh_from_db()
    assert first.sync_status == SyncStatus.QUEUED
    # Odoo is back and the circuit's time is up: the backlog drains by itself
    OdooConnection.objects.filter(shop=shop).update(circuit_open_until=timezone.now() - timedelta(seconds=1))
    sync_order(first.pk)
    first.refresh_from_db()
    assert first.sync_status == SyncStatus.SYNCED
    assert OdooConnection.objects.get(shop=shop).consecutive_failures == 0


def test_it_requeues_an_order_whose_worker_died_and_finds_what_odoo_already_has(
    shop, odoo, settings, django_capture_on_commit_callbacks
):
    order = queued_order(shop, order_node())
    # the worker wrote the order into Odoo, then died before recording anything
    odoo.control(drop_after_write=1)
    sync_order(order.pk)
    Order.objects.filter(pk=order.pk).update(
        sync_status=SyncStatus.IN_PROGRESS,
        status_changed_at=timezone.now() - timedelta(hours=1),
        next_retry_at=None,
    )

    recovered = recover_stuck_orders()

    order.refresh_from_db()
    assert recovered == 1
    assert order.sync_status == SyncStatus.QUEUED
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    [sale] = _odoo_orders(odoo)
    assert len(sale["order_line"]) == 3


def test_it_resumes_after_a_permanent_error_is_fixed_without_duplicates(shop, odoo):
    node = order_node()
    node["lineItems"]["nodes"][0]["taxLines"][0]["rate"] = 0.06
    order = queued_order(shop, node)
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert "no sale tax of 6%" in order.sync_error

    # the merchant creates the tax in Odoo and presses Retry
    odoo.execute(
        "account.tax", "create", {"name": "6%", "amount": 6, "type_tax_use": "sale", "amount_type": "percent"}
    )
    assert request_sync(order)
    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert len(_odoo_orders(odoo)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_order_write_one_odoo_order(shop, odoo):
    order = queued_order(shop, order_node())
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(sync_order(order.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(_odoo_orders(odoo)) == 1
    assert SyncAttempt.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED


def test_a_risky_order_comes_in_as_a_quotation_with_the_reason(shop, odoo):
    risky = {
        "recommendation": "CANCEL",
        "assessments": [
            {
                "riskLevel": "HIGH",
                "facts": [{"description": "Card declined 4 times", "sentiment": "NEGATIVE"}],
            }
        ],
    }
    order = queued_order(shop, order_node(risk=risky))
    Order.objects.filter(pk=order.pk).update(
        risk_reason="Shopify rates this order high risk: Card declined 4 times"
    )

    sync_order(order.pk)

    [sale] = _odoo_orders(odoo)
    assert sale["state"] == "draft"
    assert (
        "Held as a quotation:</strong> Shopify rates this order high risk: Card declined 4 times"
        in sale["note"]
    )


def test_it_reapplies_the_rules_when_they_change(shop):
    queued_order(shop, order_node(tags=["wholesale"]))
    Order.objects.update(sync_status=SyncStatus.NOT_SYNCED)
    OrderRules.objects.filter(shop=shop).update(exclude_tags=["wholesale"])

    assert refresh_eligibility(shop) == 0
    assert Order.objects.get().ineligible_reason == "tagged wholesale"

    OrderRules.objects.filter(shop=shop).update(exclude_tags=[])
    assert refresh_eligibility(shop) == 1


def test_it_syncs_all_eligible_orders_as_a_batch_with_progress(
    shop, odoo, django_capture_on_commit_callbacks
):
    nodes = [order_node(id=f"gid://shopify/Order/{n}", name=f"#{n}") for n in (1, 2, 3)]
    orders = [queued_order(shop, node) for node in nodes]
    Order.objects.update(sync_status=SyncStatus.NOT_SYNCED, eligible=True)
    Order.objects.filter(pk=orders[2].pk).update(eligible=False)
    for index, order in enumerate(orders):
        payload = order.payload
        for line in payload["lineItems"]["nodes"]:
            line["id"] = f"{line['id']}{index}"
        Order.objects.filter(pk=order.pk).update(payload=payload)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = bulk_sync(shop, None)
    # One shop lead for the two orders (a lead takes a batch of them), not a task per order.
    assert batch.total == 2 and len(callbacks) == 1
    assert batch_progress(batch)["done"] == 0

    for order in orders[:2]:
        sync_order(order.pk)

    progress = batch_progress(batch)
    assert (progress["total"], progress["done"], progress["failed"]) == (2, 2, 0)


def test_the_sweep_queues_eligible_orders_that_were_never_synced(
    shop, shopify, django_capture_on_commit_callbacks
):
    shop.access_token = shopify.token
    shop.save()
    OrderRules.objects.filter(shop=shop).update(auto_sync=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = sweep_shop(shop.pk)

    eligible = Order.objects.filter(shop=shop, eligible=True).count()
    assert eligible > 0
    assert Order.objects.filter(shop=shop, sync_status=SyncStatus.QUEUED).count() == eligible
    assert len(callbacks) == eligible
    assert queued == 0  # the import queued them already (auto-sync); the sweep found nothing left


def test_it_purges_log_rows_older_than_the_retention(shop, settings):
    settings.SYNCO_LOG_RETENTION_DAYS = 30
    SyncAttempt.objects.create(shop=shop, operation="x", started_at=timezone.now() - timedelta(days=31))
    SyncAttempt.objects.create(shop=shop, operation="y", started_at=timezone.now() - timedelta(days=1))

    assert purge_old_attempts() == 1
    assert list(SyncAttempt.objects.values_list("operation", flat=True)) == ["y"]


def test_an_outage_does_not_use_up_attempts(shop, odoo, settings):
    settings.SYNCO_MAX_ATTEMPTS = 2
    settings.SYNCO_CIRCUIT_FAILURES = 1
    order = queued_order(shop, order_node())
    odoo.control(down=True)

    for _ in range(4):  # four probes of a dead Odoo, each reopening the circuit
        OdooConnection.objects.filter(shop=shop).update(circuit_open_until=None)
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
        assert sync_order(order.pk) is not None

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert order.sync_attempts == 0
    odoo.control(down=False)
    OdooConnection.objects.filter(shop=shop).update(circuit_open_until=None)
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
