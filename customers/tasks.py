"""Thin Celery tasks for customers: each takes ids and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from customers import imports
from synco.errors import GatewayError
from synco.models import Shop

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def customer_import_task(run_id: int) -> None:
    """One step of a full import; the next step is queued with the delay the service asks for. A step stopped
    at its soft time limit mid-batch hands over too: the next one goes on from the checkpoint."""
    try:
        delay = imports.run_customer_import(run_id)
    except SoftTimeLimitExceeded:
        logger.warning("customer import step stopped at its time limit", extra={"run_id": run_id})
        delay = 0.0
    if delay is not None:
        customer_import_task.apply_async((run_id,), countdown=delay)


@shared_task(acks_late=True)
def sweep_customers_task(shop_id: int) -> None:
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return
    try:
        imports.sweep_customers(shop)
    except GatewayError as exc:
        logger.warning("customer sweep failed", extra={"shop_id": shop_id, "error": exc.message})


@shared_task
def sweep_all_customers_task() -> None:
    """Periodically (beat): sweep each installed shop that imports customers (it has customer settings)."""
    for shop_id in imports.shops_to_sweep():
        sweep_customers_task.delay(shop_id)
