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
        eligible=True,  # as the import stores this paid order: the sync refuses ineligible ones
    )


def test_the_app_home_opens_with_an_id_token_and_frames_only_in_that_shops_admin(client, settings):
    Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")

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
    Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")

    response = client.get(
        reverse("orders:list"), HTTP_AUTHORIZATION=f"Bearer {_token(settings, **overrides)}"
    )

    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_htmx_posts_with_a_bearer_token_work_without_cookies_and_stay_in_their_shop(client, settings):
    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")
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


def test_the_first_embedded_load_installs_the_shop_with_an_expiring_offline_token(client, settings, shopify):
    from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET

    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    id_token = shopify.server.session_token(DOMAIN)

    response = client.get(reverse("orders:list"), {"id_token": id_token, "shop": DOMAIN, "embedded": "1"})

    assert response.status_code == 200
    shop = Shop.objects.get(domain=DOMAIN)
    assert shop.access_token.startswith("shpat_") and shop.refresh_token
    assert shop.access_token_expires_at is not None and shop.rules.pk


def test_an_expiring_token_is_refreshed_before_a_sync_uses_it(settings, shopify):
    from datetime import timedelta

    from django.utils import timezone

    from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET
    from synco.gateways import install_from_session_token, shopify_client_for

    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    shop = install_from_session_token(DOMAIN, shopify.server.session_token(DOMAIN))
    first_access, first_refresh = shop.access_token, shop.refresh_token
    Shop.objects.filter(pk=shop.pk).update(access_token_expires_at=timezone.now() + timedelta(minutes=1))
    shop.refresh_from_db()

    client = shopify_client_for(shop)
    page = client.fetch_orders_page(after=None, query=None, first=1)

    shop.refresh_from_db()
    assert len(page.results) == 1
    assert shop.access_token != first_access and shop.refresh_token != first_refresh
    assert shop.access_token_expires_at > timezone.now() + timedelta(minutes=30)


def test_an_invalid_id_token_never_installs_anything(client, settings, shopify):
    page = client.get(reverse("orders:list"), {"id_token": _token(settings, aud="another-app")})
    fetch = client.get(
        reverse("orders:list"), HTTP_AUTHORIZATION=f"Bearer {_token(settings, aud='another-app')}"
    )

    assert page.status_code == 302 and page["Location"].startswith(reverse("shopify_bounce"))
    assert fetch.status_code == 401
    assert not Shop.objects.exists()


def test_the_app_url_with_the_id_token_opens_the_home_page_of_that_shop(client, settings):
    Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")
    token = _token(settings)

    response = client.get("/", {"embedded": "1", "id_token": token, "shop": DOMAIN})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<s-page heading="Home"' in html and '<s-section heading="Setup"' in html
    assert response["Content-Security-Policy"].startswith(f"frame-ancestors https://{DOMAIN} ")
