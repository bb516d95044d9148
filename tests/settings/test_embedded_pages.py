"""Inside the Shopify admin: the home and settings pages render from the ID token alone (no login, no cookie)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from django.urls import reverse

from synco.models import Shop
from tests.conftest import SHOP_DOMAIN

pytestmark = pytest.mark.django_db


def _token(settings):
    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP_DOMAIN}/admin",
        "dest": f"https://{SHOP_DOMAIN}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("home", "Home"),
        ("settings:index", "Settings"),
        ("settings:odoo", "Odoo connection"),
        ("settings:rules", "Order rules"),
        ("settings:matching", "Products and customers"),
    ],
)
def test_each_page_renders_for_an_embedded_request(client, settings, shop, name, heading):
    response = client.get(reverse(name), {"id_token": _token(settings), "shop": SHOP_DOMAIN, "embedded": "1"})

    assert response.status_code == 200
    assert f'<s-page heading="{heading}"' in response.content.decode()
    assert response["Content-Security-Policy"].startswith(f"frame-ancestors https://{SHOP_DOMAIN} ")


@pytest.mark.parametrize(
    "name", ["home", "settings:index", "settings:odoo", "settings:rules", "settings:matching"]
)
def test_each_page_sends_a_visitor_without_a_session_to_the_login(client, shop, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_pausing_from_the_admin_works_with_the_bearer_token_alone(client, settings, shop):
    client.handler.enforce_csrf_checks = True
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(settings)}", "HTTP_HX_REQUEST": "true"}

    response = client.post(reverse("settings:pause"), **auth)

    assert response.status_code == 200 and ">Resume syncing</s-button>" in response.content.decode()
    shop.refresh_from_db()
    assert shop.sync_paused and shop.sync_paused_by == "a user in the Shopify admin"
    html = client.get(reverse("home"), {"id_token": _token(settings), "shop": SHOP_DOMAIN}).content.decode()
    assert "(paused by a user in the Shopify admin)" in html
    assert not Shop.objects.exclude(pk=shop.pk).filter(sync_paused=True).exists()
