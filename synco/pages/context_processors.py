from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.functional import SimpleLazyObject

from synco.crypto import is_unreadable
from synco.models import Shop
from synco.tenancy import current_shop, shops_for


@dataclass(frozen=True)
class SyncPause:
    paused_at: datetime | None
    paused_by: str


@dataclass(frozen=True)
class UnreadableSecrets:
    """Which of the current shop's stored secrets no configured key decrypts."""

    odoo: bool
    shopify: bool


def _shop_id(request: HttpRequest) -> int | None:
    embedded = getattr(request, "embedded_shop", None)
    if embedded is not None:
        return int(embedded.pk)
    if request.user.is_authenticated:
        try:
            return int(current_shop(request).pk)
        except Http404:
            return None
    return None


def _unreadable_secrets(request: HttpRequest) -> UnreadableSecrets | None:
    """The current shop's secrets Synco can no longer decrypt (lost or wrong key); None if all are readable."""
    shop_id = _shop_id(request)
    if shop_id is None:
        return None
    row = Shop.objects.filter(pk=shop_id).values_list("access_token", "refresh_token", "odoo__secret").first()
    if row is None:
        return None
    access_token, refresh_token, odoo_secret = row
    found = UnreadableSecrets(
        odoo=is_unreadable(odoo_secret), shopify=is_unreadable(access_token) or is_unreadable(refresh_token)
    )
    return found if found.odoo or found.shopify else None


def _sync_pause(request: HttpRequest) -> SyncPause | None:
    """The current shop's pause, read fresh (a pause in this very request shows at once); None if not paused."""
    shop_id = _shop_id(request)
    if shop_id is None:
        return None
    row = (
        Shop.objects.filter(pk=shop_id, sync_paused=True)
        .values_list("sync_paused_at", "sync_paused_by")
        .first()
    )
    return SyncPause(paused_at=row[0], paused_by=row[1]) if row else None


def shops(request: HttpRequest) -> dict[str, object]:
    """The shops the user may switch between (evaluated here: templates run no queries)."""
    return {
        "nav_shops": list(shops_for(request.user).only("pk", "domain")[:50]),
        "shopify_api_key": settings.SHOPIFY_API_KEY,
        "shopify_app_bridge_url": settings.SHOPIFY_APP_BRIDGE_URL,
        # Read only by full pages (the banner in _base.html), not by HTMX fragments.
        "sync_pause": SimpleLazyObject(lambda: _sync_pause(request)),
        "unreadable_secrets": SimpleLazyObject(lambda: _unreadable_secrets(request)),
    }
