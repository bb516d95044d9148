"""Backfills: import a date range of Shopify orders page by page, showing progress, stoppable, resumable."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db.models import F
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


def start_backfill(shop_id: int, created_from: datetime, created_to: datetime) -> ImportRun:
    """Queue a backfill of the orders created in the range."""
    if created_to <= created_from:
        raise ValueError("The end of the range must be after its start.")
    run = ImportRun.objects.create(shop_id=shop_id, created_from=created_from, created_to=created_to)
    queue.delay_on_commit("orders.tasks.backfill_task", run.pk)
    return run


def stop_backfill(run: ImportRun) -> bool:
    """Ask a running backfill to stop after its current page (a queued one stops at once)."""
    if ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.STOPPED
    ):
        return True
    return bool(
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.STOPPING
        )
    )


def resume_backfill(run: ImportRun) -> bool:
    """Queue a stopped or failed backfill again; it continues after its saved cursor."""
    resumed = ImportRun.objects.filter(
        pk=run.pk, status__in=(ImportRun.Status.STOPPED, ImportRun.Status.FAILED)
    ).update(status=ImportRun.Status.QUEUED, message="", finished_at=None)
    if resumed:
        queue.delay_on_commit("orders.tasks.backfill_task", run.pk)
    return bool(resumed)


def run_backfill(run_id: int) -> None:
    """Import pages until the range is done or someone asks to stop; progress is saved after every page."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING
    )
    if not claimed:
        return
    run = ImportRun.objects.select_related("shop").get(pk=run_id)
    try:
        client = shopify_client_for(run.shop)
        rules = rules_for(run.shop)
        after = run.cursor or None
        while True:
            page = client.fetch_orders_page(after=after, query=range_query(run), sort_key="CREATED_AT")
            counts = {"created": 0, "updated": 0, "invalid": 0, "unchanged": 0}
            reached = run.reached
            for result in page.results:
                counts[store_order(run.shop, result, rules)] += 1
                if result.order is not None:
                    reached = max(reached, result.order.created_at) if reached else result.order.created_at
            after = page.end_cursor or after
            ImportRun.objects.filter(pk=run.pk).update(
                cursor=after or "",
                reached=reached,
                orders_seen=F("orders_seen") + len(page.results),
                orders_created=F("orders_created") + counts["created"],
                orders_updated=F("orders_updated") + counts["updated"],
                orders_invalid=F("orders_invalid") + counts["invalid"],
            )
            run.reached = reached
            if not page.has_next_page:
                ImportRun.objects.filter(pk=run.pk).update(
                    status=ImportRun.Status.DONE, finished_at=timezone.now()
                )
                return
            if ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.STOPPING).update(
                status=ImportRun.Status.STOPPED, finished_at=timezone.now()
            ):
                return
    except GatewayError as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, message=exc.message, finished_at=timezone.now()
        )
        logger.warning("backfill failed", extra={"run_id": run_id, "error": exc.message})


BULK_POLL_SECONDS = 2.0


def start_bulk_import(shop_id: int, created_from: datetime, created_to: datetime) -> ImportRun:
    """Queue a bulk-operation import of the range: for large backfills (no page-by-page rate limit)."""
    if created_to <= created_from:
        raise ValueError("The end of the range must be after its start.")
    run = ImportRun.objects.create(
        shop_id=shop_id, kind=ImportRun.Kind.BULK, created_from=created_from, created_to=created_to
    )
    queue.delay_on_commit("orders.tasks.bulk_import_task", run.pk)
    return run


def run_bulk_import(run_id: int) -> float | None:
    """One step of a bulk import: start it, or poll it, or stream its result in. Returns when to poll again."""
    run = ImportRun.objects.select_related("shop").filter(pk=run_id).first()
    if run is None or run.status not in (
        ImportRun.Status.QUEUED,
        ImportRun.Status.RUNNING,
        ImportRun.Status.STOPPING,
    ):
        return None
    if run.status == ImportRun.Status.STOPPING:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.STOPPED, finished_at=timezone.now()
        )
        return None
    try:
        client = shopify_client_for(run.shop)
        if not run.bulk_operation_id:
            if not ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).update(
                status=ImportRun.Status.RUNNING
            ):
                return None
            operation_id = client.start_bulk_orders(range_query(run))
            ImportRun.objects.filter(pk=run.pk).update(bulk_operation_id=operation_id)
            return BULK_POLL_SECONDS
        status = client.bulk_status(run.bulk_operation_id)
        if not status.finished:
            return BULK_POLL_SECONDS
        if status.status != "COMPLETED":
            mark_bulk_failed(run, status.status, status.error_code)
            return None
        counts = {"created": 0, "updated": 0, "invalid": 0, "unchanged": 0}
        seen = 0
        rules = rules_for(run.shop)
        for result in client.iter_bulk_orders(status.url) if status.url else ():
            counts[store_order(run.shop, result, rules)] += 1
            seen += 1
            if seen % 500 == 0:
                ImportRun.objects.filter(pk=run.pk).update(orders_seen=seen)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.DONE,
            finished_at=timezone.now(),
            reached=run.created_to,
            orders_seen=seen,
            orders_created=counts["created"],
            orders_updated=counts["updated"],
            orders_invalid=counts["invalid"],
        )
        return None
    except GatewayError as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, message=exc.message, finished_at=timezone.now()
        )
        return None


def mark_bulk_failed(run: ImportRun, status: str, error_code: str) -> None:
    reason = f"Shopify's bulk operation ended {status.lower()}" + (f" ({error_code})" if error_code else "")
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED,
        message=f"{reason}. Start the import again.",
        finished_at=timezone.now(),
    )
