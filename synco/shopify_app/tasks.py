"""Celery tasks of the Shopify app surface: processing and re-queueing webhook receipts."""

from __future__ import annotations

from celery import shared_task

from synco.shopify_app import webhook_handlers


@shared_task(acks_late=True)
def process_webhook_task(receipt_id: int) -> None:
    """Handle one receipt; one that a passing fault put back is tried again after the delay the service set
    (if this message is lost, the sweep queues it once that delay has passed)."""
    delay = webhook_handlers.process_webhook(receipt_id)
    if delay is not None:
        process_webhook_task.apply_async((receipt_id,), countdown=delay)


@shared_task(acks_late=False)
def process_webhooks_task(receipt_ids: list[int]) -> None:
    """Receipts the web stored close together: one task each, so that every worker takes a share.

    Acknowledged on delivery, not late like the others: a worker dying halfway leaves the rest Received for
    the sweep, where a redelivery would queue some of them twice."""
    for receipt_id in receipt_ids:
        process_webhook_task.delay(receipt_id)


@shared_task
def requeue_webhooks_task() -> None:
    webhook_handlers.requeue_receipts()
