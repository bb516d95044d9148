"""Products: templates and their variants (tied by ``_inherits``), categories, pricelists.

A template without attribute lines has one variant; with lines, one variant per combination of the values of its
``create_variant='always'`` attributes, kept in step by :meth:`ProductTemplate.create_variant_ids` as Odoo 18's
``_create_variant_ids`` does (addons/product/models/product_template.py). ``default_code``, ``barcode``,
``standard_price``, ``weight`` and ``volume`` live on the variant; the template shows its single variant's.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import struct
import weakref
import zlib
from typing import Any

from ..errors import UserError, ValidationError
from ..fields import (
    ON_CREATE,
    Binary,
    Boolean,
    Char,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from ..orm import Environment, Model, api_records
from .attributes import IndexedChildren

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


def _png_decodes(raw: bytes) -> bool:
    """A PNG whose chunks run to IEND and whose pixel data inflates (Pillow would open and load it)."""
    position, data = 8, b""
    while position + 8 <= len(raw):
        (length,) = struct.unpack(">I", raw[position : position + 4])
        kind = raw[position + 4 : position + 8]
        body = raw[position + 8 : position + 8 + length]
        if len(body) < length:
            return False
        if kind == b"IDAT":
            data += body
        if kind == b"IEND":
            try:
                return bool(zlib.decompress(data))
            except zlib.error:
                return False
        position += 12 + length
    return False


def _decodes_as_image(raw: bytes) -> bool:
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_decodes(raw)
    if raw.startswith(b"\xff\xd8\xff"):
        return raw.rstrip(b"\x00").endswith(b"\xff\xd9")
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return len(raw) > 13 and raw.rstrip(b"\x00").endswith(b";")
    return raw.startswith(b"BM") and len(raw) > 26


def processed_image(value: Any) -> Any:
    """What Odoo stores for an image field (fields.Image._image_process, 18 and 19): base64 text that must decode,
    and then open as an image (SVG and WebP are kept as they are); False clears it. Odoo also shrinks an image
    over 1920 px, which the sandbox (no Pillow) does not."""
    if not value:
        return False
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
    try:
        raw = base64.b64decode(text)
    except (binascii.Error, ValueError) as exc:
        raise UserError("Image is not encoded in base64.") from exc
    if not raw:
        return False
    if raw[:1] == b"<" or (raw[:4] == b"RIFF" and raw[8:15] == b"WEBPVP8"):
        return text
    if not _decodes_as_image(raw):
        raise UserError("This file could not be decoded as an image file.")
    return text


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


# The variant's own fields that the template shows (and sets) through its single variant, as Odoo's
# _get_related_fields_variant_template: written on the first variant after a template is created.
VARIANT_FIELDS = ("barcode", "default_code", "standard_price", "volume", "weight")
# Stored on the template in Odoo, recomputed when variants come or go but not when one is archived: a template
# with two variants, one archived, keeps False (checked on real 18 and 19); read here from all its variants.
STORED_FROM_VARIANT = ("default_code", "volume", "weight")
# product.dynamic_variant_limit (an ir.config_parameter, 1000 by default): new variants per template and call
VARIANT_LIMIT = 1000
# Per database: (the product.product table indexed, barcode -> ids that have held it)
_BARCODES: weakref.WeakKeyDictionary[Any, tuple[dict[int, dict[str, Any]], dict[str, set[int]]]] = (
    weakref.WeakKeyDictionary()
)


class ProductTemplate(Model):
    _name = "product.template"
    _description = "Product"
    _order = "name"
    _rec_names_search = ("name", "default_code")
    name = Char("Name", required=True)
    default_code = Char("Internal Reference", compute="_compute_from_variant", inverse="_set_default_code")
    barcode = Char("Barcode", compute="_compute_from_variant", inverse="_set_barcode")
    type = Selection(PRODUCT_TYPES, "Product Type", required=True, default="consu")
    is_storable = Boolean("Track Inventory", default=False)
    list_price = Float("Sales Price", default=1.0)
    standard_price = Float("Cost", compute="_compute_from_variant", inverse="_set_standard_price")
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
    weight = Float("Weight", compute="_compute_from_variant", inverse="_set_weight")
    volume = Float("Volume", compute="_compute_from_variant", inverse="_set_volume")
    tracking = Selection(
        [("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "By Quantity")],
        "Tracking",
        default="none",
    )
    company_id = Many2one("res.company", "Company")
    active = Boolean("Active", default=True)
    attribute_line_ids = One2many("product.template.attribute.line", "product_tmpl_id", "Product Attributes")
    valid_product_template_attribute_line_ids = Many2many(
        "product.template.attribute.line", "Valid Product Attribute Lines", compute="_compute_valid_lines"
    )
    product_variant_ids = One2many("product.product", "product_tmpl_id", "Products")
    product_variant_id = Many2one("product.product", "Product", compute="_compute_variant")
    product_variant_count = Integer("# Product Variants", compute="_compute_variant_count")
    qty_available = Float("Quantity On Hand", compute="_compute_variant_quantity")
    virtual_available = Float("Forecasted Quantity", compute="_compute_variant_quantity")
    # image.mixin: the image and its smaller copies (Odoo resizes them; the sandbox keeps the image as it is,
    # which is what Odoo does for an image already that small)
    image_1920 = Binary("Image")
    image_1024 = Binary("Image 1024", compute="_compute_image_sizes")
    image_512 = Binary("Image 512", compute="_compute_image_sizes")
    image_256 = Binary("Image 256", compute="_compute_image_sizes")
    image_128 = Binary("Image 128", compute="_compute_image_sizes")

    def _compute_image_sizes(self, record_id: int, name: str) -> Any:
        return self.raw(record_id).get("image_1920") or False

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        return product_display_name(self.value(record_id, "default_code"), self.raw(record_id).get("name"))

    def _variants(self, record_id: int) -> list[int]:
        return (
            self.env["product.product"]
            .with_context(active_test=False)
            .children_of("product_tmpl_id", record_id)
        )

    def _compute_variant(self, record_id: int, name: str) -> Any:
        variants = self.env["product.product"].children_of("product_tmpl_id", record_id)
        return variants[0] if variants else False

    def _compute_variant_count(self, record_id: int, name: str) -> Any:
        return len(self.env["product.product"].children_of("product_tmpl_id", record_id))

    def _compute_variant_quantity(self, record_id: int, name: str) -> Any:
        products = self.env["product.product"]
        return sum(float(products.value(v, name)) for v in self._variants(record_id))

    def _compute_valid_lines(self, record_id: int, name: str) -> Any:
        lines = self.env["product.template.attribute.line"]
        return [
            line
            for line in lines.children_of("product_tmpl_id", record_id)
            if lines.raw(line).get("value_ids")
        ]

    def search_ids(
        self, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        """Odoo's ``_search_barcode``: a template matches when one of its variants (archived ones too) does."""
        if isinstance(domain, (list, tuple)):
            domain = [self._barcode_leaf(term) for term in domain]
        return super().search_ids(domain, offset, limit, order)

    def _barcode_leaf(self, term: Any) -> Any:
        if not (isinstance(term, (list, tuple)) and len(term) == 3 and term[0] == "barcode"):
            return term
        products = self.env["product.product"].with_context(active_test=False)
        found = products.search_ids([["barcode", term[1], term[2]]])
        return ["id", "in", sorted({int(products.raw(p)["product_tmpl_id"]) for p in found})]

    # -- the variant's fields, through the single variant (Odoo's _compute_template_field_from_variant_field)
    def _compute_from_variant(self, record_id: int, name: str) -> Any:
        products = self.env["product.product"]
        if name in STORED_FROM_VARIANT:
            products = products.with_context(active_test=False)
        variants = products.children_of("product_tmpl_id", record_id)
        if not variants and self.context.get("active_test", True):
            variants = products.with_context(active_test=False).children_of("product_tmpl_id", record_id)
        if len(variants) == 1:
            return products.value(variants[0], name)
        return self.fields_by_name[name].null()

    def _set_on_variant(self, record_id: int, name: str, value: Any) -> None:
        products = self.env["product.product"]
        variants = products.children_of("product_tmpl_id", record_id)
        if not variants:
            variants = products.with_context(active_test=False).children_of("product_tmpl_id", record_id)
        if len(variants) == 1:
            products.write_records(variants, {name: value})

    def _set_default_code(self, record_id: int, value: Any) -> None:
        self._set_on_variant(record_id, "default_code", value)

    def _set_barcode(self, record_id: int, value: Any) -> None:
        self._set_on_variant(record_id, "barcode", value)

    def _set_standard_price(self, record_id: int, value: Any) -> None:
        self._set_on_variant(record_id, "standard_price", value)

    def _set_weight(self, record_id: int, value: Any) -> None:
        self._set_on_variant(record_id, "weight", value)

    def _set_volume(self, record_id: int, value: Any) -> None:
        self._set_on_variant(record_id, "volume", value)

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
        vals = self._sync_detailed_type(dict(vals or {}))
        self._check_field_names(vals)
        if "image_1920" in vals:
            vals["image_1920"] = processed_image(vals["image_1920"])
        related = {name: vals.pop(name) for name in VARIANT_FIELDS if name in vals}
        template_id = super().create_record(vals)
        if self.context.get("create_product_product", True):
            self.create_variant_ids([template_id])
            # Odoo writes the given variant fields on the template after creating its variants
            given = {name: value for name, value in related.items() if value}
            if given:
                self.write_records([template_id], given)
        self.env.flags["drop_auth_cache"] = True
        return template_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        vals = self._sync_detailed_type(dict(vals or {}))
        if "image_1920" in vals:
            vals["image_1920"] = processed_image(vals["image_1920"])
        super().write_records(ids, vals)
        if (self.context.get("create_product_product", True) and "attribute_line_ids" in vals) or (
            vals.get("active") and any(not self.value(rid, "product_variant_count") for rid in ids)
        ):
            self.create_variant_ids(ids)
        if "active" in vals and not vals["active"]:
            products = self.env.model(ProductProduct).with_context(active_test=False)
            variants = [v for rid in ids for v in self._variants(rid)]
            if variants:
                products.write_records(variants, {"active": False})

    # -- variants -------------------------------------------------------------------------------
    def create_variant_ids(self, ids: list[int]) -> None:
        """Odoo's ``_create_variant_ids``: one variant per combination of the active values of the template's
        lines (attributes creating variants 'always'), existing ones reactivated, the others deleted or archived."""
        products = self.env.model(ProductProduct).with_context(active_test=False)
        lines_model = self.env["product.template.attribute.line"]
        ptavs = self.env["product.template.attribute.value"].with_context(active_test=False)
        attributes = self.env["product.attribute"]
        to_create: list[dict[str, Any]] = []
        to_activate: list[int] = []
        to_unlink: list[int] = []
        for tmpl in ids:
            if not self.exists_id(tmpl):
                continue
            lines = [
                line
                for line in self.value(tmpl, "valid_product_template_attribute_line_ids")
                if attributes.raw(lines_model.raw(line)["attribute_id"]).get("create_variant") != "no_variant"
            ]
            values_of = {
                line: [
                    v for v in ptavs.children_of("attribute_line_id", line) if ptavs.raw(v).get("ptav_active")
                ]
                for line in lines
            }
            all_variants = sorted(self._variants(tmpl), key=lambda v: (bool(products.value(v, "active")), -v))
            single = [values_of[line][0] for line in lines if len(values_of[line]) == 1]
            if single:
                for variant in all_variants:
                    current = list(products.raw(variant).get("product_template_attribute_value_ids") or [])
                    combination = list(dict.fromkeys([*current, *single]))
                    lines_of = {ptavs.raw(v)["attribute_line_id"] for v in combination}
                    valid = len(combination) == len(lines) and lines_of == set(lines)
                    if valid and set(combination) != set(current):
                        products.write_records(
                            [variant], {"product_template_attribute_value_ids": [(6, 0, combination)]}
                        )
            existing = {
                frozenset(products.raw(v).get("product_template_attribute_value_ids") or []): v
                for v in all_variants
            }
            activate: list[int] = []
            dynamic = any(
                attributes.raw(lines_model.raw(line)["attribute_id"]).get("create_variant") == "dynamic"
                for line in self.value(tmpl, "valid_product_template_attribute_line_ids")
            )
            if not dynamic:
                created = 0
                for combo in itertools.product(*[values_of[line] for line in lines]):
                    key = frozenset(combo)
                    if key in existing:
                        activate.append(existing[key])
                        continue
                    to_create.append(
                        {
                            "product_tmpl_id": tmpl,
                            "product_template_attribute_value_ids": [(6, 0, list(combo))],
                            "active": bool(self.raw(tmpl).get("active", True)),
                        }
                    )
                    created += 1
                    if created > VARIANT_LIMIT:
                        raise UserError(
                            "The number of variants to generate is above allowed limit. You should either not "
                            "generate variants for each combination or generate them on demand from the sales "
                            "order. To do so, open the form view of attributes and change the mode of *Create "
                            "Variants*."
                        )
            else:
                possible = {frozenset(values) for values in itertools.product(*values_of.values())}
                activate = [variant for key, variant in existing.items() if key in possible]
            to_activate += activate
            to_unlink += [v for v in all_variants if v not in activate]
        if to_activate:
            products.write_records(to_activate, {"active": True})
        for vals in to_create:
            products.create_record(vals)
        if to_unlink:
            templates = {int(products.raw(v)["product_tmpl_id"]) for v in to_unlink}
            products.unlink_or_archive(to_unlink)
            if any(not self.exists_id(t) for t in templates):
                raise UserError(
                    "This configuration of product attributes, values, and exclusions would lead to no possible "
                    "variant. Please archive or delete your product directly if intended."
                )


class ProductProduct(IndexedChildren):
    _name = "product.product"
    _indexed_parents = ("product_tmpl_id",)
    _description = "Product Variant"
    _order = "default_code, name, id"
    _inherits = {"product.template": "product_tmpl_id"}
    _rec_names_search = ("default_code", "name", "barcode")
    _values_from_elsewhere = frozenset({*VARIANT_FIELDS, "active"})  # see value()
    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade")
    default_code = Char("Internal Reference")
    barcode = Char("Barcode")
    standard_price = Float("Cost", digits="Product Price")
    weight = Float("Weight", digits="Stock Weight")
    volume = Float("Volume", digits="Volume")
    active = Boolean("Active", default=True)
    product_template_attribute_value_ids = Many2many("product.template.attribute.value", "Attribute Values")
    # The variant's own image (none unless set on the variant): its image_1920 shows the template's then.
    image_variant_1920 = Binary("Variant Image")
    product_template_variant_value_ids = Many2many(
        "product.template.attribute.value", "Variant Values", compute="_compute_variant_values"
    )
    combination_indices = Char("Combination Indices", compute="_compute_combination_indices")
    price_extra = Float("Variant Price Extra", compute="_compute_price_extra")
    lst_price = Float("Sales Price", compute="_compute_lst_price", inverse="_inverse_lst_price")
    code = Char("Reference", compute="_compute_code")
    partner_ref = Char("Customer Ref", compute="_compute_display_name")
    qty_available = Float("Quantity On Hand", compute="_compute_quantities")
    free_qty = Float("Free To Use Quantity", compute="_compute_quantities")
    virtual_available = Float("Forecasted Quantity", compute="_compute_quantities")
    incoming_qty = Float("Incoming", compute="_compute_quantities")
    outgoing_qty = Float("Outgoing", compute="_compute_quantities")

    def value(self, record_id: int, name: str) -> Any:
        if (name in VARIANT_FIELDS or name == "active") and name not in self.raw(record_id):
            # a database saved before the variant held these fields (and its own active) kept them on its template
            template = self.db.get("product.template", self.raw(record_id).get("product_tmpl_id") or 0) or {}
            if name in template:
                return template[name]
        return super().value(record_id, name)

    def _combination_name(self, record_id: int) -> str:
        """Odoo's ``_get_combination_name``: the values, without no_variant attributes nor single-value lines."""
        ptavs = self.env["product.template.attribute.value"]
        chosen = [
            v
            for v in self.raw(record_id).get("product_template_attribute_value_ids") or []
            if ptavs.exists_id(v)
        ]
        only_active = all(ptavs.raw(v).get("ptav_active") for v in chosen)
        names = []
        for ptav in chosen:
            rec = ptavs.raw(ptav)
            attribute = self.db.get("product.attribute", rec.get("attribute_id") or 0) or {}
            if attribute.get("create_variant") == "no_variant":
                continue
            siblings = [
                s
                for s in ptavs.with_context(active_test=False).children_of(
                    "attribute_line_id", rec["attribute_line_id"]
                )
                if not only_active or ptavs.raw(s).get("ptav_active")
            ]
            if len(siblings) == 1:
                continue
            names.append(str(ptavs.value(ptav, "name") or ""))
        return ", ".join(names)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        product_name = self.value(record_id, "name")
        variant = self._combination_name(record_id)
        if variant:
            product_name = f"{product_name} ({variant})"
        return product_display_name(self.value(record_id, "default_code"), product_name)

    def _compute_variant_values(self, record_id: int, name: str) -> Any:
        ptavs = self.env["product.template.attribute.value"]
        lines = self.env["product.template.attribute.line"]
        return [
            v
            for v in self.raw(record_id).get("product_template_attribute_value_ids") or []
            if ptavs.exists_id(v) and lines.value(ptavs.raw(v)["attribute_line_id"], "value_count") > 1
        ]

    def _compute_combination_indices(self, record_id: int, name: str) -> Any:
        ids = sorted(self.raw(record_id).get("product_template_attribute_value_ids") or [])
        return ",".join(str(i) for i in ids)

    def _compute_price_extra(self, record_id: int, name: str) -> Any:
        ptavs = self.env["product.template.attribute.value"]
        return sum(
            float(ptavs.raw(v).get("price_extra") or 0.0)
            for v in self.raw(record_id).get("product_template_attribute_value_ids") or []
            if ptavs.exists_id(v)
        )

    def _compute_lst_price(self, record_id: int, name: str) -> Any:
        return float(self.value(record_id, "list_price") or 0.0) + self._compute_price_extra(record_id, name)

    def _inverse_lst_price(self, record_id: int, value: Any) -> None:
        self.write_records(
            [record_id], {"list_price": float(value or 0.0) - self._compute_price_extra(record_id, "")}
        )

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

    def _check_constraints(self, ids: list[int]) -> None:
        """Odoo's ``_check_barcode_uniqueness``: a barcode on one active product only."""
        barcodes = sorted({str(self.raw(rid).get("barcode")) for rid in ids if self.raw(rid).get("barcode")})
        if barcodes:
            self._barcode_holders(barcodes[0])  # builds the index
            self._index_barcodes(ids)
        problems = []
        for barcode in barcodes:
            holders = self._barcode_holders(barcode)
            if len(holders) > 1:
                names = [self.display_name_of(rid) for rid in self.sort_ids(holders, self._order)]
                problems.append(f'- Barcode "{barcode}" already assigned to product(s): {format_list(names)}')
        if problems:
            raise ValidationError(
                "Barcode(s) already assigned:\n\n"
                + "\n".join(problems)
                + "\n\nNote: products that you don't have access to will not be shown above."
            )

    def _barcode_holders(self, barcode: str) -> list[int]:
        """The active products with this barcode, through an index of every barcode a product has had (entries are
        only added, and checked against the record on each lookup, so a rolled back write leaves none missing)."""
        table = self.table()
        cached = _BARCODES.get(self.db)
        if cached is None or cached[0] is not table:
            index: dict[str, set[int]] = {}
            for rid, rec in table.items():
                if rec.get("barcode"):
                    index.setdefault(str(rec["barcode"]), set()).add(rid)
            cached = (table, index)
            _BARCODES[self.db] = cached
        return sorted(
            rid
            for rid in cached[1].get(barcode, ())
            if rid in table and table[rid].get("barcode") == barcode and table[rid].get("active", True)
        )

    def _index_barcodes(self, ids: list[int]) -> None:
        cached = _BARCODES.get(self.db)
        if cached is None or cached[0] is not self.table():
            return
        for rid in ids:
            barcode = self.raw(rid).get("barcode") if self.exists_id(rid) else False
            if barcode:
                cached[1].setdefault(str(barcode), set()).add(rid)

    def _referenced(self, record_id: int) -> bool:
        """Whether another record points at the variant (a sale line, a stock move, …): Odoo cannot delete it."""
        for model_name, cls in self.env.registry.models.items():
            if model_name in (self._name, "product.template"):
                continue
            fields = [
                name
                for name, field in cls.fields_by_name.items()
                if field.type == "many2one" and field.comodel == self._name and field.store
            ]
            if not fields:
                continue
            if any(self.db.ids_where(model_name, name, record_id) for name in fields):
                return True
        return False

    def unlink_or_archive(self, ids: list[int]) -> None:
        """Odoo's ``_unlink_or_archive``: variants something refers to are archived, the others deleted."""
        keep = [rid for rid in ids if self._referenced(rid)]
        gone = [rid for rid in ids if rid not in keep]
        if keep:
            self.write_records([rid for rid in keep if self.raw(rid).get("active", True)], {"active": False})
        if gone:
            self.unlink_records(gone)

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        templates = sorted({int(self.raw(rid)["product_tmpl_id"]) for rid in ids})
        super().unlink_records(ids)
        templates_model = self.env.model(ProductTemplate)
        for template in templates:
            if templates_model.exists_id(template) and not templates_model._variants(template):
                templates_model.unlink_records([template])

    def _follow_templates(self, ids: list[int]) -> None:
        """``toggle_active``: a template without active variants is archived, one with an active variant restored."""
        templates = self.env.model(ProductTemplate)
        for template in sorted({int(self.raw(rid)["product_tmpl_id"]) for rid in ids}):
            active = bool(templates.raw(template).get("active", True))
            has_active = bool(self.with_context(active_test=True).children_of("product_tmpl_id", template))
            if active and not has_active:
                templates.write_records([template], {"active": False})
            elif not active and has_active:
                templates.write_records([template], {"active": True})

    # Both answer toggle_active's None (a None-fault over XML-RPC), checked on real 18 and 19.
    @api_records
    def action_archive(self, ids: list[int]) -> None:  # type: ignore[override]
        self.write_records(ids, {"active": False})
        self._follow_templates(ids)

    @api_records
    def action_unarchive(self, ids: list[int]) -> None:  # type: ignore[override]
        self.write_records(ids, {"active": True})
        self._follow_templates(ids)
