"""Three ways in, one outcome: `request.auth` is a `ShopAccess` for exactly one shop.

- `Authorization: Bearer synco_…`: a merchant's API key (Settings → API keys), read or read-and-write.
- `Authorization: Bearer <ID token>`: the embedded app's App Bridge session token, checked by
  `synco.shopify_app.embedded.EmbeddedAppMiddleware` (which sets `request.embedded_shop`).
- A Django login session (standalone dashboard), with CSRF on unsafe methods, for the shop chosen on the pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from api.access import ShopAccess
from api.keys import find_key, looks_like_key, touch
from synco.tenancy import current_shop

BEARER = "Bearer"


def _bearer(request: Request) -> str:
    header = str(request.headers.get("Authorization", ""))
    return header.removeprefix(f"{BEARER} ").strip() if header.startswith(f"{BEARER} ") else ""


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ShopAccess] | None:
        token = _bearer(request)
        if not looks_like_key(token):
            return None
        key = find_key(token)
        if key is None:
            raise AuthenticationFailed(
                "This API key is unknown or has been revoked. Create a key on Settings → API keys.",
                code="invalid_api_key",
            )
        touch(key)
        return AnonymousUser(), ShopAccess(shop=key.shop, can_write=key.can_write, via="key", key=key)

    def authenticate_header(self, request: Request) -> str:
        return f'{BEARER} realm="synco"'


class EmbeddedSessionAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ShopAccess] | None:
        shop = getattr(request._request, "embedded_shop", None)
        if shop is None:
            return None
        return AnonymousUser(), ShopAccess(shop=shop, can_write=True, via="session-token")

    def authenticate_header(self, request: Request) -> str:
        return f'{BEARER} realm="synco"'


class LoginSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ShopAccess] | None:
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        try:
            shop = current_shop(request._request)
        except Http404 as exc:
            raise PermissionDenied("No shop is connected to this account.", code="no_shop") from exc
        return user, ShopAccess(shop=shop, can_write=True, via="login")
