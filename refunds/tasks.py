"""Thin Celery task: takes a refund id and calls one service; a retry is scheduled from what it says."""

from __future__ import annotations

from celery import Task, shared_task

from refunds import services


@shared_task(bind=True, acks_late=True)
def sync_refund_task(self: Task, refund_id: int) -> None:
    delay = services.sync_refund(refund_id, task_id=self.request.id or "")
    if delay is not None:
        sync_refund_task.apply_async((refund_id,), countdown=delay)
