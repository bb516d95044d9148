"""Many refunds of one shop written at once: the refunds a batch of orders brings into Odoo (a backfill's orders
carry Shopify's refunds; a bulk sync's too), with a few Odoo calls for all of them instead of 7 to 12 each
(`refunds.services.write_refund`, one at a time).

What lands in Odoo, each refund's state, its log entry and its message are those of one at a time; the batch only
shares the calls (synco/odoo/batch.py; tests/contract/odoo/test_batch_refunds.py holds them on real Odoo):

* reads: the credit notes made already (one ``search_read`` by their keys), the sale orders (one ``web_read``),
  the refunded lines by their external ids (two calls), the invoices' headers (one ``web_read``);
* invoiced orders: ONE ``create`` of every credit note, one read of their totals, ONE ``action_post``, one
  ``account.payment.register`` run per payment journal and day (group_payment off: one payment per credit note,
  never across orders), one read back;
* orders not invoiced yet: ONE ``load`` by ``.id`` lowering every refunded line (its quantity with its price and
  discount, absolute figures), one search for the negative lines (shipping, adjustments) added already and ONE
  ``create`` of the others, one read of the sale orders.

What the batch does not take goes one at a time in the same run, under the log entry opened for it: a refund
whose credit note exists already (an earlier run lost Odoo's answer: finished, never made twice), one returning
goods through Odoo's return wizard, a credit note whose total is not Shopify's (a rounding line, or held as a
draft), and every refund of a step Odoo refused (one bad refund refuses the call for all; one at a time, it fails
alone). An order's second refund waits for its first (they change the same documents) and follows one at a time
after the batch. When Odoo cannot be reached, each refund waits for its own retry, as one at a time; a lost
answer is found again through the refund's key (credit notes) or is harmless to write again (absolute
quantities, negative lines looked up by name first).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orders.batching import ClickYield
from refunds import services
from refunds.mapping import (
    CreditLine,
    CreditNoteDraft,
    RefundMappingError,
    RefundRefs,
    credit_note_draft,
    refund_problem,
    returns_goods,
    settlement,
)
from refunds.models import Refund, RefundState
from synclogs.models import SyncAttempt
from synclogs.records import start_attempts
from synco.errors import GatewayError, TransientGatewayError
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from synco.odoo import batch as odoo_batch
from synco.odoo.client import OdooClient, OdooInvoice, OdooSaleOrder
from synco.shopify.types import Refund as ShopifyRefund
from synco.shopify.types import ShopifyOrder

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    """One refund of the batch and what the batch learnt of it so far."""

    refund: Refund
    record: SyncAttempt
    parsed: ShopifyOrder | None = None
    shopify_refund: ShopifyRefund | None = None
    refs: RefundRefs | None = None
    draft: CreditNoteDraft | None = None
    sale: OdooSaleOrder | None = None
    credit_id: int | None = None
    payment_id: int | None = None
    lowered: int = 0
    extras: list[CreditLine] = field(default_factory=list)

    @property
    def odoo_id(self) -> int:
        assert self.refund.order.odoo_id is not None
        return self.refund.order.odoo_id


def _parsed(job: _Job) -> tuple[ShopifyOrder, ShopifyRefund]:
    assert job.parsed is not None and job.shopify_refund is not None
    return job.parsed, job.shopify_refund


def sync_refunds(shop_id: int, refund_ids: Sequence[int], task_id: str = "") -> dict[int, float]:
    """Write these refunds of one shop into Odoo, exactly once each; returns refund id -> seconds until its
    retry, for those to try again later (Odoo unreachable, or another run writing its order's refunds)."""
    taken, later = _claim_many(shop_id, refund_ids)
    delays: dict[int, float] = {}
    if taken:
        delays.update(_Run(taken, task_id).write())
    for refund_id in later:
        delay = services.sync_refund(refund_id, task_id)
        if delay is not None:
            delays[refund_id] = delay
    return delays


def _claim_many(shop_id: int, refund_ids: Sequence[int]) -> tuple[list[Refund], list[int]]:
    """Take the oldest pending refund of each order for this run (skip-locked: two runs never share one); the
    order's other refunds, and those of an order another run is writing refunds for, are left for one at a
    time (`services.sync_refund`, which waits its turn).

    The shop's other refunds waiting for Odoo come along, up to ``BATCH_SIZE`` in all: while a backfill runs,
    the tasks of several batches of orders are queued behind its lead, and the first of them writes their
    refunds together (the later ones find theirs written and make no call)."""
    now = timezone.now()
    wanted = list(dict.fromkeys(int(i) for i in refund_ids))
    asked = set(wanted)
    room = max(settings.SYNCO_SYNC_BATCH_SIZE - len(wanted), 0)
    if wanted and room:
        wanted += list(
            services.waiting_refunds(shop_id)
            .exclude(pk__in=wanted)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:room]
        )
    pending = list(
        Refund.objects.filter(pk__in=wanted, shop_id=shop_id, state=RefundState.PENDING)
        .order_by("order_id", "created_at", "id")
        .values_list("pk", "order_id")
    )
    busy = set(
        Refund.objects.filter(
            order_id__in={order for _, order in pending}, claimed_until__gt=now
        ).values_list("order_id", flat=True)
    )
    first: dict[int, int] = {}
    later: list[int] = []
    for pk, order_id in pending:
        if order_id in busy or order_id in first:
            if pk in asked:  # the others have their own task, or the sweep
                later.append(pk)
        else:
            first[order_id] = pk
    with transaction.atomic():
        taken = list(
            Refund.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(first.values()), state=RefundState.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .values_list("pk", flat=True)
        )
        Refund.objects.filter(pk__in=taken).update(
            claimed_until=now + timedelta(seconds=services.CLAIM_SECONDS), attempts=F("attempts") + 1
        )
    rows = list(Refund.objects.filter(pk__in=taken).select_related("order", "shop").order_by("order_id"))
    return rows, later


class _Run:
    """One batch of refunds (one per order) of one shop, through one Odoo client."""

    def __init__(self, refunds: list[Refund], task_id: str) -> None:
        self.refunds = refunds
        self.task_id = task_id
        self.shop: Shop = refunds[0].shop
        self.rules: OrderRules = services._rules(self.shop)
        self.delays: dict[int, float] = {}
        self.jobs: list[_Job] = []
        self.client: OdooClient | None = None

    # -- outcomes ---------------------------------------------------------------------------

    def share(self) -> int:
        """A refund's share of the batch's Odoo calls, rounded up."""
        calls = self.client.rpc_calls if self.client is not None else 0
        return math.ceil(calls / max(len(self.jobs), 1))

    def fail(self, job: _Job, exc: Exception) -> None:
        delay = services.settle_failure(job.refund, job.record, exc, self.share())
        if delay is not None:
            self.delays[job.refund.pk] = delay

    def fail_all(self, jobs: Sequence[_Job], exc: TransientGatewayError) -> None:
        """Odoo could not be reached (or its answer was lost): each refund waits for its own retry, which
        finds what this call may have written by the refund's key."""
        for job in jobs:
            self.fail(job, exc)

    def refused(self, jobs: list[_Job], exc: GatewayError, step: str) -> list[_Job]:
        """A step of the batch failed for all its refunds: Odoo unreachable (or its answer lost), each waits for
        its own retry (none returned); refused, they are returned to go one at a time, where a bad one fails
        alone."""
        if isinstance(exc, TransientGatewayError):
            self.fail_all(jobs, exc)
            return []
        logger.info("Refund batch of shop %s: %s refused (%s); one at a time", self.shop.pk, step, exc)
        return jobs

    def alone(self, jobs: Sequence[_Job]) -> None:
        """One at a time, from the start (each reads what Odoo holds first: nothing is written twice)."""
        for job in jobs:
            delay = services.sync_claimed(job.refund, self.task_id, job.record)
            if delay is not None:
                self.delays[job.refund.pk] = delay

    def each(self, job: _Job, work: Callable[[], str]) -> None:
        """Finish one refund with its own step (a message on success), recorded as one at a time."""
        try:
            message = work()
        except services.REFUND_ERRORS as exc:
            self.fail(job, exc)
            return
        services.settle_success(job.refund, job.record, message, self.share())

    def note(self, message: str) -> str:
        calls = self.client.rpc_calls if self.client is not None else 0
        return f"{message} Written in a batch of {len(self.jobs)} refunds ({calls} Odoo calls)."

    # -- the run ----------------------------------------------------------------------------

    def write(self) -> dict[int, float]:
        ready = []
        for refund in self.refunds:
            if services.ready_for_odoo(refund.order):
                ready.append(refund)
            else:
                services._finish(refund, RefundState.PENDING, services.WAITS_FOR_ORDER)
        if not ready:
            return self.delays
        records = start_attempts(
            shop_id=self.shop.pk,
            operation=services.OPERATION,
            task_id=self.task_id,
            orders=[(r.order_id, services.object_ref(r), r.attempts) for r in ready],
        )
        self.jobs = [_Job(refund, record) for refund, record in zip(ready, records, strict=True)]
        batch: list[_Job] = []
        single: list[_Job] = []
        for job in self.jobs:
            try:
                job.parsed, job.shopify_refund = services._read_refund(job.refund.order, job.refund)
                problem = refund_problem(job.parsed, job.shopify_refund)
                if problem:
                    raise RefundMappingError(problem)
            except services.REFUND_ERRORS as exc:
                self.fail(job, exc)
                continue
            if self.rules.return_restocked_items and returns_goods(job.shopify_refund):
                single.append(job)  # Odoo's return wizard: one delivery at a time
            else:
                batch.append(job)
        if not batch:
            self.alone(single)
            return self.delays
        self.client = odoo_client_for(self.shop)
        self.client.before_call = ClickYield(self.shop.pk)
        try:
            single += self.read(batch)
        finally:
            self.client.close()
        self.alone(single)
        return self.delays

    def read(self, jobs: list[_Job]) -> list[_Job]:
        """The batch's reads, then its credit notes and its lowered sale orders; returns the refunds left to one
        at a time."""
        client = self.client
        assert client is not None
        try:
            sales, lines = odoo_batch.read_orders_with_lines(client, [j.odoo_id for j in jobs])
            # Synco makes a credit note only for an invoiced order, whose invoices it then lists: the others are
            # looked up only when an earlier run may have made one.
            made = odoo_batch.find_credit_notes(
                client,
                [
                    services.refund_ref(j.refund.shopify_id)
                    for j in jobs
                    if sales[j.odoo_id].invoice_ids or j.refund.attempts > 1 or j.refund.odoo_credit_note_id
                ],
            )
            fresh = [j for j in jobs if services.refund_ref(j.refund.shopify_id) not in made]
            refs = services.refs_many(client, self.shop, [_parsed(j) for j in fresh], lines)
        except GatewayError as exc:
            return self.refused(jobs, exc, "reading")
        later = [j for j in jobs if j not in fresh]  # credit notes to finish
        credit: list[_Job] = []
        lower: list[_Job] = []
        for job, ref in zip(fresh, refs, strict=True):
            job.refs, job.sale = ref, sales[job.odoo_id]
            try:
                assert job.parsed is not None and job.shopify_refund is not None
                job.draft = credit_note_draft(job.parsed, job.shopify_refund, ref)
            except services.REFUND_ERRORS as exc:
                self.fail(job, exc)
                continue
            if not job.sale.invoice_ids and job.sale.state == "cancel":
                self.each(job, partial(self.cancelled, job))
            elif job.sale.invoice_ids:
                credit.append(job)
            else:
                lower.append(job)
        later += self.credit_notes(credit)
        later += self.lower(lower)
        return later

    def cancelled(self, job: _Job) -> str:
        assert job.sale is not None
        services._finish(
            job.refund, RefundState.SYNCED, "", odoo_total=Decimal("0"), processed_at=timezone.now()
        )
        return f"Nothing to lower: {job.sale.name} is cancelled in Odoo."

    # -- invoiced orders: credit notes ------------------------------------------------------

    def credit_notes(self, jobs: list[_Job]) -> list[_Job]:
        client = self.client
        assert client is not None
        if not jobs:
            return []
        try:
            headers = odoo_batch.read_move_headers(client, [max(j.sale.invoice_ids) for j in jobs if j.sale])
        except GatewayError as exc:
            return self.refused(jobs, exc, "reading the invoices")
        notes: list[tuple[_Job, tuple[dict[str, Any], list[dict[str, Any]]]]] = []
        for job in jobs:
            assert job.sale is not None and job.draft is not None
            try:
                note = services.credit_note(
                    job.refund.order, job.refund, job.draft, headers[max(job.sale.invoice_ids)]
                )
            except RefundMappingError as exc:
                self.fail(job, exc)
                continue
            notes.append((job, note))
        if not notes:
            return []
        jobs = [job for job, _ in notes]
        try:
            ids = odoo_batch.create_credit_notes(client, [note for _, note in notes])
        except GatewayError as exc:
            # One credit note refused refuses them all and none was made: one at a time, it fails alone.
            return self.refused(jobs, exc, "credit notes")
        for job, credit_id in zip(jobs, ids, strict=True):
            job.credit_id = credit_id
        try:
            drafts = odoo_batch.read_invoices(client, ids)
        except TransientGatewayError as exc:
            self.fail_all(jobs, exc)
            return []
        except GatewayError:
            drafts = {}
        post: list[_Job] = []
        for job in jobs:
            credit = drafts.get(job.credit_id or 0)
            assert job.draft is not None
            if (
                credit is not None
                and credit.state == "draft"
                and credit.amount_total == job.draft.settlement.expected_total
            ):
                post.append(job)
            else:
                self.finish_alone(job)  # a rounding line, or held as a draft
        try:
            odoo_batch.post_invoices(client, [j.credit_id for j in post if j.credit_id])
        except TransientGatewayError as exc:
            self.fail_all(post, exc)
            return []
        except GatewayError:
            for job in post:
                self.finish_alone(job)
            return []
        paid = self.pay(post)
        try:
            final = odoo_batch.read_invoices(client, [j.credit_id for j in paid if j.credit_id])
        except TransientGatewayError as exc:
            self.fail_all(paid, exc)
            return []
        except GatewayError:
            final = {}
        for job in paid:
            credit = final.get(job.credit_id or 0)
            if credit is None:
                self.finish_alone(job)
                continue
            self.each(job, partial(self.credited, job, credit))
        return []

    def credited(self, job: _Job, credit: OdooInvoice) -> str:
        return self.note(
            services.credited(job.refund, credit, job.payment_id, job.refund.order.currency, self.share())
        )

    def pay(self, jobs: list[_Job]) -> list[_Job]:
        """Pay back the credit notes whose money went back: one wizard run per journal and day. Returns those
        that are done (paid, or nothing to pay); the others are finished one at a time or wait for a retry."""
        client = self.client
        assert client is not None
        groups: dict[tuple[int | None, str], list[_Job]] = {}
        for job in jobs:
            assert job.draft is not None
            plan = job.draft.settlement
            if plan.paid_amount:
                groups.setdefault((self.rules.journal_for(plan.gateway), plan.paid_on), []).append(job)
        done = [job for job in jobs if job.draft is not None and not job.draft.settlement.paid_amount]
        for (journal, day), group in groups.items():
            try:
                payments = odoo_batch.pay_invoices(
                    client, [j.credit_id for j in group if j.credit_id], journal, day
                )
            except TransientGatewayError as exc:
                self.fail_all(group, exc)
                continue
            except GatewayError:
                for job in group:
                    self.finish_alone(job)
                continue
            for job in group:
                job.payment_id = payments.get(job.credit_id or 0)
                if job.payment_id is None:
                    self.finish_alone(job)
                else:
                    done.append(job)
        return done

    def finish_alone(self, job: _Job) -> None:
        """A credit note the batch made that it cannot finish as it is: post and pay it one at a time (a
        rounding line, or held as a draft when Odoo's total is too far from Shopify's)."""
        client = self.client
        assert client is not None and job.draft is not None and job.credit_id is not None
        assert job.parsed is not None and job.shopify_refund is not None
        draft = job.draft
        self.each(
            job,
            lambda: services.post_and_pay(
                client,
                self.shop,
                self.rules,
                settlement(job.parsed, job.shopify_refund),  # type: ignore[arg-type]
                len(draft.lines),
                job.credit_id,  # type: ignore[arg-type]
                job.refund,
                job.refund.order.currency,
            ),
        )

    # -- not invoiced yet: lowered sale orders ----------------------------------------------

    def lower(self, jobs: list[_Job]) -> list[_Job]:
        client = self.client
        assert client is not None
        if not jobs:
            return []
        lines: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
        for job in jobs:
            assert job.parsed is not None and job.shopify_refund is not None
            assert job.refs is not None and job.draft is not None
            quantities, prices, job.extras = services.reduction(
                job.parsed, job.shopify_refund, job.refs, job.draft
            )
            job.lowered = len(quantities)
            for line_id, quantity in quantities.items():
                price, discount = prices[line_id]
                lines[line_id] = (quantity, price, discount)
        names = {
            (job.odoo_id, services.extra_line_name(job.refund, line)): (job, line)
            for job in jobs
            for line in job.extras
        }
        roundings = {(job.odoo_id, services.rounding_line_name(job.refund)): job for job in jobs}
        try:
            odoo_batch.set_sale_lines(client, lines)
            there = odoo_batch.named_order_lines(
                client, [j.odoo_id for j in jobs], [name for _, name in [*names, *roundings]]
            )
            odoo_batch.add_order_lines(
                client,
                [
                    {"order_id": order_id, **services.extra_line_values(client, job.refund, line)}
                    for (order_id, name), (job, line) in names.items()
                    if (order_id, name) not in there
                ],
            )
            sales = odoo_batch.read_orders(client, [j.odoo_id for j in jobs])
            # Odoo's tax on what is left may be a cent off Shopify's: the rounding lines, together.
            rounding: dict[int, dict[str, Any]] = {}
            for key, job in roundings.items():
                assert job.parsed is not None and job.shopify_refund is not None
                difference = (
                    services.remaining_total(job.parsed, job.shopify_refund) - sales[job.odoo_id].amount_total
                )
                if (
                    difference
                    and key not in there
                    and services.rounds(self.rules, difference, job.lowered + len(job.extras))
                ):
                    rounding[job.odoo_id] = services.rounding_line_values(
                        client, self.shop, job.refund, difference
                    )
            if rounding:
                odoo_batch.add_order_lines(
                    client, [{"order_id": order_id, **values} for order_id, values in rounding.items()]
                )
                sales.update(odoo_batch.read_orders(client, list(rounding)))
        except GatewayError as exc:
            return self.refused(jobs, exc, "lowering")
        for job in jobs:
            self.each(job, partial(self.reduced, job, sales[job.odoo_id]))
        return []

    def reduced(self, job: _Job, sale: OdooSaleOrder) -> str:
        client = self.client
        assert client is not None and job.parsed is not None and job.shopify_refund is not None
        assert job.draft is not None
        return self.note(
            services.check_reduced(
                client,
                self.shop,
                self.rules,
                job.refund.order,
                job.parsed,
                job.shopify_refund,
                job.refund,
                job.draft,
                sale,
                job.lowered,
                len(job.extras),
                self.share(),
            )
        )
