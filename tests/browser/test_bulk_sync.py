"""Bulk sync in Chromium: Sync selected and Sync all eligible show a progress bar that finishes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import Order, SyncStatus
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import SYNCED, filter_tab, imported_order, order_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bulk_sync_shows_its_progress_and_every_row_ends_synced(page, shop, odoo, redis_worker, screenshot):
    # given five eligible orders and one that the rules leave out, and an Odoo that takes its time
    eligible = [imported_order(shop, number) for number in (3001, 3002, 3003, 3004, 3005)]
    left_out = imported_order(shop, 3006, financial_status="PENDING")
    odoo.control(latency_ms=30)
    page.goto("/orders/")
    progress = page.get_by_role("progressbar", name="Bulk sync progress")

    # "Select all" ticks every row of the page that can be sent (the ineligible one has no box), and unticks them
    select_all = page.get_by_role("checkbox", name="Select all orders on this page")
    expect(order_row(page, left_out).get_by_role("checkbox")).to_have_count(0)
    select_all.check()
    for order in eligible:
        expect(page.get_by_role("checkbox", name=f"Select {order.name}")).to_be_checked()
    select_all.uncheck()
    for order in eligible:
        expect(page.get_by_role("checkbox", name=f"Select {order.name}")).not_to_be_checked()

    # when the merchant selects two orders and clicks Sync selected
    for order in eligible[:2]:
        page.get_by_role("checkbox", name=f"Select {order.name}").check()
    page.get_by_role("button", name="Sync selected").click()

    # then a progress bar for two orders appears, starts short of the end and finishes
    expect(progress).to_have_attribute("max", "2")
    assert int(progress.get_attribute("value") or 0) < 2
    screenshot(page, "orders-bulk-sync")
    expect(page.get_by_text("2 of 2 done")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    expect(progress).to_have_attribute("value", "2")
    for order in eligible[:2]:
        expect(order_row(page, order)).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)

    # when they click Sync all eligible: only the three eligible orders not synced yet are sent
    page.get_by_role("button", name="Sync all eligible").click()
    expect(progress).to_have_attribute("max", "3")
    expect(page.get_by_text("3 of 3 done")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    for order in eligible:
        expect(order_row(page, order)).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    expect(order_row(page, left_out)).to_contain_text("Not Synced")

    # and Odoo has exactly one sale order for each eligible order, none for the other
    for order in eligible:
        [sale] = odoo.sale_orders(order.origin)
        expect(order_row(page, order)).to_contain_text(f"(id {sale['id']})")
    assert odoo.sale_orders(left_out.origin) == []
    assert Order.objects.filter(shop=shop, sync_status=SyncStatus.SYNCED).count() == 5

    # and on the Synced tab nothing can be selected: no checkboxes, no Sync selected
    filter_tab(page, "Synced").click()
    expect(order_row(page, eligible[0])).to_be_visible()
    expect(page.get_by_role("button", name="Sync selected")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
