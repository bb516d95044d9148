"""The order detail page in Chromium: Retry from it, then what Odoo holds, the totals and every attempt."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import Order
from synco.formatting import format_money
from synco.models import OrderRules
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.browser.helpers import SYNCED, imported_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_detail_page_shows_the_order_in_odoo_with_invoice_payment_totals_and_every_attempt(
    page, shop, odoo, redis_worker, screenshot
):
    # given rules that invoice and pay, and an order whose first sync failed on a product Odoo lacks
    [journal] = odoo.execute(
        "account.journal", "search_read", [["type", "=", "bank"]], fields=["id"], limit=1
    )
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE, payment_journals={"*": journal["id"]}
    )
    order = imported_order(shop, 6001, skus=("SKU-NEW-MUG", "SKU-GIFTWRAP"))
    page.goto(f"/orders/{order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Order #6001")
    page.get_by_role("button", name="Sync #6001").click()
    sync_panel = page.get_by_role("region", name="Sync", exact=True)
    expect(sync_panel).to_contain_text("Failed", timeout=WORKER_TIMEOUT_MS)
    expect(sync_panel.get_by_role("note")).to_contain_text("No Odoo product has the SKU 'SKU-NEW-MUG'")

    # when the product is created in Odoo and the merchant clicks Retry on the detail page
    odoo.execute("product.product", "create", {"name": "New mug", "default_code": "SKU-NEW-MUG"})
    page.get_by_role("button", name="Retry #6001").click()

    # then, without a reload, the page shows the sale order, its invoice and payment as Odoo has them
    expect(sync_panel).to_contain_text(SYNCED, timeout=WORKER_TIMEOUT_MS)
    [sale] = odoo.sale_orders(order.origin)
    order = Order.objects.get(pk=order.pk)
    in_odoo = page.get_by_role("region", name="In Odoo", exact=True)
    expect(in_odoo.get_by_role("link", name=sale["name"])).to_be_visible()
    expect(in_odoo).to_contain_text(f"(id {sale['id']})")
    expect(in_odoo).to_contain_text(f"(id {order.odoo_invoice_id})")
    expect(in_odoo).to_contain_text(f"(id {order.odoo_payment_id})")
    assert order.odoo_invoice_id and order.odoo_payment_id
    [invoice] = odoo.execute(
        "account.move", "read", [order.odoo_invoice_id], fields=["state", "payment_state", "amount_total"]
    )
    assert invoice["state"] == "posted" and invoice["payment_state"] in ("paid", "in_payment")

    # the totals comparison, from Shopify's and Odoo's own figures
    totals = page.get_by_role("region", name="Totals", exact=True)
    expect(totals).to_contain_text(format_money(order.total_price, "USD", with_code=True))  # "$61.77 USD"
    expect(totals).to_contain_text(format_money(f"{sale['amount_total']:.2f}", "USD", with_code=True))
    expect(totals).to_contain_text("Totals match.")

    # every attempt, newest first: the success and the failure before it
    attempts = page.get_by_role("region", name="Sync attempts")
    expect(attempts.get_by_role("row")).to_have_count(3)  # header + 2
    expect(attempts.get_by_role("row").nth(1)).to_contain_text("Success")
    expect(attempts.get_by_role("row").nth(2)).to_contain_text("No Odoo product has the SKU 'SKU-NEW-MUG'")

    # Refresh from Odoo reads the documents' current states
    in_odoo.get_by_role("button", name="Refresh from Odoo").click()
    live = in_odoo.get_by_role("status").filter(has_text="In Odoo now")
    expect(live).to_contain_text(sale["name"])
    expect(live).to_contain_text("Posted")
    screenshot(page, "order-detail-invoiced-and-paid")

    # and the preview of the same order opens from the detail page
    page.get_by_role("link", name="Preview #6001").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("#6001")
    expect(page.get_by_text("nothing has been written to Odoo")).to_be_visible()
