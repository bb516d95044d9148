"""Installing without Shopify-managed installation: the authorization-code grant, and the ID-token bounce page.

Shopify installs Synco itself (managed installation) and the first embedded load exchanges the ID token
(`synco.shopify_app.embedded`). This module is the fallback for a shop that reaches the app with a signed install request
instead (legacy install links, a non-embedded install), spec §1.4:

    GET /shopify/auth/?shop&timestamp&hmac       check the HMAC, the timestamp and the shop; remember a nonce in
                                                 a signed first-party cookie; redirect to Shopify's authorize URL
    GET /shopify/auth/callback/?code&hmac&host&shop&state&timestamp
                                                 check all three again plus state == nonce; exchange the code for
                                                 an expiring offline token; open the app in the shop's admin

and the "patch ID token" page (spec §1.2): a document request inside the admin whose ID token is missing or
stale is redirected here; App Bridge then reloads `shopify-reload` with a fresh `id_token`.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from synco.errors import GatewayError
from synco.gateways import install_from_code
from synco.shopify.auth import AuthError, valid_shop_domain, verify_query
from synco.shopify.tokens import shop_origin
from synco.shopify_app.embedded import admin_frame_policy

logger = logging.getLogger(__name__)
STATE_COOKIE = "synco_oauth_state"
STATE_MAX_AGE = 600  # seconds: the merchant has ten minutes to approve the install
STATE_SALT = "synco.oauth.state"


def public_url(path: str) -> str:
    """An absolute URL of Synco: from SYNCO_PUBLIC_URL, never from the request's (forgeable) Host header."""
    return f"{settings.SYNCO_PUBLIC_URL.rstrip('/')}{path}"


def same_origin_path(target: str) -> str | None:
    """`target` if it is a path on this site, else None (another site, a scheme, or a browser-normalised trick)."""
    if not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines: both tricks make "//evil.com".
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _shop_origin(shop: str) -> str:
    return shop_origin(shop, settings.SHOPIFY_ADMIN_ORIGIN)


def authorize_url(shop: str, redirect_uri: str, state: str) -> str:
    """Shopify's consent URL for an expiring offline token (no per-user grant)."""
    query = {
        "client_id": settings.SHOPIFY_API_KEY,
        "scope": settings.SHOPIFY_SCOPES,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if settings.SHOPIFY_ADMIN_ORIGIN:
        query["shop"] = shop  # the sandbox serves every shop on one origin
    return f"{_shop_origin(shop)}/admin/oauth/authorize?{urlencode(query)}"


def admin_app_url(shop: str) -> str:
    """Where the merchant lands after installing: Synco inside the shop's admin."""
    url = f"{_shop_origin(shop)}/admin/apps/{settings.SHOPIFY_API_KEY}"
    return f"{url}?{urlencode({'shop': shop})}" if settings.SHOPIFY_ADMIN_ORIGIN else url


def _refuse(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    logger.warning("shopify install refused", extra={"reason": message})
    return render(request, "shopify/auth_error.html", {"message": message}, status=status)


def _framed(request: HttpRequest) -> bool:
    # Only the browser's own header: the signed query must be kept as is (`embedded=1` is part of what the HMAC
    # covers), so the top-level reload carries it too and must not be taken for a framed request again.
    return request.headers.get("Sec-Fetch-Dest") == "iframe"


@require_GET
def oauth_begin(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in request.GET}
    try:
        shop = verify_query(params, settings.SHOPIFY_API_SECRET)
    except AuthError as exc:
        return _refuse(request, str(exc))
    if _framed(request):
        # A cookie set inside the admin's iframe is a third-party cookie and would be lost: leave the frame first.
        response = render(request, "shopify/exit_iframe.html", {"url": public_url(request.get_full_path())})
        response["Content-Security-Policy"] = admin_frame_policy(shop)
        return response
    nonce = secrets.token_urlsafe(24)
    redirect_uri = public_url(reverse("shopify_auth_callback"))
    response = HttpResponseRedirect(authorize_url(shop, redirect_uri, nonce))
    response.set_signed_cookie(
        STATE_COOKIE,
        f"{shop}|{nonce}",
        salt=STATE_SALT,
        max_age=STATE_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",  # it must come back on Shopify's top-level redirect to the callback
        path=reverse("shopify_auth_callback"),
    )
    return response


@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in request.GET}
    try:
        shop = verify_query(params, settings.SHOPIFY_API_SECRET)
    except AuthError as exc:
        return _refuse(request, str(exc))
    try:
        remembered = request.get_signed_cookie(STATE_COOKIE, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return _refuse(
            request, "This install link has expired or was opened in another browser: start again.", 403
        )
    remembered_shop, _, nonce = str(remembered).partition("|")
    if remembered_shop != shop or not hmac.compare_digest(nonce, params.get("state", "")):
        return _refuse(
            request, "The install request does not match the one this browser started (state).", 403
        )
    if not params.get("code"):
        return _refuse(request, "Shopify sent no authorization code.")
    try:
        installed = install_from_code(shop, params["code"])
    except GatewayError as exc:
        return _refuse(request, f"Shopify did not grant access: {exc.message}", 502)
    if request.user.is_authenticated:
        installed.users.add(request.user)  # a Synco login that installs a shop may see it standalone too
    logger.info("shop installed with the authorization-code grant", extra={"shop": shop})
    response = HttpResponseRedirect(admin_app_url(shop))
    response.delete_cookie(STATE_COOKIE, path=reverse("shopify_auth_callback"))
    return response


@require_GET
def session_token_bounce(request: HttpRequest) -> HttpResponse:
    """Only App Bridge: it fetches a fresh ID token and reloads `shopify-reload` with it."""
    shop = valid_shop_domain(request.GET.get("shop"))
    # Only a path on this site: App Bridge must never carry a fresh session token to another one.
    reload_to = same_origin_path(request.GET.get("shopify-reload", ""))
    if reload_to is None:
        return _refuse(request, "The page to reload is not part of Synco.")
    response = render(request, "shopify/bounce.html", {"reload_to": reload_to})
    response["Content-Security-Policy"] = admin_frame_policy(shop)
    return response
