"""Validated deliveries (issue 14, shipments): the automation rule Synco creates on stock.picking
(synco/odoo/delivery_notifications.py) and the sweep's read of done deliveries since a write_date cursor.

Verified on Odoo 18.0-20250702 with stock_delivery installed: the rule fires when an outgoing transfer becomes
done and again when its tracking reference is written afterwards; the POST carries `sale_id` as a bare id.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from synco.odoo.client import OdooClient
from synco.odoo.delivery_notifications import RULE_NAME, done_deliveries_since, ensure_delivery_notifications

from .conftest import Customer, OdooApi, Refs, make_product, set_stock
from .test_stock_notifications import Listener, automation  # noqa: F401 (fixture)


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.server.shutdown()


@pytest.fixture
def synco_rule(odoo_api: OdooApi, automation: None) -> Iterator[None]:  # noqa: F811
    yield
    # a real database keeps no rule pointing at the test's dead port
    rules = odoo_api.call(
        "base.automation", "search", [[["name", "=", RULE_NAME]]], {"context": {"active_test": False}}
    )
    if rules:
        odoo_api.call("base.automation", "unlink", [rules])


def _order(api: OdooApi, refs: Refs, customer: Customer, quantity: float) -> tuple[int, int, int]:
    """A confirmed sale order of a stocked product: (order, its delivery, the product)."""
    product = make_product(api, "Delivered", **api.f.storable, list_price=5.0)
    set_stock(api, refs, product, 10)
    line = {"product_id": product, "product_uom_qty": quantity}
    order = api.call("sale.order", "create", [{"partner_id": customer.id, "order_line": [(0, 0, line)]}])
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    [picking] = api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    return int(order), int(picking), product


def test_the_rule_posts_a_validated_delivery_and_a_tracking_ref_written_after(
    odoo_api: OdooApi,
    client: OdooClient,
    refs: Refs,
    customer: Customer,
    listener: Listener,
    synco_rule: None,
) -> None:
    # created once, then found and re-pointed (one rule)
    first = ensure_delivery_notifications(client, listener.url("/old"))
    again = ensure_delivery_notifications(client, listener.url("/shipments"))
    assert (first.created, again.created, again.rule_id, again.watches_tracking) == (
        True,
        False,
        first.rule_id,
        True,
    )
    order, picking, product = _order(odoo_api, refs, customer, 2)
    client.set_tracking_ref(picking, "EARLY")  # an open delivery: no notification
    assert client.validate_delivery(picking, {product: Decimal(2)}) == []
    seen = listener.wait_for(lambda body: body.get("_id") == picking and body.get("state") == "done")
    path, _headers, body = seen[-1]
    assert path == "/shipments"
    assert (body["_model"], body["sale_id"], body["carrier_tracking_ref"]) == (
        "stock.picking",
        order,
        "EARLY",
    )
    assert all(b.get("state") == "done" for _p, _h, b in seen)

    client.set_tracking_ref(picking, "1ZLATER")
    seen = listener.wait_for(lambda body: body.get("carrier_tracking_ref") == "1ZLATER")
    assert (seen[-1][2]["_id"], seen[-1][2]["state"]) == (picking, "done")


def test_done_deliveries_since_a_cursor_pages_by_write_date_and_id(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer
) -> None:
    newest = odoo_api.call(
        "stock.picking",
        "search_read",
        [[]],
        {"fields": ["write_date"], "order": "write_date desc", "limit": 1},
    )
    since = newest[0]["write_date"] if newest else "2000-01-01 00:00:00"
    order_a, picking_a, product_a = _order(odoo_api, refs, customer, 1)
    order_b, picking_b, product_b = _order(odoo_api, refs, customer, 3)
    _order_c, picking_c, _product_c = _order(odoo_api, refs, customer, 1)  # stays open
    client.set_tracking_ref(picking_b, "TRACK-B")
    client.validate_delivery(picking_a, {product_a: Decimal(1)})
    client.validate_delivery(picking_b, {product_b: Decimal(3)})

    rows = {d.id: d for d in done_deliveries_since(client, since)}

    assert picking_c not in rows
    assert (rows[picking_a].sale_id, rows[picking_a].tracking_ref) == (order_a, "")
    assert (rows[picking_b].sale_id, rows[picking_b].tracking_ref) == (order_b, "TRACK-B")
    assert all(row.write_date >= since for row in rows.values())
    # keyset paging: one row a page, each page after the last row's (write_date, id)
    pages: list[int] = []
    cursor, after = since, 0
    while True:
        page = done_deliveries_since(client, cursor, after, limit=1)
        if not page:
            break
        pages.append(page[0].id)
        cursor, after = page[0].write_date, page[0].id
    assert pages == list(rows)


def test_a_delivery_to_a_customer_with_a_phone_validates_through_the_sms_question(
    odoo_api: OdooApi, client: OdooClient, refs: Refs
) -> None:
    """Odoo 18 with stock_sms asks once per company (the first outgoing transfer of a partner with a phone)
    whether to text customers on validation; validate_delivery answers it keeping the company's setting."""
    partner = odoo_api.call(
        "res.partner", "create", [{"name": odoo_api.unique("Phone customer"), "phone": "+32 470 12 34 56"}]
    )
    product = make_product(odoo_api, "Texted", **odoo_api.f.storable, list_price=5.0)
    set_stock(odoo_api, refs, product, 5)
    line = {"product_id": product, "product_uom_qty": 2}
    order = odoo_api.call("sale.order", "create", [{"partner_id": partner, "order_line": [(0, 0, line)]}])
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    [picking] = odoo_api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]

    backorders = client.validate_delivery(picking, {product: Decimal(1)}, backorder=True)

    assert odoo_api.read_one("stock.picking", picking, ["state"])["state"] == "done"
    assert len(backorders) == 1
