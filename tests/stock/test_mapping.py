"""stock/mapping.py: what Shopify should show, coalescing, batches, drift and matching (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from graphql import parse, validate

from sandboxes.shopify.schema import load_schema
from stock import mapping
from stock.mapping import DesiredLevel, ItemRef, LocationRef
from synco.odoo.client import OdooProduct
from synco.shopify import inventory
from synco.shopify.inventory import QuantityToSet, ShopifyInventoryItem

ITEM = "gid://shopify/InventoryItem/1"
SHOP_LOC = "gid://shopify/Location/10"
OTHER_LOC = "gid://shopify/Location/11"


def level(item: str = ITEM, location: str = SHOP_LOC, quantity: int = 5) -> DesiredLevel:
    return DesiredLevel(item, location, 7, Decimal(quantity), quantity, sku="SKU", location_name="Main")


def test_it_subtracts_the_buffer_and_rounds_down():
    assert mapping.desired_available([Decimal("7.9"), Decimal("3")], buffer=2) == 8


def test_it_never_goes_below_zero():
    assert mapping.desired_available([Decimal("1")], buffer=5) == 0
    assert mapping.desired_available([Decimal("-4")], buffer=0) == 0


def test_it_takes_each_shopify_locations_figure_and_skips_unsynced_ones():
    items = [ItemRef(ITEM, 7, "SKU")]
    locations = [
        LocationRef(SHOP_LOC, (100, 101), "Main"),
        LocationRef(OTHER_LOC, (), "Popup"),  # not synced
    ]
    figures = {(7, SHOP_LOC): Decimal("10"), (7, OTHER_LOC): Decimal("6"), (8, SHOP_LOC): Decimal("99")}

    levels = mapping.desired_levels(items, locations, figures, buffer=1)

    assert levels == [DesiredLevel(ITEM, SHOP_LOC, 7, Decimal("10"), 9, sku="SKU", location_name="Main")]


def test_a_product_odoo_has_no_quant_for_is_zero():
    levels = mapping.desired_levels([ItemRef(ITEM, 7)], [LocationRef(SHOP_LOC, (100,))], {}, buffer=0)

    assert [lv.quantity for lv in levels] == [0]


def test_it_coalesces_one_write_per_item_and_location_last_wins():
    changes = [level(quantity=n) for n in range(100)] + [level(location=OTHER_LOC, quantity=3)]

    coalesced = mapping.coalesce(changes)

    assert [(lv.location_gid, lv.quantity) for lv in coalesced] == [(SHOP_LOC, 99), (OTHER_LOC, 3)]


def test_items_for_products_lists_each_item_once():
    items = [ItemRef(ITEM, 7), ItemRef("gid://shopify/InventoryItem/2", 8), ItemRef(ITEM, 7)]

    assert mapping.items_for_products([7, 7, 7], items) == [ItemRef(ITEM, 7)]


def test_it_batches_at_most_250_quantities():
    chunks = mapping.batches(list(range(601)))

    assert [len(chunk) for chunk in chunks] == [250, 250, 101]
    assert mapping.batches([]) == []


def test_known_values_become_the_compare_and_set_guard():
    quantities = mapping.quantities_to_set(
        [level(quantity=4), level(location=OTHER_LOC, quantity=2)], {(ITEM, SHOP_LOC): 6}
    )

    assert quantities == [QuantityToSet(ITEM, SHOP_LOC, 4, 6), QuantityToSet(ITEM, OTHER_LOC, 2, None)]


def test_drift_lists_only_differences_and_counts_not_stocked_as_zero():
    levels = [level(quantity=5), level(location=OTHER_LOC, quantity=0), level(item="gid://x/2", quantity=3)]
    shopify = {(ITEM, SHOP_LOC): 2, (ITEM, OTHER_LOC): None, ("gid://x/2", SHOP_LOC): 3}

    rows = mapping.drift(levels, shopify)

    assert [(r.level.key, r.shopify_available, r.difference) for r in rows] == [((ITEM, SHOP_LOC), 2, 3)]


def product(pid: int, code: str = "", barcode: str = "", active: bool = True) -> OdooProduct:
    return OdooProduct(id=pid, name=f"P{pid}", default_code=code, barcode=barcode, active=active)


def item(gid: str, sku: str = "", barcode: str = "", tracked: bool = True) -> ShopifyInventoryItem:
    return ShopifyInventoryItem(gid=gid, sku=sku, barcode=barcode, title=f"Item {gid}", tracked=tracked)


def test_matching_follows_the_shops_field_order_and_never_guesses():
    items = [
        item("a", sku="A1"),
        item("b", sku="B1", barcode="999"),
        item("c", sku="DUP"),
        item("d"),
        item("e", sku="NOPE"),
        item("f", sku="F1", tracked=False),
        item("g", sku="G1"),
    ]
    found = {
        "default_code": {
            "A1": [product(1, "A1")],
            "DUP": [product(3, "DUP"), product(4, "DUP")],
            "G1": [product(6, "G1", active=False), product(7, "G1")],
        },
        "barcode": {"999": [product(2, barcode="999")]},
    }

    matches = mapping.match_items(items, ("default_code", "barcode"), found, cached={})

    assert [(m.inventory_item_gid, m.odoo_product_id) for m in matches] == [
        ("a", 1),
        ("b", 2),
        ("c", None),
        ("d", None),
        ("e", None),
        ("f", None),
        ("g", 7),
    ]
    reasons = {m.inventory_item_gid: m.reason for m in matches}
    assert reasons["c"].startswith("Several Odoo products have the SKU 'DUP'")
    assert "neither a SKU nor a barcode" in reasons["d"]
    assert reasons["e"] == "No Odoo product has the SKU 'NOPE' ('Item e')."
    assert "does not track inventory" in reasons["f"]


def test_matching_takes_what_orders_already_matched_first():
    matches = mapping.match_items(
        [item("a", sku="A1")], ("default_code",), {"default_code": {}}, cached={"A1": 42}
    )

    assert matches[0].odoo_product_id == 42


def test_the_idempotency_key_is_the_same_for_the_same_batch_only():
    batch = [QuantityToSet(ITEM, SHOP_LOC, 4, 6), QuantityToSet(ITEM, OTHER_LOC, 2, None)]

    key = inventory.idempotency_key("s.myshopify.com", batch)

    assert key == inventory.idempotency_key("s.myshopify.com", list(reversed(batch)))
    assert key != inventory.idempotency_key(
        "s.myshopify.com", [QuantityToSet(ITEM, SHOP_LOC, 5, 6), batch[1]]
    )
    assert key != inventory.idempotency_key("t.myshopify.com", batch)
    assert 0 < len(key) <= 100


@pytest.mark.parametrize("name", sorted(inventory.DOCUMENTS))
def test_the_inventory_documents_are_valid_in_the_pinned_schema(name):
    errors = validate(load_schema(), parse(inventory.DOCUMENTS[name]))

    assert [error.message for error in errors] == []


def test_it_parses_a_set_result_and_its_user_errors():
    data = {
        "inventorySetQuantities": {
            "inventoryAdjustmentGroup": {
                "id": "gid://shopify/InventoryAdjustmentGroup/1",
                "changes": [
                    {
                        "name": "available",
                        "delta": 2,
                        "quantityAfterChange": 9,
                        "item": {"id": ITEM},
                        "location": {"id": SHOP_LOC},
                    },
                    {
                        "name": "on_hand",
                        "delta": 2,
                        "quantityAfterChange": 12,
                        "item": {"id": ITEM},
                        "location": {"id": SHOP_LOC},
                    },
                ],
            },
            "userErrors": [],
        }
    }
    result = inventory.parse_set_result(data)
    assert result.after == {(ITEM, SHOP_LOC): 9}
    assert not result.stale

    stale = inventory.parse_set_result(
        {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                        "field": ["input", "quantities", "0"],
                        "message": "stale",
                    }
                ],
            }
        }
    )
    assert stale.stale
    assert stale.after == {}
