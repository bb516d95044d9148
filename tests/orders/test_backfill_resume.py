"""A backfill whose worker dies goes on from its last committed page, and never runs twice at once (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from orders import imports
from orders.models import ImportRun, Order
from orders.services import store_order as real_store_order
from orders.tasks import backfill_task, bulk_import_task
from synco.celery import resume_stalled_imports_task
from synco.models import Shop

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs (no except Exception, no cleanup)."""


@pytest.fixture
def demo_shop(db, shopify):
    return Shop.objects.create(domain="synco-demo.myshopify.com", access_token=shopify.token)


@pytest.fixture
def small_pages(monkeypatch):
    from synco.shopify import client as client_module

    original = client_module.ShopifyClient.fetch_orders_page
    cursors: list[str | None] = []

    def fetch(self, **kwargs):
        cursors.append(kwargs.get("after"))
        return original(self, first=10, **{k: v for k, v in kwargs.items() if k != "first"})

    monkeypatch.setattr(client_module.ShopifyClient, "fetch_orders_page", fetch)
    return cursors


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, int, str]]:
    """The step tasks sent (task, run id, message id), run here by hand as a worker would."""
    messages: list[tuple[str, int, str]] = []
    for task in (backfill_task, bulk_import_task):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, task_id=None, _name=task.name, **kw: messages.append((_name, args[0], task_id)),
        )
    return messages


def deliver(message: tuple[str, int, str]) -> None:
    """A worker runs the message: the task under its own id (what a step checks its claim against)."""
    name, run_id, task_id = message
    task = backfill_task if name == backfill_task.name else bulk_import_task
    task.apply(args=(run_id,), task_id=task_id, throw=True)


def whole_range() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(days=3650), now + timedelta(days=1)


def die_on_page(monkeypatch, page: int, after_orders: int, error: BaseException) -> None:
    """store_order raises `error` after `after_orders` orders of the given page (1-based, 10 orders a page)."""
    original = imports.store_order
    calls = {"n": 0}

    def store(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == (page - 1) * 10 + after_orders + 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "store_order", store)


def test_a_step_killed_mid_page_is_resumed_by_the_watchdog_from_its_last_committed_page(
    demo_shop, small_pages, sent, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_backfill(demo_shop.pk, *whole_range())
    assert len(sent) == 1 and sent[0][0] == "orders.tasks.backfill_task"

    die_on_page(monkeypatch, page=3, after_orders=5, error=WorkerKilled())
    with pytest.raises(WorkerKilled):
        deliver(sent[0])

    run.refresh_from_db()
    # pages 1 and 2 are committed with the cursor after page 2; page 3's five orders were rolled back with it
    assert (run.status, run.orders_seen, run.orders_created) == (ImportRun.Status.RUNNING, 20, 20)
    assert Order.objects.filter(shop=demo_shop).count() == 20
    cursor = run.cursor
    assert cursor and run.claim.startswith("step:")
    monkeypatch.undo()  # the next worker is alive (and the sandbox pages stay at 10)
    small_pages = _small_pages_again(monkeypatch)
    sent_again = _sent_again(monkeypatch)

    # another task for the run while the dead step's heartbeat is still fresh: nothing (it may be alive)
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_imports_task.apply().successful()
    backfill_task.apply(args=(run.pk,), task_id="some-other-message")
    imports.run_backfill(run.pk)
    assert not sent_again and not small_pages
    assert ImportRun.objects.get(pk=run.pk).orders_seen == 20

    # the heartbeat goes stale: the watchdog queues a step, which goes on after page 2
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        resume_stalled_imports_task.apply()
    assert len(sent_again) == 1
    run.refresh_from_db()
    assert run.claim == f"next:{sent_again[0][2]}"
    with django_capture_on_commit_callbacks(execute=True):
        deliver(sent_again[0])

    run.refresh_from_db()
    assert small_pages[0] == cursor, "never from the start: the first page read is the one after the cursor"
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    assert Order.objects.filter(shop=demo_shop).count() == 60
    assert run.claim == ""


def _small_pages_again(monkeypatch):
    from synco.shopify import client as client_module

    original = client_module.ShopifyClient.fetch_orders_page
    cursors: list[str | None] = []

    def fetch(self, **kwargs):
        cursors.append(kwargs.get("after"))
        return original(self, first=10, **{k: v for k, v in kwargs.items() if k != "first"})

    monkeypatch.setattr(client_module.ShopifyClient, "fetch_orders_page", fetch)
    return cursors


def _sent_again(monkeypatch):
    messages: list[tuple[str, int, str]] = []
    monkeypatch.setattr(
        backfill_task,
        "apply_async",
        lambda args, task_id=None, **kw: messages.append((backfill_task.name, args[0], task_id)),
    )
    return messages


def test_the_same_message_delivered_again_after_its_worker_died_resumes_at_once(
    demo_shop, small_pages, sent, monkeypatch, django_capture_on_commit_callbacks
):
    """acks_late + reject_on_worker_lost: the broker hands the killed step's message to another worker."""
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_backfill(demo_shop.pk, *whole_range())
    die_on_page(monkeypatch, page=2, after_orders=3, error=WorkerKilled())
    with pytest.raises(WorkerKilled):
        deliver(sent[0])
    monkeypatch.setattr(imports, "store_order", real_store_order)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(sent[0])

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    assert small_pages.count(None) == 1, "the first page was read once: the redelivery went on from page 2"


def test_two_tasks_for_the_same_run_only_one_works(
    demo_shop, small_pages, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_backfill(demo_shop.pk, *whole_range())
    # stopped while queued, resumed: a second message, while the first may still be in the queue
    assert imports.stop_backfill(run)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.resume_backfill(run)
    first, second = sent

    deliver(first)
    assert not small_pages and ImportRun.objects.get(pk=run.pk).status == ImportRun.Status.QUEUED

    # while a step works on the run (fresh heartbeat), neither another message nor a direct call touches it
    ImportRun.objects.filter(pk=run.pk).update(
        claim="step:someone", heartbeat_at=timezone.now(), status=ImportRun.Status.RUNNING
    )
    deliver(second)
    imports.run_backfill(run.pk)
    assert not small_pages

    ImportRun.objects.filter(pk=run.pk).update(claim=f"next:{second[2]}")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(second)
        deliver(second)  # delivered twice: the second finds the run done
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    assert len(small_pages) == 6
    assert len(sent) == 2


def test_a_step_hands_over_after_its_time_and_at_its_soft_limit(
    demo_shop, small_pages, sent, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "STEP_SECONDS", 0.0)  # one page per step
    die_on_page(monkeypatch, page=4, after_orders=5, error=SoftTimeLimitExceeded())
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_backfill(demo_shop.pk, *whole_range())
    steps = 0
    while steps < len(sent):
        with django_capture_on_commit_callbacks(execute=True):
            deliver(sent[steps])
        steps += 1
        assert steps < 20

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    # six pages, one a step, and page 4 twice: its first step hit the soft limit and handed over
    assert steps == 7
    assert len(small_pages) == 7 and small_pages[3] == small_pages[4]


def test_a_bulk_import_killed_mid_file_goes_on_from_its_checkpoint(
    demo_shop, shopify, sent, monkeypatch, django_capture_on_commit_callbacks
):
    import time

    monkeypatch.setattr(imports, "BULK_CHUNK", 10)
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_bulk_import(demo_shop.pk, *whole_range())
    assert imports.run_bulk_import(run.pk) is not None  # starts Shopify's operation
    for _ in range(100):
        if ImportRun.objects.get(pk=run.pk).bulk_operation_id and _finished(run):
            break
        time.sleep(0.1)

    die_on_page(monkeypatch, page=3, after_orders=4, error=WorkerKilled())
    with pytest.raises(WorkerKilled):
        imports.run_bulk_import(run.pk)
    run.refresh_from_db()
    assert run.orders_seen == 20 and run.status == ImportRun.Status.RUNNING
    monkeypatch.setattr(imports, "store_order", real_store_order)

    assert imports.run_bulk_import(run.pk) is None, "a fresh heartbeat: the step may be alive"
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.resume_stalled_runs() == [run.pk]
    assert sent[-1][0] == "orders.tasks.bulk_import_task"
    deliver(sent[-1])

    run.refresh_from_db()
    total = Order.objects.filter(shop=demo_shop).count()
    assert run.status == ImportRun.Status.DONE, run.message
    assert total >= 60 and run.orders_seen == total and run.orders_created == total


def _finished(run: ImportRun) -> bool:
    from synco.gateways import shopify_client_for

    stored = ImportRun.objects.select_related("shop").get(pk=run.pk)
    return bool(shopify_client_for(stored.shop).bulk_status(stored.bulk_operation_id).finished)


def test_a_step_waiting_long_in_a_busy_queue_keeps_its_place_when_the_watchdog_adds_a_message(
    demo_shop, small_pages, sent, django_capture_on_commit_callbacks
):
    """Behind a backfill's thousands of syncs the next step may wait longer than the stale limit: the watchdog's
    message is a spare (for a lost one), the waiting one still runs when its turn comes, and only one of the
    two works."""
    with django_capture_on_commit_callbacks(execute=True):
        run = imports.start_backfill(demo_shop.pk, *whole_range())
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.resume_stalled_runs() == [run.pk]
        assert imports.resume_stalled_runs() == [], "one spare per stale period, not one a minute"
    waiting, spare = sent
    run.refresh_from_db()
    assert run.claim == f"next:{waiting[2]} {spare[2]}"

    with django_capture_on_commit_callbacks(execute=True):
        deliver(waiting)
        deliver(spare)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    assert len(small_pages) == 6


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_killed_mid_backfill_and_the_watchdog_resume_it_from_the_cursor(
    shopify, settings, tmp_path
):
    """SIGKILL a real Celery worker while it reads page 2; a new worker finishes the run from page 2's cursor
    once the watchdog finds the heartbeat stale (the killed task's message stays unacknowledged in Redis until
    CELERY_VISIBILITY_TIMEOUT, longer than this test)."""
    import time

    from tests.celery_worker import celery_worker

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs the Redis broker the worker tests use")
    shop = Shop.objects.create(domain="synco-demo.myshopify.com", access_token=shopify.token)
    env = {"SHOPIFY_ADMIN_ORIGIN": shopify.base_url}
    shopify.control(latency_ms=1500)
    try:
        with celery_worker(tmp_path / "first.log", env) as first:
            run = imports.start_backfill(shop.pk, *whole_range())
            deadline = time.monotonic() + 60
            while ImportRun.objects.get(pk=run.pk).orders_seen < 25:
                first.assert_alive()
                assert time.monotonic() < deadline, first.log()[-3000:]
                time.sleep(0.05)
            first.process.kill()  # SIGKILL while page 2 is on its way
            first.process.wait()
    finally:
        shopify.control(latency_ms=0)

    run.refresh_from_db()
    assert (run.status, run.orders_seen) == (ImportRun.Status.RUNNING, 25)
    assert run.claim.startswith("step:") and run.cursor
    assert Order.objects.filter(shop=shop).count() == 25

    settings.SYNCO_IMPORT_STALE_SECONDS = 1
    time.sleep(1.5)
    with celery_worker(tmp_path / "second.log", env) as second:
        assert imports.resume_stalled_runs() == [run.pk]
        deadline = time.monotonic() + 60
        while ImportRun.objects.get(pk=run.pk).status != ImportRun.Status.DONE:
            second.assert_alive()
            assert time.monotonic() < deadline, second.log()[-3000:]
            time.sleep(0.1)

    run.refresh_from_db()
    # Page 1 was not read again: every order seen once (60 in this module's sandbox, more after other test
    # modules added theirs), not 25 more.
    stored = Order.objects.filter(shop=shop).count()
    assert stored >= 60
    assert (run.orders_seen, run.orders_created) == (stored, stored)
