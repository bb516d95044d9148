"""Synco inside the (sandbox) Shopify admin, in Chromium: managed install, App Bridge tokens, links and reloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_APP_URL
from synco.models import Shop
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(settings: Any, shopify: Any, live_url: str) -> Any:
    """The sandbox admin frames the live app with the app's real key and secret and its App Bridge stand-in."""
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    settings.SHOPIFY_APP_BRIDGE_URL = f"{shopify.base_url}/sandbox/app-bridge.js"
    settings.SYNCO_EXTRA_FRAME_ANCESTORS = shopify.base_url
    shopify.control(app={"application_url": live_url})
    yield shopify
    shopify.control(app={"application_url": DEFAULT_APP_URL})


def _app_frame(page: Page) -> Any:
    return next(frame for frame in page.frames if frame != page.main_frame)


def test_the_admin_installs_and_opens_synco_and_every_navigation_stays_authenticated(
    new_page: Callable[..., Page], admin: Any, odoo: Any, screenshot: Callable[[Page, str], Any]
) -> None:
    page = new_page()
    page.goto(f"{admin.base_url}/admin/apps/{DEFAULT_API_KEY}?shop={SHOP_DOMAIN}")
    app = page.frame_locator("iframe")

    # Managed installation: the first load exchanged the ID token for an expiring offline token.
    # The page's title is in the admin's title bar (the app's <s-page>), not drawn again inside the frame.
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    expect(app.get_by_role("heading", level=1)).to_have_count(0)
    shop = Shop.objects.get(domain=SHOP_DOMAIN)
    assert shop.access_token.startswith("shpat_") and shop.access_token_expires_at is not None

    # One navigation: the app's <s-app-nav>, drawn by the admin in its own chrome; none inside the frame.
    nav = page.get_by_role("navigation", name="Apps")
    expect(nav.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Home", exact=True)).to_have_attribute("aria-current", "page")
    expect(app.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(app.locator("header.topbar")).to_have_count(0)
    expect(app.locator("s-app-nav s-link")).to_have_count(7)

    # An admin navigation link: App Bridge loads the page with a fresh token, authenticated with it.
    nav.get_by_role("link", name="Sync log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Sync log"))
    _app_frame(page).wait_for_function("() => !location.search.includes('id_token')")
    query = parse_qs(urlsplit(_app_frame(page).url).query)
    # The token was used for this load and dropped from the address (a reload bounces for a fresh one).
    assert query["embedded"] == ["1"] and query["shop"] == [SHOP_DOMAIN] and "id_token" not in query
    nav.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    screenshot(page, "embedded-orders")

    # An HTMX request carries the token as a Bearer header (no cookies in the iframe). The tab is a Polaris link
    # button with an href: the click loads the table with HTMX, not the page (the document is the same one).
    _app_frame(page).evaluate("window.__sameDocument = true")
    app.get_by_role("link", name=re.compile("^Not Synced")).click()
    frame = _app_frame(page)
    frame.wait_for_function("() => location.search.includes('status=not_synced')")
    expect(app.locator("s-button[data-status=not_synced]")).to_have_attribute("aria-current", "page")
    assert frame.evaluate("window.__sameDocument === true")
    pushed = frame.evaluate("location.href")
    assert "embedded=1" in pushed and "id_token" not in pushed  # what a reload would bounce with

    # A reload of a pushed URL (its token long gone) bounces through App Bridge and comes back authenticated.
    frame.goto(pushed + "&id_token=stale")
    expect(app.locator('s-page[heading="Orders"]')).to_be_attached()  # the bounce page has none
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    assert "id_token=stale" not in _app_frame(page).url
    assert "shopify-reload" not in _app_frame(page).url
