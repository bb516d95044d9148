"""Leaky-bucket rate limiting of GraphQL query cost, one bucket per (shop, access token).

A query is admitted when the bucket holds at least its requested cost; the requested cost is taken
at once and the difference to the actual cost is given back after execution (Shopify documents
this, and a 2026 measurement on a live shop confirmed the bucket drops by the actual cost).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlanLimits:
    maximum_available: float
    restore_rate: float


# Restore rates are Shopify's published figures; the bucket is 20 x the rate per second, which
# matches the documented standard bucket (2000) and a measured Advanced shop (4000 / 200).
PLANS: dict[str, PlanLimits] = {
    "standard": PlanLimits(2000.0, 100.0),
    "advanced": PlanLimits(4000.0, 200.0),
    "plus": PlanLimits(20000.0, 1000.0),
    "enterprise": PlanLimits(40000.0, 2000.0),
}


class LeakyBucket:
    def __init__(self, limits: PlanLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._available = limits.maximum_available
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(
            self.limits.maximum_available, self._available + (now - self._stamp) * self.limits.restore_rate
        )
        self._stamp = now

    def try_take(self, cost: int) -> bool:
        """Take `cost` points if the bucket holds them; False (and nothing taken) otherwise."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def give_back(self, points: int) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.limits.maximum_available, self._available + max(points, 0))

    def status(self) -> dict[str, float | int]:
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": float(self.limits.maximum_available),
                # Shopify reports the current level as a whole number and the limits as floats.
                "currentlyAvailable": int(self._available),
                "restoreRate": float(self.limits.restore_rate),
            }


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}
        self._overrides: dict[str, PlanLimits] = {}
        self._lock = threading.Lock()

    def bucket(self, shop: str, token: str, plan: str) -> LeakyBucket:
        limits = self._overrides.get(shop) or PLANS.get(plan, PLANS["standard"])
        with self._lock:
            current = self._buckets.get((shop, token))
            if current is None or current.limits != limits:
                current = LeakyBucket(limits, self._clock)
                self._buckets[(shop, token)] = current
            return current

    def override(self, shop: str, limits: PlanLimits | None) -> None:
        """Use custom limits for a shop (tests use a tiny bucket to exercise throttling quickly)."""
        with self._lock:
            if limits is None:
                self._overrides.pop(shop, None)
            else:
                self._overrides[shop] = limits
            self._buckets = {k: v for k, v in self._buckets.items() if k[0] != shop}

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._overrides.clear()
