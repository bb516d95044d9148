"""A refund made in the Shopify sandbox reaches Odoo as a credit note, and the order page shows it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order, SyncStatus
from orders.services import import_order, sync_order
from refunds.models import Refund, RefundState
from synco.models import OrderRules, Shop
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.conftest import SHOP_DOMAIN
from tests.shipments.conftest import fresh_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _paid_order_in_odoo(shop: Shop, shopify, odoo) -> dict:
    """A paid USD order of the Shopify sandbox (taxes on top, several units of a line), invoiced and paid in Odoo."""
    store = shopify.server.store
    base = next(
        o
        for o in store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("taxes_included")
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and o["currency"] == o["presentment_currency"] == "USD"
        and any(line["quantity"] > 1 for line in o["line_items"])
    )
    # under fresh ids everywhere (lines, fulfilments, admin gid): Shopify's webhooks of the copy name one order
    order_id = 8_700_000_000 + int(time.time() * 1000) % 1_000_000
    order = fresh_copy(base, order_id, f"#B{order_id % 100000}")
    shopify.server.add_orders([order])
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
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


def test_a_shopify_refund_flows_to_a_credit_note_shown_on_the_order_page(
    page, shop, shopify, odoo, redis_worker, live_url, settings, screenshot
):
    # Shopify's webhooks are signed with the app's secret: the sandbox's app here.
    settings.SHOPIFY_API_SECRET = shopify.server.app.api_secret
    order = _paid_order_in_odoo(shop, shopify, odoo)
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    page.goto(f"/orders/{stored.pk}/")
    expect(page.locator("#order-refunds")).to_contain_text("No refund")

    # when the merchant refunds one unit in Shopify (refunds/create goes to Synco)
    line = next(line for line in order["line_items"] if line["quantity"] > 1)
    made = shopify.server.create_refund(
        order["id"],
        lines=[{"line_item_id": line["id"], "quantity": 1, "restock_type": "RETURN"}],
        address=f"{live_url}/webhooks/",
    )
    deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000
    while not Refund.objects.filter(shopify_id=made["id"]).exists() and time.monotonic() < deadline:
        time.sleep(0.2)

    # then the order page shows the refund turning into a posted, paid-back credit note
    page.goto(f"/orders/{stored.pk}/")
    row = page.locator(f"#refund-{Refund.objects.get(shopify_id=made['id']).pk}")
    expect(row).to_have_attribute("data-refund-state", "synced", timeout=WORKER_TIMEOUT_MS)
    refund = Refund.objects.get(shopify_id=made["id"])
    expect(row.locator("[data-credit-note]")).to_have_text(refund.odoo_credit_note_name)
    expect(row).to_contain_text("paid back")
    screenshot(page, "order-refund-credit-note")
    [credit] = odoo.execute(
        "account.move", "read", [refund.odoo_credit_note_id], fields=["move_type", "state", "amount_total"]
    )
    shopify_amount = Decimal(made["transactions"][0]["amount_set"]["shop_money"]["amount"])
    assert (credit["move_type"], credit["state"]) == ("out_refund", "posted")
    assert Decimal(str(credit["amount_total"])).quantize(Decimal("0.01")) == shopify_amount
    assert refund.state == RefundState.SYNCED
