"""Shopify edits brought into a sale order: the calls orders/edits.py makes and what Odoo 18 refuses.

`sale.order.write` with line commands on a quotation and on a confirmed order; new lines through
`sale.order.line.load` with an external id on an existing order; the lines read back with their delivered and
invoiced quantities; the external ids of an order's lines. Odoo 18 (sale, sale_stock) refuses to delete a confirmed
order's line ("set the quantity to 0 instead") and an ordered quantity below what was delivered; a refused write
changes nothing (one transaction per call).
"""

from __future__ import annotations

import contextlib
import xmlrpc.client
from typing import Any

from .conftest import Catalogue, OdooApi, Refs, set_stock

LINE_FIELDS = [
    "product_id",
    "name",
    "product_uom_qty",
    "price_unit",
    "discount",
    "qty_delivered",
    "qty_invoiced",
    "qty_delivered_method",
    "display_type",
]


def _lines(api: OdooApi, order: int) -> list[dict[str, Any]]:
    return list(
        api.call(
            "sale.order.line",
            "search_read",
            [[["order_id", "=", order]]],
            {"fields": LINE_FIELDS, "order": "sequence, id"},
        )
    )


def _quantities(api: OdooApi, order: int) -> list[float]:
    return [line["product_uom_qty"] for line in _lines(api, order)]


def _deliver(api: OdooApi, order: int) -> None:
    [picking] = api.read_one("sale.order", order, ["picking_ids"])["picking_ids"]
    moves = api.call(
        "stock.move", "search_read", [[["picking_id", "=", picking]]], {"fields": ["product_uom_qty"]}
    )
    for move in moves:
        api.call("stock.move", "write", [[move["id"]], {"quantity": move["product_uom_qty"], "picked": True}])
    assert api.call("stock.picking", "button_validate", [[picking]]) is True


def test_it_reads_an_orders_lines_with_what_was_delivered_and_invoiced(
    odoo_api: OdooApi, spec_order: Any, catalogue: Catalogue
) -> None:
    order = spec_order()

    lines = _lines(odoo_api, order)

    assert [
        (line["product_id"][0], line["product_uom_qty"], line["qty_delivered"], line["qty_invoiced"])
        for line in lines[:2]
    ] == [(catalogue.shirt, 2.0, 0.0, 0.0), (catalogue.wrap, 1.0, 0.0, 0.0)]
    # goods are delivered through stock moves (the quantity Odoo refuses to go below), shipping by hand
    assert [line["qty_delivered_method"] for line in lines] == ["stock_move", "stock_move", "manual"]
    assert [line["display_type"] for line in lines] == [False, False, False]


def test_a_quotations_lines_are_changed_and_removed_in_one_write(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    shirt, wrap, shipping = (line["id"] for line in _lines(odoo_api, order))

    assert (
        odoo_api.call(
            "sale.order",
            "write",
            [[order], {"order_line": [(1, shirt, {"product_uom_qty": 1}), (2, wrap, 0)]}],
        )
        is True
    )

    assert [line["id"] for line in _lines(odoo_api, order)] == [shirt, shipping]
    assert _quantities(odoo_api, order) == [1.0, 1.0]
    # 1 x 25.00 -10 % = 22.50 + 15 % tax 3.38, shipping 5.99
    assert odoo_api.read_one("sale.order", order, ["amount_total"])["amount_total"] == 31.87


def test_a_new_line_is_imported_into_an_existing_order_with_its_external_id(
    odoo_api: OdooApi, spec_order: Any, catalogue: Catalogue, refs: Refs
) -> None:
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    name = odoo_api.unique("line").replace("-", "_")
    row = [
        f"shopify.{name}",
        str(order),
        str(catalogue.shirt),
        "T-Shirt L",
        "1",
        "25",
        "0",
        str(refs.tax15),
        "0",
    ]
    fields = [
        "id",
        "order_id/.id",
        "product_id/.id",
        "name",
        "product_uom_qty",
        "price_unit",
        "discount",
        f"{odoo_api.f.tax}/.id",
        "is_delivery",
    ]

    result = odoo_api.call("sale.order.line", "load", [fields, [row]])

    assert result["messages"] == []
    [line_id] = result["ids"]
    assert [line["id"] for line in _lines(odoo_api, order)][-1] == line_id
    assert odoo_api.read_one("sale.order", order, ["state", "amount_total"]) == {
        "id": order,
        "state": "sale",
        "amount_total": 90.52,  # 61.77 + 25.00 + 3.75 tax, the added line on the confirmed order
    }
    # the same import again finds the line by its external id instead of adding a second one
    again = odoo_api.call("sale.order.line", "load", [fields, [row]])
    assert again["ids"] == [line_id]
    assert len(_lines(odoo_api, order)) == 4
    keys = odoo_api.call(
        "ir.model.data",
        "search_read",
        [[["module", "=", "shopify"], ["model", "=", "sale.order.line"], ["res_id", "in", [line_id]]]],
        {"fields": ["name", "res_id"]},
    )
    assert [(key["name"], key["res_id"]) for key in keys] == [(name, line_id)]


def test_a_confirmed_orders_line_cannot_be_deleted_only_set_to_zero(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    shirt, wrap, _shipping = (line["id"] for line in _lines(odoo_api, order))

    fault = odoo_api.fault(
        "sale.order",
        "write",
        [[order], {"order_line": [(1, shirt, {"product_uom_qty": 1}), (2, wrap, 0)]}],
    )

    assert fault.faultCode == 2  # a UserError: Synco reports it, never retries it
    assert _quantities(odoo_api, order) == [2.0, 1.0, 1.0]  # the whole write was refused, the update too
    assert odoo_api.call(
        "sale.order", "write", [[order], {"order_line": [(1, wrap, {"product_uom_qty": 0})]}]
    )
    assert _quantities(odoo_api, order) == [2.0, 0.0, 1.0]
    assert odoo_api.read_one("sale.order", order, ["amount_total"])["amount_total"] == 57.74


def test_a_price_and_discount_written_with_a_quantity_are_kept(odoo_api: OdooApi, spec_order: Any) -> None:
    # Odoo recomputes price_unit and discount from the pricelist when a line's quantity changes; Synco writes
    # all three together on an edit, and depends on Odoo keeping the fields written in the same call.
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    shirt = _lines(odoo_api, order)[0]["id"]

    assert odoo_api.call(
        "sale.order",
        "write",
        [[order], {"order_line": [(1, shirt, {"product_uom_qty": 1, "price_unit": 22.5, "discount": 0})]}],
    )

    line = _lines(odoo_api, order)[0]
    assert (line["product_uom_qty"], line["price_unit"], line["discount"]) == (1.0, 22.5, 0.0)


def test_a_delivered_quantity_is_a_floor_for_the_ordered_quantity(
    odoo_api: OdooApi, spec_order: Any, refs: Refs, catalogue: Catalogue
) -> None:
    # the shirts come from stock put there for them: the shared catalogue's stock ends where it was (0)
    set_stock(odoo_api, refs, catalogue.shirt, 2)
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    _deliver(odoo_api, order)
    shirt, _wrap, _shipping = (line["id"] for line in _lines(odoo_api, order))
    assert [line["qty_delivered"] for line in _lines(odoo_api, order)][:2] == [2.0, 1.0]

    fault = odoo_api.fault(
        "sale.order", "write", [[order], {"order_line": [(1, shirt, {"product_uom_qty": 1})]}]
    )

    assert fault.faultCode == 2
    assert _quantities(odoo_api, order) == [2.0, 1.0, 1.0]
    # more than delivered is accepted (Odoo plans the extra delivery)
    assert odoo_api.call(
        "sale.order", "write", [[order], {"order_line": [(1, shirt, {"product_uom_qty": 3})]}]
    )
    assert _quantities(odoo_api, order) == [3.0, 1.0, 1.0]


def test_a_locked_orders_lines_cannot_be_changed(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    assert odoo_api.call("sale.order", "action_confirm", [[order]]) is True
    # action_lock answers None, which XML-RPC cannot carry: the lock is done, the answer faults
    with contextlib.suppress(xmlrpc.client.Fault):
        odoo_api.call("sale.order", "action_lock", [[order]])
    assert odoo_api.read_one("sale.order", order, ["locked"])["locked"] is True
    shirt = _lines(odoo_api, order)[0]["id"]

    fault = odoo_api.fault(
        "sale.order", "write", [[order], {"order_line": [(1, shirt, {"product_uom_qty": 3})]}]
    )

    assert fault.faultCode == 2
    assert _quantities(odoo_api, order) == [2.0, 1.0, 1.0]
    with contextlib.suppress(xmlrpc.client.Fault):
        odoo_api.call("sale.order", "action_unlock", [[order]])
