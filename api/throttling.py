"""Rate limits per API key (or per shop for the app's own calls): 429 with Retry-After beyond them."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.access import ShopAccess

logger = logging.getLogger(__name__)


class PerKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        access = request.auth
        if not isinstance(access, ShopAccess):
            return None  # refused by authentication anyway
        # A key by its random public prefix, not its row id: ids come back (a restored or test database), and a
        # count left in the shared cache must never weigh on another key.
        who = (
            f"key-{access.key.prefix}"
            if access.key is not None
            else f"shop-{access.shop.domain}-{access.via}"
        )
        return self.cache_format % {"scope": self.scope, "ident": who}

    def allow_request(self, request: Request, view: Any) -> bool:
        """The cache (Redis by default) not answering must not take the API down with it: the request goes through
        unthrottled, and the failure is logged (once per request, without the key)."""
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's own errors: redis.ConnectionError, DatabaseError, ...
            logger.warning(
                "API rate limit not checked: the cache failed", extra={"error": type(exc).__name__}
            )
            return True
