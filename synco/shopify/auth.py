"""Shopify authentication pieces: shop domains, signed query strings, session tokens, webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from shopify.utils import shop_url

# Shopify's own libraries allow 10 s of clock skew on session tokens (App Bridge often sends nbf slightly ahead).
LEEWAY_SECONDS = 10
# How old the timestamp of a signed install/callback request may be.
MAX_QUERY_AGE_SECONDS = 90


class AuthError(Exception):
    """A request failed authentication; the message says why (never includes a secret)."""


def valid_shop_domain(value: str | None) -> str | None:
    """The shop's myshopify hostname, or None (`evil.com`, `a.b.myshopify.com`, ... are refused)."""
    if not value:
        return None
    value = value.strip().lower()
    try:
        domain = shop_url.sanitize_shop_domain(value)
    except ValueError:  # urlparse refuses some input outright, e.g. "[" (an unclosed IPv6 address)
        return None
    # sanitize_shop_domain turns a bare "evil" into "evil.myshopify.com"; only accept what was given in full.
    if domain is None or value.removeprefix("https://").removeprefix("http://").rstrip("/") != domain:
        return None
    return str(domain)


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    """Shopify's HMAC of a query string: sorted k=v joined by &, without `hmac`, hex SHA-256."""

    def escape(text: str, key: bool = False) -> str:
        text = text.replace("%", "%25").replace("&", "%26")
        return text.replace("=", "%3D") if key else text

    message = "&".join(
        f"{escape(key, key=True)}={escape(value)}" for key, value in sorted(params.items()) if key != "hmac"
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_query(params: Mapping[str, str], secret: str, *, now: float | None = None) -> str:
    """Check a signed install or callback query; returns the shop domain."""
    given = params.get("hmac", "")
    if not given or not hmac.compare_digest(given, query_hmac(params, secret)):
        raise AuthError("The request's signature (hmac) is missing or wrong.")
    try:
        timestamp = int(params.get("timestamp", ""))
    except ValueError:
        raise AuthError("The request has no valid timestamp.") from None
    if abs((now or time.time()) - timestamp) > MAX_QUERY_AGE_SECONDS:
        raise AuthError("The request is too old (or from the future): open the app from Shopify again.")
    shop = valid_shop_domain(params.get("shop"))
    if shop is None:
        raise AuthError("The shop is not a valid myshopify.com domain.")
    return shop


@dataclass(frozen=True)
class SessionToken:
    shop: str
    user_id: str
    session_id: str
    claims: dict[str, Any]


def decode_session_token(token: str, *, api_key: str, secret: str) -> SessionToken:
    """Validate an App Bridge ID token (HS256, audience, expiry with leeway, iss/dest match); returns the shop."""
    if not secret:
        raise AuthError("Invalid session token: SHOPIFY_API_SECRET is not configured.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=api_key,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"]},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"Invalid session token: {exc}.") from None
    dest = valid_shop_domain(str(claims["dest"]))
    issuer = str(claims["iss"])
    if dest is None or issuer.rstrip("/") != f"https://{dest}/admin":
        raise AuthError("Invalid session token: its issuer and destination are not the same shop.")
    return SessionToken(shop=dest, user_id=str(claims["sub"]), session_id=str(claims["sid"]), claims=claims)


def webhook_hmac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_webhook(body: bytes, signature: str | None, secret: str) -> bool:
    """Compare X-Shopify-Hmac-Sha256 with the HMAC of the raw body, in constant time."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(str(signature), webhook_hmac(body, secret))
