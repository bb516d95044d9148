"""Stock levels per warehouse / location (issue 14): what Synco reads to push Odoo's stock to Shopify.

Verified on Odoo 18.0-20250702: a warehouse created over RPC gets ``CODE`` (view) and ``CODE/Stock``;
a location's children count toward it (``child_of``); the product context key is ``location`` or
``warehouse_id`` (``warehouse`` is ignored: the totals come back); reservations sit on quants.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

import pytest

from synco.odoo.client import OdooClient

from .conftest import NONE_FAULT, Customer, OdooApi, Refs, make_product

FIGURES = ["qty_available", "free_qty", "virtual_available"]


@dataclass(frozen=True)
class Site:
    warehouse: int
    code: str
    view: int
    stock: int


@pytest.fixture(scope="module")
def second_warehouse(odoo_api: OdooApi) -> Site:
    code = "W" + secrets.token_hex(2).upper()
    warehouse = odoo_api.call("stock.warehouse", "create", [{"name": odoo_api.unique("Depot"), "code": code}])
    assert isinstance(warehouse, int)
    row = odoo_api.read_one("stock.warehouse", warehouse, ["lot_stock_id", "view_location_id"])
    return Site(warehouse, code, int(row["view_location_id"][0]), int(row["lot_stock_id"][0]))


def adjust(api: OdooApi, product: int, location: int, quantity: float) -> int:
    quant = api.call(
        "stock.quant",
        "create",
        [{"product_id": product, "location_id": location, "inventory_quantity": quantity}],
        {"context": {"inventory_mode": True}},
    )
    fault = api.fault("stock.quant", "action_apply_inventory", [[quant]])
    assert api.last_line(fault) == NONE_FAULT
    return int(quant)


def storable(api: OdooApi) -> int:
    return make_product(api, "Stocked item", **api.f.storable, list_price=10.0)


def test_it_creates_a_second_warehouse_with_its_stock_location(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, second_warehouse: Site
) -> None:
    warehouses = {w.id: w for w in client.warehouses()}
    assert refs.warehouse in warehouses
    created = warehouses[second_warehouse.warehouse]
    assert (created.code, created.lot_stock_id, created.view_location_id) == (
        second_warehouse.code,
        second_warehouse.stock,
        second_warehouse.view,
    )
    stock = odoo_api.read_one(
        "stock.location", second_warehouse.stock, ["complete_name", "usage", "warehouse_id"]
    )
    assert stock["complete_name"] == f"{second_warehouse.code}/Stock"
    assert stock["usage"] == "internal"
    assert stock["warehouse_id"][0] == second_warehouse.warehouse
    view = odoo_api.read_one("stock.location", second_warehouse.view, ["usage", "complete_name"])
    assert (view["usage"], view["complete_name"]) == ("view", second_warehouse.code)
    internal = {loc.id: loc for loc in client.internal_locations()}
    assert internal[second_warehouse.stock].warehouse_id == second_warehouse.warehouse
    assert internal[refs.stock_location].warehouse_id == refs.warehouse
    assert second_warehouse.view not in internal


def test_it_counts_a_child_location_toward_its_parent(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, second_warehouse: Site
) -> None:
    shelf = odoo_api.call(
        "stock.location",
        "create",
        [{"name": odoo_api.unique("Shelf"), "location_id": refs.stock_location, "usage": "internal"}],
    )
    shelf_row = odoo_api.read_one("stock.location", shelf, ["warehouse_id", "complete_name"])
    assert shelf_row["warehouse_id"][0] == refs.warehouse
    assert shelf_row["complete_name"].startswith(
        odoo_api.read_one("stock.location", refs.stock_location, ["complete_name"])["complete_name"] + "/"
    )
    product = storable(odoo_api)
    adjust(odoo_api, product, refs.stock_location, 10)
    adjust(odoo_api, product, second_warehouse.stock, 4)
    adjust(odoo_api, product, shelf, 3)

    assert client.stock_levels([product], [refs.stock_location]) == {product: Decimal("13")}
    assert client.stock_levels([product], [second_warehouse.stock]) == {product: Decimal("4")}
    assert client.stock_levels([product], [shelf]) == {product: Decimal("3")}
    assert client.stock_levels([product], [refs.stock_location, second_warehouse.stock]) == {
        product: Decimal("17")
    }
    # one read for several mapped locations: per quant location, children apart (Synco adds them up)
    assert client.quant_levels([product], [refs.stock_location, second_warehouse.stock]) == {
        (product, refs.stock_location): Decimal("10"),
        (product, shelf): Decimal("3"),
        (product, second_warehouse.stock): Decimal("4"),
    }
    other = storable(odoo_api)
    assert client.stock_levels([product, other], [shelf], "on_hand") == {
        product: Decimal("3"),
        other: Decimal("0"),
    }

    def figures(context: dict[str, object]) -> list[float]:
        row = odoo_api.call("product.product", "read", [[product], FIGURES], {"context": context})[0]
        return [row[name] for name in FIGURES]

    assert figures({}) == [17.0, 17.0, 17.0]
    assert figures({"location": refs.stock_location}) == [13.0, 13.0, 13.0]
    assert figures({"location": [second_warehouse.stock]}) == [4.0, 4.0, 4.0]
    assert figures({"warehouse_id": second_warehouse.warehouse}) == [4.0, 4.0, 4.0]
    assert figures({"warehouse": second_warehouse.warehouse}) == [17.0, 17.0, 17.0]  # not a key Odoo 18 reads

    groups = odoo_api.call(
        "stock.quant",
        "read_group",
        [
            [["product_id", "=", product], ["location_id", "child_of", [refs.stock_location]]],
            ["quantity:sum", "reserved_quantity:sum"],
            ["product_id", "location_id"],
        ],
        {"lazy": False},
    )
    by_location = {g["location_id"][0]: (g["quantity"], g["reserved_quantity"], g["__count"]) for g in groups}
    assert by_location == {refs.stock_location: (10.0, 0.0, 1), shelf: (3.0, 0.0, 1)}


def test_a_confirmed_order_reserves_in_its_warehouse(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer, second_warehouse: Site
) -> None:
    product = storable(odoo_api)
    adjust(odoo_api, product, refs.stock_location, 10)
    adjust(odoo_api, product, second_warehouse.stock, 6)
    order = odoo_api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "warehouse_id": second_warehouse.warehouse,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 4})],
            }
        ],
    )
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    picking = odoo_api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    row = odoo_api.read_one("stock.picking", picking[0], ["location_id", "picking_type_code", "state"])
    assert (row["location_id"][0], row["picking_type_code"], row["state"]) == (
        second_warehouse.stock,
        "outgoing",
        "assigned",
    )
    quants = odoo_api.call(
        "stock.quant",
        "search_read",
        [[["product_id", "=", product], ["location_id", "=", second_warehouse.stock]]],
        {"fields": ["quantity", "reserved_quantity", "available_quantity"]},
    )
    assert [(q["quantity"], q["reserved_quantity"], q["available_quantity"]) for q in quants] == [
        (6.0, 4.0, 2.0)
    ]
    assert client.stock_levels([product], [second_warehouse.stock]) == {product: Decimal("2")}
    assert client.stock_levels([product], [second_warehouse.stock], "on_hand") == {product: Decimal("6")}
    assert client.stock_levels([product], [second_warehouse.stock], "forecast") == {product: Decimal("2")}
    assert client.stock_levels([product], [refs.stock_location]) == {product: Decimal("10")}
    both = [refs.stock_location, second_warehouse.stock]
    assert client.quant_levels([product], both) == {
        (product, refs.stock_location): Decimal("10"),
        (product, second_warehouse.stock): Decimal("2"),
    }
    assert client.quant_levels([product], both, "on_hand")[(product, second_warehouse.stock)] == Decimal("6")
    row = odoo_api.call(
        "product.product", "read", [[product], FIGURES], {"context": {"location": [second_warehouse.stock]}}
    )[0]
    assert [row[name] for name in FIGURES] == [6.0, 2.0, 2.0]


def test_write_dates_find_what_changed_since_a_cursor(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, odoo_version: int
) -> None:
    product = storable(odoo_api)
    quant = adjust(odoo_api, product, refs.stock_location, 5)
    cursor = odoo_api.read_one("stock.quant", quant, ["write_date"])["write_date"]
    assert len(cursor) == 19  # 'YYYY-MM-DD HH:MM:SS', UTC
    assert (
        client.apply_inventory(product, refs.stock_location, Decimal("8")) == quant
    )  # an upsert: same quant
    assert odoo_api.read_one("stock.quant", quant, ["quantity", "inventory_quantity_set"]) == {
        "id": quant,
        "quantity": 8.0,
        "inventory_quantity_set": False,
    }
    changed = [q for q in client.quants_changed_since(cursor, limit=5000) if q.product_id == product]
    assert [(q.id, q.location_id, q.quantity, q.reserved) for q in changed] == [
        (quant, refs.stock_location, Decimal("8"), Decimal("0"))
    ]
    assert all(q.write_date >= cursor for q in changed)
    moves = [m for m in client.moves_done_since(cursor, limit=5000) if m.product_id == product]
    assert moves and moves[-1].location_dest_id == refs.stock_location
    assert moves[-1].quantity == Decimal("3") and moves[-1].picking_id == 0
    page = client.quants_changed_since(cursor, after_id=quant, limit=5000)
    assert all(q.id > quant for q in page if q.write_date == cursor)  # the cursor's second resumes after it
    # A row of the cursor's own second comes back with ``>=``, so a sweep re-reads its last second and must
    # tolerate repeats.
    same_second = odoo_api.call("stock.quant", "search", [[["id", "=", quant], ["write_date", ">=", cursor]]])
    assert same_second == [quant]
    stamp = odoo_api.read_one("stock.quant", quant, ["write_date"])["write_date"]

    def found(operator: str) -> list[int]:
        return list(
            odoo_api.call("stock.quant", "search", [[["id", "=", quant], ["write_date", operator, stamp]]])
        )

    if odoo_version >= 19:
        # 19 compares a datetime to the whole second: '>' starts at the next one, '=' is the second
        assert (found(">"), found("=")) == ([], [quant])
    else:
        # up to 18 it compares the stored microseconds: the row's own second is '>' its stamp, never '='
        assert (found(">"), found("=")) == ([quant], [])


def test_paging_by_the_last_rows_write_date_and_id_neither_skips_nor_loops(
    odoo_api: OdooApi, client: OdooClient, refs: Refs
) -> None:
    products = [storable(odoo_api) for _ in range(5)]
    quants = [
        int(
            odoo_api.call(
                "stock.quant",
                "create",
                [{"product_id": p, "location_id": refs.stock_location, "inventory_quantity": 2}],
                {"context": {"inventory_mode": True}},
            )
        )
        for p in products
    ]
    fault = odoo_api.fault(
        "stock.quant", "action_apply_inventory", [quants]
    )  # one transaction, one write_date
    assert odoo_api.last_line(fault) == NONE_FAULT
    stamps = {row["write_date"] for row in odoo_api.call("stock.quant", "read", [quants, ["write_date"]])}
    assert len(stamps) == 1
    since, after_id = min(stamps), 0
    seen: list[int] = []
    for _ in range(50):
        page = client.quants_changed_since(since, after_id=after_id, limit=2)
        seen.extend(q.id for q in page)
        if len(page) < 2:
            break
        since, after_id = page[-1].write_date, page[-1].id
    else:
        raise AssertionError("paging did not end")
    mine = [q for q in seen if q in quants]
    assert mine == sorted(quants)
    assert len(seen) == len(set(seen))
