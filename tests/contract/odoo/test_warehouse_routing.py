"""Orders from a Shopify location go to its mapped warehouse (issue 14): Synco's ``sale.order`` ``load`` with
``warehouse_id/.id`` (orders/mapping.py ``load_table``), and the delivery Odoo makes on confirmation.

Verified on Odoo 18.0-20250702: a sale order loaded with the second warehouse keeps it, and confirming it
creates the delivery with that warehouse's outgoing picking type, leaving from its stock location.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest

from orders.mapping import SaleLine, SaleOrderDraft, load_table
from synco.odoo.client import OdooClient

from .conftest import Catalogue, Customer, OdooApi, Refs


@pytest.fixture(scope="module")
def depot(odoo_api: OdooApi) -> tuple[int, int]:
    """A second warehouse, made over RPC as a merchant would: (warehouse id, its stock location)."""
    code = "R" + secrets.token_hex(2).upper()
    warehouse = odoo_api.call("stock.warehouse", "create", [{"name": odoo_api.unique("Depot"), "code": code}])
    assert isinstance(warehouse, int)
    row = odoo_api.read_one("stock.warehouse", warehouse, ["lot_stock_id"])
    return warehouse, int(row["lot_stock_id"][0])


def _draft(api: OdooApi, customer: Customer, catalogue: Catalogue, warehouse: int | None) -> SaleOrderDraft:
    key = f"order_{api.run_id}_{secrets.token_hex(3)}"
    return SaleOrderDraft(
        key=key,
        name=api.unique("SHOP#WH"),
        partner_id=customer.id,
        invoice_partner_id=customer.invoice,
        shipping_partner_id=customer.delivery,
        client_order_ref=api.unique("#WH"),
        origin=f"shopify:order:{key}",
        date_order="2026-11-20 14:03:00",
        lines=(SaleLine(f"{key}_line_1", catalogue.shirt, "T-Shirt M", Decimal(2), Decimal("25")),),
        warehouse_id=warehouse,
    )


def _loaded_and_confirmed(api: OdooApi, client: OdooClient, draft: SaleOrderDraft) -> int:
    fields, rows = load_table(draft, client.dialect.sale_line_tax_field)
    [order] = client.load("sale.order", fields, rows)
    api.discard_later(order)
    client.confirm_sale_order(order)
    return order


def _delivery(api: OdooApi, order: int) -> dict:
    row = api.read_one("sale.order", order, ["warehouse_id", "picking_ids", "state"])
    assert row["state"] == "sale"
    [picking] = row["picking_ids"]
    delivery = api.read_one("stock.picking", picking, ["picking_type_id", "location_id"])
    kind = api.read_one("stock.picking.type", delivery["picking_type_id"][0], ["warehouse_id", "code"])
    return {
        "order_warehouse": row["warehouse_id"][0],
        "type_warehouse": kind["warehouse_id"][0],
        "code": kind["code"],
        "source": delivery["location_id"][0],
    }


def test_a_loaded_order_with_a_warehouse_ships_from_it(
    odoo_api: OdooApi, client: OdooClient, customer: Customer, catalogue: Catalogue, depot: tuple[int, int]
) -> None:
    warehouse, stock = depot
    draft = _draft(odoo_api, customer, catalogue, warehouse)
    assert "warehouse_id/.id" in load_table(draft, "tax_id")[0]

    order = _loaded_and_confirmed(odoo_api, client, draft)

    assert _delivery(odoo_api, order) == {
        "order_warehouse": warehouse,
        "type_warehouse": warehouse,
        "code": "outgoing",
        "source": stock,
    }


def test_a_loaded_order_without_a_warehouse_keeps_odoos_default(
    odoo_api: OdooApi, client: OdooClient, customer: Customer, catalogue: Catalogue, refs: Refs
) -> None:
    draft = _draft(odoo_api, customer, catalogue, None)
    assert not any(column.startswith("warehouse_id") for column in load_table(draft, "tax_id")[0])

    order = _loaded_and_confirmed(odoo_api, client, draft)

    assert _delivery(odoo_api, order) == {
        "order_warehouse": refs.warehouse,
        "type_warehouse": refs.warehouse,
        "code": "outgoing",
        "source": refs.stock_location,
    }


def test_a_location_of_the_warehouse_names_it(client: OdooClient, depot: tuple[int, int]) -> None:
    """What Synco reads to route an order mapped to a set of internal locations (internal_locations())."""
    warehouse, stock = depot

    locations = {location.id: location for location in client.internal_locations()}

    assert locations[stock].warehouse_id == warehouse
    assert {w.id: w.lot_stock_id for w in client.warehouses()}[warehouse] == stock
