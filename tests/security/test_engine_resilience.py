"""Issue 11: the sync engine under outages, slow Odoos, stalled workers, lost answers and a lost broker.

Faults come from the Odoo sandbox; time is made small through the settings. Every test also checks "exactly
once": one sale order (and at most one payment) per Shopify order in Odoo.
"""

from __future__ import annotations

import threading
import time
import xmlrpc.client
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders import batching, services, tasks
from orders.models import Order, SyncStatus
from orders.services import (
    Lease,
    LeaseLostError,
    claim_to_run,
    recover_stuck_orders,
    store_order,
    sync_order,
)
from synclogs.models import SyncAttempt
from synco import circuit
from synco.celery import app
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.odoo.errors import OdooMissingRecordError, classify
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order

pytestmark = pytest.mark.django_db


def _node(number: int) -> dict[str, Any]:
    shopify_id = 5550002000 + number
    return order_node(
        id=f"gid://shopify/Order/{shopify_id}", legacyResourceId=str(shopify_id), name=f"#{2000 + number}"
    )


def _sale_orders(odoo, order: Order) -> list[dict[str, Any]]:
    return odoo.execute(
        "sale.order", "search_read", [["origin", "=", order.origin]], fields=["order_line", "invoice_ids"]
    )


@pytest.fixture
def published(monkeypatch) -> list[tuple[int, float | None]]:
    """The sync tasks sent to the broker, as (order id, countdown), instead of sending them."""
    sent: list[tuple[int, float | None]] = []

    def record(args: tuple[int], countdown: float | None = None, **options: Any) -> None:
        sent.append((args[0], countdown))

    monkeypatch.setattr(tasks.sync_order_task, "apply_async", record)
    return sent


# -- 8: the circuit breaker probes with one order and releases the backlog at once ---------------------


def test_it_probes_with_one_order_and_releases_the_backlog_as_soon_as_odoo_is_back(
    shop, odoo, settings, published
):
    settings.SYNCO_CIRCUIT_FAILURES = 2
    settings.SYNCO_CIRCUIT_OPEN_SECONDS = 0.2
    settings.SYNCO_CIRCUIT_MAX_OPEN_SECONDS = 0.4
    orders = [queued_order(shop, _node(n)) for n in range(5)]
    odoo.control(down=True)

    # given: an outage opens the circuit; the order whose failure opened it is the one to probe it
    assert sync_order(orders[0].pk) is not None  # first failure: an ordinary retry
    probe_wait = sync_order(orders[1].pk)
    assert probe_wait is not None and probe_wait <= 0.4 + 0.5
    waits = [sync_order(order.pk) for order in orders[2:]]
    assert SyncAttempt.objects.count() == 2  # nobody else tries Odoo while it is open
    assert all(wait is not None and wait > probe_wait for wait in waits)
    assert len(set(waits)) == len(waits)  # jittered: they never all wake at the same instant

    # a failed probe re-opens it, briefly
    time.sleep(0.45)
    OdooConnection.objects.filter(shop=shop).update(circuit_open_until=timezone.now())
    again = sync_order(orders[1].pk)
    assert again is not None and again <= 0.4 + 0.5
    assert SyncAttempt.objects.count() == 3  # one order probed

    # when: Odoo is back and the open period ends
    odoo.control(down=False)
    time.sleep(0.45)
    back_at = time.monotonic()
    published.clear()
    sync_order(orders[1].pk)  # the probe

    # then: the probe is synced and every waiting order is sent at once, spread over the release window
    released = {pk: countdown for pk, countdown in published if countdown is not None}
    assert set(released) >= {orders[0].pk, orders[2].pk, orders[3].pk, orders[4].pk}
    assert all(0 <= countdown <= settings.SYNCO_CIRCUIT_RELEASE_SECONDS for countdown in released.values())
    for pk in sorted(released):
        sync_order(pk)
    assert time.monotonic() - back_at < 15
    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED
        assert len(_sale_orders(odoo, order)) == 1
    connection_row = OdooConnection.objects.get(shop=shop)
    assert connection_row.circuit_open_until is None and connection_row.consecutive_failures == 0


def test_only_one_caller_gets_through_a_half_open_circuit(shop, settings):
    settings.SYNCO_CIRCUIT_FAILURES = 1
    circuit.record_failure(shop.pk, "down")
    OdooConnection.objects.filter(shop=shop).update(circuit_open_until=timezone.now() - timedelta(seconds=1))

    first, second = circuit.admit(shop.pk), circuit.admit(shop.pk)

    assert first is None
    assert second is not None and second > timezone.now()


def test_the_default_timings_notice_odoo_back_within_15_seconds(shop, settings):
    # given: a long outage, the circuit re-opened again and again
    for _ in range(40):
        until = circuit.record_failure(shop.pk, "down")

    # then: the next probe is never more than the cap away, and the released backlog starts within its window
    assert until is not None
    probe_in = circuit.probe_delay(until)
    assert probe_in <= settings.SYNCO_CIRCUIT_MAX_OPEN_SECONDS + 0.5
    assert probe_in + settings.SYNCO_CIRCUIT_RELEASE_SECONDS < 15


# -- 3: per-shop fairness --------------------------------------------------------------------------------


def _other_shop(odoo) -> Shop:
    other = Shop.objects.create(domain="other-store.myshopify.com", name="Other", access_token="shpat_x")
    OdooConnection.objects.create(
        shop=other,
        # Another Odoo as Synco sees it (another URL): the concurrency cap is per Odoo URL and database.
        url=f"http://localhost:{odoo.port}",
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=ODOO_PASSWORD,
    )
    OrderRules.objects.create(shop=other)
    return other


def test_a_shop_at_its_cap_is_deferred_while_another_shops_order_is_synced(shop, odoo, settings, published):
    settings.SYNCO_SHOP_CONCURRENCY = 1
    other = _other_shop(odoo)
    # given: shop A's slow Odoo holds a worker (its order is running, lease alive)
    running = queued_order(shop, _node(1))
    assert isinstance(claim_to_run(running.pk), Lease)
    waiting = queued_order(shop, _node(2))
    theirs = queued_order(other, _node(3))
    odoo.server.reset_stats()

    # when
    deferred = sync_order(waiting.pk)
    sync_order(theirs.pk)

    # then: A's second order gives its worker back at once (no Odoo call) and B's order is synced
    assert deferred is not None and 1.0 <= deferred <= settings.SYNCO_STUCK_SECONDS / 2
    waiting.refresh_from_db()
    theirs.refresh_from_db()
    assert waiting.sync_status == SyncStatus.QUEUED and waiting.next_retry_at is None
    assert theirs.sync_status == SyncStatus.SYNCED
    assert _sale_orders(odoo, waiting) == []
    # the slot frees itself when the holder's lease expires (a killed worker), and the order then runs
    Order.objects.filter(pk=running.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    sync_order(waiting.pk)
    waiting.refresh_from_db()
    assert waiting.sync_status == SyncStatus.SYNCED
    assert len(_sale_orders(odoo, waiting)) == 1


def _quick_history(shop: Shop, milliseconds: int) -> None:
    """The shop's last sync took this long."""
    SyncAttempt.objects.create(
        shop=shop,
        operation="create_sale_order",
        status=SyncAttempt.Status.SUCCESS,
        started_at=timezone.now() - timedelta(seconds=1),
        finished_at=timezone.now(),
        duration_ms=milliseconds,
    )


def test_a_quick_shop_alone_is_held_to_its_odoos_cap(shop, settings):
    # The cap is the connection's "Parallel writers" (issue 17): a merchant's setting, never exceeded by bulk
    # work however quick the Odoo looks; a batch of orders is one run, and a click may take one slot beyond.
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=1)
    _quick_history(shop, 300)
    assert isinstance(claim_to_run(queued_order(shop, _node(1)).pk), Lease)

    assert isinstance(claim_to_run(queued_order(shop, _node(2)).pk), float)
    assert isinstance(claim_to_run(queued_order(shop, _node(3)).pk, interactive=True), Lease)


@pytest.mark.parametrize("slow", ["last sync", "running sync"])
def test_a_slow_shop_is_held_to_its_cap_even_alone(shop, settings, slow):
    settings.SYNCO_SHOP_CONCURRENCY = 1
    _quick_history(shop, 30_000 if slow == "last sync" else 300)
    running = queued_order(shop, _node(1))
    assert isinstance(claim_to_run(running.pk), Lease)
    if slow == "running sync":
        Order.objects.filter(pk=running.pk).update(status_changed_at=timezone.now() - timedelta(seconds=30))

    assert isinstance(claim_to_run(queued_order(shop, _node(2)).pk), float)


def test_a_finished_run_hands_its_slot_to_the_shops_next_waiting_order(
    shop, odoo, settings, published, monkeypatch
):
    settings.SYNCO_SHOP_CONCURRENCY = 1
    first, second = queued_order(shop, _node(1)), queued_order(shop, _node(2))
    leads: list[int] = []
    monkeypatch.setattr(tasks.sync_shop_task, "apply_async", lambda args, **options: leads.append(args[0]))

    services.sync_order(first.pk)  # the order alone (the single path), holding the shop's one slot

    # Its slot goes to a shop lead, which takes the oldest waiting order (and a batch along) when it runs.
    assert leads == [shop.pk] and published == []
    batching.sync_next(shop.pk)
    second.refresh_from_db()
    assert second.sync_status == SyncStatus.SYNCED
    assert leads == [shop.pk]  # nothing waits any more: no further lead


def test_sync_tasks_have_time_limits():
    assert tasks.sync_order_task.soft_time_limit and tasks.sync_order_task.time_limit
    assert tasks.sync_order_task.soft_time_limit < tasks.sync_order_task.time_limit


def test_a_sync_stopped_at_its_time_limit_is_retried_not_failed(shop, odoo, monkeypatch, published):
    order = queued_order(shop, _node(1))

    def hang(*args: Any, **kwargs: Any) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("orders.services.write_order", hang)

    delay = sync_order(order.pk)

    order.refresh_from_db()
    assert delay is not None
    assert order.sync_status == SyncStatus.QUEUED and order.next_retry_at is not None
    assert order.lease_token == ""


# -- 11: a lease on In Progress ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_long_run_that_renews_its_lease_is_never_run_twice(shop, odoo, settings, published):
    settings.SYNCO_STUCK_SECONDS = 0  # the old watchdog re-queued anything In Progress longer than this
    settings.SYNCO_LEASE_SECONDS = 0.6
    order = queued_order(shop, _node(1))
    odoo.control(latency_ms=60)  # the run lasts well beyond the lease; it renews it on its Odoo calls
    done = threading.Event()

    def worker() -> None:
        try:
            sync_order(order.pk)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    recovered = []
    started = time.monotonic()
    while not done.is_set():
        recovered.append(recover_stuck_orders())
        time.sleep(0.05)
    thread.join()

    assert time.monotonic() - started > 2 * settings.SYNCO_LEASE_SECONDS
    assert sum(recovered) == 0
    assert published == []
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert len(_sale_orders(odoo, order)) == 1
    assert SyncAttempt.objects.filter(order=order).count() == 1


def test_an_expired_lease_is_requeued_and_its_old_worker_stops_before_writing(
    shop, odoo, settings, published
):
    order = queued_order(shop, _node(1))
    lease = claim_to_run(order.pk)
    assert isinstance(lease, Lease)
    # given: the worker stalls past its lease
    Order.objects.filter(pk=order.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    # when: the watchdog runs
    assert recover_stuck_orders() == 1

    # then: the order is queued again (and sent), and the stalled worker cannot go on
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED and order.lease_token == ""
    assert published == [(order.pk, None)]
    lease.renewed_at = 0.0
    with pytest.raises(LeaseLostError):
        lease.renew()
    assert lease.mine().update(sync_status=SyncStatus.SYNCED) == 0
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert len(_sale_orders(odoo, order)) == 1


def test_a_live_lease_is_not_requeued(shop, settings, published):
    settings.SYNCO_STUCK_SECONDS = 0
    order = queued_order(shop, _node(1))
    assert isinstance(claim_to_run(order.pk), Lease)

    assert recover_stuck_orders() == 0

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.IN_PROGRESS


# -- 12: the payment id, a deleted tax, the broker down --------------------------------------------------


def test_it_keeps_the_payment_id_when_the_answer_of_the_payment_was_lost(shop, odoo, monkeypatch):
    OrderRules.objects.filter(shop=shop).update(create_as=OrderRules.CreateAs.PAID_INVOICE)
    order = queued_order(shop, _node(1))
    real_call = OdooClient.call

    def call(client: OdooClient, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if method == "action_create_payments":
            odoo.control(drop_after_write=1)  # Odoo registers the payment, its answer never arrives
        return real_call(client, model, method, *args, **kwargs)

    monkeypatch.setattr(OdooClient, "call", call)
    assert sync_order(order.pk) is not None  # the lost answer: a retry
    monkeypatch.setattr(OdooClient, "call", real_call)

    sync_order(order.pk)

    order.refresh_from_db()
    [sale] = _sale_orders(odoo, order)
    [invoice] = odoo.execute("account.move", "read", sale["invoice_ids"], fields=["matched_payment_ids"])
    assert order.sync_status == SyncStatus.SYNCED
    assert len(invoice["matched_payment_ids"]) == 1
    assert order.odoo_payment_id == invoice["matched_payment_ids"][0]


def test_a_tax_deleted_in_odoo_is_looked_up_again_instead_of_failing_every_order(shop, odoo):
    first = queued_order(shop, _node(1))
    sync_order(first.pk)
    [old_tax] = odoo.execute("account.tax", "search", [["type_tax_use", "=", "sale"], ["amount", "=", 15]])
    # the merchant replaces the 15% tax in Odoo (Synco's per-process cache still has the old one)
    odoo.execute("account.tax", "unlink", [old_tax])
    new_tax = odoo.execute(
        "account.tax",
        "create",
        {"name": "Sales 15%", "amount": 15, "type_tax_use": "sale", "amount_type": "percent"},
    )
    second = queued_order(shop, _node(2))

    sync_order(second.pk)

    second.refresh_from_db()
    assert second.sync_status == SyncStatus.SYNCED, second.sync_error
    [sale] = _sale_orders(odoo, second)
    lines = odoo.execute("sale.order.line", "read", sale["order_line"], fields=["tax_id"])
    assert {tax for line in lines for tax in line["tax_id"]} == {new_tax}


@pytest.mark.parametrize(
    "fault",
    [
        xmlrpc.client.Fault(
            2, "Record does not exist or has been deleted.\n(Record: account.tax(1,), User: 2)"
        ),
        xmlrpc.client.Fault("warning -- MissingError\n\nRecord does not exist or has been deleted.", ""),
    ],
    ids=["xmlrpc/2", "legacy xmlrpc"],
)
def test_a_deleted_record_is_classified_as_missing(fault):
    assert isinstance(classify(fault, where="odoo"), OdooMissingRecordError)


@pytest.fixture
def broker_down(monkeypatch, unused_tcp_port) -> None:
    """The task broker refuses connections (as Redis does when it is down)."""
    url = f"redis://127.0.0.1:{unused_tcp_port}/0"
    monkeypatch.setattr(app.conf, "broker_url", url)
    monkeypatch.setattr(app.conf, "broker_write_url", url)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def test_sync_with_the_broker_down_answers_queued_and_the_watchdog_sends_it_later(
    merchant_client, shop, settings, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    order = stored_order(shop, _node(1))

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert f'value="{order.pk}"' in response.content.decode()
    # later: the broker is back, and the watchdog sends the task that was never sent
    monkeypatch.undo()
    sent: list[int] = []
    monkeypatch.setattr(tasks.sync_order_task, "apply_async", lambda args, **options: sent.append(args[0]))
    monkeypatch.setattr(tasks.sync_shop_task, "apply_async", lambda args, **options: sent.append(args[0]))
    Order.objects.filter(pk=order.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=settings.SYNCO_STUCK_SECONDS + 1)
    )
    assert recover_stuck_orders() == 1
    assert sent == [shop.pk]  # a lead for its shop (nothing of the shop is running): it takes the order


def test_bulk_sync_with_the_broker_down_answers_and_keeps_the_orders_queued(
    merchant_client, shop, broker_down, django_capture_on_commit_callbacks
):
    orders = [stored_order(shop, _node(n)) for n in range(2)]

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(
            reverse("orders:bulk_sync"),
            {"order": [str(order.pk) for order in orders]},
            HTTP_HX_REQUEST="true",
        )

    assert response.status_code == 200
    assert set(Order.objects.filter(shop=shop).values_list("sync_status", flat=True)) == {SyncStatus.QUEUED}


def test_the_same_new_order_stored_twice_at_once_is_refreshed_not_an_error(shop, monkeypatch):
    node = _node(1)
    result = OrderResult(gid=node["id"], node=node, order=parse_order(node))
    real_insert = services._insert_order

    def other_delivery_first(*args: Any) -> Order | None:
        # the other webhook's transaction stores the order between our lookup and our insert
        stored_order(shop, node)
        return real_insert(*args)

    monkeypatch.setattr(services, "_insert_order", other_delivery_first)

    outcome = store_order(shop, result)

    assert outcome == "unchanged"
    assert Order.objects.filter(shop=shop, shopify_id=result.order.id).count() == 1
