"""Thin Celery tasks: each takes ids and calls one service."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from orders import services
from synco.errors import GatewayError
from synco.models import Shop

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def sync_order_task(self: Task, order_id: int) -> None:
    services.sync_order(order_id, task_id=self.request.id or "")


@shared_task(acks_late=True)
def import_orders_task(shop_id: int) -> None:
    try:
        services.import_orders(shop_id)
    except GatewayError as exc:
        logger.warning("order import failed", extra={"shop_id": shop_id, "error": exc.message})


@shared_task
def import_all_shops_task() -> None:
    for shop_id in Shop.objects.filter(uninstalled_at__isnull=True).values_list("pk", flat=True):
        import_orders_task.delay(shop_id)


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
