"""An order edited in the Shopify sandbox after it reached Odoo: the order page shows the proposed change
(the order is invoiced), and Accept applies what Odoo allows and says what it left alone."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from orders.models import Order, ProposedChange, SyncStatus
from orders.services import import_order, sync_order
from synco.models import OrderRules, Shop
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.conftest import SHOP_DOMAIN
from tests.shipments.conftest import fresh_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _invoiced_order_in_odoo(shop: Shop, shopify, odoo) -> dict:
    """A paid order of the Shopify sandbox with two lines or more, invoiced and paid in Odoo."""
    store = shopify.server.store
    base = next(
        o
        for o in store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and o["currency"] == o["presentment_currency"] == "USD"
        and len(o["line_items"]) >= 2
        # not edited by an earlier test of the session (the Shopify sandbox is shared)
        and all(int(li.get("current_quantity", li["quantity"])) == li["quantity"] for li in o["line_items"])
    )
    # under fresh ids everywhere (lines, fulfilments, admin gid): Shopify's webhooks of the copy name one order
    order_id = 8_800_000_000 + int(time.time() * 1000) % 1_000_000
    order = fresh_copy(base, order_id, f"#E{order_id % 100000}")
    shopify.server.add_orders([order])
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token, iana_timezone="Pacific/Auckland")
    journal = odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE,
        auto_create_products=True,
        auto_create_taxes=True,
        payment_journals={"*": journal},
    )
    import_order(shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
    sync_order(stored.pk)
    assert Order.objects.get(pk=stored.pk).sync_status == SyncStatus.SYNCED
    return order


def test_a_shopify_edit_of_an_invoiced_order_is_proposed_then_accepted_on_the_order_page(
    page, shop, shopify, odoo, redis_worker, live_url, settings, screenshot
):
    settings.SHOPIFY_API_SECRET = shopify.server.app.api_secret
    order = _invoiced_order_in_odoo(shop, shopify, odoo)
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    sale_lines = odoo.execute("sale.order", "read", [stored.odoo_id], fields=["order_line"])[0]["order_line"]
    before = odoo.execute("sale.order.line", "read", sale_lines, fields=["product_uom_qty"])

    # when the merchant removes a line and adds one in Shopify (orders/edited and orders/updated go to Synco)
    removed = order["line_items"][1]
    shopify.server.edit_order(
        order["id"],
        set_quantities={removed["id"]: 0},
        add=[{"sku": "SKU-TSHIRT-L", "title": "Organic T-Shirt - L", "price": "25.00", "quantity": 1}],
        address=f"{live_url}/webhooks/",
    )
    deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000
    while not ProposedChange.objects.filter(order=stored).exists() and time.monotonic() < deadline:
        time.sleep(0.2)

    # then the order page shows what Odoo has and what it would receive, Odoo still unchanged
    page.goto(f"/orders/{stored.pk}/")
    proposal = page.locator("#proposed-changes article").first
    expect(proposal).to_have_attribute("data-state", "proposed", timeout=WORKER_TIMEOUT_MS)
    expect(proposal).to_contain_text("is invoiced in Odoo")
    expect(proposal).to_contain_text("Organic T-Shirt - L")
    expect(page.locator(".page-zone")).to_contain_text("Pacific/Auckland")
    assert odoo.execute("sale.order.line", "read", sale_lines, fields=["product_uom_qty"]) == before
    screenshot(page, "order-edit-proposed")

    # and Accept applies it to the sale order (the invoice stays as it is), saying so
    proposal.get_by_role("button", name=f"Accept the change to {stored.name}").click()
    decided = page.locator("#proposed-changes article").first
    expect(decided).to_have_attribute("data-state", "accepted", timeout=WORKER_TIMEOUT_MS)
    expect(decided.locator("[data-outcome]")).to_contain_text("unchanged")
    screenshot(page, "order-edit-accepted")
    lines = odoo.execute("sale.order", "read", [stored.odoo_id], fields=["order_line"])[0]["order_line"]
    names = [row["name"] for row in odoo.execute("sale.order.line", "read", lines, fields=["name"])]
    assert any(name.startswith("Organic T-Shirt - L") for name in names)
    [removed_line] = [
        row
        for row in odoo.execute("sale.order.line", "read", sale_lines, fields=["product_uom_qty", "name"])
        if row["name"].startswith(removed["title"])
    ][:1]
    assert removed_line["product_uom_qty"] == 0.0
