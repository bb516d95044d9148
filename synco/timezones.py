"""Pages show dates and times in the current shop's time zone (Shopify's `ianaTimezone`), not the server's UTC."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from orders.dates import shop_zone
from synco.tenancy import current_shop


def shop_timezone_name(request: HttpRequest) -> str:
    """The IANA name of the request's shop ('' when the request has none: logged out, no shop yet)."""
    embedded = getattr(request, "embedded_shop", None)
    if embedded is not None:
        return str(embedded.iana_timezone or "")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    try:
        return str(current_shop(request).iana_timezone or "")
    except Http404:
        return ""


class ShopTimezoneMiddleware:
    """Activate the shop's time zone for the request: every `{{ datetime }}` in a template renders in it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = shop_timezone_name(request)
        if name:
            timezone.activate(shop_zone(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
