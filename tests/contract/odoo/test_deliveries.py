"""Deliveries of a synced order (issue 14): reading them with tracking and carrier, and validating them
with given quantities (partial -> backorder, or no backorder), as Synco does when Shopify ships.

Verified on Odoo 18.0-20250702 with stock_delivery installed (``carrier_id``, ``carrier_tracking_ref``).
Without stock_delivery those two fields do not exist: the client asks ``fields_get`` once and reads
without them.
"""

from __future__ import annotations

from decimal import Decimal

from synco.odoo.client import OdooClient

from .conftest import Customer, OdooApi, Refs, make_product, set_stock


def confirmed_order(api: OdooApi, refs: Refs, customer: Customer, lines: dict[int, float]) -> int:
    order = api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "partner_invoice_id": customer.invoice,
                "partner_shipping_id": customer.delivery,
                "order_line": [(0, 0, {"product_id": p, "product_uom_qty": q}) for p, q in lines.items()],
            }
        ],
    )
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    return int(order)


def stocked(api: OdooApi, refs: Refs, quantity: float) -> int:
    product = make_product(api, "Shippable", **api.f.storable, list_price=10.0)
    set_stock(api, refs, product, quantity)
    return product


def test_it_reads_the_open_delivery_with_carrier_and_tracking(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer
) -> None:
    installed = odoo_api.call(
        "ir.module.module", "search_read", [[["name", "=", "stock_delivery"]]], {"fields": ["state"]}
    )
    assert installed[0]["state"] == "installed"
    product = stocked(odoo_api, refs, 10)
    order = confirmed_order(odoo_api, refs, customer, {product: 3})
    [delivery] = client.deliveries(order)
    assert (
        delivery.state,
        delivery.tracking_ref,
        delivery.carrier,
        delivery.date_done,
        delivery.backorder_of,
    ) == (
        "assigned",
        "",
        "",
        "",
        0,
    )
    assert [(m.product_id, m.demand, m.quantity, m.state) for m in delivery.moves] == [
        (product, Decimal("3"), Decimal("3"), "assigned")
    ]
    carrier_name = odoo_api.unique("Carrier")
    carrier = odoo_api.call(
        "delivery.carrier",
        "create",
        [
            {
                "name": carrier_name,
                "delivery_type": "fixed",
                "product_id": refs.delivery_product,
                "tracking_url": "https://track.example.com/?n=<shipmenttrackingnumber>",
            }
        ],
    )
    odoo_api.call("stock.picking", "write", [[delivery.id], {"carrier_id": carrier}])
    client.set_tracking_ref(delivery.id, "1ZCONTRACT0001")
    [delivery] = client.deliveries(order)
    assert (delivery.tracking_ref, delivery.carrier) == ("1ZCONTRACT0001", carrier_name)
    assert delivery.tracking_url == "https://track.example.com/?n=1ZCONTRACT0001"


def test_a_full_delivery_validates_without_a_backorder(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer
) -> None:
    product = stocked(odoo_api, refs, 10)
    order = confirmed_order(odoo_api, refs, customer, {product: 2})
    [delivery] = client.deliveries(order)
    assert client.validate_delivery(delivery.id, {product: Decimal("2")}) == []
    [delivery] = client.deliveries(order)
    assert delivery.state == "done" and len(delivery.date_done) == 19
    assert [(m.quantity, m.picked, m.state) for m in delivery.moves] == [(Decimal("2"), True, "done")]
    quants = odoo_api.call(
        "stock.quant",
        "search_read",
        [[["product_id", "=", product], ["location_id", "=", refs.stock_location]]],
        {"fields": ["quantity", "reserved_quantity"]},
    )
    assert [(q["quantity"], q["reserved_quantity"]) for q in quants] == [(8.0, 0.0)]


def test_a_partial_delivery_leaves_a_backorder_then_ships_without_one(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer
) -> None:
    shirt = stocked(odoo_api, refs, 10)
    mug = stocked(odoo_api, refs, 10)
    order = confirmed_order(odoo_api, refs, customer, {shirt: 3, mug: 1})
    [delivery] = client.deliveries(order)
    client.set_tracking_ref(delivery.id, "1ZPART0001")
    backorders = client.validate_delivery(delivery.id, {shirt: Decimal("1")}, backorder=True)
    assert len(backorders) == 1
    first, second = client.deliveries(order)
    assert (first.id, first.state, first.tracking_ref) == (delivery.id, "done", "1ZPART0001")
    assert [(m.product_id, m.quantity, m.state) for m in first.moves if m.state == "done"] == [
        (shirt, Decimal("1"), "done")
    ]
    assert (second.id, second.state, second.backorder_of, second.tracking_ref) == (
        backorders[0],
        "assigned",
        delivery.id,
        "",
    )
    assert sorted((m.product_id, m.demand) for m in second.moves if m.state != "cancel") == sorted(
        [(shirt, Decimal("2")), (mug, Decimal("1"))]
    )
    assert client.validate_delivery(second.id, {shirt: Decimal("1")}, backorder=False) == []
    first, second = client.deliveries(order)
    assert (first.state, second.state) == ("done", "done")
    lines = odoo_api.call(
        "sale.order.line",
        "search_read",
        [[["order_id", "=", order]]],
        {"fields": ["product_id", "product_uom_qty", "qty_delivered"]},
    )
    delivered = {line["product_id"][0]: (line["product_uom_qty"], line["qty_delivered"]) for line in lines}
    assert delivered == {shirt: (3.0, 2.0), mug: (1.0, 0.0)}
