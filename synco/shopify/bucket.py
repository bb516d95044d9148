"""The shop's GraphQL rate-limit bucket, one per shop for every worker: in Redis, in the database, or per process.

Shopify gives an app one leaky bucket per shop (cost points; it refills at `restoreRate` a second up to
`maximumAvailable`). Four workers that each believe the bucket is theirs spend it four times over and get
THROTTLED. So the bucket's state is kept where every worker sees it, and used in two steps:

1. reserve: before a query, a worker takes the query's expected cost (what the same query shape cost last
   time) out of the shared level at once, even if that makes it negative, and sleeps the time the refill needs
   to bring its share back. The next worker sees the lower level and waits its turn behind it: together they
   never ask for more than the bucket holds plus what it restored meanwhile.
2. settle: after Shopify's answer, the reserved cost is exchanged for what the query really cost
   (`actualQueryCost`; nothing when THROTTLED, as Shopify ran nothing), and the level is capped by the
   `currentlyAvailable` Shopify just reported (others' reservations still in flight stay deducted).

The state expires once the bucket would be full again: a missing state means "full, as far as we know".

Backends (SYNCO_SHOPIFY_BUCKET_BACKEND): `redis` (the Celery broker's Redis; a WATCH/MULTI transaction per
step, Redis's own clock), `database` (a ShopifyRateBucket row per shop, locked with select_for_update; on
SQLite the write transaction serialises: synco/rate_buckets.py, registered by the app's ready(), as a gateway
knows no models), `process` (this process only, as before), `auto` (redis when CELERY_BROKER_URL is redis://
or rediss://, else database).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import redis
from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "redis", "database", "process")
REDIS_PREFIX = "synco:shopify:bucket:"
COSTS_TTL_SECONDS = 24 * 3600
_WATCH_RETRIES = 20


@dataclass(frozen=True)
class BucketState:
    """The bucket's level at time `at` (seconds, the backend's clock); `available` below zero is reserved debt."""

    maximum: float
    available: float
    restore_rate: float
    at: float

    def level(self, now: float) -> float:
        return min(self.maximum, self.available + max(now - self.at, 0.0) * self.restore_rate)

    def seconds_to_full(self, now: float) -> float:
        if self.restore_rate <= 0:
            return 3600.0
        return max(self.maximum - self.level(now), 0.0) / self.restore_rate


@dataclass(frozen=True)
class Report:
    """What Shopify's answer said: its `throttleStatus` and the query's costs (None when it did not say)."""

    maximum: float
    available: float
    restore_rate: float
    requested: float | None
    actual: float | None
    throttled: bool


def parse_report(body: dict[str, Any], *, throttled: bool) -> Report | None:
    """The cost extension of a GraphQL answer, or None when it has none."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        maximum = float(status["maximumAvailable"])
        available = float(status["currentlyAvailable"])
        restore_rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    return Report(
        maximum=maximum,
        available=available,
        restore_rate=restore_rate,
        requested=as_number(cost.get("requestedQueryCost")),
        actual=as_number(cost.get("actualQueryCost")),
        throttled=throttled,
    )


def as_number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def query_key(document: str, variables: dict[str, Any] | None) -> str:
    """A query's shape (its document and page sizes): its cost is the same next time."""
    sizes = sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int))
    return hashlib.sha256(f"{document}\0{json.dumps(sizes)}".encode()).hexdigest()[:24]


# -- the arithmetic, the same for every backend ------------------------------------------------------------


def reserve_in(state: BucketState | None, cost: float | None, now: float) -> tuple[BucketState | None, float]:
    """Take `cost` out of the bucket now; returns the new state and the seconds to wait before sending.

    An unknown bucket is full as far as we know (no wait); an unknown cost reserves nothing but still waits
    until what others reserved is restored."""
    if state is None or state.restore_rate <= 0:
        return state, 0.0
    take = min(max(cost or 0.0, 0.0), state.maximum)
    level = state.level(now)
    wait = max(take - level, 0.0) / state.restore_rate
    return replace(state, available=level - take, at=now), wait


def settle_in(state: BucketState | None, reserved: float, report: Report, now: float) -> BucketState:
    """Exchange the reservation for what the query cost, and never believe in more than Shopify reported."""
    spent = 0.0 if report.throttled else (report.actual if report.actual is not None else reserved)
    reported = min(report.available, report.maximum)
    level = reported if state is None else min(state.level(now) + reserved - spent, reported)
    return BucketState(report.maximum, level, report.restore_rate, now)


def _ttl(state: BucketState, now: float) -> int:
    return max(math.ceil(state.seconds_to_full(now)) + 1, 2)


# -- backends -----------------------------------------------------------------------------------------------


class BucketStore(Protocol):
    def reserve(self, domain: str, key: str) -> tuple[float, float]:
        """Reserve the expected cost of query `key`; returns (cost reserved, seconds to wait)."""
        ...

    def settle(self, domain: str, key: str, reserved: float, report: Report) -> None:
        """Record Shopify's answer to the query reserved for."""
        ...

    def state(self, domain: str) -> BucketState | None:
        """The bucket as last recorded (None: unknown, i.e. full as far as we know)."""
        ...

    def forget(self, domain: str | None = None) -> None:
        """Drop what is known of the bucket (of one shop, or of all)."""
        ...


class ProcessStore:
    """This process's view only (what Synco did before the buckets were shared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, BucketState] = {}
        self._costs: dict[tuple[str, str], float] = {}

    def reserve(self, domain: str, key: str) -> tuple[float, float]:
        with self._lock:
            cost = self._costs.get((domain, key))
            state, wait = reserve_in(self._states.get(domain), cost, time.monotonic())
            if state is not None:
                self._states[domain] = state
            return (cost or 0.0) if state is not None else 0.0, wait

    def settle(self, domain: str, key: str, reserved: float, report: Report) -> None:
        with self._lock:
            self._states[domain] = settle_in(self._states.get(domain), reserved, report, time.monotonic())
            if report.requested is not None:
                self._costs[(domain, key)] = report.requested

    def state(self, domain: str) -> BucketState | None:
        with self._lock:
            return self._states.get(domain)

    def forget(self, domain: str | None = None) -> None:
        with self._lock:
            if domain is None:
                self._states.clear()
                self._costs.clear()
            else:
                self._states.pop(domain, None)
                self._costs = {k: v for k, v in self._costs.items() if k[0] != domain}


class RedisStore:
    """One key per shop (the state, expiring when the bucket is full again) and a hash of query costs."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    @staticmethod
    def _keys(domain: str) -> tuple[str, str]:
        return f"{REDIS_PREFIX}{domain}", f"{REDIS_PREFIX}{domain}:costs"

    def _now(self, pipe: Any) -> float:
        seconds, micros = pipe.time()
        return float(seconds) + float(micros) / 1e6

    @staticmethod
    def _decode(raw: bytes | str | None) -> BucketState | None:
        if not raw:
            return None
        data = json.loads(raw)
        return BucketState(
            float(data["maximum"]), float(data["available"]), float(data["restore_rate"]), float(data["at"])
        )

    @staticmethod
    def _encode(state: BucketState) -> str:
        return json.dumps(
            {
                "maximum": state.maximum,
                "available": state.available,
                "restore_rate": state.restore_rate,
                "at": state.at,
            }
        )

    def _transact(self, domain: str, change: Any) -> Any:
        """Run `change(pipe, state, now) -> (new state | None, result)` atomically (optimistic WATCH)."""
        state_key, _ = self._keys(domain)
        with self.client.pipeline() as pipe:
            for _ in range(_WATCH_RETRIES):
                try:
                    pipe.watch(state_key)
                    now = self._now(pipe)
                    state = self._decode(pipe.get(state_key))
                    new, result = change(pipe, state, now)
                    pipe.multi()
                    if new is not None:
                        pipe.set(state_key, self._encode(new), ex=_ttl(new, now))
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue
        raise redis.RedisError(f"the rate-limit bucket of {domain} kept changing under us")

    def reserve(self, domain: str, key: str) -> tuple[float, float]:
        _, costs_key = self._keys(domain)

        def change(pipe: Any, state: BucketState | None, now: float) -> tuple[BucketState | None, Any]:
            cost = as_number(pipe.hget(costs_key, key))
            new, wait = reserve_in(state, cost, now)
            return new, ((cost or 0.0) if new is not None else 0.0, wait)

        result: tuple[float, float] = self._transact(domain, change)
        return result

    def settle(self, domain: str, key: str, reserved: float, report: Report) -> None:
        _, costs_key = self._keys(domain)

        def change(pipe: Any, state: BucketState | None, now: float) -> tuple[BucketState, None]:
            return settle_in(state, reserved, report, now), None

        self._transact(domain, change)
        if report.requested is not None:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.hset(costs_key, key, report.requested)
                pipe.expire(costs_key, COSTS_TTL_SECONDS)
                pipe.execute()

    def state(self, domain: str) -> BucketState | None:
        return self._decode(self.client.get(self._keys(domain)[0]))

    def forget(self, domain: str | None = None) -> None:
        if domain is not None:
            self.client.delete(*self._keys(domain))
            return
        keys = list(self.client.scan_iter(match=f"{REDIS_PREFIX}*", count=500))
        if keys:
            self.client.delete(*keys)


# -- which store -------------------------------------------------------------------------------------------

_process_store = ProcessStore()
_redis_stores: dict[str, RedisStore] = {}
_stores_lock = threading.Lock()
_database_store: Callable[[], BucketStore] | None = None


def use_database_store(factory: Callable[[], BucketStore]) -> None:
    """Register the database backend (synco.rate_buckets, from SyncoConfig.ready())."""
    global _database_store
    _database_store = factory


def backend() -> str:
    """The backend in use: SYNCO_SHOPIFY_BUCKET_BACKEND, with `auto` resolved from CELERY_BROKER_URL."""
    chosen = str(getattr(settings, "SYNCO_SHOPIFY_BUCKET_BACKEND", "auto") or "auto").lower()
    if chosen not in BACKENDS:
        raise ValueError(f"SYNCO_SHOPIFY_BUCKET_BACKEND must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    if chosen == "auto":
        broker = str(settings.CELERY_BROKER_URL)
        return "redis" if broker.startswith(("redis://", "rediss://")) else "database"
    return chosen


def store() -> BucketStore:
    """The shared bucket store this process uses (see the module's docstring)."""
    chosen = backend()
    if chosen == "process":
        return _process_store
    if chosen == "database":
        if _database_store is None:
            raise RuntimeError(
                "the database rate-limit bucket is registered by synco.apps: call django.setup()"
            )
        return _database_store()
    url = str(settings.CELERY_BROKER_URL)
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError("SYNCO_SHOPIFY_BUCKET_BACKEND=redis needs CELERY_BROKER_URL to be a redis:// URL")
    with _stores_lock:
        found = _redis_stores.get(url)
        if found is None:
            found = _redis_stores[url] = RedisStore(url)
        return found


# The store's own atomic block (a savepoint inside a caller's transaction) has rolled back by then.
_UNREACHABLE = (redis.RedisError, DatabaseError)


def reserve(domain: str, key: str) -> tuple[float, float]:
    """Reserve query `key`'s expected cost in the shop's shared bucket: (cost reserved, seconds to wait).

    If the shared store cannot be reached (Redis down, the row locked too long), this process's own bucket
    stands in for it: the bucket spares Shopify's THROTTLED answers, it must not fail the call itself."""
    try:
        return store().reserve(domain, key)
    except _UNREACHABLE as exc:
        logger.warning("shared shopify bucket unreachable; using this process's", extra={"error": str(exc)})
        return _process_store.reserve(domain, key)


def settle(domain: str, key: str, reserved: float, report: Report) -> None:
    """Record Shopify's answer (its throttleStatus and the query's cost) in the shop's shared bucket."""
    try:
        store().settle(domain, key, reserved, report)
    except _UNREACHABLE as exc:
        logger.warning("shared shopify bucket unreachable; using this process's", extra={"error": str(exc)})
        _process_store.settle(domain, key, reserved, report)


def state(domain: str) -> BucketState | None:
    """The shop's bucket as last recorded by any worker sharing the store."""
    return store().state(domain)


def forget(domain: str | None = None) -> None:
    """Forget the bucket (one shop's, or all): in this process and in the shared store."""
    _process_store.forget(domain)
    store().forget(domain)
