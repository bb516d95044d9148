"""Thin Celery task: takes a refund id and calls one service; a retry is scheduled from what it says."""

from __future__ import annotations

from celery import Task, shared_task

from refunds import batching, services


@shared_task(bind=True, acks_late=True)
def sync_refund_task(self: Task, refund_id: int) -> None:
    delay = services.sync_refund(refund_id, task_id=self.request.id or "")
    if delay is not None:
        sync_refund_task.apply_async((refund_id,), countdown=delay)


@shared_task(bind=True, acks_late=True)
def sync_refunds_task(self: Task, shop_id: int, refund_ids: list[int]) -> None:
    """The refunds a batch of orders brought along, written together (refunds.batching)."""
    for refund_id, delay in batching.sync_refunds(shop_id, refund_ids, task_id=self.request.id or "").items():
        sync_refund_task.apply_async((refund_id,), countdown=delay)
