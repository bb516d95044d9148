"""The admin's language: ?locale= activated per request when Synco ships it, kept, English otherwise; the catalogues."""

from __future__ import annotations

import gettext
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from synco.formatting import format_money
from synco.languages import ShopLanguageMiddleware, supported_language
from synco.management.commands.compile_translations import compile_catalogues
from synco.models import Shop

# French stands for "a language Synco ships": only English ships today, and adding one is a .po file. Django's
# own French catalogue is enough for get_supported_language_variant to accept it.
WITH_FRENCH = [("en", "English"), ("fr", "Français")]
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


def _seen(request: HttpRequest) -> dict[str, str]:
    """Run the middleware on `request`; what the view saw: the active language and $64.80 written in it."""
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["language"] = translation.get_language() or ""
        seen["money"] = format_money(Decimal("64.80"), "USD", translation.get_language())
        return HttpResponse("ok")

    response = ShopLanguageMiddleware(view)(request)
    seen["content_language"] = response["Content-Language"]
    return seen


def _request(path: str = "/", session: dict[str, str] | None = None, **meta: str) -> HttpRequest:
    request = RequestFactory().get(path, **meta)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    for key, value in (session or {}).items():
        request.session[key] = value
    return request


def test_the_admins_locale_is_activated_and_money_follows_it(settings):
    settings.LANGUAGES = WITH_FRENCH

    seen = _seen(_request("/?locale=fr-FR"))

    assert seen["language"] == "fr"
    assert seen["money"] == "64,80\xa0$US"
    assert seen["content_language"] == "fr"
    assert translation.get_language() == "en"  # deactivated after the request


def test_a_locale_synco_does_not_ship_is_english(settings):
    settings.LANGUAGES = WITH_FRENCH

    for locale in ("de-DE", "xx", "fr-FR<script>", "", "12"):
        seen = _seen(_request(f"/?locale={locale}"))

        assert (seen["language"], seen["money"]) == ("en", "$64.80"), locale


def test_only_english_ships_so_french_is_english_today():
    assert settings.LANGUAGES == [("en", "English")]

    seen = _seen(_request("/?locale=fr"))

    assert (seen["language"], seen["money"]) == ("en", "$64.80")


def test_the_locale_is_kept_in_the_session_for_the_next_pages(settings):
    settings.LANGUAGES = WITH_FRENCH
    first = _request("/?locale=fr")
    _seen(first)

    later = _seen(_request("/orders/", session=dict(first.session.items())))

    assert later["language"] == "fr"


def test_without_a_locale_the_browsers_language_decides(settings):
    settings.LANGUAGES = WITH_FRENCH

    french = _seen(_request("/", HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9,en;q=0.5"))
    german = _seen(_request("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"))

    assert french["language"] == "fr"
    assert german["language"] == "en"


@pytest.mark.django_db
def test_inside_the_admin_the_shop_keeps_the_admins_locale_for_fragments(settings):
    # given: the admin opens the app with ?locale=fr-FR (no cookie survives in its iframe)
    settings.LANGUAGES = WITH_FRENCH
    shop = Shop.objects.create(domain="locale-test.myshopify.com")
    opened = _request("/?locale=fr-FR")
    opened.embedded_shop = shop  # type: ignore[attr-defined]
    _seen(opened)

    # when: an HTMX fragment of the same shop arrives without the parameter, the session or a French browser
    fragment = _request("/orders/", HTTP_ACCEPT_LANGUAGE="en-US")
    fragment.embedded_shop = Shop.objects.get(pk=shop.pk)  # type: ignore[attr-defined]
    seen = _seen(fragment)

    # then
    assert Shop.objects.get(pk=shop.pk).admin_locale == "fr"
    assert seen["language"] == "fr"


@pytest.mark.django_db
def test_a_page_is_served_in_the_admins_language(merchant_client, settings):
    settings.LANGUAGES = WITH_FRENCH

    french = merchant_client.get(reverse("synclogs:list"), {"locale": "fr"})
    still_french = merchant_client.get(reverse("synclogs:list"))
    english = merchant_client.get(reverse("synclogs:list"), {"locale": "en-US"})

    assert french.status_code == 200
    assert french["Content-Language"] == "fr"
    assert still_french["Content-Language"] == "fr"
    assert english["Content-Language"] == "en"
    assert "Accept-Language" in french["Vary"]


def test_supported_language_reads_shopify_and_browser_spellings(settings):
    settings.LANGUAGES = WITH_FRENCH

    assert [supported_language(value) for value in ("fr", "fr-FR", "fr_CA", "FR", "en-US", "de", None)] == [
        "fr",
        "fr",
        "fr",
        "fr",
        "en",
        None,
        None,
    ]


def test_every_shipped_language_has_a_catalogue_compiled_from_its_po(tmp_path):
    # given: a fresh copy of the .po files only (as on a machine without GNU gettext)
    for code, _name in settings.LANGUAGES:
        po = LOCALE_DIR / code / "LC_MESSAGES" / "django.po"
        assert po.is_file(), f"{code} is in LANGUAGES but has no {po}"
        target = tmp_path / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(po, target / "django.po")

    # when: compiled with Babel (manage.py compile_translations)
    written = compile_catalogues(tmp_path)

    # then: each compiles and says what the committed .mo says (the .mo was compiled from this .po)
    assert sorted(path.parent.parent.name for path in written) == sorted(
        code for code, _ in settings.LANGUAGES
    )
    for path in written:
        code = path.parent.parent.name
        fresh = gettext.GNUTranslations(path.open("rb"))
        committed = LOCALE_DIR / code / "LC_MESSAGES" / "django.mo"
        assert committed.is_file(), f"{committed} is missing: run manage.py compile_translations"
        shipped = gettext.GNUTranslations(committed.open("rb"))
        assert fresh._catalog == shipped._catalog  # type: ignore[attr-defined]
    english = gettext.GNUTranslations((tmp_path / "en" / "LC_MESSAGES" / "django.mo").open("rb"))
    # English is the source language: its catalogue holds the marked strings, each shown as written.
    assert english.gettext("Waiting to retry") == "Waiting to retry"
    assert "Waiting to retry" in (LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po").read_text()
