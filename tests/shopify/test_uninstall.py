"""Install, uninstall and reinstall against the Shopify sandbox: tokens go, schedules stop, logs stay."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from orders.services import shops_due_for_sweep
from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.gateways import install_from_session_token
from synco.models import Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify_app.webhook_handlers import process_webhook

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


def test_uninstall_revokes_both_tokens_stops_the_sweep_and_a_reinstall_starts_again(
    client, settings, shopify
):
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    shop = install_from_session_token(DOMAIN, shopify.server.session_token(DOMAIN))
    SyncAttempt.objects.create(shop=shop, operation="import_orders", started_at=shop.installed_at)
    assert shop.refresh_token and shop.pk in shops_due_for_sweep()
    body = json.dumps({"id": 954889, "domain": DOMAIN, "myshopify_domain": DOMAIN}).encode()

    response = client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="app/uninstalled",
        HTTP_X_SHOPIFY_SHOP_DOMAIN=DOMAIN,
        HTTP_X_SHOPIFY_EVENT_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_hmac(body, DEFAULT_API_SECRET),
    )
    process_webhook(WebhookReceipt.objects.get().pk)

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.access_token, shop.refresh_token, shop.access_token_expires_at) == ("", "", None)
    assert shop.uninstalled_at is not None
    assert shop.pk not in shops_due_for_sweep()
    assert SyncAttempt.objects.filter(shop=shop).count() == 1  # the logs are kept

    # Opening the app again from the admin is a reinstall: a new token, the same shop and its history.
    page = client.get(
        reverse("orders:list"),
        {"id_token": shopify.server.session_token(DOMAIN), "shop": DOMAIN, "embedded": "1"},
    )

    assert page.status_code == 200
    shop.refresh_from_db()
    assert shop.uninstalled_at is None and shop.access_token.startswith("shpat_") and shop.refresh_token
    assert Shop.objects.count() == 1 and SyncAttempt.objects.filter(shop=shop).count() == 1
