"""Requests from inside the Shopify admin iframe: session-token authentication and per-shop frame-ancestors.

Cookies do not work in the iframe, so every request from the embedded UI carries the App Bridge ID token,
as `Authorization: Bearer …` (fetch/HTMX) or `?id_token=…` (the app home). This middleware validates it and
scopes the request to that shop; a bad token gets 401 with `X-Shopify-Retry-Invalid-Session-Request: 1` so
App Bridge retries with a fresh one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from synco.errors import GatewayError
from synco.gateways import install_from_session_token
from synco.models import Shop
from synco.shopify.auth import AuthError, decode_session_token, valid_shop_domain

logger = logging.getLogger(__name__)
ADMIN_ORIGIN = "https://admin.shopify.com"
UNAUTHENTICATED_PREFIXES = ("/shopify/", "/webhooks/", "/health/", "/static/")
# A merchant's REST API key (`api.keys`): `Authorization: Bearer synco_…` on /api/ is the API's to check, not an
# App Bridge ID token.
API_KEY_PREFIX = "synco_"


def admin_frame_policy(shop_domain: str | None) -> str:
    """The CSP letting the shop's admin frame a page: per shop (a wildcard fails App Store review)."""
    origins = [f"https://{shop_domain}"] if shop_domain else []
    origins.append(ADMIN_ORIGIN)
    if settings.SYNCO_EXTRA_FRAME_ANCESTORS:
        origins.append(settings.SYNCO_EXTRA_FRAME_ANCESTORS)  # development: the Shopify sandbox's admin page
    return f"frame-ancestors {' '.join(origins)};"


def _bounce(request: HttpRequest) -> HttpResponse:
    """A page load inside the admin without a valid ID token: let App Bridge reload it with a fresh one."""
    query = request.GET.copy()
    query.pop("id_token", None)
    # A path on this site, never an absolute URL built from the request's Host header (the bounce page accepts
    # nothing else: synco.shopify_app.install.same_origin_path).
    query["shopify-reload"] = request.path + (f"?{query.urlencode()}" if query else "")
    return HttpResponseRedirect(f"{reverse('shopify_bounce')}?{query.urlencode()}")


def _legacy_install(request: HttpRequest) -> HttpResponse | None:
    """The app URL opened with a signed install query for a shop that is not installed: authorization code."""
    if request.path != "/" or "hmac" not in request.GET or "id_token" in request.GET:
        return None
    domain = valid_shop_domain(request.GET.get("shop"))
    if domain is None:
        return None
    installed = (
        Shop.objects.filter(domain=domain, uninstalled_at__isnull=True).exclude(access_token="").exists()
    )
    return None if installed else HttpResponseRedirect(f"{reverse('shopify_auth')}?{request.GET.urlencode()}")


def _token_from(request: HttpRequest) -> str:
    header = str(request.headers.get("Authorization", ""))
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return str(request.GET.get("id_token", ""))


class EmbeddedAppMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.embedded_shop = None  # type: ignore[attr-defined]
        # Install and webhook URLs are signed by Shopify in their own way; the bounce page is how a token is got.
        refused = None if request.path.startswith(UNAUTHENTICATED_PREFIXES) else self._authenticate(request)
        response = refused or self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and "Content-Security-Policy" not in response
        ):
            shop = getattr(request, "embedded_shop", None)
            # Outside the admin, no framing at all.
            response["Content-Security-Policy"] = (
                admin_frame_policy(shop.domain) if shop else "frame-ancestors 'none';"
            )
        policy = response.get("Content-Security-Policy", "")
        if policy.startswith("frame-ancestors") and "'none'" not in policy:
            # The shop's admin may frame this page (the CSP says which origins): no X-Frame-Options: DENY.
            response.xframe_options_exempt = True
        return response

    def _authenticate(self, request: HttpRequest) -> HttpResponse | None:
        """Scope the request to the shop of its ID token; a response if it must not go further."""
        token = _token_from(request)
        if request.path.startswith("/api/") and (not token or token.startswith(API_KEY_PREFIX)):
            return None  # the API authenticates its own requests (api.authentication), with JSON errors
        document = not request.headers.get("Authorization") and request.method == "GET"
        if not token:
            if document and request.GET.get("embedded") == "1":
                return _bounce(request)  # a page opened inside the admin without its token
            return _legacy_install(request)
        try:
            session = decode_session_token(
                token, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
            )
        except AuthError as exc:
            logger.info("invalid session token", extra={"reason": str(exc)})
            if document:
                return _bounce(request)  # a page load: App Bridge reloads it with a fresh token
            response: HttpResponse
            if request.path.startswith("/api/"):
                response = JsonResponse(
                    {"error": {"code": "invalid_session_token", "message": str(exc), "fields": {}}},
                    status=401,
                )
            else:
                response = HttpResponse(str(exc), status=401, content_type="text/plain")
            response["X-Shopify-Retry-Invalid-Session-Request"] = "1"  # fetch/XHR: App Bridge retries
            return response
        shop = (
            Shop.objects.filter(domain=session.shop, uninstalled_at__isnull=True)
            .exclude(access_token="")
            .first()
        )
        if shop is None or shop.token_unreadable:
            # Shopify installed the app (managed installation), or the stored token can no longer be decrypted
            # (lost or wrong SYNCO_ENCRYPTION_KEY): exchange the ID token for a new offline token.
            try:
                shop = install_from_session_token(session.shop, token)
            except GatewayError as exc:
                if shop is None:
                    return HttpResponse(exc.message, status=502, content_type="text/plain")
                # The pages still work: their banner says to reinstall.
                logger.warning("new token for an unreadable one refused", extra={"reason": exc.message})
        request.embedded_shop = shop  # type: ignore[attr-defined]
        # A valid ID token (a Bearer header, or the URL of a form App Bridge just signed) is not sent by the browser
        # on its own and lives one minute, so it cannot be forged cross-site: the CSRF cookie (which the iframe
        # cannot keep anyway) is not needed. Pages send no Referer to other sites (same-origin policy).
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return None


def shop_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view for a shop: from a valid session token (embedded) or a logged-in user (standalone)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "embedded_shop", None) is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
