"""One Shopify rate-limit bucket per shop for every worker (synco/shopify/bucket.py): Redis, the database, or
this process only.

Two workers (two threads, each its own ShopifyClient and nothing shared in memory but the store) page through
orders at once against a sandbox whose bucket holds one and a half pages: sharing the bucket, they are never
THROTTLED; each with a bucket of its own (what every worker had before), they are. Each worker has made one
call before (one after the other), so each knows the bucket and what a page costs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from synco.shopify import bucket
from synco.shopify.bucket import BucketState, Report, reserve_in, settle_in
from synco.shopify.client import ShopifyClient, ShopifySettings

DOMAIN = "synco-demo.myshopify.com"
REDIS_URL = "redis://127.0.0.1:6379/7"
PAGES_PER_WORKER = 4


def _page_cost() -> int:
    from graphql import parse

    from sandboxes.shopify.cost import requested_query_cost
    from sandboxes.shopify.schema import load_schema
    from synco.shopify import queries

    variables = {"first": 2, "after": None, "query": None, "lineCount": 100, "sortKey": "UPDATED_AT"}
    return int(requested_query_cost(load_schema(), parse(queries.ORDERS_PAGE), "OrdersPage", variables))


@pytest.fixture
def small_bucket(own_shopify_server: Any) -> Iterator[Any]:
    """A bucket holding one and a half pages, restoring two pages a second."""
    cost = _page_cost()
    own_shopify_server.control(reset=True)
    own_shopify_server.control(bucket={"maximum_available": 1.5 * cost, "restore_rate": 2 * cost})
    own_shopify_server.server.control(reset_stats=True)
    yield own_shopify_server
    own_shopify_server.control(reset=True, bucket=None)


def _worker(sandbox: Any) -> ShopifyClient:
    return ShopifyClient(
        ShopifySettings(domain=DOMAIN, token=sandbox.token, admin_origin=sandbox.base_url, timeout=10)
    )


def _run_two_workers(sandbox: Any, before_each: Any = None) -> tuple[list[ShopifyClient], float]:
    workers = [_worker(sandbox), _worker(sandbox)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))
    one_at_a_time = threading.Lock()

    def work(gateway: ShopifyClient) -> None:
        try:
            if before_each is not None:
                before_each()
            with one_at_a_time:  # each worker's earlier call
                gateway.fetch_orders_page(after=None, query=None, first=2)
            start.wait()
            for _ in range(PAGES_PER_WORKER):
                page = gateway.fetch_orders_page(after=None, query=None, first=2)
                assert len(page.results) == 2
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's database connection, if it opened one

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return workers, time.monotonic() - began


def _assert_shared(sandbox: Any, workers: list[ShopifyClient]) -> None:
    stats = sandbox.server.stats()
    assert stats["throttled"] == 0
    assert [w.throttled for w in workers] == [0, 0]
    assert stats["graphql_requests"] == 2 * (PAGES_PER_WORKER + 1)
    # The worker behind waited for the bucket to hold its page, instead of being refused.
    assert sum(w.waited for w in workers) > 0


@pytest.fixture
def redis_backend(settings: Any) -> Iterator[None]:
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "auto"
    assert bucket.backend() == "redis"
    bucket.forget()
    yield
    bucket.forget()


@pytest.fixture
def database_backend(settings: Any, transactional_db: Any) -> Iterator[None]:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "auto"
    assert bucket.backend() == "database"
    bucket.forget()
    yield
    bucket.forget()


def test_two_workers_sharing_the_bucket_in_redis_are_never_throttled(
    small_bucket: Any, redis_backend: None
) -> None:
    workers, _elapsed = _run_two_workers(small_bucket)

    _assert_shared(small_bucket, workers)
    state = bucket.state(DOMAIN)
    assert state is not None
    assert state.maximum == int(1.5 * _page_cost())
    import redis

    ttl = redis.Redis.from_url(REDIS_URL).ttl(f"{bucket.REDIS_PREFIX}{DOMAIN}")
    assert 0 < ttl <= 2  # the state goes once the bucket is full again (1.5 pages at two a second, plus one)


def test_two_workers_sharing_the_bucket_in_the_database_are_never_throttled(
    small_bucket: Any, database_backend: None
) -> None:
    from synco.models import ShopifyRateBucket

    workers, _elapsed = _run_two_workers(small_bucket)

    _assert_shared(small_bucket, workers)
    row = ShopifyRateBucket.objects.get(domain=DOMAIN)
    assert row.maximum == int(1.5 * _page_cost())
    assert row.restore_rate == 2 * _page_cost()
    assert list(row.query_costs.values()) == [float(_page_cost())]


def test_two_workers_each_with_its_own_bucket_get_throttled(
    small_bucket: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: what every worker had before: a bucket of its own (a ProcessStore per thread, as per process)
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "process"
    own = threading.local()
    monkeypatch.setattr(bucket, "store", lambda: own.store)

    def own_store() -> None:
        own.store = bucket.ProcessStore()

    # when
    workers, _elapsed = _run_two_workers(small_bucket, before_each=own_store)

    # then: each believes the whole bucket is its own, and Shopify throttles them
    assert small_bucket.server.stats()["throttled"] > 0
    assert sum(w.throttled for w in workers) > 0


def test_the_backend_follows_the_setting(settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/7"
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "auto"
    assert bucket.backend() == "redis"
    settings.CELERY_BROKER_URL = "filesystem://"
    assert bucket.backend() == "database"
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "process"
    assert bucket.backend() == "process"
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "memcached"
    with pytest.raises(ValueError, match="SYNCO_SHOPIFY_BUCKET_BACKEND must be one of"):
        bucket.backend()


def test_a_reservation_waits_for_what_others_reserved() -> None:
    full = BucketState(maximum=100, available=100, restore_rate=10, at=0)

    first, first_wait = reserve_in(full, 80, now=0)
    second, second_wait = reserve_in(first, 80, now=0)

    assert first_wait == 0
    assert first is not None
    assert first.available == 20
    assert second is not None
    assert second.available == -60
    assert second_wait == 6  # 60 points missing at 10 a second


def test_an_unknown_bucket_or_cost_reserves_nothing_but_waits_out_debt() -> None:
    assert reserve_in(None, 500, now=0) == (None, 0.0)
    indebted = BucketState(maximum=100, available=-30, restore_rate=10, at=0)

    state, wait = reserve_in(indebted, None, now=1)

    assert wait == 2
    assert state is not None
    assert state.available == -20


def test_settling_refunds_the_unspent_reservation_and_trusts_shopify_when_it_says_less() -> None:
    reserved = BucketState(maximum=100, available=-60, restore_rate=10, at=0)  # two reservations of 80
    answer = Report(maximum=100, available=90, restore_rate=10, requested=80, actual=30, throttled=False)

    settled = settle_in(reserved, 80, answer, now=0)

    # Shopify has 90 left, but the other worker's 80 is still on its way: -60 + 80 - 30 = -10.
    assert settled.available == -10
    # A query sent without a reservation (its cost unknown) still spends what it cost: 100 - 30.
    assert settle_in(BucketState(100, 100, 10, 0), 0, answer, now=0).available == 70
    # An unknown bucket is what Shopify says.
    assert settle_in(None, 80, answer, now=0).available == 90
    throttled = Report(maximum=100, available=5, restore_rate=10, requested=80, actual=None, throttled=True)
    assert settle_in(reserved, 80, throttled, now=0).available == 5


def test_a_shared_store_out_of_reach_does_not_fail_the_call(
    own_shopify_server: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/7"  # nothing listens there
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "redis"
    own_shopify_server.control(reset=True)

    zone = _worker(own_shopify_server).fetch_shop_timezone()

    assert zone
    assert "shared shopify bucket unreachable" in caplog.text
