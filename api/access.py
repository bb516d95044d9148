"""Who is calling the API and for which shop: every endpoint is scoped through `shop_of(request)`."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from api.models import ApiKey
from synco.models import Shop


@dataclass(frozen=True)
class ShopAccess:
    """The shop a request acts for and what it may do there (`request.auth` on every API request)."""

    shop: Shop
    can_write: bool
    # "key" (an API key), "session-token" (the embedded app's App Bridge ID token) or "login" (Django session).
    via: str
    key: ApiKey | None = None


def access_of(request: Request) -> ShopAccess:
    access = request.auth
    if not isinstance(access, ShopAccess):
        raise NotAuthenticated()
    return access


def shop_of(request: Request) -> Shop:
    """The one shop this request may see: another shop's objects are looked up through it and so give 404."""
    return access_of(request).shop
