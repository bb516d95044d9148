"""Batched order writes (issue 17): many queued orders of a shop written with a handful of Odoo calls, each
order with its own documents, results and log, exactly once whatever fails."""

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerLink
from orders import batching, services, tasks
from orders.batching import sync_order
from orders.models import Order, SyncStatus
from orders.services import Lease, RunLease, claim_batch, claim_to_run, recover_stuck_orders
from refunds.models import Refund, RefundState
from shipments.models import ShipmentSettings
from synclogs.models import SyncAttempt
from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo import batch as odoo_batch
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order

pytestmark = pytest.mark.django_db


def _node(number: int, customer: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A distinct order (its own id, name and line ids), of its own customer unless told whose."""
    shopify_id = 5551000000 + number
    buyer = number if customer is None else customer
    node = order_node(
        id=f"gid://shopify/Order/{shopify_id}",
        legacyResourceId=str(shopify_id),
        name=f"#{3000 + number}",
        email=f"buyer{buyer}@example.com",
        **overrides,
    )
    node["customer"] = {
        **node["customer"],
        "id": f"gid://shopify/Customer/{8000 + buyer}",
        "legacyResourceId": str(8000 + buyer),
        "defaultEmailAddress": {"emailAddress": f"buyer{buyer}@example.com"},
    }
    for line in node["lineItems"]["nodes"]:
        line["id"] = f"{line['id']}{number:04d}"
    return node


def _queued(shop: Shop, count: int, start: int = 1) -> list[Order]:
    return [queued_order(shop, _node(n)) for n in range(start, start + count)]


def _documents(odoo, order: Order) -> dict[str, Any]:
    """What Odoo holds for the order: its sale orders, their invoices and the invoices' payments."""
    sales = odoo.execute(
        "sale.order",
        "search_read",
        [["origin", "=", order.origin]],
        fields=["name", "state", "amount_total", "invoice_ids", "date_order"],
    )
    invoice_ids = [i for sale in sales for i in sale["invoice_ids"]]
    invoices = (
        odoo.execute("account.move", "read", invoice_ids, ["state", "payment_state", "amount_total"])
        if invoice_ids
        else []
    )
    return {"sales": sales, "invoices": invoices}


def _paid_invoices(shop: Shop) -> None:
    OrderRules.objects.filter(shop=shop).update(create_as=OrderRules.CreateAs.PAID_INVOICE)


# The calls that write and read back the orders, one (or two) per step for the whole batch.
BATCH_STEPS = {
    "sale.order:load": 2,  # the orders with their lines, then their dates after confirming
    "sale.order:action_confirm": 1,
    "sale.order:web_read": 1,
    "sale.advance.payment.inv:create": 1,
    "sale.advance.payment.inv:create_invoices": 1,
    "sale.order:read": 1,  # which invoice is whose
    "account.move:load": 1,  # the invoice dates
    "account.move:action_post": 1,
    "account.payment.register:create": 1,
    "account.payment.register:action_create_payments": 1,
    "account.move:read": 1,  # which payment is whose
    "account.move:web_read": 1,
}


def _check_synced(odoo, orders: list[Order], batch_of: int) -> None:
    payment_ids = set()
    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, order.sync_error
        docs = _documents(odoo, order)
        [sale] = docs["sales"]
        assert sale["id"] == order.odoo_id and sale["state"] == "sale" and sale["name"] == order.odoo_name
        assert Decimal(str(sale["amount_total"])) == order.total_price == Decimal("61.77")
        assert sale["date_order"] == "2026-11-20 14:03:00"
        [invoice] = docs["invoices"]
        assert invoice["id"] == order.odoo_invoice_id
        assert invoice["state"] == "posted" and invoice["payment_state"] in ("paid", "in_payment")
        assert Decimal(str(invoice["amount_total"])) == Decimal("61.77")
        [attempt] = SyncAttempt.objects.filter(order=order)
        assert attempt.status == SyncAttempt.Status.SUCCESS
        assert f"Written in a batch of {batch_of} orders" in attempt.message
        assert order.odoo_payment_id is not None
        payment_ids.add(order.odoo_payment_id)
    # one payment per invoice, never grouped across orders
    assert len(payment_ids) == len(orders)
    paid = Order.objects.filter(odoo_payment_id__isnull=False).count()
    assert odoo.execute("account.payment", "search_count", []) == paid


def test_one_run_writes_fifty_orders_with_a_handful_of_calls(shop, odoo, settings):
    settings.SYNCO_SYNC_BATCH_SIZE = 50
    _paid_invoices(shop)
    orders = _queued(shop, 50)
    odoo.server.reset_stats()

    delay = sync_order(orders[0].pk)

    assert delay is None
    calls = Counter(odoo.server.stats()["calls"])
    _check_synced(odoo, orders, 50)
    # One call per step for the batch, whatever its size; new customers cost their own lookups and creations
    # (e-mail search, contact, addresses), and the first run of a process looks up taxes, products, terms.
    assert {key: calls[key] for key in BATCH_STEPS} == BATCH_STEPS
    print("50 orders, 50 new customers:", calls.total(), "calls", dict(calls))

    # The same customers order again: 50 more orders in 14 calls.
    again = [queued_order(shop, _node(n + 100, customer=n)) for n in range(1, 51)]
    odoo.server.reset_stats()
    sync_order(again[0].pk)
    calls = Counter(odoo.server.stats()["calls"])
    print("50 orders, known customers:", calls.total(), "calls", dict(calls))
    assert calls.total() <= 15, calls
    _check_synced(odoo, again, 50)


def test_a_batch_reads_synco_s_links_once_not_per_order(shop, odoo, settings):
    """Customers and products already known (a backfill after warm-up): Synco's own database work per order is
    its log entry and its status (and the refunds check), not a lookup per customer, product or location."""
    settings.SYNCO_SYNC_BATCH_SIZE = 50
    _paid_invoices(shop)
    sync_order(_queued(shop, 50)[0].pk)
    again = [queued_order(shop, _node(n + 100, customer=n)) for n in range(1, 51)]

    with CaptureQueriesContext(connection) as queries:
        sync_order(again[0].pk)

    _check_synced(odoo, again, 50)
    tables = Counter(
        table
        for query in queries.captured_queries
        for table in ("customers_customerlink", "products_productlink", "stock_")
        if table in query["sql"]
    )
    assert tables["customers_customerlink"] == 1 and tables["products_productlink"] <= 2, tables
    assert len(queries.captured_queries) <= 3 * 50 + 30, len(queries.captured_queries)


def test_the_waiting_refunds_of_a_batch_s_orders_follow_them_and_each_log_entry_is_closed(
    shop, odoo, monkeypatch, django_capture_on_commit_callbacks
):
    _paid_invoices(shop)
    orders = _queued(shop, 6)
    waiting = [
        Refund.objects.create(
            shop=shop,
            order=orders[i],
            shopify_id=900 + n,
            gid=f"gid://shopify/Refund/{900 + n}",
            created_at=timezone.now(),
        )
        for n, i in enumerate((1, 4, 4))
    ]
    Refund.objects.filter(pk=waiting[2].pk).update(state=RefundState.SYNCED)
    # Shopify ships for this shop and Synco validates Odoo's delivery at sync (Settings → Shipping): the orders
    # Shopify has shipped get the follow-up that does it; the others need none.
    ShipmentSettings.objects.create(
        shop=shop, shipper=ShipmentSettings.Shipper.SHOPIFY, validate_at_sync=True
    )
    Order.objects.filter(pk__in=[orders[2].pk, orders[5].pk]).update(fulfillment_status="FULFILLED")
    Order.objects.filter(pk=orders[3].pk).update(fulfillment_status="PARTIALLY_FULFILLED")
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(services.queue, "delay_on_commit", lambda name, *args: sent.append((name, args)))

    with django_capture_on_commit_callbacks(execute=False):
        sync_order(orders[0].pk)

    _check_synced(odoo, orders, 6)
    # together, in one task (refunds.batching)
    refunds = [(name, args) for name, args in sent if name.startswith("refunds.")]
    assert refunds == [("refunds.tasks.sync_refunds_task", (shop.pk, [waiting[0].pk, waiting[1].pk]))]
    shipments = {args for name, args in sent if name == "shipments.tasks.order_synced_task"}
    assert shipments == {(orders[2].pk,), (orders[3].pk,), (orders[5].pk,)}
    for attempt in SyncAttempt.objects.filter(order__in=orders):
        assert attempt.finished_at is not None and attempt.rpc_calls > 0 and attempt.summary


@pytest.mark.parametrize(
    ("shipper", "validate_at_sync"),
    [(None, None), ("odoo", True), ("shopify", False)],
)
def test_no_shipments_follow_up_where_synco_validates_no_delivery_at_sync(
    shop, odoo, monkeypatch, django_capture_on_commit_callbacks, shipper, validate_at_sync
):
    """Odoo ships (the default, also for a shop that never saved Settings → Shipping), or validating at sync is
    off: a fulfilled order's sync sends no follow-up task (it would find nothing to do)."""
    if shipper is not None:
        ShipmentSettings.objects.create(shop=shop, shipper=shipper, validate_at_sync=validate_at_sync)
    orders = _queued(shop, 3)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(fulfillment_status="FULFILLED")
    sent: list[str] = []
    monkeypatch.setattr(services.queue, "delay_on_commit", lambda name, *args: sent.append(name))

    with django_capture_on_commit_callbacks(execute=False):
        sync_order(orders[0].pk)  # a batch of three
        sync_order(_queued(shop, 1, start=10)[0].pk)  # and one alone

    synced = Order.objects.filter(shop=shop, sync_status=SyncStatus.SYNCED).count()
    assert synced == 4
    assert "shipments.tasks.order_synced_task" not in sent


def test_the_task_of_an_order_a_batch_took_along_is_a_single_read(shop, odoo):
    """A bulk sync sends a task per order; the batch of the first takes the others along, so their tasks find
    their order taken or done: one indexed read each, nothing written."""
    orders = _queued(shop, 3)
    sync_order(orders[0].pk)

    for order in orders[1:]:
        with CaptureQueriesContext(connection) as queries:
            assert sync_order(order.pk) is None
        assert len(queries.captured_queries) == 1
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED


def test_two_orders_of_one_new_customer_in_a_batch_make_one_contact(shop, odoo):
    _paid_invoices(shop)
    orders = [queued_order(shop, _node(n, customer=7)) for n in (1, 2, 3)]

    sync_order(orders[0].pk)

    _check_synced(odoo, orders, 3)
    found = odoo.execute("res.partner", "search_read", [["email", "=", "buyer7@example.com"]], fields=["id"])
    assert len(found) == 1
    assert CustomerLink.objects.filter(shop=shop).count() == 1


# -- one bad order --------------------------------------------------------------------------------------


def test_an_order_odoo_refuses_in_the_load_fails_alone_with_its_reason(shop, odoo, monkeypatch):
    _paid_invoices(shop)
    orders = _queued(shop, 10)
    bad = orders[6]
    real_table = batching.load_table

    def table(draft, tax_field):
        fields, rows = real_table(draft, tax_field)
        if draft.origin == bad.origin:
            rows[0][fields.index("order_line/product_uom_qty")] = "two"
        return fields, rows

    monkeypatch.setattr(batching, "load_table", table)
    odoo.server.reset_stats()

    sync_order(orders[0].pk)

    bad.refresh_from_db()
    assert bad.sync_status == SyncStatus.FAILED
    assert "'two' does not seem to be a number" in bad.sync_error
    assert _documents(odoo, bad)["sales"] == []
    good = [order for order in orders if order.pk != bad.pk]
    _check_synced(odoo, good, 9)
    # the refusal named the order: the others were loaded again at once, no splitting
    assert odoo.server.stats()["calls"]["sale.order:load"] == 3


def test_a_refused_step_is_split_until_the_bad_order_is_alone(shop, odoo, monkeypatch):
    _paid_invoices(shop)
    orders = _queued(shop, 16)
    bad = orders[11]
    real_post = odoo_batch.post_invoices
    posts: list[int] = []

    def post(client, ids):
        posts.append(len(ids))
        bad_invoice = _documents(odoo, bad)["sales"][0]["invoice_ids"][0]
        if bad_invoice in ids:
            raise PermanentGatewayError("Odoo refused: the invoice's journal is locked.")
        real_post(client, ids)

    monkeypatch.setattr(odoo_batch, "post_invoices", post)

    sync_order(orders[0].pk)

    bad.refresh_from_db()
    assert bad.sync_status == SyncStatus.FAILED
    assert bad.sync_error == "Odoo refused: the invoice's journal is locked."
    _check_synced(odoo, [order for order in orders if order.pk != bad.pk], 15)
    # 16 refused, then halves down to the bad order (the twelfth): 8 posted, 8 refused; 4 refused, 2 posted,
    # 2 refused, 1 posted, 1 refused; 4 posted
    assert posts == [16, 8, 8, 4, 2, 2, 1, 1, 4]
    # its sale order and draft invoice stay in Odoo; Retry finds them (not a first attempt) and finishes
    monkeypatch.setattr(odoo_batch, "post_invoices", real_post)
    Order.objects.filter(pk=bad.pk).update(sync_status=SyncStatus.QUEUED)
    sync_order(bad.pk)
    bad.refresh_from_db()
    assert bad.sync_status == SyncStatus.SYNCED
    [sale] = _documents(odoo, bad)["sales"]
    assert len(sale["invoice_ids"]) == 1


# -- exactly once when Odoo fails mid-batch ---------------------------------------------------------------


def _drain(orders: list[Order]) -> None:
    """Run every order's retries (the tasks the broker would send) until none is queued."""
    for _ in range(6):
        queued = Order.objects.filter(pk__in=[o.pk for o in orders], sync_status=SyncStatus.QUEUED)
        if not queued.exists():
            return
        queued.update(next_retry_at=None)
        for pk in queued.values_list("pk", flat=True):
            sync_order(pk)


def _exactly_once(odoo, orders: list[Order]) -> None:
    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, (order.name, order.sync_error)
        docs = _documents(odoo, order)
        [sale] = docs["sales"]
        assert sale["state"] == "sale" and sale["id"] == order.odoo_id
        [invoice] = docs["invoices"]
        assert invoice["state"] == "posted" and invoice["payment_state"] in ("paid", "in_payment")
        assert invoice["id"] == order.odoo_invoice_id and order.odoo_payment_id
    assert odoo.execute("account.payment", "search_count", []) == len(orders)
    assert odoo.execute("account.move", "search_count", [["move_type", "=", "out_invoice"]]) == len(orders)


@pytest.mark.parametrize(
    "step",
    ["load_many", "confirm_orders", "invoice_orders", "date_invoices", "post_invoices", "pay_invoices"],
)
def test_an_answer_lost_after_a_batch_step_retries_every_order_exactly_once(shop, odoo, monkeypatch, step):
    _paid_invoices(shop)
    orders = _queued(shop, 8)
    real = getattr(odoo_batch, step)

    def lost(*args, **kwargs):
        real(*args, **kwargs)  # Odoo did it ...
        raise TransientGatewayError("Odoo's answer was lost.")  # ... but Synco never heard

    monkeypatch.setattr(odoo_batch, step, lost)
    sync_order(orders[0].pk)
    monkeypatch.setattr(odoo_batch, step, real)

    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.QUEUED and order.sync_attempts == 1
        assert order.sync_error == "Odoo's answer was lost." and order.lease_token == ""
    _drain(orders)
    _exactly_once(odoo, orders)


@pytest.mark.parametrize("fault", ["drop_after_write", "fail_next"])
def test_odoo_dropping_or_failing_a_batch_call_loses_and_doubles_nothing(shop, odoo, fault):
    _paid_invoices(shop)
    # known customers and lookups: the batch's first write is the sale orders' load
    sync_order(queued_order(shop, _node(99, customer=1)).pk)
    orders = [queued_order(shop, _node(n, customer=1)) for n in range(1, 9)]
    odoo.control(**{fault: 1})

    sync_order(orders[0].pk)

    assert Order.objects.filter(pk__in=[o.pk for o in orders], sync_status=SyncStatus.QUEUED).count() == 8
    _drain(orders)
    _exactly_once(odoo, [*orders, Order.objects.get(name="#3099")])


def test_a_lease_lost_mid_batch_stops_the_run_and_the_orders_are_written_once(
    shop, odoo, settings, monkeypatch
):
    settings.SYNCO_LEASE_SECONDS = 0.0  # every Odoo call renews the run's leases
    _paid_invoices(shop)
    orders = _queued(shop, 6)
    real_confirm = odoo_batch.confirm_orders

    def stalled(client, ids):
        real_confirm(client, ids)
        # the worker stalled past its leases: the watchdog gives the orders to another worker
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(lease_until=timezone.now())
        assert recover_stuck_orders() == 6

    monkeypatch.setattr(odoo_batch, "confirm_orders", stalled)
    settings.SYNCO_LEASE_SECONDS = 0.0
    sync_order(orders[0].pk)
    monkeypatch.setattr(odoo_batch, "confirm_orders", real_confirm)

    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.QUEUED and order.odoo_id is None
        [attempt] = SyncAttempt.objects.filter(order=order)
        assert attempt.message == batching.STOPPED_MESSAGE
    settings.SYNCO_LEASE_SECONDS = 90.0
    _drain(orders)
    _exactly_once(odoo, orders)


# -- claiming and concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_once_never_share_an_order(shop, settings):
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=4)
    orders = _queued(shop, 40)
    barrier = threading.Barrier(3)
    runs: list[RunLease] = []

    def worker(lead: Order) -> None:
        try:
            barrier.wait()
            lease = claim_to_run(lead.pk)
            if isinstance(lease, Lease):  # else another worker's batch took this order first
                runs.append(claim_batch(lease, 20))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(orders[n],)) for n in (0, 10, 20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    claimed = [pk for run in runs for pk in run.order_ids]
    assert len(claimed) == len(set(claimed)) >= 20  # nobody's order in two runs
    for run in runs:
        tokens = set(Order.objects.filter(pk__in=run.order_ids).values_list("lease_token", flat=True))
        assert tokens == {run.token}
        assert len(run.order_ids) <= 20
    assert Order.objects.filter(sync_status=SyncStatus.IN_PROGRESS).count() == len(claimed)


def test_a_batch_takes_only_first_attempts_of_its_shop(shop, odoo):
    orders = _queued(shop, 5)
    Order.objects.filter(pk=orders[1].pk).update(sync_attempts=1)  # a retry
    Order.objects.filter(pk=orders[2].pk).update(risk_reason="Shopify rates this order high risk.")
    SyncAttempt.objects.create(
        shop=shop, order=orders[3], operation="create_sale_order", started_at=timezone.now()
    )
    lease = claim_to_run(orders[0].pk)
    assert isinstance(lease, Lease)

    run = claim_batch(lease, 50)

    assert run.order_ids == [orders[0].pk, orders[4].pk]


def _shop_on_same_odoo(odoo, domain: str, url: str | None = None) -> Shop:
    other = Shop.objects.create(domain=domain, name=domain, access_token="shpat_x")
    OdooConnection.objects.create(
        shop=other,
        url=url or f"http://127.0.0.1:{odoo.port}",
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=ODOO_PASSWORD,
        max_concurrency=2,
    )
    OrderRules.objects.create(shop=other)
    return other


def test_the_cap_counts_runs_on_one_odoo_across_shops_and_a_click_takes_one_more(shop, odoo):
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=2)
    second_shop = _shop_on_same_odoo(odoo, "second.myshopify.com")
    elsewhere = _shop_on_same_odoo(odoo, "third.myshopify.com", url=f"http://localhost:{odoo.port}")
    batch = _queued(shop, 10)
    theirs = [queued_order(second_shop, _node(n)) for n in (50, 51, 52)]

    # a batch of ten orders is one run; the other shop's run is the second on this Odoo
    lease = claim_to_run(batch[0].pk)
    assert isinstance(lease, Lease) and len(claim_batch(lease, 10).order_ids) == 10
    assert isinstance(claim_to_run(theirs[0].pk), Lease)

    # the Odoo is full: bulk work waits, a click takes the one slot beyond, then the click after it waits too
    assert isinstance(claim_to_run(theirs[1].pk), float)
    assert isinstance(claim_to_run(theirs[1].pk, interactive=True), Lease)
    assert isinstance(claim_to_run(theirs[2].pk, interactive=True), float)
    # another Odoo (another URL) is not held by these
    assert isinstance(claim_to_run(queued_order(elsewhere, _node(60)).pk), Lease)


def test_a_click_during_a_batch_runs_at_once(shop, odoo, settings):
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=1)
    batch = _queued(shop, 10)
    lease = claim_to_run(batch[0].pk)
    assert isinstance(lease, Lease) and len(claim_batch(lease, 10).order_ids) == 10
    clicked = queued_order(shop, _node(70))

    assert isinstance(sync_order(queued_order(shop, _node(71)).pk), float)  # bulk: waits for the batch
    assert sync_order(clicked.pk, interactive=True) is None

    clicked.refresh_from_db()
    assert clicked.sync_status == SyncStatus.SYNCED
    [attempt] = SyncAttempt.objects.filter(order=clicked)
    assert "batch" not in attempt.message  # alone, never batched


def test_a_click_and_a_webhook_go_to_the_interactive_queue_bulk_work_to_bulk(
    shop, merchant_client, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[tuple[int, dict[str, Any]]] = []
    leads: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        tasks.sync_order_task, "apply_async", lambda args, **options: sent.append((args[0], options))
    )
    monkeypatch.setattr(
        tasks.sync_shop_task, "apply_async", lambda args, **options: leads.append((args[0], options))
    )
    clicked = stored_order(shop, _node(1))
    swept = stored_order(shop, _node(2))
    with django_capture_on_commit_callbacks(execute=True):
        merchant_client.post(reverse("orders:sync", args=[clicked.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        services.bulk_sync(shop, [swept.pk])

    # The click: the order's own task on 'interactive'; bulk work: a shop lead on 'bulk' (it takes the order).
    assert sent == [(clicked.pk, {"queue": "interactive", "kwargs": {"interactive": True}})]
    assert leads == [(shop.pk, {"queue": "bulk"})]


def test_a_webhooks_order_goes_to_the_interactive_queue_an_imports_to_bulk(
    shop, shopify, monkeypatch, django_capture_on_commit_callbacks
):
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    OrderRules.objects.filter(shop=shop).update(auto_sync=True, exclude_test_orders=False)
    sent: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        tasks.sync_order_task, "apply_async", lambda args, **options: sent.append((args[0], options))
    )
    first, second = shopify.server.store.orders(shop.domain)[:2]

    with django_capture_on_commit_callbacks(execute=True):
        services.import_order(shop.pk, f"gid://shopify/Order/{first['id']}")  # what the webhooks call
    with django_capture_on_commit_callbacks(execute=True):
        services.import_order(shop.pk, f"gid://shopify/Order/{second['id']}", queue_name=services.BULK)

    by_order = {Order.objects.get(pk=pk).shopify_id: options for pk, options in sent}
    assert by_order[int(first["id"])] == {"queue": "interactive", "kwargs": {"interactive": True}}
    assert by_order[int(second["id"])] == {"queue": "bulk"}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_bulk_sync_through_a_real_worker_is_written_as_one_batch(shop, odoo, redis_worker):
    _paid_invoices(shop)
    orders = [stored_order(shop, _node(n)) for n in range(1, 21)]

    with transaction.atomic():  # every task is sent once all twenty are queued
        batch = services.bulk_sync(shop, [order.pk for order in orders])
    assert batch.total == 20

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and services.batch_progress(batch)["done"] < 20:
        redis_worker.assert_alive()
        time.sleep(0.3)
    assert services.batch_progress(batch)["done"] == 20, redis_worker.log()[-4000:]
    _check_synced(odoo, orders, 20)


def test_the_odoo_settings_page_sets_the_parallel_writers(merchant_client, shop, odoo):
    form = {
        "url": f"http://127.0.0.1:{odoo.port}",
        "database": ODOO_DB,
        "login": ODOO_LOGIN,
        "secret": "",
        "protocol": "auto",
    }
    page = merchant_client.get(reverse("settings:odoo")).content.decode()
    assert 'name="max_concurrency"' in page
    assert "Parallel writers Synco may run against this Odoo" in page

    assert merchant_client.post(reverse("settings:odoo"), {**form, "max_concurrency": "4"}).status_code == 200
    assert OdooConnection.objects.get(shop=shop).max_concurrency == 4
    refused = merchant_client.post(reverse("settings:odoo"), {**form, "max_concurrency": "17"})
    assert refused.status_code == 422
    assert OdooConnection.objects.get(shop=shop).max_concurrency == 4
    # left out of a post (an older page): kept
    assert merchant_client.post(reverse("settings:odoo"), form).status_code == 200
    assert OdooConnection.objects.get(shop=shop).max_concurrency == 4


@pytest.mark.parametrize("step", ["invoice_orders", "pay_invoices"])
def test_a_wizard_refused_after_odoo_wrote_makes_nothing_twice(shop, odoo, monkeypatch, step):
    """A wizard ran, then reading what it made was refused (e.g. Odoo grouped two orders): the batch reads
    Odoo's state, keeps what was made and runs the step again only for the orders still without it."""
    _paid_invoices(shop)
    orders = _queued(shop, 8)
    real = getattr(odoo_batch, step)
    calls: list[int] = []

    def written_then_refused(client, ids, *args):
        calls.append(len(ids))
        real(client, ids[:5], *args)  # Odoo made the first five's documents ...
        raise PermanentGatewayError("Odoo made one document for two orders: they were grouped.")  # ... then

    monkeypatch.setattr(odoo_batch, step, written_then_refused)
    sync_order(orders[0].pk)

    # the first five were settled from Odoo's state; the other three, split in halves, ran again (and were
    # settled the same way)
    assert calls == [8, 1, 2]
    _exactly_once(odoo, orders)


def test_a_run_out_of_time_hands_the_orders_it_did_not_start_back_to_the_queue(
    shop, odoo, settings, monkeypatch
):
    settings.SYNCO_SYNC_SOFT_TIME_LIMIT = 0  # the budget for starting orders is over at once
    sent: list[tuple[int, float | None]] = []
    monkeypatch.setattr(
        tasks.sync_order_task,
        "apply_async",
        lambda args, countdown=None, **options: sent.append((args[0], countdown)),
    )
    orders = _queued(shop, 5)

    assert sync_order(orders[0].pk) is None

    # the run still wrote its first order (it always moves on), and sent the others' tasks again at once
    lead = Order.objects.get(pk=orders[0].pk)
    assert lead.sync_status == SyncStatus.SYNCED
    for order in orders[1:]:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.QUEUED and order.sync_attempts == 0 and order.lease_token == ""
        assert not SyncAttempt.objects.filter(
            order=order
        ).exists()  # still a first attempt: batched next time
    assert {(order.pk, 0.0) for order in orders[1:]} <= set(sent)


def test_a_waiting_order_the_batches_leave_out_never_gathers_copies_of_its_task(shop, odoo, monkeypatch):
    """bench/backfill.py (5,000 orders, cap 1): an order no batch takes (here a risk hold) whose task always
    found the slot taken gathered 431 copies of it: each run's hand-over sent it once more, and every copy,
    deferred, sent itself again. Only the newest task of a waiting order goes on; the older ones stop."""
    OdooConnection.objects.filter(shop=shop).update(max_concurrency=1)
    held = queued_order(shop, _node(1))
    Order.objects.filter(pk=held.pk).update(risk_reason="High risk of fraud")  # never batchable
    sent: list[tuple[int, str]] = []  # the broker: (order, task id) still to deliver

    def apply_async(args: tuple[int], **options: Any) -> None:
        sent.append((args[0], options.get("task_id") or f"copy-{len(sent)}"))

    monkeypatch.setattr(tasks.sync_order_task, "apply_async", apply_async)

    def deliver() -> None:
        """Every message due for the held order, run by the real task body (a deferral sends it again)."""
        due = [message for message in sent if message[0] == held.pk]
        sent[:] = [message for message in sent if message[0] != held.pk]
        for order_id, task_id in due:
            tasks.sync_order_task.apply(args=(order_id,), task_id=task_id)

    services.publish_sync(held.pk)
    for run in range(5):
        # A batch run holds the Odoo's one slot while the held order's tasks arrive: deferred.
        lease = claim_to_run(queued_order(shop, _node(100 + run)).pk)
        assert isinstance(lease, Lease)
        deliver()
        # The run ends (its order done): its hand-over sends the oldest waiting order, the held one.
        lease.mine().update(sync_status=SyncStatus.SYNCED, lease_until=None, lease_token="")
        services.hand_over_slot(shop.pk)

    live = [message for message in sent if message[0] == held.pk]
    assert len(live) <= 2  # the deferred one (stops when it comes) and the hand-over's; not one per run
    deliver()  # the slot is free: the held order runs now, alone, once
    held.refresh_from_db()
    assert held.sync_status in (SyncStatus.SYNCED, SyncStatus.NEEDS_REVIEW)
    assert not [message for message in sent if message[0] == held.pk]
    assert SyncAttempt.objects.filter(order=held).count() == 1
