"""The Celery application; settings come from Django's CELERY_* settings."""

from __future__ import annotations

import logging.config
import os
from contextvars import Token
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun

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
    # Webhook receipts stored but never queued (broker down, web process killed before it sent them).
    sender.add_periodic_task(
        60.0, sender.signature("synco.tasks.requeue_webhooks_task"), name="re-queue unprocessed webhooks"
    )


@setup_logging.connect
def use_django_logging(**kwargs: object) -> None:
    """The worker and beat log through settings.LOGGING (synco/logs.py), not Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# The task id on every log line of a task (synco.logs); keyed by task id as an eager task may run inside another.
_task_id_tokens: dict[str, Token[str | None]] = {}


@task_prerun.connect
def bind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _task_id_tokens[task_id] = logs.task_id.set(task_id)


@task_postrun.connect
def unbind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_id_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            logs.task_id.reset(token)
        except ValueError:
            # Set in another context (a thread pool ran prerun elsewhere): clear it instead.
            logs.task_id.set(None)
