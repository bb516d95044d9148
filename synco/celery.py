"""The Celery application; settings come from Django's CELERY_* settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")

app = Celery("synco")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender: Celery, **kwargs: object) -> None:
    sender.add_periodic_task(
        60.0, sender.signature("orders.tasks.sweep_due_shops_task"), name="catch-up sweep of due shops"
    )
    sender.add_periodic_task(
        60.0, sender.signature("orders.tasks.watchdog_task"), name="re-queue stuck orders"
    )
    sender.add_periodic_task(
        3600.0, sender.signature("orders.tasks.purge_logs_task"), name="sync log retention"
    )
    # Webhook receipts stored but never queued (broker down, web process killed before it sent them).
    sender.add_periodic_task(
        60.0,
        sender.signature("synco.shopify_app.tasks.requeue_webhooks_task"),
        name="re-queue unprocessed webhooks",
    )
