"""A synced order of the Shopify sandbox, in the Odoo sandbox with its delivery, for the shipment tests."""

from __future__ import annotations

import copy
import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest

from orders.models import Order, SyncStatus
from orders.services import import_order, sync_order
from shipments.models import ShipmentSettings
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooDelivery
from tests.conftest import SHOP_DOMAIN, OdooSandbox, ShopifySandbox

_ids = itertools.count(1)


def sandbox_order(shopify: ShopifySandbox, *, lines: int = 2) -> dict[str, Any]:
    """A fresh paid order with at least `lines` product lines, one of them of several units."""
    store = shopify.server.store
    base = next(
        o
        for o in store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and not o.get("fulfillments")
        and not o.get("fulfillment_status")
        and len(o["line_items"]) >= lines
        and any(line["quantity"] > 1 for line in o["line_items"])
        and o["currency"] == o["presentment_currency"] == "USD"
    )
    order = copy.deepcopy(base)
    order["id"] = 8_900_000_000 + next(_ids) * 1000 + uuid.uuid4().int % 1000
    order["name"] = f"#S{order['id'] % 100000}"
    for index, line in enumerate(order["line_items"]):
        line["id"] = order["id"] * 10 + index + 1
        line["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line['id']}"
    shopify.server.add_orders([order])
    return order


def synced(shop: Shop, shopify: ShopifySandbox, order: dict[str, Any]) -> Order:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.SALE_ORDER, auto_create_products=True, auto_create_taxes=True
    )
    import_order(shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
    sync_order(stored.pk)
    stored.refresh_from_db()
    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    return stored


def delivery_of(shop: Shop, order: Order) -> OdooDelivery:
    open_ones = [d for d in odoo_client_for(shop).deliveries(int(order.odoo_id or 0)) if d.state != "done"]
    assert open_ones, "the synced order has no open delivery"
    return open_ones[0]


def ship(
    odoo: OdooSandbox,
    shop: Shop,
    delivery: OdooDelivery,
    *,
    part: dict[int, Decimal] | None = None,
    tracking: str = "",
    carrier: str = "",
) -> list[int]:
    """The warehouse validates the delivery (all of it, or `part` with a backorder), with tracking."""
    client = odoo_client_for(shop)
    if carrier:
        found = odoo.execute("delivery.carrier", "search", [["name", "=", carrier]])
        # Odoo 18 requires the carrier's delivery product (the service product the delivery module installs).
        product = odoo.execute("product.product", "search", [["default_code", "=", "Delivery_007"]])
        values = {"name": carrier, "product_id": product[0] if product else False}
        carrier_id = found[0] if found else odoo.execute("delivery.carrier", "create", values)
        odoo.execute("stock.picking", "write", [delivery.id], {"carrier_id": carrier_id})
    if tracking:
        client.set_tracking_ref(delivery.id, tracking)
    quantities = part or {}
    if not part:
        for move in delivery.moves:
            quantities[move.product_id] = quantities.get(move.product_id, Decimal(0)) + move.demand
    return client.validate_delivery(delivery.id, quantities, backorder=True)


def fulfillments_of(shopify: ShopifySandbox, order: dict[str, Any]) -> list[dict[str, Any]]:
    return list(shopify.server.store.order(SHOP_DOMAIN, int(order["id"])).get("fulfillments") or [])


@pytest.fixture
def shipping_shop(shop: Shop, shopify: ShopifySandbox, odoo: OdooSandbox) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    ShipmentSettings.objects.create(shop=shop)
    return shop
