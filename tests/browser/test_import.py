"""Importing from the Shopify sandbox in Chromium: a backfill shows its progress, then the orders are listed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from orders.models import Order
from synco.models import Shop
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import filter_tab, order_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_backfill_imports_the_shops_orders_with_progress(page, shop, shopify, redis_worker, screenshot):
    # given the shop's real token for the Shopify sandbox, and no order imported yet
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    page.goto("/orders/")
    expect(page.get_by_role("heading", name="No orders yet")).to_be_visible()

    # when the merchant opens "Import past orders from Shopify" and first gets the dates the wrong way round
    page.get_by_role("button", name="Import past orders from Shopify").first.click()
    dialog = page.get_by_role("dialog", name="Import past orders from Shopify")
    expect(dialog).to_be_visible()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    dialog.get_by_label("From", exact=True).fill(tomorrow)
    dialog.get_by_label("To (inclusive)").fill("2016-01-01")
    dialog.get_by_role("radio", name=re.compile("^All history, as one Shopify export")).check()
    dialog.get_by_role("button", name="Import orders").click()

    # then the dialog says what is wrong and keeps both dates and the way chosen (the choice list sent mode=bulk)
    expect(dialog.get_by_role("alert")).to_contain_text("The end date must not be before the start date.")
    expect(dialog.get_by_label("From", exact=True)).to_have_value(tomorrow)
    expect(dialog.get_by_label("To (inclusive)")).to_have_value("2016-01-01")
    expect(
        dialog.get_by_role("radio", name=re.compile("^All history, as one Shopify export"))
    ).to_be_checked()
    screenshot(page, "orders-import-dialog-error")

    # when they correct them and import every date up to tomorrow, page by page
    dialog.get_by_label("From", exact=True).fill("2016-01-01")
    dialog.get_by_label("To (inclusive)").fill(tomorrow)
    dialog.get_by_label("Recent orders, page by page").check()
    dialog.get_by_role("button", name="Import orders").click()
    imports = dialog.get_by_role("region", name="Imports from Shopify")

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
    expect(page.locator("#import-status")).to_be_empty()
    screenshot(page, "orders-imported")

    # and once the dialog is closed, the orders are listed, fifty to a page; Escape closes it too
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Import past orders from Shopify").first.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    filter_tab(page, "All").click()
    expect(order_rows(page)).to_have_count(50)
    expect(page.get_by_text(re.compile(rf"1\u201350 of {imported}"))).to_be_visible()
