"""A shop with stock sync on: the Shopify sandbox's "Main warehouse" mapped to the Odoo sandbox's warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from sandboxes.catalogue import CATALOGUE
from sandboxes.shopify.catalog import variants_by_sku
from stock import services
from stock.models import InventoryLink, LocationMapping
from synco.gateways import odoo_client_for
from synco.models import Shop
from synco.shopify import inventory
from tests.conftest import OdooSandbox, ShopifySandbox

SKU = next(item.sku for item in CATALOGUE if item.storable)


def item_gid(sku: str = SKU) -> str:
    return f"gid://shopify/InventoryItem/{variants_by_sku()[sku].inventory_item_id}"


def odoo_product(odoo: OdooSandbox, sku: str = SKU) -> int:
    return int(odoo.execute("product.product", "search", [["default_code", "=", sku]])[0])


def set_odoo_quantity(odoo: OdooSandbox, product: int, location: int, quantity: float) -> None:
    """An inventory adjustment in Odoo (as a warehouse worker counts stock)."""
    quant = odoo.execute(
        "stock.quant",
        "create",
        {"product_id": product, "location_id": location, "inventory_quantity": quantity},
        context={"inventory_mode": True},
    )
    try:
        odoo.execute("stock.quant", "action_apply_inventory", [quant])
    except Exception as exc:
        assert "None" in str(exc)


def shopify_available(shopify: ShopifySandbox, gid: str, location_gid: str) -> int:
    item = int(gid.rsplit("/", 1)[1])
    location = int(location_gid.rsplit("/", 1)[1])
    return int(shopify.server.levels(item=item, location=location)[0]["available"])


class SetSpy:
    """Counts the inventorySetQuantities calls (and their quantities) Synco sends; the call still goes out."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[inventory.QuantityToSet]]] = []

    def __len__(self) -> int:
        return len(self.calls)


@pytest.fixture
def set_spy(monkeypatch: pytest.MonkeyPatch) -> SetSpy:
    spy = SetSpy()
    original = inventory.set_quantities

    def spying(client: Any, quantities: Any, *, key: str, **kwargs: Any) -> Any:
        spy.calls.append((key, list(quantities)))
        return original(client, quantities, key=key, **kwargs)

    monkeypatch.setattr(inventory, "set_quantities", spying)
    return spy


@pytest.fixture
def stock_shop(shop: Shop, shopify: ShopifySandbox, odoo: OdooSandbox) -> Iterator[Shop]:
    """Stock sync on, Main warehouse -> Odoo's first warehouse, the catalogue matched; levels put back after."""
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token, access_scopes="write_inventory")
    shop.refresh_from_db()
    settings = services.get_settings(shop)
    settings.enabled = True
    settings.save()
    before = shopify.server.levels()
    services.refresh_locations(shop)
    main = LocationMapping.objects.get(shop=shop, shopify_location_name="Main warehouse")
    warehouse = odoo_client_for(shop).warehouses()[0]
    services.map_location(shop, main, warehouse_id=warehouse.id, location_ids=[])
    services.refresh_links(shop)
    assert (
        InventoryLink.objects.filter(shop=shop, inventory_item_gid=item_gid())
        .exclude(odoo_product_id=None)
        .exists()
    )
    yield shop
    for level in before:
        shopify.server.set_level(None, level["item_id"], level["location_id"], level["available"], emit=False)
    # Levels put back, the same pushes come again in the next test (the same shop row, the same quantities, so the
    # same idempotency keys): the session's Shopify forgets this test's keys, as Shopify forgets old ones.
    shopify.server.forget_idempotency_keys()


@pytest.fixture
def main_location(stock_shop: Shop) -> LocationMapping:
    return LocationMapping.objects.get(shop=stock_shop, shopify_location_name="Main warehouse")


@pytest.fixture
def warehouse_stock(stock_shop: Shop) -> int:
    return odoo_client_for(stock_shop).warehouses()[0].lot_stock_id


def figure(odoo: OdooSandbox, product: int, location: int) -> Decimal:
    rows = odoo.execute("product.product", "read", [product], ["free_qty"], context={"location": location})
    return Decimal(str(rows[0]["free_qty"]))
