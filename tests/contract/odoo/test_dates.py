"""Invoice and payment dates: `invoice_date` written on the draft invoice is kept by posting (Odoo sets today only
when it is empty), and the register wizard's `payment_date` is the payment's date; both plain dates."""

from __future__ import annotations

import contextlib
import xmlrpc.client
from typing import Any

from .conftest import OdooApi


def _draft_invoice(api: OdooApi, spec_order: Any) -> int:
    order = int(spec_order())
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    ctx = {"context": {"active_model": "sale.order", "active_ids": [order], "active_id": order}}
    wizard = api.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], ctx)
    # Without a payment term the wizard's None result faults after the invoice is made (see test_invoicing).
    with contextlib.suppress(xmlrpc.client.Fault):
        api.call("sale.advance.payment.inv", "create_invoices", [[wizard]], ctx)
    [invoice] = api.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"]
    return int(invoice)


def test_posting_keeps_the_invoice_date_written_on_the_draft(odoo_api: OdooApi, spec_order: Any) -> None:
    invoice = _draft_invoice(odoo_api, spec_order)
    assert odoo_api.read_one("account.move", invoice, ["state", "invoice_date"]) == {
        "id": invoice,
        "state": "draft",
        "invoice_date": False,
    }

    assert odoo_api.call("account.move", "write", [[invoice], {"invoice_date": "2026-11-21"}]) is True
    odoo_api.call("account.move", "action_post", [[invoice]])

    row = odoo_api.read_one("account.move", invoice, ["state", "invoice_date", "date"])
    assert (row["state"], row["invoice_date"], row["date"]) == ("posted", "2026-11-21", "2026-11-21")


def test_the_payment_is_dated_as_the_wizard_says(odoo_api: OdooApi, spec_order: Any) -> None:
    invoice = _draft_invoice(odoo_api, spec_order)
    odoo_api.call("account.move", "write", [[invoice], {"invoice_date": "2026-11-21"}])
    odoo_api.call("account.move", "action_post", [[invoice]])
    ctx = {"context": {"active_model": "account.move", "active_ids": [invoice]}}

    wizard = odoo_api.call("account.payment.register", "create", [{"payment_date": "2026-11-22"}], ctx)
    action = odoo_api.call("account.payment.register", "action_create_payments", [[wizard]], ctx)

    payment = action["res_id"]
    assert odoo_api.read_one("account.payment", payment, ["date", "amount"]) == {
        "id": payment,
        "date": "2026-11-22",
        "amount": 61.77,
    }
    after = odoo_api.read_one("account.move", invoice, ["payment_state", "invoice_date"])
    assert (after["payment_state"], after["invoice_date"]) == ("paid", "2026-11-21")
