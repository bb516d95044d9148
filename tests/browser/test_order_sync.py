"""Sync and Retry from the orders page, in Chromium, with a real Celery worker writing into the Odoo sandbox."""

from __future__ import annotations

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

    # then the row says In Progress, then Synced with the sale order's name and id, without a reload
    expect(row).to_contain_text("In Progress", timeout=WORKER_TIMEOUT_MS)
    screenshot(page, "orders-in-progress")
    expect(row).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    [sale] = odoo.sale_orders(order.origin)
    expect(row.get_by_role("link", name=sale["name"])).to_be_visible()
    expect(row).to_contain_text(f"(id {sale['id']})")
    expect(row.get_by_role("button", name="Sync")).to_have_count(0)
    order.refresh_from_db()
    assert (order.sync_status, order.odoo_id) == (SyncStatus.SYNCED, sale["id"])
    assert sale["state"] == "sale"


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
