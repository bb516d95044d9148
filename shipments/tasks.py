"""Thin Celery tasks: ids in, one service call each; transient gateway failures retry with backoff."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import transaction

from shipments import services
from synco.errors import TransientGatewayError


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def push_delivery_task(self: Task, order_id: int, picking_id: int) -> None:
    services.push_delivery(order_id, picking_id, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def apply_fulfillments_task(self: Task, order_id: int) -> None:
    services.apply_fulfillments(order_id, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def order_synced_task(self: Task, order_id: int) -> None:
    services.order_synced(order_id, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def sweep_shipments_task(self: Task, shop_id: int) -> None:
    services.sweep(shop_id, task_id=self.request.id or "")


@shared_task(acks_late=True)
def sweep_all_shipments_task() -> None:
    for shop_id in services.shops_to_sweep():
        sweep_shipments_task.delay(shop_id)


def retry_on_commit(order_id: int, pickings: list[int], apply: bool) -> int:
    """Queue a retry (after commit): each Odoo delivery pushed again, Shopify's fulfilments applied again."""

    def send() -> None:
        for picking in pickings:
            push_delivery_task.delay(order_id, picking)
        if apply:
            apply_fulfillments_task.delay(order_id)

    transaction.on_commit(send)
    return len(pickings) + int(apply)
