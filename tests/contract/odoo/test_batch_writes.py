"""Issue 17: the raw Odoo calls behind Synco's batched writes (synco/odoo/batch.py), several sale orders per call.

One ``load`` of several orders with their lines (ids in record order; a refused record named by its position
``record``, nothing written), one ``action_confirm`` on several orders (all or none), a ``load`` by ``.id``
restoring ``date_order`` after confirmation and dating draft invoices, ``web_read`` of several records, the
invoicing wizard on several orders of one customer (one invoice per order without consolidated billing, one for
all with it), one ``action_post`` on several invoices, and the payment wizard on several invoices (one payment
per invoice without group_payment, one for all with it).
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import NONE_FAULT, Catalogue, Customer, OdooApi

FIELDS = [
    "id",
    "partner_id/.id",
    "partner_invoice_id/.id",
    "partner_shipping_id/.id",
    "client_order_ref",
    "date_order",
    "order_line/id",
    "order_line/product_id/.id",
    "order_line/product_uom_qty",
    "order_line/price_unit",
]

SALE_ORDER_SPEC: dict[str, dict[str, Any]] = {
    "name": {},
    "state": {},
    "amount_untaxed": {},
    "amount_tax": {},
    "amount_total": {},
    "currency_id": {"fields": {"display_name": {}}},
    "invoice_ids": {},
    "order_line": {"fields": {"name": {}, "price_subtotal": {}, "price_tax": {}, "display_type": {}}},
}


def _batch_rows(
    api: OdooApi,
    customer: Customer,
    catalogue: Catalogue,
    tag: str,
    count: int,
    *,
    cells: dict[tuple[int, str], str] | None = None,
) -> tuple[list[list[str]], list[str]]:
    """``count`` orders of two lines each (shirt 2 x 25.00, wrap 1 x 3.50); ``cells`` overrides a cell of an
    order's first row, by (order position, column). Returns the rows and each order's external id."""
    rows, xmlids = [], []
    for index in range(count):
        xmlid = f"synco_contract.order_{api.run_id}_{tag}_{index}"
        first = {
            "id": xmlid,
            "partner_id/.id": str(customer.id),
            "partner_invoice_id/.id": str(customer.invoice),
            "partner_shipping_id/.id": str(customer.delivery),
            "client_order_ref": f"#{tag}-{api.run_id}-{index}",
            "date_order": f"2026-11-{index + 1:02d} 14:03:00",
            "order_line/id": f"synco_contract.line_{api.run_id}_{tag}_{index}_1",
            "order_line/product_id/.id": str(catalogue.shirt),
            "order_line/product_uom_qty": "2",
            "order_line/price_unit": "25.0",
        }
        for (position, column), value in (cells or {}).items():
            if position == index:
                first[column] = value
        second = dict.fromkeys(FIELDS, "") | {
            "order_line/id": f"synco_contract.line_{api.run_id}_{tag}_{index}_2",
            "order_line/product_id/.id": str(catalogue.wrap),
            "order_line/product_uom_qty": "1",
            "order_line/price_unit": "3.5",
        }
        rows += [[first[column] for column in FIELDS], [second[column] for column in FIELDS]]
        xmlids.append(xmlid)
    return rows, xmlids


def _xmlid_target(api: OdooApi, xmlid: str) -> int | None:
    module, name = xmlid.split(".", 1)
    rows = api.call(
        "ir.model.data",
        "search_read",
        [[["module", "=", module], ["name", "=", name]]],
        {"fields": ["res_id"]},
    )
    return int(rows[0]["res_id"]) if rows else None


def _loaded(api: OdooApi, customer: Customer, catalogue: Catalogue, tag: str, count: int) -> list[int]:
    rows, _xmlids = _batch_rows(api, customer, catalogue, tag, count)
    result = api.call("sale.order", "load", [FIELDS, rows])
    assert result["messages"] == [], result["messages"]
    return [api.discard_later(int(order)) for order in result["ids"]]


def _confirmed(api: OdooApi, customer: Customer, catalogue: Catalogue, tag: str, count: int) -> list[int]:
    orders = _loaded(api, customer, catalogue, tag, count)
    assert api.call("sale.order", "action_confirm", [orders]) is True
    return orders


def _invoice(api: OdooApi, orders: list[int], **values: Any) -> Any:
    context = {"context": {"active_model": "sale.order", "active_ids": orders, "active_id": orders[0]}}
    wizard = api.call(
        "sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered", **values}], context
    )
    return api.call("sale.advance.payment.inv", "create_invoices", [[wizard]], context)


def _invoice_ids(api: OdooApi, orders: list[int]) -> dict[int, list[int]]:
    rows = api.call("sale.order", "read", [orders], {"fields": ["invoice_ids"]})
    return {int(row["id"]): sorted(row["invoice_ids"]) for row in rows}


def _domain_ids(action: Any) -> list[int]:
    [leaf] = [leaf for leaf in action["domain"] if leaf[0] == "id"]
    assert leaf[1] == "in"
    return sorted(int(i) for i in leaf[2])


def _posted_invoices(
    api: OdooApi, customer: Customer, catalogue: Catalogue, tag: str, count: int
) -> list[int]:
    orders = _confirmed(api, customer, catalogue, tag, count)
    _invoice(api, orders, consolidated_billing=False)
    invoices = [invoice for ids in _invoice_ids(api, orders).values() for invoice in ids]
    assert len(invoices) == count
    assert api.call("account.move", "action_post", [invoices]) is False
    return invoices


# -- load ------------------------------------------------------------------------------------------


def test_one_load_writes_several_orders_with_their_lines_ids_in_record_order(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    rows, xmlids = _batch_rows(odoo_api, customer, catalogue, "many", 3)
    result = odoo_api.call("sale.order", "load", [FIELDS, rows])
    assert result == {"ids": result["ids"], "messages": [], "nextrow": 0}
    orders = [odoo_api.discard_later(int(order)) for order in result["ids"]]
    assert len(set(orders)) == 3
    assert orders == [_xmlid_target(odoo_api, xmlid) for xmlid in xmlids]
    read = odoo_api.call(
        "sale.order", "read", [orders], {"fields": ["client_order_ref", "order_line", "amount_untaxed"]}
    )
    by_id = {row["id"]: row for row in read}
    for index, order in enumerate(orders):
        row = by_id[order]
        assert row["client_order_ref"] == f"#many-{odoo_api.run_id}-{index}"
        assert (len(row["order_line"]), row["amount_untaxed"]) == (2, 53.5)


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("order_line/product_uom_qty", "abc", "order_line"),  # refused when the cell is converted
        ("partner_id/.id", "", "partner_id"),  # refused when the record is saved (a required field)
    ],
    ids=["conversion", "required"],
)
def test_a_refused_record_is_named_by_its_position_and_nothing_is_written(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, column: str, value: str, field: str
) -> None:
    tag = f"bad{field.replace('_', '')}"
    rows, xmlids = _batch_rows(odoo_api, customer, catalogue, tag, 3, cells={(1, column): value})
    result = odoo_api.call("sale.order", "load", [FIELDS, rows])
    assert result["ids"] is False
    errors = [message for message in result["messages"] if message["type"] == "error"]
    # Synco takes the refused order from `record` (its position among the records, not its data row) and
    # `rows` (its rows: the second order's are 2 and 3)
    assert {message["record"] for message in errors} == {1}
    assert {(message["rows"]["from"], message["rows"]["to"]) for message in errors} == {(2, 3)}
    assert errors[0].get("field") == field
    assert [_xmlid_target(odoo_api, xmlid) for xmlid in xmlids] == [None, None, None]
    refs = [f"#{tag}-{odoo_api.run_id}-{index}" for index in range(3)]
    assert odoo_api.call("sale.order", "search", [[["client_order_ref", "in", refs]]]) == []


def test_a_check_on_save_failing_on_one_order_is_also_reported_under_the_first_order(
    odoo_api: OdooApi,
) -> None:
    """Odoo saves the records of a load together first; when a check refuses that (a ValidationError), it saves
    them one by one and puts the batch's error first, under record 0, whatever record raised it. So an error
    under record 0 that another record repeats does not say record 0 is bad (Synco sets the named ones aside and
    loads the rest again: a bad record 0 is then named alone)."""
    partner = odoo_api.call("res.partner", "create", [{"name": odoo_api.unique("Prepaid")}])
    fields = ["id", "partner_id/.id", "require_payment", "prepayment_percent"]

    def rows(bad: set[int], tag: str) -> list[list[str]]:
        return [
            [
                f"synco_contract.order_{odoo_api.run_id}_{tag}_{index}",
                str(partner),
                "1" if index in bad else "0",
                "5" if index in bad else "1",
            ]
            for index in range(3)
        ]

    for bad, tag in (({1}, "check1"), ({0, 1}, "check01")):
        result = odoo_api.call("sale.order", "load", [fields, rows(bad, tag)])
        assert result["ids"] is False
        named = [(message["record"], message["message"]) for message in result["messages"]]
        text = named[0][1]
        # the same answer whether record 0 is bad or not
        assert named == [(0, text), (1, text)], bad
    alone = odoo_api.call("sale.order", "load", [fields, [rows({0}, "check0")[0]]])
    assert [message["record"] for message in alone["messages"]] == [0]
    assert odoo_api.call("sale.order", "search", [[["partner_id", "=", partner]]]) == []


def test_a_missing_product_on_one_order_refuses_the_load_naming_that_order(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    missing = odoo_api.missing_id("product.product")
    rows, xmlids = _batch_rows(
        odoo_api, customer, catalogue, "gone", 3, cells={(2, "order_line/product_id/.id"): str(missing)}
    )
    result = odoo_api.call("sale.order", "load", [FIELDS, rows])
    assert result["ids"] is False
    errors = [message for message in result["messages"] if message["type"] == "error"]
    assert {message["record"] for message in errors} == {2}
    # Synco recognises a stale cached id by this text (synco/odoo/errors.py MISSING_RECORD_TEXTS)
    assert "No matching record found for database id" in errors[0]["message"]
    assert [_xmlid_target(odoo_api, xmlid) for xmlid in xmlids] == [None, None, None]


# -- confirmation and dates -------------------------------------------------------------------------


def test_action_confirm_confirms_several_orders_or_none(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _loaded(odoo_api, customer, catalogue, "confirm", 3)
    assert odoo_api.call("sale.order", "action_confirm", [[orders[1]]]) is True
    fault = odoo_api.fault("sale.order", "action_confirm", [orders])
    assert fault.faultCode == 2
    assert "not in a state requiring confirmation" in fault.faultString
    states = odoo_api.call("sale.order", "read", [orders], {"fields": ["state"]})
    assert {row["id"]: row["state"] for row in states} == {
        orders[0]: "draft",
        orders[1]: "sale",
        orders[2]: "draft",
    }
    assert odoo_api.call("sale.order", "action_confirm", [[orders[0], orders[2]]]) is True
    states = odoo_api.call("sale.order", "read", [orders], {"fields": ["state"]})
    assert {row["state"] for row in states} == {"sale"}


def test_a_load_by_database_id_restores_date_order_after_confirmation(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _confirmed(odoo_api, customer, catalogue, "dates", 3)
    dates = {order: f"2025-0{index + 1}-15 08:30:00" for index, order in enumerate(orders)}
    result = odoo_api.call(
        "sale.order", "load", [[".id", "date_order"], [[str(order), date] for order, date in dates.items()]]
    )
    # the ids answered are the orders' own: the load created nothing
    assert result == {"ids": orders, "messages": [], "nextrow": 0}
    rows = odoo_api.call("sale.order", "read", [orders], {"fields": ["date_order", "state"]})
    assert {row["id"]: (row["date_order"], row["state"]) for row in rows} == {
        order: (date, "sale") for order, date in dates.items()
    }


def test_a_load_by_an_unknown_database_id_is_refused_and_creates_nothing(odoo_api: OdooApi) -> None:
    missing = odoo_api.missing_id("sale.order")
    result = odoo_api.call(
        "sale.order", "load", [[".id", "date_order"], [[str(missing), "2025-01-15 08:30:00"]]]
    )
    assert result["ids"] is False
    # Odoo names the unknown id (Synco takes this text for a stale id), then treats the row as a new record
    # (refused for its missing customer)
    [unknown] = [message for message in result["messages"] if message.get("field") == ".id"]
    assert (unknown["type"], unknown["record"]) == ("error", 0)
    assert f"Unknown database identifier '{missing}'" in unknown["message"]
    assert odoo_api.call("sale.order", "search", [[["id", ">=", missing]]]) == []


# -- reading several records --------------------------------------------------------------------------


def test_web_read_reads_several_orders_with_their_lines_in_one_call(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _loaded(odoo_api, customer, catalogue, "read", 3)
    rows = odoo_api.call("sale.order", "web_read", [orders, SALE_ORDER_SPEC])
    assert sorted(row["id"] for row in rows) == sorted(orders)
    for row in rows:
        assert (row["state"], row["amount_untaxed"]) == ("draft", 53.5)
        assert row["currency_id"]["display_name"]
        assert row["invoice_ids"] == []
        assert [line["price_subtotal"] for line in row["order_line"]] == [50.0, 3.5]
        assert all(set(line) >= {"id", "name", "price_tax"} for line in row["order_line"])
    # an id that no longer exists refuses the whole read (Synco: a stale id, OdooMissingRecordError)
    fault = odoo_api.fault(
        "sale.order", "web_read", [[orders[0], odoo_api.missing_id("sale.order")], SALE_ORDER_SPEC]
    )
    assert fault.faultCode == 2
    assert "Record does not exist or has been deleted" in fault.faultString


# -- invoices --------------------------------------------------------------------------------------


def test_the_invoicing_wizard_without_consolidated_billing_makes_one_invoice_per_order(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _confirmed(odoo_api, customer, catalogue, "perorder", 3)  # one customer
    action = _invoice(odoo_api, orders, consolidated_billing=False)
    # several orders: no None in the action's context, so XML-RPC returns it; it names the invoices, not which
    # order each belongs to
    assert action["res_model"] == "account.move"
    invoices = _invoice_ids(odoo_api, orders)
    assert all(len(ids) == 1 for ids in invoices.values())
    assert len({ids[0] for ids in invoices.values()}) == 3
    assert _domain_ids(action) == sorted(ids[0] for ids in invoices.values())
    names = {
        row["id"]: row["name"] for row in odoo_api.call("sale.order", "read", [orders], {"fields": ["name"]})
    }
    moves = odoo_api.call(
        "account.move",
        "read",
        [[ids[0] for ids in invoices.values()]],
        {"fields": ["invoice_origin", "state", "amount_untaxed", "invoice_line_ids"]},
    )
    by_id = {row["id"]: row for row in moves}
    for order, [invoice] in invoices.items():
        move = by_id[invoice]
        assert (move["invoice_origin"], move["state"], move["amount_untaxed"]) == (
            names[order],
            "draft",
            53.5,
        )
        lines = odoo_api.call(
            "account.move.line", "read", [move["invoice_line_ids"]], {"fields": ["sale_line_ids"]}
        )
        sale_lines = [line for row in lines for line in row["sale_line_ids"]]
        owners = odoo_api.call("sale.order.line", "read", [sale_lines], {"fields": ["order_id"]})
        assert {row["order_id"][0] for row in owners} == {order}


def test_consolidated_billing_the_default_makes_one_invoice_for_one_customers_orders(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _confirmed(odoo_api, customer, catalogue, "grouped", 2)
    context = {"context": {"active_model": "sale.order", "active_ids": orders, "active_id": orders[0]}}
    wizard = odoo_api.call(
        "sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], context
    )
    flag = odoo_api.read_one("sale.advance.payment.inv", wizard, ["consolidated_billing"])
    assert flag["consolidated_billing"] is True
    action = odoo_api.call("sale.advance.payment.inv", "create_invoices", [[wizard]], context)
    invoices = _invoice_ids(odoo_api, orders)
    [invoice] = {invoice for ids in invoices.values() for invoice in ids}
    assert action["res_id"] == invoice
    move = odoo_api.read_one(
        "account.move", invoice, ["amount_untaxed", "invoice_line_ids", "invoice_origin"]
    )
    assert (move["amount_untaxed"], len(move["invoice_line_ids"])) == (107.0, 4)
    names = [row["name"] for row in odoo_api.call("sale.order", "read", [orders], {"fields": ["name"]})]
    assert all(name in move["invoice_origin"] for name in names)


def test_a_load_by_database_id_dates_draft_invoices_and_one_action_post_posts_them(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _confirmed(odoo_api, customer, catalogue, "post", 3)
    _invoice(odoo_api, orders, consolidated_billing=False)
    invoices = sorted(invoice for ids in _invoice_ids(odoo_api, orders).values() for invoice in ids)
    dates = {invoice: f"2025-0{index + 1}-20" for index, invoice in enumerate(invoices)}
    result = odoo_api.call(
        "account.move", "load", [[".id", "invoice_date"], [[str(i), date] for i, date in dates.items()]]
    )
    assert result == {"ids": invoices, "messages": [], "nextrow": 0}
    assert odoo_api.call("account.move", "action_post", [invoices]) is False
    rows = odoo_api.call("account.move", "read", [invoices], {"fields": ["state", "invoice_date", "name"]})
    assert {row["id"]: (row["state"], row["invoice_date"]) for row in rows} == {
        invoice: ("posted", date) for invoice, date in dates.items()
    }
    # each numbered in its own date's year
    assert all(row["name"].split("/")[1] == "2025" for row in rows if "/" in row["name"])


# -- payments --------------------------------------------------------------------------------------


def test_the_payment_wizard_pays_several_invoices_one_payment_each_without_group_payment(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    invoices = _posted_invoices(odoo_api, customer, catalogue, "pay", 3)  # one customer
    context = {"context": {"active_model": "account.move", "active_ids": invoices}}
    default = odoo_api.call("account.payment.register", "create", [{}], context)
    # Odoo groups one customer's invoices only when asked: the default for several invoices is False
    assert odoo_api.read_one("account.payment.register", default, ["group_payment"])["group_payment"] is False
    wizard = odoo_api.call(
        "account.payment.register",
        "create",
        [{"group_payment": False, "payment_date": "2025-03-01"}],
        context,
    )
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], context)
    payments = _domain_ids(action)
    assert len(payments) == 3
    rows = odoo_api.call("account.payment", "read", [payments], {"fields": ["amount", "date", "partner_id"]})
    assert {(row["amount"], row["date"]) for row in rows} == {(61.53, "2025-03-01")}
    for invoice in invoices:
        matched = [payment for payment in payments if odoo_api.is_matched(payment, invoice)]
        assert len(matched) == 1
    moves = odoo_api.call(
        "account.move", "read", [invoices], {"fields": ["payment_state", "amount_residual"]}
    )
    assert {(row["payment_state"], row["amount_residual"]) for row in moves} <= {
        ("paid", 0.0),
        ("in_payment", 0.0),
    }


def test_group_payment_pays_one_customers_invoices_with_one_payment(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    invoices = _posted_invoices(odoo_api, customer, catalogue, "grouppay", 2)
    context = {"context": {"active_model": "account.move", "active_ids": invoices}}
    wizard = odoo_api.call("account.payment.register", "create", [{"group_payment": True}], context)
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], context)
    payment = action["res_id"]
    totals = odoo_api.call("account.move", "read", [invoices], {"fields": ["amount_total"]})
    amount = odoo_api.read_one("account.payment", payment, ["amount"])["amount"]
    assert amount == pytest.approx(sum(row["amount_total"] for row in totals))
    assert all(odoo_api.is_matched(payment, invoice) for invoice in invoices)


def test_web_read_reads_several_invoices_with_their_payments(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue, odoo_version: int
) -> None:
    invoices = _posted_invoices(odoo_api, customer, catalogue, "readinv", 2)
    context = {"context": {"active_model": "account.move", "active_ids": invoices}}
    wizard = odoo_api.call("account.payment.register", "create", [{"group_payment": False}], context)
    odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], context)
    spec: dict[str, Any] = {
        "name": {},
        "state": {},
        "payment_state": {},
        "amount_total": {},
        "amount_residual": {},
    }
    if odoo_version >= 18:
        spec["matched_payment_ids"] = {}
    rows = odoo_api.call("account.move", "web_read", [invoices, spec])
    assert sorted(row["id"] for row in rows) == sorted(invoices)
    for row in rows:
        assert (row["state"], row["amount_total"], row["amount_residual"]) == ("posted", 61.53, 0.0)
        if odoo_version >= 18:
            assert len(row["matched_payment_ids"]) == 1
    if odoo_version >= 18:
        assert len({row["matched_payment_ids"][0] for row in rows}) == 2


# -- part of a batch done already --------------------------------------------------------------------


def test_the_invoicing_wizard_skips_an_order_with_nothing_left_to_invoice(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    orders = _confirmed(odoo_api, customer, catalogue, "partlyinv", 3)
    alone = {"context": {"active_model": "sale.order", "active_ids": [orders[1]], "active_id": orders[1]}}
    wizard = odoo_api.call(
        "sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], alone
    )
    # one order without a payment term: the action's context holds a None (test_invoicing.py)
    fault = odoo_api.fault("sale.advance.payment.inv", "create_invoices", [[wizard]], alone)
    assert odoo_api.last_line(fault) == NONE_FAULT
    [first] = _invoice_ids(odoo_api, [orders[1]])[orders[1]]
    action = _invoice(odoo_api, orders, consolidated_billing=False)
    invoices = _invoice_ids(odoo_api, orders)
    assert invoices[orders[1]] == [first]
    assert all(len(invoices[order]) == 1 for order in (orders[0], orders[2]))
    assert _domain_ids(action) == sorted([invoices[orders[0]][0], invoices[orders[2]][0]])


def test_the_payment_wizard_leaves_out_an_invoice_already_paid(
    odoo_api: OdooApi, customer: Customer, catalogue: Catalogue
) -> None:
    invoices = _posted_invoices(odoo_api, customer, catalogue, "partlypaid", 3)
    alone = {"context": {"active_model": "account.move", "active_ids": [invoices[1]]}}
    wizard = odoo_api.call("account.payment.register", "create", [{}], alone)
    earlier = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], alone)["res_id"]
    context = {"context": {"active_model": "account.move", "active_ids": invoices}}
    wizard = odoo_api.call("account.payment.register", "create", [{"group_payment": False}], context)
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], context)
    payments = _domain_ids(action)
    assert len(payments) == 2 and earlier not in payments
    assert [len([p for p in payments if odoo_api.is_matched(p, invoice)]) for invoice in invoices] == [
        1,
        0,
        1,
    ]
    assert odoo_api.is_matched(earlier, invoices[1])
    amounts = odoo_api.call("account.payment", "read", [payments], {"fields": ["amount"]})
    assert {row["amount"] for row in amounts} == {61.53}
