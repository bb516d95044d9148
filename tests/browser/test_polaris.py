"""Polaris web components inside the sandbox Shopify admin: the contextual save bar and shopify.toast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from sandboxes.shopify.oauth import DEFAULT_API_KEY
from synco.models import OrderRules
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_in_admin(new_page: Callable[..., Page], admin: Any, live_url: str, path: str) -> Page:
    page = new_page()
    page.goto(f"{admin.base_url}/admin/apps/{DEFAULT_API_KEY}?shop={SHOP_DOMAIN}")
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    frame = next(f for f in page.frames if f != page.main_frame)
    host = parse_qs(urlsplit(frame.url).query)["host"][0]
    frame.goto(f"{live_url}{path}?{urlencode({'embedded': '1', 'shop': SHOP_DOMAIN, 'host': host})}")
    return page


def test_a_settings_form_is_saved_from_the_admins_save_bar(
    new_page: Callable[..., Page], sandbox_admin: Any, shop: Any, odoo: Any, live_url: str
) -> None:
    page = _open_in_admin(new_page, sandbox_admin, live_url, "/settings/rules/")
    app = page.frame_locator("iframe")
    expect(page.get_by_role("heading", name="Order rules", level=1)).to_be_visible()
    save_bar = page.get_by_role("region", name="Unsaved changes")
    expect(save_bar).to_be_hidden()
    # the form's own Save gives way to the admin's save bar
    expect(app.get_by_role("button", name="Save rules")).to_be_hidden()

    # when: the merchant changes a field, the admin shows the save bar; its Save submits the form
    app.get_by_label("Order prefix").fill("POLARIS")
    expect(save_bar).to_be_visible()
    save_bar.get_by_role("button", name="Save").click()

    # then: saved (an s-text-field's value went with the form), and the bar is gone
    expect(app.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(save_bar).to_be_hidden()
    assert OrderRules.objects.get(shop__domain=SHOP_DOMAIN).order_prefix == "POLARIS"

    # Discard puts the form back as it was, and nothing is saved
    app.get_by_label("Order prefix").fill("DISCARDED")
    expect(save_bar).to_be_visible()
    save_bar.get_by_role("button", name="Discard").click()
    expect(save_bar).to_be_hidden()
    expect(app.get_by_label("Order prefix")).to_have_value("POLARIS")
    assert OrderRules.objects.get(shop__domain=SHOP_DOMAIN).order_prefix == "POLARIS"


def test_a_toast_is_shown_by_the_admin_through_shopify_toast(
    new_page: Callable[..., Page], sandbox_admin: Any, shop: Any, odoo: Any, live_url: str
) -> None:
    page = _open_in_admin(new_page, sandbox_admin, live_url, "/orders/")
    app = page.frame_locator("iframe")
    # the page's actions are the admin's title bar: its button opens the app's modal in the frame
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.get_by_role("button", name="Import past orders from Shopify").click()
    app.get_by_role("button", name="Check Shopify now").click()
    # the admin's toast (App Bridge), not one drawn inside the frame
    expect(page.locator("#toast")).to_have_text("Checking Shopify for new and changed orders…")
    expect(app.locator("#toasts")).to_have_css("position", "absolute")


def test_a_choice_list_change_shows_the_save_bar_and_discard_puts_it_back(
    new_page: Callable[..., Page], sandbox_admin: Any, shop: Any, odoo: Any, live_url: str
) -> None:
    page = _open_in_admin(new_page, sandbox_admin, live_url, "/settings/rules/")
    app = page.frame_locator("iframe")
    expect(page.get_by_role("heading", name="Order rules", level=1)).to_be_visible()
    save_bar = page.get_by_role("region", name="Unsaved changes")
    pending = app.get_by_role("group", name="Financial statuses").get_by_role("checkbox", name="Pending")

    # when: the merchant ticks a payment status (an s-choice-list), the admin's save bar appears
    pending.check()
    expect(save_bar).to_be_visible()

    # then: Discard resets the list to what is saved, and nothing is saved
    save_bar.get_by_role("button", name="Discard").click()
    expect(save_bar).to_be_hidden()
    expect(pending).not_to_be_checked()
    assert "PENDING" not in OrderRules.objects.get(shop__domain=SHOP_DOMAIN).financial_statuses
