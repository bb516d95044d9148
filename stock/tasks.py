"""Thin Celery tasks: ids in, one service call each; transient gateway failures retry with backoff."""

from __future__ import annotations

from celery import Task, shared_task

from stock import services
from synco.errors import TransientGatewayError

RETRY = {
    "acks_late": True,
    "autoretry_for": (TransientGatewayError,),
    "retry_backoff": True,
    "max_retries": 8,
}


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def flush_pending_task(self: Task, shop_id: int) -> None:
    services.flush_pending(shop_id, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def sweep_stock_task(self: Task, shop_id: int) -> None:
    services.sweep(shop_id, task_id=self.request.id or "")


@shared_task(acks_late=True)
def sweep_all_stock_task() -> None:
    for shop_id in services.shops_to_sweep():
        sweep_stock_task.delay(shop_id)


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def drift_report_task(self: Task, shop_id: int, trigger: str = "on demand") -> None:
    services.run_drift_report(shop_id, trigger=trigger, task_id=self.request.id or "")


@shared_task(acks_late=True)
def nightly_drift_task() -> None:
    for shop_id in services.shops_to_sweep():
        drift_report_task.delay(shop_id, "nightly")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def repair_drift_task(self: Task, shop_id: int, row_ids: list[int]) -> None:
    services.repair(shop_id, row_ids, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def push_all_task(self: Task, shop_id: int) -> None:
    services.push_all(shop_id, task_id=self.request.id or "")


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def refresh_links_task(self: Task, shop_id: int) -> None:
    services.refresh_links_of(shop_id)


@shared_task(
    bind=True, acks_late=True, autoretry_for=(TransientGatewayError,), retry_backoff=True, max_retries=8
)
def start_sync_task(self: Task, shop_id: int) -> None:
    services.start_sync(shop_id, task_id=self.request.id or "")
