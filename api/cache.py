"""Django's cache on the broker's Redis, where `clear()` removes only Synco's cache keys.

Django's RedisCache clears with FLUSHDB: on the Redis database the Celery queue and the Shopify rate-limit buckets
share (the default, settings.SYNCO_CACHE_URL) that would drop queued tasks. Here it deletes only the keys under the
cache's KEY_PREFIX.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache

CLEAR_BATCH = 500


class PrefixedRedisCache(RedisCache):
    def clear(self) -> None:
        if not self.key_prefix:
            super().clear()
            return
        # Django's RedisCacheClient (the stubs do not declare it): its connection pool, for writing.
        client = self._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        batch: list[bytes] = []
        for name in client.scan_iter(match=f"{self.key_prefix}:*", count=CLEAR_BATCH):
            batch.append(name)
            if len(batch) >= CLEAR_BATCH:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
