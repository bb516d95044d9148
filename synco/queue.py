"""The one seam through which services send Celery tasks: by the task's name, never by importing its module.

Tasks are the upper layer (`orders/tasks.py` calls `orders/services.py`), so a service that must enqueue cannot
import its own tasks back without a circle. It names the task here instead; every app's `ready()` imports its
task modules, so the registry holds them in the web process and the worker alike. The object returned is the
task itself: `monkeypatch.setattr(sync_order_task, "apply_async", ...)` in a test is seen here too.
"""

from __future__ import annotations

from typing import Any

from celery import Task, current_app
from django.db import transaction


def task(name: str) -> Task[Any, Any]:
    """The registered task called `name`, e.g. "orders.tasks.sync_order_task"."""
    return current_app.tasks[name]


def delay_on_commit(name: str, *args: Any) -> None:
    """Send the task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task(name).delay(*args))
