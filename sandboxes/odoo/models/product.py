"""Products (template + one variant each, tied by ``_inherits``), categories, pricelists."""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..fields import ON_CREATE, Boolean, Char, Float, Integer, Many2many, Many2one, One2many, Selection, Text
from ..orm import Environment, Model

PRODUCT_TYPES = [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]  # 17's: versions.py


def _default_sale_taxes(model: Model) -> list[int]:
    company = model.db.get("res.company", 1) or {}
    tax = company.get("account_sale_tax_id")
    return [tax] if tax else []


def format_list(items: list[str]) -> str:
    """Babel's English list format, which Odoo uses in messages: 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def product_display_name(code: Any, name: Any) -> str:
    return f"[{code}] {name}" if code else str(name or "")


class ProductCategory(Model):
    _name = "product.category"
    _description = "Product Category"
    name = Char("Name", required=True)
    parent_id = Many2one("product.category", "Parent Category")


class ProductPricelist(Model):
    _name = "product.pricelist"
    _description = "Pricelist"
    _order = "sequence, id"
    name = Char("Pricelist Name", required=True)
    currency_id = Many2one("res.currency", "Currency", required=True, default=1)
    company_id = Many2one("res.company", "Company")
    sequence = Integer("Sequence", default=16)
    active = Boolean("Active", default=True)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        currency = self.db.get("res.currency", rec.get("currency_id") or 0) or {}
        return f"{rec.get('name')} ({currency.get('name')})"


def is_goods(env: Environment, product_id: Any) -> bool:
    """A product delivered through stock moves: goods (consumable or storable), not a service or a combo."""
    products = env["product.product"]
    return bool(product_id) and env.profile.is_goods(products.value(product_id, "type"))


def is_storable(env: Environment, product_id: Any) -> bool:
    """A product that holds stock (quants): 'product' in Odoo 17, 'consu' with is_storable since 18."""
    if not product_id:
        return False
    products = env["product.product"]
    tracked = products.value(product_id, "is_storable") if "is_storable" in products.fields_by_name else False
    return env.profile.is_storable(products.value(product_id, "type"), tracked)


class ProductTemplate(Model):
    _name = "product.template"
    _description = "Product"
    _order = "name"
    _rec_names_search = ("name", "default_code")
    name = Char("Name", required=True)
    default_code = Char("Internal Reference")
    barcode = Char("Barcode")
    type = Selection(PRODUCT_TYPES, "Product Type", required=True, default="consu")
    is_storable = Boolean("Track Inventory", default=False)
    list_price = Float("Sales Price", default=1.0)
    standard_price = Float("Cost", default=0.0)
    taxes_id = Many2many("account.tax", "Sales Taxes", default=_default_sale_taxes)
    supplier_taxes_id = Many2many("account.tax", "Purchase Taxes", default=lambda model: [])
    invoice_policy = Selection(
        [("order", "Ordered quantities"), ("delivery", "Delivered quantities")],
        "Invoicing Policy",
        default="order",
    )
    sale_ok = Boolean("Can be Sold", default=True)
    purchase_ok = Boolean("Can be Purchased", default=True)
    uom_id = Many2one("uom.uom", "Unit of Measure", required=True, default=1, unchecked_on=ON_CREATE)
    uom_po_id = Many2one("uom.uom", "Purchase Unit", required=True, default=1)
    categ_id = Many2one("product.category", "Product Category", default=1)
    description_sale = Text("Sales Description")
    description = Text("Description")
    weight = Float("Weight")
    volume = Float("Volume")
    tracking = Selection(
        [("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "By Quantity")],
        "Tracking",
        default="none",
    )
    company_id = Many2one("res.company", "Company")
    active = Boolean("Active", default=True)
    product_variant_ids = One2many("product.product", "product_tmpl_id", "Products")
    product_variant_id = Many2one("product.product", "Product", compute="_compute_variant")
    qty_available = Float("Quantity On Hand", compute="_compute_variant_quantity")
    virtual_available = Float("Forecasted Quantity", compute="_compute_variant_quantity")

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        return product_display_name(rec.get("default_code"), rec.get("name"))

    def _variants(self, record_id: int) -> list[int]:
        return (
            self.env["product.product"]
            .with_context(active_test=False)
            .children_of("product_tmpl_id", record_id)
        )

    def _compute_variant(self, record_id: int, name: str) -> Any:
        variants = self._variants(record_id)
        return variants[0] if variants else False

    def _compute_variant_quantity(self, record_id: int, name: str) -> Any:
        products = self.env["product.product"]
        return sum(float(products.value(v, name)) for v in self._variants(record_id))

    def _sync_detailed_type(self, vals: dict[str, Any]) -> dict[str, Any]:
        """Odoo 17's ``_sanitize_vals``: ``type`` and ``detailed_type`` follow each other (no-op since 18)."""
        if "detailed_type" not in self.fields_by_name:
            return vals
        vals = dict(vals)
        if "type" in vals and "detailed_type" not in vals:
            vals["detailed_type"] = vals["type"]
        elif "detailed_type" in vals and "type" not in vals:
            vals["type"] = vals["detailed_type"]
        return vals

    def create_record(self, vals: dict[str, Any]) -> int:
        template_id = super().create_record(self._sync_detailed_type(vals))
        if self.context.get("create_product_product", True):
            Model.create_record(
                self.env["product.product"].with_context(create_product_product=False),
                {"product_tmpl_id": template_id},
            )
        self.env.flags["drop_auth_cache"] = True
        return template_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        super().write_records(ids, self._sync_detailed_type(vals))

    def _check_constraints(self, ids: list[int]) -> None:
        barcodes = {str(self.raw(rid).get("barcode")) for rid in ids if self.raw(rid).get("barcode")}
        problems = []
        for barcode in sorted(barcodes):
            holders = sorted(
                rid
                for rid, rec in self.table().items()
                if rec.get("barcode") == barcode and rec.get("active", True)
            )
            if len(holders) > 1:
                names = [self.display_name_of(rid) for rid in holders]
                problems.append(f'- Barcode "{barcode}" already assigned to product(s): {format_list(names)}')
        if problems:
            raise ValidationError(
                "Barcode(s) already assigned:\n\n"
                + "\n".join(problems)
                + "\n\nNote: products that you don't have access to will not be shown above."
            )


class ProductProduct(Model):
    _name = "product.product"
    _description = "Product Variant"
    _order = "default_code, name, id"
    _inherits = {"product.template": "product_tmpl_id"}
    _rec_names_search = ("default_code", "name", "barcode")
    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade")
    lst_price = Float("Sales Price", compute="_compute_lst_price", inverse="_inverse_lst_price")
    code = Char("Reference", compute="_compute_code")
    partner_ref = Char("Customer Ref", compute="_compute_display_name")
    qty_available = Float("Quantity On Hand", compute="_compute_quantities")
    free_qty = Float("Free To Use Quantity", compute="_compute_quantities")
    virtual_available = Float("Forecasted Quantity", compute="_compute_quantities")
    incoming_qty = Float("Incoming", compute="_compute_quantities")
    outgoing_qty = Float("Outgoing", compute="_compute_quantities")

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        return product_display_name(self.value(record_id, "default_code"), self.value(record_id, "name"))

    def _compute_lst_price(self, record_id: int, name: str) -> Any:
        return self.value(record_id, "list_price")

    def _inverse_lst_price(self, record_id: int, value: Any) -> None:
        self.write_records([record_id], {"list_price": value})

    def _compute_code(self, record_id: int, name: str) -> Any:
        return self.value(record_id, "default_code")

    def _compute_quantities(self, record_id: int, name: str) -> Any:
        from .stock import product_quantities, scope_from_context

        return product_quantities(self.env, record_id, scope_from_context(self.env))[name]

    def create_record(self, vals: dict[str, Any]) -> int:
        plain = self.with_context(create_product_product=False)
        product_id = Model.create_record(plain, vals)
        self.env.flags["drop_auth_cache"] = True
        return product_id

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        templates = sorted({int(self.raw(rid)["product_tmpl_id"]) for rid in ids})
        super().unlink_records(ids)
        templates_model = self.env.model(ProductTemplate)
        for template in templates:
            if templates_model.exists_id(template) and not templates_model._variants(template):
                templates_model.unlink_records([template])
