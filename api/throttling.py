"""Rate limits per API key (or per shop for the app's own calls): 429 with Retry-After beyond them."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.access import ShopAccess


class PerKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        access = request.auth
        if not isinstance(access, ShopAccess):
            return None  # refused by authentication anyway
        who = f"key-{access.key.pk}" if access.key is not None else f"shop-{access.shop.pk}-{access.via}"
        return self.cache_format % {"scope": self.scope, "ident": who}
