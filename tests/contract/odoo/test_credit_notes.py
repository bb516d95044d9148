"""Refunds: a customer credit note built from the refunded lines, posted, paid back through the register
wizard (an outbound payment), found again by its reference; before invoicing, lower sale order quantities."""

from __future__ import annotations

from typing import Any

from .conftest import NONE_FAULT, Catalogue, OdooApi, Refs


def _invoiced(api: OdooApi, spec_order: Any) -> tuple[int, int]:
    """A confirmed spec order (61.77) and its posted invoice."""
    order = int(spec_order())
    api.call("sale.order", "action_confirm", [[order]])
    ctx = {"context": {"active_model": "sale.order", "active_ids": [order], "active_id": order}}
    wizard = api.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], ctx)
    fault = api.fault("sale.advance.payment.inv", "create_invoices", [[wizard]], ctx)
    assert api.last_line(fault) == NONE_FAULT
    [invoice] = api.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"]
    assert api.call("account.move", "action_post", [[invoice]]) is False
    return order, int(invoice)


def _sale_lines(api: OdooApi, order: int) -> list[dict[str, Any]]:
    return list(
        api.call(
            "sale.order.line",
            "search_read",
            [],
            {
                "domain": [["order_id", "=", order]],
                "fields": ["id", "product_id", "product_uom_qty", "qty_invoiced", api.f.tax],
                "order": "id",
            },
        )
    )


def _credit_note(api: OdooApi, refs: Refs, catalogue: Catalogue, order: int, invoice: int, ref: str) -> int:
    """What Synco sends for a refund of one shirt (22.50 + 15 %) and a 2.00 adjustment without tax.

    Not `reversed_entry_id`: real Odoo then reconciles the credit note with the invoice's open receivable on
    posting, and the refund payment finds nothing left to pay."""
    header = api.call(
        "account.move", "web_read", [[invoice], {"partner_id": {}, "currency_id": {}, "state": {}}]
    )[0]
    shirt_line = next(line for line in _sale_lines(api, order) if line["product_id"][0] == catalogue.shirt)
    values = {
        "move_type": "out_refund",
        "partner_id": header["partner_id"],
        "currency_id": header["currency_id"],
        "ref": ref,
        "invoice_origin": "#1001",
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
                    "sale_line_ids": [(6, 0, [shirt_line["id"]])],
                },
            ),
            # A product with a default tax: an explicit empty set keeps the line without tax.
            (
                0,
                0,
                {
                    "product_id": catalogue.wrap,
                    "name": "Refund adjustment (refund discrepancy)",
                    "quantity": 1,
                    "price_unit": 2.0,
                    "tax_ids": [(6, 0, [])],
                },
            ),
        ],
    }
    credit = api.call("account.move", "create", [values], {"context": {"default_move_type": "out_refund"}})
    assert isinstance(credit, int)
    return credit


def test_it_creates_a_draft_credit_note_from_the_refunded_lines(
    odoo_api: OdooApi, spec_order: Any, refs: Refs, catalogue: Catalogue
) -> None:
    order, invoice = _invoiced(odoo_api, spec_order)
    ref = f"shopify:refund:{odoo_api.unique('r')}"
    credit = _credit_note(odoo_api, refs, catalogue, order, invoice, ref)
    row = odoo_api.read_one(
        "account.move",
        credit,
        ["move_type", "state", "amount_untaxed", "amount_tax", "amount_total", "invoice_origin", "ref"],
    )
    assert {
        k: row[k] for k in ("move_type", "state", "amount_untaxed", "amount_tax", "amount_total", "ref")
    } == {
        "move_type": "out_refund",
        "state": "draft",
        "amount_untaxed": 24.5,
        "amount_tax": 3.38,
        "amount_total": 27.88,
        "ref": ref,
    }
    assert row["invoice_origin"] == "#1001"
    found = odoo_api.call(
        "account.move", "search", [[["move_type", "=", "out_refund"], ["ref", "=", ref]]], {"limit": 1}
    )
    assert found == [credit]
    shirt = next(line for line in _sale_lines(odoo_api, order) if line["product_id"][0] == catalogue.shirt)
    # The credit note's line is linked to the sale line: Odoo counts it against what was invoiced.
    assert (shirt["product_uom_qty"], shirt["qty_invoiced"]) == (2.0, 1.0)


def test_it_adds_a_rounding_line_to_a_draft_credit_note_then_posts_it(
    odoo_api: OdooApi, spec_order: Any, refs: Refs, catalogue: Catalogue
) -> None:
    order, invoice = _invoiced(odoo_api, spec_order)
    credit = _credit_note(odoo_api, refs, catalogue, order, invoice, f"shopify:refund:{odoo_api.unique('r')}")
    odoo_api.call(
        "account.move",
        "write",
        [
            [credit],
            {
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": catalogue.wrap,
                            "name": "Rounding to Shopify's refund",
                            "quantity": 1,
                            "price_unit": -0.01,
                            "tax_ids": [(6, 0, [])],
                        },
                    )
                ]
            },
        ],
    )
    assert odoo_api.read_one("account.move", credit, ["amount_total"])["amount_total"] == 27.87
    assert odoo_api.call("account.move", "action_post", [[credit]]) is False
    row = odoo_api.read_one("account.move", credit, ["state", "name", "payment_state"])
    assert (row["state"], row["payment_state"]) == ("posted", "not_paid")
    assert row["name"].startswith("RINV/")


def test_it_pays_a_credit_note_back_through_the_register_wizard(
    odoo_api: OdooApi, spec_order: Any, refs: Refs, catalogue: Catalogue
) -> None:
    order, invoice = _invoiced(odoo_api, spec_order)
    credit = _credit_note(odoo_api, refs, catalogue, order, invoice, f"shopify:refund:{odoo_api.unique('r')}")
    odoo_api.call("account.move", "action_post", [[credit]])
    bank = odoo_api.search_one("account.journal", [["type", "=", "bank"]])
    ctx = {"context": {"active_model": "account.move", "active_ids": [credit]}}
    wizard = odoo_api.call(
        "account.payment.register", "create", [{"payment_date": "2026-11-23", "journal_id": bank}], ctx
    )
    assert odoo_api.read_one("account.payment.register", wizard, ["amount", "payment_type"]) == {
        "id": wizard,
        "amount": 27.88,
        "payment_type": "outbound",
    }
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], ctx)
    payment = action["res_id"]
    paid = odoo_api.read_one("account.payment", payment, ["amount", "payment_type", "journal_id", "date"])
    assert (paid["amount"], paid["payment_type"], paid["journal_id"][0], paid["date"]) == (
        27.88,
        "outbound",
        bank,
        "2026-11-23",
    )
    after = odoo_api.read_one("account.move", credit, ["payment_state", "amount_total"])
    assert after["payment_state"] in ("paid", "in_payment")
    assert odoo_api.is_matched(payment, credit)


def test_it_lowers_the_quantities_of_a_confirmed_order_before_invoicing(
    odoo_api: OdooApi, spec_order: Any, catalogue: Catalogue, tax_rounding: str
) -> None:
    order = int(spec_order())
    odoo_api.call("sale.order", "action_confirm", [[order]])
    shirt = next(line for line in _sale_lines(odoo_api, order) if line["product_id"][0] == catalogue.shirt)
    assert (
        odoo_api.call(
            "sale.order", "write", [[order], {"order_line": [(1, shirt["id"], {"product_uom_qty": 1})]}]
        )
        is True
    )
    row = odoo_api.read_one("sale.order", order, ["state", "amount_total"])
    # One shirt (22.50 + 15 %), the wrap (3.50 + 15 %) and shipping (5.99): the tax is 3.38 + 0.53 rounded
    # per line, 3.90 rounded globally (19's default)
    total = {"round_per_line": 35.9, "round_globally": 35.89}[tax_rounding]
    assert (row["state"], row["amount_total"]) == ("sale", total)
    lowered = next(line for line in _sale_lines(odoo_api, order) if line["id"] == shirt["id"])
    assert lowered["product_uom_qty"] == 1.0


def test_it_adds_a_negative_line_for_refunded_shipping_to_a_confirmed_order_and_finds_it_by_name(
    odoo_api: OdooApi, spec_order: Any, refs: Refs
) -> None:
    order = int(spec_order())
    odoo_api.call("sale.order", "action_confirm", [[order]])
    tag = f"Refund {odoo_api.unique('r')}: Shipping refund"
    assert (
        odoo_api.call(
            "sale.order",
            "write",
            [
                [order],
                {
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": refs.delivery_product,
                                "name": tag,
                                "product_uom_qty": 1,
                                "price_unit": -5.99,
                                odoo_api.f.tax: [(6, 0, [])],
                            },
                        )
                    ]
                },
            ],
        )
        is True
    )
    found = odoo_api.call(
        "sale.order.line", "search", [[["order_id", "=", order], ["name", "=", tag]]], {"limit": 1}
    )
    assert len(found) == 1
    row = odoo_api.read_one("sale.order", order, ["state", "amount_total"])
    assert (row["state"], row["amount_total"]) == ("sale", 55.78)


def test_the_reversal_wizard_makes_a_draft_credit_note_that_reconciles_with_the_invoice_once_posted(
    odoo_api: OdooApi, spec_order: Any
) -> None:
    """Not what Synco sends (it builds the credit note from the refunded lines): what Odoo does when the
    merchant reverses an invoice, so the sandbox behaves the same."""
    _, invoice = _invoiced(odoo_api, spec_order)
    ctx = {"context": {"active_model": "account.move", "active_ids": [invoice]}}
    fault = odoo_api.fault("account.move.reversal", "create", [{"reason": "Damaged"}], ctx)
    assert fault.faultCode == 2
    assert "(journal_id)" in fault.faultString  # a mandatory field without a default over RPC
    journal = odoo_api.read_one("account.move", invoice, ["journal_id"])["journal_id"][0]
    wizard = odoo_api.call(
        "account.move.reversal",
        "create",
        [{"reason": "Damaged", "date": "2026-11-23", "journal_id": journal}],
        ctx,
    )
    assert odoo_api.read_one("account.move.reversal", wizard, ["move_ids"])["move_ids"] == [invoice]

    action = odoo_api.call("account.move.reversal", "refund_moves", [[wizard]], ctx)

    assert {key: action[key] for key in ("type", "res_model", "view_mode")} == {
        "type": "ir.actions.act_window",
        "res_model": "account.move",
        "view_mode": "form",
    }
    assert action["context"]["default_move_type"] == "out_refund"
    credit = action["res_id"]
    row = odoo_api.read_one(
        "account.move", credit, ["move_type", "state", "amount_total", "reversed_entry_id", "payment_state"]
    )
    assert (row["move_type"], row["state"], row["amount_total"], row["reversed_entry_id"][0]) == (
        "out_refund",
        "draft",
        61.77,
        invoice,
    )
    assert odoo_api.call("account.move", "action_post", [[credit]]) is False
    # Posted, the reversal is reconciled with the invoice's open receivable: nothing is left to pay back.
    assert odoo_api.read_one("account.move", credit, ["payment_state"])["payment_state"] == "paid"
    assert odoo_api.read_one("account.move", invoice, ["payment_state"])["payment_state"] == "reversed"
    fault = odoo_api.fault(
        "account.payment.register",
        "create",
        [{}],
        {"context": {"active_model": "account.move", "active_ids": [credit]}},
    )
    # a UserError (worded differently in 19: "There's nothing left to pay ..."): nothing to pay back
    assert fault.faultCode == 2
    assert "nothing left to pay" in fault.faultString


def test_lowering_a_quantity_alone_reprices_the_line_so_synco_writes_its_price_with_it(
    odoo_api: OdooApi, refs: Refs, customer: Any, catalogue: Catalogue
) -> None:
    """Odoo 18 recomputes an uninvoiced line's price from the pricelist (here the list price, 25.00) when its
    quantity changes: a price Synco set (22.50, a discount netted in) is lost unless written in the same write."""
    order = odoo_api.call(
        "sale.order",
        "create",
        [
            {
                "partner_id": customer.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": catalogue.shirt,
                            "product_uom_qty": 3,
                            "price_unit": 22.5,
                            "discount": 0.0,
                            odoo_api.f.tax: [(6, 0, [refs.tax15])],
                        },
                    )
                ],
            }
        ],
    )
    odoo_api.discard_later(order)
    odoo_api.call("sale.order", "action_confirm", [[order]])
    [line] = odoo_api.read_one("sale.order", order, ["order_line"])["order_line"]

    odoo_api.call("sale.order", "write", [[order], {"order_line": [(1, line, {"product_uom_qty": 2})]}])
    assert odoo_api.read_one("sale.order.line", line, ["product_uom_qty", "price_unit"]) == {
        "id": line,
        "product_uom_qty": 2.0,
        "price_unit": 25.0,
    }

    odoo_api.call(
        "sale.order",
        "write",
        [[order], {"order_line": [(1, line, {"product_uom_qty": 1, "price_unit": 22.5, "discount": 0.0})]}],
    )
    assert odoo_api.read_one("sale.order.line", line, ["product_uom_qty", "price_unit", "discount"]) == {
        "id": line,
        "product_uom_qty": 1.0,
        "price_unit": 22.5,
        "discount": 0.0,
    }
    assert odoo_api.read_one("sale.order", order, ["amount_total"])["amount_total"] == 25.88
