"""The database backend of the shared Shopify rate-limit bucket (synco.shopify.bucket): a ShopifyRateBucket
row per shop, changed in a short transaction that holds its row lock (select_for_update on PostgreSQL; on
SQLite the write transaction, begun IMMEDIATE, serialises the workers). The clock is the machines' wall clock.

The gateway (synco.shopify) knows no models: SyncoConfig.ready() registers this store with it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction

from synco.models import ShopifyRateBucket
from synco.shopify import bucket


class DatabaseStore:
    """A ShopifyRateBucket row per shop, changed in a short transaction holding its row lock."""

    def _change(self, domain: str, change: Any) -> Any:
        for _ in range(3):
            try:
                with transaction.atomic():
                    row = ShopifyRateBucket.objects.select_for_update().filter(domain=domain).first()
                    now = time.time()
                    state = _row_state(row, now)
                    costs = dict(row.query_costs) if row is not None else {}
                    new, result = change(state, costs, now)
                    if new is None:
                        return result
                    if row is None:
                        row = ShopifyRateBucket(domain=domain)
                    row.maximum = new.maximum
                    row.available = new.available
                    row.restore_rate = new.restore_rate
                    row.updated_at = datetime.fromtimestamp(new.at, UTC)
                    row.query_costs = costs
                    row.save()
                    return result
            except IntegrityError:  # two workers created the shop's row at once: the other one won, use it
                continue
        raise IntegrityError(f"cannot record the rate-limit bucket of {domain}")

    def reserve(self, domain: str, key: str) -> tuple[float, float]:
        def change(
            state: bucket.BucketState | None, costs: dict[str, float], now: float
        ) -> tuple[bucket.BucketState | None, tuple[float, float]]:
            cost = bucket.as_number(costs.get(key))
            new, wait = bucket.reserve_in(state, cost, now)
            return new, ((cost or 0.0) if new is not None else 0.0, wait)

        result: tuple[float, float] = self._change(domain, change)
        return result

    def settle(self, domain: str, key: str, reserved: float, report: bucket.Report) -> None:
        def change(
            state: bucket.BucketState | None, costs: dict[str, float], now: float
        ) -> tuple[bucket.BucketState, None]:
            if report.requested is not None:
                costs[key] = report.requested
            return bucket.settle_in(state, reserved, report, now), None

        self._change(domain, change)

    def state(self, domain: str) -> bucket.BucketState | None:
        return _row_state(ShopifyRateBucket.objects.filter(domain=domain).first(), time.time())

    def forget(self, domain: str | None = None) -> None:
        rows = ShopifyRateBucket.objects.all()
        (rows if domain is None else rows.filter(domain=domain)).delete()


def _row_state(row: Any, now: float) -> bucket.BucketState | None:
    if row is None:
        return None
    state = bucket.BucketState(row.maximum, row.available, row.restore_rate, row.updated_at.timestamp())
    # Once full again, an old row says no more than a missing one (as the Redis key expires then).
    return None if state.seconds_to_full(now) <= 0 else state
