"""Sales: orders, lines, the invoicing wizard and the cancel wizard."""

from __future__ import annotations

from typing import Any

from .. import tools
from ..errors import UserError, ValidationError
from ..fields import (
    ON_CREATE,
    Boolean,
    Date,
    Datetime,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
    Text,
)
from ..fields import Char as CharField
from ..orm import Environment, Model, api_records, write_stamp
from .base import ResPartner
from .product import is_goods
from .taxes import LineAmounts, compute_line, document_totals

ORDER_STATES = [
    ("draft", "Quotation"),
    ("sent", "Quotation Sent"),
    ("sale", "Sales Order"),
    ("cancel", "Cancelled"),
]
INVOICE_STATUS = [
    ("upselling", "Upselling Opportunity"),
    ("invoiced", "Fully Invoiced"),
    ("to invoice", "To Invoice"),
    ("no", "Nothing to Invoice"),
]
NOTHING_TO_INVOICE = (
    "Cannot create an invoice. No items are available to invoice.\n\n"
    "To resolve this issue, please ensure that:\n"
    "   \u2022 The products have been delivered before attempting to invoice them.\n"
    "   \u2022 The invoicing policy of the product is configured correctly.\n\n"
    "If you want to invoice based on ordered quantities instead:\n"
    "   \u2022 For consumable or stockable products, open the product, go to the 'General Information' tab and"
    " change the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n"
    "   \u2022 For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.\n"
)
INVOICE_FORM_VIEW_ID = 236


class SaleOrder(Model):
    _name = "sale.order"
    _description = "Sales Order"
    _order = "date_order desc, id desc"
    _rec_names_search = ("name", "client_order_ref")
    name = CharField("Order Reference", required=True, default="New")
    partner_id = Many2one("res.partner", "Customer", required=True)
    partner_invoice_id = Many2one("res.partner", "Invoice Address", required=True, unchecked_on=ON_CREATE)
    partner_shipping_id = Many2one("res.partner", "Delivery Address", required=True)
    client_order_ref = CharField("Customer Reference")
    origin = CharField("Source Document")
    note = Html("Terms and conditions")
    date_order = Datetime("Order Date", required=True, default=lambda model: tools.now_string())
    validity_date = Date("Expiration")
    commitment_date = Datetime("Delivery Date")
    pricelist_id = Many2one("product.pricelist", "Pricelist")
    currency_id = Many2one("res.currency", "Currency", compute="_compute_currency")
    state = Selection(ORDER_STATES, "Status", default="draft")
    locked = Boolean("Locked", default=False)
    # Online payment on the portal and its share (the company's defaults: off, 100 %); checked on save
    require_payment = Boolean("Online payment", default=False)
    prepayment_percent = Float("Prepayment percentage", default=1.0)
    order_line = One2many("sale.order.line", "order_id", "Order Lines")
    amount_untaxed = Monetary("Untaxed Amount", compute="_compute_amounts")
    amount_tax = Monetary("Taxes", compute="_compute_amounts")
    amount_total = Monetary("Total", compute="_compute_amounts")
    invoice_status = Selection(INVOICE_STATUS, "Invoice Status", compute="_compute_invoice_status")
    invoice_ids = Many2many("account.move", "Invoices", compute="_compute_invoices")
    invoice_count = Integer("Invoice Count", compute="_compute_invoices")
    payment_term_id = Many2one("account.payment.term", "Payment Terms", unchecked_on=ON_CREATE)
    user_id = Many2one("res.users", "Salesperson", default=lambda model: model.env.uid)
    team_id = Many2one("crm.team", "Sales Team", default=1, unchecked_on=ON_CREATE)
    company_id = Many2one("res.company", "Company", required=True, default=1)
    warehouse_id = Many2one("stock.warehouse", "Warehouse", required=True, default=1)
    picking_ids = One2many("stock.picking", "sale_id", "Transfers")
    delivery_count = Integer("Delivery Orders", compute="_compute_delivery")
    delivery_status = Selection(
        [
            ("pending", "Not Delivered"),
            ("started", "Started"),
            ("partial", "Partially Delivered"),
            ("full", "Fully Delivered"),
        ],
        "Delivery Status",
        compute="_compute_delivery",
    )
    effective_date = Datetime("Effective Date", compute="_compute_delivery")
    type_name = CharField("Type Name", compute="_compute_type_name")

    # -- computed fields -------------------------------------------------------------------------
    def _compute_currency(self, record_id: int, name: str) -> Any:
        pricelist = self.raw(record_id).get("pricelist_id")
        if pricelist and self.env["product.pricelist"].exists_id(pricelist):
            return self.env["product.pricelist"].raw(pricelist)["currency_id"]
        return (self.db.get("res.company", self.raw(record_id).get("company_id") or 1) or {}).get(
            "currency_id", 1
        )

    def line_ids(self, record_id: int) -> list[int]:
        return self.env["sale.order.line"].children_of("order_id", record_id)

    def _compute_amounts(self, record_id: int, name: str) -> Any:
        lines = self.env.model(SaleOrderLine)
        amounts: list[LineAmounts] = [lines.amounts(lid) for lid in self.line_ids(record_id)]
        untaxed, tax, total = document_totals(amounts)
        return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total}[name]

    def _compute_invoice_status(self, record_id: int, name: str) -> Any:
        if self.raw(record_id).get("state") != "sale":
            return "no"
        lines = self.env["sale.order.line"]
        statuses = [
            lines.value(lid, "invoice_status")
            for lid in self.line_ids(record_id)
            if not lines.raw(lid).get("display_type")
        ]
        if "to invoice" in statuses:
            return "to invoice"
        if statuses and all(status == "invoiced" for status in statuses):
            return "invoiced"
        return "no"

    def _compute_invoices(self, record_id: int, name: str) -> Any:
        lines = self.env.model(SaleOrderLine)
        moves = sorted({int(mid) for lid in self.line_ids(record_id) for mid in lines.invoice_move_ids(lid)})
        return moves if name == "invoice_ids" else len(moves)

    def _compute_delivery(self, record_id: int, name: str) -> Any:
        pickings = self.env["stock.picking"].with_context(active_test=False)
        picking_ids = pickings.children_of("sale_id", record_id)
        states = [pickings.value(pid, "state") for pid in picking_ids]
        if name == "delivery_count":
            return len(picking_ids)
        if name == "effective_date":
            done = sorted(
                str(pickings.raw(p)["date_done"]) for p in picking_ids if pickings.raw(p).get("date_done")
            )
            return done[0] if done else False
        if not states or all(state == "cancel" for state in states):
            return False
        if all(state in ("done", "cancel") for state in states):
            return "full"
        lines = self.env["sale.order.line"]
        if "done" in states and any(lines.value(lid, "qty_delivered") for lid in self.line_ids(record_id)):
            return "partial"
        if "done" in states:
            return "started"
        return "pending"

    def _compute_type_name(self, record_id: int, name: str) -> Any:
        return (
            "Quotation" if self.raw(record_id).get("state") in ("draft", "sent", "cancel") else "Sales Order"
        )

    # -- ORM overrides ---------------------------------------------------------------------------
    def _address_defaults(self, vals: dict[str, Any]) -> None:
        partner = vals.get("partner_id")
        partners = self.env.model(ResPartner)
        if not (isinstance(partner, int) and partners.exists_id(partner)):
            return
        addresses = partners.address_get_for([partner], ["delivery", "invoice"])
        if not vals.get("partner_invoice_id"):
            vals["partner_invoice_id"] = addresses["invoice"]
        if not vals.get("partner_shipping_id"):
            vals["partner_shipping_id"] = addresses["delivery"]
        if "payment_term_id" not in vals:
            vals["payment_term_id"] = partners.raw(partner).get("property_payment_term_id") or False

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals)
        if vals.get("name", "New") == "New":
            vals["name"] = f"S{self.db.next_sequence('sale.order'):05d}"
        self._address_defaults(vals)
        record_id = super().create_record(vals)
        self._check_prepayment_percent([record_id])
        return record_id

    def _check_prepayment_percent(self, ids: list[int]) -> None:
        """Odoo's @api.constrains('prepayment_percent'): a ValidationError raised when the records are saved."""
        for rid in ids:
            rec = self.raw(rid)
            value = rec.get("prepayment_percent")
            percent = 1.0 if value is None else float(value)
            if rec.get("require_payment") and not 0 < percent <= 1.0:
                raise ValidationError("Prepayment percentage must be a valid percentage.")

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        vals = dict(vals)
        if vals.get("partner_id"):
            self._address_defaults(vals)
        super().write_records(ids, vals)
        if "require_payment" in vals or "prepayment_percent" in vals:
            self._check_prepayment_percent(ids)
        if "order_line" in vals:
            self.sync_deliveries([rid for rid in ids if self.raw(rid).get("state") == "sale"])

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        if any(self.raw(rid).get("state") not in ("draft", "cancel") for rid in ids):
            raise UserError(
                "You can not delete a sent quotation or a confirmed sales order. You must first cancel it."
            )
        super().unlink_records(ids)

    def sync_deliveries(self, ids: list[int]) -> None:
        from .stock import sync_order_deliveries

        for rid in ids:
            sync_order_deliveries(self.env, rid)

    # -- actions ---------------------------------------------------------------------------------
    @api_records
    def action_confirm(self, ids: list[int]) -> bool:
        self._check_existing(ids)
        if any(self.raw(rid).get("state") not in ("draft", "sent") for rid in ids):
            raise UserError("Some orders are not in a state requiring confirmation.")
        for rid in ids:
            # Odoo overwrites date_order with the confirmation time.
            self.db.update(
                self._name,
                rid,
                {"state": "sale", "date_order": tools.now_string(), "write_date": write_stamp(self.env)},
            )
        self.sync_deliveries(ids)
        return True

    @api_records
    def action_cancel(self, ids: list[int]) -> Any:
        self._check_existing(ids)
        if any(self.raw(rid).get("locked") for rid in ids):
            raise UserError("You cannot cancel a locked order. Please unlock it first.")
        # Odoo 19 has no cancel wizard: it cancels at once, whatever was delivered, invoiced or paid.
        show_wizard = (
            self.env.profile.cancel_wizard
            and not self.context.get("disable_cancel_warning")
            and any(self.raw(rid).get("state") != "draft" for rid in ids)
        )
        if show_wizard:
            if len(ids) != 1:
                raise ValueError(f"Expected singleton: {self._name}{tuple(ids)!r}")
            return {
                "name": f"Cancel {self.value(ids[0], 'type_name')}",
                "view_mode": "form",
                "res_model": "sale.order.cancel",
                "view_id": 1187,
                "type": "ir.actions.act_window",
                "context": {
                    "default_order_id": ids[0],
                    "mark_so_as_canceled": True,
                    "default_template_id": 13,
                },
                "target": "new",
            }
        self.cancel_orders(ids)
        return True

    def cancel_orders(self, ids: list[int]) -> None:
        from .stock import StockPicking

        pickings = self.env.model(StockPicking)
        moves = self.env["account.move"]
        for rid in ids:
            open_pickings = [
                p
                for p in pickings.children_of("sale_id", rid)
                if pickings.value(p, "state") not in ("done", "cancel")
            ]
            if open_pickings:
                pickings.cancel_pickings(open_pickings)
            for invoice in self.value(rid, "invoice_ids"):
                if moves.raw(invoice).get("state") == "draft":
                    self.db.update("account.move", invoice, {"state": "cancel"})
            self.db.update(self._name, rid, {"state": "cancel"})

    @api_records
    def action_draft(self, ids: list[int]) -> bool:
        self._check_existing(ids)
        for rid in ids:
            if self.raw(rid).get("state") in ("cancel", "sent"):
                self.db.update(self._name, rid, {"state": "draft"})
        return True

    @api_records
    def action_lock(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            self.db.update(self._name, rid, {"locked": True})

    @api_records
    def action_unlock(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            self.db.update(self._name, rid, {"locked": False})

    @api_records
    def action_quotation_sent(self, ids: list[int]) -> None:
        self._check_existing(ids)
        if any(self.raw(rid).get("state") != "draft" for rid in ids):
            raise UserError("Only draft orders can be marked as sent directly.")
        for rid in ids:
            self.db.update(self._name, rid, {"state": "sent"})

    @api_records
    def action_view_invoice(self, ids: list[int], invoices: Any = False) -> dict[str, Any]:
        self._check_existing(ids)
        invoice_ids = (
            list(invoices)
            if invoices
            else sorted({inv for rid in ids for inv in self.value(rid, "invoice_ids")})
        )
        action: dict[str, Any] = {
            "id": 243,
            "name": "Invoices",
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "list,kanban,form,activity",
            "target": "current",
            "binding_type": "action",
        }
        if len(invoice_ids) > 1:
            action["domain"] = [["id", "in", invoice_ids]]
        elif len(invoice_ids) == 1:
            action["views"] = [[INVOICE_FORM_VIEW_ID, "form"]]
            action["res_id"] = invoice_ids[0]
        else:
            action = {"type": "ir.actions.act_window_close"}
        context: dict[str, Any] = {"default_move_type": "out_invoice"}
        if len(ids) == 1:
            rec = self.raw(ids[0])
            partner_term = (self.db.get("res.partner", rec["partner_id"]) or {}).get(
                "property_payment_term_id"
            )
            context.update(
                default_partner_id=rec["partner_id"],
                default_partner_shipping_id=rec.get("partner_shipping_id"),
                # None when neither the order nor the partner has a term: XML-RPC then cannot marshal it.
                default_invoice_payment_term_id=rec.get("payment_term_id") or partner_term or None,
                default_invoice_origin=rec.get("name"),
            )
        action["context"] = context
        return action


class SaleOrderLine(Model):
    _name = "sale.order.line"
    _description = "Sales Order Line"
    _order = "order_id, sequence, id"
    order_id = Many2one("sale.order", "Order Reference", required=True, ondelete="cascade")
    sequence = Integer("Sequence", default=10)
    display_type = Selection([("line_section", "Section"), ("line_note", "Note")], "Display Type")
    product_id = Many2one("product.product", "Product")
    product_template_id = Many2one("product.template", "Product Template", compute="_compute_template")
    name = Text("Description", required=True)
    product_uom_qty = Float("Quantity", default=1.0, digits="Product Unit of Measure")
    product_uom = Many2one("uom.uom", "Unit of Measure")
    price_unit = Float("Unit Price", default=0.0, digits="Product Price")
    discount = Float("Discount (%)", default=0.0, digits="Discount")
    tax_id = Many2many("account.tax", "Taxes")
    price_subtotal = Monetary("Subtotal", compute="_compute_amount")
    price_tax = Float("Total Tax", compute="_compute_amount")
    price_total = Monetary("Total", compute="_compute_amount")
    currency_id = Many2one("res.currency", "Currency", compute="_compute_from_order")
    state = Selection(ORDER_STATES, "Order Status", compute="_compute_from_order")
    order_partner_id = Many2one("res.partner", "Customer", compute="_compute_from_order")
    company_id = Many2one("res.company", "Company", compute="_compute_from_order")
    is_delivery = Boolean("Is a Delivery", default=False)
    customer_lead = Float("Lead Time", default=0.0)
    qty_delivered_method = Selection(
        [("manual", "Manual"), ("analytic", "Analytic From Expenses"), ("stock_move", "Stock Moves")],
        "Method to update delivered qty",
        compute="_compute_delivered_method",
    )
    qty_delivered = Float(
        "Delivery Quantity", compute="_compute_qty_delivered", inverse="_inverse_qty_delivered"
    )
    qty_invoiced = Float("Invoiced Quantity", compute="_compute_invoicing")
    qty_to_invoice = Float("Quantity To Invoice", compute="_compute_invoicing")
    invoice_status = Selection(INVOICE_STATUS, "Invoice Status", compute="_compute_invoicing")
    invoice_lines = Many2many("account.move.line", "Invoice Lines", compute="_compute_invoice_lines")
    move_ids = One2many("stock.move", "sale_line_id", "Stock Moves")

    def amounts(self, record_id: int) -> LineAmounts:
        rec = self.raw(record_id)
        if rec.get("display_type"):
            return LineAmounts(0.0, 0.0, 0.0, ())
        return compute_line(
            self.env,
            rec.get("price_unit") or 0.0,
            rec.get("product_uom_qty") or 0.0,
            rec.get("discount") or 0.0,
            rec.get(self.field_name("tax_id")) or [],
            self.env["sale.order"].value(rec["order_id"], "currency_id") if rec.get("order_id") else None,
        )

    def _compute_amount(self, record_id: int, name: str) -> Any:
        return getattr(self.amounts(record_id), name)

    def _compute_template(self, record_id: int, name: str) -> Any:
        product = self.raw(record_id).get("product_id")
        return self.env["product.product"].raw(product)["product_tmpl_id"] if product else False

    def _compute_from_order(self, record_id: int, name: str) -> Any:
        order = self.raw(record_id)["order_id"]
        field = {"order_partner_id": "partner_id"}.get(name, name)
        return self.env["sale.order"].value(order, field)

    def _compute_delivered_method(self, record_id: int, name: str) -> Any:
        if is_goods(self.env, self.raw(record_id).get("product_id")):
            return "stock_move"
        return "manual"

    def _compute_qty_delivered(self, record_id: int, name: str) -> Any:
        if self._compute_delivered_method(record_id, name) != "stock_move":
            return float(self.raw(record_id).get("qty_delivered_manual") or 0.0)
        from .stock import delivered_quantity

        return delivered_quantity(self.env, record_id)

    def _inverse_qty_delivered(self, record_id: int, value: Any) -> None:
        self.db.update(self._name, record_id, {"qty_delivered_manual": float(value or 0.0)})

    def invoice_line_ids(self, record_id: int) -> list[int]:
        return self.db.ids_containing("account.move.line", "sale_line_ids", record_id)

    def invoice_move_ids(self, record_id: int) -> list[int]:
        moves = self.env["account.move"]
        found = {
            self.db.table("account.move.line")[lid]["move_id"] for lid in self.invoice_line_ids(record_id)
        }
        return [m for m in found if moves.raw(m).get("move_type") in ("out_invoice", "out_refund")]

    def _compute_invoice_lines(self, record_id: int, name: str) -> Any:
        return self.invoice_line_ids(record_id)

    def _compute_invoicing(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        moves = self.env["account.move"]
        invoiced = 0.0
        for lid in self.invoice_line_ids(record_id):
            line = self.db.table("account.move.line")[lid]
            move = moves.raw(line["move_id"])
            if move.get("state") == "cancel":
                continue
            sign = -1.0 if move.get("move_type") == "out_refund" else 1.0
            invoiced += sign * float(line.get("quantity") or 0.0)
        if name == "qty_invoiced":
            return invoiced
        state = self.value(record_id, "state")
        if state != "sale" or rec.get("display_type"):
            to_invoice = 0.0
        else:
            product = rec.get("product_id")
            policy = self.env["product.product"].value(product, "invoice_policy") if product else "order"
            basis = (
                float(rec.get("product_uom_qty") or 0.0)
                if policy == "order"
                else float(self.value(record_id, "qty_delivered"))
            )
            to_invoice = basis - invoiced
        if name == "qty_to_invoice":
            return to_invoice
        if state != "sale" or rec.get("display_type"):
            return "no"
        if not tools.float_is_zero(to_invoice):
            return "to invoice"
        if invoiced >= float(rec.get("product_uom_qty") or 0.0):
            return "invoiced"
        return "no"

    def _product_defaults(self, vals: dict[str, Any], explicit: set[str]) -> None:
        product = vals.get("product_id")
        products = self.env["product.product"]
        if not (isinstance(product, int) and products.exists_id(product)):
            return
        if "name" not in explicit or not vals.get("name"):
            description = products.value(product, "description_sale")
            display = products.display_name_of(product)
            vals["name"] = f"{display}\n{description}" if description else display
        if "price_unit" not in explicit:
            vals["price_unit"] = products.value(product, "lst_price")
        taxes, unit = self.field_name("tax_id"), self.field_name("product_uom")
        if taxes not in explicit:
            vals[taxes] = [[6, 0, list(products.value(product, "taxes_id"))]]
        if unit not in explicit:
            vals[unit] = products.value(product, "uom_id")

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals)
        if vals.get("display_type") or self.context.get("default_display_type"):
            vals.update(product_id=False, price_unit=0.0, product_uom_qty=0.0, customer_lead=0.0)
            vals[self.field_name("product_uom")] = False
        else:
            self._product_defaults(vals, set(vals))
        line_id = super().create_record(vals)
        order = self.raw(line_id)["order_id"]
        orders = self.env.model(SaleOrder)
        if orders.raw(order).get("state") == "sale" and not self.context.get("skip_delivery_sync"):
            orders.sync_deliveries([order])
        return line_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        self._check_existing(ids)
        vals = dict(vals)
        if "display_type" in vals and any(
            self.raw(rid).get("display_type") != (vals["display_type"] or False) for rid in ids
        ):
            raise UserError(
                "You cannot change the type of a sale order line. Instead you should delete the current "
                "line and create a new line of the proper type."
            )
        if vals.get("product_id"):
            self._product_defaults(vals, set(vals))
        self._check_confirmed_write(ids, vals)
        super().write_records(ids, vals)
        if "product_uom_qty" in vals and "price_unit" not in vals:
            self._reprice(ids)
        if {"product_uom_qty", "product_id"} & set(vals):
            orders = sorted({self.raw(rid)["order_id"] for rid in ids})
            sale_orders = self.env.model(SaleOrder)
            sale_orders.sync_deliveries([o for o in orders if sale_orders.raw(o).get("state") == "sale"])

    def _reprice(self, ids: list[int]) -> None:
        """Odoo 18's `_compute_price_unit` runs again when a quantity changes (confirmed orders too): a line
        not invoiced yet gets its pricelist price back (the list price here), whatever price was written."""
        products = self.env["product.product"]
        for rid in ids:
            rec = self.raw(rid)
            if rec.get("display_type") or not rec.get("product_id"):
                continue
            if float(self.value(rid, "qty_invoiced")) > 0:
                continue
            self.db.update(self._name, rid, {"price_unit": products.value(rec["product_id"], "lst_price")})

    def _check_confirmed_write(self, ids: list[int], vals: dict[str, Any]) -> None:
        """Odoo 18's refusals on a confirmed order's lines: a locked order's protected fields (sale), and an
        ordered quantity below what was delivered (sale_stock's `_update_line_quantity`)."""
        protected = {self.field_name(name) for name in LOCKED_PROTECTED_FIELDS} & set(vals)
        orders = self.env.model(SaleOrder)
        if protected and any(orders.raw(self.raw(rid)["order_id"]).get("locked") for rid in ids):
            raise UserError(
                "It is forbidden to modify the following fields in a locked order:\n"
                + "\n".join(self.fields_by_name[name].string for name in sorted(protected))
            )
        if "product_uom_qty" not in vals:
            return
        wanted = float(vals["product_uom_qty"] or 0.0)
        changed = [
            rid
            for rid in ids
            if self.value(rid, "state") == "sale"
            and not tools.float_is_zero(float(self.raw(rid).get("product_uom_qty") or 0.0) - wanted)
        ]
        delivered = [
            float(self.value(rid, "qty_delivered"))
            for rid in changed
            if is_goods(self.env, self.raw(rid).get("product_id"))
        ]
        if delivered and wanted < max(delivered) and not tools.float_is_zero(wanted - max(delivered)):
            raise UserError(
                "The ordered quantity of a sale order line cannot be decreased below the amount already "
                "delivered. Instead, create a return in your inventory."
            )

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        if any(self.value(rid, "state") == "sale" and not self.raw(rid).get("display_type") for rid in ids):
            raise UserError(
                "Once a sales order is confirmed, you can't remove one of its lines (we need to track if "
                "something gets invoiced or delivered).\n                Set the quantity to 0 instead."
            )
        super().unlink_records(ids)


# sale.order.line._get_protected_fields() in Odoo 18 (19 names the unit and the taxes product_uom_id, tax_ids)
LOCKED_PROTECTED_FIELDS = (
    "product_id",
    "name",
    "price_unit",
    "product_uom",
    "product_uom_qty",
    "tax_id",
    "analytic_distribution",
)


class SaleOrderCancel(Model):
    """The cancel wizard of 17 and 18 (19 has none: its action_cancel cancels at once)."""

    _name = "sale.order.cancel"
    _description = "Sales Order Cancel"
    order_id = Many2one("sale.order", "Sale Order", required=True)
    template_id = Integer("Mail Template")

    @api_records
    def action_cancel(self, ids: list[int]) -> Any:
        self._check_existing(ids)
        orders = sorted({self.raw(rid)["order_id"] for rid in ids})
        return self.env.model(SaleOrder).with_context(disable_cancel_warning=True).action_cancel(orders)

    @api_records
    def action_send_mail_and_cancel(self, ids: list[int]) -> Any:
        return self.action_cancel(ids)


def _default_orders(model: Model) -> list[int]:
    if model.context.get("active_model") == "sale.order":
        return list(model.context.get("active_ids") or [])
    return []


class SaleAdvancePaymentInv(Model):
    _name = "sale.advance.payment.inv"
    _description = "Sales Advance Payment Invoice"
    advance_payment_method = Selection(
        [
            ("delivered", "Regular invoice"),
            ("percentage", "Down payment (percentage)"),
            ("fixed", "Down payment (fixed amount)"),
        ],
        "Create Invoice",
        required=True,
        default="delivered",
    )
    sale_order_ids = Many2many("sale.order", "Sales Orders", default=_default_orders)
    count = Integer("Order Count", compute="_compute_count")
    consolidated_billing = Boolean("Consolidated Billing", default=True)
    amount = Float("Down Payment")
    fixed_amount = Monetary("Down Payment Amount (Fixed)")
    deduct_down_payments = Boolean("Deduct down payments", default=True)

    def _compute_count(self, record_id: int, name: str) -> Any:
        return len(self.raw(record_id).get("sale_order_ids") or [])

    @api_records
    def create_invoices(self, ids: list[int]) -> Any:
        self._check_existing(ids)
        orders_model = self.env.model(SaleOrder)
        orders = sorted({oid for rid in ids for oid in self.raw(rid).get("sale_order_ids") or []})
        if any(self.raw(rid).get("advance_payment_method") != "delivered" for rid in ids):
            raise UserError("The Odoo sandbox only creates regular invoices, not down payments.")
        values = [vals for oid in orders if (vals := self._invoice_values(oid))]
        if not values:
            raise UserError(NOTHING_TO_INVOICE)
        if any(self.raw(rid).get("consolidated_billing") for rid in ids):
            values = _consolidated(values, len(orders))
        # Odoo creates the invoices in sudo(), which (from a user's call) drops the context's default_ keys
        # (Environment.__call__, clean_context): a default_invoice_date sent along is ignored.
        clean = Environment(
            self.env.registry,
            self.db,
            self.env.uid,
            {key: value for key, value in self.context.items() if not key.startswith("default_")},
        )
        clean.flags = self.env.flags
        invoices = [clean["account.move"].create_record(vals) for vals in values]
        return orders_model.action_view_invoice(orders, invoices)

    def _invoice_values(self, order_id: int) -> dict[str, Any] | None:
        orders = self.env.model(SaleOrder)
        lines = self.env["sale.order.line"]
        taxes, unit = lines.field_name("tax_id"), lines.field_name("product_uom")
        order = orders.raw(order_id)
        invoice_lines = []
        for lid in orders.line_ids(order_id):
            line = lines.raw(lid)
            quantity = float(lines.value(lid, "qty_to_invoice"))
            if line.get("display_type") or tools.float_is_zero(quantity):
                continue
            invoice_lines.append(
                [
                    0,
                    0,
                    {
                        "display_type": "product",
                        "product_id": line.get("product_id"),
                        "name": line.get("name"),
                        "quantity": quantity,
                        "price_unit": line.get("price_unit"),
                        "discount": line.get("discount"),
                        "tax_ids": [[6, 0, list(line.get(taxes) or [])]],
                        "product_uom_id": line.get(unit),
                        "sale_line_ids": [[6, 0, [lid]]],
                        "sequence": line.get("sequence", 10),
                    },
                ]
            )
        if not invoice_lines:
            return None
        return {
            "move_type": "out_invoice",
            "partner_id": order["partner_invoice_id"],
            "partner_shipping_id": order.get("partner_shipping_id"),
            "invoice_origin": order["name"],
            "ref": order.get("client_order_ref") or False,
            "currency_id": orders.value(order_id, "currency_id"),
            "invoice_payment_term_id": order.get("payment_term_id") or False,
            "invoice_user_id": order.get("user_id"),
            "team_id": order.get("team_id"),
            "narration": order.get("note"),
            "journal_id": 1,
            "invoice_line_ids": invoice_lines,
            "company_id": order.get("company_id") or 1,
        }


def _consolidated(values: list[dict[str, Any]], order_count: int) -> list[dict[str, Any]]:
    """Odoo's ``_create_invoices(grouped=False)`` (the wizard's consolidated_billing, its default): the orders'
    invoices merged by (company, invoice partner, currency), their origins and references joined; the lines
    renumbered when orders were merged, so that one order's lines stay together in its own order."""
    keys = ("company_id", "partner_id", "currency_id")
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    origins: dict[tuple[Any, ...], list[str]] = {}
    refs: dict[tuple[Any, ...], list[str]] = {}
    for vals in sorted(values, key=lambda v: [str(v.get(k)) for k in keys]):
        key = tuple(vals.get(k) for k in keys)
        if key in merged:
            merged[key]["invoice_line_ids"] = [*merged[key]["invoice_line_ids"], *vals["invoice_line_ids"]]
        else:
            merged[key] = dict(vals)
        origins.setdefault(key, []).append(str(vals.get("invoice_origin") or ""))
        if vals.get("ref"):
            refs.setdefault(key, []).append(str(vals["ref"]))
    result = []
    for key, vals in merged.items():
        vals["invoice_origin"] = ", ".join(dict.fromkeys(origins[key]))
        vals["ref"] = ", ".join(dict.fromkeys(refs.get(key, [])))[:2000] or False
        if len(merged) < order_count:
            vals["invoice_line_ids"] = [
                [0, 0, {**line[2], "sequence": sequence}]
                for sequence, line in enumerate(vals["invoice_line_ids"], start=1)
            ]
        result.append(vals)
    return result
