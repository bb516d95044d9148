"""Product attributes and the template lines that make variants, as Odoo 18's ``product`` module has them.

``product.attribute`` / ``product.attribute.value`` are the shared vocabulary; a template's
``product.template.attribute.line`` picks values of one attribute, and each picked value gets a
``product.template.attribute.value`` (ptav: the value on that template, with its ``price_extra``). Whenever the
lines change, the template's variants are brought in line with the combinations (``_create_variant_ids``, in
product.py). Read from Odoo 18's addons/product/models/product_attribute*.py and product_template_attribute_*.py.
"""

from __future__ import annotations

import weakref
from typing import Any, ClassVar

from ..errors import UserError, ValidationError
from ..fields import Boolean, Char, Float, Integer, Many2many, Many2one, One2many, Selection
from ..orm import Model

CREATE_VARIANT = [("always", "Instantly"), ("dynamic", "Dynamically"), ("no_variant", "Never")]
DISPLAY_TYPES = [
    ("radio", "Radio"),
    ("pills", "Pills"),
    ("select", "Select"),
    ("color", "Color"),
    ("multi", "Multi-checkbox"),
]


# Per database and (model, many2one): the table indexed, parent id -> child ids, and the ids seen so far
_ChildIndex = tuple[
    Any, dict[Any, set[int]], set[int], list[Any]
]  # table, parent -> ids, ids seen, [size, last]
_CHILDREN: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], _ChildIndex]] = weakref.WeakKeyDictionary()


class IndexedChildren(Model):
    """``children_of`` through an index of the parent many2one instead of a scan of the table (a catalogue of
    thousands of variants). Entries are checked against the record on every lookup; records inserted behind the
    index's back are picked up by comparing the table's ids with the ids seen; a written parent is noted."""

    _indexed_parents: ClassVar[tuple[str, ...]] = ()

    def children_of(self, inverse_name: str, parent_id: int) -> list[int]:
        if inverse_name not in self._indexed_parents:
            return super().children_of(inverse_name, parent_id)
        table = self.table()
        hide_archived = "active" in self.fields_by_name and self.context.get("active_test", True)
        ids = [
            rid
            for rid in self._child_index(inverse_name).get(parent_id, ())
            if rid in table
            and table[rid].get(inverse_name) == parent_id
            and not (hide_archived and not self.value(rid, "active"))
        ]
        return self.sort_ids(ids, self._order)

    def _child_index(self, name: str) -> dict[Any, set[int]]:
        per_db = _CHILDREN.setdefault(self.db, {})
        table = self.table()
        cached = per_db.get((self._name, name))
        if cached is None or cached[0] is not table:
            cached = (table, {}, set(), [0, None])
            per_db[(self._name, name)] = cached
        _table, index, seen, mark = cached
        last = next(reversed(table), None)
        # rows are appended at the end of the table (an undone deletion too): same size and same last row, no news
        if mark != [len(table), last]:
            for rid in table.keys() - seen:
                index.setdefault(table[rid].get(name), set()).add(rid)
                seen.add(rid)
            mark[:] = [len(table), last]
        return index

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        super().write_records(ids, vals)
        self.note_parents(ids, vals or {})

    def note_parents(self, ids: list[int], vals: dict[str, Any]) -> None:
        """After a write: index the records under the parents they now have."""
        for name in self._indexed_parents:
            if name in vals:
                index = self._child_index(name)
                for rid in ids:
                    if self.exists_id(rid):
                        index.setdefault(self.raw(rid).get(name), set()).add(rid)


class OrderedByComodel(Model):
    """Odoo orders by a many2one with the comodel's own ``_order`` (the sandbox's default is its name)."""

    def _sort_key(self, record_id: int, name: str) -> tuple[int, Any]:
        field = self.fields_by_name[name]
        if field.type != "many2one" or field.comodel not in ORDERED_COMODELS:
            return super()._sort_key(record_id, name)
        target = self.value(record_id, name)
        if not target:
            return (1, ())
        comodel = self.env[str(field.comodel)].with_context(active_test=False)
        terms = [part.split()[0] for part in comodel._order.split(",")]
        return (0, tuple(comodel._sort_key(target, term) for term in terms))


class ProductAttribute(OrderedByComodel):
    _name = "product.attribute"
    _description = "Product Attribute"
    _order = "sequence, id"
    name = Char("Attribute", required=True)
    active = Boolean("Active", default=True)
    create_variant = Selection(CREATE_VARIANT, "Variant Creation", required=True, default="always")
    display_type = Selection(DISPLAY_TYPES, "Display Type", required=True, default="radio")
    sequence = Integer("Sequence", default=20)
    value_ids = One2many("product.attribute.value", "attribute_id", "Values")
    attribute_line_ids = One2many("product.template.attribute.line", "attribute_id", "Lines")
    number_related_products = Integer("Number Related Products", compute="_compute_related")
    product_tmpl_ids = Many2many("product.template", "Related Products", compute="_compute_related")

    def _compute_related(self, record_id: int, name: str) -> Any:
        lines = self.env["product.template.attribute.line"].with_context(active_test=False)
        templates = sorted(
            {
                int(rec["product_tmpl_id"])
                for rec in lines.table().values()
                if rec.get("attribute_id") == record_id
                and (name == "product_tmpl_ids" or rec.get("active", True))
            }
        )
        if name == "product_tmpl_ids":
            return templates
        return len([t for t in templates if self.env["product.template"].raw(t).get("active", True)])

    def _check_constraints(self, ids: list[int]) -> None:
        for rid in ids:
            rec = self.raw(rid)
            if rec.get("display_type") == "multi" and rec.get("create_variant") != "no_variant":
                raise ValidationError(
                    "The operation cannot be completed: Multi-checkbox display type is not compatible with "
                    "the creation of variants"
                )

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        if "create_variant" in (vals or {}):
            for rid in ids:
                if vals["create_variant"] != self.raw(rid).get("create_variant") and self.value(
                    rid, "number_related_products"
                ):
                    products = self.value(rid, "product_tmpl_ids")
                    names = ", ".join(self.env["product.template"].display_name_of(p) for p in products)
                    raise UserError(
                        f"You cannot change the Variants Creation Mode of the attribute {self.display_name_of(rid)}"
                        f" because it is used on the following products:\n{names}"
                    )
        super().write_records(ids, vals)


class ProductAttributeValue(OrderedByComodel):
    _name = "product.attribute.value"
    _description = "Attribute Value"
    _order = "attribute_id, sequence, id"
    name = Char("Value", required=True)
    sequence = Integer("Sequence")
    attribute_id = Many2one("product.attribute", "Attribute", required=True, ondelete="cascade")
    default_extra_price = Float("Default Extra Price")
    is_custom = Boolean("Free text")
    html_color = Char("Color")
    active = Boolean("Active", default=True)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        if not self.context.get("show_attribute", True):
            return self.raw(record_id).get("name")
        attribute = self.db.get("product.attribute", self.raw(record_id).get("attribute_id") or 0) or {}
        return f"{attribute.get('name')}: {self.raw(record_id).get('name')}"

    def _check_constraints(self, ids: list[int]) -> None:
        # Odoo 17's value_company_uniq (unique(name, attribute_id)); 18 dropped it: same-named values are accepted.
        if not self.env.profile.unique_attribute_value_names:
            return
        for rid in ids:
            rec = self.raw(rid)
            for other, orec in self.table().items():
                if (
                    other != rid
                    and orec.get("attribute_id") == rec.get("attribute_id")
                    and orec.get("name") == rec.get("name")
                ):
                    raise ValidationError(
                        "The operation cannot be completed: You cannot create two values with the same name "
                        "for the same attribute."
                    )

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        if "attribute_id" in (vals or {}):
            for rid in ids:
                if self.raw(rid).get("attribute_id") != vals["attribute_id"] and self._used_on(rid):
                    raise UserError(
                        f"You cannot change the attribute of the value {self.display_name_of(rid)} because it is "
                        f"used on the following products: {self._used_on(rid)}"
                    )
        super().write_records(ids, vals)

    def _used_on(self, record_id: int) -> str:
        lines = self.env["product.template.attribute.line"].with_context(active_test=False)
        templates = self.env["product.template"]
        names = [
            templates.display_name_of(rec["product_tmpl_id"])
            for rec in lines.table().values()
            if record_id in (rec.get("value_ids") or [])
            and templates.raw(rec["product_tmpl_id"]).get("active", True)
        ]
        return ", ".join(names)

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            used = self._used_on(rid)
            if used:
                raise UserError(
                    f"You cannot delete the value {self.display_name_of(rid)} because it is used on the "
                    f"following products:\n{used}\n"
                )
        super().unlink_records(ids)


class ProductTemplateAttributeLine(IndexedChildren, OrderedByComodel):
    _name = "product.template.attribute.line"
    _indexed_parents = ("product_tmpl_id",)
    _description = "Product Template Attribute Line"
    _order = "sequence, attribute_id, id"
    _rec_name = "attribute_id"
    active = Boolean("Active", default=True)
    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade")
    sequence = Integer("Sequence", default=10)
    attribute_id = Many2one("product.attribute", "Attribute", required=True, ondelete="restrict")
    value_ids = Many2many("product.attribute.value", "Values")
    value_count = Integer("Value Count", compute="_compute_value_count")
    product_template_value_ids = One2many(
        "product.template.attribute.value", "attribute_line_id", "Product Attribute Values"
    )

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        attribute = self.raw(record_id).get("attribute_id")
        return self.env["product.attribute"].display_name_of(attribute) if attribute else False

    def _compute_value_count(self, record_id: int, name: str) -> Any:
        return len(self.raw(record_id).get("value_ids") or [])

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals or {})
        # Odoo reactivates an archived line of the same template and attribute instead of creating one.
        siblings = self.with_context(active_test=False).children_of(
            "product_tmpl_id", vals.get("product_tmpl_id") or 0
        )
        archived = [
            rid
            for rid in siblings
            if not self.raw(rid).get("active", True)
            and self.raw(rid).get("attribute_id") == vals.get("attribute_id")
        ]
        if archived:
            line = min(archived)
            rest = {k: v for k, v in vals.items() if k not in ("product_tmpl_id", "attribute_id")}
            self.with_context(update_product_template_attribute_values=False).write_records(
                [line], {**rest, "active": vals.get("active", True)}
            )
        else:
            line = super().create_record(vals)
        if self.context.get("create_product_product", True):
            self._update_values([line])
        return line

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        vals = dict(vals or {})
        self._check_existing(ids)
        templates = self.env["product.template"]
        attributes = self.env["product.attribute"]
        for rid in ids:
            rec = self.raw(rid)
            if "product_tmpl_id" in vals and rec.get("product_tmpl_id") != vals["product_tmpl_id"]:
                raise UserError(
                    f"You cannot move the attribute {attributes.display_name_of(rec['attribute_id'])} from the "
                    f"product {templates.display_name_of(rec['product_tmpl_id'])} to the product "
                    f"{vals['product_tmpl_id']}."
                )
            if "attribute_id" in vals and rec.get("attribute_id") != vals["attribute_id"]:
                raise UserError(
                    f"On the product {templates.display_name_of(rec['product_tmpl_id'])} you cannot transform "
                    f"the attribute {attributes.display_name_of(rec['attribute_id'])} into the attribute "
                    f"{vals['attribute_id']}."
                )
        if not vals.get("active", True):
            vals["value_ids"] = [(5,)]
        super().write_records(ids, vals)
        if self.context.get("update_product_template_attribute_values", True):
            self._update_values(ids)

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        ptavs = self.env.model(ProductTemplateAttributeValue)
        active_values = [
            v
            for rid in ids
            for v in self.value(rid, "product_template_value_ids")
            if ptavs.raw(v).get("ptav_active")
        ]
        templates = sorted({int(self.raw(rid)["product_tmpl_id"]) for rid in ids})
        if active_values:
            ptavs.unlink_records(active_values)
        archive = [rid for rid in ids if self.exists_id(rid) and self._referenced_values(rid)]
        deletable = [rid for rid in ids if self.exists_id(rid) and rid not in archive]
        if deletable:
            super().unlink_records(deletable)
        if archive:
            self.write_records(archive, {"active": False})
        archived_templates = {int(self.raw(rid)["product_tmpl_id"]) for rid in archive}
        self.env.model(_template_class()).create_variant_ids(
            [t for t in templates if t not in archived_templates]
        )

    def _referenced_values(self, record_id: int) -> bool:
        """The line cannot be deleted while a variant still holds one of its (archived) values."""
        ptavs = self.env.model(ProductTemplateAttributeValue)
        return any(
            ptavs.value(v, "ptav_product_variant_ids")
            for v in self.value(record_id, "product_template_value_ids")
        )

    def _check_constraints(self, ids: list[int]) -> None:
        values = self.env["product.attribute.value"]
        attributes = self.env["product.attribute"]
        templates = self.env["product.template"]
        for rid in ids:
            rec = self.raw(rid)
            if rec.get("active", True) and not rec.get("value_ids"):
                raise ValidationError(
                    f"The attribute {attributes.display_name_of(rec['attribute_id'])} must have at least one value "
                    f"for the product {templates.display_name_of(rec['product_tmpl_id'])}."
                )
            for value in rec.get("value_ids") or []:
                if values.raw(value).get("attribute_id") != rec.get("attribute_id"):
                    raise ValidationError(
                        f"On the product {templates.display_name_of(rec['product_tmpl_id'])} you cannot associate "
                        f"the value {values.display_name_of(value)} with the attribute "
                        f"{attributes.display_name_of(rec['attribute_id'])} because they do not match."
                    )

    def _update_values(self, ids: list[int]) -> None:
        """Odoo's ``_update_product_template_attribute_values``: one ptav per picked value, then the variants."""
        ptavs = self.env.model(ProductTemplateAttributeValue)
        values = self.env["product.attribute.value"]
        to_create: list[dict[str, Any]] = []
        to_unlink: list[int] = []
        # archived ptavs a value picked again reuses: (template, attribute, value) -> ids
        archived: dict[tuple[Any, Any, Any], list[int]] = {}
        all_lines = self.with_context(active_test=False)
        for template in {self.raw(rid)["product_tmpl_id"] for rid in ids if self.exists_id(rid)}:
            for line in all_lines.children_of("product_tmpl_id", template):
                for pid in ptavs.children_of("attribute_line_id", line):
                    prec = ptavs.raw(pid)
                    if not prec.get("ptav_active"):
                        key = (template, prec.get("attribute_id"), prec.get("product_attribute_value_id"))
                        archived.setdefault(key, []).append(pid)
        for rid in ids:
            if not self.exists_id(rid):
                continue
            rec = self.raw(rid)
            remaining = list(rec.get("value_ids") or [])
            to_activate = []
            for ptav in ptavs.with_context(active_test=False).children_of("attribute_line_id", rid):
                prec = ptavs.raw(ptav)
                if prec["product_attribute_value_id"] not in remaining:
                    if prec.get("ptav_active"):
                        to_unlink.append(ptav)
                else:
                    remaining.remove(prec["product_attribute_value_id"])
                    if not prec.get("ptav_active"):
                        to_activate.append(ptav)
            for pav in remaining:
                found = sorted(archived.get((rec["product_tmpl_id"], rec["attribute_id"], pav), []))
                if found:
                    archived[(rec["product_tmpl_id"], rec["attribute_id"], pav)].remove(found[0])
                    ptavs.write_records([found[0]], {"ptav_active": True, "attribute_line_id": rid})
                    if found[0] in to_unlink:
                        to_unlink.remove(found[0])
                else:
                    to_create.append(
                        {
                            "product_attribute_value_id": pav,
                            "attribute_line_id": rid,
                            "price_extra": values.raw(pav).get("default_extra_price") or 0.0,
                        }
                    )
            if to_activate:
                ptavs.write_records(to_activate, {"ptav_active": True})
            if to_unlink:
                ptavs.write_records(to_unlink, {"ptav_active": False})
        if to_unlink:
            ptavs.unlink_records(to_unlink)
        made = ptavs.with_context(ptav_unique_by_construction=True)
        for vals in to_create:
            made.create_record(vals)
        templates = sorted({int(self.raw(rid)["product_tmpl_id"]) for rid in ids if self.exists_id(rid)})
        self.env.model(_template_class()).create_variant_ids(templates)


class ProductTemplateAttributeValue(IndexedChildren, OrderedByComodel):
    _name = "product.template.attribute.value"
    _indexed_parents = ("attribute_line_id",)
    _description = "Product Template Attribute Value"
    _order = "attribute_line_id, product_attribute_value_id, id"
    ptav_active = Boolean("Active", default=True)
    name = Char("Value", compute="_compute_name")
    product_attribute_value_id = Many2one(
        "product.attribute.value", "Attribute Value", required=True, ondelete="cascade"
    )
    attribute_line_id = Many2one(
        "product.template.attribute.line", "Attribute Line", required=True, ondelete="cascade"
    )
    price_extra = Float("Extra Price", default=0.0, digits="Product Price")
    # stored related fields (attribute_line_id.product_tmpl_id / .attribute_id), filled on create
    product_tmpl_id = Many2one("product.template", "Product Template", readonly=True)
    attribute_id = Many2one("product.attribute", "Attribute", readonly=True)
    ptav_product_variant_ids = Many2many(
        "product.product", "Related Variants", compute="_compute_variants", readonly=True
    )
    html_color = Char("HTML Color Index", compute="_compute_name")
    is_custom = Boolean("Is Custom", compute="_compute_name")
    color = Integer("Color")

    def _compute_name(self, record_id: int, name: str) -> Any:
        pav = self.db.get("product.attribute.value", self.raw(record_id)["product_attribute_value_id"]) or {}
        return pav.get(name, False)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        attribute = self.db.get("product.attribute", self.raw(record_id).get("attribute_id") or 0) or {}
        return f"{attribute.get('name')}: {self.value(record_id, 'name')}"

    def _compute_variants(self, record_id: int, name: str) -> Any:
        return sorted(
            pid
            for pid, rec in self.db.table("product.product").items()
            if record_id in (rec.get("product_template_attribute_value_ids") or [])
        )

    def create_record(self, vals: dict[str, Any]) -> int:
        vals = dict(vals or {})
        if "ptav_product_variant_ids" in vals:
            raise UserError(
                "You cannot update related variants from the values. Please update related values from the variants."
            )
        line = self.db.get("product.template.attribute.line", int(vals.get("attribute_line_id") or 0))
        if line is not None:
            vals["product_tmpl_id"] = line["product_tmpl_id"]
            vals["attribute_id"] = line["attribute_id"]
        return super().create_record(vals)

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        vals = dict(vals or {})
        if "ptav_product_variant_ids" in vals:
            raise UserError(
                "You cannot update related variants from the values. Please update related values from the variants."
            )
        self._check_existing(ids)
        for rid in ids:
            rec = self.raw(rid)
            if (
                "product_attribute_value_id" in vals
                and rec["product_attribute_value_id"] != vals["product_attribute_value_id"]
            ):
                raise UserError(
                    f"You cannot change the value of the value {self.display_name_of(rid)} set on product "
                    f"{self.env['product.template'].display_name_of(rec['product_tmpl_id'])}."
                )
            if "product_tmpl_id" in vals and rec["product_tmpl_id"] != vals["product_tmpl_id"]:
                raise UserError(
                    f"You cannot change the product of the value {self.display_name_of(rid)} set on product "
                    f"{self.env['product.template'].display_name_of(rec['product_tmpl_id'])}."
                )
        if "attribute_line_id" in vals:
            line = self.db.get("product.template.attribute.line", int(vals["attribute_line_id"] or 0))
            if line is not None:
                vals["product_tmpl_id"] = line["product_tmpl_id"]
                vals["attribute_id"] = line["attribute_id"]
        super().write_records(ids, vals)

    def _check_constraints(self, ids: list[int]) -> None:
        for rid in ids:
            rec = self.raw(rid)
            others = () if self.context.get("ptav_unique_by_construction") else self.table().items()
            for other, orec in others:
                if (
                    other != rid
                    and orec.get("attribute_line_id") == rec.get("attribute_line_id")
                    and orec.get("product_attribute_value_id") == rec.get("product_attribute_value_id")
                ):
                    raise ValidationError(
                        "The operation cannot be completed: Each value should be defined only once per attribute "
                        "per product."
                    )
            line = self.db.get("product.template.attribute.line", rec.get("attribute_line_id") or 0) or {}
            if rec.get("ptav_active") and rec["product_attribute_value_id"] not in (
                line.get("value_ids") or []
            ):
                raise ValidationError(
                    f"The value {self.env['product.attribute.value'].display_name_of(rec['product_attribute_value_id'])}"
                    f" is not defined for the attribute "
                    f"{self.env['product.attribute'].display_name_of(rec['attribute_id'])} on the product "
                    f"{self.env['product.template'].display_name_of(rec['product_tmpl_id'])}."
                )

    def unlink_records(self, ids: list[int]) -> None:
        """Odoo's unlink: values of single-value lines leave their variants, the other variants go (deleted or
        archived), then each value is deleted, or archived while an archived variant still holds it."""
        self._check_existing(ids)
        products = self.env.model(_product_class())
        for rid in ids:
            line = self.raw(rid)["attribute_line_id"]
            if len(self.with_context(active_test=False).children_of("attribute_line_id", line)) == 1:
                for variant in self.value(rid, "ptav_product_variant_ids"):
                    kept = [
                        v
                        for v in products.raw(variant).get("product_template_attribute_value_ids") or []
                        if v != rid
                    ]
                    products.write_records(
                        [variant], {"product_template_attribute_value_ids": [(6, 0, kept)]}
                    )
        variants = sorted({v for rid in ids for v in self.value(rid, "ptav_product_variant_ids")})
        if variants:
            products.unlink_or_archive(variants)
        archive = [rid for rid in ids if self.value(rid, "ptav_product_variant_ids")]
        deletable = [rid for rid in ids if rid not in archive]
        if deletable:
            super().unlink_records(deletable)
        if archive:
            self.write_records(archive, {"ptav_active": False})


def _template_class() -> Any:
    from .product import ProductTemplate

    return ProductTemplate


def _product_class() -> Any:
    from .product import ProductProduct

    return ProductProduct


ORDERED_COMODELS = {
    "product.attribute",
    "product.attribute.value",
    "product.template.attribute.line",
}
