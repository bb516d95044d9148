"""The Celery application; settings come from Django's CELERY_* settings."""

from __future__ import annotations

import logging.config
import os
from contextvars import Token
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from synco import logs

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
    # Stock (issue 14): the sweep catches Odoo stock changes whose notification was lost; the drift report runs
    # nightly (03:15 in the beat's time zone).
    sender.add_periodic_task(
        60.0, sender.signature("stock.tasks.sweep_all_stock_task"), name="stock levels sweep"
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=15),
        sender.signature("stock.tasks.nightly_drift_task"),
        name="nightly stock drift report",
    )
    # Shipments (issue 14): validated Odoo deliveries / Shopify fulfilments whose notification was lost.
    sender.add_periodic_task(
        60.0, sender.signature("shipments.tasks.sweep_all_shipments_task"), name="shipments sweep"
    )
    # Customers (issue 16): customers changed in Shopify whose webhook was lost, since each shop's watermark.
    sender.add_periodic_task(
        300.0, sender.signature("customers.tasks.sweep_all_customers_task"), name="customers sweep"
    )
    # Catalogue (issue 16): products changed in Shopify whose webhook was lost, imported since each shop's watermark.
    sender.add_periodic_task(
        300.0, sender.signature("products.tasks.sweep_all_products_task"), name="products sweep"
    )
    # Backfills and bulk imports whose worker died mid-step (issue 17): resumed from their last committed page.
    sender.add_periodic_task(
        60.0, sender.signature("synco.celery.resume_stalled_imports_task"), name="resume stalled imports"
    )
    # Webhook receipts stored but never queued (broker down, web process killed before it sent them).
    sender.add_periodic_task(
        60.0,
        sender.signature("synco.shopify_app.tasks.requeue_webhooks_task"),
        name="re-queue unprocessed webhooks",
    )


@app.task(name="synco.celery.resume_stalled_imports_task")
def resume_stalled_imports_task() -> None:
    """Every minute: a backfill or bulk import whose worker died goes on from its last committed page."""
    from orders.imports import resume_stalled_runs

    resume_stalled_runs()


@setup_logging.connect
def use_django_logging(**kwargs: object) -> None:
    """The worker and beat log through settings.LOGGING (synco/logs.py), not Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# The task id on every log line of a task (synco.logs), and the id of the web request that enqueued it, so one id
# follows a webhook to the sync it triggered. Keyed by task id, as an eager task may run inside another.
REQUEST_ID_HEADER = "synco_request_id"
_context_tokens: dict[str, tuple[Token[str | None], Token[str | None]]] = {}


@before_task_publish.connect
def pass_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    current = logs.request_id.get()
    if current and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, current)


def _enqueuing_request_id(task: Task | None) -> str | None:
    if task is None:
        return None
    # A worker's task request carries custom headers as attributes; an eager apply() under `headers`.
    value = getattr(task.request, REQUEST_ID_HEADER, None) or (task.request.headers or {}).get(
        REQUEST_ID_HEADER
    )
    return value if isinstance(value, str) and logs.is_valid_request_id(value) else None


@task_prerun.connect
def bind_task_id(task_id: str | None = None, task: Task | None = None, **kwargs: Any) -> None:
    if task_id:
        _context_tokens[task_id] = (
            logs.task_id.set(task_id),
            logs.request_id.set(_enqueuing_request_id(task)),
        )


@task_postrun.connect
def unbind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _context_tokens.pop(task_id, None) if task_id else None
    if tokens is None:
        return
    task_token, request_token = tokens
    try:
        logs.request_id.reset(request_token)
        logs.task_id.reset(task_token)
    except ValueError:
        # Set in another context (a thread pool ran prerun elsewhere): clear them instead.
        logs.request_id.set(None)
        logs.task_id.set(None)
