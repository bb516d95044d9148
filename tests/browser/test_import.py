"""Importing from the Shopify sandbox in Chromium: a backfill shows its progress, then the orders are listed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from orders.models import Order
from synco.models import Shop
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import order_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_backfill_imports_the_shops_orders_with_progress(page, shop, shopify, redis_worker, screenshot):
    # given the shop's real token for the Shopify sandbox, and no order imported yet
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    page.goto("/orders/")
    expect(page.get_by_role("heading", name="No orders yet")).to_be_visible()

    # when the merchant backfills every date up to tomorrow
    imports = page.get_by_role("region", name="Imports from Shopify")
    imports.get_by_label("Import orders created from").fill("2016-01-01")
    imports.get_by_label("to", exact=True).fill((date.today() + timedelta(days=1)).isoformat())
    imports.get_by_role("button", name="Backfill").click()

    # then the run reports its progress until it is done, with what it found (the sandbox holds 60 orders, and
    # any that earlier tests of the session created there)
    expect(imports.get_by_role("progressbar", name="Progress")).to_be_visible()
    done = re.compile(r"100% · (\d+) orders \((\d+) new, 0 updated\) · Done")
    expect(imports).to_contain_text(done, timeout=WORKER_TIMEOUT_MS)
    found = done.search(imports.inner_text())
    assert found is not None and found.group(1) == found.group(2)
    imported = int(found.group(1))
    assert imported >= 60
    assert Order.objects.filter(shop=shop).count() == imported
    screenshot(page, "orders-imported")

    # and the orders are listed, fifty to a page
    page.get_by_role("navigation", name="Filter orders").get_by_role("link", name="All", exact=True).click()
    expect(order_rows(page)).to_have_count(50)
    expect(page.get_by_text(re.compile(rf"1\u201350 of {imported}"))).to_be_visible()
