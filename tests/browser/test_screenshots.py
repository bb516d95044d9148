"""Every page renders in Chromium, at desktop width and the orders page at phone width; each is saved as a PNG.

The screenshots land in var/screenshots/ (the run prints the path): a reviewer sees every page without starting
the app.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders import services
from synclogs.models import SyncAttempt
from tests.browser.conftest import PHONE, log_in
from tests.browser.helpers import expect_listed, imported_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sync_now(order) -> None:
    """What the worker does for a queued order, run here: the real engine writing into the Odoo sandbox."""
    assert services.claim_for_sync(order)
    services.sync_order(order.pk)


def test_every_page_renders_and_is_saved_as_a_screenshot(page, new_page, shop, odoo, screenshot):
    # given orders in the states a merchant sees: synced, failed, waiting, left out by the rules
    synced = imported_order(shop, 8001)
    _sync_now(synced)
    failed = imported_order(
        shop, 8002, first_name="Omar", last_name="Khan", skus=("SKU-GONE", "SKU-GIFTWRAP")
    )
    _sync_now(failed)
    waiting = imported_order(shop, 8003, first_name="Ana", last_name="Lima", days_ago=2)
    imported_order(shop, 8004, first_name="Li", last_name="Wei", financial_status="PENDING", days_ago=5)
    attempt = SyncAttempt.objects.get(order=synced, status=SyncAttempt.Status.SUCCESS)

    pages = {
        "home": ("/", "Home"),
        "orders": ("/orders/", "Orders"),
        "order-detail": (f"/orders/{synced.pk}/", "Order #8001"),
        "order-preview": (f"/orders/{waiting.pk}/preview/", "#8003"),
        "sync-log": ("/logs/", "Sync log"),
        "sync-log-detail": (f"/logs/{attempt.pk}/", "#8001"),
        "webhook-log": ("/logs/webhooks/", "Sync log"),
        "settings": ("/settings/", "Settings"),
        "settings-odoo": ("/settings/odoo/", "Odoo connection"),
        "settings-rules": ("/settings/rules/", "Order rules"),
        "settings-matching": ("/settings/matching/", "Products and customers"),
    }
    for name, (path, heading) in pages.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        screenshot(page, name)

    # the orders page on a phone: every order listed, and nothing wider than the screen
    phone = new_page(PHONE)
    log_in(phone)
    phone.goto("/orders/")
    expect_listed(phone, ["#8001", "#8002", "#8003", "#8004"])
    screenshot(phone, "orders")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the orders page scrolls sideways on a phone: {width}px wide"
    # its import dialog fits the screen too
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
