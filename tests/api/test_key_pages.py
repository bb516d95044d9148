"""Settings → API keys: create (shown once, stored hashed), list in the shop's time, revoke; embedded and standalone."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from datetime import UTC, datetime

import jwt
import pytest
from django.urls import reverse

from api.keys import create_key
from api.models import ApiKey
from synco.models import Shop
from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db

DOMAIN = "keys-shop.myshopify.com"
KEY_TEXT = re.compile(r'id="new-api-key"[^>]*value="(synco_[0-9a-f]{8}_[A-Za-z0-9_-]+)"')


@pytest.fixture
def shop() -> Shop:
    return Shop.objects.create(domain=DOMAIN, access_token="shpat_keys", iana_timezone="Asia/Tokyo")


@pytest.fixture
def merchant_client(client, shop, django_user_model):
    user = django_user_model.objects.create_user("keys-merchant", password="pw-keys-1")
    shop.users.add(user)
    client.force_login(user)
    return client


def _token(settings, domain: str = DOMAIN) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{domain}/admin",
        "dest": f"https://{domain}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


def _plain_key(html: str) -> str:
    found = KEY_TEXT.search(html)
    assert found, "the new key is not shown"
    return found[1]


def test_it_creates_a_key_shows_it_once_and_stores_only_its_hash(merchant_client, shop):
    # when
    response = merchant_client.post(
        reverse("api_keys:create"), {"name": " n8n ", "scope": "write"}, HTTP_HX_REQUEST="true"
    )

    # then: the fragment shows the key once, with a copy button
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    plain = _plain_key(html)
    assert 'data-copy-from="new-api-key"' in html
    key = ApiKey.objects.get(shop=shop)
    assert (key.name, key.scope, key.created_by) == ("n8n", "write", "keys-merchant")
    assert key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(f"synco_{key.prefix}_")
    assert plain not in (key.key_hash, key.prefix, key.name)
    assert f"synco_{key.prefix}…" in html
    # and it works on the API, with the write scope
    assert client_with(plain).get("/api/v1/me/").json() == {
        "shop": DOMAIN,
        "scope": "write",
        "via": "key",
        "key_name": "n8n",
    }
    # never again: the page lists it by its prefix only
    page = merchant_client.get(reverse("api_keys:index")).content.decode()
    assert plain not in page
    assert 'id="new-api-key"' not in page
    assert f"synco_{key.prefix}…" in page and ">n8n<" in page


def test_the_list_shows_times_in_the_shops_zone_and_who_created_the_key(merchant_client, shop):
    key, _ = create_key(shop, "monitoring", "read", created_by="alice")
    ApiKey.objects.filter(pk=key.pk).update(
        created_at=datetime(2026, 12, 1, 14, 30, tzinfo=UTC),
        last_used_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    )

    html = merchant_client.get(reverse("api_keys:index")).content.decode()

    # 14:30 UTC is 23:30 in Tokyo; 15:00 UTC the next midnight there.
    assert "Dec 1, 2026 23:30 JST" in html and "by alice" in html
    assert "Dec 3, 2026 00:00 JST" in html
    assert 'tone="info">Read</s-badge>' in html


def test_a_key_never_used_says_so(merchant_client, shop):
    create_key(shop, "spare", "read")

    html = merchant_client.get(reverse("api_keys:index"), HTTP_HX_REQUEST="true").content.decode()

    assert html.startswith('<div id="api-keys"') and "Never" in html
    assert "<s-page" not in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Name the key: what will use it?"),
        ("   ", "Name the key: what will use it?"),
        ("x" * 101, "A key&#x27;s name has at most 100 characters."),
    ],
)
def test_the_name_is_required_and_at_most_100_characters(merchant_client, shop, name, message):
    fragment = merchant_client.post(
        reverse("api_keys:create"), {"name": name, "scope": "read"}, HTTP_HX_REQUEST="true"
    )
    page = merchant_client.post(reverse("api_keys:create"), {"name": name, "scope": "read"})

    # HTMX swaps only a 2xx answer: the fragment with the error comes as 200 to it, 422 to a plain form post
    assert fragment.status_code == 200 and "No key was created" in fragment["HX-Trigger"]
    assert message in fragment.content.decode() and 'id="new-api-key"' not in fragment.content.decode()
    assert page.status_code == 422 and message in page.content.decode()
    assert not ApiKey.objects.exists()


def test_a_name_of_100_characters_is_accepted(merchant_client, shop):
    response = merchant_client.post(reverse("api_keys:create"), {"name": "x" * 100, "scope": "read"})

    assert response.status_code == 200
    assert ApiKey.objects.get(shop=shop).name == "x" * 100


def test_an_unknown_scope_is_refused(merchant_client, shop):
    response = merchant_client.post(reverse("api_keys:create"), {"name": "n8n", "scope": "admin"})

    assert response.status_code == 422
    assert not ApiKey.objects.exists()


def test_revoking_a_key_stops_it_at_once(merchant_client, shop):
    key, plain = create_key(shop, "old script", "read")
    kept, kept_plain = create_key(shop, "monitoring", "read")
    assert client_with(plain).get("/api/v1/me/").status_code == 200

    response = merchant_client.post(reverse("api_keys:revoke", args=[key.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "revoked" in response["HX-Trigger"]
    html = response.content.decode()
    assert f'id="api-key-{key.pk}"' not in html and f'id="api-key-{kept.pk}"' in html
    key.refresh_from_db()
    assert key.revoked_at is not None
    answer = client_with(plain).get("/api/v1/me/")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_api_key"
    assert client_with(kept_plain).get("/api/v1/me/").status_code == 200
    # a second revoke finds nothing to revoke
    assert merchant_client.post(reverse("api_keys:revoke", args=[key.pk])).status_code == 404


def test_another_shops_key_cannot_be_revoked(merchant_client, shop):
    theirs = Shop.objects.create(domain="theirs.myshopify.com", access_token="shpat_theirs")
    key, plain = create_key(theirs, "their key", "write")

    response = merchant_client.post(reverse("api_keys:revoke", args=[key.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client_with(plain).get("/api/v1/me/").status_code == 200
    assert "their key" not in merchant_client.get(reverse("api_keys:index")).content.decode()


def test_it_works_embedded_with_the_session_token_alone(client, settings, shop):
    client.handler.enforce_csrf_checks = True
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(settings)}", "HTTP_HX_REQUEST": "true"}

    page = client.get(
        reverse("api_keys:index"), {"id_token": _token(settings), "shop": DOMAIN, "embedded": "1"}
    )
    created = client.post(reverse("api_keys:create"), {"name": "embedded", "scope": "read"}, **auth)

    assert page.status_code == 200 and '<s-page heading="API keys"' in page.content.decode()
    assert created.status_code == 200
    key = ApiKey.objects.get(shop=shop)
    assert key.created_by == "a user in the Shopify admin"
    plain = _plain_key(created.content.decode())
    revoked = client.post(reverse("api_keys:revoke", args=[key.pk]), **auth)
    assert revoked.status_code == 200
    assert client_with(plain).get("/api/v1/me/").status_code == 401


def test_without_a_login_or_token_it_sends_to_the_login(client, shop):
    assert client.get(reverse("api_keys:index"))["Location"].startswith(reverse("login"))
    response = client.post(reverse("api_keys:create"), {"name": "x", "scope": "read"})
    assert response.status_code == 302
    assert not ApiKey.objects.exists()


def test_the_settings_page_links_to_the_api_keys(merchant_client, shop):
    html = merchant_client.get(reverse("settings:index")).content.decode()

    assert f'href="{reverse("api_keys:index")}"' in html
