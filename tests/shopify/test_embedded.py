"""Inside the Shopify admin: session tokens instead of cookies, per-shop frame-ancestors, App Bridge first."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from django.urls import reverse

from orders.models import Order
from synco.models import Shop
from tests.factories import order_node

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


def _token(settings, shop=DOMAIN, **overrides):
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    claims.update(overrides)
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


def _order(shop, shopify_id, name):
    node = order_node(id=f"gid://shopify/Order/{shopify_id}", name=name)
    return Order.objects.create(
        shop=shop,
        shopify_id=shopify_id,
        gid=node["id"],
        name=name,
        created_at="2026-11-20T14:03:00Z",
        updated_at="2026-11-20T14:05:00Z",
        payload=node,
    )


def test_the_app_home_opens_with_an_id_token_and_frames_only_in_that_shops_admin(client, settings):
    Shop.objects.create(domain=DOMAIN)

    response = client.get(
        reverse("orders:list"), {"id_token": _token(settings), "shop": DOMAIN, "embedded": "1"}
    )

    assert response.status_code == 200
    assert (
        response["Content-Security-Policy"] == f"frame-ancestors https://{DOMAIN} https://admin.shopify.com;"
    )
    assert "X-Frame-Options" not in response
    head = response.content.decode().split("<head>", 1)[1]
    assert head.lstrip().startswith(f'<meta name="shopify-api-key" content="{settings.SHOPIFY_API_KEY}">')
    assert (
        '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>'
        in head.split("<meta charset")[0]
    )


def test_pages_outside_the_admin_refuse_to_be_framed(client):
    response = client.get(reverse("login"))

    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


@pytest.mark.parametrize(
    "overrides",
    [{"exp": int(time.time()) - 60}, {"aud": "another-app"}, {"dest": "https://other.myshopify.com"}],
)
def test_an_invalid_session_token_gets_401_with_the_retry_header(client, settings, overrides):
    Shop.objects.create(domain=DOMAIN)

    response = client.get(
        reverse("orders:list"), HTTP_AUTHORIZATION=f"Bearer {_token(settings, **overrides)}"
    )

    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_htmx_posts_with_a_bearer_token_work_without_cookies_and_stay_in_their_shop(client, settings):
    shop = Shop.objects.create(domain=DOMAIN)
    other = Shop.objects.create(domain="other.myshopify.com")
    mine, theirs = _order(shop, 1, "#1"), _order(other, 2, "#2")
    client.handler.enforce_csrf_checks = True
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(settings)}", "HTTP_HX_REQUEST": "true"}

    synced = client.post(reverse("orders:sync", args=[mine.pk]), **auth)
    foreign = client.post(reverse("orders:sync", args=[theirs.pk]), **auth)
    listed = client.get(reverse("orders:list"), **auth).content.decode()

    assert synced.status_code == 200 and 'data-status="queued"' in synced.content.decode()
    assert foreign.status_code == 404
    assert "<strong>#1</strong>" in listed and "<strong>#2</strong>" not in listed


def test_a_token_for_a_shop_that_uninstalled_is_refused(client, settings):
    from django.utils import timezone

    Shop.objects.create(domain=DOMAIN, uninstalled_at=timezone.now())

    response = client.get(reverse("orders:list"), HTTP_AUTHORIZATION=f"Bearer {_token(settings)}")

    assert response.status_code == 403
