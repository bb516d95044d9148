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
    order_id = 8_900_000_000 + next(_ids) * 1000 + uuid.uuid4().int % 1000
    order = fresh_copy(base, order_id, f"#S{order_id % 100000}")
    shopify.server.add_orders([order])
    return order


# Where a copy's own parts are numbered: order id x 1000 + offset + index (as the sandbox's generator does).
_PART_OFFSETS = {"line_items": 1, "shipping_lines": 900, "fulfillments": 850}
_ID_KEYS = ("id", "order_id", "line_item_id", "fulfillment_id", "refund_id", "parent_id")


def fresh_copy(base: dict[str, Any], order_id: int, name: str) -> dict[str, Any]:
    """A copy of a sandbox order under fresh ids everywhere: the order's own id and admin gid, its lines',
    shipping lines' and fulfilments' ids and gids, the ids the sandbox derived from the order's (refunds,
    transactions), every reference to them (a fulfilment's order_id and lines), its token and confirmation
    number. A copy that kept one of the original's ids (its admin_graphql_api_id, say) makes Shopify's orders/*
    webhooks name two orders, which Synco refuses ("ids that differ"); customers, products, variants and
    locations stay shared."""
    order = copy.deepcopy(base)
    fresh = {int(base["id"]): order_id}
    prefix = str(base["id"])

    def new_id(old: int) -> int | None:
        # Its own parts, else an id the sandbox derived from the order's (a refund's, a transaction's...).
        if old in fresh:
            return fresh[old]
        text = str(old)
        return int(f"{order_id}{text[len(prefix) :]}") if text.startswith(prefix) and text != prefix else None

    for key, offset in _PART_OFFSETS.items():
        for index, part in enumerate(order.get(key) or []):
            if isinstance(part, dict) and part.get("id") is not None:
                fresh[int(part["id"])] = order_id * 1000 + offset + index

    def renumber(value: Any) -> Any:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _ID_KEYS and isinstance(item, int) and not isinstance(item, bool):
                    value[key] = new_id(item) or item
                elif isinstance(item, str) and item.startswith("gid://shopify/"):
                    head, _, tail = item.rpartition("/")
                    renumbered = new_id(int(tail)) if tail.isdigit() else None
                    if renumbered:
                        value[key] = f"{head}/{renumbered}"
                else:
                    renumber(item)
        elif isinstance(value, list):
            for item in value:
                renumber(item)
        return value

    renumber(order)
    order["name"] = name
    order["token"] = uuid.uuid4().hex
    order["confirmation_number"] = uuid.uuid4().hex[:9].upper()
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
