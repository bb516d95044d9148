"""Thin Celery tasks: ids in, one service call each."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from products import imports
from synco.errors import GatewayError, TransientGatewayError

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def product_import_task(run_id: int) -> None:
    """One step of a full import; while Shopify runs the bulk operation (or after a passing fault), again
    later. A worker that dies mid-file leaves the task unacknowledged: it is run again from the checkpoint."""
    delay = imports.run_product_import(run_id)
    if delay is not None:
        product_import_task.apply_async((run_id,), countdown=delay)


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def sweep_products_task(self: Task, shop_id: int) -> None:
    try:
        imports.sweep_products(shop_id)
    except TransientGatewayError:
        raise
    except GatewayError as exc:
        logger.warning("product sweep failed", extra={"shop_id": shop_id, "error": exc.message})


@shared_task(acks_late=True)
def sweep_all_products_task() -> None:
    """Every few minutes: products changed in Shopify whose webhook was lost."""
    for shop_id in imports.shops_to_sweep():
        sweep_products_task.delay(shop_id)
