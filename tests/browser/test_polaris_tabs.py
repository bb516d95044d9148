"""The orders, products and sync log tabs and pages are Polaris link buttons (issue 18): a click loads the list
with HTMX (no page load, the URL pushed), each has a real href (a new tab opens the page), and at 390 px the
tabs, the pages and the log's lines table stay inside the screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from products.models import ProductMapping
from synclogs.models import SyncAttempt
from tests.browser.conftest import PHONE, log_in
from tests.browser.helpers import filter_tab, imported_order, order_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mark_document(page: Page) -> None:
    """A flag on this document: still there after a click, the click swapped a fragment and loaded no page."""
    page.evaluate("window.__sameDocument = true")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


def _inside(page: Page, selector: str, width: int) -> None:
    for box in page.locator(selector).evaluate_all(
        "(els) => els.filter((e) => e.getClientRects().length).map((e) => e.getBoundingClientRect().toJSON())"
    ):
        assert box["left"] >= 0 and box["right"] <= width + 1, (selector, box)


def test_order_tabs_and_pages_load_with_htmx_and_open_in_a_new_tab(page, new_page, shop, screenshot):
    for number in range(2101, 2156):  # 55 orders: two pages
        imported_order(shop, number, days_ago=2156 - number)
    page.goto("/orders/")
    expect(order_rows(page)).to_have_count(50)
    _mark_document(page)

    # a tab: the table is swapped, the tab current, the URL pushed
    filter_tab(page, "Not Synced").click()
    expect(filter_tab(page, "Not Synced")).to_have_attribute("aria-current", "page")
    expect(filter_tab(page, "All")).not_to_have_attribute("aria-current", "page")
    expect(page).to_have_url(re.compile(r"\?status=not_synced"))
    assert _same_document(page)

    # the pages: link buttons with the URL they load
    pages = page.get_by_role("navigation", name="Pages")
    next_button = pages.locator("s-button[data-rel=next]")
    href = next_button.get_attribute("href")
    assert href == next_button.get_attribute("hx-get") == "?status=not_synced&page=2"
    pages.get_by_role("link", name="Next page").click()
    expect(order_rows(page)).to_have_count(5)
    expect(page).to_have_url(re.compile(r"status=not_synced&page=2"))
    assert _same_document(page)
    expect(pages.get_by_role("link", name="Previous page")).to_have_attribute(
        "href", "?status=not_synced&page=1"
    )

    # a click with Ctrl (or ⌘) opens the href in a new tab and leaves this page as it is
    with page.context.expect_page() as opened:
        pages.get_by_role("link", name="Previous page").click(modifiers=["ControlOrMeta"])
    other = opened.value
    other.wait_for_load_state()
    expect(other).to_have_url(re.compile(r"/orders/\?status=not_synced&page=1$"))
    expect(order_rows(other)).to_have_count(50)
    expect(order_rows(page)).to_have_count(5)
    assert _same_document(page)

    # on a phone the tabs scroll inside their card and the pages fit the screen
    phone = new_page(PHONE)
    log_in(phone)
    phone.goto("/orders/?status=not_synced")
    expect(order_rows(phone)).to_have_count(50)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _inside(phone, "nav.orders-tabs", PHONE["width"])
    _inside(phone, "nav.p-pagination s-button", PHONE["width"])
    filter_tab(phone, "Failed").scroll_into_view_if_needed()
    filter_tab(phone, "Failed").click()
    expect(filter_tab(phone, "Failed")).to_have_attribute("aria-current", "page")
    # the swapped-in strip shows its current tab, not its first one
    phone.wait_for_function(
        "() => { const t = document.querySelector('.orders-tabs s-button[aria-current=page]');"
        " const r = t.getBoundingClientRect(); return r.left >= 0 && r.right <= 390; }"
    )
    phone.mouse.move(0, 0)
    screenshot(phone, "orders-tabs")


def test_product_tabs_and_pages_load_with_htmx(page, new_page, shop, screenshot):
    ProductMapping.objects.bulk_create(
        ProductMapping(
            shop=shop,
            shopify_product_id=variant,
            shopify_variant_id=variant,
            product_title=f"Product {variant:03d}",
            sku=f"SKU-{variant:03d}",
            price=Decimal("12.50"),
            state=ProductMapping.State.MISSING if variant < 3 else ProductMapping.State.LINKED,
            odoo_product_id=None if variant < 3 else 500 + variant,
        )
        for variant in range(60)
    )
    page.goto("/products/?state=all")
    rows = page.locator("s-table-row[id^=mapping-]")
    expect(rows).to_have_count(50)
    _mark_document(page)
    tabs = page.get_by_role("navigation", name="Filter variants")

    tabs.get_by_role("link", name=re.compile("^Missing ")).click()
    expect(rows).to_have_count(3)
    expect(tabs.locator("s-button[aria-current=page]")).to_have_attribute("data-state", "missing")
    expect(page).to_have_url(re.compile(r"\?state=missing"))
    assert _same_document(page)

    # the summary's "Show the problems" (an s-link loaded by HTMX) does the same as the Problems tab
    page.locator("#product-summary").get_by_role("link", name="Show the problems").click()
    expect(tabs.locator("s-button[aria-current=page]")).to_have_attribute("data-state", "problems")
    expect(rows).to_have_count(3)
    assert _same_document(page)

    tabs.get_by_role("link", name=re.compile("^All ")).click()
    expect(rows).to_have_count(50)
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.locator("s-button[data-rel=next]")).to_have_attribute("href", "?state=all&page=2")
    pages.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(10)
    expect(page).to_have_url(re.compile(r"state=all&page=2"))
    assert _same_document(page)

    phone = new_page(PHONE)
    log_in(phone)
    phone.goto("/products/?state=all&page=2")
    expect(phone.locator("s-table-row[id^=mapping-]")).to_have_count(10)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _inside(phone, "nav.orders-tabs", PHONE["width"])
    _inside(phone, "nav.p-pagination s-button", PHONE["width"])
    screenshot(phone, "products-tabs")


def test_log_pages_have_hrefs_and_the_detail_lists_lines_and_taxes(page, new_page, shop, screenshot):
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    SyncAttempt.objects.bulk_create(
        SyncAttempt(
            shop=shop,
            started_at=start - timedelta(minutes=i),
            message=f"Created SHOP#{5000 + i} in Odoo.",
            object_ref=f"#{5000 + i}",
            operation="create_sale_order",
            status=SyncAttempt.Status.SUCCESS,
        )
        for i in range(60)
    )
    detailed = SyncAttempt.objects.create(
        shop=shop,
        started_at=start + timedelta(minutes=5),
        message="Created SHOP#4001 in Odoo.",
        object_ref="#4001",
        operation="create_sale_order",
        status=SyncAttempt.Status.SUCCESS,
        summary={
            "sale_order": {"id": 41, "name": "SHOP#4001", "amount_total": "64.80", "currency": "USD"},
            "totals": {"shopify": "64.8", "odoo": "64.80", "difference": "0"},
            "lines": [
                {
                    "label": "Stoneware mug, a long name that a phone has to wrap (SKU-MUG)",
                    "shopify_subtotal": "44.0",
                    "odoo_subtotal": "44.00",
                    "shopify_tax": "6.6",
                    "odoo_tax": "6.60",
                    "differs": False,
                },
                {"label": "Shipping", "shopify_subtotal": "14.2", "odoo_subtotal": "14.20", "differs": False},
            ],
            "taxes": [{"name": "Tax 15%", "shopify": "6.6", "odoo": "6.60"}],
        },
    )
    page.goto("/logs/")
    _mark_document(page)
    pages = page.get_by_role("navigation", name="Pages")
    older = pages.locator("s-button[data-rel=next]")
    href = older.get_attribute("href")
    assert href and href == older.get_attribute("hx-get") and "after=" in href
    pages.get_by_role("link", name="Older entries").click()
    expect(page.get_by_role("row").filter(has_text="#5059")).to_have_count(1)
    expect(pages.locator("s-button[data-rel=first]")).to_have_attribute("href", "/logs/")
    assert _same_document(page)
    # the href alone (a new tab) is the same page
    other = new_page()
    log_in(other)
    other.goto(href)
    expect(other.get_by_role("row").filter(has_text="#5059")).to_have_count(1)

    page.goto(f"/logs/{detailed.pk}/")
    lines = page.get_by_role("table", name="Lines")
    expect(lines.get_by_role("columnheader")).to_have_text(
        ["Line", "Shopify subtotal", "Odoo subtotal", "Shopify tax", "Odoo tax", "Differs"]
    )
    expect(lines.get_by_role("row").filter(has_text="SKU-MUG").get_by_role("cell")).to_have_text(
        [
            "Stoneware mug, a long name that a phone has to wrap (SKU-MUG)",
            "$44.00",
            "$44.00",
            "$6.60",
            "$6.60",
            "No",
        ]
    )
    taxes = page.get_by_role("table", name="Taxes")
    expect(taxes.get_by_role("row").filter(has_text="Tax 15%").get_by_role("cell")).to_have_text(
        ["Tax 15%", "$6.60", "$6.60"]
    )
    expect(page.locator(".log-sections")).not_to_contain_text("{")
    screenshot(page, "sync-log-lines")

    phone = new_page(PHONE)
    log_in(phone)
    phone.goto(f"/logs/{detailed.pk}/")
    expect(phone.locator("s-table.log-records").first).to_have_attribute("data-layout", "list")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _inside(phone, "s-table.log-records", PHONE["width"])
    expect(phone.get_by_role("table", name="Lines")).to_contain_text("$44.00")
    screenshot(phone, "sync-log-lines")
    phone.goto(href)
    _inside(phone, "nav.p-pagination s-button", PHONE["width"])
    screenshot(phone, "sync-log-older")
