"""Return pickings through Odoo 18's `stock.return.picking` wizard (refunds that restock returned items)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from synco.errors import GatewayError
from synco.odoo.client import OdooClient, OdooSettings
from synco.odoo.destination import OutboundPolicy

from .conftest import Customer, OdooApi, OdooTarget, Refs, make_product, set_stock

ZERO_QUANTITIES = "Please specify at least one non-zero quantity."


@pytest.fixture(scope="module")
def client(odoo_target: OdooTarget) -> Iterator[OdooClient]:
    client = OdooClient(
        OdooSettings(
            host=odoo_target.host,
            port=odoo_target.port,
            use_tls=odoo_target.secure,
            database=odoo_target.db,
            login=odoo_target.login,
            secret=odoo_target.password,
            policy=OutboundPolicy(allow_loopback=True, allowed_ports=frozenset({odoo_target.port})),
        )
    )
    yield client
    client.close()


def _delivered_order(api: OdooApi, refs: Refs, customer: Customer, quantity: float) -> tuple[int, int, int]:
    """A confirmed order of a storable product whose delivery is validated: (order, delivery, product)."""
    product = make_product(api, "Returnable", type="consu", is_storable=True, list_price=10.0)
    set_stock(api, refs, product, 10)
    order = api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "partner_invoice_id": customer.invoice,
                "partner_shipping_id": customer.delivery,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": quantity})],
            }
        ],
    )
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    (delivery,) = api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    assert api.call("stock.picking", "button_validate", [[delivery]]) is True
    return int(order), int(delivery), product


def test_it_opens_the_wizard_with_lines_at_zero_and_refuses_to_return_nothing(
    odoo_api: OdooApi, refs: Refs, customer: Customer
) -> None:
    _, delivery, product = _delivered_order(odoo_api, refs, customer, 3)
    wizard = odoo_api.call("stock.return.picking", "create", [{"picking_id": delivery}])
    (line_ids,) = [
        row["product_return_moves"]
        for row in odoo_api.call("stock.return.picking", "read", [[wizard], ["product_return_moves"]])
    ]
    lines = odoo_api.call(
        "stock.return.picking.line", "read", [line_ids, ["product_id", "quantity", "move_quantity"]]
    )
    assert [(row["product_id"][0], row["quantity"], row["move_quantity"]) for row in lines] == [
        (product, 0.0, 3.0)
    ]
    fault = odoo_api.fault("stock.return.picking", "action_create_returns", [[wizard]])
    assert odoo_api.last_line(fault).endswith(ZERO_QUANTITIES)
    assert odoo_api.call("stock.picking", "search", [[["return_id", "=", delivery]]]) == []


def test_it_creates_a_ready_return_of_the_quantities_asked_linked_to_the_delivery(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient
) -> None:
    order, delivery, product = _delivered_order(odoo_api, refs, customer, 3)
    (done,) = client.done_deliveries(order)
    assert (done.id, done.state, done.quantities) == (delivery, "done", {product: Decimal("3")})

    returned = client.create_return_picking(delivery, {product: Decimal("2")})

    row = odoo_api.read_one(
        "stock.picking",
        returned,
        ["name", "origin", "state", "return_id", "picking_type_code", "location_id", "location_dest_id"],
    )
    assert (row["origin"], row["state"], row["return_id"][0], row["picking_type_code"]) == (
        f"Return of {done.name}",
        "assigned",
        delivery,
        "incoming",
    )
    shipped = odoo_api.read_one("stock.picking", delivery, ["location_dest_id"])["location_dest_id"]
    assert (row["location_id"][0], row["location_dest_id"][0]) == (shipped[0], refs.stock_location)
    (found,) = client.return_pickings(delivery)
    assert (found.id, found.name, found.state, found.quantities) == (
        returned,
        row["name"],
        "assigned",
        {product: Decimal("2")},
    )
    assert odoo_api.read_one("product.product", product, ["qty_available"])["qty_available"] == 7.0

    client.set_picking_origin(returned, f"Return of {done.name} (shopify:refund:1)")
    client.validate_picking(returned)

    assert odoo_api.read_one("stock.picking", returned, ["state", "origin"]) == {
        "id": returned,
        "state": "done",
        "origin": f"Return of {done.name} (shopify:refund:1)",
    }
    assert odoo_api.read_one("product.product", product, ["qty_available"])["qty_available"] == 9.0
    (line,) = odoo_api.call(
        "sale.order.line", "search_read", [[["order_id", "=", order]]], {"fields": ["qty_delivered"]}
    )
    assert line["qty_delivered"] == 1.0


def test_it_refuses_a_product_the_delivery_does_not_hold_and_creates_nothing(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient
) -> None:
    _, delivery, _ = _delivered_order(odoo_api, refs, customer, 1)
    other = make_product(odoo_api, "Not delivered", type="consu", is_storable=True)

    with pytest.raises(GatewayError):
        client.create_return_picking(delivery, {other: Decimal("1")})

    assert client.return_pickings(delivery) == []
