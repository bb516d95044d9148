"""An invoice's number: none while it is a draft, given when it is posted, kept when it goes back to draft.

What Synco relies on: it records ``odoo_invoice_name`` (and a credit note's) from Odoo's ``name``, and shows
the number only once Odoo gave one. Checked on real 18.0 and 19.0: a draft invoice (from the invoicing wizard,
a direct create, the reversal wizard's credit note) reads ``name`` False and ``display_name`` "Draft Invoice"
(then " (<ref>)"). Odoo 17's ``_compute_name`` (its source, not run) marks a draft '/' and "Draft Invoice (* <id>)",
except the first draft of its journal in a period, which is numbered at once: the tests open the period first.
"""

from __future__ import annotations

import datetime
from typing import Any

from .conftest import NONE_FAULT, Customer, OdooApi

DRAFT = (False, "/")  # a draft's name: False on 18 and 19, '/' on 17


def _invoice_from_the_wizard(api: OdooApi, spec_order: Any) -> int:
    order = int(spec_order())
    assert api.call("sale.order", "action_confirm", [[order]]) is True
    ctx = {"context": {"active_model": "sale.order", "active_ids": [order], "active_id": order}}
    wizard = api.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], ctx)
    assert (
        api.last_line(api.fault("sale.advance.payment.inv", "create_invoices", [[wizard]], ctx)) == NONE_FAULT
    )
    [invoice] = api.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"]
    return int(invoice)


def _direct_invoice(api: OdooApi, customer: Customer, move_type: str = "out_invoice") -> int:
    line = {"name": api.unique("names"), "quantity": 1, "price_unit": 5.0, "tax_ids": [(6, 0, [])]}
    move = api.call(
        "account.move",
        "create",
        [{"move_type": move_type, "partner_id": customer.id, "invoice_line_ids": [(0, 0, line)]}],
    )
    return int(move)


def _open_the_period(api: OdooApi, customer: Customer) -> None:
    """A posted invoice and credit note numbered this year, so the drafts below are not the first of the period
    (which Odoo 17 numbers at once)."""
    year = datetime.date.today().year
    for move_type in ("out_invoice", "out_refund"):
        numbered = api.call(
            "account.move",
            "search_count",
            [[["move_type", "=", move_type], ["state", "=", "posted"], ["date", ">=", f"{year}-01-01"]]],
        )
        if not numbered:
            move = _direct_invoice(api, customer, move_type)
            assert api.call("account.move", "action_post", [[move]]) is False


def _names(api: OdooApi, move: int) -> tuple[Any, str, str]:
    row = api.read_one("account.move", move, ["name", "display_name", "state"])
    return row["name"], row["display_name"], row["state"]


def _is_a_number(name: Any) -> bool:
    return isinstance(name, str) and name not in ("", "/")


def test_a_draft_invoice_from_the_wizard_has_no_number_until_it_is_posted(
    odoo_api: OdooApi, spec_order: Any, customer: Customer, client: Any
) -> None:
    _open_the_period(odoo_api, customer)
    invoice = _invoice_from_the_wizard(odoo_api, spec_order)

    name, display_name, state = _names(odoo_api, invoice)
    assert state == "draft"
    assert name == (False if odoo_api.version >= 18 else "/")
    assert display_name.startswith("Draft Invoice")
    assert client.read_invoice(invoice).name == ""  # what Synco records for a draft

    assert odoo_api.call("account.move", "action_post", [[invoice]]) is False
    name, display_name, state = _names(odoo_api, invoice)
    assert (state, _is_a_number(name)) == ("posted", True)
    assert display_name.startswith(name)
    assert client.read_invoice(invoice).name == name
    assert odoo_api.read_one("account.move", invoice, ["payment_reference"])["payment_reference"] == name


def test_a_created_draft_invoice_has_no_number_even_when_dated(odoo_api: OdooApi, customer: Customer) -> None:
    _open_the_period(odoo_api, customer)
    invoice = _direct_invoice(odoo_api, customer)
    name, display_name, _ = _names(odoo_api, invoice)
    assert name in DRAFT
    assert display_name == ("Draft Invoice" if odoo_api.version >= 18 else f"Draft Invoice (* {invoice})")

    odoo_api.call("account.move", "write", [[invoice], {"invoice_date": datetime.date.today().isoformat()}])
    assert _names(odoo_api, invoice)[0] in DRAFT
    # the drafts Odoo leaves unnumbered are found by that name
    assert odoo_api.call("account.move", "search", [[["id", "=", invoice], ["name", "in", list(DRAFT)]]]) == [
        invoice
    ]
    odoo_api.call("account.move", "unlink", [[invoice]])


def test_an_invoice_reset_to_draft_keeps_its_number(
    odoo_api: OdooApi, spec_order: Any, customer: Customer
) -> None:
    _open_the_period(odoo_api, customer)
    invoice = _invoice_from_the_wizard(odoo_api, spec_order)
    odoo_api.call("account.move", "action_post", [[invoice]])
    number = _names(odoo_api, invoice)[0]

    assert odoo_api.last_line(odoo_api.fault("account.move", "button_draft", [[invoice]])) == NONE_FAULT
    name, display_name, state = _names(odoo_api, invoice)
    assert (state, name) == ("draft", number)
    assert display_name.startswith(f"Draft Invoice {number}")

    odoo_api.call("account.move", "action_post", [[invoice]])
    assert _names(odoo_api, invoice)[0::2] == (number, "posted")  # posted again under the same number


def test_a_credit_note_from_the_reversal_wizard_is_numbered_when_posted(
    odoo_api: OdooApi, spec_order: Any, customer: Customer
) -> None:
    _open_the_period(odoo_api, customer)
    invoice = _invoice_from_the_wizard(odoo_api, spec_order)
    odoo_api.call("account.move", "action_post", [[invoice]])
    number = _names(odoo_api, invoice)[0]
    journal = odoo_api.read_one("account.move", invoice, ["journal_id"])["journal_id"][0]
    ctx = {"context": {"active_model": "account.move", "active_ids": [invoice]}}
    wizard = odoo_api.call(
        "account.move.reversal", "create", [{"reason": "names", "journal_id": journal}], ctx
    )
    credit = int(odoo_api.call("account.move.reversal", "refund_moves", [[wizard]], ctx)["res_id"])

    name, display_name, state = _names(odoo_api, credit)
    assert (state, name in DRAFT) == ("draft", True)
    assert display_name.startswith("Draft Credit Note")
    assert number in display_name  # its reference: "Reversal of: <invoice number>, names"

    assert odoo_api.call("account.move", "action_post", [[credit]]) is False
    name, _, state = _names(odoo_api, credit)
    assert (state, _is_a_number(name), name != number) == ("posted", True, True)
