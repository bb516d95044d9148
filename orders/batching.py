"""Batched order writes: many queued orders of one shop written into Odoo with a handful of calls in all.

A bulk sync task (orders/tasks.py) runs `sync_order`: it claims its order as the single path does, takes up to
SYNCO_SYNC_BATCH_SIZE - 1 more queued first-attempt orders of the shop under the same lease token
(services.claim_batch) and writes them together, step by step, each step ONE call (or two) for the whole batch
(synco/odoo/batch.py): the drafts (lookups cached per client), one `load` of every sale order with its lines
(external ids on everything, as one at a time), one write of the lines to untax, one `action_confirm`, one
`load` restoring the order dates and one read of the orders; then one invoicing wizard (one invoice per
order), one `load` of the invoice dates, one `action_post`, one payment wizard per (journal, payment date)
(one payment per invoice) and one read of the invoices. Each order keeps its own results, sync log entry,
status and follow-ups (services._record_success), exactly as when written alone.

An Odoo call is one transaction. A refused step is split in halves, recursively, until the order Odoo refuses
is alone: it fails with its own reason, the others go on (a refused `load` names its records: those are set
aside at once). A transient failure, a lost answer or the time limit puts every unfinished order back to the
queue as a retry (services._retry_or_fail, the circuit breaker counting the batch's failure once): a retry is
not a first attempt, so it runs alone through write_order, which finds through the external ids what was
written — each order is written exactly once. Orders whose figures Odoo's arithmetic does not predict to the
cent (they need the totals check before confirming, or a rounding line) are written one by one after the
batch, in the same run.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.services import forget_missing_contacts
from orders import services
from orders.dates import AccountingDates, accounting_dates, shop_zone
from orders.documents import (
    PAID_STATUSES,
    Lookups,
    WriteResult,
    _accepts,
    _compare,
    _held,
    _totals,
    _with_warehouse,
    build_draft,
)
from orders.edits import has_edits, refunds_known, schedule_edit, with_edits
from orders.mapping import (
    XMLID_MODULE,
    MappingError,
    SaleOrderDraft,
    lines_to_untax,
    load_table,
    odoo_datetime,
)
from orders.models import Order, SyncStatus
from products.services import products_with_default_taxes
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempts
from synco import circuit
from synco.crypto import DecryptionError
from synco.errors import GatewayError, PermanentGatewayError, TransientGatewayError
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from synco.odoo import batch as odoo_batch
from synco.odoo.cache import forget
from synco.odoo.client import OdooClient
from synco.odoo.errors import OdooMissingRecordError
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order

logger = logging.getLogger(__name__)

# A run starts no new order (a draft, or one written alone after the batch) past this share of the task's soft
# time limit: the orders not started go back to the queue at once (no attempt used) and another run takes them.
START_BUDGET_SHARE = 0.5

# The delay of an order handed back unstarted: its task is sent again at once.
HANDED_BACK = 0.0

STOPPED_MESSAGE = "Stopped: this run took too long and another worker took the order over."


# Each shop's pace in this worker process: the seconds its Odoo took per order in the slowest call of its last
# batches (a moving average). A batch is sized so that its slowest call lasts about SYNCO_BATCH_CALL_SECONDS while
# a merchant clicks on the same Odoo (an Odoo call is one transaction, and a long one holds the locks - a
# journal's numbering, stock - that the click waits for), SYNCO_BATCH_CALL_SECONDS_IDLE when nobody has for
# SYNCO_CLICK_WINDOW_SECONDS. A fast Odoo gets full batches (SYNCO_SYNC_BATCH_SIZE).
_PACE: dict[int, float] = {}
MIN_BATCH = 5


def batch_size(shop_id: int) -> int:
    """How many orders the shop's next batch takes (1: batching is off)."""
    size = settings.SYNCO_SYNC_BATCH_SIZE
    pace = _PACE.get(shop_id)
    if size <= 1 or not pace:
        return size
    seconds = (
        settings.SYNCO_BATCH_CALL_SECONDS
        if services.clicked_recently(services.server_shops(shop_id))
        else settings.SYNCO_BATCH_CALL_SECONDS_IDLE
    )
    return max(min(size, MIN_BATCH), min(size, int(seconds / pace)))


def learn_pace(shop_id: int, seconds_per_order: float) -> None:
    previous = _PACE.get(shop_id)
    _PACE[shop_id] = seconds_per_order if previous is None else (previous + seconds_per_order) / 2


# How often a batch looks whether a click waits for its Odoo (a query), and how often it looks again meanwhile.
YIELD_CHECK_SECONDS = 0.1
YIELD_POLL_SECONDS = 0.05


class ClickYield:
    """Before each Odoo call of a batch: while a merchant's click (or a webhook's sync) on the same Odoo server is
    being written, wait (up to SYNCO_YIELD_SECONDS each time). An Odoo call is one transaction holding locks (a
    journal's numbering, stock) and the server's workers; a click then waits for the one call in flight, not for
    the rest of the batch. Returns nothing; `waited` says how long it paused in all."""

    def __init__(self, shop_id: int) -> None:
        self.shops = services.server_shops(shop_id)
        self.checked = 0.0
        self.waited = 0.0

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.checked < YIELD_CHECK_SECONDS:
            return
        until = now + settings.SYNCO_YIELD_SECONDS
        while services.interactive_running(self.shops) and time.monotonic() < until:
            time.sleep(YIELD_POLL_SECONDS)
        self.checked = time.monotonic()
        self.waited += self.checked - now


def sync_order(order_id: int, task_id: str = "", *, interactive: bool = False) -> float | None:
    """The sync task's entry: the order alone (interactive, a retry, batching off, nothing else waiting), or
    the order and other queued orders of its shop as one batch. Returns the order's retry delay; the others'
    retries are sent from here."""
    claim = services.claim_order(order_id, interactive=interactive, task_id=task_id)
    if not isinstance(claim, services.Lease):
        return claim
    try:
        run = services.claim_batch(claim, 1 if interactive else batch_size(claim.shop_id))
        if len(run.order_ids) == 1:
            return services._run(claim, task_id)
        delays = run_batch(run, task_id)
        for pk, delay in delays.items():
            if pk != order_id and delay is not None:
                services.publish_sync(pk, countdown=delay)
        return delays.get(order_id)
    finally:
        services.hand_over_slot(claim.shop_id)


def sync_next(shop_id: int, task_id: str = "") -> int:
    """A shop lead's run (orders.tasks.sync_shop_task): the shop's oldest waiting order, with a batch of the
    others along when it is a first attempt, under the Odoo server's cap; retries are sent from here. It takes
    the next batch itself for up to SYNCO_LEAD_SECONDS, then hands over to a new lead (hand_over_slot), so other
    shops' leads and the follow-ups its orders sent get their turn; that is how a bulk sync's orders drain.
    Returns how many runs it made."""
    runs = 0
    ends = time.monotonic() + settings.SYNCO_LEAD_SECONDS
    try:
        while True:
            claim = services.claim_next(shop_id)
            if claim is None:
                # Nothing waits, the shop is paused, or its Odoo is at its cap: the runs there hand over.
                return runs
            runs += 1
            run = services.claim_batch(claim, batch_size(shop_id))
            if len(run.order_ids) == 1:
                delays = {claim.order_id: services._run(claim, task_id)}
            else:
                delays = run_batch(run, task_id)
            for pk, delay in delays.items():
                if delay is not None:
                    services.publish_sync(pk, countdown=delay)
            if time.monotonic() > ends or circuit.open_until(shop_id) is not None:
                return runs
    finally:
        if runs:
            services.hand_over_slot(shop_id)


@dataclass
class _Item:
    """One order of the batch, as it goes through the steps."""

    order: Order
    lease: services.Lease
    record: SyncAttempt
    parsed: ShopifyOrder | None = None
    written: Any = (
        None  # the ShopifyOrder written: as edited when its refunds tell edits apart (as _run does)
    )
    as_edited: bool = False
    draft: SaleOrderDraft | None = None
    sale_id: int | None = None
    result: WriteResult | None = None
    invoice_id: int | None = None
    dates: AccountingDates | None = None
    notes: list[str] = field(default_factory=list)


class _Batch:
    def __init__(self, run: services.RunLease, shop: Shop, rules: OrderRules, task_id: str) -> None:
        self.run = run
        self.shop = shop
        self.rules = rules
        self.task_id = task_id
        self.started = time.monotonic()
        self.deadline = self.started + settings.SYNCO_SYNC_SOFT_TIME_LIMIT * START_BUDGET_SHARE
        self.items: list[_Item] = []
        self.delays: dict[int, float | None] = {}
        self.client: OdooClient | None = None
        self.batch_calls = 0
        self.batch_size = 0
        # Orders written alone after the batch, in this run (their figures are not predicted, or a cached record
        # they name is gone: write_order looks everything up again).
        self.later: list[_Item] = []
        # The slowest call of the batch, in seconds per order it wrote (the shop's pace: batch_size).
        self.slowest = 0.0
        self.yielding: ClickYield | None = None

    # -- per-order endings ----------------------------------------------------------------------

    def _finish(self, item: _Item) -> None:
        self.run.done(item.order.pk)
        self.delays.setdefault(item.order.pk, None)

    def _paused(self) -> float:
        return self.yielding.waited if self.yielding is not None else 0.0

    def _timed(self, started: float, orders: int, paused: float = 0.0) -> None:
        """A call's time per order, from calls on enough orders that Odoo's work outweighs the round trip; the
        time it paused for clicks (since `paused` was read) is not Odoo's."""
        if orders >= MIN_BATCH:
            spent = time.monotonic() - started - (self._paused() - paused)
            self.slowest = max(self.slowest, spent / orders)

    def _out_of_time(self) -> bool:
        """Past the run's budget for starting orders, once one order at least got its turn (a run always moves
        on: never everything handed back)."""
        progressed = any(delay != HANDED_BACK for delay in self.delays.values())
        return time.monotonic() > self.deadline and progressed

    @property
    def unfinished(self) -> list[_Item]:
        return [item for item in self.items if item.order.pk in self.run.held]

    def share(self) -> int:
        """An order's share of the batch's Odoo calls, rounded up."""
        calls = self.client.rpc_calls if self.client else 0
        return math.ceil(calls / max(len(self.items), 1))

    def fail(self, item: _Item, message: str) -> None:
        services._fail(item.lease, item.order, item.record, message, self.client, rpc_calls=self.share())
        self._finish(item)

    def succeed(self, items: list[_Item]) -> None:
        """Record the written orders: each its status, documents, log entry and follow-ups, as one at a time,
        but in ONE transaction (all recorded or none: unrecorded, they stay leased and a retry finds them in
        Odoo), the waiting refunds found with one query."""
        from refunds.models import Refund, RefundState
        from refunds.services import queue_refunds

        calls = math.ceil(self.batch_calls / max(self.batch_size, 1))
        validates = services.validates_deliveries_at_sync(self.shop.pk)
        with transaction.atomic():
            follow: list[int] = []
            for item in items:
                assert item.result is not None
                item.result.notes.append(
                    f"Written in a batch of {self.batch_size} orders ({self.batch_calls} Odoo calls)."
                )
                if services._record_success(
                    item.lease,
                    item.record,
                    item.result,
                    calls,
                    batched=True,
                    fulfillment_status=item.order.fulfillment_status,
                    validates_deliveries=validates,
                ):
                    follow.append(item.order.pk)
            # Refunds that waited for their order follow it into Odoo (services.queue_order_refunds, at once
            # for the batch: read after the statuses, as one at a time), written together (refunds.batching).
            queue_refunds(
                self.shop.pk,
                list(
                    Refund.objects.filter(order_id__in=follow, state=RefundState.PENDING)
                    .order_by("order_id", "created_at", "id")
                    .values_list("pk", flat=True)
                ),
            )
        for item in items:
            self._finish(item)
            if item.parsed is not None and not item.as_edited and has_edits(item.parsed):
                # Written as Shopify first took it; the edits made since follow (applied, or proposed).
                schedule_edit(item.order.pk)

    def hand_back(self, item: _Item) -> None:
        """Not started: back to the queue as it was (no attempt used, no log entry), sent again at once."""
        item.lease.mine().update(
            sync_status=SyncStatus.QUEUED,
            next_retry_at=None,
            status_changed_at=timezone.now(),
            **services._RELEASED,
        )
        item.record.delete()
        self.run.done(item.order.pk)
        self.delays[item.order.pk] = HANDED_BACK

    def retry_all(self, message: str) -> None:
        """A transient failure: every unfinished order is retried (alone, finding what was written)."""
        pending = self.unfinished
        if not pending:
            return
        reopens_at = circuit.record_failure(self.shop.pk, message)
        share = self.share()
        for item in pending:
            self.delays[item.order.pk] = services._retry_or_fail(
                item.lease,
                item.order,
                item.record,
                message,
                self.client,
                rpc_calls=share,
                reopens_at=reopens_at,
            )
            self.run.done(item.order.pk)

    def stop_all(self) -> None:
        """The lease was lost: another worker runs these orders now; only the log entries are closed."""
        share = self.share()
        for item in self.unfinished:
            finish_attempt(item.record, succeeded=False, message=STOPPED_MESSAGE, rpc_calls=share)
            self.run.done(item.order.pk)
            self.delays[item.order.pk] = None

    # -- the run ----------------------------------------------------------------------------------

    def start(self, orders: list[Order]) -> None:
        """A log entry per order (one insert for the batch), as a single order's run starts one."""
        records = start_attempts(
            shop_id=self.shop.pk,
            operation="create_sale_order",
            task_id=self.task_id,
            orders=[(order.pk, order.name, order.sync_attempts + 1) for order in orders],
        )
        for order, record in zip(orders, records, strict=True):
            self.items.append(_Item(order, self.run.lease(order.pk), record))

    def write(self) -> None:
        """Drafts, then the batch's steps, then the orders to write alone; failures end the orders they hit."""
        self.client = client = odoo_client_for(self.shop)
        self.yielding = yield_to_clicks = ClickYield(self.shop.pk)

        def before_call() -> None:
            yield_to_clicks()
            self.run.renew()

        client.before_call = before_call
        self._drafts()
        batch = [item for item in self.unfinished if item not in self.later]
        self.batch_size = len(batch)
        if batch:
            self._write_batch(batch)
        services._odoo_answered(self.shop.pk, client)
        for item in self.later:
            if item.order.pk not in self.run.held:
                continue
            if self._out_of_time():
                self.hand_back(item)
                continue
            # Its own log entry and client, as a single order's run; the run's leases are renewed meanwhile.
            item.record.delete()
            self.delays[item.order.pk] = services._run(item.lease, self.task_id, renew=self.run.renew)
            self.run.done(item.order.pk)
            self.run.renew()

    def _drafts(self) -> None:
        """Map every order (lookups and creations of partners, products, taxes, cached per client); the orders
        whose figures Odoo's arithmetic does not predict to the cent, or whose cached records are gone, are
        to be written alone."""
        assert self.client is not None
        parsed: list[_Item] = []
        for item in self.items:
            try:
                item.parsed = parse_order(item.order.payload)
                item.as_edited = refunds_known(item.parsed)
                item.written = with_edits(item.parsed) if item.as_edited else item.parsed
            except (MappingError, OrderParseError) as exc:
                self.fail(item, str(exc))
                continue
            parsed.append(item)
        # Synco's links (customers, products, locations) of the whole batch in a few queries, not per order.
        lookups = Lookups.read(self.shop, self.rules, [item.written for item in parsed])
        for item in parsed:
            if item is not self.items[0] and time.monotonic() > self.deadline:
                self.hand_back(item)
                continue
            try:
                item.draft = build_draft(self.client, self.shop, self.rules, item.written, lookups=lookups)
            except OdooMissingRecordError:
                forget(self.client)
                self.later.append(item)
                continue
            except TransientGatewayError:
                raise
            except (GatewayError, MappingError, OrderParseError) as exc:
                self.fail(item, str(exc))
                continue
            expected = (item.draft.expected_total, item.draft.expected_tax)
            if expected != (item.written.total, item.written.total_tax):
                self.later.append(item)

    def _write_batch(self, items: list[_Item]) -> None:
        assert self.client is not None
        client, rules = self.client, self.rules
        items = self._load(items)
        items = self._untax(items)
        if rules.confirms:
            items = self._bisect(items, lambda group: odoo_batch.confirm_orders(client, _sale_ids(group)))
            items = self._bisect(
                items,
                lambda group: odoo_batch.restore_order_dates(
                    client,
                    {
                        item.sale_id: odoo_datetime(item.written.created_at)
                        for item in group
                        if item.sale_id is not None
                    },
                ),
            )
        sales: dict[int, Any] = {}
        items = self._bisect(
            items, lambda group: sales.update(odoo_batch.read_orders(client, _sale_ids(group)))
        )
        invoiced: list[_Item] = []
        for item in items:
            assert item.sale_id is not None
            sale = sales[item.sale_id]
            result = _with_warehouse(WriteResult(sale, True, _totals(sale, item.written, rules)), item.draft)
            item.result = result
            if not result.totals.matches and not _accepts(rules, result.totals):
                # Odoo computed otherwise than predicted: confirmed, but neither invoiced nor paid.
                item.result = _held(result, item.draft)
                continue
            result.taxes = item.draft.taxes if item.draft else ()
            result.lines = _compare(item.draft, sale)
            invoiced.append(item)
        if rules.invoices:
            self._invoice(invoiced)
        written = [item for item in items if item.order.pk in self.run.held and item.result is not None]
        self.batch_calls, self.batch_size = client.rpc_calls, len(written)
        if written:
            self.succeed(written)

    # -- steps --------------------------------------------------------------------------------------

    def _bisect(
        self,
        items: list[_Item],
        step: Callable[[list[_Item]], None],
        settle: Callable[[list[_Item]], list[_Item]] | None = None,
    ) -> list[_Item]:
        """Run the step on the orders; refused, on each half, until the order Odoo refuses is alone (it fails
        with Odoo's reason). Returns the orders the step went through for.

        A step of several calls (a wizard, then reading what it made) may be refused after Odoo wrote: its
        `settle` reads Odoo's state first, keeps what was made (as a retry alone would) and returns only the
        orders still without it; those alone are run again, so nothing is made twice."""
        items = [item for item in items if item.order.pk in self.run.held]
        if not items:
            return []
        try:
            started, paused = time.monotonic(), self._paused()
            step(items)
            self._timed(started, len(items), paused)
        except PermanentGatewayError as exc:
            pending = settle(items) if settle is not None else items
            done = [item for item in items if item not in pending]
            if not pending:
                return done
            if len(pending) == 1:
                self.fail(pending[0], exc.message)
                return done
            half = len(pending) // 2
            return (
                done + self._bisect(pending[:half], step, settle) + self._bisect(pending[half:], step, settle)
            )
        return items

    def _settle_invoices(self, items: list[_Item]) -> list[_Item]:
        """After a refused invoicing: the orders Odoo invoiced all the same keep their invoice (its newest)."""
        assert self.client is not None
        sales = odoo_batch.read_orders(self.client, _sale_ids(items))
        pending = []
        for item in items:
            sale = sales.get(item.sale_id) if item.sale_id is not None else None
            if sale is not None and sale.invoice_ids:
                item.invoice_id = max(sale.invoice_ids)
            else:
                pending.append(item)
        return pending

    def _settle_payments(self, items: list[_Item]) -> list[_Item]:
        """After a refused payment: the invoices Odoo paid all the same keep their payment (never a second)."""
        assert self.client is not None
        invoices = odoo_batch.read_invoices(self.client, _invoice_ids(items))
        pending = []
        for item in items:
            invoice = invoices.get(item.invoice_id) if item.invoice_id is not None else None
            if invoice is not None and invoice.is_paid and item.result is not None:
                item.result.payment_id = max(invoice.payment_ids) if invoice.payment_ids else None
            else:
                pending.append(item)
        return pending

    def _load(self, items: list[_Item]) -> list[_Item]:
        """One `load` of the sale orders (per set of columns: an order without a warehouse leaves Odoo its
        default). A refusal names its records: those fail with Odoo's reason, the rest is loaded again; a record
        Odoo no longer has (a stale cache) sends the orders it names to be written alone."""
        assert self.client is not None
        tax_field = self.client.sale_line_tax_field
        groups: dict[tuple[str, ...], list[tuple[_Item, list[list[str]]]]] = {}
        for item in items:
            assert item.draft is not None
            columns, rows = load_table(item.draft, tax_field)
            groups.setdefault(tuple(columns), []).append((item, rows))
        loaded: list[_Item] = []
        for key, entries in groups.items():
            loaded.extend(self._load_group(list(key), entries))
        return loaded

    def _load_group(self, columns: list[str], entries: list[tuple[_Item, list[list[str]]]]) -> list[_Item]:
        assert self.client is not None
        while entries:
            rows = [row for _, item_rows in entries for row in item_rows]
            try:
                started, paused = time.monotonic(), self._paused()
                result = odoo_batch.load_many(self.client, "sale.order", columns, rows)
                self._timed(started, len(entries), paused)
            except odoo_batch.BatchLoadMissingRecordError as exc:
                forget(self.client)
                named = {entries[index][0] for index in exc.errors if 0 <= index < len(entries)}
                for item in named or {item for item, _ in entries}:
                    forget_missing_contacts(self.client, self.shop, item.written)
                    self.later.append(item)
                entries = [entry for entry in entries if entry[0] not in named] if named else []
                continue
            except PermanentGatewayError as exc:
                if len(entries) == 1:
                    self.fail(entries[0][0], exc.message)
                    return []
                half = len(entries) // 2
                return self._load_group(columns, entries[:half]) + self._load_group(columns, entries[half:])
            if result.errors:
                refused = {
                    index: message for index, message in result.errors.items() if 0 <= index < len(entries)
                }
                if not refused:
                    raise PermanentGatewayError("Odoo refused the sale.order import without naming an order.")
                for index, message in refused.items():
                    self.fail(entries[index][0], f"Odoo refused the sale.order import: {message}")
                entries = [entry for index, entry in enumerate(entries) if index not in refused]
                continue
            for (item, _), sale_id in zip(entries, result.ids, strict=True):
                item.sale_id = sale_id
            return [item for item, _ in entries]
        return []

    def _untax(self, items: list[_Item]) -> list[_Item]:
        """Untaxed lines whose product has default taxes (Odoo's import applied those): cleared in ONE write."""
        assert self.client is not None
        client = self.client
        products = {line.product_id for item in items if item.draft for line in item.draft.lines}
        taxed = products_with_default_taxes(self.shop, {p for p in products if p})
        keys = {item.order.pk: lines_to_untax(item.draft, taxed) for item in items if item.draft}
        if not any(keys.values()):
            return items

        def step(group: list[_Item]) -> None:
            wanted = [key for item in group for key in keys.get(item.order.pk, [])]
            if not wanted:
                return
            line_ids = list(client.xmlid_targets(XMLID_MODULE, wanted).values())
            client.call("sale.order.line", "write", line_ids, {client.sale_line_tax_field: [(5, 0, 0)]})

        return self._bisect(items, step)

    def _invoice(self, items: list[_Item]) -> None:
        """Invoices (one per order), their dates, posting and payments, each ONE step for the batch."""
        assert self.client is not None
        client, rules, shop = self.client, self.rules, self.shop
        zone = shop_zone(shop.iana_timezone)
        now = timezone.now()
        for item in items:
            item.dates = accounting_dates(item.written, rules.invoice_date_source, zone, now)

        def invoice(group: list[_Item]) -> None:
            created = odoo_batch.invoice_orders(client, _sale_ids(group))
            for item in group:
                item.invoice_id = created.get(item.sale_id) if item.sale_id is not None else None

        items = self._bisect(items, invoice, self._settle_invoices)
        for item in [item for item in items if item.invoice_id is None]:
            self.fail(item, "Odoo did not create the invoice; check the order's invoicing policy.")
        items = [item for item in items if item.invoice_id is not None]
        items = self._bisect(
            items,
            lambda group: odoo_batch.date_invoices(
                client,
                {
                    item.invoice_id: item.dates.invoice_date.isoformat()
                    for item in group
                    if item.dates and item.invoice_id is not None
                },
            ),
        )
        if rules.posts_invoice:
            items = self._bisect(items, lambda group: odoo_batch.post_invoices(client, _invoice_ids(group)))
        if rules.pays:
            items = self._pay(items)
        invoices: dict[int, Any] = {}
        items = self._bisect(
            items, lambda group: invoices.update(odoo_batch.read_invoices(client, _invoice_ids(group)))
        )
        for item in items:
            assert item.result is not None and item.invoice_id is not None
            read = item.result.invoice = invoices[item.invoice_id]
            if rules.pays and item.result.payment_id is None and read.payment_ids:
                # Paid, but the wizard's answer left it out (Odoo found it paid already): keep that payment.
                item.result.payment_id = max(read.payment_ids)
            item.result.notes.extend(item.notes)

    def _pay(self, items: list[_Item]) -> list[_Item]:
        """One payment per invoice, never grouped: one wizard per (journal, payment date)."""
        assert self.client is not None
        client = self.client
        groups: dict[tuple[int | None, str], list[_Item]] = {}
        for item in items:
            written = item.written
            if written.financial_status not in PAID_STATUSES:
                item.notes.append(
                    f"No payment registered: the order is {written.financial_status.lower()} in Shopify."
                )
                continue
            assert item.dates is not None
            gateway = next(
                (
                    t.gateway
                    for t in written.transactions
                    if t.kind in ("SALE", "CAPTURE") and t.status == "SUCCESS"
                ),
                "",
            )
            key = (self.rules.journal_for(gateway), item.dates.payment_date.isoformat())
            groups.setdefault(key, []).append(item)
        paid: list[_Item] = []
        for (journal_id, payment_date), group_items in groups.items():

            def pay(group: list[_Item], journal_id: int | None = journal_id, day: str = payment_date) -> None:
                payments = odoo_batch.pay_invoices(client, _invoice_ids(group), journal_id, day)
                for item in group:
                    assert item.result is not None and item.invoice_id is not None
                    item.result.payment_id = payments.get(item.invoice_id)

            paid.extend(self._bisect(group_items, pay, self._settle_payments))
        for item in paid:
            if item.dates and item.dates.payment_note:
                item.notes.append(item.dates.payment_note)
        return [item for item in items if item.order.pk in self.run.held]


def _sale_ids(items: list[_Item]) -> list[int]:
    return [item.sale_id for item in items if item.sale_id is not None]


def _invoice_ids(items: list[_Item]) -> list[int]:
    return [item.invoice_id for item in items if item.invoice_id is not None]


def run_batch(run: services.RunLease, task_id: str) -> dict[int, float | None]:
    """Write the run's orders (claimed under one lease token) as one batch; each order's retry delay (None:
    finished; 0: handed back, to be sent again now)."""
    orders = {order.pk: order for order in Order.objects.select_related("shop").filter(pk__in=run.order_ids)}
    for pk in set(run.order_ids) - set(orders):
        run.done(pk)  # deleted meanwhile
    if not orders:
        return {}
    ordered = [orders[pk] for pk in run.order_ids if pk in orders]
    shop = ordered[0].shop
    closed_at = circuit.admit(shop.pk)
    if closed_at is not None:
        # Odoo keeps failing and another order is probing it: wait to be released instead of hammering it.
        delay = circuit.waiting_delay(closed_at)
        for order in ordered:
            run.lease(order.pk).mine().update(
                sync_status=SyncStatus.QUEUED,
                next_retry_at=closed_at,
                status_changed_at=timezone.now(),
                **services._RELEASED,
            )
        if circuit.open_until(shop.pk) is None:
            delay = random.uniform(0.0, settings.SYNCO_CIRCUIT_RELEASE_SECONDS)
        return {order.pk: delay for order in ordered}
    batch = _Batch(run, shop, services.rules_for(shop), task_id)
    batch.start(ordered)
    try:
        batch.write()
    except services.LeaseLostError:
        logger.warning(
            "lease lost: another worker runs these orders", extra={"orders": len(batch.unfinished)}
        )
        batch.stop_all()
    except TransientGatewayError as exc:
        batch.retry_all(exc.message)
    except SoftTimeLimitExceeded:
        batch.retry_all("Odoo took too long to answer; the sync was stopped.")
    except (GatewayError, DecryptionError) as exc:
        services._odoo_answered(shop.pk, batch.client)
        for item in batch.unfinished:
            batch.fail(item, str(exc))
    except Exception:
        logger.exception("unexpected error while syncing a batch", extra={"orders": len(batch.unfinished)})
        for item in batch.unfinished:
            batch.fail(
                item, f"Unexpected error in Synco (log reference #{item.record.pk}); it has been logged."
            )
    finally:
        if batch.client is not None:
            batch.client.close()
    if batch.slowest:
        learn_pace(shop.pk, batch.slowest)
    return batch.delays
