"""Shopify edits of an order already in Odoo: applied while Odoo's order can take them, proposed otherwise."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import uuid
import xmlrpc.client
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from orders.edits import (
    WAITING_NOTE,
    accept_proposal,
    apply_shopify_edit,
    dismiss_proposal,
    edited_line_amounts,
    edited_quantity,
    has_edits,
    refunded_quantities,
)
from orders.models import Order, ProposedChange, SyncStatus
from orders.services import import_order, store_order, sync_order
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OrderRules, Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from synco.shopify_app.webhook_handlers import process_webhook
from tests.conftest import SHOP_DOMAIN
from tests.factories import money, order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"
SHIRT, WRAP = "gid://shopify/LineItem/9001", "gid://shopify/LineItem/9002"
ADDED = {
    "id": "gid://shopify/LineItem/9003",
    "sku": "SKU-TSHIRT-L",
    "name": "Organic T-Shirt - L",
    "title": "Organic T-Shirt - L",
    "quantity": 1,
    "currentQuantity": 1,
    "taxable": True,
    "requiresShipping": True,
    "originalUnitPriceSet": money("25.00"),
    "discountedUnitPriceSet": money("25.00"),
    "discountAllocations": [],
    "taxLines": [{"title": "Sales tax", "rate": 0.15, "ratePercentage": 15.0, "priceSet": money("3.75")}],
    "variant": {
        "id": "gid://shopify/ProductVariant/43",
        "legacyResourceId": "43",
        "sku": "SKU-TSHIRT-L",
        "barcode": "0012345678929",
    },
}


def _edited(node: dict[str, Any]) -> dict[str, Any]:
    """The order after an edit in Shopify: gift wrap removed, a T-shirt L added; totals as Shopify recomputes."""
    edited = copy.deepcopy(node)
    lines = edited["lineItems"]["nodes"]
    lines[1]["currentQuantity"] = 0
    lines.append(copy.deepcopy(ADDED))
    edited["updatedAt"] = "2026-11-21T09:00:00Z"
    # Shopify's totalPriceSet still counts the removed gift wrap (as its quantity and taxLines do): only the
    # current total leaves it out.
    edited["totalPriceSet"] = money("90.52")  # 61.77 + 25.00 + 3.75
    edited["currentTotalPriceSet"] = money("86.49")  # less the gift wrap's 3.50 + 0.53
    return edited


def _store(shop, node) -> str:
    return store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))


def _synced(shop, odoo, create_as: str = OrderRules.CreateAs.SALE_ORDER) -> Order:
    OrderRules.objects.filter(shop=shop).update(create_as=create_as)
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    return order


def _lines(odoo) -> list[tuple[str, float]]:
    [sale] = odoo.sale_orders(ORIGIN)
    rows = odoo.execute("sale.order.line", "read", sale["order_line"], fields=["name", "product_uom_qty"])
    return [(row["name"].splitlines()[0], row["product_uom_qty"]) for row in rows]


def _deliver(odoo) -> None:
    [sale] = odoo.sale_orders(ORIGIN)
    [picking] = odoo.execute("sale.order", "read", [sale["id"]], fields=["picking_ids"])[0]["picking_ids"]
    moves = odoo.execute(
        "stock.move", "search_read", [["picking_id", "=", picking]], fields=["product_uom_qty"]
    )
    for move in moves:
        odoo.execute(
            "stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True}
        )
    odoo.execute("stock.picking", "button_validate", [picking])


def _edit_in_shopify(shop, order: Order, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _store(shop, _edited(order.payload)) == "updated"
    assert len(callbacks) == 1  # the edit check, queued once the stored edit is committed


def test_it_applies_an_edit_to_a_quotation(shop, odoo, django_capture_on_commit_callbacks):
    order = _synced(shop, odoo, OrderRules.CreateAs.QUOTATION)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    apply_shopify_edit(order.pk)

    assert _lines(odoo) == [
        ("Organic T-Shirt - M", 2.0),
        ("Shipping: Standard", 1.0),
        ("Organic T-Shirt - L", 1.0),
    ]
    [sale] = odoo.sale_orders(ORIGIN)
    assert sale["state"] == "draft"
    order.refresh_from_db()
    assert order.odoo_total == Decimal(str(sale["amount_total"])) == Decimal("86.49")
    assert order.totals_difference == Decimal("0.00")
    attempt = SyncAttempt.objects.get(order=order, operation="apply_order_edit")
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert attempt.summary["after"]["changes"] == [
        {
            "key": "line_9003",
            "title": "Organic T-Shirt - L",
            "before": "0",
            "after": "1",
            "price_unit": "25.00",
        },
        {"key": "line_9002", "title": "Gift wrap", "before": "1", "after": "0", "price_unit": "3.50"},
    ]
    assert not ProposedChange.objects.exists()


def test_an_applied_edit_that_misses_shopifys_total_is_held_for_review(
    shop, odoo, django_capture_on_commit_callbacks
):
    # given a quotation to which someone added a line in Odoo (a line Synco did not write, so it stays)
    order = _synced(shop, odoo, OrderRules.CreateAs.QUOTATION)
    [sale] = odoo.sale_orders(ORIGIN)
    product = odoo.execute("sale.order.line", "read", sale["order_line"][:1], fields=["product_id"])[0]
    odoo.execute(
        "sale.order",
        "write",
        [sale["id"]],
        {
            "order_line": [
                (0, 0, {"product_id": product["product_id"][0], "product_uom_qty": 1, "price_unit": 10})
            ]
        },
    )
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    # when Shopify's edit is applied
    apply_shopify_edit(order.pk)

    # then the edit is written, but Odoo's total is not Shopify's: the order is held for review, not Synced
    [sale] = odoo.sale_orders(ORIGIN)
    assert Decimal(str(sale["amount_total"])) != Decimal("86.49")
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NEEDS_REVIEW
    assert "86.49" in order.review_reason
    assert order.totals_difference == Decimal(str(sale["amount_total"])) - Decimal("86.49")
    attempt = SyncAttempt.objects.get(order=order, operation="apply_order_edit")
    assert attempt.status == SyncAttempt.Status.FAILED
    assert "Held for review" in attempt.message


def test_it_applies_an_edit_to_a_confirmed_order_nothing_of_which_is_delivered(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _synced(shop, odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    apply_shopify_edit(order.pk)

    # Odoo refuses to delete a confirmed order's line: the removed gift wrap stays at quantity 0
    assert _lines(odoo) == [
        ("Organic T-Shirt - M", 2.0),
        ("Gift wrap", 0.0),
        ("Shipping: Standard", 1.0),
        ("Organic T-Shirt - L", 1.0),
    ]
    [sale] = odoo.sale_orders(ORIGIN)
    assert (sale["state"], sale["amount_total"]) == ("sale", 86.49)


def test_a_lowered_quantity_keeps_the_lines_netted_price_and_lands_on_shopifys_total(
    shop, odoo, django_capture_on_commit_callbacks
):
    # given a confirmed order whose 2 shirts (25.00, 5.00 discount) went to Odoo at the netted 22.50 each
    order = _synced(shop, odoo)
    edited = copy.deepcopy(order.payload)
    edited["lineItems"]["nodes"][0]["currentQuantity"] = 1
    edited["updatedAt"] = "2026-11-21T09:00:00Z"
    # Shopify recalculates the shirt's tax on what is left: 22.50 x 15 % = 3.375 -> 3.38 (not 6.75 / 2)
    edited["currentTotalPriceSet"] = money("35.90")  # 22.50 + 3.38 + 3.50 + 0.53 + 5.99
    with django_capture_on_commit_callbacks(execute=False):
        assert _store(shop, edited) == "updated"

    # when Shopify's edit is applied
    apply_shopify_edit(order.pk)

    # then Odoo's line keeps its price (Odoo reprices a line whose quantity alone is written) and the sale
    # order comes to Shopify's current total
    [sale] = odoo.sale_orders(ORIGIN)
    shirt = odoo.execute(
        "sale.order.line",
        "read",
        sale["order_line"][:1],
        fields=["product_uom_qty", "price_unit", "discount"],
    )[0]
    assert (shirt["product_uom_qty"], shirt["price_unit"], shirt["discount"]) == (1.0, 22.5, 0.0)
    assert sale["amount_total"] == 35.90
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert order.totals_difference == Decimal("0.00")


def test_an_edited_lines_tax_is_recalculated_as_shopify_does_or_scaled_when_entered_by_hand():
    [shirt, _wrap] = parse_order(order_node()).line_items
    # 2 x 25.00 - 5.00 = 45.00, tax 6.75 at 15 %: one unit left is 22.50 and 3.38 (3.375 rounded half up)
    discount, [tax] = edited_line_amounts(shirt, 1, taxes_included=False)
    assert (discount, tax.amount) == (Decimal("2.50"), Decimal("3.38"))
    # a tax that was not rate x price (entered by hand) is scaled with the quantity
    manual = dataclasses.replace(
        shirt, tax_lines=(dataclasses.replace(shirt.tax_lines[0], amount=Decimal("5.00")),)
    )
    _discount, [tax] = edited_line_amounts(manual, 1, taxes_included=False)
    assert tax.amount == Decimal("2.50")
    # taxes included: the tax is the included part of what is left
    included = dataclasses.replace(
        shirt, tax_lines=(dataclasses.replace(shirt.tax_lines[0], amount=Decimal("5.87")),)
    )  # 45.00 x 0.15 / 1.15 = 5.869...
    _discount, [tax] = edited_line_amounts(included, 1, taxes_included=True)
    assert tax.amount == Decimal("2.93")  # 22.50 x 0.15 / 1.15 = 2.934...


def test_applying_the_same_edit_again_changes_nothing(shop, odoo, django_capture_on_commit_callbacks):
    order = _synced(shop, odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)
    apply_shopify_edit(order.pk)

    apply_shopify_edit(order.pk)

    assert len(_lines(odoo)) == 4
    assert SyncAttempt.objects.filter(order=order, operation="apply_order_edit").count() == 1


def test_it_proposes_an_edit_of_an_invoiced_order_and_leaves_odoo_unchanged(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _synced(shop, odoo, OrderRules.CreateAs.PAID_INVOICE)
    before = _lines(odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    apply_shopify_edit(order.pk)

    assert _lines(odoo) == before  # never silently overwritten
    [sale] = odoo.sale_orders(ORIGIN)
    assert sale["amount_total"] == 61.77
    proposal = ProposedChange.objects.get(order=order)
    assert proposal.state == ProposedChange.State.PROPOSED
    assert proposal.before["total"] == "61.77" and proposal.after["total"] == "86.49"
    assert [(c["title"], c["before"], c["after"]) for c in proposal.after["changes"]] == [
        ("Organic T-Shirt - L", "0", "1"),
        ("Gift wrap", "1", "0"),
    ]
    attempt = SyncAttempt.objects.get(order=order, operation="apply_order_edit")
    assert attempt.status == SyncAttempt.Status.SUCCESS and "not applied" in attempt.message
    # never silently ignored either: the order shows the difference and that a decision waits
    order.refresh_from_db()
    assert (order.odoo_total, order.total_price) == (Decimal("61.77"), Decimal("90.52"))
    assert order.totals_difference == Decimal("-24.72")
    assert order.review_reason == WAITING_NOTE
    assert order.sync_status == SyncStatus.SYNCED
    # seen again (orders/updated and orders/edited): still one proposal
    apply_shopify_edit(order.pk)
    assert ProposedChange.objects.filter(order=order).count() == 1


def test_it_proposes_an_edit_of_a_delivered_order(shop, odoo, django_capture_on_commit_callbacks):
    order = _synced(shop, odoo)
    _deliver(odoo)
    before = _lines(odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    apply_shopify_edit(order.pk)

    assert _lines(odoo) == before
    assert ProposedChange.objects.get(order=order).reason.startswith("SHOP#1001 is (partly) delivered")


def test_accepting_applies_what_odoo_allows_and_says_what_it_could_not(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _synced(shop, odoo, OrderRules.CreateAs.PAID_INVOICE)
    _deliver(odoo)
    # the T-shirts (delivered) go from 2 to 1 in Shopify, the gift wrap is removed, a T-shirt L is added
    edited = _edited(order.payload)
    edited["lineItems"]["nodes"][0]["currentQuantity"] = 1
    with django_capture_on_commit_callbacks(execute=False):
        _store(shop, edited)
    apply_shopify_edit(order.pk)
    invoice_ids = [order.odoo_invoice_id]
    invoice_before = odoo.execute("account.move", "read", invoice_ids, fields=["amount_total", "state"])

    outcome = accept_proposal(ProposedChange.objects.get(order=order), "merchant")

    assert _lines(odoo) == [
        ("Organic T-Shirt - M", 2.0),  # 2 delivered: Odoo refuses less, so it stays 2
        ("Gift wrap", 1.0),  # delivered too: it stays at what was delivered instead of 0
        ("Shipping: Standard", 1.0),
        ("Organic T-Shirt - L", 1.0),  # the addition is applied
    ]
    invoice_after = odoo.execute("account.move", "read", invoice_ids, fields=["amount_total", "state"])
    assert invoice_after == invoice_before  # the posted invoice is never touched
    assert "already delivered" in outcome and "unchanged" in outcome
    proposal = ProposedChange.objects.get(order=order)
    assert proposal.state == ProposedChange.State.ACCEPTED and proposal.decided_by == "merchant"
    assert proposal.outcome == outcome
    with pytest.raises(Exception, match="already decided"):
        accept_proposal(proposal, "merchant")


def test_dismissing_keeps_odoo_as_it_is(shop, odoo, django_capture_on_commit_callbacks):
    order = _synced(shop, odoo, OrderRules.CreateAs.PAID_INVOICE)
    before = _lines(odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)
    apply_shopify_edit(order.pk)

    dismiss_proposal(ProposedChange.objects.get(order=order), "merchant")

    assert _lines(odoo) == before
    order.refresh_from_db()
    assert order.review_reason == ""
    proposal = ProposedChange.objects.get(order=order)
    assert (proposal.state, proposal.decided_by) == (ProposedChange.State.DISMISSED, "merchant")


def test_a_refund_is_not_taken_for_an_edit():
    node = order_node()
    node["lineItems"]["nodes"][1]["currentQuantity"] = 0
    node["refunds"] = [
        {
            "id": "gid://shopify/Refund/1",
            "createdAt": "2026-11-22T10:00:00Z",
            "note": None,
            "totalRefundedSet": money("4.03"),
            "refundLineItems": {
                "nodes": [
                    {
                        "quantity": 1,
                        "restockType": "NO_RESTOCK",
                        "lineItem": {"id": WRAP, "sku": "SKU-GIFTWRAP"},
                        "subtotalSet": money("3.50"),
                        "totalTaxSet": money("0.53"),
                    }
                ]
            },
        }
    ]
    order = parse_order(node)

    assert refunded_quantities(order) == {WRAP: 1}
    assert [edited_quantity(line, refunded_quantities(order)) for line in order.line_items] == [2, 1]
    assert not has_edits(order)


def test_an_edit_of_an_order_not_in_odoo_waits_for_the_sync(shop, odoo, django_capture_on_commit_callbacks):
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.NOT_SYNCED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _store(shop, _edited(order.payload))

    assert callbacks == []  # nothing to compare: the sync writes the order, then applies the edit
    assert apply_shopify_edit(order.pk) is None
    assert odoo.sale_orders(ORIGIN) == []


def _signed_webhook(client, settings, topic: str, payload: dict[str, Any]):
    body = json.dumps(payload).encode()
    return client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC=topic,
        HTTP_X_SHOPIFY_SHOP_DOMAIN=SHOP_DOMAIN,
        HTTP_X_SHOPIFY_API_VERSION="2026-10",
        HTTP_X_SHOPIFY_WEBHOOK_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_EVENT_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_hmac(body, settings.SHOPIFY_API_SECRET),
    )


def test_an_edit_in_shopify_reaches_odoo_through_orders_edited(
    client, settings, shop, odoo, shopify, django_capture_on_commit_callbacks
):
    # given: a Shopify sandbox order synced into Odoo as a confirmed sale order
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    store = shopify.server.store
    source = next(o for o in store.orders(SHOP_DOMAIN) if len(o["line_items"]) >= 2 and not o.get("refunds"))
    with django_capture_on_commit_callbacks(execute=False):
        import_order(shop.pk, f"gid://shopify/Order/{source['id']}")
    order = Order.objects.get(shop=shop, shopify_id=source["id"])
    Order.objects.filter(pk=order.pk).update(eligible=True, sync_status=SyncStatus.QUEUED)
    sync_order(order.pk)
    order.refresh_from_db()
    lines_before = odoo.execute("sale.order", "read", [order.odoo_id], fields=["order_line"])[0]["order_line"]

    # when: the merchant removes the first line in Shopify, and Shopify sends orders/edited
    removed = source["line_items"][0]
    body = shopify.server.edit_order(source["id"], set_quantities={removed["id"]: 0}, emit=False)
    assert body["order_edit"]["line_items"]["removals"] == [
        {"id": removed["id"], "delta": removed["quantity"]}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert _signed_webhook(client, settings, "orders/edited", body).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process_webhook(WebhookReceipt.objects.get(topic="orders/edited").pk)
    assert len(callbacks) >= 1
    apply_shopify_edit(order.pk)

    # then: Odoo's line is at 0 (a confirmed order keeps its lines) and the totals are Shopify's edited total
    receipt = WebhookReceipt.objects.get(topic="orders/edited")
    assert receipt.status == WebhookReceipt.Status.PROCESSED
    rows = odoo.execute("sale.order.line", "read", lines_before, fields=["product_uom_qty"])
    assert rows[0]["product_uom_qty"] == 0.0
    order.refresh_from_db()
    edited = store.order(SHOP_DOMAIN, source["id"])
    assert order.total_price == Decimal(edited["total_price_set"]["shop_money"]["amount"])
    assert order.odoo_total == Decimal(edited["current_total_price_set"]["shop_money"]["amount"])


def test_an_orders_edited_body_without_an_order_edit_fails_its_receipt(client, settings, shop):
    _signed_webhook(client, settings, "orders/edited", {"id": 5550001001})

    process_webhook(WebhookReceipt.objects.get().pk)

    receipt = WebhookReceipt.objects.get()
    assert receipt.status == WebhookReceipt.Status.FAILED
    assert "order_edit.order_id" in receipt.message
    assert not Order.objects.exists()


def _proposed(shop, odoo, django_capture_on_commit_callbacks) -> tuple[Order, ProposedChange]:
    order = _synced(shop, odoo, OrderRules.CreateAs.PAID_INVOICE)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)
    apply_shopify_edit(order.pk)
    return order, ProposedChange.objects.get(order=order)


def test_the_order_page_shows_the_proposal_with_accept_and_dismiss(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    order, proposal = _proposed(shop, odoo, django_capture_on_commit_callbacks)

    html = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert f'data-proposal="{proposal.pk}" data-state="proposed"' in html
    assert reverse("orders:proposal_accept", args=[order.pk, proposal.pk]) in html
    assert reverse("orders:proposal_dismiss", args=[order.pk, proposal.pk]) in html
    assert "(now 0)" in html  # the removed gift wrap, beside its ordered quantity


def test_dismissing_from_the_page_records_who_and_answers_with_the_panel(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    order, proposal = _proposed(shop, odoo, django_capture_on_commit_callbacks)

    response = merchant_client.post(
        reverse("orders:proposal_dismiss", args=[order.pk, proposal.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-state="dismissed"' in response.content.decode()
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "info"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == (ProposedChange.State.DISMISSED, "merchant")
    again = merchant_client.post(reverse("orders:proposal_accept", args=[order.pk, proposal.pk]))
    assert json.loads(again["HX-Trigger"])["toast"]["level"] == "warning"
    proposal.refresh_from_db()
    assert proposal.state == ProposedChange.State.DISMISSED


def test_another_shops_proposal_cannot_be_decided(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    order, proposal = _proposed(shop, odoo, django_capture_on_commit_callbacks)
    other = Shop.objects.create(domain="other.myshopify.com")
    Order.objects.filter(pk=order.pk).update(shop=other)

    response = merchant_client.post(reverse("orders:proposal_accept", args=[order.pk, proposal.pk]))

    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == ProposedChange.State.PROPOSED


def test_a_refund_that_lowered_the_sale_order_is_not_put_back_by_an_edit_check(
    shop, odoo, django_capture_on_commit_callbacks
):
    from refunds.models import Refund

    # given: the gift wrap refunded before invoicing, and the refund already lowered Odoo's line to 0
    order = _synced(shop, odoo)
    refunded = copy.deepcopy(order.payload)
    refunded["lineItems"]["nodes"][1]["currentQuantity"] = 0
    refunded["updatedAt"] = "2026-11-22T10:00:00Z"
    refunded["refunds"] = [
        {
            "id": "gid://shopify/Refund/77",
            "createdAt": "2026-11-22T10:00:00Z",
            "note": None,
            "totalRefundedSet": money("4.03"),
            "refundLineItems": {
                "nodes": [
                    {
                        "quantity": 1,
                        "restockType": "NO_RESTOCK",
                        "lineItem": {"id": WRAP, "sku": "SKU-GIFTWRAP"},
                        "subtotalSet": money("3.50"),
                        "totalTaxSet": money("0.53"),
                    }
                ]
            },
        }
    ]
    with django_capture_on_commit_callbacks(execute=False):
        _store(shop, refunded)
    Refund.objects.update_or_create(
        shop=shop,
        shopify_id=77,
        defaults={
            "order": order,
            "gid": "gid://shopify/Refund/77",
            "reduced_sale_order": True,
            "state": "synced",
            "created_at": "2026-11-22T10:00:00Z",
        },
    )
    [sale] = odoo.sale_orders(ORIGIN)
    wrap_line = sale["order_line"][1]
    odoo.execute(
        "sale.order", "write", [sale["id"]], {"order_line": [(1, wrap_line, {"product_uom_qty": 0})]}
    )

    # when the edit check runs (Shopify's quantities changed)
    apply_shopify_edit(order.pk)

    # then the refunded unit stays out of the sale order: nothing to apply
    assert _lines(odoo)[1] == ("Gift wrap", 0.0)
    assert not SyncAttempt.objects.filter(order=order, operation="apply_order_edit").exists()


def test_a_refund_alone_does_not_start_an_edit_check(
    shop, odoo, monkeypatch, django_capture_on_commit_callbacks
):
    order = _synced(shop, odoo)
    refunded = copy.deepcopy(order.payload)
    refunded["lineItems"]["nodes"][1]["currentQuantity"] = 0
    refunded["updatedAt"] = "2026-11-22T10:00:00Z"
    refunded["refunds"] = [
        {
            "id": "gid://shopify/Refund/78",
            "createdAt": "2026-11-22T10:00:00Z",
            "note": None,
            "totalRefundedSet": money("4.03"),
            "refundLineItems": {
                "nodes": [
                    {
                        "quantity": 1,
                        "restockType": "NO_RESTOCK",
                        "lineItem": {"id": WRAP, "sku": "SKU-GIFTWRAP"},
                        "subtotalSet": money("3.50"),
                        "totalTaxSet": money("0.53"),
                    }
                ]
            },
        }
    ]

    scheduled: list[int] = []
    monkeypatch.setattr("orders.services.schedule_edit", scheduled.append)

    with django_capture_on_commit_callbacks(execute=False):
        assert _store(shop, refunded) == "updated"

    assert (
        scheduled == []
    )  # the refund's own work follows (a credit note, or a lower sale order); no edit check
    edited = _edited(refunded)
    edited["updatedAt"] = "2026-11-23T10:00:00Z"
    with django_capture_on_commit_callbacks(execute=False):
        _store(shop, edited)
    assert scheduled == [order.pk]  # a line added afterwards is an edit


def test_an_edit_odoo_refuses_is_logged_as_failed_and_changes_nothing(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _synced(shop, odoo)
    [sale] = odoo.sale_orders(ORIGIN)
    with contextlib.suppress(xmlrpc.client.Fault):  # action_lock locks, then its None answer faults
        odoo.execute("sale.order", "action_lock", [sale["id"]])  # locked in Odoo: its lines are protected
    before = _lines(odoo)
    _edit_in_shopify(shop, order, django_capture_on_commit_callbacks)

    assert apply_shopify_edit(order.pk) is None

    assert _lines(odoo) == before
    [attempt] = SyncAttempt.objects.filter(order=order, operation="apply_order_edit")
    assert attempt.status == SyncAttempt.Status.FAILED
    assert attempt.message.startswith("Shopify's edit of #1001 could not be applied in Odoo:")
    assert not ProposedChange.objects.exists()
