"""Pages speak the merchant's language: the Shopify admin's `locale`, when Synco ships it; English otherwise.

The admin opens an embedded app with `?locale=fr-FR` (the staff member's admin language). That choice is kept in
the session (standalone pages, browsers that keep the app's cookie) and on the shop (inside the admin, where the
iframe keeps no cookie and HTMX fragments do not carry the parameter); without either, the browser's
Accept-Language decides. Only languages in settings.LANGUAGES are activated (a `.po` file under locale/ adds
one); anything else is English. The active language also sets how money is written (synco/formatting.py reads
`get_language()`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from synco.models import Shop

SESSION_KEY = "synco_locale"
# BCP 47 as Shopify and browsers write it ("fr", "fr-FR", "pt-BR", "zh-Hant-TW"); "_" is accepted for "-".
LOCALE_TEXT = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")


def supported_language(locale: str | None) -> str | None:
    """The shipped language for a locale ("fr-FR" -> "fr" when French ships); None when Synco does not ship it."""
    text = (locale or "").strip()
    if not LOCALE_TEXT.fullmatch(text):
        return None
    try:
        return translation.get_supported_language_variant(text.replace("_", "-").lower())
    except LookupError:
        return None


def request_language(request: HttpRequest) -> str:
    """The language of this request: ?locale=, else the session's, else the shop's admin locale (inside the
    admin), else Accept-Language, else settings.LANGUAGE_CODE; always one Synco ships."""
    requested = supported_language(request.GET.get("locale"))
    session = getattr(request, "session", None)
    shop: Shop | None = getattr(request, "embedded_shop", None)
    if requested:
        if session is not None and session.get(SESSION_KEY) != requested:
            session[SESSION_KEY] = requested
        if shop is not None and shop.admin_locale != requested:
            Shop.objects.filter(pk=shop.pk).update(admin_locale=requested)
            shop.admin_locale = requested
        return requested
    stored = supported_language(session.get(SESSION_KEY)) if session is not None else None
    if stored:
        return stored
    if shop is not None:
        remembered = supported_language(shop.admin_locale)
        if remembered:
            return remembered
    return supported_language(translation.get_language_from_request(request)) or default_language()


def default_language() -> str:
    return supported_language(settings.LANGUAGE_CODE) or "en"


class ShopLanguageMiddleware:
    """Activate the request's language (request_language) for the view and its templates, then deactivate it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
