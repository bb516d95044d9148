"""A refund made in the Shopify sandbox reaches Odoo through `refunds/create` and through the sweep."""

from __future__ import annotations

import copy
import itertools
import json
import time
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, SyncStatus
from orders.services import import_order, sweep_shop, sync_order
from refunds.models import Refund, RefundState
from refunds.services import sync_refund
from synclogs.models import WebhookReceipt
from synco.models import OrderRules, Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify_app.webhook_handlers import process_webhook
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("added_shopify_orders_removed")]
_ids = itertools.count(1)

REFUND_CREATE = """
mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { shopMoney { amount } }
      refundLineItems(first: 5) { nodes { quantity restockType subtotalSet { shopMoney { amount } }
        totalTaxSet { shopMoney { amount } } } }
      refundShippingLines(first: 5) { nodes { subtotalAmountSet { shopMoney { amount } } } }
      transactions(first: 5) { nodes { kind status gateway amountSet { shopMoney { amount } } } } }
    order { currentTotalPriceSet { shopMoney { amount } } totalRefundedSet { shopMoney { amount } }
      displayFinancialStatus lineItems(first: 10) { nodes { id quantity currentQuantity } } }
    userErrors { field message }
  }
}
"""


def _sandbox_order(shopify) -> dict:
    """A fresh paid USD order (taxes on top, with shipping) in the Shopify sandbox, copied from the seed."""
    store = shopify.server.store
    base = next(
        o
        for o in store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("taxes_included")
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and o.get("shipping_lines")
        and o["currency"] == o["presentment_currency"] == "USD"
        and any(line["quantity"] > 1 for line in o["line_items"])
    )
    order = copy.deepcopy(base)
    order["id"] = 8_800_000_000 + next(_ids) * 1000 + uuid.uuid4().int % 1000
    order["name"] = f"#R{order['id'] % 100000}"
    shopify.server.add_orders([order])
    return order


def _synced(shop: Shop, shopify, odoo, order: dict) -> Order:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
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
    stored.refresh_from_db()
    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    return stored


def _refund_two_units(shopify, order: dict) -> dict:
    line = next(line for line in order["line_items"] if line["quantity"] > 1)
    return shopify.server.create_refund(
        order["id"],
        lines=[
            {
                "line_item_id": line["id"],
                "quantity": 2 if line["quantity"] > 2 else 1,
                "restock_type": "RETURN",
            }
        ],
        shipping={"full_refund": True},
        emit=False,
    )


def _credit_note(odoo, refund: Refund) -> dict:
    [row] = odoo.execute(
        "account.move",
        "read",
        [refund.odoo_credit_note_id],
        fields=["state", "amount_total", "payment_state"],
    )
    return row


def test_a_refunds_create_webhook_refetches_the_order_and_its_refund_becomes_a_credit_note(
    shop, shopify, odoo, client, settings, django_capture_on_commit_callbacks
):
    order = _sandbox_order(shopify)
    _synced(shop, shopify, odoo, order)
    made = _refund_two_units(shopify, order)
    body = json.dumps(made).encode()
    response = client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="refunds/create",
        HTTP_X_SHOPIFY_SHOP_DOMAIN=SHOP_DOMAIN,
        HTTP_X_SHOPIFY_API_VERSION="2026-10",
        HTTP_X_SHOPIFY_WEBHOOK_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_EVENT_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_hmac(body, settings.SHOPIFY_API_SECRET),
    )
    assert response.status_code == 200

    with django_capture_on_commit_callbacks(execute=False):
        process_webhook(WebhookReceipt.objects.get(topic="refunds/create").pk)
    assert WebhookReceipt.objects.get(topic="refunds/create").status == WebhookReceipt.Status.PROCESSED
    refund = Refund.objects.get(shopify_id=made["id"])
    assert refund.state == RefundState.PENDING
    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED, refund.reason
    shopify_amount = Decimal(made["transactions"][0]["amount_set"]["shop_money"]["amount"])
    credit = _credit_note(odoo, refund)
    # Odoo's credit note equals Shopify's refund to the cent.
    assert Decimal(str(credit["amount_total"])).quantize(Decimal("0.01")) == shopify_amount
    assert (credit["state"], refund.amount) == ("posted", shopify_amount)
    assert credit["payment_state"] in ("paid", "in_payment")


def test_the_sweep_picks_up_a_refund_whose_webhook_was_lost(
    shop, shopify, odoo, django_capture_on_commit_callbacks
):
    order = _sandbox_order(shopify)
    _synced(shop, shopify, odoo, order)
    made = _refund_two_units(shopify, order)

    with django_capture_on_commit_callbacks(execute=False):
        sweep_shop(shop.pk)
    refund = Refund.objects.get(shopify_id=made["id"])
    assert refund.state == RefundState.PENDING
    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED, refund.reason
    credit = _credit_note(odoo, refund)
    assert Decimal(str(credit["amount_total"])).quantize(Decimal("0.01")) == refund.amount


def test_the_sandbox_refund_create_mutation_computes_amounts_like_shopify(shop, shopify):
    from synco.gateways import shopify_client_for

    order = _sandbox_order(shopify)
    line = next(line for line in order["line_items"] if line["quantity"] > 1)
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    sent_before = len(shopify.server.deliveries(topic="refunds/create"))

    data = shopify_client_for(shop).execute(
        REFUND_CREATE,
        {
            "key": str(uuid.uuid4()),
            "input": {
                "orderId": f"gid://shopify/Order/{order['id']}",
                "refundLineItems": [
                    {
                        "lineItemId": f"gid://shopify/LineItem/{line['id']}",
                        "quantity": 1,
                        "restockType": "NO_RESTOCK",
                    }
                ],
            },
        },
    )["refundCreate"]

    assert data["userErrors"] == []
    [refunded] = data["refund"]["refundLineItems"]["nodes"]
    net = Decimal(line["price_set"]["shop_money"]["amount"]) * line["quantity"] - sum(
        (Decimal(a["amount_set"]["shop_money"]["amount"]) for a in line.get("discount_allocations") or []),
        Decimal(0),
    )
    tax = sum((Decimal(t["price_set"]["shop_money"]["amount"]) for t in line["tax_lines"]), Decimal(0))
    subtotal = Decimal(refunded["subtotalSet"]["shopMoney"]["amount"])
    line_tax = Decimal(refunded["totalTaxSet"]["shopMoney"]["amount"])
    assert subtotal == (net / line["quantity"]).quantize(Decimal("0.01"))
    assert line_tax == (tax / line["quantity"]).quantize(Decimal("0.01"))
    [transaction] = data["refund"]["transactions"]["nodes"]
    assert (transaction["kind"], transaction["status"]) == ("REFUND", "SUCCESS")
    assert Decimal(transaction["amountSet"]["shopMoney"]["amount"]) == subtotal + line_tax
    after = data["order"]
    assert after["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert Decimal(after["currentTotalPriceSet"]["shopMoney"]["amount"]) == Decimal(order["total_price"]) - (
        subtotal + line_tax
    )
    assert Decimal(after["totalRefundedSet"]["shopMoney"]["amount"]) == subtotal + line_tax
    current = {n["id"]: n["currentQuantity"] for n in after["lineItems"]["nodes"]}
    assert current[f"gid://shopify/LineItem/{line['id']}"] == line["quantity"] - 1
    # and refunds/create is sent (signed) to the app: one more delivery attempt of that topic
    deadline = time.monotonic() + 10
    while (
        len(shopify.server.deliveries(topic="refunds/create")) == sent_before and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert len(shopify.server.deliveries(topic="refunds/create")) > sent_before


def test_the_sandbox_refuses_to_refund_more_than_was_bought(shop, shopify):
    from synco.gateways import shopify_client_for

    order = _sandbox_order(shopify)
    line = order["line_items"][0]
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()

    data = shopify_client_for(shop).execute(
        REFUND_CREATE,
        {
            "key": str(uuid.uuid4()),
            "input": {
                "orderId": f"gid://shopify/Order/{order['id']}",
                "refundLineItems": [
                    {"lineItemId": f"gid://shopify/LineItem/{line['id']}", "quantity": line["quantity"] + 1}
                ],
            },
        },
    )["refundCreate"]

    assert data["refund"] is None
    assert data["userErrors"][0]["field"] == ["refundLineItems", "0", "quantity"]
    assert shopify.server.store.order(SHOP_DOMAIN, order["id"])["refunds"] == []


def test_a_refund_known_only_by_its_summary_is_read_again_from_shopify(shop, shopify, odoo):
    # given a refund a bulk import stored: its total, not its lines
    order = _sandbox_order(shopify)
    stored = _synced(shop, shopify, odoo, order)
    made = _refund_two_units(shopify, order)
    refund = Refund.objects.create(
        shop=shop,
        order=stored,
        shopify_id=made["id"],
        gid=made["admin_graphql_api_id"],
        payload={"id": made["admin_graphql_api_id"], "createdAt": made["created_at"], "note": ""},
        amount=Decimal(made["transactions"][0]["amount_set"]["shop_money"]["amount"]),
        created_at=stored.created_at,
    )

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED, refund.reason
    assert refund.payload["refundLineItems"]["nodes"][0]["quantity"] >= 1
    assert Decimal(str(_credit_note(odoo, refund)["amount_total"])).quantize(Decimal("0.01")) == refund.amount
