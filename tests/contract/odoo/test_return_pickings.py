"""Return pickings through Odoo 18's `stock.return.picking` wizard (refunds that restock returned items)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from synco.errors import GatewayError
from synco.odoo.client import OdooClient

from .conftest import Customer, OdooApi, OdooTarget, Refs, make_product, set_stock


def _delivered_order(api: OdooApi, refs: Refs, customer: Customer, quantity: float) -> tuple[int, int, int]:
    """A confirmed order of a storable product whose delivery is validated: (order, delivery, product)."""
    product = make_product(api, "Returnable", **api.f.storable, list_price=10.0)
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
    # a UserError ("Please specify at least one non-zero quantity." up to 18, "Nothing to check the
    # availability for." in 19): nothing is returned
    assert fault.faultCode == 2
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
    other = make_product(odoo_api, "Not delivered", **odoo_api.f.storable)

    with pytest.raises(GatewayError):
        client.create_return_picking(delivery, {other: Decimal("1")})

    assert client.return_pickings(delivery) == []


def _shipped_in_two(api: OdooApi, refs: Refs, customer: Customer) -> tuple[int, int, int, int]:
    """An order of 3 shipped as 2, then 1 (the backorder), both validated: (order, first, second, product)."""
    product = make_product(api, "Returnable in parts", **api.f.storable, list_price=10.0)
    set_stock(api, refs, product, 10)
    order = api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "partner_invoice_id": customer.invoice,
                "partner_shipping_id": customer.delivery,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 3})],
            }
        ],
    )
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    (first,) = api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    (move,) = api.read_one("stock.picking", first, ["move_ids"])["move_ids"]
    assert api.call("stock.move", "write", [[move], {"quantity": 2, "picked": True}]) is True
    wizard = api.call("stock.picking", "button_validate", [[first]])
    ctx = {"context": wizard["context"]}
    confirmation = api.call("stock.backorder.confirmation", "create", [{}], ctx)
    assert api.call("stock.backorder.confirmation", "process", [[confirmation]], ctx) is True
    (second,) = api.call("stock.picking", "search", [[["backorder_id", "=", first]]])
    api.call("stock.picking", "action_assign", [[second]])
    assert api.call("stock.picking", "button_validate", [[second]]) is True
    return int(order), int(first), int(second), product


def _return_by_hand(api: OdooApi, delivery: int, quantity: float) -> int:
    """What a merchant does in Odoo: the Return button, a quantity on the line, Return."""
    wizard = api.call("stock.return.picking", "create", [{"picking_id": delivery}])
    (line_ids,) = [
        row["product_return_moves"]
        for row in api.call("stock.return.picking", "read", [[wizard], ["product_return_moves"]])
    ]
    assert api.call("stock.return.picking.line", "write", [line_ids, {"quantity": quantity}]) is True
    return int(api.call("stock.return.picking", "action_create_returns", [[wizard]])["res_id"])


def test_each_delivery_of_an_order_shipped_in_parts_is_listed_with_its_own_quantities(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient
) -> None:
    """Synco spreads a refund's returns over the deliveries: each is a done outgoing transfer of the order
    with what it shipped, and a validated return is no delivery."""
    order, first, second, product = _shipped_in_two(odoo_api, refs, customer)

    assert [(d.id, d.quantities) for d in client.done_deliveries(order)] == [
        (first, {product: Decimal("2")}),
        (second, {product: Decimal("1")}),
    ]

    returned = client.create_return_picking(second, {product: Decimal("1")})
    client.validate_picking(returned)

    assert [d.id for d in client.done_deliveries(order)] == [first, second]
    (found,) = client.return_pickings(second)
    assert (found.id, found.state, found.quantities) == (returned, "done", {product: Decimal("1")})
    assert client.return_pickings(first) == []


def test_a_deliverys_returns_are_listed_with_their_quantities_whoever_made_them_cancelled_ones_left_out(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient
) -> None:
    """What Synco counts as already returned from a delivery: its returns made by Synco or by hand, ready
    (their demand) or done (what was received), not the cancelled ones."""
    _, first, _, product = _shipped_in_two(odoo_api, refs, customer)
    ours = client.create_return_picking(first, {product: Decimal("1")})
    client.set_picking_origin(ours, "Return of it (shopify:refund:2)")
    by_hand = _return_by_hand(odoo_api, first, 1)
    client.validate_picking(by_hand)
    cancelled = _return_by_hand(odoo_api, first, 1)
    assert odoo_api.call("stock.picking", "action_cancel", [[cancelled]]) is True

    listed = client.return_pickings(first)

    assert [(p.id, p.quantities) for p in listed] == [
        (ours, {product: Decimal("1")}),
        (by_hand, {product: Decimal("1")}),
    ]
    assert listed[1].state == "done"
    assert "(shopify:refund:2)" in listed[0].origin
    assert "shopify:refund:" not in listed[1].origin  # Odoo's own origin: "Return of <delivery>"


def test_odoo_returns_more_than_is_left_to_return_so_synco_caps_it_itself(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient
) -> None:
    """Odoo 18's wizard does not check a quantity against what the delivery shipped or what its returns
    already took back: the cap is Synco's (refunds.mapping.allocate_returns)."""
    _, delivery, product = _delivered_order(odoo_api, refs, customer, 1)
    _return_by_hand(odoo_api, delivery, 1)

    again = client.create_return_picking(delivery, {product: Decimal("2")})

    assert [(p.id, p.quantities) for p in client.return_pickings(delivery)][-1] == (
        again,
        {product: Decimal("2")},
    )


def test_a_return_left_waiting_by_a_later_return_of_its_delivery_validates_once_reserved_again(
    odoo_api: OdooApi, refs: Refs, customer: Customer, client: OdooClient, odoo_target: OdooTarget
) -> None:
    """Odoo 18 unreserves a delivery's open returns when another return of it is made (the wizard's
    `_create_return`); Synco reserves such a return again (`assign_picking`) before validating it."""
    _, delivery, product = _delivered_order(odoo_api, refs, customer, 2)
    earlier = client.create_return_picking(delivery, {product: Decimal("1")})
    later = client.create_return_picking(delivery, {product: Decimal("1")})

    client.assign_picking(later)  # harmless on a reserved one
    client.validate_picking(later)
    if not odoo_target.is_sandbox:  # the sandbox does not unreserve
        (move,) = odoo_api.read_one("stock.picking", earlier, ["move_ids"])["move_ids"]
        assert odoo_api.read_one("stock.move", move, ["quantity"])["quantity"] == 0.0
        fault = odoo_api.fault("stock.picking", "button_validate", [[earlier]])
        assert fault.faultCode == 2  # nothing reserved: a UserError (worded differently in each version)
        assert odoo_api.read_one("stock.picking", earlier, ["state"])["state"] != "done"

    client.assign_picking(earlier)
    client.validate_picking(earlier)

    assert [(p.id, p.state, p.quantities) for p in client.return_pickings(delivery)] == [
        (earlier, "done", {product: Decimal("1")}),
        (later, "done", {product: Decimal("1")}),
    ]
    assert odoo_api.read_one("product.product", product, ["qty_available"])["qty_available"] == 10.0
