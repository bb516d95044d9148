"""Access tokens: token exchange of the App Bridge ID token, and refreshing expiring offline tokens."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from synco.errors import PermanentGatewayError, TransientGatewayError

logger = logging.getLogger(__name__)

# OAuth type identifiers, not secrets.
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
# Refresh this long before the access token expires, so a sync never starts with a token about to die.
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Grant:
    access_token: str
    scope: str
    expires_at: datetime | None
    refresh_token: str
    refresh_expires_at: datetime | None


def _post(url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - https or the sandbox
        url, json.dumps(body).encode(), {"Content-Type": "application/json", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https or the sandbox
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise TransientGatewayError(f"Shopify's token endpoint answered HTTP {exc.code}.") from exc
        try:
            detail = json.loads(exc.read()).get("error_description", "")
        except (ValueError, AttributeError):
            detail = ""
        raise PermanentGatewayError(f"Shopify refused the token request (HTTP {exc.code}): {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TransientGatewayError(f"Cannot reach Shopify's token endpoint: {exc}") from exc


def _grant(data: dict[str, Any], now: datetime) -> Grant:
    expires_in, refresh_in = data.get("expires_in"), data.get("refresh_token_expires_in")
    return Grant(
        access_token=str(data["access_token"]),
        scope=str(data.get("scope", "")),
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_token=str(data.get("refresh_token", "")),
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
    )


def shop_origin(shop: str, admin_origin: str) -> str:
    """Where the shop's admin answers: https://{shop}, or the one origin of the Shopify sandbox."""
    return admin_origin.rstrip("/") if admin_origin else f"https://{shop}"


def token_url(shop: str, admin_origin: str) -> str:
    return f"{shop_origin(shop, admin_origin)}/admin/oauth/access_token"


def exchange_id_token(
    *, shop: str, id_token: str, api_key: str, secret: str, admin_origin: str, now: datetime, timeout: float
) -> Grant:
    """Token exchange: the session token becomes an expiring offline access token (spec §1.1)."""
    body = {
        "client_id": api_key,
        "client_secret": secret,
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": id_token,
        "subject_token_type": ID_TOKEN,
        "requested_token_type": OFFLINE_TOKEN,
        "expiring": 1,
    }
    return _grant(_post(token_url(shop, admin_origin), body, timeout), now)


def exchange_code(
    *, shop: str, code: str, api_key: str, secret: str, admin_origin: str, now: datetime, timeout: float
) -> Grant:
    """Authorization-code grant (the fallback install, spec §1.4): the code becomes an expiring offline token."""
    body = {"client_id": api_key, "client_secret": secret, "code": code, "expiring": 1}
    return _grant(_post(token_url(shop, admin_origin), body, timeout), now)


def refresh(
    *,
    shop: str,
    refresh_token: str,
    api_key: str,
    secret: str,
    admin_origin: str,
    now: datetime,
    timeout: float,
) -> Grant:
    """A new access token and a new refresh token (which must be stored: the old one stops working)."""
    body = {
        "client_id": api_key,
        "client_secret": secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return _grant(_post(token_url(shop, admin_origin), body, timeout), now)
