"""Backfills: import a date range of Shopify orders page by page, showing progress, stoppable, resumable."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from celery import current_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from orders.models import ImportRun
from orders.services import rules_for, store_order
from synco import queue
from synco.errors import GatewayError
from synco.gateways import shopify_client_for

logger = logging.getLogger(__name__)


def _shopify_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def range_query(run: ImportRun) -> str:
    return f"created_at:>='{_shopify_time(run.created_from)}' created_at:<='{_shopify_time(run.created_to)}'"


# One backfill or bulk-import step works this long, then hands the run over to the next step (a task of its
# own, on the 'bulk' queue), well inside the steps' soft time limit (settings.SYNCO_STEP_SOFT_TIME_LIMIT).
STEP_SECONDS = 60.0
# A bulk import's result file: stored in chunks, each with its checkpoint (orders_seen) in one transaction.
BULK_CHUNK = 250
BACKFILL_TASK = "orders.tasks.backfill_task"
BULK_TASK = "orders.tasks.bulk_import_task"


class _LostClaim(Exception):
    """Another step took the run over (this one was silent too long): what this step did is rolled back."""


def _running_task_id() -> str | None:
    task = current_task
    return (task.request.id or None) if task and task.request is not None else None


def _claim(run_id: int) -> str | None:
    """Take the run for this step: a queued step only if it is the one the run waits for (or the same message
    delivered again after its worker died), a direct call (no task) if no step works on it; anyone once the run
    has shown no sign of life for SYNCO_IMPORT_STALE_SECONDS (its worker died mid-step). Returns the claim to
    hold, None when the run is another step's or is over."""
    task_id = _running_task_id()
    token = f"step:{task_id or uuid4().hex}"
    stale = timezone.now() - timedelta(seconds=settings.SYNCO_IMPORT_STALE_SECONDS)
    if task_id:
        waited_for = Q(claim__startswith="next:", claim__contains=task_id)
        mine = Q(claim="") | waited_for | Q(claim=token)
    else:
        mine = Q(claim="") | Q(claim__startswith="next:")
    taken = ImportRun.objects.filter(
        mine | Q(heartbeat_at__lt=stale),
        pk=run_id,
        status__in=(ImportRun.Status.QUEUED, ImportRun.Status.RUNNING, ImportRun.Status.STOPPING),
    ).update(claim=token, heartbeat_at=timezone.now())
    return token if taken else None


def _queue_step(run_id: int, task_name: str, claim: Q, waiting: str = "") -> bool:
    """Hand the run to a new step task (sent once the transaction commits): only that task (or the one already
    `waiting` in the queue) may claim it next, so a duplicate message (a redelivery, a second resume) finds it
    taken and does nothing."""
    task_id = uuid4().hex
    handed = ImportRun.objects.filter(claim, pk=run_id).update(
        claim=f"next:{waiting} {task_id}" if waiting else f"next:{task_id}", heartbeat_at=timezone.now()
    )
    if handed:
        transaction.on_commit(lambda: queue.task(task_name).apply_async((run_id,), task_id=task_id))
    return bool(handed)


def start_backfill(shop_id: int, created_from: datetime, created_to: datetime) -> ImportRun:
    """Queue a backfill of the orders created in the range."""
    if created_to <= created_from:
        raise ValueError("The end of the range must be after its start.")
    run = ImportRun.objects.create(shop_id=shop_id, created_from=created_from, created_to=created_to)
    _queue_step(run.pk, BACKFILL_TASK, Q())
    return run


def stop_backfill(run: ImportRun) -> bool:
    """Ask a running backfill to stop after its current page (a queued one stops at once)."""
    if ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.STOPPED, claim=""
    ):
        return True
    return bool(
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.STOPPING
        )
    )


def resume_backfill(run: ImportRun) -> bool:
    """Queue a stopped or failed backfill again; it continues after its saved cursor."""
    values: dict[str, Any] = {"status": ImportRun.Status.QUEUED, "message": "", "finished_at": None}
    if run.kind == ImportRun.Kind.BULK and run.message.startswith(BULK_FAILED):
        values.update(bulk_operation_id="", orders_seen=0)  # a new operation: its file is read from the start
    with transaction.atomic():
        resumed = ImportRun.objects.filter(
            pk=run.pk, status__in=(ImportRun.Status.STOPPED, ImportRun.Status.FAILED)
        ).update(**values)
        if resumed:
            _queue_step(run.pk, BULK_TASK if run.kind == ImportRun.Kind.BULK else BACKFILL_TASK, Q())
    return bool(resumed)


def run_backfill(run_id: int) -> None:
    """One step of a backfill: import pages from the saved cursor for about STEP_SECONDS, then hand over to the
    next step, until the range is done or someone asks to stop. Each page's orders and the cursor after it are
    committed together, with a heartbeat: a step that dies (worker killed, time limit) loses only the page it
    was on, and the run goes on from the cursor (the broker's redelivery, or the watchdog:
    resume_stalled_runs)."""
    token = _claim(run_id)
    if token is None:
        return
    mine = Q(claim=token)
    run = ImportRun.objects.select_related("shop").get(pk=run_id)
    if run.status == ImportRun.Status.STOPPING:
        _finish(run.pk, mine, ImportRun.Status.STOPPED)
        return
    ImportRun.objects.filter(mine, pk=run.pk, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING
    )
    deadline = time.monotonic() + STEP_SECONDS
    try:
        client = shopify_client_for(run.shop)
        rules = rules_for(run.shop)
        after = run.cursor or None
        while True:
            page = client.fetch_orders_page(after=after, query=range_query(run), sort_key="CREATED_AT")
            counts = {"created": 0, "updated": 0, "invalid": 0, "unchanged": 0}
            reached = run.reached
            with transaction.atomic():
                for result in page.results:
                    counts[store_order(run.shop, result, rules)] += 1
                    if result.order is not None:
                        reached = (
                            max(reached, result.order.created_at) if reached else result.order.created_at
                        )
                after = page.end_cursor or after
                if not ImportRun.objects.filter(mine, pk=run.pk).update(
                    cursor=after or "",
                    reached=reached,
                    heartbeat_at=timezone.now(),
                    orders_seen=F("orders_seen") + len(page.results),
                    orders_created=F("orders_created") + counts["created"],
                    orders_updated=F("orders_updated") + counts["updated"],
                    orders_invalid=F("orders_invalid") + counts["invalid"],
                ):
                    raise _LostClaim
            run.reached = reached
            if not page.has_next_page:
                _finish(run.pk, mine, ImportRun.Status.DONE)
                return
            if ImportRun.objects.filter(mine, pk=run.pk, status=ImportRun.Status.STOPPING).exists():
                _finish(run.pk, mine, ImportRun.Status.STOPPED)
                return
            if time.monotonic() > deadline:
                _queue_step(run.pk, BACKFILL_TASK, mine)
                return
    except _LostClaim:
        logger.warning("backfill step lost its run to another step", extra={"run_id": run_id})
    except SoftTimeLimitExceeded:
        # The page under way is rolled back; the next step reads it again from the saved cursor.
        logger.warning("backfill step stopped at its time limit", extra={"run_id": run_id})
        _queue_step(run.pk, BACKFILL_TASK, mine)
    except GatewayError as exc:
        _finish(run.pk, mine, ImportRun.Status.FAILED, exc.message)
        logger.warning("backfill failed", extra={"run_id": run_id, "error": exc.message})


def _finish(run_id: int, mine: Q, status: str, message: str = "") -> None:
    values: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "claim": ""}
    if message:
        values["message"] = message
    ImportRun.objects.filter(mine, pk=run_id).update(**values)


def resume_stalled_runs() -> list[int]:
    """The watchdog (every minute): a backfill or bulk import under way that has shown no sign of life for
    SYNCO_IMPORT_STALE_SECONDS lost its worker (or its step's message): queue a new step, which goes on from
    the run's last committed page. Returns the runs resumed."""
    stale = timezone.now() - timedelta(seconds=settings.SYNCO_IMPORT_STALE_SECONDS)
    resumed = []
    active = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING, ImportRun.Status.STOPPING)
    for run in ImportRun.objects.filter(status__in=active).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    ):
        # A step still waiting in a long queue (behind a backfill's syncs) keeps its place: the new message is
        # a second one either may claim, for the case the first was lost.
        waiting = run.claim.removeprefix("next:").split()[0] if run.claim.startswith("next:") else ""
        if _queue_step(
            run.pk,
            BULK_TASK if run.kind == ImportRun.Kind.BULK else BACKFILL_TASK,
            Q(claim=run.claim, heartbeat_at=run.heartbeat_at),
            waiting,
        ):
            logger.warning("import run resumed after its worker was lost", extra={"run_id": run.pk})
            resumed.append(run.pk)
    return resumed


BULK_POLL_SECONDS = 2.0
BULK_FAILED = "Shopify's bulk operation ended"


def start_bulk_import(shop_id: int, created_from: datetime, created_to: datetime) -> ImportRun:
    """Queue a bulk-operation import of the range: for large backfills (no page-by-page rate limit)."""
    if created_to <= created_from:
        raise ValueError("The end of the range must be after its start.")
    run = ImportRun.objects.create(
        shop_id=shop_id, kind=ImportRun.Kind.BULK, created_from=created_from, created_to=created_to
    )
    _queue_step(run.pk, BULK_TASK, Q())
    return run


def run_bulk_import(run_id: int) -> float | None:
    """One step of a bulk import: start it, or poll it, or store its result from the checkpoint on for about
    STEP_SECONDS (chunks of BULK_CHUNK orders, each committed with its checkpoint). Returns when to run the
    next step (the task queues it), None when the run is over or another step's."""
    token = _claim(run_id)
    if token is None:
        return None
    mine = Q(claim=token)
    run = ImportRun.objects.select_related("shop").get(pk=run_id)
    if run.status == ImportRun.Status.STOPPING:
        _finish(run.pk, mine, ImportRun.Status.STOPPED)
        return None
    try:
        client = shopify_client_for(run.shop)
        if not run.bulk_operation_id:
            operation_id = client.start_bulk_orders(range_query(run))
            ImportRun.objects.filter(mine, pk=run.pk).update(
                bulk_operation_id=operation_id, status=ImportRun.Status.RUNNING
            )
            return _release(run.pk, mine, BULK_POLL_SECONDS)
        status = client.bulk_status(run.bulk_operation_id)
        if not status.finished:
            return _release(run.pk, mine, BULK_POLL_SECONDS)
        if status.status != "COMPLETED":
            mark_bulk_failed(run, status.status, status.error_code)
            return None
        return _store_bulk_file(run, client, status.url, mine)
    except _LostClaim:
        logger.warning("bulk import step lost its run to another step", extra={"run_id": run_id})
        return None
    except SoftTimeLimitExceeded:
        logger.warning("bulk import step stopped at its time limit", extra={"run_id": run_id})
        return _release(run.pk, mine, 0.0)
    except GatewayError as exc:
        _finish(run.pk, mine, ImportRun.Status.FAILED, exc.message)
        return None


def _release(run_id: int, mine: Q, delay: float) -> float | None:
    """End the step: the run is anyone's again (the task sends the next step after `delay`)."""
    released = ImportRun.objects.filter(mine, pk=run_id).update(claim="", heartbeat_at=timezone.now())
    return delay if released else None


def _store_bulk_file(run: ImportRun, client: Any, url: str, mine: Q) -> float | None:
    """Store the file's orders after the checkpoint (orders_seen) until the step's time is up."""
    deadline = time.monotonic() + STEP_SECONDS
    rules = rules_for(run.shop)
    skip = run.orders_seen
    seen = 0
    chunk: list[Any] = []

    def commit(chunk: list[Any]) -> None:
        counts = {"created": 0, "updated": 0, "invalid": 0, "unchanged": 0}
        with transaction.atomic():
            for result in chunk:
                counts[store_order(run.shop, result, rules)] += 1
            if not ImportRun.objects.filter(mine, pk=run.pk).update(
                heartbeat_at=timezone.now(),
                orders_seen=F("orders_seen") + len(chunk),
                orders_created=F("orders_created") + counts["created"],
                orders_updated=F("orders_updated") + counts["updated"],
                orders_invalid=F("orders_invalid") + counts["invalid"],
            ):
                raise _LostClaim

    for result in client.iter_bulk_orders(url) if url else ():
        seen += 1
        if seen <= skip:
            continue
        chunk.append(result)
        if len(chunk) >= BULK_CHUNK:
            commit(chunk)
            chunk = []
            if ImportRun.objects.filter(mine, pk=run.pk, status=ImportRun.Status.STOPPING).exists():
                _finish(run.pk, mine, ImportRun.Status.STOPPED)
                return None
            if time.monotonic() > deadline:
                return _release(run.pk, mine, 0.0)
    if chunk:
        commit(chunk)
    ImportRun.objects.filter(mine, pk=run.pk).update(reached=run.created_to)
    _finish(run.pk, mine, ImportRun.Status.DONE)
    return None


def mark_bulk_failed(run: ImportRun, status: str, error_code: str) -> None:
    reason = f"{BULK_FAILED} {status.lower()}" + (f" ({error_code})" if error_code else "")
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED,
        message=f"{reason}. Start the import again.",
        finished_at=timezone.now(),
        claim="",
    )
