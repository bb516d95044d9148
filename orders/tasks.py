"""Thin Celery tasks: each takes ids and calls one service; retries are scheduled from what the service says."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from orders import batching, services
from synco.errors import GatewayError
from synco.models import Shop

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    # A hung Odoo never holds a worker for good: stopped (and retried) at the soft limit, killed at the hard one.
    # A batch starts no new order past half the soft limit (orders/batching.py), so it fits.
    soft_time_limit=settings.SYNCO_SYNC_SOFT_TIME_LIMIT,
    time_limit=settings.SYNCO_SYNC_TIME_LIMIT,
)
def sync_order_task(self: Task, order_id: int, interactive: bool = False) -> None:
    """Sync the order; a bulk task (not interactive) takes a batch of its shop's queued orders along. Its retry
    or deferral goes back to the queue it came from."""
    delay = batching.sync_order(order_id, task_id=self.request.id or "", interactive=interactive)
    if delay is not None:
        queue_name = services.INTERACTIVE if interactive else services.BULK
        services.publish_sync(order_id, countdown=delay, queue_name=queue_name)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=settings.SYNCO_SYNC_SOFT_TIME_LIMIT,
    time_limit=settings.SYNCO_SYNC_TIME_LIMIT,
)
def sync_shop_task(self: Task, shop_id: int) -> None:
    """A shop lead: the shop's oldest waiting order (and a batch along), then a lead for what still waits."""
    batching.sync_next(shop_id, task_id=self.request.id or "")


@shared_task(bind=True, acks_late=True)
def cancel_order_task(self: Task, order_id: int, waited: int = 0) -> None:
    from orders.cancellation import cancel_in_odoo

    delay = cancel_in_odoo(order_id, waited=waited, task_id=self.request.id or "")
    if delay is not None:
        cancel_order_task.apply_async((order_id, waited + 1), countdown=delay)


@shared_task(acks_late=True)
def import_orders_task(shop_id: int) -> None:
    try:
        services.import_orders(shop_id)
    except GatewayError as exc:
        logger.warning("order import failed", extra={"shop_id": shop_id, "error": exc.message})


@shared_task(acks_late=True)
def sweep_shop_task(shop_id: int) -> None:
    services.sweep_shop(shop_id)


@shared_task
def sweep_due_shops_task() -> None:
    """Every minute: sweep each installed shop whose own sweep interval has passed."""
    for shop_id in services.shops_due_for_sweep():
        sweep_shop_task.delay(shop_id)


@shared_task
def watchdog_task() -> None:
    services.recover_stuck_orders()


@shared_task
def purge_logs_task() -> None:
    from synclogs.records import purge_old_attempts, purge_old_receipts

    purge_old_attempts()
    purge_old_receipts()


@shared_task(acks_late=True)
def refresh_eligibility_task(shop_id: int) -> None:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is not None:
        services.refresh_eligibility(shop)


@shared_task(acks_late=True)
def backfill_task(run_id: int) -> None:
    from orders.imports import run_backfill

    run_backfill(run_id)


@shared_task(acks_late=True)
def bulk_import_task(run_id: int) -> None:
    """One step; while Shopify is still running the operation, check again a little later."""
    from orders.imports import run_bulk_import

    delay = run_bulk_import(run_id)
    if delay is not None:
        bulk_import_task.apply_async((run_id,), countdown=delay)


@shared_task(acks_late=True)
def requeue_held_orders_task(shop_id: int) -> None:
    """After syncing is resumed: queue again the orders the pause held."""
    services.requeue_held_orders(shop_id)


@shared_task(bind=True, acks_late=True)
def apply_edit_task(self: Task, order_id: int, waited: int = 0) -> None:
    from orders.edits import apply_shopify_edit

    delay = apply_shopify_edit(order_id, task_id=self.request.id or "")
    if delay is not None and waited < 20:
        apply_edit_task.apply_async((order_id, waited + 1), countdown=delay)


@shared_task(acks_late=True)
def refresh_shop_timezone_task(shop_id: int) -> None:
    try:
        services.refresh_shop_timezone(shop_id)
    except GatewayError as exc:
        logger.warning("shop time zone not refreshed", extra={"shop_id": shop_id, "error": exc.message})
