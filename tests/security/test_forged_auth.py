"""Forged credentials stay refused: App Bridge ID tokens (synco/shopify_app/embedded.py) and signed install queries.

Every forged ID token gets 401 with the retry header on a fetch, a bounce through App Bridge on a page load, and
neither carries any data of the shop. tests/shopify/test_embedded.py and tests/shopify/test_install.py hold the
first cases (an expired token, another app's audience, a mismatched destination; a forged, unsigned or old install
query, invalid shop names); these are the rest of the variants an attacker can send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order, SyncStatus
from synco.models import Shop
from synco.shopify.auth import query_hmac
from synco.shopify_app.install import STATE_COOKIE
from tests.security.conftest import (
    A_ORDER_NAME,
    B_DOMAIN,
    TwoShops,
    b64url,
    id_token,
    id_token_claims,
    leaked_markers,
    raw_jwt,
    shop_state,
)

pytestmark = pytest.mark.django_db
A_DOMAIN = "synco-demo.myshopify.com"
A_DATA = (A_ORDER_NAME, "alpha.customer@example.com", "alpha attempt log")


def _hs(header: dict[str, Any], claims: dict[str, Any], secret: str, digest: Any = hashlib.sha256) -> str:
    """A token with any header, HMAC-signed over exactly what is sent (so only the header is wrong)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def _tampered(settings: Any) -> str:
    """A real token of shop A whose payload now names shop B, the original signature kept."""
    header, _, signature = id_token(settings, A_DOMAIN).split(".")
    claims = b64url(json.dumps(id_token_claims(B_DOMAIN, settings.SHOPIFY_API_KEY)).encode())
    return f"{header}.{claims}.{signature}"


def _now() -> int:
    return int(time.time())  # when the test runs, not when it was collected


def _claims(settings: Any, **overrides: Any) -> dict[str, Any]:
    return id_token_claims(A_DOMAIN, settings.SHOPIFY_API_KEY, **overrides)


FORGERIES: dict[str, Callable[[Any], str]] = {
    "alg_none": lambda s: raw_jwt({"alg": "none", "typ": "JWT"}, _claims(s), b""),
    "alg_None_capitalised": lambda s: raw_jwt({"alg": "None", "typ": "JWT"}, _claims(s), b""),
    "hs256_without_signature": lambda s: raw_jwt({"alg": "HS256", "typ": "JWT"}, _claims(s), b""),
    "hs256_wrong_secret": lambda s: id_token(s, A_DOMAIN, secret="not-the-app-secret-0000000000000000"),
    "hs256_empty_secret": lambda s: _hs({"alg": "HS256", "typ": "JWT"}, _claims(s), ""),
    "rs256_header_hmac_signed": lambda s: _hs(
        {"alg": "RS256", "typ": "JWT"}, _claims(s), s.SHOPIFY_API_SECRET
    ),
    "hs512_right_secret": lambda s: _hs(
        {"alg": "HS512", "typ": "JWT"}, _claims(s), s.SHOPIFY_API_SECRET, hashlib.sha512
    ),
    "expired_beyond_leeway": lambda s: id_token(
        s, A_DOMAIN, exp=_now() - 30, iat=_now() - 90, nbf=_now() - 90
    ),
    "not_before_in_the_future": lambda s: id_token(
        s, A_DOMAIN, nbf=_now() + 60, iat=_now() + 60, exp=_now() + 120
    ),
    "another_apps_audience": lambda s: id_token(s, A_DOMAIN, aud="another-apps-api-key"),
    "issuer_a_destination_b": lambda s: id_token(s, A_DOMAIN, dest=f"https://{B_DOMAIN}"),
    "issuer_b_destination_a": lambda s: id_token(s, A_DOMAIN, iss=f"https://{B_DOMAIN}/admin"),
    "issuer_not_admin": lambda s: id_token(s, A_DOMAIN, iss=f"https://{A_DOMAIN}"),
    "not_myshopify": lambda s: id_token(
        s, A_DOMAIN, iss="https://evil.example.com/admin", dest="https://evil.example.com"
    ),
    "myshopify_suffix_trick": lambda s: id_token(
        s,
        A_DOMAIN,
        iss=f"https://{A_DOMAIN}.evil.example.com/admin",
        dest=f"https://{A_DOMAIN}.evil.example.com",
    ),
    "missing_sub": lambda s: id_token(s, A_DOMAIN, sub=None),
    "missing_exp": lambda s: id_token(s, A_DOMAIN, exp=None),
    "missing_dest": lambda s: id_token(s, A_DOMAIN, dest=None),
    "tampered_payload_original_signature": _tampered,
    "garbage": lambda s: "not-a-jwt",
    "three_garbage_parts": lambda s: "a.b.c",
    "huge": lambda s: "x" * 20_000,
}


@pytest.fixture
def a_token_client(two_shops: TwoShops) -> Client:
    """A browser with no session at all: only what it sends in the request authenticates it."""
    return Client()


def _assert_no_data(response: Any) -> None:
    text = response.content.decode(errors="replace") + response.get("Location", "")
    assert [marker for marker in A_DATA if marker in text] == []
    assert leaked_markers(text) == []


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_it_refuses_a_forged_id_token_on_fetches_with_401_and_no_data(settings, two_shops, forgery):
    token = FORGERIES[forgery](settings)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HX_REQUEST": "true"}

    responses = [
        client.get(reverse("orders:list"), **auth),
        client.get(reverse("orders:detail", args=[two_shops.a_order.pk]), **auth),
        client.get(reverse("synclogs:list"), **auth),
        client.get(reverse("settings:odoo"), **auth),
        client.post(reverse("orders:sync", args=[two_shops.a_order.pk]), **auth),
        client.post(reverse("settings:pause"), **auth),
    ]

    for response in responses:
        assert response.status_code == 401
        assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
        _assert_no_data(response)
    two_shops.a_order.refresh_from_db()
    assert two_shops.a_order.sync_status == SyncStatus.NOT_SYNCED
    assert Shop.objects.get(pk=two_shops.a.pk).sync_paused is False


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_it_bounces_a_page_load_with_a_forged_id_token_and_shows_no_data(settings, two_shops, forgery):
    token = FORGERIES[forgery](settings)

    response = Client().get(
        reverse("orders:list"), {"embedded": "1", "shop": A_DOMAIN, "host": "abc", "id_token": token}
    )

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("shopify_bounce")
    assert "id_token" not in location.query
    _assert_no_data(response)


def test_a_forged_token_does_not_ride_on_a_logged_in_session(settings, merchant_client, two_shops):
    token = FORGERIES["hs256_wrong_secret"](settings)

    response = merchant_client.get(
        reverse("orders:list"), HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 401
    _assert_no_data(response)


@pytest.mark.parametrize("header", ["Bearer ", "Bearer", "Basic bWVyY2hhbnQ6cHc=", "bearer abc", ""])
def test_an_empty_or_foreign_authorization_header_is_sent_to_the_login_page(two_shops, header):
    response = Client().get(reverse("orders:list"), HTTP_AUTHORIZATION=header, HTTP_HX_REQUEST="true")

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")
    _assert_no_data(response)


def test_a_valid_token_of_shop_a_with_shop_b_in_the_query_shows_shop_a_only(settings, two_shops):
    token = id_token(settings, A_DOMAIN)

    page = Client().get(
        reverse("orders:list"), {"embedded": "1", "shop": B_DOMAIN, "host": "abc", "id_token": token}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert A_ORDER_NAME in html
    assert leaked_markers(html) == []
    assert page["Content-Security-Policy"] == f"frame-ancestors https://{A_DOMAIN} https://admin.shopify.com;"


def test_a_valid_token_of_shop_a_cannot_act_on_shop_b(settings, two_shops):
    before = shop_state(two_shops.b)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {id_token(settings, A_DOMAIN)}", "HTTP_HX_REQUEST": "true"}
    client = Client()
    client.handler.enforce_csrf_checks = True

    synced = client.post(f"{reverse('orders:sync', args=[two_shops.b_order.pk])}?shop={B_DOMAIN}", **auth)
    detail = client.get(f"{reverse('orders:detail', args=[two_shops.b_order.pk])}?shop={B_DOMAIN}", **auth)
    paused = client.post(f"{reverse('settings:pause')}?shop={B_DOMAIN}", **auth)

    assert synced.status_code == 404 and detail.status_code == 404
    assert paused.status_code == 200
    assert leaked_markers(synced.content.decode() + detail.content.decode() + paused.content.decode()) == []
    assert shop_state(two_shops.b) == before
    assert Shop.objects.get(pk=two_shops.a.pk).sync_paused is True
    assert Order.objects.get(pk=two_shops.b_order.pk).sync_status == SyncStatus.NEEDS_REVIEW


# --- the signed install query (synco/shopify_app/install.py) --------------------------------------------------------


def _signed(settings: Any, **params: str) -> dict[str, str]:
    params = {"timestamp": str(int(time.time())), **params}
    return {**params, "hmac": query_hmac(params, settings.SHOPIFY_API_SECRET)}


def _assert_install_refused(response: Any, status: int = 400) -> None:
    assert response.status_code == status
    assert STATE_COOKIE not in response.cookies or response.cookies[STATE_COOKIE].value == ""
    assert "Location" not in response


def test_a_correctly_signed_install_query_is_accepted(client, settings, db):
    response = client.get(reverse("shopify_auth"), _signed(settings, shop=A_DOMAIN))

    assert response.status_code == 302
    assert STATE_COOKIE in response.cookies


def _unsigned_timestamp(settings: Any) -> dict[str, str]:
    params = {"shop": A_DOMAIN}
    return {**params, "hmac": query_hmac(params, settings.SHOPIFY_API_SECRET)}


INSTALL_FORGERIES: dict[str, Callable[[Any], dict[str, str]]] = {
    "signed_without_timestamp": _unsigned_timestamp,
    "timestamp_not_a_number": lambda s: _signed(s, shop=A_DOMAIN, timestamp="yesterday"),
    "timestamp_an_hour_ahead": lambda s: _signed(s, shop=A_DOMAIN, timestamp=str(int(time.time()) + 3600)),
    "timestamp_just_too_old": lambda s: _signed(s, shop=A_DOMAIN, timestamp=str(int(time.time()) - 120)),
    "signed_with_another_secret": lambda s: {
        "shop": A_DOMAIN,
        "timestamp": str(int(time.time())),
        "hmac": query_hmac({"shop": A_DOMAIN, "timestamp": str(int(time.time()))}, "another-apps-secret"),
    },
    "empty_hmac": lambda s: {**_signed(s, shop=A_DOMAIN), "hmac": ""},
    "hmac_uppercased": lambda s: {
        **_signed(s, shop=A_DOMAIN),
        "hmac": _signed(s, shop=A_DOMAIN)["hmac"].upper(),
    },
    "unsigned_parameter_added": lambda s: {**_signed(s, shop=A_DOMAIN), "embedded": "1"},
}


@pytest.mark.parametrize("forgery", list(INSTALL_FORGERIES))
def test_it_refuses_a_forged_install_query(client, settings, db, forgery):
    response = client.get(reverse("shopify_auth"), INSTALL_FORGERIES[forgery](settings))

    _assert_install_refused(response)
    assert not Shop.objects.exists()


def test_it_refuses_a_second_shop_parameter_appended_to_a_signed_query(client, settings, db):
    query = "&".join(f"{key}={value}" for key, value in _signed(settings, shop=A_DOMAIN).items())

    response = client.get(f"{reverse('shopify_auth')}?{query}&shop=evil-store.myshopify.com")

    _assert_install_refused(response)


@pytest.mark.parametrize(
    "shop",
    [
        f"{A_DOMAIN}:443",
        f"{A_DOMAIN}/admin",
        f"{A_DOMAIN}@evil.example.com",
        f"evil.example.com#{A_DOMAIN}",
        f"{A_DOMAIN}.",
        f"{A_DOMAIN}\x00",
        "synco_demo.myshopify.com",
        "synco-demo.myshopify.io",
        "javascript:alert(1)//.myshopify.com",
        "https://evil.example.com/?x=.myshopify.com",
    ],
)
def test_it_refuses_a_correctly_signed_query_for_a_shop_that_is_not_a_myshopify_domain(
    client, settings, db, shop
):
    response = client.get(reverse("shopify_auth"), _signed(settings, shop=shop))

    _assert_install_refused(response)


@pytest.mark.parametrize(
    "forgery", ["signed_with_another_secret", "timestamp_just_too_old", "signed_without_timestamp"]
)
def test_it_refuses_a_forged_callback_without_exchanging_a_code(client, settings, db, forgery):
    begin = client.get(reverse("shopify_auth"), _signed(settings, shop=A_DOMAIN))
    assert STATE_COOKIE in begin.cookies
    params = {**INSTALL_FORGERIES[forgery](settings), "code": "0" * 32, "state": "x"}

    response = client.get(reverse("shopify_auth_callback"), params)

    _assert_install_refused(response)
    assert not Shop.objects.exists()


def test_a_callback_signed_for_another_shop_than_the_one_this_browser_started_is_refused(
    client, settings, db
):
    begin = client.get(reverse("shopify_auth"), _signed(settings, shop=A_DOMAIN))
    nonce = dict(pair.split("=", 1) for pair in urlsplit(begin["Location"]).query.split("&"))["state"]

    response = client.get(
        reverse("shopify_auth_callback"), _signed(settings, shop=B_DOMAIN, code="0" * 32, state=nonce)
    )

    _assert_install_refused(response, status=403)
    assert not Shop.objects.exists()
