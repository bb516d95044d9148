"""Celery tasks of the core app."""

from __future__ import annotations

from celery import shared_task

from synco import webhook_handlers


@shared_task(acks_late=True)
def process_webhook_task(receipt_id: int) -> None:
    webhook_handlers.process_webhook(receipt_id)


@shared_task
def requeue_webhooks_task() -> None:
    webhook_handlers.requeue_receipts()
