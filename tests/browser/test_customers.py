"""The duplicate-customer report in Chromium: a Polaris table per group (a list on a phone), the contact to keep badged."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from customers.imports import write_customers
from customers.models import CustomerLink
from synco.gateways import odoo_client_for
from tests.browser.conftest import PHONE, log_in
from tests.customers.helpers import customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_duplicate_report_lists_each_group_and_badges_the_contact_to_keep(
    page: Any, new_page: Any, shop: Any, odoo: Any, screenshot: Any
) -> None:
    write_customers(odoo_client_for(shop), shop, [customer(7001)])
    kept = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id
    twin = odoo.execute(
        "res.partner", "create", {"name": "Jane (typed in Odoo)", "email": "Jane.Doe@Example.com"}
    )

    page.goto("/customers/duplicates/")

    group = page.locator("[data-reason]").filter(has_text="Same e-mail: jane.doe@example.com")
    expect(group.get_by_role("row")).to_have_count(3)  # the header and both contacts
    keep_row = group.locator(f'[data-partner="{kept}"][data-keep="1"]')
    expect(keep_row.locator("s-badge")).to_have_text("keep")
    expect(group.locator(f'[data-partner="{twin}"] s-badge')).to_have_count(0)
    expect(group.get_by_role("link", name=f"#{twin} Jane (typed in Odoo)")).to_be_visible()
    screenshot(page, "customers-duplicates")

    phone = new_page(PHONE)
    log_in(phone)
    phone.goto("/customers/duplicates/")
    expect(phone.locator("s-table").first).to_have_attribute("data-layout", "list")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "customers-duplicates")
