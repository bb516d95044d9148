"""Accounting: taxes, journals, invoices (account.move), payments and the payment wizard."""

from __future__ import annotations

import textwrap
from typing import Any

from .. import tools
from ..errors import UserError
from ..fields import (
    ON_CREATE,
    Boolean,
    Char,
    Date,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
)
from ..orm import Model, api_records
from .taxes import LineAmounts, compute_line, document_totals, tax_is_price_included

MOVE_TYPES = [
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
]
PAYMENT_STATES = [
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("blocked", "Blocked"),
    ("invoicing_legacy", "Invoicing App Legacy"),
]
INVOICE_LINE_TYPES = ("product", "line_section", "line_note")
SALE_DOCUMENTS = ("out_invoice", "out_refund", "out_receipt")
NUMBERED = ("out_invoice", "out_refund")  # the documents the sandbox numbers (INV/, RINV/)
DRAFT_LABELS = {
    "out_invoice": "Draft Invoice",
    "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill",
    "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt",
    "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry",
}


class AccountTax(Model):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"
    name = Char("Tax Name", required=True)
    amount = Float("Amount", required=True, default=0.0)
    amount_type = Selection(
        [
            ("group", "Group of Taxes"),
            ("fixed", "Fixed"),
            ("percent", "Percentage"),
            ("division", "Percentage Tax Included"),
        ],
        "Tax Computation",
        required=True,
        default="percent",
    )
    type_tax_use = Selection(
        [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
        "Tax Type",
        required=True,
        default="sale",
    )
    price_include_override = Selection(
        [("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")], "Included in Price"
    )
    price_include = Boolean("Included in Price (computed)", compute="_compute_price_include", readonly=True)
    include_base_amount = Boolean("Affect Base of Subsequent Taxes", default=False)
    description = Char("Description")
    invoice_label = Char("Label on Invoices")
    sequence = Integer("Sequence", default=1)
    company_id = Many2one("res.company", "Company", required=True, default=1)
    country_id = Many2one("res.country", "Country", default=233)
    active = Boolean("Active", default=True)

    def _compute_price_include(self, record_id: int, name: str) -> Any:
        return tax_is_price_included(self.raw(record_id))


class AccountAccount(Model):
    _name = "account.account"
    _description = "Account"
    _order = "code"
    _rec_names_search = ("name", "code")
    name = Char("Account Name", required=True)
    code = Char("Code")
    account_type = Selection(
        [
            ("asset_receivable", "Receivable"),
            ("asset_cash", "Bank and Cash"),
            ("asset_current", "Current Assets"),
            ("liability_payable", "Payable"),
            ("liability_current", "Current Liabilities"),
            ("income", "Income"),
            ("expense", "Expenses"),
        ],
        "Type",
        required=True,
        default="asset_current",
    )
    reconcile = Boolean("Allow Reconciliation", default=False)
    deprecated = Boolean("Deprecated", default=False)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        return f"{rec.get('code')} {rec.get('name')}"


class AccountJournal(Model):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    name = Char("Journal Name", required=True)
    code = Char("Short Code", required=True)
    type = Selection(
        [
            ("sale", "Sales"),
            ("purchase", "Purchase"),
            ("cash", "Cash"),
            ("bank", "Bank"),
            ("credit", "Credit Card"),
            ("general", "Miscellaneous"),
        ],
        "Type",
        required=True,
    )
    sequence = Integer("Sequence", default=10)
    currency_id = Many2one("res.currency", "Currency")
    company_id = Many2one("res.company", "Company", default=1)
    active = Boolean("Active", default=True)


class AccountPaymentTerm(Model):
    _name = "account.payment.term"
    _description = "Payment Terms"
    _order = "sequence, id"
    name = Char("Payment Terms", required=True)
    note = Html("Description on the Invoice")
    sequence = Integer("Sequence", default=10)
    active = Boolean("Active", default=True)
    days = Integer("Days", default=0)


class AccountPaymentMethod(Model):
    _name = "account.payment.method"
    _description = "Payment Methods"
    name = Char("Name", required=True)
    code = Char("Code", required=True)
    payment_type = Selection([("inbound", "Inbound"), ("outbound", "Outbound")], "Type", required=True)


class AccountPaymentMethodLine(Model):
    _name = "account.payment.method.line"
    _description = "Payment Methods"
    _order = "sequence, id"
    name = Char("Name")
    sequence = Integer("Sequence", default=10)
    payment_method_id = Many2one("account.payment.method", "Payment Method", required=True)
    journal_id = Many2one("account.journal", "Journal")
    payment_account_id = Many2one("account.account", "Outstanding Receipts/Payments Account")
    payment_type = Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], "Payment Type", default="inbound"
    )

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        journal = self.db.get("account.journal", rec.get("journal_id") or 0)
        return f"{rec.get('name')} ({journal['name']})" if journal else rec.get("name")


class AccountMove(Model):
    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, id desc"
    name = Char("Number", default="/")
    ref = Char("Reference")
    move_type = Selection(MOVE_TYPES, "Type", required=True, default="entry")
    state = Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        "Status",
        required=True,
        default="draft",
    )
    partner_id = Many2one("res.partner", "Partner")
    commercial_partner_id = Many2one(
        "res.partner", "Commercial Entity", compute="_compute_commercial_partner"
    )
    partner_shipping_id = Many2one("res.partner", "Delivery Address")
    invoice_origin = Char("Origin")
    invoice_date = Date("Invoice/Bill Date")
    invoice_date_due = Date("Due Date")
    date = Date("Date", required=True, default=lambda model: tools.today_string())
    journal_id = Many2one("account.journal", "Journal", required=True, default=1)
    currency_id = Many2one("res.currency", "Currency", required=True, default=1)
    company_id = Many2one("res.company", "Company", default=1)
    invoice_payment_term_id = Many2one("account.payment.term", "Payment Terms")
    invoice_user_id = Many2one("res.users", "Salesperson")
    team_id = Many2one("crm.team", "Sales Team")
    narration = Html("Terms and Conditions")
    payment_reference = Char("Payment Reference")
    posted_before = Boolean("Posted Before", default=False)
    line_ids = One2many("account.move.line", "move_id", "Journal Items")
    invoice_line_ids = One2many(
        "account.move.line",
        "move_id",
        "Invoice lines",
        compute="_compute_invoice_lines",
        inverse="_inverse_invoice_lines",
    )
    amount_untaxed = Monetary("Untaxed Amount", compute="_compute_amounts")
    amount_tax = Monetary("Tax", compute="_compute_amounts")
    amount_total = Monetary("Total", compute="_compute_amounts")
    amount_residual = Monetary("Amount Due", compute="_compute_amounts")
    payment_state = Selection(PAYMENT_STATES, "Payment Status", compute="_compute_payment_state")
    matched_payment_ids = Many2many("account.payment", "Matched Payments")
    origin_payment_id = Many2one("account.payment", "Payment")
    reversed_entry_id = Many2one("account.move", "Reversal of")

    def _compute_commercial_partner(self, record_id: int, name: str) -> Any:
        partner = self.raw(record_id).get("partner_id")
        return self.env["res.partner"].value(partner, "commercial_partner_id") if partner else False

    def _compute_invoice_lines(self, record_id: int, name: str) -> Any:
        lines = self.env["account.move.line"]
        return [
            lid
            for lid in self.value(record_id, "line_ids")
            if lines.raw(lid).get("display_type") in INVOICE_LINE_TYPES
        ]

    def _inverse_invoice_lines(self, record_id: int, value: Any) -> None:
        self._apply_one2many(record_id, self.fields_by_name["line_ids"], value)
        self._sync_receivable_line(record_id)

    def line_amounts(self, record_id: int) -> list[LineAmounts]:
        lines = self.env.model(AccountMoveLine)
        return [
            lines.amounts(lid)
            for lid in self._compute_invoice_lines(record_id, "")
            if lines.raw(lid).get("display_type") == "product"
        ]

    def _compute_amounts(self, record_id: int, name: str) -> Any:
        untaxed, tax, total = document_totals(self.line_amounts(record_id))
        if name == "amount_residual":
            rec = self.raw(record_id)
            if rec.get("move_type") == "entry":
                return 0.0
            payments = self.env["account.payment"]
            reconciled = sum(
                float(payments.raw(pid)["amount"])
                for pid in rec.get("matched_payment_ids") or []
                if payments.exists_id(pid)
                and payments.raw(pid).get("is_reconciled")
                and payments.raw(pid).get("state") != "canceled"
            )
            # What a posted reversal (credit note <-> its invoice) reconciled, kept outside the fields.
            reconciled += float(rec.get("_reversal_reconciled") or 0.0)
            return max(tools.float_round(total - reconciled), 0.0)
        return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total}[name]

    def _compute_payment_state(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        if rec.get("move_type") == "entry" or rec.get("state") != "posted":
            return "not_paid"
        total = self._compute_amounts(record_id, "amount_total")
        residual = self._compute_amounts(record_id, "amount_residual")
        payments = self.env["account.payment"]
        paid = sum(
            float(payments.raw(pid)["amount"])
            for pid in rec.get("matched_payment_ids") or []
            if payments.exists_id(pid) and payments.raw(pid).get("state") != "canceled"
        )
        reversed_amount = float(rec.get("_reversal_reconciled") or 0.0)
        if (
            rec.get("move_type") == "out_invoice"
            and reversed_amount
            and tools.float_is_zero(residual)
            and not paid
        ):
            return "reversed"
        if tools.float_is_zero(residual) or paid >= total - 0.005:
            return "paid"
        return "partial" if paid > 0 or reversed_amount else "not_paid"

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        """Odoo's ``_get_move_display_name(show_ref=True)``: 'Draft Invoice (#1001)' (17: 'Draft Invoice (* 7) (#1001)'),
        'Draft Invoice INV/2026/00001', 'PBNK1/2026/00001 (INV/…)'."""
        rec = self.raw(record_id)
        parts = [DRAFT_LABELS[rec.get("move_type") or "entry"]] if rec.get("state") == "draft" else []
        number = rec.get("name")
        if number and number != "/":
            parts.append(number)
        elif self.env.profile.draft_display_name_shows_id:  # 17; 18 and 19 show the label alone
            parts.append(f"(* {record_id})")
        label = " ".join(parts)
        ref = rec.get("ref")
        return f"{label} ({textwrap.shorten(ref, width=50)})" if ref else label

    @staticmethod
    def _sequence_code(move_type: str, date: Any) -> tuple[str, str]:
        year = str(date or tools.today_string())[:4]
        prefix = "INV" if move_type == "out_invoice" else "RINV"
        return f"{prefix}/{year}/", f"account.move.{prefix}.{year}"

    def _next_number(self, move_type: str, date: Any) -> str:
        prefix, code = self._sequence_code(move_type, date)
        return f"{prefix}{self.db.next_sequence(code):05d}"

    def _draft_name(self, move_type: str, date: Any) -> Any:
        """An unposted invoice's name (see OdooProfile.draft_invoice_name): False in 18 and 19; in 17 '/', or a
        number at once when no move of its journal has one in that period yet."""
        profile = self.env.profile
        if profile.numbers_first_draft_of_period and not self.db.sequences.get(
            self._sequence_code(move_type, date)[1]
        ):
            return self._next_number(move_type, date)
        return profile.draft_invoice_name

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals)
        move_type = vals.get("move_type") or self.context.get("default_move_type") or "entry"
        # The invoice date may come as the context's default (sale's _create_invoices creates the invoice in
        # the caller's context); Odoo's accounting date and sequence follow it.
        invoice_date = vals.get("invoice_date") or self.context.get("default_invoice_date")
        if invoice_date and move_type != "entry":
            vals.setdefault("date", invoice_date)
        if move_type in NUMBERED and vals.get("name", "/") in ("/", False, None):
            vals["name"] = self._draft_name(move_type, invoice_date)
        move_id = super().create_record(vals)
        if move_type != "entry":
            self._sync_receivable_line(move_id)
        return move_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        self._check_existing(ids)
        locked = [name for name in ("invoice_line_ids", "line_ids") if name in vals]
        if locked and any(self.raw(rid).get("state") == "posted" for rid in ids):
            raise UserError(
                "You cannot modify the following readonly fields on a posted move: " + ", ".join(locked)
            )
        super().write_records(ids, vals)
        if vals.get("invoice_date"):
            for rid in ids:
                self._follow_invoice_date(rid)

    def _follow_invoice_date(self, move_id: int) -> None:
        """A draft invoice's accounting date follows its invoice date (Odoo's _compute_date), and a number
        from another year is dropped for the new date's (_compute_name: a move never posted whose name does not
        match its date loses it; 17 numbers it again when it is the first of that period)."""
        rec = self.raw(move_id)
        invoice_date = rec.get("invoice_date")
        if rec.get("state") != "draft" or rec.get("move_type") == "entry" or not invoice_date:
            return
        values: dict[str, Any] = {"date": invoice_date}
        name = rec.get("name")
        if rec.get("move_type") in NUMBERED and not rec.get("posted_before"):
            if name in ("/", False, None):
                # 17 numbers an unnumbered draft whose new date opens a period of its journal
                if self.env.profile.numbers_first_draft_of_period:
                    values["name"] = self._draft_name(rec["move_type"], invoice_date)
            elif str(name).split("/")[1:2] != [str(invoice_date)[:4]]:
                values["name"] = self._draft_name(rec["move_type"], invoice_date)
        self.db.update(self._name, move_id, values)

    def _sync_receivable_line(self, move_id: int) -> None:
        """Keep one receivable ('payment_term') line per invoice, which the payment wizard can target."""
        lines = self.env["account.move.line"]
        existing = [
            lid
            for lid in lines.children_of("move_id", move_id)
            if lines.raw(lid).get("display_type") == "payment_term"
        ]
        if not existing:
            lines.create_record(
                {
                    "move_id": move_id,
                    "display_type": "payment_term",
                    "name": False,
                    "account_id": 1,
                    "quantity": 1.0,
                    "price_unit": 0.0,
                }
            )

    @api_records
    def action_post(self, ids: list[int]) -> bool:
        self._check_existing(ids)
        for rid in ids:
            rec = self.raw(rid)
            if rec.get("state") != "draft":
                raise UserError(f"The entry {rec.get('name')} (id {rid}) must be in draft.")
        for rid in ids:
            rec = self.raw(rid)
            today = tools.today_string()
            invoice_date = rec.get("invoice_date") or (today if rec.get("move_type") != "entry" else False)
            values: dict[str, Any] = {"state": "posted", "posted_before": True}
            if invoice_date:
                values.update(
                    invoice_date=invoice_date,
                    invoice_date_due=rec.get("invoice_date_due") or invoice_date,
                    date=invoice_date,
                )
            if rec.get("move_type") in NUMBERED and rec.get("name") in ("/", False, None):
                values["name"] = self._next_number(rec["move_type"], invoice_date)
            if rec.get("move_type") != "entry" and not rec.get("payment_reference"):
                values["payment_reference"] = values.get("name") or rec.get("name")
            self.db.update(self._name, rid, values)
            if rec.get("move_type") in SALE_DOCUMENTS:
                self.raise_customer_rank(rec.get("partner_id"))
            if rec.get("move_type") == "out_refund" and rec.get("reversed_entry_id"):
                self._reconcile_with_reversed(rid, int(rec["reversed_entry_id"]))
        # Odoo's action_post ends with `return False` (it used to return the wizard action).
        return False

    def _reconcile_with_reversed(self, credit_id: int, invoice_id: int) -> None:
        """Odoo 18 reconciles a posted credit note with the open receivable of the invoice it reverses."""
        if self.raw(invoice_id).get("state") != "posted":
            return
        amount = min(
            float(self._compute_amounts(credit_id, "amount_residual")),
            float(self._compute_amounts(invoice_id, "amount_residual")),
        )
        if amount <= 0:
            return
        for move_id in (credit_id, invoice_id):
            done = float(self.raw(move_id).get("_reversal_reconciled") or 0.0)
            self.db.update(self._name, move_id, {"_reversal_reconciled": tools.float_round(done + amount)})

    def raise_customer_rank(self, partner_id: Any) -> None:
        """Posting a sale document (or a customer payment's entry) adds 1 to the customer_rank of the partner
        and of its commercial partner, as Odoo 18.0's `_increase_rank` does."""
        if not partner_id:
            return
        partners = self.env["res.partner"]
        commercial = partners.value(int(partner_id), "commercial_partner_id") or partner_id
        for partner in {int(partner_id), int(commercial)}:
            rank = int(partners.raw(partner).get("customer_rank") or 0)
            self.db.update("res.partner", partner, {"customer_rank": rank + 1})

    @api_records
    def button_draft(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            if self.raw(rid).get("state") not in ("posted", "cancel"):
                raise UserError("Only posted/cancelled journal entries can be reset to draft.")
            self.db.update(self._name, rid, {"state": "draft"})

    @api_records
    def button_cancel(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            if self.raw(rid).get("state") != "draft":
                raise UserError("Only draft journal entries can be cancelled.")
            self.db.update(self._name, rid, {"state": "cancel"})

    @api_records
    def action_register_payment(self, ids: list[int]) -> dict[str, Any]:
        self._check_existing(ids)
        lines = self.env["account.move.line"]
        receivables = [
            lid
            for rid in ids
            for lid in lines.children_of("move_id", rid)
            if lines.raw(lid).get("display_type") == "payment_term"
        ]
        return {
            "name": "Pay",
            "res_model": "account.payment.register",
            "view_mode": "form",
            "views": [[False, "form"]],
            "context": {"active_model": "account.move.line", "active_ids": receivables},
            "target": "new",
            "type": "ir.actions.act_window",
        }


class AccountMoveLine(Model):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "sequence, id"
    move_id = Many2one("account.move", "Journal Entry", required=True, ondelete="cascade")
    display_type = Selection(
        [
            ("product", "Product"),
            ("cogs", "Cost of Goods Sold"),
            ("tax", "Tax"),
            ("discount", "Discount"),
            ("rounding", "Rounding"),
            ("payment_term", "Payment Term"),
            ("line_section", "Section"),
            ("line_note", "Note"),
            ("epd", "Early Payment Discount"),
        ],
        "Display Type",
        required=True,
        default="product",
    )
    sequence = Integer("Sequence", default=10)
    name = Char("Label")
    product_id = Many2one("product.product", "Product")
    product_uom_id = Many2one("uom.uom", "Unit")
    quantity = Float("Quantity", default=1.0, digits="Product Unit of Measure")
    price_unit = Float("Unit Price", digits="Product Price")
    discount = Float("Discount (%)", digits="Discount")
    tax_ids = Many2many("account.tax", "Taxes")
    account_id = Many2one("account.account", "Account", default=2)
    sale_line_ids = Many2many("sale.order.line", "Sales Order Lines")
    price_subtotal = Monetary("Subtotal", compute="_compute_price")
    price_total = Monetary("Total", compute="_compute_price")
    balance = Monetary("Balance", compute="_compute_balance")
    amount_residual = Monetary("Residual Amount", compute="_compute_balance")
    partner_id = Many2one("res.partner", "Partner", compute="_compute_from_move")
    parent_state = Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        "Status",
        compute="_compute_from_move",
    )
    currency_id = Many2one("res.currency", "Currency", compute="_compute_from_move")

    def amounts(self, record_id: int) -> LineAmounts:
        rec = self.raw(record_id)
        return compute_line(
            self.env,
            rec.get("price_unit") or 0.0,
            rec.get("quantity") or 0.0,
            rec.get("discount") or 0.0,
            rec.get("tax_ids") or [],
            self.env["account.move"].raw(rec["move_id"]).get("currency_id") if rec.get("move_id") else None,
        )

    def _compute_price(self, record_id: int, name: str) -> Any:
        if self.raw(record_id).get("display_type") != "product":
            return 0.0
        amounts = self.amounts(record_id)
        return amounts.price_subtotal if name == "price_subtotal" else amounts.price_total

    def _compute_balance(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        moves = self.env["account.move"]
        if rec.get("display_type") == "payment_term":
            field = "amount_total" if name == "balance" else "amount_residual"
            return moves.value(rec["move_id"], field)
        if rec.get("display_type") == "product":
            return -self.amounts(record_id).price_subtotal if name == "balance" else 0.0
        return 0.0

    def _compute_from_move(self, record_id: int, name: str) -> Any:
        move = self.raw(record_id)["move_id"]
        moves = self.env["account.move"]
        if name == "parent_state":
            return moves.value(move, "state")
        if name == "partner_id":
            return moves.value(move, "commercial_partner_id")
        return moves.value(move, "currency_id")


class AccountPayment(Model):
    _name = "account.payment"
    _description = "Payments"
    _order = "date desc, name desc, id desc"
    name = Char("Number", default="/")
    state = Selection(
        [
            ("draft", "Draft"),
            ("in_process", "In Process"),
            ("paid", "Paid"),
            ("canceled", "Canceled"),
            ("rejected", "Rejected"),
        ],
        "Status",
        default="draft",
    )
    amount = Monetary("Amount")
    memo = Char("Memo")
    date = Date("Date", default=lambda model: tools.today_string())
    move_id = Many2one("account.move", "Journal Entry")
    is_reconciled = Boolean("Is Reconciled", default=False)
    is_matched = Boolean("Is Matched With a Bank Statement", default=False)
    partner_id = Many2one("res.partner", "Customer/Vendor")
    journal_id = Many2one("account.journal", "Journal", default=6)
    payment_method_line_id = Many2one("account.payment.method.line", "Payment Method")
    payment_type = Selection(
        [("outbound", "Send"), ("inbound", "Receive")], "Payment Type", default="inbound"
    )
    partner_type = Selection(
        [("customer", "Customer"), ("supplier", "Vendor")], "Partner Type", default="customer"
    )
    currency_id = Many2one("res.currency", "Currency", default=1)
    company_id = Many2one("res.company", "Company", default=1)
    invoice_ids = Many2many("account.move", "Invoices")
    reconciled_invoice_ids = Many2many("account.move", "Reconciled Invoices", compute="_compute_reconciled")

    def _compute_reconciled(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        return list(rec.get("invoice_ids") or []) if rec.get("is_reconciled") else []

    @api_records
    def action_cancel(self, ids: list[int]) -> bool:
        self._check_existing(ids)
        for rid in ids:
            self.db.update(self._name, rid, {"state": "canceled"})
        return True


class AccountPaymentRegister(Model):
    _name = "account.payment.register"
    _description = "Pay"
    line_ids = Many2many("account.move.line", "Journal items")
    amount = Monetary("Amount")
    journal_id = Many2one("account.journal", "Journal", default=6)
    payment_date = Date("Payment Date", required=True, default=lambda model: tools.today_string())
    payment_method_line_id = Many2one("account.payment.method.line", "Payment Method")
    communication = Char("Memo")
    partner_id = Many2one("res.partner", "Customer/Vendor")
    currency_id = Many2one("res.currency", "Currency", default=1)
    group_payment = Boolean("Group Payments", default=True)
    payment_type = Selection(
        [("outbound", "Send"), ("inbound", "Receive")], "Payment Type", default="inbound"
    )
    partner_type = Selection(
        [("customer", "Customer"), ("supplier", "Vendor")], "Partner Type", default="customer"
    )
    payment_difference = Monetary("Payment Difference", compute="_compute_difference")

    def _invoices(self, line_ids: list[int]) -> list[int]:
        lines = self.env["account.move.line"]
        return sorted({lines.raw(lid)["move_id"] for lid in line_ids if lines.exists_id(lid)})

    def _residual(self, invoices: list[int]) -> float:
        moves = self.env["account.move"]
        return tools.float_round(sum(float(moves.value(m, "amount_residual")) for m in invoices))

    def _compute_difference(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        return tools.float_round(
            self._residual(self._invoices(rec.get("line_ids") or [])) - float(rec["amount"])
        )

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals)
        moves = self.env["account.move"]
        lines = self.env["account.move.line"]
        active_model = self.context.get("active_model")
        active_ids = list(self.context.get("active_ids") or [])
        if active_model == "account.move":
            moves._check_existing(active_ids)
            line_ids = [
                lid
                for mid in active_ids
                for lid in lines.children_of("move_id", mid)
                if lines.raw(lid).get("display_type") == "payment_term"
            ]
        elif active_model == "account.move.line":
            lines._check_existing(active_ids)
            line_ids = active_ids
        else:
            raise UserError(
                "The register payment wizard should only be called on account.move or "
                "account.move.line records."
            )
        invoices = self._invoices(line_ids)
        if any(moves.raw(m).get("state") != "posted" for m in invoices):
            raise UserError("You can only register payment for posted journal entries.")
        # Odoo's default_get keeps the lines with something left to pay: an invoice already paid among several
        # is left out (the wizard refuses only when nothing is left at all).
        settled = {m for m in invoices if tools.float_is_zero(self._residual([m]))}
        if settled and len(settled) < len(invoices):
            line_ids = [lid for lid in line_ids if lines.raw(lid)["move_id"] not in settled]
            invoices = [m for m in invoices if m not in settled]
        residual = self._residual(invoices)
        if tools.float_is_zero(residual):
            raise UserError(self.env.profile.nothing_left_to_pay_text)
        first = moves.raw(invoices[0])
        journal = int(vals.get("journal_id") or 6)
        vals.setdefault("journal_id", journal)
        # A customer credit note is paid back: the wizard sends money (Odoo computes it from the lines' sign).
        vals.setdefault("payment_type", "outbound" if first.get("move_type") == "out_refund" else "inbound")
        vals["line_ids"] = [[6, 0, line_ids]]
        vals.setdefault("amount", residual)
        if "payment_method_line_id" not in vals:
            method_lines = self.env["account.payment.method.line"].search_ids(
                [["journal_id", "=", journal], ["payment_type", "=", vals["payment_type"]]]
            ) or self.env["account.payment.method.line"].search_ids([["journal_id", "=", journal]])
            vals["payment_method_line_id"] = method_lines[0] if method_lines else False
        if "communication" not in vals:
            # Odoo 18.0 (18.0-20250702): the invoice's payment reference (set to its name on posting), else its
            # ref, else its name.
            vals["communication"] = first.get("payment_reference") or first.get("ref") or first.get("name")
        vals.setdefault("partner_id", moves.value(invoices[0], "commercial_partner_id"))
        # Odoo's _compute_group_payment: True only for one batch holding one invoice; several invoices (of one
        # customer or of several) are paid one payment per invoice unless the caller groups them.
        vals.setdefault("group_payment", len(invoices) == 1)
        return super().create_record(vals)

    @api_records
    def action_create_payments(self, ids: list[int]) -> dict[str, Any]:
        self._check_existing(ids)
        payment_ids = [payment for rid in ids for payment in self._create_payments(rid)]
        action: dict[str, Any] = {
            "name": "Payments",
            "type": "ir.actions.act_window",
            "res_model": "account.payment",
            "context": {"create": False},
        }
        if len(payment_ids) == 1:
            action.update(view_mode="form", res_id=payment_ids[0])
        else:
            action.update(view_mode="list,form", domain=[["id", "in", payment_ids]])
        return action

    def _create_payments(self, wizard_id: int) -> list[int]:
        """Odoo's _create_payments: the wizard's lines in batches (one per customer, currency and direction).
        One batch of one line, or grouped (group_payment): one payment with the wizard's values; otherwise one
        payment per batch (grouped) or, without group_payment, one per line (per invoice), each for what is
        left to pay on it, its memo the invoice's own."""
        wizard = self.raw(wizard_id)
        lines, moves = self.env["account.move.line"], self.env["account.move"]
        batches: dict[tuple[Any, ...], list[int]] = {}
        for lid in wizard.get("line_ids") or []:
            if not lines.exists_id(lid):
                continue
            move = lines.raw(lid)["move_id"]
            key = (
                moves.value(move, "commercial_partner_id"),
                moves.raw(move).get("currency_id"),
                moves.raw(move).get("move_type") == "out_refund",
            )
            batches.setdefault(key, []).append(lid)
        groups = list(batches.values())
        if len(groups) == 1 and (len(groups[0]) == 1 or wizard.get("group_payment")):
            invoices = self._invoices(groups[0])
            return [
                self._create_payment(
                    wizard,
                    invoices,
                    float(wizard["amount"]),
                    wizard.get("communication"),
                    wizard.get("partner_id"),
                    wizard.get("payment_type") or "inbound",
                )
            ]
        if not wizard.get("group_payment"):
            groups = [[lid] for group in groups for lid in group]
        payment_ids = []
        for group in groups:
            invoices = self._invoices(group)
            first = moves.raw(invoices[0])
            if len(invoices) == 1:
                memo = first.get("payment_reference") or first.get("ref") or first.get("name")
            else:
                year = str(wizard.get("payment_date") or tools.today_string())[:4]
                memo = f"BATCH/{year}/{self.db.next_sequence(f'account.payment.batch.{year}'):05d}"
            payment_ids.append(
                self._create_payment(
                    wizard,
                    invoices,
                    self._residual(invoices),
                    memo,
                    moves.value(invoices[0], "commercial_partner_id"),
                    "outbound" if first.get("move_type") == "out_refund" else "inbound",
                )
            )
        return payment_ids

    def _create_payment(
        self,
        wizard: dict[str, Any],
        invoices: list[int],
        amount: float,
        memo: Any,
        partner: Any,
        payment_type: str,
    ) -> int:
        journal = self.db.get("account.journal", wizard["journal_id"]) or {}
        date = wizard.get("payment_date") or tools.today_string()
        payments = self.env["account.payment"]
        values: dict[str, Any] = {
            "amount": amount,
            payments.field_name("memo"): memo,
            "date": date,
            "partner_id": partner,
            "journal_id": wizard["journal_id"],
            "payment_method_line_id": wizard.get("payment_method_line_id"),
            "payment_type": payment_type,
            "invoice_ids": [[6, 0, invoices]],
        }
        # Every version the sandbox plays books the payment and reconciles it with the invoice: 19 (and the
        # current 18.0, from its source) takes the chart's outstanding account when the method line has none.
        # (18.0+e-20241005's default setup made no journal entry, left the residual and accepted a second payment.)
        year = date[:4]
        number = self.db.next_sequence(f"account.payment.P{journal.get('code')}.{year}")
        name = f"P{journal.get('code')}/{year}/{number:05d}"
        state = self.env.profile.booked_payment_state
        payment_id = payments.create_record({**values, "name": name, "state": state, "is_reconciled": True})
        move_id = self.env["account.move"].create_record(
            {
                "name": name,
                "move_type": "entry",
                "state": "posted",
                "journal_id": wizard["journal_id"],
                "date": date,
                "partner_id": partner,
                "ref": memo,
                "origin_payment_id": payment_id,
            }
        )
        # Posting the entry raises the rank of the customer on its receivable line.
        self.env.model(AccountMove).raise_customer_rank(partner)
        self.db.update("account.payment", payment_id, {"move_id": move_id})
        moves = self.env["account.move"]
        for invoice in invoices:
            matched = [payment_id, *(moves.raw(invoice).get("matched_payment_ids") or [])]
            self.db.update("account.move", invoice, {"matched_payment_ids": matched})
        return payment_id


def _copied_lines(env: Any, move_id: int, keys: tuple[str, ...]) -> list[list[Any]]:
    """Create commands copying a move's invoice lines (product, section and note lines) with their taxes."""
    moves, lines = env["account.move"], env["account.move.line"]
    return [
        [
            0,
            0,
            {key: lines.raw(lid).get(key) for key in keys}
            | {"tax_ids": [[6, 0, list(lines.raw(lid).get("tax_ids") or [])]]},
        ]
        for lid in moves._compute_invoice_lines(move_id, "")
    ]


LINE_KEYS = ("display_type", "name", "product_id", "quantity", "price_unit", "discount")


class AccountMoveReversal(Model):
    """The "Reverse" wizard: a draft credit note copying the invoice's lines (refund_moves / reverse_moves),
    or, with modify_moves, a posted one reconciled with it and a new draft invoice to edit (Odoo 18)."""

    _name = "account.move.reversal"
    _description = "Account Move Reversal"
    move_ids = Many2many("account.move", "Move")
    new_move_ids = Many2many("account.move", "New Move")
    date = Date("Reversal date", default=lambda model: tools.today_string())
    reason = Char("Reason displayed on Credit Note")
    # Required and without a default over RPC (the form computes it; a create without it is refused).
    journal_id = Many2one("account.journal", "Journal", required=True, unchecked_on=ON_CREATE)
    company_id = Many2one("res.company", "Company", required=True, default=1)
    currency_id = Many2one("res.currency", "Currency")
    move_type = Char("Move Type")
    residual = Monetary("Residual")

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals)
        if not vals.get("move_ids") and self.context.get("active_model") == "account.move":
            vals["move_ids"] = [[6, 0, list(self.context.get("active_ids") or [])]]
        moves = self.env["account.move"]
        ids = [i for command in vals.get("move_ids") or [] if command[0] == 6 for i in command[2]]
        moves._check_existing(ids)
        if any(moves.raw(m).get("state") != "posted" for m in ids):
            raise UserError("You can only reverse posted moves.")
        if ids:
            first = moves.raw(ids[0])
            vals.setdefault("move_type", first.get("move_type"))
            vals.setdefault("currency_id", first.get("currency_id"))
        return super().create_record(vals)

    def _reverse(self, wizard_id: int) -> list[int]:
        wizard = self.raw(wizard_id)
        moves = self.env["account.move"]
        created = []
        for move_id in wizard.get("move_ids") or []:
            move = moves.raw(move_id)
            reason = wizard.get("reason")
            ref = f"Reversal of: {move.get('name')}" + (f", {reason}" if reason else "")
            created.append(
                moves.create_record(
                    {
                        "move_type": "out_refund" if move.get("move_type") == "out_invoice" else "in_refund",
                        "partner_id": move.get("partner_id"),
                        "currency_id": move.get("currency_id"),
                        "journal_id": wizard.get("journal_id") or move.get("journal_id"),
                        "invoice_origin": move.get("invoice_origin"),
                        "ref": ref,
                        "reversed_entry_id": move_id,
                        "invoice_date": wizard.get("date") or tools.today_string(),
                        "invoice_line_ids": _copied_lines(self.env, move_id, LINE_KEYS),
                    }
                )
            )
        self.db.update(self._name, wizard_id, {"new_move_ids": created})
        return created

    @staticmethod
    def _action(move_ids: list[int], move_type: str) -> dict[str, Any]:
        action: dict[str, Any] = {
            "name": "Reverse Moves",
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "context": {"default_move_type": move_type},
        }
        if len(move_ids) == 1:
            action.update(view_mode="form", res_id=move_ids[0])
        else:
            action.update(view_mode="list,form", domain=[["id", "in", move_ids]])
        return action

    @api_records
    def refund_moves(self, ids: list[int]) -> dict[str, Any]:
        self._check_existing(ids)
        return self._action([m for rid in ids for m in self._reverse(rid)], "out_refund")

    @api_records
    def reverse_moves(self, ids: list[int], is_modify: bool = False) -> dict[str, Any]:
        return self.modify_moves(ids) if is_modify else self.refund_moves(ids)

    @api_records
    def modify_moves(self, ids: list[int]) -> dict[str, Any]:
        self._check_existing(ids)
        moves = self.env.model(AccountMove)
        new_invoices = []
        for rid in ids:
            for credit in self._reverse(rid):
                moves.action_post([credit])
                original_id = int(moves.raw(credit)["reversed_entry_id"])
                original = moves.raw(original_id)
                new_invoices.append(
                    moves.create_record(
                        {
                            "move_type": original.get("move_type"),
                            "partner_id": original.get("partner_id"),
                            "currency_id": original.get("currency_id"),
                            "journal_id": original.get("journal_id"),
                            "invoice_origin": original.get("invoice_origin"),
                            "invoice_line_ids": _copied_lines(self.env, original_id, LINE_KEYS),
                        }
                    )
                )
        return self._action(new_invoices, "out_invoice")
