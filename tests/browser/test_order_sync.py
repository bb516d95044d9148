"""Sync and Retry from the orders page, in Chromium, with a real Celery worker writing into the Odoo sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders.models import SyncStatus
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import SYNCED, imported_order, order_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_an_order_go_from_in_progress_to_synced_with_its_odoo_id(
    page, shop, odoo, redis_worker, screenshot
):
    # given an order not synced yet, and an Odoo slow enough to watch the order in progress
    order = imported_order(shop, 1001)
    odoo.control(latency_ms=120)
    page.goto("/orders/")
    row = order_row(page, order)
    expect(row).to_contain_text("Not Synced")

    # when the merchant clicks Sync
    row.get_by_role("button", name="Sync").click()

    # then the row says Being written, then Synced with the sale order's name and id, without a reload
    expect(row).to_contain_text("Being written", timeout=WORKER_TIMEOUT_MS)
    screenshot(page, "orders-in-progress")
    expect(row).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    [sale] = odoo.sale_orders(order.origin)
    expect(row.get_by_role("link", name=sale["name"])).to_be_visible()
    expect(row).to_contain_text(f"(id {sale['id']})")
    expect(row.get_by_role("button", name="Sync")).to_have_count(0)
    order.refresh_from_db()
    assert (order.sync_status, order.odoo_id) == (SyncStatus.SYNCED, sale["id"])
    assert sale["state"] == "sale"

    # and with nothing in progress the page stops polling (watched over two poll intervals)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/orders/rows/" in request.url else None)
    page.wait_for_timeout(2_500)
    assert polls == []


def test_it_shows_why_an_order_failed_and_retry_syncs_it_once_the_cause_is_fixed(
    page, shop, odoo, redis_worker, screenshot
):
    # given an order with a SKU that Odoo does not know
    order = imported_order(shop, 1002, skus=("SKU-NEW-MUG", "SKU-GIFTWRAP"))
    page.goto("/orders/")
    row = order_row(page, order)

    # when the merchant syncs it
    row.get_by_role("button", name="Sync").click()

    # then the row says Failed, with the reason and a Retry button; nothing is in Odoo
    expect(row).to_contain_text("Failed", timeout=WORKER_TIMEOUT_MS)
    expect(row).to_contain_text("No Odoo product has the SKU 'SKU-NEW-MUG'")
    screenshot(page, "orders-failed")
    assert odoo.sale_orders(order.origin) == []

    # when the product is created in Odoo and the merchant clicks Retry
    odoo.execute("product.product", "create", {"name": "New mug", "default_code": "SKU-NEW-MUG"})
    row.get_by_role("button", name="Retry").click()

    # then the same row turns Synced, and Odoo has exactly one sale order for it
    expect(row).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    expect(row).not_to_contain_text("No Odoo product")
    [sale] = odoo.sale_orders(order.origin)
    expect(row).to_contain_text(f"(id {sale['id']})")
    order.refresh_from_db()
    assert (order.sync_status, order.odoo_id, order.sync_error) == (SyncStatus.SYNCED, sale["id"], "")


def test_an_odoo_outage_shows_waiting_to_retry_then_failed_and_retry_syncs_once_odoo_is_back(
    page, shop, odoo, redis_worker
):
    # given an Odoo that drops every connection
    order = imported_order(shop, 1003)
    odoo.control(down=True)
    page.goto("/orders/")
    row = order_row(page, order)

    # when the merchant clicks Sync, the row says it retries by itself, then gives up with the reason
    row.get_by_role("button", name="Sync").click()
    expect(row).to_contain_text("Waiting to retry", timeout=WORKER_TIMEOUT_MS)
    expect(row).to_contain_text("Try 2 of 2 at")
    expect(row).not_to_contain_text("Being written")
    expect(row).to_contain_text("Failed", timeout=WORKER_TIMEOUT_MS)
    expect(row.get_by_role("note")).to_contain_text("Gave up after 2 attempts: use Retry once it is fixed.")
    odoo.control(down=False)
    assert odoo.sale_orders(order.origin) == []

    # when Odoo is back and the merchant clicks Retry, the order lands in Odoo once
    row.get_by_role("button", name="Retry").click()
    expect(row).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    [sale] = odoo.sale_orders(order.origin)
    expect(row).to_contain_text(f"(id {sale['id']})")


def test_preview_shows_what_odoo_would_receive_and_writes_nothing(page, shop, odoo, screenshot):
    order = imported_order(shop, 1004)
    page.goto("/orders/")

    order_row(page, order).get_by_role("link", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("#1004")
    expect(page.get_by_text("nothing has been written to Odoo")).to_be_visible()
    lines = page.get_by_role("row")
    # 2 x 25.00 with Shopify's 5.00 discount netted into the unit price (Odoo's 2-digit discount % cannot
    # hold every allocation to the cent): 2 x 22.50, no discount %, 45.00
    expect(lines.filter(has_text="Organic T-Shirt - M")).to_contain_text(
        re.compile(r"\$22\.50\s*0\.00\s*15%\s*\$45\.00")
    )
    expect(lines.filter(has_text="Gift wrap")).to_contain_text("$3.50")
    expect(page.get_by_text("Total in Shopify")).to_be_visible()
    expect(page.get_by_text("$61.77 USD").first).to_be_visible()
    screenshot(page, "order-preview-from-orders")
    assert odoo.sale_orders(order.origin) == []
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED
