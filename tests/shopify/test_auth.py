"""Shopify auth pieces, with Shopify's published test vector and our own signed tokens."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from synco.shopify.auth import (
    AuthError,
    decode_session_token,
    query_hmac,
    valid_shop_domain,
    verify_query,
    verify_webhook,
    webhook_hmac,
)

API_KEY, SECRET = "synco-test-key", "synco-test-secret-of-at-least-32-bytes"


def test_it_computes_shopifys_published_hmac_test_vector():
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
    }

    assert query_hmac(params, "hush") == "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"


def test_it_refuses_the_vector_as_too_old_and_a_changed_parameter():
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
        "hmac": "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
    }

    assert verify_query(params, "hush", now=1337178173 + 30) == "some-shop.myshopify.com"
    with pytest.raises(AuthError, match="too old"):
        verify_query(params, "hush")
    with pytest.raises(AuthError, match="signature"):
        verify_query({**params, "code": "x"}, "hush", now=1337178173)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("demo.myshopify.com", "demo.myshopify.com"),
        ("https://Demo.myshopify.com/", "demo.myshopify.com"),
        ("evil.com", None),
        ("a.b.myshopify.com", None),
        ("-bad.myshopify.com", None),
        ("shop.myshopify.com.evil.com", None),
        ("demo", None),
        ("", None),
    ],
)
def test_it_accepts_only_real_myshopify_domains(value, expected):
    assert valid_shop_domain(value) == expected


def _token(**overrides):
    now = int(time.time())
    claims = {
        "iss": "https://demo.myshopify.com/admin",
        "dest": "https://demo.myshopify.com",
        "aud": API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_it_accepts_a_valid_session_token_and_one_slightly_from_the_future():
    assert decode_session_token(_token(), api_key=API_KEY, secret=SECRET).shop == "demo.myshopify.com"
    future = int(time.time()) + 5
    assert (
        decode_session_token(_token(nbf=future, iat=future), api_key=API_KEY, secret=SECRET).user_id == "42"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": int(time.time()) - 30}, "expired"),
        ({"aud": "someone-else"}, "Audience doesn.t match"),
        ({"dest": "https://other.myshopify.com"}, "not the same shop"),
        ({"iss": "https://evil.com/admin", "dest": "https://evil.com"}, "not the same shop"),
        ({"sid": None}, "sid"),
    ],
)
def test_it_refuses_invalid_session_tokens(overrides, message):
    with pytest.raises(AuthError, match=message):
        decode_session_token(_token(**overrides), api_key=API_KEY, secret=SECRET)


def test_it_refuses_a_token_signed_with_another_secret():
    forged = jwt.encode(
        jwt.decode(_token(), options={"verify_signature": False}), "not-the-secret", algorithm="HS256"
    )

    with pytest.raises(AuthError, match="Signature verification failed"):
        decode_session_token(forged, api_key=API_KEY, secret=SECRET)


def test_it_verifies_webhook_signatures_over_the_raw_body():
    body = b'{"id": 1}'

    assert verify_webhook(body, webhook_hmac(body, SECRET), SECRET)
    assert not verify_webhook(body + b" ", webhook_hmac(body, SECRET), SECRET)
    assert not verify_webhook(body, None, SECRET)


def test_without_a_configured_secret_nothing_is_trusted():
    body = b"{}"

    assert not verify_webhook(body, webhook_hmac(body, ""), "")
    with pytest.raises(AuthError, match="SHOPIFY_API_SECRET is not configured"):
        decode_session_token(_token(), api_key=API_KEY, secret="")
