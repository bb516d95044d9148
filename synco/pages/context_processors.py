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


@dataclass(frozen=True)
class Banners:
    """What the banners of a full page say about the current shop (one query, when a page shows them)."""

    sync_pause: SyncPause | None
    unreadable_secrets: UnreadableSecrets | None


def _banners(request: HttpRequest) -> Banners:
    """The current shop's pause and unreadable secrets, read fresh (a pause in this very request shows at once)."""
    shop_id = _shop_id(request)
    row = (
        Shop.objects.filter(pk=shop_id)
        .values_list(
            "sync_paused", "sync_paused_at", "sync_paused_by", "access_token", "refresh_token", "odoo__secret"
        )
        .first()
        if shop_id is not None
        else None
    )
    if row is None:
        return Banners(sync_pause=None, unreadable_secrets=None)
    paused, paused_at, paused_by, access_token, refresh_token, odoo_secret = row
    # Secrets no configured key decrypts (a lost or wrong SYNCO_ENCRYPTION_KEY): what to reconnect.
    unreadable = UnreadableSecrets(
        odoo=is_unreadable(odoo_secret), shopify=is_unreadable(access_token) or is_unreadable(refresh_token)
    )
    return Banners(
        sync_pause=SyncPause(paused_at=paused_at, paused_by=paused_by) if paused else None,
        unreadable_secrets=unreadable if unreadable.odoo or unreadable.shopify else None,
    )


def shops(request: HttpRequest) -> dict[str, object]:
    """The shops the user may switch between (evaluated here: templates run no queries)."""
    banners: Banners = SimpleLazyObject(lambda: _banners(request))  # type: ignore[assignment]
    return {
        "nav_shops": list(shops_for(request.user).only("pk", "domain")[:50]),
        "shopify_api_key": settings.SHOPIFY_API_KEY,
        "shopify_app_bridge_url": settings.SHOPIFY_APP_BRIDGE_URL,
        "shopify_polaris_url": settings.SHOPIFY_POLARIS_URL,
        # Read only by full pages (the banner in _base.html), not by HTMX fragments.
        "sync_pause": SimpleLazyObject(lambda: banners.sync_pause),
        "unreadable_secrets": SimpleLazyObject(lambda: banners.unreadable_secrets),
    }
