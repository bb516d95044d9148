"""Order business logic: import from Shopify, claim for sync, and write into Odoo."""

from __future__ import annotations

import functools
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from orders import dates
from orders.cancellation import schedule_cancel, wants_cancel
from orders.documents import WriteResult, write_order
from orders.edits import edit_signature, has_edits, refunds_known, schedule_edit, with_edits
from orders.mapping import MappingError
from orders.models import (
    SHOPIFY_FULFILLED,
    SYNCABLE_STATUSES,
    Order,
    SyncBatch,
    SyncStatus,
    order_search_text,
)
from orders.rules import eligibility_rules, ineligibility_reason, risk_reason
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import circuit, queue
from synco.crypto import DecryptionError
from synco.errors import GatewayError, TransientGatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OdooConnection, OrderRules, Shop, default_max_concurrency
from synco.odoo.client import OdooClient
from synco.shopify.client import OrderResult
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order

logger = logging.getLogger(__name__)

# The Celery queues of sync tasks, chosen when the task is sent: a merchant's click and a webhook go to
# INTERACTIVE (workers that never wait behind a backfill), bulk syncs, sweeps, backfills and retries to BULK.
INTERACTIVE = "interactive"
BULK = "bulk"


# -- import -----------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged


def classify(order: ShopifyOrder, rules: OrderRules) -> dict[str, object]:
    """The stored eligibility and risk of an order under the shop's rules."""
    reason = ineligibility_reason(order, eligibility_rules(rules))
    return {
        "eligible": not reason,
        "ineligible_reason": reason[:255],
        "risk_reason": risk_reason(order, rules.risk_threshold),
    }


def refresh_eligibility(shop: Shop) -> int:
    """Re-apply the rules to every stored order (after the rules changed); returns how many are eligible."""
    rules = rules_for(shop)
    for order in (
        Order.objects.filter(shop=shop, parse_error="").only("pk", "payload").iterator(chunk_size=500)
    ):
        Order.objects.filter(pk=order.pk).update(**classify(parse_order(order.payload), rules))
    return Order.objects.filter(shop=shop, eligible=True).count()


def store_order(
    shop: Shop, result: OrderResult, rules: OrderRules | None = None, *, queue_name: str = BULK
) -> str:
    """Insert or refresh one order; a stored state with a newer updatedAt is kept. Returns what happened.

    Auto-sync sends its task to `queue_name` (imports and the sweep: bulk; a webhook: interactive)."""
    parsed = result.order
    if parsed is None:
        return _store_invalid(shop, result)
    rules = rules or rules_for(shop)
    values = {
        "gid": parsed.gid,
        "name": parsed.name,
        "created_at": parsed.created_at,
        "updated_at": parsed.updated_at,
        "financial_status": parsed.financial_status,
        "fulfillment_status": parsed.fulfillment_status,
        "customer_name": parsed.customer_name,
        "email": parsed.email or (parsed.customer.email if parsed.customer else ""),
        "currency": parsed.currency,
        "total_price": parsed.total,
        "payload": result.node,
        "parse_error": "",
        **classify(parsed, rules),
    }
    # update() below skips Order.save(): the search text is part of what is written.
    values["search_text"] = order_search_text(parsed.name, parsed.customer_name, str(values["email"]))
    with transaction.atomic():
        existing = Order.objects.select_for_update().filter(shop=shop, shopify_id=parsed.id).first()
        order = _insert_order(shop, parsed.id, values) if existing is None else None
        if order is not None:
            outcome = "created"
        else:
            existing = existing or Order.objects.select_for_update().get(shop=shop, shopify_id=parsed.id)
            if existing.updated_at >= parsed.updated_at and not existing.parse_error:
                return "unchanged"
            Order.objects.filter(pk=existing.pk).update(**values)
            order, outcome = existing, "updated"
            if wants_cancel(existing, parsed):
                schedule_cancel(existing.pk)
            elif existing.odoo_id is not None and _lines_changed(existing.payload, parsed):
                schedule_edit(existing.pk)
        if parsed.refunds:
            from refunds.services import store_refunds

            order.refresh_from_db(fields=["odoo_id", "sync_status"])
            store_refunds(order, parsed, result.node)
        if rules.auto_sync and values["eligible"]:
            order.refresh_from_db(fields=["sync_status", "parse_error"])
            # Paused: auto-sync leaves it Not Synced with the reason shown (queued again on resume).
            if order.sync_status == SyncStatus.NOT_SYNCED and not hold_while_paused(
                shop.pk, Order.objects.filter(pk=order.pk)
            ):
                request_sync(order, queue_name=queue_name)
        from stock.services import order_stored

        # Units of an order Odoo does not hold yet are kept back from Shopify's levels (or given back: cancelled).
        order_stored(shop, parsed)
    return outcome


def _lines_changed(stored_payload: dict[str, Any], parsed: ShopifyOrder) -> bool:
    """Shopify's lines or their quantities changed (an edit, or a refund, which the edit check tells apart)."""
    try:
        return edit_signature(parse_order(stored_payload)) != edit_signature(parsed)
    except OrderParseError:
        return True


def refresh_shop_timezone(shop_id: int) -> str:
    """Store the shop's IANA time zone as Shopify has it (install, sweep): dates in Odoo and pages use it."""
    shop = Shop.objects.get(pk=shop_id)
    zone = shopify_client_for(shop).fetch_shop_timezone()
    if zone != shop.iana_timezone:
        Shop.objects.filter(pk=shop.pk).update(iana_timezone=zone[:64])
    return zone


def _insert_order(shop: Shop, shopify_id: int, values: dict[str, Any]) -> Order | None:
    """Create the order; None if the same new order was stored at this very moment (two webhooks at once)."""
    try:
        with transaction.atomic():
            return Order.objects.create(shop=shop, shopify_id=shopify_id, **values)
    except IntegrityError:
        return None


def _store_invalid(shop: Shop, result: OrderResult) -> str:
    """Keep an order Shopify sent but we cannot read, with the reason, so nothing is silently dropped."""
    node = result.node
    try:
        shopify_id = int(result.gid.rsplit("/", 1)[-1])
    except ValueError:
        logger.warning("shopify order without a usable id skipped", extra={"shop": shop.domain})
        return "invalid"
    now = timezone.now()
    Order.objects.update_or_create(
        shop=shop,
        shopify_id=shopify_id,
        defaults={
            "gid": result.gid,
            "name": str(node.get("name") or f"#{shopify_id}"),
            "payload": node,
            "parse_error": result.error,
        },
        create_defaults={
            "gid": result.gid,
            "name": str(node.get("name") or f"#{shopify_id}"),
            "payload": node,
            "parse_error": result.error,
            "created_at": now,
            "updated_at": now,
        },
    )
    return "invalid"


def import_orders(shop_id: int) -> ImportSummary:
    """Fetch orders updated since the last import (cursor pagination) and store them; logged as an attempt."""
    shop = Shop.objects.get(pk=shop_id)
    record = start_attempt(
        shop_id=shop.pk,
        operation="import_orders",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain,
    )
    rules = rules_for(shop)
    summary = ImportSummary()
    since = shop.orders_imported_until
    newest: datetime | None = since
    try:
        client = shopify_client_for(shop)
        query = None
        if since is not None:
            # Overlap by a minute: updatedAt ties at the boundary must not be lost.
            query = f"updated_at:>='{(since - timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        for result in client.iter_orders(query=query):
            outcome = store_order(shop, result, rules)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            if result.order and (newest is None or result.order.updated_at > newest):
                newest = result.order.updated_at
    except GatewayError as exc:
        finish_attempt(record, succeeded=False, message=f"Import stopped after {summary.seen} orders: {exc}")
        raise
    finally:
        # Progress is kept even when a later page fails: the next run resumes from here.
        if newest != since:
            Shop.objects.filter(pk=shop.pk).update(orders_imported_until=newest)
    finish_attempt(
        record,
        succeeded=True,
        message=(
            f"Imported {summary.seen + summary.invalid} orders: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.invalid} unreadable."
        ),
    )
    logger.info("orders imported", extra={"shop": shop.domain, "summary": summary.__dict__})
    return summary


def import_order(shop_id: int, gid: str, queue_name: str = INTERACTIVE) -> str:
    """Fetch one order by GID (a webhook is only a trigger: look the order up again) and store it; its
    auto-sync is interactive (the merchant's customer just placed or changed it)."""
    shop = Shop.objects.get(pk=shop_id)
    return store_order(shop, shopify_client_for(shop).fetch_order(gid), queue_name=queue_name)


# -- claiming ---------------------------------------------------------------------------------


SYNC_REFUSED = "sync_refused"


def sync_refusal(order: Order) -> str:
    """Why the order may not be sent to Odoo ('' when it may): the one answer for the Sync and Retry buttons,
    bulk sync, auto-sync from webhooks, the sweep and the worker itself — the eligibility the page shows."""
    if order.parse_error:
        return f"Shopify's data for {order.name} cannot be read: {order.parse_error}"
    if not order.eligible:
        return (
            f"{order.name} is not eligible: {order.ineligible_reason or 'it does not match the order rules'}."
        )
    return ""


def refuse_sync(order_id: int, *, task_id: str = "") -> str:
    """An order a path wanted to send but may not: the reason, recorded in the sync log ('' if it may)."""
    order = (
        Order.objects.filter(pk=order_id)
        .only("pk", "shop_id", "name", "parse_error", "eligible", "ineligible_reason")
        .first()
    )
    if order is None:
        return ""
    reason = sync_refusal(order)
    if reason:
        record = start_attempt(
            shop_id=order.shop_id,
            order_id=order.pk,
            object_ref=order.name,
            operation=SYNC_REFUSED,
            task_id=task_id,
        )
        finish_attempt(record, succeeded=False, message=f"Not sent to Odoo: {reason}")
        logger.info("sync refused: the order is not eligible", extra={"order_id": order.pk})
    return reason


def claim_for_sync(order: Order, batch: SyncBatch | None = None) -> bool:
    """Atomically queue a syncable, eligible order; False if it is not eligible, or already queued, running or
    done. Eligibility is part of the conditional UPDATE: no path queues an order the rules leave out."""
    if order.parse_error:
        return False
    claimed = Order.objects.filter(
        pk=order.pk, sync_status__in=SYNCABLE_STATUSES, parse_error="", eligible=True
    ).update(
        sync_status=SyncStatus.QUEUED,
        sync_error="",
        review_reason="",
        next_retry_at=None,
        status_changed_at=timezone.now(),
        batch=batch,
        sync_task="",
    )
    return claimed == 1


def _route(queue_name: str) -> dict[str, Any]:
    """The send options for a queue, when the Celery configuration declares it (workers consume it)."""
    from synco.celery import app

    declared = {getattr(q, "name", q) for q in (app.conf.task_queues or ())}
    return {"queue": queue_name} if queue_name in declared else {}


def publish_sync(
    order_id: int, countdown: float | None = None, queue_name: str = BULK, *, supersede: bool = True
) -> bool:
    """Send the order's task to the broker; False (logged) if the broker is unreachable.

    The order stays Queued either way: the watchdog sends the task of a queued order whose task was lost.
    An interactive task says so (it may take a slot beyond its Odoo's cap and is never batched).
    `supersede`: the new task is the order's only live one (Order.sync_task, written before it is sent): a copy
    sent before (deferred with a countdown, say) stops when it comes instead of deferring and re-sending itself.
    The first task of a freshly queued order (whose marker claim_for_sync cleared) needs no write.
    """
    sync_order_task = queue.task("orders.tasks.sync_order_task")
    options: dict[str, Any] = _route(queue_name)
    if supersede:
        options["task_id"] = task_id = str(uuid.uuid4())
        Order.objects.filter(pk=order_id).update(sync_task=task_id)
    if queue_name == INTERACTIVE:
        options["kwargs"] = {"interactive": True}
    if countdown is not None:
        options["countdown"] = countdown
    return _send(
        sync_order_task,
        (order_id,),
        options,
        "task broker unreachable: the queued order waits for the watchdog",
        {"order_id": order_id},
    )


def publish_lead(shop_id: int) -> bool:
    """Send a shop lead (orders.tasks.sync_shop_task, on 'bulk'): it takes the shop's oldest waiting order, and
    a batch of the others along, under the Odoo server's cap, and hands over to the next lead when it ends.
    False (logged) if the broker is unreachable: the watchdog sends one for a shop whose orders wait."""
    return _send(
        queue.task("orders.tasks.sync_shop_task"),
        (shop_id,),
        _route(BULK),
        "task broker unreachable: the shop's queued orders wait for the watchdog",
        {"shop_id": shop_id},
    )


def _send(
    task: Any, args: tuple[int], options: dict[str, Any], unreachable: str, extra: dict[str, Any]
) -> bool:
    """Send a sync task; False, with `unreachable` logged, if the broker does not take it."""
    try:
        task.apply_async(args, **options)
    except (BrokerError, OSError) as exc:
        logger.warning(unreachable, extra={**extra, "error": type(exc).__name__})
        return False
    return True


def leads_for(shop_id: int, waiting: int) -> int:
    """How many shop leads to send for `waiting` freshly queued orders: one per batch, at most the cap of
    parallel runs on the shop's Odoo server (a lead beyond it stops at once; every run hands over a lead)."""
    if waiting <= 0:
        return 0
    cap = (
        OdooConnection.objects.filter(shop_id=shop_id).values_list("max_concurrency", flat=True).first()
        or default_max_concurrency()
    )
    return max(1, min(cap, -(-waiting // max(settings.SYNCO_SYNC_BATCH_SIZE, 1))))


@dataclass
class Dispatch:
    """Sync tasks sent once their claims commit; `unsent` counts those the broker did not take.

    `leads` (bulk work: Sync all, the sweep): the orders are gathered per shop and `send_leads_on_commit` sends
    a few shop leads per shop instead of a task per order (publish_lead): each lead writes a batch and hands
    over to the next, so thousands of queued orders cost a task per batch, not per order."""

    unsent: int = 0
    order_ids: list[int] = field(default_factory=list)
    queue_name: str = BULK
    leads: bool = False
    _waiting: dict[int, list[int]] = field(default_factory=dict)

    def send_on_commit(self, order_id: int, shop_id: int | None = None) -> None:
        if self.leads and shop_id is not None and self.queue_name == BULK:
            self._waiting.setdefault(shop_id, []).append(order_id)
            return
        transaction.on_commit(lambda: self._send(order_id))

    def send_leads_on_commit(self) -> None:
        """The gathered orders' leads, once the claims commit (at once outside a transaction)."""
        waiting, self._waiting = self._waiting, {}
        for shop_id, order_ids in waiting.items():
            transaction.on_commit(functools.partial(self._send_leads, shop_id, order_ids))

    def _send(self, order_id: int) -> None:
        self.order_ids.append(order_id)
        if not publish_sync(order_id, queue_name=self.queue_name, supersede=False):
            self.unsent += 1

    def _send_leads(self, shop_id: int, order_ids: list[int]) -> None:
        self.order_ids.extend(order_ids)
        sent = sum(1 for _ in range(leads_for(shop_id, len(order_ids))) if publish_lead(shop_id))
        if not sent:
            self.unsent += len(order_ids)


def request_sync(
    order: Order,
    batch: SyncBatch | None = None,
    *,
    check_paused: bool = True,
    dispatch: Dispatch | None = None,
    queue_name: str = BULK,
) -> bool:
    """Queue the order and enqueue its task once the claim is committed; nothing is queued while paused.

    The task goes to `queue_name`, or to the queue of the given dispatch."""
    if check_paused and is_sync_paused(order.shop_id):
        return False
    if not claim_for_sync(order, batch):
        refuse_sync(order.pk)
        return False
    (dispatch or Dispatch(queue_name=queue_name)).send_on_commit(order.pk, order.shop_id)
    return True


def bulk_sync(shop: Shop, order_ids: list[int] | None, dispatch: Dispatch | None = None) -> SyncBatch:
    """Queue the chosen orders (or every eligible one not yet synced) as one batch with visible progress."""
    if is_sync_paused(shop.pk):
        raise SyncPausedError(SYNC_PAUSED_REASON)
    orders = Order.objects.filter(shop=shop, sync_status__in=SYNCABLE_STATUSES, parse_error="")
    orders = orders.filter(pk__in=order_ids) if order_ids is not None else orders.filter(eligible=True)
    batch = SyncBatch.objects.create(shop=shop)
    dispatch = dispatch or Dispatch()
    dispatch.leads = True
    # Queued with one UPDATE (eligibility part of it, as in claim_for_sync), their tasks as a few shop leads
    # (Dispatch.leads); the chosen orders the rules leave out are refused one by one (logged).
    queued = orders.filter(eligible=True).update(
        sync_status=SyncStatus.QUEUED,
        sync_error="",
        review_reason="",
        next_retry_at=None,
        status_changed_at=timezone.now(),
        batch=batch,
        sync_task="",
    )
    for pk in Order.objects.filter(batch=batch, sync_status=SyncStatus.QUEUED).values_list("pk", flat=True):
        dispatch.send_on_commit(pk, shop.pk)
    dispatch.send_leads_on_commit()
    if order_ids is not None:
        for pk in orders.filter(eligible=False).values_list("pk", flat=True):
            refuse_sync(pk)
    SyncBatch.objects.filter(pk=batch.pk).update(total=queued)
    batch.total = queued
    return batch


def batch_progress(batch: SyncBatch) -> dict[str, int]:
    counts = dict(
        Order.objects.filter(batch=batch)
        .values_list("sync_status")
        .annotate(n=Count("pk"))
        .values_list("sync_status", "n")
    )
    done = sum(counts.get(s, 0) for s in (SyncStatus.SYNCED, SyncStatus.FAILED, SyncStatus.NEEDS_REVIEW))
    return {"total": batch.total, "done": done, "failed": counts.get(SyncStatus.FAILED, 0), **counts}


# -- writing into Odoo ------------------------------------------------------------------------


def rules_for(shop: Shop) -> OrderRules:
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    return rules


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: about base x 2^(attempt-1), never all retries at the same moment."""
    ceiling = min(settings.SYNCO_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.SYNCO_RETRY_MAX_SECONDS)
    return float(random.uniform(ceiling / 2, ceiling))


class LeaseLostError(Exception):
    """The order's lease expired and another worker took it over: this run stops without writing more."""


@dataclass
class Lease:
    """A worker's hold on one In Progress order, renewed while it works (at most every sixth of its length)."""

    order_id: int
    shop_id: int
    token: str
    renewed_at: float = field(default_factory=time.monotonic)

    def mine(self) -> QuerySet[Order]:
        """The order, as long as this lease still holds it: every write of the run goes through this."""
        return Order.objects.filter(
            pk=self.order_id, sync_status=SyncStatus.IN_PROGRESS, lease_token=self.token
        )

    def renew(self) -> None:
        if time.monotonic() - self.renewed_at < settings.SYNCO_LEASE_SECONDS / 6:
            return
        if not self.mine().update(lease_until=_lease_end()):
            raise LeaseLostError(f"order {self.order_id} was taken over")
        self.renewed_at = time.monotonic()


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.SYNCO_LEASE_SECONDS)


_RELEASED = {"lease_until": None, "lease_token": ""}


class RunLease:
    """The hold of one run on its orders (one, or a batch): one lease token, renewed for all of them at once.

    Each order's own writes still go through its `Lease` (same token); an order the run has finished (synced,
    failed, put back) leaves `held`, and a renewal that no longer finds every held order stops the run."""

    def __init__(self, shop_id: int, token: str, order_ids: list[int]) -> None:
        self.shop_id = shop_id
        self.token = token
        self.order_ids = list(order_ids)
        self.held = set(order_ids)
        self.renewed_at = time.monotonic()

    def lease(self, order_id: int) -> Lease:
        return Lease(order_id, self.shop_id, self.token)

    def done(self, order_id: int) -> None:
        self.held.discard(order_id)

    def renew(self) -> None:
        if time.monotonic() - self.renewed_at < settings.SYNCO_LEASE_SECONDS / 6 or not self.held:
            return
        renewed = Order.objects.filter(
            pk__in=self.held, sync_status=SyncStatus.IN_PROGRESS, lease_token=self.token
        ).update(lease_until=_lease_end())
        if renewed < len(self.held):
            raise LeaseLostError(f"{len(self.held) - renewed} orders of this run were taken over")
        self.renewed_at = time.monotonic()


INTERACTIVE_TOKEN = "i"  # noqa: S105  (a mark in a lease token, not a secret)


def _same_server(shop_id: int) -> QuerySet[OdooConnection] | None:
    """The connections reaching the same Odoo (URL, with or without its trailing slash, and database) as this
    shop's, or None when the shop has no connection."""
    where = OdooConnection.objects.filter(shop_id=shop_id).values_list("url", "database").first()
    if where is None:
        return None
    url = where[0].rstrip("/")
    return OdooConnection.objects.filter(Q(url=url) | Q(url=f"{url}/"), database=where[1])


def server_shops(shop_id: int) -> list[int]:
    """The shops whose connection reaches the same Odoo (URL and database) as this shop's, itself included."""
    rows = _same_server(shop_id)
    if rows is None:
        return [shop_id]
    return sorted(set(rows.values_list("shop_id", flat=True)) | {shop_id})


def interactive_running(shops: list[int]) -> bool:
    """A click's or a webhook's run is writing to the Odoo these shops share (its lease is alive)."""
    return Order.objects.filter(
        shop_id__in=shops,
        sync_status=SyncStatus.IN_PROGRESS,
        lease_until__gt=timezone.now(),
        lease_token__startswith=INTERACTIVE_TOKEN,
    ).exists()


def _odoo_server(shop_id: int) -> tuple[list[int], int]:
    """The shops whose connection reaches the same Odoo (URL and database) and the cap of parallel runs on it,
    locked (inside the caller's transaction) so that the count below holds across workers and machines."""
    connections = _same_server(shop_id)
    if connections is None:
        return [shop_id], default_max_concurrency()
    rows = list(connections.select_for_update().order_by("pk").values_list("shop_id", "max_concurrency"))
    shops = sorted({shop for shop, _ in rows} | {shop_id})
    # Several shops on one Odoo: the most careful of their settings holds for the server.
    return shops, max(min((cap for _, cap in rows), default=1), 1)


def claim_to_run(order_id: int, *, interactive: bool = False) -> Lease | float | None:
    """Take a queued order for this worker: its lease, or seconds to wait (its Odoo is at its concurrency cap,
    across all workers), or None (not queued: taken by another worker, done, or gone).

    The cap counts runs (a batch of orders is one run, holding one lease token), over every shop connected to
    the same Odoo; an interactive run (a click, a webhook) may take one slot beyond it."""
    shop_id = (
        Order.objects.filter(pk=order_id, sync_status=SyncStatus.QUEUED)
        .values_list("shop_id", flat=True)
        .first()
    )
    if shop_id is None:
        return None
    now = timezone.now()
    token = uuid.uuid4().hex
    if interactive:
        # Marked (a hex token never holds an "i"): batches on the same Odoo pause between calls for it.
        token = INTERACTIVE_TOKEN + token[1:]
    with transaction.atomic():
        # The runs are counted under the connections' row locks: the cap holds across workers and machines,
        # and a crashed worker's slot frees itself when its lease expires.
        shops, cap = _odoo_server(shop_id)
        running = (
            Order.objects.filter(shop_id__in=shops, sync_status=SyncStatus.IN_PROGRESS, lease_until__gt=now)
            .values("lease_token")
            .distinct()
            .count()
        )
        if running >= cap + (1 if interactive else 0):
            waiting = Order.objects.filter(
                shop_id__in=shops, sync_status=SyncStatus.QUEUED, next_retry_at=None
            ).count()
            # Still queued, freshly (the watchdog leaves it alone); the next free slot hands over to the
            # oldest waiting order, so this check is only a fallback, spread over the expected wait.
            Order.objects.filter(pk=order_id, sync_status=SyncStatus.QUEUED).update(status_changed_at=now)
            if interactive:
                # A click waits for the click before it (the one slot beyond the cap), not behind the
                # shop's whole queue: it looks again within a second.
                return random.uniform(0.25, 1.0)
            return defer_delay(waiting, cap)
        claimed = Order.objects.filter(pk=order_id, sync_status=SyncStatus.QUEUED).update(
            sync_status=SyncStatus.IN_PROGRESS,
            status_changed_at=now,
            lease_until=_lease_end(),
            lease_token=token,
        )
    return Lease(order_id, shop_id, token) if claimed else None


def batchable() -> Q:
    """Orders a batch may take: queued for their first attempt, nothing held, waiting or unreadable."""
    return Q(
        ~Exists(SyncAttempt.objects.filter(order_id=OuterRef("pk"))),
        sync_status=SyncStatus.QUEUED,
        sync_attempts=0,
        risk_reason="",
        next_retry_at=None,
        parse_error="",
        eligible=True,
    )


def claim_batch(lease: Lease, size: int) -> RunLease:
    """Beside the order just claimed (when it is a first attempt), take up to size-1 more batchable queued
    orders of its shop under the same lease token. Each is taken by a conditional UPDATE (still Queued), and on
    PostgreSQL the candidates are locked skipping those another worker is taking: no order is in two runs."""
    run = RunLease(lease.shop_id, lease.token, [lease.order_id])
    if size <= 1:
        return run
    first = Order.objects.filter(
        ~Exists(SyncAttempt.objects.filter(order_id=OuterRef("pk"))),
        pk=lease.order_id,
        sync_attempts=0,
        risk_reason="",
        parse_error="",
        eligible=True,
    )
    if not first.exists():
        return run
    now = timezone.now()
    with transaction.atomic():
        candidates = Order.objects.filter(batchable(), shop_id=lease.shop_id).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True)[: size - 1])
        if ids:
            Order.objects.filter(pk__in=ids, sync_status=SyncStatus.QUEUED).update(
                sync_status=SyncStatus.IN_PROGRESS,
                status_changed_at=now,
                lease_until=_lease_end(),
                lease_token=lease.token,
            )
    taken = Order.objects.filter(
        pk__in=ids, sync_status=SyncStatus.IN_PROGRESS, lease_token=lease.token
    ).values_list("pk", flat=True)
    return RunLease(lease.shop_id, lease.token, [lease.order_id, *sorted(taken)])


def defer_delay(waiting: int, cap: int) -> float:
    """When an order of a shop at its cap looks again: jittered, later the longer the shop's queue."""
    spread = max(2.0, waiting / cap)
    # Below the watchdog's limit for a lost task, so a deferred order is never sent twice by it.
    return min(random.uniform(1.0, spread), max(settings.SYNCO_STUCK_SECONDS / 2, 1.0))


def sync_order(order_id: int, task_id: str = "", *, interactive: bool = False) -> float | None:
    """Write one queued order into Odoo and record the attempt; returns seconds until a retry, if one is due.

    The sync task runs orders/batching.py's sync_order, which takes a batch of the shop's queued orders along."""
    claim = claim_order(order_id, interactive=interactive)
    if not isinstance(claim, Lease):
        return claim
    try:
        return _run(claim, task_id)
    finally:
        hand_over_slot(claim.shop_id)


def claim_order(order_id: int, *, interactive: bool = False, task_id: str = "") -> Lease | float | None:
    """The lease of a queued order for this run, seconds to wait, or None (paused, taken, done or gone, or
    `task_id` is an older copy of the order's task: a newer one was sent since, and only that one goes on)."""
    found = Order.objects.filter(pk=order_id).values_list("sync_status", "shop__sync_paused", "sync_task")[:1]
    if not found or found[0][0] != SyncStatus.QUEUED:
        # Taken by another worker (a batch took it along), done or gone: one indexed read, nothing else.
        return None
    if task_id and found[0][2] and found[0][2] != task_id:
        # Superseded (a hand-over, a deferral or a retry sent a newer task): stop without re-sending this one.
        return None
    if found[0][1]:
        # The shop paused syncing: a queued order goes back to Not Synced without calling Odoo.
        put_back_queued(Order.objects.filter(pk=order_id))
        return None
    # Taken by another worker, done or gone (this is what makes the task idempotent), or to be deferred.
    lease = claim_to_run(order_id, interactive=interactive)
    if interactive and isinstance(lease, Lease):
        note_click(lease.shop_id)
    return lease


def _click_key(shop_id: int) -> str:
    return f"clicked:{shop_id}"


def note_click(shop_id: int) -> None:
    """A click's (or a webhook's) run started for this shop: batches on its Odoo keep their calls short for a
    while (orders.batching.batch_size). Shared by every worker through the cache; a cache that does not answer
    only costs bigger batches meanwhile."""
    try:
        cache.set(_click_key(shop_id), 1, timeout=settings.SYNCO_CLICK_WINDOW_SECONDS)
    except Exception:  # the cache is an optimisation here: a click is never refused for it
        logger.warning("Could not note a click of shop %s in the cache", shop_id, exc_info=True)


def clicked_recently(shops: list[int]) -> bool:
    """A click's (or a webhook's) run started for one of these shops in the last SYNCO_CLICK_WINDOW_SECONDS
    (True when the cache does not answer: short calls are the safe side)."""
    try:
        return bool(cache.get_many([_click_key(shop_id) for shop_id in shops]))
    except Exception:
        logger.warning("Could not read the clicks of shops %s from the cache", shops, exc_info=True)
        return True


def _run(lease: Lease, task_id: str, renew: Callable[[], None] | None = None) -> float | None:
    """Write one order (`renew`: what keeps the run's leases, the order's own by default)."""
    order = Order.objects.select_related("shop").get(pk=lease.order_id)
    shop = order.shop
    if sync_refusal(order):
        # Queued, then cancelled in Shopify (or left out by new rules) before a worker took it: nothing is written.
        lease.mine().update(
            sync_status=SyncStatus.NEEDS_REVIEW if order.odoo_id else SyncStatus.NOT_SYNCED,
            next_retry_at=None,
            status_changed_at=timezone.now(),
            **_RELEASED,
        )
        refuse_sync(order.pk, task_id=task_id)
        return None
    closed_at = circuit.admit(shop.pk)
    if closed_at is not None:
        # Odoo keeps failing and another order is probing it: wait to be released instead of hammering it.
        lease.mine().update(
            sync_status=SyncStatus.QUEUED,
            next_retry_at=closed_at,
            status_changed_at=timezone.now(),
            **_RELEASED,
        )
        if circuit.open_until(shop.pk) is None:
            # The probe succeeded (and released the waiting orders) while this one was being put back.
            return random.uniform(0.0, settings.SYNCO_CIRCUIT_RELEASE_SECONDS)
        return circuit.waiting_delay(closed_at)
    record = start_attempt(
        shop_id=shop.pk,
        order_id=order.pk,
        object_ref=order.name,
        operation="create_sale_order",
        attempt=order.sync_attempts + 1,
        task_id=task_id,
    )
    client: OdooClient | None = None
    first_attempt = not SyncAttempt.objects.filter(order=order).exclude(pk=record.pk).exists()
    try:
        parsed = parse_order(order.payload)
        # Written as Shopify has it now (its edits in, its refunds left to refunds/), when the refunds' lines
        # tell removed units from refunded ones; otherwise as first placed, its edits following.
        as_edited = refunds_known(parsed)
        client = odoo_client_for(shop)
        client.before_call = renew or lease.renew
        outcome = write_order(
            client,
            shop,
            rules_for(shop),
            with_edits(parsed) if as_edited else parsed,
            first_attempt=first_attempt,
            risk_reason=order.risk_reason,
        )
    except LeaseLostError:
        logger.warning("lease lost: another worker runs this order", extra={"order_id": order.pk})
        finish_attempt(
            record,
            succeeded=False,
            message="Stopped: this run took too long and another worker took the order over.",
            rpc_calls=client.rpc_calls if client else 0,
        )
        return None
    except TransientGatewayError as exc:
        return _retry_or_fail(lease, order, record, exc.message, client)
    except SoftTimeLimitExceeded:
        message = "Odoo took too long to answer; the sync was stopped."
        return _retry_or_fail(lease, order, record, message, client)
    except (GatewayError, MappingError, OrderParseError, DecryptionError) as exc:
        _odoo_answered(shop.pk, client)
        _fail(lease, order, record, str(exc), client)
        return None
    except Exception:
        logger.exception("unexpected error while syncing", extra={"order_id": order.pk})
        message = f"Unexpected error in Synco (log reference #{record.pk}); it has been logged."
        _fail(lease, order, record, message, client)
        return None
    finally:
        if client is not None:
            client.close()
    _odoo_answered(shop.pk, client)
    _record_success(lease, record, outcome, client.rpc_calls if client else 0)
    if not as_edited and has_edits(parsed):
        # Written as Shopify first took it; the edits made since follow (applied, or proposed for review).
        schedule_edit(order.pk)
    return None


def _odoo_answered(shop_id: int, client: OdooClient | None) -> None:
    """Odoo answered (even with a refusal): close the circuit, and release the orders it held at once."""
    if client is not None and client.rpc_calls and circuit.record_success(shop_id):
        release_held_orders(shop_id)


def release_held_orders(shop_id: int) -> int:
    """After a successful probe: the orders waiting for Odoo run now, spread over a second or two."""
    held = list(
        Order.objects.filter(
            shop_id=shop_id, sync_status=SyncStatus.QUEUED, next_retry_at__isnull=False
        ).values_list("pk", flat=True)
    )
    Order.objects.filter(pk__in=held, sync_status=SyncStatus.QUEUED).update(
        next_retry_at=None, status_changed_at=timezone.now()
    )
    spread = settings.SYNCO_CIRCUIT_RELEASE_SECONDS
    for pk in held:
        publish_sync(pk, countdown=random.uniform(0.0, spread))
    if held:
        logger.info("odoo is back: waiting orders released", extra={"shop_id": shop_id, "orders": len(held)})
    return len(held)


def hand_over_slot(shop_id: int) -> None:
    """A finished run frees a slot of its shop: a shop lead takes the oldest waiting order (and a batch along)."""
    if circuit.open_until(shop_id) is not None:
        return
    if Order.objects.filter(shop_id=shop_id, sync_status=SyncStatus.QUEUED, next_retry_at=None).exists():
        publish_lead(shop_id)


def claim_next(shop_id: int) -> Lease | None:
    """A shop lead's order: the oldest of the shop's queued orders not waiting for a retry, under its Odoo
    server's cap. None when nothing waits, the shop is paused (its queued orders are put back) or the server is
    at its cap: every run hands over a lead when it ends (hand_over_slot), so this lead may stop."""
    if is_sync_paused(shop_id):
        put_back_queued(Order.objects.filter(shop_id=shop_id))
        return None
    waiting = Order.objects.filter(shop_id=shop_id, sync_status=SyncStatus.QUEUED, next_retry_at=None)
    for _ in range(5):
        order_id = waiting.order_by("pk").values_list("pk", flat=True).first()
        if order_id is None:
            return None
        claim = claim_to_run(order_id)
        if isinstance(claim, Lease):
            return claim
        if claim is not None:
            return None  # at the cap
        # Taken meanwhile by another lead or task: the next one.
    return None


def validates_deliveries_at_sync(shop_id: int) -> bool:
    """Shopify ships for the shop and its Odoo deliveries are validated when an order syncs (Settings → Shipping;
    shipments.services.order_synced): otherwise a synced order needs no shipments follow-up task. A shop that
    never saved its shipping settings has the defaults: Odoo ships."""
    from shipments.models import ShipmentSettings

    return ShipmentSettings.objects.filter(
        ShipmentSettings.validating_deliveries_at_sync(), shop_id=shop_id
    ).exists()


def _record_success(
    lease: Lease,
    record: SyncAttempt,
    outcome: WriteResult,
    rpc_calls: int,
    *,
    batched: bool = False,
    fulfillment_status: str | None = None,
    validates_deliveries: bool | None = None,
) -> bool:
    """The order's status and documents, its follow-ups, its log entry closed. `batched` (orders/batching.py,
    inside one transaction for the batch): the caller queues the waiting refunds of all its orders with one
    query. `fulfillment_status` (Shopify's, when the caller read it): an order Shopify has not shipped needs no
    shipments follow-up task; nor does any order of a shop whose deliveries Synco does not validate at sync
    (`validates_deliveries`, read here when the caller did not). True when the order's refunds are to follow it."""
    sale, invoice = outcome.sale_order, outcome.invoice
    follows = False
    if not lease.mine().update(
        sync_status=SyncStatus.NEEDS_REVIEW if outcome.review_reason else SyncStatus.SYNCED,
        sync_error="",
        next_retry_at=None,
        review_reason=outcome.review_reason,
        sync_attempts=F("sync_attempts") + 1,
        status_changed_at=timezone.now(),
        synced_at=timezone.now(),
        odoo_model="sale.order",
        odoo_id=sale.id,
        odoo_name=sale.name,
        odoo_state=sale.state,
        odoo_total=sale.amount_total,
        totals_difference=outcome.totals.difference,
        odoo_invoice_id=invoice.id if invoice else None,
        odoo_invoice_name=invoice.name if invoice else "",
        odoo_payment_id=outcome.payment_id,
        **_RELEASED,
    ):
        # Taken over meanwhile: the other run finds these documents in Odoo and records them.
        logger.warning("lease lost after writing to odoo", extra={"order_id": lease.order_id})
    elif not outcome.review_reason:
        from refunds.services import queue_order_refunds

        # Refunds that waited for the order follow it into Odoo (a held order's documents are left alone).
        follows = True
        if not batched:
            queue_order_refunds(lease.order_id)
        if (fulfillment_status is None or fulfillment_status in SHOPIFY_FULFILLED) and (
            validates_deliveries_at_sync(lease.shop_id)
            if validates_deliveries is None
            else validates_deliveries
        ):
            # Shopify may have fulfilled it already: its Odoo delivery is validated (shipments, a shop setting).
            queue.delay_on_commit("shipments.tasks.order_synced_task", lease.order_id)
    finish_attempt(
        record,
        succeeded=True,
        message=outcome.summary(),
        odoo_model="sale.order",
        odoo_id=sale.id,
        rpc_calls=rpc_calls,
        summary=outcome.log_summary(),
    )
    return follows


_ASK_CIRCUIT = object()


def _shop_zone_name(order: Order) -> str:
    """The order's shop's time zone (the shop row when already loaded, else one small read)."""
    if Order.shop.is_cached(order):
        return order.shop.iana_timezone
    return Shop.objects.filter(pk=order.shop_id).values_list("iana_timezone", flat=True).first() or "UTC"


def _retry_or_fail(
    lease: Lease,
    order: Order,
    record: SyncAttempt,
    message: str,
    client: OdooClient | None,
    *,
    rpc_calls: int | None = None,
    reopens_at: Any = _ASK_CIRCUIT,
) -> float | None:
    """A transient failure: retry later with backoff, until the attempts run out.

    While Odoo is down (the circuit opens) the order simply waits for it: those failures do not use up
    attempts, so an hour-long outage loses nothing and the backlog drains when Odoo is back. The order whose
    failure (re)opened the circuit probes it when the open period ends. A batch counts its one failure once
    and passes the circuit's answer (`reopens_at`) for each of its orders; `rpc_calls` is an order's share.
    """
    if reopens_at is _ASK_CIRCUIT:
        reopens_at = circuit.record_failure(order.shop_id, message)
    calls = rpc_calls if rpc_calls is not None else (client.rpc_calls if client else 0)
    if reopens_at is not None:
        lease.mine().update(
            sync_status=SyncStatus.QUEUED,
            sync_error=message,
            next_retry_at=reopens_at,
            status_changed_at=timezone.now(),
            **_RELEASED,
        )
        finish_attempt(
            record,
            succeeded=False,
            message=f"{message} Odoo keeps failing: trying again at "
            f"{dates.shop_clock(reopens_at, _shop_zone_name(order))}.",
            rpc_calls=calls,
        )
        return circuit.probe_delay(reopens_at)
    attempt = order.sync_attempts + 1
    if attempt >= settings.SYNCO_MAX_ATTEMPTS:
        _fail(
            lease,
            order,
            record,
            f"{message} Gave up after {attempt} attempts: use Retry once it is fixed.",
            client,
            rpc_calls=calls,
        )
        return None
    delay = retry_delay(attempt)
    lease.mine().update(
        sync_status=SyncStatus.QUEUED,
        sync_error=message,
        sync_attempts=F("sync_attempts") + 1,
        next_retry_at=timezone.now() + timedelta(seconds=delay),
        status_changed_at=timezone.now(),
        **_RELEASED,
    )
    finish_attempt(
        record,
        succeeded=False,
        message=f"{message} Retrying in {delay:.0f} s (attempt {attempt} of {settings.SYNCO_MAX_ATTEMPTS}).",
        rpc_calls=calls,
    )
    return delay


def _fail(
    lease: Lease,
    order: Order,
    record: SyncAttempt,
    message: str,
    client: OdooClient | None,
    *,
    rpc_calls: int | None = None,
) -> None:
    lease.mine().update(
        sync_status=SyncStatus.FAILED,
        sync_error=message,
        next_retry_at=None,
        sync_attempts=F("sync_attempts") + 1,
        status_changed_at=timezone.now(),
        **_RELEASED,
    )
    calls = rpc_calls if rpc_calls is not None else (client.rpc_calls if client else 0)
    finish_attempt(record, succeeded=False, message=message, rpc_calls=calls)


# -- watchdog and sweep -----------------------------------------------------------------------


def recover_stuck_orders() -> int:
    """Orders whose worker's lease expired (killed, hung), or Queued with a lost task, go back to the queue;
    returns how many orders it put back or sent again.

    A run that is alive renews its lease, however long it takes: it is never run a second time alongside.
    """
    now = timezone.now()
    stuck_since = now - timedelta(seconds=settings.SYNCO_STUCK_SECONDS)
    # Rows without a lease come from before leases existed: the old time limit applies to them.
    expired = Q(sync_status=SyncStatus.IN_PROGRESS) & (
        Q(lease_until__lt=now) | Q(lease_until=None, status_changed_at__lt=stuck_since)
    )
    stuck = list(Order.objects.filter(expired).values_list("pk", flat=True))
    for pk in stuck:
        # Clearing the token is what stops the old worker, should it still be running.
        if Order.objects.filter(expired, pk=pk).update(
            sync_status=SyncStatus.QUEUED, status_changed_at=now, next_retry_at=None, **_RELEASED
        ):
            logger.warning("order whose lease expired re-queued", extra={"order_id": pk})
    # Put back, and a retry whose own task was lost: sent again.
    lost = Order.objects.filter(sync_status=SyncStatus.QUEUED, next_retry_at__lt=now - timedelta(minutes=5))
    requeued = list(lost.values_list("pk", flat=True))
    for pk in sorted(set(stuck) | set(requeued)):
        publish_sync(pk)
    # Orders waiting for a lead (a bulk sync's thousands wait their turn, for a long time): a shop whose queue is
    # moving (a run holds a live lease) hands over by itself; a shop with none gets a lead (its hand-over, or the
    # order's own task, was lost).
    waiting = Order.objects.filter(sync_status=SyncStatus.QUEUED, next_retry_at=None).exclude(pk__in=stuck)
    shops = set(waiting.filter(status_changed_at__lt=stuck_since).values_list("shop_id", flat=True))
    moving = set(
        Order.objects.filter(shop_id__in=shops, sync_status=SyncStatus.IN_PROGRESS, lease_until__gt=now)
        .values_list("shop_id", flat=True)
        .distinct()
    )
    lost_shops = sorted(shops - moving)
    for shop_id in lost_shops:
        publish_lead(shop_id)
    return len(set(stuck) | set(requeued)) + waiting.filter(shop_id__in=lost_shops).count()


def sweep_shop(shop_id: int) -> int:
    """Catch-up: import what webhooks may have missed, then queue every eligible order never synced."""
    shop = Shop.objects.get(pk=shop_id)
    rules = rules_for(shop)
    try:
        refresh_shop_timezone(shop.pk)
    except GatewayError as exc:
        logger.warning(
            "sweep: shop time zone not refreshed", extra={"shop": shop.domain, "error": exc.message}
        )
    try:
        import_orders(shop.pk)
    except GatewayError as exc:
        logger.warning("sweep import failed", extra={"shop": shop.domain, "error": exc.message})
    from refunds.services import queue_pending_refunds

    queue_pending_refunds(shop.pk)
    if not rules.auto_sync:
        return 0
    pending = Order.objects.filter(
        shop=shop, eligible=True, sync_status=SyncStatus.NOT_SYNCED, parse_error=""
    )
    if hold_while_paused(shop.pk, pending):
        return 0
    dispatch = Dispatch(leads=True)
    queued = sum(
        1
        for order in pending.only("pk", "parse_error", "shop")
        if request_sync(order, check_paused=False, dispatch=dispatch)
    )
    dispatch.send_leads_on_commit()
    return queued


def shops_due_for_sweep() -> list[int]:
    """Installed shops whose last sweep is older than their sweep interval."""
    now = timezone.now()
    due = []
    for rules in OrderRules.objects.filter(shop__uninstalled_at__isnull=True).select_related("shop"):
        last = rules.last_swept_at
        is_due = last is None or (now - last).total_seconds() >= rules.sweep_interval_minutes * 60
        # Conditional update: two beat ticks (or two beats by mistake) never sweep a shop twice.
        if is_due and OrderRules.objects.filter(pk=rules.pk, last_swept_at=last).update(last_swept_at=now):
            due.append(rules.shop_id)
    return due


# -- pausing (Settings > Danger zone) ---------------------------------------------------------
# The pause is read on its own, never joined into an order's conditional UPDATE: Django turns a joined UPDATE
# into `id IN (subquery)`, whose conditions PostgreSQL does not re-check after waiting for a row lock.

SYNC_PAUSED_REASON = "Syncing is paused: nothing is sent to Odoo until it is resumed in Settings."


class SyncPausedError(Exception):
    """The shop paused syncing: the action is refused, and the message says where to resume."""


def is_sync_paused(shop_id: int) -> bool:
    return Shop.objects.filter(pk=shop_id, sync_paused=True).exists()


def hold_while_paused(shop_id: int, orders: QuerySet[Order]) -> bool:
    """While the shop is paused, Not Synced orders auto-sync would queue stay, showing why; True if paused."""
    if not is_sync_paused(shop_id):
        return False
    orders.filter(sync_status=SyncStatus.NOT_SYNCED).update(sync_error=SYNC_PAUSED_REASON)
    return True


def put_back_queued(orders: QuerySet[Order]) -> int:
    """Queued orders of a paused shop go back to Not Synced (with the reason) instead of reaching Odoo."""
    return orders.filter(sync_status=SyncStatus.QUEUED).update(
        sync_status=SyncStatus.NOT_SYNCED,
        sync_error=SYNC_PAUSED_REASON,
        next_retry_at=None,
        status_changed_at=timezone.now(),
    )


def pause_syncing(shop: Shop, paused_by: str) -> bool:
    """Stop sending anything to Odoo; queued orders are put back. False if it was already paused."""
    with transaction.atomic():
        paused = Shop.objects.filter(pk=shop.pk, sync_paused=False).update(
            sync_paused=True, sync_paused_at=timezone.now(), sync_paused_by=paused_by[:255]
        )
        put_back_queued(Order.objects.filter(shop=shop))
    logger.info("syncing paused", extra={"shop": shop.domain, "changed": bool(paused)})
    return bool(paused)


def resume_syncing(shop: Shop) -> bool:
    """Send orders to Odoo again; the orders the pause held are queued again in the background."""
    with transaction.atomic():
        resumed = Shop.objects.filter(pk=shop.pk, sync_paused=True).update(
            sync_paused=False, sync_paused_at=None, sync_paused_by=""
        )
        if resumed:
            queue.delay_on_commit("orders.tasks.requeue_held_orders_task", shop.pk)
    logger.info("syncing resumed", extra={"shop": shop.domain, "changed": bool(resumed)})
    return bool(resumed)


def requeue_held_orders(shop_id: int) -> int:
    """After a resume: queue again every order the pause held (auto-synced, or queued before the pause)."""
    held = Order.objects.filter(
        shop_id=shop_id, sync_status=SyncStatus.NOT_SYNCED, sync_error=SYNC_PAUSED_REASON, parse_error=""
    ).only("pk", "parse_error", "shop", "batch")
    return sum(
        1
        for order in held.iterator(chunk_size=500)
        # A stub keeps the order in its bulk-sync batch, so that progress bar still completes.
        if request_sync(order, SyncBatch(pk=order.batch_id) if order.batch_id else None)
    )
