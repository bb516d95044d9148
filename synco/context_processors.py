from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from synco.tenancy import shops_for


def shops(request: HttpRequest) -> dict[str, object]:
    """The shops the user may switch between (evaluated here: templates run no queries)."""
    return {
        "nav_shops": list(shops_for(request.user).only("pk", "domain")[:50]),
        "shopify_api_key": settings.SHOPIFY_API_KEY,
        "shopify_app_bridge_url": settings.SHOPIFY_APP_BRIDGE_URL,
    }
