"""The raw Odoo calls behind Synco's batched refunds (synco/odoo/batch.py, "refunds: credit notes and lowered sale
orders, many at once"): what refunds/services.py does one refund at a time, for many refunds per call.

Synco depends on:
* ``account.move`` ``create`` of a LIST of out_refund credit notes (lines with ``tax_ids`` (6, 0, ids) and
  ``sale_line_ids``, context default_move_type out_refund) answering their ids in the order given, each note
  with its own partner, reference, lines and totals; one invalid note (a line's product that does not exist)
  refuses the call and creates none of them (``create_credit_notes``);
* ``search_read`` of out_refund moves by ``ref`` ``in`` a list, oldest first (``find_credit_notes``);
* ``web_read`` of several moves with the header specification (``read_move_headers``): many2one fields
  without a sub-specification come as plain ids; an id that no longer exists is left out of the answer (Synco
  checks that every id came back);
* one ``action_post`` on several credit notes, and the payment wizard on several posted credit notes paying
  each back with its own outbound payment (group_payment False);
* ``sale.order.line`` ``load`` by ``.id`` of quantity, unit price and discount on lines of several confirmed
  orders (``set_sale_lines``): the same ids back, nothing created, the price and discount written kept (Odoo 18
  reprices a line whose quantity alone changes), the orders' totals follow; an unknown id refuses the whole
  load (``ids`` False, an error naming it) and writes nothing;
* ``sale.order.line`` ``search_read`` by orders and names (``named_order_lines``), and ``create`` of a LIST
  of lines each with its ``order_id`` on confirmed orders (``add_order_lines``): each line on its own order,
  ids in the order given, each order's total lowered by its negative lines.

The last test calls the synco functions themselves through Synco's OdooClient.
"""

from __future__ import annotations

from typing import Any

import pytest

from synco.errors import PermanentGatewayError
from synco.odoo import batch
from synco.odoo.client import MOVE_HEADER_SPECIFICATION
from synco.odoo.errors import OdooMissingRecordError

from .conftest import Catalogue, Customer, OdooApi, Refs, make_customer, make_product, spec_order_values

# -- helpers ---------------------------------------------------------------------------------------


def _domain_ids(action: Any) -> list[int]:
    [leaf] = [leaf for leaf in action["domain"] if leaf[0] == "id"]
    assert leaf[1] == "in"
    return sorted(int(i) for i in leaf[2])


def _invoiced_orders(
    api: OdooApi, refs: Refs, catalogue: Catalogue, customers: list[Customer]
) -> list[tuple[int, int]]:
    """One spec order (61.77) per customer, confirmed together, invoiced one invoice per order and posted:
    (order, invoice) per customer, in the customers' order."""
    orders = []
    for customer in customers:
        order = api.call("sale.order", "create", [spec_order_values(api, refs, customer, catalogue)])
        orders.append(api.discard_later(int(order)))
    assert api.call("sale.order", "action_confirm", [orders]) is True
    context = {"context": {"active_model": "sale.order", "active_ids": orders, "active_id": orders[0]}}
    wizard = api.call(
        "sale.advance.payment.inv",
        "create",
        [{"advance_payment_method": "delivered", "consolidated_billing": False}],
        context,
    )
    api.call("sale.advance.payment.inv", "create_invoices", [[wizard]], context)
    rows = api.call("sale.order", "read", [orders], {"fields": ["invoice_ids"]})
    invoices = {int(row["id"]): row["invoice_ids"] for row in rows}
    assert all(len(ids) == 1 for ids in invoices.values())
    pairs = [(order, int(invoices[order][0])) for order in orders]
    assert api.call("account.move", "action_post", [[invoice for _, invoice in pairs]]) is False
    return pairs


def _shirt_line(api: OdooApi, catalogue: Catalogue, order: int) -> int:
    return api.search_one("sale.order.line", [["order_id", "=", order], ["product_id", "=", catalogue.shirt]])


def _credit_note_values(
    api: OdooApi, refs: Refs, catalogue: Catalogue, order: int, invoice: int, ref: str, adjustment: float
) -> dict[str, Any]:
    """What Synco sends for a refund of one shirt (22.50 + 15 %, linked to its sale line) and an adjustment
    without tax: 25.88 + adjustment."""
    header = api.read_one("account.move", invoice, ["partner_id", "currency_id"])
    return {
        "move_type": "out_refund",
        "partner_id": header["partner_id"][0],
        "currency_id": header["currency_id"][0],
        "ref": ref,
        "invoice_origin": f"#origin-{ref}",
        "invoice_date": "2026-11-23",
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "product_id": catalogue.shirt,
                    "name": "T-Shirt M",
                    "quantity": 1,
                    "price_unit": 22.5,
                    "tax_ids": [(6, 0, [refs.tax15])],
                    "sale_line_ids": [(6, 0, [_shirt_line(api, catalogue, order)])],
                },
            ),
            (
                0,
                0,
                {
                    "product_id": catalogue.wrap,
                    "name": "Refund adjustment",
                    "quantity": 1,
                    "price_unit": adjustment,
                    "tax_ids": [(6, 0, [])],
                },
            ),
        ],
    }


CREDIT = {"context": {"default_move_type": "out_refund"}}


def _credit_notes(
    api: OdooApi, refs: Refs, catalogue: Catalogue, tag: str, count: int
) -> tuple[list[int], list[str], list[tuple[int, int]], list[Customer]]:
    """``count`` draft credit notes made with ONE create, each for its own customer's invoiced order; adjustment
    1.00, 2.00, ...: the notes' ids, their refs, (order, invoice) and customers."""
    customers = [make_customer(api, refs) for _ in range(count)]
    pairs = _invoiced_orders(api, refs, catalogue, customers)
    refs_ = [f"shopify:refund:{api.unique(tag)}" for _ in range(count)]
    values = [
        _credit_note_values(api, refs, catalogue, order, invoice, ref, float(index + 1))
        for index, ((order, invoice), ref) in enumerate(zip(pairs, refs_, strict=True))
    ]
    created = api.call("account.move", "create", [values], CREDIT)
    assert isinstance(created, list)
    return [int(i) for i in created], refs_, pairs, customers


def _confirmed_order(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> tuple[int, int, int]:
    """A confirmed order: 4 shirts at 20.00 -10 % and 2 wraps at 4.00, both taxed 15 % (exact whatever the
    tax rounding): 72.00 + 10.80 + 8.00 + 1.20 = 92.00. (order, shirt line, wrap line)."""
    tax = api.f.tax
    order = api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "client_order_ref": api.unique("#lower"),
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": catalogue.shirt,
                            "product_uom_qty": 4,
                            "price_unit": 20.0,
                            "discount": 10.0,
                            tax: [(6, 0, [refs.tax15])],
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "product_id": catalogue.wrap,
                            "product_uom_qty": 2,
                            "price_unit": 4.0,
                            tax: [(6, 0, [refs.tax15])],
                        },
                    ),
                ],
            }
        ],
    )
    api.discard_later(int(order))
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    lines = api.call(
        "sale.order.line",
        "search_read",
        [[["order_id", "=", order]]],
        {"fields": ["product_id"], "order": "id"},
    )
    by_product = {row["product_id"][0]: int(row["id"]) for row in lines}
    return int(order), by_product[catalogue.shirt], by_product[catalogue.wrap]


def _lines(api: OdooApi, ids: list[int]) -> dict[int, tuple[float, float, float]]:
    rows = api.call(
        "sale.order.line", "read", [ids], {"fields": ["product_uom_qty", "price_unit", "discount"]}
    )
    return {int(row["id"]): (row["product_uom_qty"], row["price_unit"], row["discount"]) for row in rows}


def _totals(api: OdooApi, orders: list[int]) -> dict[int, tuple[str, float]]:
    rows = api.call("sale.order", "read", [orders], {"fields": ["state", "amount_total"]})
    return {int(row["id"]): (row["state"], row["amount_total"]) for row in rows}


def _line_count(api: OdooApi, orders: list[int]) -> int:
    return int(api.call("sale.order.line", "search_count", [[["order_id", "in", orders]]]))


# -- credit notes ------------------------------------------------------------------------------------


def test_one_create_makes_several_credit_notes_each_with_its_own_lines_ids_in_the_order_given(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue
) -> None:
    credits, refs_, pairs, customers = _credit_notes(odoo_api, refs, catalogue, "many", 3)
    assert len(set(credits)) == 3
    rows = odoo_api.call(
        "account.move",
        "read",
        [credits],
        {
            "fields": [
                "move_type",
                "state",
                "ref",
                "partner_id",
                "invoice_origin",
                "amount_untaxed",
                "amount_tax",
                "amount_total",
                "invoice_line_ids",
            ]
        },
    )
    by_id = {row["id"]: row for row in rows}
    invoices = odoo_api.call(
        "account.move", "read", [[invoice for _, invoice in pairs]], {"fields": ["partner_id"]}
    )
    partners = {row["id"]: row["partner_id"][0] for row in invoices}
    for index, credit in enumerate(credits):
        row = by_id[credit]
        order, invoice = pairs[index]
        assert (row["move_type"], row["state"], row["ref"], row["invoice_origin"]) == (
            "out_refund",
            "draft",
            refs_[index],
            f"#origin-{refs_[index]}",
        )
        # the invoice's partner: the customer's invoicing address
        assert row["partner_id"][0] == partners[invoice] == customers[index].invoice
        assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (
            22.5 + index + 1,
            3.38,
            round(25.88 + index + 1, 2),
        )
        lines = odoo_api.call(
            "account.move.line",
            "read",
            [row["invoice_line_ids"]],
            {"fields": ["product_id", "quantity", "price_unit", "tax_ids", "sale_line_ids"]},
        )
        assert sorted(
            (
                line["product_id"][0],
                line["quantity"],
                line["price_unit"],
                line["tax_ids"],
                line["sale_line_ids"],
            )
            for line in lines
        ) == sorted(
            [
                (catalogue.shirt, 1.0, 22.5, [refs.tax15], [_shirt_line(odoo_api, catalogue, order)]),
                (catalogue.wrap, 1.0, float(index + 1), [], []),
            ]
        )
        # linked to its own order's sale line: Odoo counts the credit note against what was invoiced there
        shirt = odoo_api.read_one(
            "sale.order.line", _shirt_line(odoo_api, catalogue, order), ["qty_invoiced"]
        )
        assert shirt["qty_invoiced"] == 1.0


def test_one_invalid_credit_note_in_the_list_refuses_the_create_and_none_is_made(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue
) -> None:
    customers = [make_customer(odoo_api, refs) for _ in range(3)]
    pairs = _invoiced_orders(odoo_api, refs, catalogue, customers)
    refs_ = [f"shopify:refund:{odoo_api.unique('invalid')}" for _ in range(3)]
    values = [
        _credit_note_values(odoo_api, refs, catalogue, order, invoice, ref, 1.0)
        for (order, invoice), ref in zip(pairs, refs_, strict=True)
    ]
    values[1]["invoice_line_ids"][1][2]["product_id"] = odoo_api.missing_id("product.product")
    odoo_api.fault("account.move", "create", [values], CREDIT)
    assert odoo_api.call("account.move", "search", [[["ref", "in", refs_]]]) == []
    partners = [customer.invoice for customer in customers] + [customer.id for customer in customers]
    assert (
        odoo_api.call(
            "account.move", "search", [[["move_type", "=", "out_refund"], ["partner_id", "in", partners]]]
        )
        == []
    )


def test_credit_notes_are_found_by_their_refs_in_one_search_read(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue
) -> None:
    credits, refs_, _pairs, _customers = _credit_notes(odoo_api, refs, catalogue, "find", 2)
    unknown = f"shopify:refund:{odoo_api.unique('nothing')}"
    rows = odoo_api.call(
        "account.move",
        "search_read",
        [[["move_type", "=", "out_refund"], ["ref", "in", [*refs_, unknown]]]],
        {"fields": ["ref"], "order": "id"},
    )
    assert [(row["id"], row["ref"]) for row in rows] == sorted(zip(credits, refs_, strict=True))
    # an invoice with the same reference is not a credit note
    assert (
        odoo_api.call(
            "account.move",
            "search_read",
            [[["move_type", "=", "out_invoice"], ["ref", "in", refs_]]],
            {"fields": ["ref"]},
        )
        == []
    )


def test_web_read_reads_several_move_headers_many2ones_as_ids(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue
) -> None:
    credits, refs_, pairs, customers = _credit_notes(odoo_api, refs, catalogue, "headers", 2)
    moves = [*credits, pairs[0][1]]
    rows = odoo_api.call("account.move", "web_read", [moves, MOVE_HEADER_SPECIFICATION])
    by_id = {row["id"]: row for row in rows}
    assert sorted(by_id) == sorted(moves)
    currency = odoo_api.read_one("account.move", credits[0], ["currency_id"])["currency_id"][0]
    for index, credit in enumerate(credits):
        assert by_id[credit] == {
            "id": credit,
            "move_type": "out_refund",
            "state": "draft",
            # a many2one without a sub-specification is its id (move_header_from_row takes an id or a dict)
            "partner_id": customers[index].invoice,
            "currency_id": currency,
            "invoice_origin": f"#origin-{refs_[index]}",
        }
    invoice = by_id[pairs[0][1]]
    assert (invoice["move_type"], invoice["state"], invoice["partner_id"]) == (
        "out_invoice",
        "posted",
        customers[0].invoice,
    )
    # an id that no longer exists is left out (no relation is read): Synco checks every id came back
    missing = odoo_api.missing_id("account.move")
    rows = odoo_api.call("account.move", "web_read", [[credits[0], missing], MOVE_HEADER_SPECIFICATION])
    assert [row["id"] for row in rows] == [credits[0]]


def test_one_action_post_posts_several_credit_notes_and_the_wizard_pays_each_back(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue
) -> None:
    credits, _refs, _pairs, _customers = _credit_notes(odoo_api, refs, catalogue, "paid", 3)
    assert odoo_api.call("account.move", "action_post", [credits]) is False
    rows = odoo_api.call(
        "account.move", "read", [credits], {"fields": ["state", "payment_state", "amount_total"]}
    )
    totals = {row["id"]: row["amount_total"] for row in rows}
    assert {(row["state"], row["payment_state"]) for row in rows} == {("posted", "not_paid")}
    context = {"context": {"active_model": "account.move", "active_ids": credits}}
    wizard = odoo_api.call(
        "account.payment.register",
        "create",
        [{"group_payment": False, "payment_date": "2026-11-24"}],
        context,
    )
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], context)
    payments = _domain_ids(action)
    assert len(payments) == 3
    paid = odoo_api.call(
        "account.payment", "read", [payments], {"fields": ["amount", "payment_type", "date"]}
    )
    assert {(row["payment_type"], row["date"]) for row in paid} == {("outbound", "2026-11-24")}
    amounts = {row["id"]: row["amount"] for row in paid}
    for credit in credits:
        [payment] = [payment for payment in payments if odoo_api.is_matched(payment, credit)]
        assert amounts[payment] == totals[credit]
    after = odoo_api.call("account.move", "read", [credits], {"fields": ["payment_state", "amount_residual"]})
    assert {(row["payment_state"], row["amount_residual"]) for row in after} <= {
        ("paid", 0.0),
        ("in_payment", 0.0),
    }


# -- lowered sale orders -----------------------------------------------------------------------------


def test_one_load_lowers_lines_of_several_confirmed_orders_keeping_their_price_and_discount(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    a, b, c = (_confirmed_order(odoo_api, refs, customer, catalogue) for _ in range(3))
    orders = [a[0], b[0], c[0]]
    count = _line_count(odoo_api, orders)
    # the shirt's list price is 25.00: Odoo 18 would put it back (and drop the discount) on a quantity alone
    wanted = {
        a[1]: ("2", "20.0", "10.0"),
        b[1]: ("1", "20.0", "10.0"),
        b[2]: ("1", "4.0", "0.0"),
        c[1]: ("3", "20.0", "10.0"),
    }
    rows = [[str(line), *values] for line, values in sorted(wanted.items())]
    result = odoo_api.call(
        "sale.order.line", "load", [[".id", "product_uom_qty", "price_unit", "discount"], rows]
    )
    assert result == {"ids": sorted(wanted), "messages": [], "nextrow": 0}
    assert _line_count(odoo_api, orders) == count
    assert _lines(odoo_api, [a[1], a[2], b[1], b[2], c[1], c[2]]) == {
        a[1]: (2.0, 20.0, 10.0),
        a[2]: (2.0, 4.0, 0.0),
        b[1]: (1.0, 20.0, 10.0),
        b[2]: (1.0, 4.0, 0.0),
        c[1]: (3.0, 20.0, 10.0),
        c[2]: (2.0, 4.0, 0.0),
    }
    # 36.00 + 5.40 + 8.00 + 1.20; 18.00 + 2.70 + 4.00 + 0.60; 54.00 + 8.10 + 9.20
    assert _totals(odoo_api, orders) == {a[0]: ("sale", 50.6), b[0]: ("sale", 25.3), c[0]: ("sale", 71.3)}


def test_a_load_with_an_unknown_line_id_is_refused_and_writes_nothing(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    a, b = (_confirmed_order(odoo_api, refs, customer, catalogue) for _ in range(2))
    orders = [a[0], b[0]]
    count = _line_count(odoo_api, orders)
    missing = odoo_api.missing_id("sale.order.line")
    rows = [
        [str(a[1]), "1", "20.0", "10.0"],
        [str(missing), "1", "20.0", "10.0"],
        [str(b[1]), "1", "20.0", "10.0"],
    ]
    result = odoo_api.call(
        "sale.order.line", "load", [[".id", "product_uom_qty", "price_unit", "discount"], rows]
    )
    assert result["ids"] is False
    errors = [message for message in result["messages"] if message["type"] == "error"]
    assert errors
    # Synco takes this text for a stale id (batch._MISSING_TEXTS)
    assert any(f"Unknown database identifier '{missing}'" in message["message"] for message in errors)
    assert _line_count(odoo_api, orders) == count
    assert _lines(odoo_api, [a[1], b[1]]) == {a[1]: (4.0, 20.0, 10.0), b[1]: (4.0, 20.0, 10.0)}
    assert _totals(odoo_api, orders) == {a[0]: ("sale", 92.0), b[0]: ("sale", 92.0)}


def test_one_create_adds_negative_lines_to_several_confirmed_orders_found_again_by_name(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    service = make_product(odoo_api, "Shopify refund adjustment", type="service", list_price=0.0)
    a, b, c = (_confirmed_order(odoo_api, refs, customer, catalogue) for _ in range(3))
    tag = odoo_api.unique("Refund")
    shipping_a, rounding_a, shipping_b = (
        f"{tag}-a: Shipping refund",
        f"{tag}-a: rounding to Shopify's total",
        f"{tag}-b: Shipping refund",
    )
    tax = odoo_api.f.tax
    values = [
        {
            "order_id": a[0],
            "product_id": refs.delivery_product,
            "name": shipping_a,
            "product_uom_qty": 1,
            "price_unit": -5.99,
            tax: [(6, 0, [])],
        },
        {
            "order_id": b[0],
            "product_id": refs.delivery_product,
            "name": shipping_b,
            "product_uom_qty": 1,
            "price_unit": -5.99,
            tax: [(6, 0, [])],
        },
        {
            "order_id": a[0],
            "product_id": service,
            "name": rounding_a,
            "product_uom_qty": 1,
            "price_unit": -0.01,
            tax: [(6, 0, [])],
        },
    ]
    created = odoo_api.call("sale.order.line", "create", [values])
    assert isinstance(created, list) and len(set(created)) == 3
    rows = odoo_api.call(
        "sale.order.line",
        "read",
        [created],
        {"fields": ["order_id", "name", "price_unit", tax, "product_uom_qty"]},
    )
    by_id = {row["id"]: row for row in rows}
    assert [(by_id[line]["order_id"][0], by_id[line]["name"]) for line in created] == [
        (a[0], shipping_a),
        (b[0], shipping_b),
        (a[0], rounding_a),
    ]
    assert [
        (by_id[line]["price_unit"], by_id[line][tax], by_id[line]["product_uom_qty"]) for line in created
    ] == [
        (-5.99, [], 1.0),
        (-5.99, [], 1.0),
        (-0.01, [], 1.0),
    ]
    assert _totals(odoo_api, [a[0], b[0], c[0]]) == {
        a[0]: ("sale", 86.0),
        b[0]: ("sale", 86.01),
        c[0]: ("sale", 92.0),
    }
    found = odoo_api.call(
        "sale.order.line",
        "search_read",
        [
            [
                ["order_id", "in", [a[0], b[0], c[0]]],
                ["name", "in", [shipping_a, shipping_b, rounding_a, f"{tag}-c"]],
            ]
        ],
        {"fields": ["order_id", "name"]},
    )
    assert sorted((row["order_id"][0], row["name"]) for row in found) == sorted(
        [(a[0], shipping_a), (b[0], shipping_b), (a[0], rounding_a)]
    )
    # a name is found only on the orders asked about
    assert (
        odoo_api.call(
            "sale.order.line",
            "search_read",
            [[["order_id", "in", [c[0]]], ["name", "in", [shipping_a]]]],
            {"fields": ["name"]},
        )
        == []
    )


# -- the synco functions -----------------------------------------------------------------------------


def test_synco_batches_credit_notes_and_lowered_orders(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue, client: Any
) -> None:
    customers = [make_customer(odoo_api, refs) for _ in range(2)]
    pairs = _invoiced_orders(odoo_api, refs, catalogue, customers)
    keys = [f"shopify:refund:{odoo_api.unique('synco')}" for _ in range(2)]
    headers = batch.read_move_headers(client, [invoice for _, invoice in pairs])
    assert {invoice: (h.move_type, h.state, h.partner_id) for invoice, h in headers.items()} == {
        invoice: ("out_invoice", "posted", customers[index].invoice)
        for index, (_, invoice) in enumerate(pairs)
    }
    assert batch.find_credit_notes(client, keys) == {}
    notes = []
    for index, ((order, invoice), key) in enumerate(zip(pairs, keys, strict=True)):
        header = headers[invoice]
        notes.append(
            (
                {
                    "partner_id": header.partner_id,
                    "currency_id": header.currency_id,
                    "ref": key,
                    "invoice_origin": f"#synco-{index}",
                    "invoice_date": "2026-11-23",
                },
                [
                    {
                        "product_id": catalogue.shirt,
                        "name": "T-Shirt M",
                        "quantity": 1,
                        "price_unit": 22.5,
                        "tax_ids": [refs.tax15],
                        "sale_line_ids": [(6, 0, [_shirt_line(odoo_api, catalogue, order)])],
                    },
                    {
                        "product_id": catalogue.wrap,
                        "name": "Refund adjustment",
                        "quantity": 1,
                        "price_unit": float(index + 1),
                        "tax_ids": [],
                    },
                ],
            )
        )
    credits = batch.create_credit_notes(client, notes)
    assert batch.find_credit_notes(client, [*keys, "shopify:refund:none"]) == dict(
        zip(keys, credits, strict=True)
    )
    read = batch.read_move_headers(client, credits)
    assert [(read[c].move_type, read[c].state, read[c].origin) for c in credits] == [
        ("out_refund", "draft", "#synco-0"),
        ("out_refund", "draft", "#synco-1"),
    ]
    totals = odoo_api.call("account.move", "read", [credits], {"fields": ["amount_total"]})
    assert {row["id"]: row["amount_total"] for row in totals} == {credits[0]: 26.88, credits[1]: 27.88}
    with pytest.raises(OdooMissingRecordError):
        batch.read_move_headers(client, [credits[0], odoo_api.missing_id("account.move")])

    # one refused credit note: none made
    bad = [*notes]
    bad[1] = (
        {**notes[1][0], "ref": f"{keys[1]}-bad"},
        [{**notes[1][1][1], "product_id": odoo_api.missing_id("product.product")}],
    )
    bad[0] = ({**notes[0][0], "ref": f"{keys[0]}-bad"}, notes[0][1])
    # a refusal, not something to retry (a stale product id comes out as its subclass OdooMissingRecordError)
    with pytest.raises(PermanentGatewayError):
        batch.create_credit_notes(client, bad)
    assert batch.find_credit_notes(client, [f"{keys[0]}-bad", f"{keys[1]}-bad"]) == {}

    # before invoicing: lower lines of two orders, add negative lines to both
    a, b = (_confirmed_order(odoo_api, refs, customer, catalogue) for _ in range(2))
    batch.set_sale_lines(client, {a[1]: (2, 20.0, 10.0), b[1]: (1, 20.0, 10.0), b[2]: (1, 4.0, 0.0)})
    assert _lines(odoo_api, [a[1], b[1], b[2]]) == {
        a[1]: (2.0, 20.0, 10.0),
        b[1]: (1.0, 20.0, 10.0),
        b[2]: (1.0, 4.0, 0.0),
    }
    with pytest.raises(OdooMissingRecordError):
        batch.set_sale_lines(
            client, {a[1]: (1, 20.0, 10.0), odoo_api.missing_id("sale.order.line"): (1, 1, 0)}
        )
    assert _lines(odoo_api, [a[1]]) == {a[1]: (2.0, 20.0, 10.0)}
    tag = odoo_api.unique("Refund")
    names = [f"{tag}: Shipping refund a", f"{tag}: Shipping refund b"]
    assert batch.named_order_lines(client, [a[0], b[0]], names) == set()
    added = batch.add_order_lines(
        client,
        [
            {
                "order_id": order,
                "product_id": refs.delivery_product,
                "name": name,
                "product_uom_qty": 1,
                "price_unit": -5.99,
                client.sale_line_tax_field: [(6, 0, [])],
            }
            for order, name in ((a[0], names[0]), (b[0], names[1]))
        ],
    )
    assert len(added) == 2
    assert batch.named_order_lines(client, [a[0], b[0]], [*names, "nothing"]) == {
        (a[0], names[0]),
        (b[0], names[1]),
    }
    assert _totals(odoo_api, [a[0], b[0]]) == {a[0]: ("sale", 44.61), b[0]: ("sale", 19.31)}

    # the orders and all their lines in one web_read, as read_sale_lines reads a line
    orders, lines = batch.read_orders_with_lines(client, [a[0], b[0]])
    assert {o.id: (o.state, float(o.amount_total)) for o in orders.values()} == {
        a[0]: ("sale", 44.61),
        b[0]: ("sale", 19.31),
    }
    one_by_one = {line.id: line for line in client.read_sale_lines([a[1], b[1], b[2], *added])}
    assert {i: lines[i] for i in one_by_one} == one_by_one
    assert lines[a[1]].quantity == 2 and lines[a[1]].product_id == catalogue.shirt and lines[a[1]].tax_ids
    assert {line.id for line in orders[a[0]].lines} <= set(lines)
    with pytest.raises(OdooMissingRecordError):
        batch.read_orders_with_lines(client, [a[0], odoo_api.missing_id("sale.order")])


def test_a_load_of_the_quantity_alone_reprices_the_line_so_synco_loads_its_price_and_discount_with_it(
    odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue
) -> None:
    """Why ``set_sale_lines`` writes the price and discount read: a quantity alone puts the pricelist's price
    (the shirt's list price, 25.00) back on the line, as a write does (test_credit_notes.py)."""
    _order, shirt, _wrap = _confirmed_order(odoo_api, refs, customer, catalogue)
    result = odoo_api.call("sale.order.line", "load", [[".id", "product_uom_qty"], [[str(shirt), "3"]]])
    assert result == {"ids": [shirt], "messages": [], "nextrow": 0}
    quantity, price, _discount = _lines(odoo_api, [shirt])[shirt]
    assert (quantity, price) == (3.0, 25.0)
