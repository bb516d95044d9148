"""The home dashboard in Chromium: the setup checklist follows Test connection; counts, chart and last errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders import services
from tests.browser.helpers import imported_order, order_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sync_now(order) -> None:
    """What the worker does for a queued order, run here: the real engine writing into the Odoo sandbox."""
    assert services.claim_for_sync(order)
    services.sync_order(order.pk)


def test_home_shows_counts_the_chart_the_last_errors_and_the_setup_checklist(page, shop, odoo, screenshot):
    # given one order synced into Odoo, one that failed, two eligible waiting and one the rules leave out
    _sync_now(imported_order(shop, 5001))
    failed = imported_order(shop, 5002, skus=("SKU-NEW-MUG", "SKU-GIFTWRAP"))
    _sync_now(failed)
    imported_order(shop, 5003)
    imported_order(shop, 5004, days_ago=3)
    imported_order(shop, 5005, financial_status="PENDING")

    page.goto("/")
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()

    # the counts link to the orders page's tabs
    tiles = page.get_by_role("region", name="Orders by sync status")
    for label, count in (
        ("Synced", 1),
        ("Failed", 1),
        ("Eligible", 3),
        ("Not Synced", 3),
        ("In progress", 0),
    ):
        expect(tiles.get_by_role("link", name=re.compile(rf"^{label}\s+{count}$"))).to_be_visible()

    # the chart counts what the sync log says happened today
    expect(page.get_by_role("region", name="Last 30 days")).to_contain_text(
        "1 order synced and 1 with a failed attempt in the last 30 days"
    )
    backlog = page.get_by_role("region", name="Backlog")
    expect(backlog).to_contain_text("2 eligible orders not in Odoo yet")
    # and the failed one is counted as failed, with a link to it, never as "no backlog"
    expect(backlog).to_contain_text("1 eligible order failed and is not in Odoo")
    expect(backlog).not_to_contain_text("No backlog")
    backlog.get_by_role("link", name="See the failed orders").click()
    expect(order_row(page, failed)).to_contain_text("Failed")
    page.go_back()

    # the last errors say why, and lead to the order
    errors = page.get_by_role("region", name="Last errors")
    expect(errors).to_contain_text("No Odoo product has the SKU 'SKU-NEW-MUG'")
    screenshot(page, "home-last-errors")
    errors.get_by_role("link", name="#5002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Order #5002")
    expect(page).to_have_url(re.compile(rf"/orders/{failed.pk}/$"))

    # the checklist: the saved connection has not been tested yet; testing it ticks the step
    page.goto("/")
    setup = page.get_by_role("region", name="Setup")
    odoo_step = setup.get_by_role("listitem").filter(has_text="Odoo connected and checked")
    expect(odoo_step).to_contain_text("(to do)")
    odoo_step.get_by_role("link").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Odoo is ready for Synco.")).to_be_visible()
    page.goto("/")
    odoo_step = (
        page.get_by_role("region", name="Setup")
        .get_by_role("listitem")
        .filter(has_text="Odoo connected and checked")
    )
    expect(odoo_step).to_contain_text("(done)")
    expect(odoo_step).to_contain_text("Test connection passed")
