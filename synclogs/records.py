"""Helpers that open and close SyncAttempt rows."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import Shop

# Rows deleted per statement: the purge never holds a long lock or builds a huge transaction at 300k rows.
PURGE_BATCH = 2000


def start_attempt(
    *,
    shop_id: int,
    operation: str,
    object_type: str = SyncAttempt.Object.ORDER,
    object_ref: str = "",
    order_id: int | None = None,
    attempt: int = 1,
    task_id: str = "",
) -> SyncAttempt:
    return SyncAttempt.objects.create(
        shop_id=shop_id,
        order_id=order_id,
        object_type=object_type,
        object_ref=object_ref,
        operation=operation,
        attempt=attempt,
        task_id=task_id,
        started_at=timezone.now(),
    )


def start_attempts(
    *, shop_id: int, operation: str, task_id: str, orders: list[tuple[int, str, int]]
) -> list[SyncAttempt]:
    """start_attempt for many orders ((order id, its name, attempt number) each) in ONE insert: a batch's log
    entries, in the same order."""
    now = timezone.now()
    return SyncAttempt.objects.bulk_create(
        [
            SyncAttempt(
                shop_id=shop_id,
                order_id=order_id,
                object_type=SyncAttempt.Object.ORDER,
                object_ref=object_ref,
                operation=operation,
                attempt=attempt,
                task_id=task_id,
                started_at=now,
            )
            for order_id, object_ref, attempt in orders
        ]
    )


# What finish_attempt saves.
FINISHED_FIELDS = [
    "finished_at",
    "duration_ms",
    "status",
    "message",
    "odoo_model",
    "odoo_id",
    "rpc_calls",
    "summary",
]


def finish_attempt(
    record: SyncAttempt,
    *,
    succeeded: bool,
    message: str,
    odoo_model: str = "",
    odoo_id: int | None = None,
    rpc_calls: int = 0,
    summary: dict[str, object] | None = None,
) -> SyncAttempt:
    record.finished_at = timezone.now()
    record.duration_ms = max(int((record.finished_at - record.started_at).total_seconds() * 1000), 0)
    record.status = SyncAttempt.Status.SUCCESS if succeeded else SyncAttempt.Status.FAILED
    record.message = message
    record.odoo_model = odoo_model
    record.odoo_id = odoo_id
    record.rpc_calls = rpc_calls
    record.summary = summary or {}
    record.save(update_fields=FINISHED_FIELDS)
    return record


def purge_old_attempts() -> int:
    """Delete attempts older than SYNCO_LOG_RETENTION_DAYS (0 keeps everything)."""
    days = settings.SYNCO_LOG_RETENTION_DAYS
    if days <= 0:
        return 0
    deleted, _ = SyncAttempt.objects.filter(started_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


def purge_old_receipts() -> int:
    """Delete webhook receipts (their bodies hold customer data) older than SYNCO_WEBHOOK_RETENTION_DAYS (0 keeps
    them), and those of shops that are not installed (never were, or erased) after
    SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS."""
    now = timezone.now()
    deleted = 0
    days = settings.SYNCO_WEBHOOK_RETENTION_DAYS
    if days > 0:
        deleted += _delete_in_batches(
            WebhookReceipt.objects.filter(received_at__lt=now - timedelta(days=days))
        )
    unknown = WebhookReceipt.objects.filter(
        received_at__lt=now - timedelta(hours=settings.SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS)
    ).exclude(shop_domain__in=Shop.objects.values("domain"))
    return deleted + _delete_in_batches(unknown)


def _delete_in_batches(receipts: QuerySet[WebhookReceipt]) -> int:
    """Delete in primary-key order, PURGE_BATCH rows a statement (the oldest rows have the smallest keys)."""
    deleted = 0
    while True:
        batch = list(receipts.order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            return deleted
        deleted += WebhookReceipt.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < PURGE_BATCH:
            return deleted


def record_created(
    *, shop_id: int, object_type: str, object_ref: str, odoo_model: str, odoo_id: int, message: str
) -> SyncAttempt:
    """A row for a customer or product Synco created in Odoo on the way to an order (no customer data)."""
    now = timezone.now()
    return SyncAttempt.objects.create(
        shop_id=shop_id,
        object_type=object_type,
        object_ref=object_ref,
        operation=f"create_{object_type}",
        status=SyncAttempt.Status.SUCCESS,
        message=message,
        odoo_model=odoo_model,
        odoo_id=odoo_id,
        rpc_calls=1,
        started_at=now,
        finished_at=now,
        duration_ms=0,
    )
