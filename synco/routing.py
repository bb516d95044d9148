"""Which Celery queue each task goes to, and how long each may run (README, "Deployment": worker pools).

Four queues, so that a merchant's click never waits behind a backfill:

- ``interactive``: what a merchant or a webhook is waiting for, one order at a time (a Sync click, an order
  synced from its webhook, a refund, an edit, a cancellation, a Shopify fulfilment);
- ``bulk``: backfills and bulk imports (page by page, step by step), full catalogue and customer imports,
  sweeps, re-checks of every order of a shop;
- ``stock``: stock pushes and drift reports, Odoo's stock and delivery notifications;
- ``default``: beat's housekeeping (the watchdog, log retention, the fan-out of periodic sweeps).

Settings (``CELERY_TASK_QUEUES``, ``CELERY_TASK_ROUTES``, ``CELERY_TASK_ANNOTATIONS``) are built from the tables
here; the worker of the embedded default consumes every queue (Procfile), production runs a pool per queue.
"""

from __future__ import annotations

from typing import Any

from celery import current_task

INTERACTIVE = "interactive"
BULK = "bulk"
STOCK = "stock"
DEFAULT = "default"
QUEUES = (INTERACTIVE, BULK, STOCK, DEFAULT)

# Time-limit kinds (settings.SYNCO_TIME_LIMITS gives each its soft and hard limit, from the environment):
# - "sync": the order sync (SYNCO_SYNC_SOFT_TIME_LIMIT / SYNCO_SYNC_TIME_LIMIT, as before);
# - "task": the generic default, one order or one small job;
# - "step": one step of a resumable import (backfill pages, bulk-file chunks, catalogue/customer batches): it
#   hands over to the next step after its STEP_SECONDS, far inside its soft limit;
# - "long": a whole-shop job without checkpoints (sweeps, full stock pushes, drift reports).
SYNC = "sync"
TASK = "task"
STEP = "step"
LONG = "long"

# Every registered task: its queue and its kind of time limit. tests/unit/test_celery_routing.py checks that
# this lists every task Celery knows, so a new task cannot go unrouted or unlimited.
TASKS: dict[str, tuple[str, str]] = {
    # orders
    "orders.tasks.sync_order_task": (INTERACTIVE, SYNC),  # sent to 'bulk' by bulk work (see follow_bulk_work)
    "orders.tasks.sync_shop_task": (BULK, SYNC),  # a shop lead: a batch of a bulk sync's orders
    "orders.tasks.cancel_order_task": (INTERACTIVE, TASK),
    "orders.tasks.apply_edit_task": (INTERACTIVE, TASK),
    "orders.tasks.requeue_held_orders_task": (INTERACTIVE, TASK),  # the merchant resumed syncing
    "orders.tasks.import_orders_task": (BULK, LONG),
    "orders.tasks.sweep_shop_task": (BULK, LONG),
    "orders.tasks.backfill_task": (BULK, STEP),
    "orders.tasks.bulk_import_task": (BULK, STEP),
    "orders.tasks.refresh_eligibility_task": (BULK, LONG),
    "orders.tasks.sweep_due_shops_task": (DEFAULT, TASK),
    "orders.tasks.watchdog_task": (DEFAULT, TASK),
    "orders.tasks.purge_logs_task": (DEFAULT, LONG),
    "orders.tasks.refresh_shop_timezone_task": (DEFAULT, TASK),
    "synco.celery.resume_stalled_imports_task": (DEFAULT, TASK),  # backfills whose worker died
    # refunds
    "refunds.tasks.sync_refund_task": (INTERACTIVE, TASK),
    "refunds.tasks.sync_refunds_task": (BULK, SYNC),  # the refunds of a batch of orders, written together
    # webhooks
    "synco.shopify_app.tasks.process_webhook_task": (INTERACTIVE, TASK),
    "synco.shopify_app.tasks.process_webhooks_task": (INTERACTIVE, TASK),
    "synco.shopify_app.tasks.requeue_webhooks_task": (DEFAULT, TASK),
    # shipments: Shopify's fulfilments (webhooks) are interactive, Odoo's deliveries go with stock
    "shipments.tasks.apply_fulfillments_task": (INTERACTIVE, TASK),
    "shipments.tasks.order_synced_task": (INTERACTIVE, TASK),
    "shipments.tasks.push_delivery_task": (STOCK, TASK),
    "shipments.tasks.sweep_shipments_task": (BULK, LONG),
    "shipments.tasks.sweep_all_shipments_task": (DEFAULT, TASK),
    # stock
    "stock.tasks.flush_pending_task": (STOCK, TASK),
    "stock.tasks.sweep_stock_task": (STOCK, LONG),
    "stock.tasks.drift_report_task": (STOCK, LONG),
    "stock.tasks.repair_drift_task": (STOCK, LONG),
    "stock.tasks.push_all_task": (STOCK, LONG),
    "stock.tasks.refresh_links_task": (STOCK, LONG),
    "stock.tasks.start_sync_task": (STOCK, LONG),
    "stock.tasks.sweep_all_stock_task": (DEFAULT, TASK),
    "stock.tasks.nightly_drift_task": (DEFAULT, TASK),
    # catalogue and customers
    "products.tasks.product_import_task": (BULK, STEP),
    "products.tasks.sweep_products_task": (BULK, LONG),
    "products.tasks.sweep_all_products_task": (DEFAULT, TASK),
    "customers.tasks.customer_import_task": (BULK, STEP),
    "customers.tasks.sweep_customers_task": (BULK, LONG),
    "customers.tasks.sweep_all_customers_task": (DEFAULT, TASK),
}

# Celery's CELERY_TASK_ROUTES by task name.
ROUTES: dict[str, dict[str, str]] = {name: {"queue": queue} for name, (queue, _) in TASKS.items()}


def queue_of_current_task() -> str | None:
    """The queue the running task was taken from (None outside a task); an eager task has no delivery: then the
    queue its name routes to."""
    task = current_task
    if not task or task.request is None:
        return None
    delivery = getattr(task.request, "delivery_info", None) or {}
    queue = delivery.get("routing_key") or delivery.get("queue")
    if isinstance(queue, str) and queue in QUEUES:
        return queue
    known = TASKS.get(task.name)
    return known[0] if known else None


def follow_bulk_work(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> Any:
    """Celery router, before the table: per-order work sent by bulk work (a backfill's or a sweep's order
    syncs, their refunds, cancellations and follow-ups) stays on 'bulk', so thousands of them never queue in
    front of a merchant's click. A queue given at send time (apply_async(queue=...)) wins over both."""
    route = TASKS.get(name)
    if route is not None and route[0] == INTERACTIVE and queue_of_current_task() == BULK:
        return {"queue": BULK}
    return None


def time_limits(kinds: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """CELERY_TASK_ANNOTATIONS: every task's soft and hard limit from its kind."""
    return {
        name: {"soft_time_limit": kinds[kind][0], "time_limit": kinds[kind][1]}
        for name, (_, kind) in TASKS.items()
    }
