"""An order edited in Shopify before its first sync reaches Odoo as Shopify has it now, to the cent."""

from __future__ import annotations

import copy
import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest

from orders.edits import with_edits
from orders.models import Order, SyncStatus
from orders.services import import_order, sync_order
from refunds.models import Refund, RefundState
from refunds.services import sync_refund
from synco.models import OrderRules, Shop
from synco.shopify.types import parse_order
from tests.conftest import SHOP_DOMAIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("added_shopify_orders_removed")]
_ids = itertools.count(1)


def _sandbox_order(shopify) -> dict[str, Any]:
    """A fresh paid USD order with two lines or more, one of them for several units, copied from the seed."""
    base = next(
        o
        for o in shopify.server.store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and o["currency"] == o["presentment_currency"] == "USD"
        and len(o["line_items"]) >= 2
        and any(line["quantity"] > 1 for line in o["line_items"])
        # not edited by an earlier test of the session (the Shopify sandbox is shared)
        and all(int(li.get("current_quantity", li["quantity"])) == li["quantity"] for li in o["line_items"])
    )
    order = copy.deepcopy(base)
    order["id"] = 8_900_000_000 + next(_ids) * 1000 + uuid.uuid4().int % 1000
    order["name"] = f"#E{order['id'] % 100000}"
    shopify.server.add_orders([order])
    return order


def _several(order: dict[str, Any]) -> dict[str, Any]:
    return next(line for line in order["line_items"] if line["quantity"] > 1)


def _sync(shop: Shop, shopify, odoo, order: dict[str, Any], create_as: str) -> Order:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    journal = odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
    OrderRules.objects.filter(shop=shop).update(
        create_as=create_as,
        auto_create_products=True,
        auto_create_taxes=True,
        payment_journals={"*": journal},
    )
    import_order(shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
    sync_order(stored.pk)
    stored.refresh_from_db()
    return stored


def _quantities(odoo, stored: Order) -> dict[str, float]:
    [sale] = odoo.execute("sale.order", "read", [stored.odoo_id], fields=["order_line"])
    rows = odoo.execute("sale.order.line", "read", sale["order_line"], fields=["name", "product_uom_qty"])
    return {row["name"].splitlines()[0]: row["product_uom_qty"] for row in rows}


def _amount_total(odoo, stored: Order) -> Decimal:
    [sale] = odoo.execute("sale.order", "read", [stored.odoo_id], fields=["amount_total"])
    return Decimal(str(sale["amount_total"])).quantize(Decimal("0.01"))


def test_it_writes_a_quantity_lowered_before_the_first_sync(shop, shopify, odoo):
    order = _sandbox_order(shopify)
    line = _several(order)
    shopify.server.edit_order(
        order["id"], SHOP_DOMAIN, set_quantities={line["id"]: line["quantity"] - 1}, emit=False
    )
    # As Shopify reports an edit: the ordered quantity, its taxes and totalPriceSet still count the removed
    # unit; currentQuantity and currentTotalPriceSet leave it out.
    in_shopify = shopify.server.store.order(SHOP_DOMAIN, order["id"])
    [edited_line] = [item for item in in_shopify["line_items"] if item["id"] == line["id"]]
    assert (edited_line["quantity"], edited_line["current_quantity"]) == (
        line["quantity"],
        line["quantity"] - 1,
    )
    assert edited_line["tax_lines"] == line["tax_lines"]
    assert in_shopify["total_price"] == order["total_price"]
    assert Decimal(in_shopify["current_total_price"]) < Decimal(order["total_price"])

    stored = _sync(shop, shopify, odoo, order, OrderRules.CreateAs.SALE_ORDER)

    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    assert _quantities(odoo, stored)[line["name"]] == line["quantity"] - 1
    edited = with_edits(parse_order(stored.payload))
    assert stored.odoo_total == edited.total
    assert _amount_total(odoo, stored) == edited.total
    # Shopify's current total (nothing refunded) is the edited total: the order came in as Shopify has it now.
    current = Decimal(shopify.server.store.order(SHOP_DOMAIN, order["id"])["current_total_price"])
    assert abs(edited.total - current) <= Decimal("0.01") * len(order["line_items"])


def test_it_writes_a_line_added_before_the_first_sync(shop, shopify, odoo):
    order = _sandbox_order(shopify)
    sku = order["line_items"][0]["sku"]
    shopify.server.edit_order(
        order["id"],
        SHOP_DOMAIN,
        add=[{"title": "Added mug", "sku": sku, "price": "12.50", "quantity": 2, "taxable": False}],
        emit=False,
    )

    stored = _sync(shop, shopify, odoo, order, OrderRules.CreateAs.SALE_ORDER)

    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    assert _quantities(odoo, stored)["Added mug"] == 2.0
    shopify_total = Decimal(shopify.server.store.order(SHOP_DOMAIN, order["id"])["total_price"])
    assert shopify_total == Decimal(order["total_price"]) + Decimal("25.00")
    assert _amount_total(odoo, stored) == shopify_total


def test_an_edit_and_a_refund_before_the_first_sync_are_each_counted_once(shop, shopify, odoo):
    order = _sandbox_order(shopify)
    line = _several(order)
    other = next(item for item in order["line_items"] if item["id"] != line["id"])
    shopify.server.edit_order(order["id"], SHOP_DOMAIN, set_quantities={other["id"]: 0}, emit=False)
    shopify.server.create_refund(
        order["id"], lines=[{"line_item_id": line["id"], "quantity": 1, "restock_type": "RETURN"}], emit=False
    )

    stored = _sync(shop, shopify, odoo, order, OrderRules.CreateAs.QUOTATION)

    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    written = _quantities(odoo, stored)
    assert written[line["name"]] == line["quantity"]  # the refunded unit is refunds/' to take off, once
    assert written.get(other["name"], 0.0) == 0.0
    [refund] = Refund.objects.filter(order=stored)
    sync_refund(refund.pk)
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED, refund.reason
    assert refund.reduced_sale_order
    quantities = _quantities(odoo, stored)
    assert quantities[line["name"]] == line["quantity"] - 1
    assert quantities.get(other["name"], 0.0) == 0.0
    current = Decimal(shopify.server.store.order(SHOP_DOMAIN, order["id"])["current_total_price"])
    stored.refresh_from_db()
    assert _amount_total(odoo, stored) == stored.odoo_total == current
    # Once only: a second run changes nothing.
    sync_refund(refund.pk)
    assert _quantities(odoo, stored) == quantities
