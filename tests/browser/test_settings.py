"""Settings in Chromium: the Odoo connection (write-only secret, Test connection) and the order rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import SyncStatus
from synco.models import OdooConnection, OrderRules
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import SYNCED, imported_order, order_row

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


def test_test_connection_checks_what_is_typed_without_saving_it(page, shop, odoo):
    page.goto("/settings/odoo/")

    # a wrong password typed but not saved is what Test connection tries
    page.get_by_label("Password or API key").fill("typo-in-the-password")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("listitem").filter(has_text="Database and login")).to_contain_text(
        "Odoo refused the login"
    )
    # the page says these settings do not work and the saved ones stay in use, never "press Save to use them"
    expect(page.get_by_role("alert")).to_contain_text("These settings do not work.")
    expect(page.get_by_text("Nothing was saved: Synco keeps using the saved settings.")).to_be_visible()
    expect(page.get_by_text("press Save to use them")).to_have_count(0)
    # and nothing was saved: the stored password still works
    assert OdooConnection.objects.get(shop=shop).secret == "admin"
    page.goto("/settings/odoo/")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Odoo is ready for Synco.")).to_be_visible()


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
    screenshot(page, "settings-rules-saved")
    rules = OrderRules.objects.get(shop=shop)
    assert (rules.order_prefix, rules.include_tags, rules.exclude_tags) == ("WEB", [], ["VIP", "wholesale"])


def test_matching_options_check_the_chosen_odoo_contact_before_saving(page, shop, odoo, screenshot):
    [partner] = odoo.execute(
        "res.partner", "search_read", [["is_company", "=", True]], fields=["id", "name"], limit=1
    )
    page.goto("/settings/matching/")
    page.get_by_label("SKU only").check()
    page.get_by_label("Put every order on one Odoo contact").check()

    # a contact Odoo does not have is refused, with the reason, and nothing is saved
    page.get_by_label("Odoo contact id for every order").fill("99999")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Odoo has no contact #99999.")).to_be_visible()
    assert OrderRules.objects.get(shop=shop).customer_match == OrderRules.CustomerMatch.EMAIL

    # a real one is saved, with its name as Odoo has it
    page.get_by_label("Odoo contact id for every order").fill(str(partner["id"]))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(
        page.get_by_text(f"Every order goes on {partner['name']} (Odoo contact #{partner['id']})")
    ).to_be_visible()
    screenshot(page, "settings-matching-saved")
    rules = OrderRules.objects.get(shop=shop)
    assert (rules.product_match, rules.customer_match, rules.single_partner_id) == (
        OrderRules.ProductMatch.SKU_ONLY,
        OrderRules.CustomerMatch.SINGLE,
        partner["id"],
    )


def test_pausing_syncing_refuses_sync_until_it_is_resumed(page, shop, odoo, redis_worker, screenshot):
    order = imported_order(shop, 7001)
    page.goto("/settings/")
    danger_zone = page.get_by_role("region", name="Danger zone")

    # when the merchant pauses syncing, every page says so
    danger_zone.get_by_role("button", name="Pause syncing").click()
    expect(danger_zone).to_contain_text("Paused")
    expect(page.get_by_role("status").filter(has_text="Syncing is paused.")).to_be_visible()
    screenshot(page, "settings-paused")
    shop.refresh_from_db()
    assert shop.sync_paused

    # and Sync is refused with the reason; the order is not queued
    page.goto("/orders/")
    expect(page.get_by_role("status").filter(has_text="Syncing is paused.")).to_be_visible()
    row = order_row(page, order)
    row.get_by_role("button", name="Sync").click()
    expect(page.get_by_text("#7001 was not sent: Syncing is paused")).to_be_visible()
    expect(row).to_contain_text("Not Synced")
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED

    # when it is resumed, the banner goes and Sync works again
    page.goto("/settings/")
    page.get_by_role("region", name="Danger zone").get_by_role("button", name="Resume syncing").click()
    expect(page.get_by_role("region", name="Danger zone")).to_contain_text("Syncing")
    expect(page.get_by_role("status").filter(has_text="Syncing is paused.")).to_have_count(0)
    page.goto("/orders/")
    order_row(page, order).get_by_role("button", name="Sync").click()
    expect(order_row(page, order)).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    assert len(odoo.sale_orders(order.origin)) == 1


def test_the_rules_choice_lists_and_text_area_submit_every_value_the_merchant_chose(page, shop):
    # given: the defaults (Paid, Partially paid, Partially refunded; any fulfilment; no journals)
    page.goto("/settings/rules/")
    payments = page.get_by_role("group", name="Financial statuses")
    expect(payments.get_by_role("checkbox", name="Paid", exact=True)).to_be_checked()

    # when: the merchant unticks Paid, ticks Pending and one fulfilment status, and types two journal lines
    payments.get_by_role("checkbox", name="Paid", exact=True).uncheck()
    payments.get_by_role("checkbox", name="Pending", exact=True).check()
    page.get_by_role("group", name="Fulfillment statuses").get_by_role("checkbox").first.check()
    page.get_by_label("Payment journals").fill("shopify_payments = 7\n* = 6")
    page.get_by_role("button", name="Save rules").click()

    # then: each list went with the form under its own name, once per ticked value, and the lines as typed
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    rules = OrderRules.objects.get(shop=shop)
    assert sorted(rules.financial_statuses) == ["PARTIALLY_PAID", "PARTIALLY_REFUNDED", "PENDING"]
    assert len(rules.fulfillment_statuses) == 1
    assert rules.payment_journals == {"shopify_payments": 7, "*": 6}
    expect(page.get_by_label("Payment journals")).to_have_value("shopify_payments = 7\n* = 6")
    expect(payments.get_by_role("checkbox", name="Pending", exact=True)).to_be_checked()
    expect(payments.get_by_role("checkbox", name="Paid", exact=True)).not_to_be_checked()
