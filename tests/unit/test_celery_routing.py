"""Every task goes to a queue some worker consumes, with a soft and a hard time limit (issue 17)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from synco import routing
from synco.celery import app

ROOT = Path(__file__).resolve().parents[2]


def registered() -> set[str]:
    app.loader.import_default_modules()
    # Tasks a test module defines for itself (tests.unit.test_logs) are not the product's.
    return {name for name in app.tasks if not name.startswith(("celery.", "tests."))}


def queue_of(name: str, options: dict[str, Any] | None = None) -> str:
    return str(app.amqp.router.route(dict(options or {}), name)["queue"].name)


def worker_queues(command: str) -> set[str]:
    """The queues a `celery worker` command line consumes: its -Q/--queues, else every declared queue."""
    words = shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))
    for flag in ("-Q", "--queues"):
        if flag in words:
            return set(words[words.index(flag) + 1].split(","))
        for word in words:
            if word.startswith(f"{flag}="):
                return set(word.split("=", 1)[1].split(","))
    return set(app.amqp.queues)


def test_the_table_lists_every_registered_task_and_nothing_else():
    assert registered() == set(routing.TASKS)


def test_every_task_routes_to_a_declared_queue():
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert declared == {"interactive", "bulk", "stock", "default"}
    routes = {name: queue_of(name) for name in registered()}
    assert set(routes.values()) == declared
    assert routes["orders.tasks.sync_order_task"] == "interactive"
    assert routes["synco.shopify_app.tasks.process_webhook_task"] == "interactive"
    assert routes["refunds.tasks.sync_refund_task"] == "interactive"
    assert routes["orders.tasks.backfill_task"] == "bulk"
    assert routes["products.tasks.product_import_task"] == "bulk"
    assert routes["stock.tasks.push_all_task"] == "stock"
    assert routes["shipments.tasks.push_delivery_task"] == "stock"
    assert routes["orders.tasks.watchdog_task"] == "default"
    # a task nobody routed goes to the default queue, which every worker consumes
    assert queue_of("some.unlisted.task") == "default"


def test_the_procfile_worker_consumes_every_queue_a_task_goes_to():
    lines = (ROOT / "Procfile").read_text().splitlines()
    worker = next(line.split(":", 1)[1] for line in lines if line.startswith("worker:"))
    consumed = worker_queues(worker)
    assert {queue_of(name) for name in registered()} <= consumed
    assert consumed == set(routing.QUEUES)


@pytest.mark.parametrize(
    "path",
    [
        "tests/celery_worker.py",
        "bench/bulk_sync.py",
        "bench/stock_latency.py",
        "bench/chaos.py",
        "bench/shop_fairness.py",
    ],
)
def test_the_workers_tests_and_benches_start_consume_every_queue(path):
    """They start `celery worker` without -Q: a worker then consumes every declared queue."""
    text = (ROOT / path).read_text()
    assert '"worker"' in text
    assert '"-Q"' not in text and "--queues" not in text, f"{path} picks queues: check they cover every task"
    assert set(app.amqp.queues) == set(routing.QUEUES)


def test_per_order_work_sent_by_bulk_work_stays_on_bulk(monkeypatch):
    monkeypatch.setattr(routing, "queue_of_current_task", lambda: "bulk")
    assert queue_of("refunds.tasks.sync_refund_task") == "bulk"
    assert queue_of("shipments.tasks.order_synced_task") == "bulk"
    assert queue_of("orders.tasks.sync_order_task") == "bulk"
    # a queue given when sending wins; non-interactive tasks keep their own queue
    assert queue_of("orders.tasks.sync_order_task", {"queue": "interactive"}) == "interactive"
    assert queue_of("stock.tasks.flush_pending_task") == "stock"

    monkeypatch.setattr(routing, "queue_of_current_task", lambda: "default")
    assert queue_of("refunds.tasks.sync_refund_task") == "interactive"


def test_the_queue_of_the_running_task_comes_from_its_delivery(monkeypatch):
    from types import SimpleNamespace

    def running(name: str, delivery: dict[str, str]) -> SimpleNamespace:
        return SimpleNamespace(name=name, request=SimpleNamespace(delivery_info=delivery))

    assert routing.queue_of_current_task() is None  # outside a task
    # a worker's task: the queue it was delivered from (a sync task sent to 'bulk' at send time)
    monkeypatch.setattr(
        routing, "current_task", running("orders.tasks.sync_order_task", {"routing_key": "bulk"})
    )
    assert routing.queue_of_current_task() == "bulk"
    # an eager task has no delivery: the queue its name routes to
    monkeypatch.setattr(routing, "current_task", running("orders.tasks.backfill_task", {}))
    assert routing.queue_of_current_task() == "bulk"
    assert queue_of("refunds.tasks.sync_refund_task") == "bulk"


def test_every_task_has_a_soft_and_a_hard_time_limit():
    registered()
    for name in registered():
        task = app.tasks[name]
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, name
        assert 0 < soft < hard, name
        # a Redis broker redelivers a task still running past the visibility timeout: it must be dead by then
        assert hard < int(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)), name
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.tasks["orders.tasks.sync_order_task"].soft_time_limit == settings.SYNCO_SYNC_SOFT_TIME_LIMIT
    assert app.tasks["orders.tasks.backfill_task"].time_limit == settings.SYNCO_STEP_TIME_LIMIT
    assert app.tasks["stock.tasks.push_all_task"].time_limit == settings.SYNCO_LONG_TIME_LIMIT


def test_long_running_steps_finish_inside_their_soft_limit_by_design():
    """An import step works STEP_SECONDS, then hands over after the batch or page under way: three times that
    still fits in the soft limit, leaving two steps' worth for the last batch."""
    from customers import imports as customer_imports
    from orders import imports as order_imports
    from products import imports as product_imports

    steps = {
        "products.tasks.product_import_task": product_imports.STEP_SECONDS,
        "customers.tasks.customer_import_task": customer_imports.STEP_SECONDS,
        "orders.tasks.backfill_task": order_imports.STEP_SECONDS,
        "orders.tasks.bulk_import_task": order_imports.STEP_SECONDS,
    }
    registered()
    for name, seconds in steps.items():
        assert routing.TASKS[name][1] == routing.STEP
        assert 3 * seconds <= app.tasks[name].soft_time_limit, name
    # a step silent longer than its hard limit is dead: only then is its run taken over
    assert settings.SYNCO_IMPORT_STALE_SECONDS > settings.SYNCO_STEP_TIME_LIMIT


def test_a_worker_started_as_the_tests_start_it_consumes_every_queue(tmp_path):
    """The real thing: `celery worker` as tests/celery_worker.py starts it, asked which queues it consumes."""
    from tests.celery_worker import celery_worker

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs the Redis broker the worker tests use")
    with celery_worker(tmp_path / "worker.log") as worker:
        answer: dict[str, Any] | None = None
        for _ in range(30):
            answer = app.control.inspect(timeout=1.0).active_queues()
            if answer:
                break
            worker.assert_alive()
        assert answer, worker.log()[-2000:]
        ((_, queues),) = answer.items()
        assert {queue["name"] for queue in queues} == set(routing.QUEUES)


@pytest.mark.django_db
def test_an_import_step_stopped_at_its_soft_limit_hands_over_from_its_checkpoint(shopify, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from customers import imports as customer_imports
    from customers.tasks import customer_import_task
    from products import imports as product_imports
    from products.models import CatalogueRun
    from synco.models import Shop

    def out_of_time(*args: Any, **kwargs: Any) -> None:
        raise SoftTimeLimitExceeded()

    sent: list[tuple[Any, Any]] = []
    monkeypatch.setattr(customer_import_task, "apply_async", lambda args, **kw: sent.append((args, kw)))
    monkeypatch.setattr(customer_imports, "run_customer_import", out_of_time)
    customer_import_task.apply(args=(7,))
    assert sent == [((7,), {"countdown": 0.0})]

    shop = Shop.objects.create(domain="synco-demo.myshopify.com", access_token=shopify.token)
    run = CatalogueRun.objects.create(
        shop=shop, status=CatalogueRun.Status.RUNNING, result_url="https://example.invalid/file", done=250
    )
    monkeypatch.setattr(product_imports, "_stream", out_of_time)
    assert product_imports.run_product_import(run.pk) == 0.0
    run.refresh_from_db()
    assert (run.status, run.done, run.error) == (CatalogueRun.Status.RUNNING, 250, "")
