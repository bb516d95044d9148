"""Orders from a Shopify location go to the mapped Odoo warehouse (issue 14): `warehouse_id` on the sale order,
read back from the Odoo sandbox with the delivery it made."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from orders.documents import order_warehouse
from orders.models import Order
from orders.services import sync_order
from stock.models import LocationMapping, StockSettings
from synclogs.models import SyncAttempt
from synco.gateways import odoo_client_for
from synco.models import Shop
from synco.odoo.cache import forget
from synco.shopify.types import order_location, parse_order
from tests.conftest import OdooSandbox
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db

STORE = "gid://shopify/Location/71000000002"
ONLINE = "gid://shopify/Location/71000000001"


def fulfillment_orders(*locations: tuple[str, list[int]], status: str = "OPEN") -> dict[str, Any]:
    """The order query's fulfilment orders: (location GID, line quantities) each."""
    return {
        "nodes": [
            {
                "id": f"gid://shopify/FulfillmentOrder/{900 + index}",
                "status": status,
                "assignedLocation": {"location": {"id": location}},
                "lineItems": {"nodes": [{"totalQuantity": q} for q in quantities]},
            }
            for index, (location, quantities) in enumerate(locations)
        ]
    }


@pytest.fixture(autouse=True)
def fresh_lookups() -> None:
    forget()  # each test's Odoo sandbox starts over: no cached locations or warehouses of another test


@pytest.fixture
def depot(odoo: OdooSandbox) -> dict[str, Any]:
    """A second Odoo warehouse (as a merchant would add one): its id, name and stock location."""
    warehouse = odoo.execute("stock.warehouse", "create", {"name": "Depot North", "code": "DNO"})
    [row] = odoo.execute("stock.warehouse", "read", [warehouse], ["lot_stock_id"])
    return {"id": warehouse, "name": "Depot North", "stock": row["lot_stock_id"][0]}


@pytest.fixture
def routed_shop(shop: Shop) -> Shop:
    StockSettings.objects.create(shop=shop, enabled=True)
    return shop


def _map(shop: Shop, gid: str = STORE, **values: Any) -> LocationMapping:
    return LocationMapping.objects.create(
        shop=shop, shopify_location_gid=gid, shopify_location_name="Store", **values
    )


def second_order(**overrides: Any) -> dict[str, Any]:
    """Another order (its own lines: Synco's external ids of lines come from their Shopify ids)."""
    node = order_node(
        id="gid://shopify/Order/5550001002", legacyResourceId="5550001002", name="#1002", **overrides
    )
    for index, line in enumerate(node["lineItems"]["nodes"]):
        line["id"] = f"gid://shopify/LineItem/95{index}"
    return node


def _synced(
    shop: Shop, odoo: OdooSandbox, node: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    order = queued_order(shop, node or order_node(**overrides))
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.odoo_id, order.last_error
    [sale] = odoo.execute("sale.order", "read", [order.odoo_id], ["warehouse_id", "picking_ids"])
    [picking] = sale["picking_ids"]
    [delivery] = odoo.execute("stock.picking", "read", [picking], ["picking_type_id", "location_id"])
    [kind] = odoo.execute("stock.picking.type", "read", [delivery["picking_type_id"][0]], ["warehouse_id"])
    return {
        "order": order,
        "warehouse": sale["warehouse_id"][0],
        "delivery_warehouse": kind["warehouse_id"][0],
        "delivery_from": delivery["location_id"][0],
    }


def _default_warehouse(odoo: OdooSandbox) -> dict[str, Any]:
    [row] = odoo.execute("stock.warehouse", "search_read", [], fields=["lot_stock_id"], order="id", limit=1)
    return {"id": row["id"], "stock": row["lot_stock_id"][0]}


# -- reading the location ------------------------------------------------------------------------


def test_it_reads_the_location_of_the_fulfilment_order_holding_the_goods():
    node = order_node(fulfillmentOrders=fulfillment_orders((ONLINE, [0]), (STORE, [2, 1])))

    assert parse_order(node).location_id == STORE


def test_with_goods_at_several_locations_the_one_with_most_units_wins():
    node = order_node(fulfillmentOrders=fulfillment_orders((ONLINE, [1, 1]), (STORE, [4]), (ONLINE, [1])))

    assert order_location(node) == STORE  # 4 units there, 3 at the other (summed over its two)
    tie = order_node(fulfillmentOrders=fulfillment_orders((ONLINE, [2]), (STORE, [2])))
    assert order_location(tie) == ONLINE  # the first of equals


def test_cancelled_fulfilment_orders_do_not_count():
    node = order_node(
        fulfillmentOrders={
            "nodes": fulfillment_orders((STORE, [5]), status="CANCELLED")["nodes"]
            + fulfillment_orders((ONLINE, [1]))["nodes"]
        }
    )

    assert order_location(node) == ONLINE


def test_a_bulk_row_without_lines_gives_the_first_fulfilment_orders_location():
    """Bulk operations nest connections two deep at most: the fulfilment orders come without their lines."""
    node = order_node(
        fulfillmentOrders={
            "edges": [
                {
                    "node": {
                        "id": "gid://shopify/FulfillmentOrder/1",
                        "assignedLocation": {"location": {"id": STORE}},
                    }
                },
                {
                    "node": {
                        "id": "gid://shopify/FulfillmentOrder/2",
                        "assignedLocation": {"location": {"id": ONLINE}},
                    }
                },
            ]
        }
    )

    assert order_location(node) == STORE


def test_a_pos_order_without_fulfilment_orders_gives_its_retail_location():
    node = order_node(sourceName="pos", retailLocation={"id": STORE}, fulfillmentOrders={"nodes": []})

    assert parse_order(node).location_id == STORE


def test_an_old_stored_payload_has_no_location():
    node = order_node()
    node.pop("fulfillmentOrders", None)
    node.pop("retailLocation", None)

    assert parse_order(node).location_id == ""
    assert order_location(order_node(fulfillmentOrders=None, retailLocation=None)) == ""
    assert order_location(order_node(fulfillmentOrders={"nodes": [{"assignedLocation": None}]})) == ""


# -- routing in Odoo -----------------------------------------------------------------------------


def test_an_order_from_a_location_mapped_to_a_warehouse_lands_with_that_warehouse(
    routed_shop, odoo, depot, merchant_client
):
    _map(routed_shop, odoo_warehouse_id=depot["id"], odoo_warehouse_name=depot["name"])

    synced = _synced(routed_shop, odoo, fulfillmentOrders=fulfillment_orders((STORE, [2, 1])))

    assert (synced["warehouse"], synced["delivery_warehouse"], synced["delivery_from"]) == (
        depot["id"],
        depot["id"],
        depot["stock"],
    )
    order: Order = synced["order"]
    attempt = SyncAttempt.objects.get(order=order, operation="create_sale_order")
    assert "Delivery from warehouse Depot North." in attempt.message
    assert attempt.summary["sale_order"]["warehouse"] == {"id": depot["id"], "name": "Depot North"}
    html = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "<dd data-odoo-warehouse>Depot North</dd>" in html


def test_an_unmapped_location_leaves_odoos_default_warehouse(routed_shop, odoo, depot, merchant_client):
    _map(routed_shop, gid=ONLINE, odoo_warehouse_id=depot["id"], odoo_warehouse_name=depot["name"])
    _map(routed_shop)  # the store's location is known but left unsynced
    default = _default_warehouse(odoo)

    elsewhere = _synced(
        routed_shop, odoo, fulfillmentOrders=fulfillment_orders(("gid://shopify/Location/9", [3]))
    )
    unsynced = _synced(routed_shop, odoo, second_order(fulfillmentOrders=fulfillment_orders((STORE, [3]))))

    for synced in (elsewhere, unsynced):
        assert (synced["warehouse"], synced["delivery_warehouse"], synced["delivery_from"]) == (
            default["id"],
            default["id"],
            default["stock"],
        )
        attempt = SyncAttempt.objects.get(order=synced["order"], operation="create_sale_order")
        assert attempt.summary["sale_order"]["warehouse"] is None
        assert "Delivery from warehouse" not in attempt.message
    html = merchant_client.get(reverse("orders:detail", args=[elsewhere["order"].pk])).content.decode()
    assert "data-odoo-warehouse" not in html


def test_a_location_mapped_to_a_set_of_locations_goes_to_their_warehouse(routed_shop, odoo, depot):
    shelf = odoo.execute("stock.location", "create", {"name": "Shelf 4", "location_id": depot["stock"]})
    _map(routed_shop, odoo_location_ids=[shelf, depot["stock"]], odoo_location_names=["DNO/Stock/Shelf 4"])

    synced = _synced(routed_shop, odoo, fulfillmentOrders=fulfillment_orders((STORE, [1])))

    assert (synced["warehouse"], synced["delivery_warehouse"]) == (depot["id"], depot["id"])
    attempt = SyncAttempt.objects.get(order=synced["order"], operation="create_sale_order")
    assert attempt.summary["sale_order"]["warehouse"] == {"id": depot["id"], "name": "Depot North"}


def test_with_stock_sync_off_the_mapping_is_not_used(shop, odoo, depot):
    StockSettings.objects.create(shop=shop, enabled=False)
    _map(shop, odoo_warehouse_id=depot["id"], odoo_warehouse_name=depot["name"])

    synced = _synced(shop, odoo, fulfillmentOrders=fulfillment_orders((STORE, [1])))

    assert synced["warehouse"] == _default_warehouse(odoo)["id"]


def test_the_preview_shows_the_warehouse_it_would_use(routed_shop, odoo, depot, merchant_client):
    _map(routed_shop, odoo_warehouse_id=depot["id"], odoo_warehouse_name=depot["name"])
    routed = queued_order(routed_shop, order_node(fulfillmentOrders=fulfillment_orders((STORE, [1]))))
    plain = queued_order(routed_shop, second_order())
    Order.objects.filter(pk__in=[routed.pk, plain.pk]).update(sync_status="not_synced")

    html = merchant_client.get(reverse("orders:preview", args=[routed.pk])).content.decode()
    other = merchant_client.get(reverse("orders:preview", args=[plain.pk])).content.decode()

    assert "<dd data-warehouse>Depot North (the Shopify location&#x27;s mapping)</dd>" in html
    assert "<dd data-warehouse>Odoo&#x27;s default warehouse</dd>" in other
    assert odoo.execute("sale.order", "search_count", []) == 0


def test_the_lookup_reads_odoos_locations_once(routed_shop, odoo, depot):
    _map(routed_shop, odoo_location_ids=[depot["stock"]])
    order = parse_order(order_node(fulfillmentOrders=fulfillment_orders((STORE, [1]))))
    client = odoo_client_for(routed_shop)
    odoo.server.reset_stats()

    found = [order_warehouse(client, routed_shop, order) for _ in range(3)]

    assert found == [(depot["id"], "Depot North")] * 3
    calls = odoo.server.stats()["calls"]
    assert sorted(calls) == ["stock.location:search_read", "stock.warehouse:search_read"], calls
