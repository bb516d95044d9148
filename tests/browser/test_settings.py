"""Settings in Chromium: the Odoo connection (write-only secret, Test connection) and the order rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from synco.models import OdooConnection, OrderRules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_is_saved_write_only_and_test_connection_says_the_login_was_refused(
    page, shop, odoo, screenshot
):
    page.goto("/settings/odoo/")
    secret = page.get_by_label("Password or API key")
    # the stored secret is never sent back to the browser
    expect(secret).to_have_value("")
    expect(page.get_by_text("A secret is stored")).to_be_visible()

    # when the merchant types a wrong password and saves
    secret.fill("not-the-password")
    page.get_by_role("button", name="Save", exact=True).click()

    # then it is saved (and still not shown)
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_label("Password or API key")).to_have_value("")
    assert OdooConnection.objects.get(shop=shop).secret == "not-the-password"

    # when they test the connection, the login check fails and says what to fix
    page.get_by_role("button", name="Test connection").click()
    login_check = page.get_by_role("listitem").filter(has_text="Database and login")
    expect(login_check).to_contain_text("Odoo refused the login")
    expect(login_check).to_contain_text("check the login and the password or API key")
    expect(login_check).to_contain_text("Fix")
    expect(page.get_by_role("listitem").filter(has_text="Server reachable")).to_contain_text("OK")
    expect(page.get_by_text("Odoo is ready for Synco.")).to_have_count(0)
    screenshot(page, "settings-odoo-wrong-password")

    # when the right password is saved, every check passes
    page.get_by_label("Password or API key").fill("admin")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Odoo is ready for Synco.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Database and login")).to_contain_text("Logged in")


def test_order_rules_are_validated_then_saved(page, shop, screenshot):
    page.goto("/settings/rules/")

    # an invalid value is refused with the reason next to the field, and nothing changes
    page.get_by_label("Order prefix").fill("MY SHOP")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_role("alert").filter(has_text="The prefix cannot contain spaces.")).to_be_visible()
    assert OrderRules.objects.get(shop=shop).order_prefix == "SHOP"

    # so is a contradiction between two fields
    page.get_by_label("Order prefix").fill("WEB")
    page.get_by_label("Include tags").fill("vip")
    page.get_by_label("Exclude tags").fill("VIP, wholesale")
    page.get_by_role("button", name="Save rules").click()
    expect(
        page.get_by_role("alert").filter(has_text="A tag cannot be both included and excluded: vip.")
    ).to_be_visible()
    assert OrderRules.objects.get(shop=shop).exclude_tags == []

    # valid rules are saved and shown again
    page.get_by_label("Include tags").fill("")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_label("Order prefix")).to_have_value("WEB")
    expect(page.get_by_label("Exclude tags")).to_have_value("VIP, wholesale")
    screenshot(page, "settings-rules")
    rules = OrderRules.objects.get(shop=shop)
    assert (rules.order_prefix, rules.include_tags, rules.exclude_tags) == ("WEB", [], ["VIP", "wholesale"])
