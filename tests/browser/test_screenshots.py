"""Every page renders in Chromium, standalone and inside the sandbox Shopify admin, at 1280 px and 390 px; each is
saved as a PNG, and the pages drawn with Polaris web components are checked for what a merchant relies on.

The screenshots land in var/screenshots/ (the run prints the path): a reviewer sees every page without starting
the app. Names: <page>-<width>.png standalone, embedded-<page>-<width>.png inside the admin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from orders import services
from sandboxes.shopify.oauth import DEFAULT_API_KEY
from synclogs.models import SyncAttempt
from synco.models import Shop
from tests.browser.conftest import DESKTOP, PHONE, log_in
from tests.browser.helpers import expect_listed, imported_order
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages drawn with <s-page>: their title is the s-page heading.
POLARIS_PAGES = {"orders", "order-detail"}
# The seeded shop's zone: its orders were created at 14:03 UTC, 09:03 in New York (EST).
SHOP_ZONE = "America/New_York"
AMOUNT_WITH_CODE = re.compile(r"^\$\d{1,3}(,\d{3})*\.\d{2} USD$")


def _sync_now(order) -> None:
    """What the worker does for a queued order, run here: the real engine writing into the Odoo sandbox."""
    assert services.claim_for_sync(order)
    services.sync_order(order.pk)


def _seed(shop) -> dict[str, tuple[str, str]]:
    """Orders in the states a merchant sees (synced, failed, waiting, left out by the rules); every page."""
    synced = imported_order(shop, 8001)
    _sync_now(synced)
    failed = imported_order(
        shop, 8002, first_name="Omar", last_name="Khan", skus=("SKU-GONE", "SKU-GIFTWRAP")
    )
    _sync_now(failed)
    waiting = imported_order(shop, 8003, first_name="Ana", last_name="Lima", days_ago=2)
    imported_order(shop, 8004, first_name="Li", last_name="Wei", financial_status="PENDING", days_ago=5)
    attempt = SyncAttempt.objects.get(order=synced, status=SyncAttempt.Status.SUCCESS)
    Shop.objects.filter(pk=shop.pk).update(iana_timezone=SHOP_ZONE)
    return {
        "home": ("/", "Home"),
        "orders": ("/orders/", "Orders"),
        "order-detail": (f"/orders/{synced.pk}/", "Order #8001"),
        "order-preview": (f"/orders/{waiting.pk}/preview/", "#8003"),
        "sync-log": ("/logs/", "Sync log"),
        "sync-log-detail": (f"/logs/{attempt.pk}/", "#8001"),
        "webhook-log": ("/logs/webhooks/", "Sync log"),
        "products": ("/products/", "Products"),
        "customers": ("/customers/", "Customers"),
        "stock": ("/stock/", "Stock"),
        "settings": ("/settings/", "Settings"),
        "settings-odoo": ("/settings/odoo/", "Odoo connection"),
        "settings-rules": ("/settings/rules/", "Order rules"),
        "settings-matching": ("/settings/matching/", "Products and customers"),
    }


def _check_page(view: Page | Frame, name: str, heading: str) -> None:
    expect(view.get_by_role("heading", level=1).first).to_contain_text(heading)
    if name in POLARIS_PAGES:
        expect(view.locator("s-page")).to_have_attribute("heading", heading)


def _check_money_and_time(view: Page | Frame, name: str) -> None:
    """Every page names the shop's zone; the orders' times are in it and their amounts formatted by currency."""
    expect(view.locator(".page-zone")).to_contain_text(SHOP_ZONE)
    if name == "orders":
        row = view.locator("s-table-row", has_text="#8001")
        expect(row.locator(".order-date")).to_have_text(re.compile(r"^\s*Nov 20, 2026\s+09:03\s*$"))
        expect(row.locator("s-table-cell[data-label=Total]")).to_have_text(AMOUNT_WITH_CODE)
        expect(row.locator("s-table-cell[data-label=Total]")).to_have_text("$61.77 USD")
        # an order the rules leave out: nothing to tick or press, the reason instead
        ineligible = view.locator("s-table-row", has_text="#8004")
        expect(ineligible.locator("[data-ineligible]")).to_have_text("Not eligible")
        expect(ineligible.get_by_role("checkbox")).to_have_count(0)
        expect(ineligible.get_by_role("button", name=re.compile("^(Sync|Retry) "))).to_have_count(0)
    if name == "order-detail":
        expect(view.locator("s-table-cell[data-shopify-total]")).to_have_text("$61.77 USD")
        expect(view.locator("[data-odoo-total]")).to_have_text(AMOUNT_WITH_CODE)
        expect(view.locator("[data-difference]")).to_have_text("$0.00")
    if name == "order-preview":
        expect(view.locator("[data-total]")).to_have_text(AMOUNT_WITH_CODE)


def _check_phone_fit(view: Page | Frame, name: str, width: int) -> None:
    """On a phone the page is no wider than the screen, every table is a list, and the order totals show."""
    scroll_width = view.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} scrolls sideways at {width}px: {scroll_width}px wide"
    # Every table on the page (but a two-column one kept as a table on purpose) is a list on a phone, inside
    # the screen.
    tables = view.evaluate(
        """() => Array.from(document.querySelectorAll("s-table")).filter((t) => t.getClientRects().length)
             .map((t) => ({variant: t.getAttribute("variant") || "auto", layout: t.getAttribute("data-layout"),
                           right: t.getBoundingClientRect().right, label: t.getAttribute("aria-label") || t.className}))"""
    )
    for table in tables:
        assert table["right"] <= width + 1, f"{name}: the table {table['label']} overflows at {width}px"
        if table["variant"] != "table":
            assert table["layout"] == "list", f"{name}: the table {table['label']} is not a list at {width}px"
    if name == "orders":
        table = view.locator("s-table.orders-table")
        expect(table).to_have_attribute("data-layout", "list")
        total = view.locator("s-table-cell[data-label=Total]").first
        expect(total).to_be_visible()
        expect(total).to_contain_text("USD")
        box = total.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    if name == "order-detail":
        expect(view.locator("s-table.order-lines")).to_have_attribute("data-layout", "list")
        total = view.locator(".order-lines .line-total").first
        expect(total).to_be_visible()
        expect(total).to_contain_text("$")
        box = total.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_every_page_renders_standalone_at_both_widths_and_is_saved(page, new_page, shop, odoo, screenshot):
    pages = _seed(shop)
    phone = new_page(PHONE)
    log_in(phone)
    for view in (page, phone):
        width = (view.viewport_size or DESKTOP)["width"]
        for name, (path, heading) in pages.items():
            response = view.goto(path)
            assert response is not None and response.status == 200, (
                f"{path} answered {response and response.status}"
            )
            _check_page(view, name, heading)
            _check_money_and_time(view, name)
            # standalone: Synco's own simple navigation, and no admin navigation element
            expect(view.get_by_role("navigation", name="Main")).to_have_count(1)
            expect(view.locator("s-app-nav")).to_have_count(0)
            if view is phone:
                _check_phone_fit(view, name, width)
            screenshot(view, name)

    # the orders page on a phone: every order listed; its import dialog fits the screen
    phone.goto("/orders/")
    expect_listed(phone, ["#8001", "#8002", "#8003", "#8004"])
    phone.get_by_role("button", name="Import past orders from Shopify").click()
    dialog = phone.get_by_role("dialog", name="Import past orders from Shopify")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(phone, "orders-import-dialog")
    dialog.get_by_role("button", name="Close").click()

    # and the login page, as a visitor sees it
    visitor = new_page()
    visitor.goto("/login/")
    expect(visitor.get_by_role("button", name="Log in")).to_be_visible()
    screenshot(visitor, "login")


def test_every_page_renders_inside_the_admin_with_one_navigation_and_is_saved(
    new_page: Callable[..., Page], sandbox_admin: Any, shop, odoo, live_url: str, screenshot
) -> None:
    pages = _seed(shop)
    for viewport in ({"width": DESKTOP["width"], "height": 1400}, {"width": PHONE["width"], "height": 1600}):
        admin = new_page(viewport)
        admin.goto(f"{sandbox_admin.base_url}/admin/apps/{DEFAULT_API_KEY}?shop={SHOP_DOMAIN}")
        expect(admin.get_by_role("heading", level=1)).to_contain_text("Home")
        frame = next(f for f in admin.frames if f != admin.main_frame)
        host = parse_qs(urlsplit(frame.url).query)["host"][0]
        # the admin draws the app's navigation (its <s-app-nav>); the frame has none of its own
        expect(
            admin.get_by_role("navigation", name="Apps").get_by_role("link", name="Orders")
        ).to_be_visible()
        # the shop's zone, as Shopify's shop { ianaTimezone } would give it (the install read the sandbox's)
        Shop.objects.filter(domain=SHOP_DOMAIN).update(iana_timezone=SHOP_ZONE)
        frame_width = frame.evaluate("window.innerWidth")
        for name, (path, heading) in pages.items():
            # a reload of an app URL inside the admin: App Bridge bounces it for a fresh ID token
            frame.goto(f"{live_url}{path}?{urlencode({'embedded': '1', 'shop': SHOP_DOMAIN, 'host': host})}")
            frame = next(f for f in admin.frames if f != admin.main_frame)
            # the page's title is the admin's title bar (its <s-page>); the frame draws no second title
            expect(admin.get_by_role("heading", level=1)).to_contain_text(heading)
            expect(frame.get_by_role("heading", level=1)).to_have_count(0)
            if name in POLARIS_PAGES:
                expect(frame.locator("s-page")).to_have_attribute("heading", heading)
            expect(frame.locator("header.topbar")).to_have_count(0)
            expect(frame.get_by_role("navigation", name="Main")).to_have_count(0)
            expect(frame.locator("s-app-nav")).to_have_count(1)
            _check_money_and_time(frame, name)
            if viewport["width"] == PHONE["width"]:
                _check_phone_fit(frame, name, frame_width)
            screenshot(admin, f"embedded-{name}")


def test_the_favicon_is_served(page: Page) -> None:
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.body()
