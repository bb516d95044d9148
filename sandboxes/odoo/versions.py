"""The Odoo versions the sandbox plays: one table per version, and what the server logs on 19.

Every version-dependent name, text and behaviour of the sandbox is read from its :class:`OdooProfile`
(``env.profile``); the model classes declare Odoo 18's fields (the canonical names), and the registry adds,
drops, renames or redefines them for the version it is built for.

Sources:

* **19** follows ``shared/odoo19-external-api.md`` (run on a real 19.0+e-20251227).
* **18** is the *current* 18.0 build (18.0+e-20260607, re-checked read-only in the 19 notes); where the
  notes only say what its source does (booked payments), that is marked. The older build of
  ``shared/odoo18-external-api.md`` (18.0+e-20241005) differs in the texts and behaviours noted below.
* **17** was never run against a real server: its entries come from the Odoo 17 source as we know it
  (storable products are ``type='product'`` with ``detailed_type``, no ``is_storable``, no ``has_access``,
  ``check_access_rights`` returns a bool, the payment's memo is ``ref``, the pre-2025 fault texts). Everything
  else is as in 18. Its build string is made up.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .fields import ON_CREATE, Boolean, Field, Float, Many2one, Selection

SUPPORTED_VERSIONS = (17, 18, 19)
DEFAULT_VERSION = 18

_DEPRECATION = (
    "The /xmlrpc, /xmlrpc/2 and /jsonrpc endpoints are deprecated in Odoo 19 and scheduled for removal in "
    "Odoo 20. Please report the problem to the client making the request.\n"
    "Mute this logger: --log-handler {logger}:ERROR\n"
    "https://www.odoo.com/documentation/latest/developer/reference/external_api.html"
    "#migrating-from-xml-rpc-json-rpc"
)

# The groups Odoo lists in an AccessError, per kind of refusal (see access.py).
_GROUPS_18 = {
    "sale": (
        "Inventory/User",
        "Invoicing/Invoicing",
        "Sales/Administrator",
        "Sales/User: Own Documents Only",
        "Technical/Show Accounting Features - Readonly",
        "Technical/Show Full Accounting Features",
        "User types/Portal",
    ),
    "sale_write": ("Sales/Administrator", "Sales/User: Own Documents Only"),
    "product": (
        "Extra Rights/Product Creation",
        "Inventory/Administrator",
        "Invoicing/Administrator",
        "Sales/Administrator",
    ),
}
_GROUPS_19 = {
    **_GROUPS_18,
    "sale": (
        "Accounting/Invoicing",
        "Inventory/User",
        "Sales/Administrator",
        "Sales/User: Own Documents Only",
        "Role / Portal",
        "Show Accounting Features - Readonly",
        "Show Full Accounting Features",
    ),
    "product": ("Products/Create",),
}


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class OdooProfile:
    """One Odoo version as the sandbox plays it: its version answer, its names and its behaviours."""

    major: int
    server_version: str
    sources: str  # where this table's facts come from
    # -- models, fields, methods -----------------------------------------------------------------
    removed_models: frozenset[str] = frozenset()
    removed_fields: Mapping[str, frozenset[str]] = field(default_factory=lambda: _frozen({}))
    # model -> {canonical (18) name: this version's name}
    renamed_fields: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _frozen({}))
    # model -> {name: definition}: fields this version adds or defines differently
    field_overrides: Mapping[str, Mapping[str, Field]] = field(default_factory=lambda: _frozen({}))
    missing_methods: frozenset[str] = frozenset()  # ORM methods this version does not have (yet)
    # method -> {the sandbox's (Odoo 18) parameter name: this version's}: what JSON-2 binds by name
    renamed_parameters: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _frozen({}))
    private_methods: frozenset[str] = frozenset()  # public names this version refuses as private
    # -- texts -----------------------------------------------------------------------------------
    private_method_text: str = "Private methods (such as '{model}.{method}') cannot be called remotely."
    unknown_method_text: str = "The method '{model}.{method}' does not exist"
    invalid_value_field_text: str = "Invalid field {field!r} on model {model!r}"  # create / write
    invalid_nested_field_text: str = "Invalid field {field!r} on model {model!r}"  # in x2many commands
    invalid_read_field_text: str = "Invalid field {field!r} on model {model!r}"  # read's fields
    invalid_domain_field_text: str = "Invalid field {model}.{field} in leaf {leaf!r}"
    nothing_left_to_pay_text: str = (
        "You can't register a payment because there is nothing left to pay on the selected journal items."
    )
    # A NOT NULL column left empty (create / write without a required field)
    mandatory_field_text: str = (
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        "Model: {model_description} ({model})\nField: {field_string} ({field})\n"
    )
    # The same NOT NULL violation in a load() message; "linked" when it is the _inherits parent's column
    load_mandatory_field_text: str = "Missing required value for the field '{field_string}' ({field})"
    load_mandatory_linked_text: str = (
        "Missing required value for the field '{field}' on a linked model [{table}]"
    )
    # A many2one to a missing record that only the database's foreign key notices (see Field.unchecked_on)
    foreign_key_text: str = (
        "The operation cannot be completed: another model requires the record being deleted. If possible, "
        "archive it instead.\n\nModel: {model_description} ({model})\nConstraint: {table}_{field}_fkey\n"
    )
    # stock.picking.button_validate with nothing reserved (or counted) on any move
    no_quantities_text: str = "You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities."
    access_groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen(_GROUPS_18))
    # -- behaviours ------------------------------------------------------------------------------
    storable_product: Mapping[str, Any] = field(
        default_factory=lambda: _frozen({"type": "consu", "is_storable": True})
    )
    goods_types: frozenset[str] = frozenset({"consu"})  # product types that make stock moves
    storable_types: frozenset[str] = frozenset()  # product types that hold stock by themselves (17)
    cancel_wizard: bool = True  # sale.order.action_cancel on a confirmed order answers sale.order.cancel
    # A draft invoice's (or credit note's) name until it is posted, Odoo's _compute_name: 18 and 19 number only a
    # posted move and leave a draft's name False (checked on real 18.0 and 19.0: wizard, create, reversal); 17 marks
    # it '/' but numbers at once the first draft of its journal in a period (_get_last_sequence() finds none), as
    # the older 18.0 build did (18.0+e-20241005: a fresh database's first draft read INV/2026/00001).
    draft_invoice_name: Any = False
    numbers_first_draft_of_period: bool = False
    # display_name of a draft without a number: 17 "Draft Invoice (* 7)", 18 and 19 "Draft Invoice" (then " (ref)")
    draft_display_name_shows_id: bool = False
    booked_payment_state: str = "in_process"  # a registered payment's state (it is booked and reconciled)
    picking_origin_with_client_ref: bool = False  # a delivery's origin "<order> - <client_order_ref>"
    validating_a_done_picking_is_harmless: bool = True  # else "no quantities are reserved"
    inventory_names_the_user: bool = True  # "Product Quantity Updated (<counting user>)"
    check_access_rights_returns_none: bool = True  # with raise_exception (the default): the None-fault
    load_refuses_unknown_columns: bool = False  # load(): ValueError, not an error message
    # product.attribute.value's unique(name, attribute_id) ("value_company_uniq"): in 17, dropped in 18 (its source)
    unique_attribute_value_names: bool = False
    # A domain compares a datetime to the whole second in 19 ('>' a row's own stamp misses it, '=' finds it);
    # until 18 the stored microseconds count (tests/contract/odoo/test_stock_levels.py, not in the 19 notes).
    datetimes_compare_to_the_second: bool = False
    # A domain that is not a list: 19 refuses it with Domain()'s TypeError (and False matches nothing),
    # before that normalize_domain's AssertionError.
    domain_type_error: bool = False
    # res.partner.write reads each written name on the records first (19): an unknown one is a KeyError
    partner_write_reads_values: bool = False
    # stock.quant created without inventory_mode but with inventory_quantity counts as set (19: the computed
    # inventory_quantity_set has no default any more)
    counts_quants_created_outside_inventory_mode: bool = False
    rpc_deprecated: bool = False  # a WARNING per /xmlrpc or /jsonrpc request
    logs_request_errors: bool = False  # odoo.http logs each failed request (WARNING <message> or ERROR)
    jsonrpc_error_code: int = 200

    # -- the version answer ----------------------------------------------------------------------
    @property
    def server_serie(self) -> str:
        return f"{self.major}.0"

    @property
    def server_version_info(self) -> list[Any]:
        return [self.major, 0, 0, "final", 0, ""]

    def version_info(self) -> dict[str, Any]:
        """``common.version()``'s answer."""
        return {
            "server_version": self.server_version,
            "server_version_info": self.server_version_info,
            "server_serie": self.server_serie,
            "protocol_version": 1,
        }

    # -- names and texts -------------------------------------------------------------------------
    def field_name(self, model: str, canonical: str) -> str:
        """This version's name of a field the model classes declare under its Odoo 18 name."""
        return self.renamed_fields.get(model, {}).get(canonical, canonical)

    def adjust_fields(self, model: str, fields: dict[str, Field]) -> dict[str, Field]:
        """A model's declared (Odoo 18) fields as this version has them, in declaration order."""
        removed = self.removed_fields.get(model, frozenset())
        renamed = self.renamed_fields.get(model, {})
        adjusted: dict[str, Field] = {}
        for name, definition in fields.items():
            if name not in removed:
                adjusted[renamed.get(name, name)] = definition
        adjusted.update(
            {name: copy.copy(definition) for name, definition in self.field_overrides.get(model, {}).items()}
        )
        return adjusted

    def private_method_message(self, model: str, method: str) -> str:
        return self.private_method_text.format(model=model, method=method)

    def unknown_method_message(self, model: str, method: str) -> str:
        return self.unknown_method_text.format(model=model, method=method)

    def invalid_field_message(self, model: str, name: str, kind: str = "values") -> str:
        """``kind``: 'values' (create/write), 'nested' (inside x2many commands) or 'read'."""
        text = {
            "values": self.invalid_value_field_text,
            "nested": self.invalid_nested_field_text,
            "read": self.invalid_read_field_text,
        }[kind]
        return text.format(model=model, field=name)

    def invalid_domain_field_message(self, model: str, name: str, leaf: Any) -> str:
        return self.invalid_domain_field_text.format(model=model, field=name, leaf=leaf)

    def mandatory_field_message(
        self, model_description: str, model: str, field_string: str, name: str
    ) -> str:
        return self.mandatory_field_text.format(
            model_description=model_description, model=model, field_string=field_string, field=name
        )

    def foreign_key_message(self, model_description: str, model: str, field_string: str, name: str) -> str:
        return self.foreign_key_text.format(
            model_description=model_description,
            model=model,
            table=model.replace(".", "_"),
            field_string=field_string,
            field=name,
        )

    # -- products --------------------------------------------------------------------------------
    def is_goods(self, product_type: Any) -> bool:
        """A product that makes stock moves (delivered through pickings)."""
        return product_type in self.goods_types

    def is_storable(self, product_type: Any, is_storable: Any) -> bool:
        """A product that holds stock (has quants): 'product' in 17, 'consu' + is_storable since 18."""
        return product_type in self.storable_types or (product_type == "consu" and bool(is_storable))


# Odoo 17's product types: 'product' is the storable one (stock adds it); detailed_type mirrors type.
_TYPES_17 = [("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]

ODOO_17 = OdooProfile(
    major=17,
    server_version="17.0+e-20260601",  # made up: no 17 server was run
    sources="Odoo 17 source as we know it; not verified on a real server",
    removed_fields=_frozen(
        {
            "product.template": frozenset({"is_storable"}),
            "account.tax": frozenset({"price_include_override"}),  # 18 made price_include computed
        }
    ),
    renamed_fields=_frozen({"account.payment": _frozen({"memo": "ref"})}),
    field_overrides=_frozen(
        {
            "product.template": _frozen(
                {
                    "type": Selection(_TYPES_17, "Product Type", required=True, default="consu"),
                    "detailed_type": Selection(_TYPES_17, "Product Type", required=True, default="consu"),
                }
            ),
            "account.tax": _frozen({"price_include": Boolean("Included in Price", default=False)}),
        }
    ),
    missing_methods=frozenset({"has_access", "check_access"}),  # both new in 18
    private_method_text="Private methods (such as {method}) cannot be called remotely.",
    unknown_method_text="The method '{method}' does not exist on the model '{model}'",
    storable_product=_frozen({"type": "product"}),
    goods_types=frozenset({"consu", "product"}),
    storable_types=frozenset({"product"}),
    # As the older 18.0 build (18.0+e-20241005) behaves, which kept 17's code for these (not verified on 17).
    picking_origin_with_client_ref=True,
    validating_a_done_picking_is_harmless=False,
    inventory_names_the_user=False,
    check_access_rights_returns_none=False,  # 17 returns True (or raises)
    draft_invoice_name="/",  # 17's source, not run (see OdooProfile)
    numbers_first_draft_of_period=True,
    draft_display_name_shows_id=True,
    unique_attribute_value_names=True,
)

ODOO_18 = OdooProfile(
    major=18,
    server_version="18.0+e-20260607",
    sources=(
        "current 18.0 build (18.0+e-20260607; shared/odoo19-external-api.md re-checked it read-only); "
        "shared/odoo18-external-api.md (18.0+e-20241005) where nothing changed since"
    ),
    # 18.0+e-20241005 answered a confirmed order's delivery origin "<order> - <client_order_ref>", refused a
    # second button_validate, named inventory moves "Product Quantity Updated" and left payments without a
    # journal entry in the default setup (a second payment was accepted). The current build: the order name,
    # True, the counting user's name appended, and (from its source, not run) the payment booked and reconciled.
)

ODOO_19 = OdooProfile(
    major=19,
    server_version="19.0+e-20251227",
    sources="shared/odoo19-external-api.md (run on a real 19.0+e-20251227)",
    removed_models=frozenset(
        {"sale.order.cancel"}
    ),  # also procurement.group, stock.quant.package, uom.category
    removed_fields=_frozen(
        {
            "res.partner": frozenset({"mobile", "title"}),
            "stock.move": frozenset({"name"}),  # read reference / description_picking
            "stock.picking": frozenset({"move_ids_without_package"}),
            "product.template": frozenset({"uom_po_id"}),
        }
    ),
    renamed_fields=_frozen(
        {
            "sale.order.line": _frozen({"tax_id": "tax_ids", "product_uom": "product_uom_id"}),
            "res.users": _frozen({"groups_id": "group_ids"}),
        }
    ),
    field_overrides=_frozen(
        {
            "uom.uom": _frozen(
                {
                    "relative_factor": Float("Contains", default=1.0),
                    "relative_uom_id": Many2one("uom.uom", "Reference Unit"),
                }
            ),
            "product.template": _frozen(
                {"uom_id": Many2one("uom.uom", "Unit", required=True, default=1, unchecked_on=ON_CREATE)}
            ),
            # Checked on the real 19 (res.company read, fields_get): a fresh company rounds globally.
            "res.company": _frozen(
                {
                    "tax_calculation_rounding_method": Selection(
                        [("round_globally", "Round per Tax"), ("round_per_line", "Round per Line")],
                        "Tax Calculation Rounding Method",
                        default="round_globally",
                    )
                }
            ),
            # The address types lost their " Address" (a nameless child reads "<parent>, Delivery").
            "res.partner": _frozen(
                {
                    "type": Selection(
                        [
                            ("contact", "Contact"),
                            ("invoice", "Invoice"),
                            ("delivery", "Delivery"),
                            ("other", "Other"),
                        ],
                        "Address Type",
                        default="contact",
                    )
                }
            ),
        }
    ),
    renamed_parameters=_frozen({"default_get": _frozen({"fields_list": "fields"})}),
    private_methods=frozenset({"check_access", "exists", "browse", "sudo", "search_fetch"}),
    invalid_value_field_text="Invalid field {field!r} in {model!r}",
    invalid_read_field_text="Invalid field {field!r} on {model!r}",
    invalid_domain_field_text="Invalid field {model}.{field} in condition {leaf!r}",
    nothing_left_to_pay_text=(
        "There's nothing left to pay for the selected journal items, so no payment registration is "
        "necessary. You've got your finances under control like a boss!"
    ),
    mandatory_field_text=(
        "The operation cannot be completed: Missing required value for the field '{field_string}' ({field}).\n"
        "Model: '{model_description}' ({model})\n"
        "- create/update: a mandatory field is not set\n"
        "- delete: another model requires the record being deleted, you can archive it instead\n"
    ),
    foreign_key_text=(
        "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n"
        "The troublemaker is: '{model_description}' ({model})\n"
        "Thanks to the following constraint: '{field_string}' ({field})\n"
        "How about archiving the record instead?"
    ),
    # load(): the linked text checked on real 19.0 (a variant row without its template's name); the own-column
    # one is 19's NOT NULL text without its "The operation cannot be completed: " (not checked)
    load_mandatory_field_text=(
        "Missing required value for the field '{field_string}' ({field}).\n"
        "Model: '{model_description}' ({model})\n"
        "- create/update: a mandatory field is not set\n"
        "- delete: another model requires the record being deleted, you can archive it instead\n"
    ),
    load_mandatory_linked_text=(
        "Missing required value for the field '{field_string}' ({field}).\n"
        "Model: Unknown\n"
        "- create/update: a mandatory field is not set\n"
        "- delete: another model requires the record being deleted, you can archive it instead\n"
    ),
    no_quantities_text=(
        "Transfer trouble alert! Validating a zero quantity transfer? You're not moving invisible goods around "
        "are you?\nSet some quantities and let's get moving!"
    ),
    access_groups=_frozen(_GROUPS_19),
    cancel_wizard=False,
    booked_payment_state="paid",
    load_refuses_unknown_columns=True,
    datetimes_compare_to_the_second=True,
    domain_type_error=True,
    partner_write_reads_values=True,
    counts_quants_created_outside_inventory_mode=True,
    rpc_deprecated=True,
    logs_request_errors=True,
    jsonrpc_error_code=0,
)

PROFILES = {profile.major: profile for profile in (ODOO_17, ODOO_18, ODOO_19)}


def profile_for(version: int | str | OdooProfile) -> OdooProfile:
    """The profile of a major version (17, 18, 19; '19' and '19.0' work too)."""
    if isinstance(version, OdooProfile):
        return version
    text = str(version).split(".", 1)[0]
    if not text.isdigit() or int(text) not in PROFILES:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        raise ValueError(f"the Odoo sandbox plays Odoo {supported}, not {version!r}")
    return PROFILES[int(text)]


def deprecation_warning(path: str, profile: OdooProfile) -> None:
    """Odoo 19 logs a WARNING for every /xmlrpc, /xmlrpc/2 or /jsonrpc request (the endpoints go in 20)."""
    if not profile.rpc_deprecated:
        return
    endpoint = "jsonrpc" if path.startswith("/jsonrpc") else "xmlrpc"
    name = f"odoo.addons.rpc.controllers.{endpoint}"
    logging.getLogger(name).warning(_DEPRECATION.format(logger=name))
