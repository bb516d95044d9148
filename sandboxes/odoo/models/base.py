"""Base models: company, users, countries, currencies, modules, external ids, partners."""

from __future__ import annotations

from typing import Any

from ..errors import UserError, ValidationError
from ..fields import (
    ON_CREATE,
    ON_CREATE_AND_WRITE,
    Boolean,
    Char,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
)
from ..orm import Model, api_model, api_records

PARTNER_TYPES = [
    ("contact", "Contact"),
    ("invoice", "Invoice Address"),
    ("delivery", "Delivery Address"),
    ("other", "Other Address"),
]


class ResCompany(Model):
    _name = "res.company"
    _description = "Companies"
    name = Char("Company Name", required=True)
    currency_id = Many2one("res.currency", "Currency", required=True, default=1)
    partner_id = Many2one("res.partner", "Partner")
    country_id = Many2one("res.country", "Country")
    account_sale_tax_id = Many2one("account.tax", "Default Sale Tax")
    tax_calculation_rounding_method = Selection(
        [("round_per_line", "Round per Line"), ("round_globally", "Round Globally")],
        "Tax Calculation Rounding Method",
        default="round_per_line",
    )
    email = Char("Email")
    phone = Char("Phone")
    active = Boolean("Active", default=True)


class ResGroups(Model):
    _name = "res.groups"
    _description = "Access Groups"
    _order = "name"
    _rec_name = "full_name"
    name = Char("Name", required=True)
    full_name = Char("Group Name")  # "<category> / <name>", computed by Odoo, seeded here


class ResUsers(Model):
    _name = "res.users"
    _description = "User"
    _order = "name, login"
    name = Char("Name")
    login = Char("Login", required=True)
    partner_id = Many2one("res.partner", "Related Partner")
    company_id = Many2one("res.company", "Company", default=1)
    groups_id = Many2many("res.groups", "Groups")  # group_ids in 19
    active = Boolean("Active", default=True)
    lang = Char("Language", default="en_US")
    tz = Char("Timezone")
    share = Boolean("Share User")

    @api_model
    def context_get(self) -> dict[str, Any]:
        user = self.raw(self.env.uid) if self.exists_id(self.env.uid) else {}
        return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": self.env.uid}


class ResUsersApikeysDescription(Model):
    _name = "res.users.apikeys.description"
    _description = "API Key Description"
    name = Char("Description", required=True)
    duration = Selection(
        [
            ("1", "1 Day"),
            ("7", "1 Week"),
            ("30", "1 Month"),
            ("90", "3 Months"),
            ("180", "6 Months"),
            ("365", "1 Year"),
            ("0", "Persistent Key"),
            ("-1", "Custom Date"),
        ],
        "Duration",
        default="0",
    )
    expiration_date = Char("Expiration Date")

    @api_records
    def make_key(self, ids: list[int]) -> Any:
        # Odoo guards it with @check_identity, which needs an interactive web session.
        raise UserError("This method can only be accessed over HTTP")


class ResCountry(Model):
    _name = "res.country"
    _description = "Country"
    _order = "name"
    _rec_names_search = ("name", "code")
    name = Char("Country Name", required=True)
    code = Char("Country Code")
    currency_id = Many2one("res.currency", "Currency")
    phone_code = Integer("Country Calling Code")
    state_ids = One2many("res.country.state", "country_id", "States")


class ResCountryState(Model):
    _name = "res.country.state"
    _description = "Country state"
    _order = "code"
    _rec_names_search = ("name", "code")
    name = Char("State Name", required=True)
    code = Char("State Code", required=True)
    country_id = Many2one("res.country", "Country", required=True)

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        country = self.db.get("res.country", rec.get("country_id") or 0)
        return f"{rec.get('name')} ({country['code']})" if country else rec.get("name")


class ResCurrency(Model):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"
    name = Char("Currency", required=True)
    full_name = Char("Name")
    symbol = Char("Symbol")
    rounding = Float("Rounding Factor", default=0.01)
    decimal_places = Integer("Decimal Places", default=2)
    position = Selection(
        [("after", "After Amount"), ("before", "Before Amount")], "Symbol Position", default="after"
    )
    active = Boolean("Active", default=True)


class DecimalPrecision(Model):
    _name = "decimal.precision"
    _description = "Decimal Precision"
    name = Char("Usage", required=True)
    digits = Integer("Digits", required=True, default=2)


class UomUom(Model):
    _name = "uom.uom"
    _description = "Product Unit of Measure"
    name = Char("Unit of Measure", required=True)
    factor = Float("Ratio", default=1.0)
    active = Boolean("Active", default=True)


class CrmTeam(Model):
    _name = "crm.team"
    _description = "Sales Team"
    name = Char("Sales Team", required=True)
    active = Boolean("Active", default=True)


class IrModuleModule(Model):
    _name = "ir.module.module"
    _description = "Module"
    _order = "name"
    name = Char("Technical Name", required=True)
    shortdesc = Char("Module Name")
    state = Selection(
        [
            ("uninstallable", "Uninstallable"),
            ("uninstalled", "Not Installed"),
            ("installed", "Installed"),
            ("to upgrade", "To be upgraded"),
            ("to remove", "To be removed"),
            ("to install", "To be installed"),
        ],
        "Status",
        default="uninstalled",
    )
    latest_version = Char("Latest Version")
    application = Boolean("Application")

    # Modules the sandbox can install at run time (their models carry ``_module``).
    INSTALLABLE = ("base_automation",)

    @api_records
    def button_immediate_install(self, ids: list[int]) -> Any:
        """Odoo 18: installs at once and answers a client action reloading the web client."""
        self._check_existing(ids)
        for rid in ids:
            name = self.raw(rid).get("name")
            if name not in self.INSTALLABLE:
                raise UserError(f"The Odoo sandbox cannot install the module {name!r}.")
            self.db.update(self._name, rid, {"state": "installed"})
        return {"type": "ir.actions.act_url", "target": "self", "url": "/odoo"}


class IrModelData(Model):
    _name = "ir.model.data"
    _description = "Model Data"
    _order = "module, model, name"
    _rec_name = "complete_name"
    name = Char("External Identifier", required=True)
    complete_name = Char("Complete ID", compute="_compute_complete_name")
    module = Char("Module", required=True, default="")
    model = Char("Model Name", required=True)
    res_id = Integer("Record ID")
    noupdate = Boolean("Non Updatable", default=False)

    def _compute_complete_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        return f"{rec['module']}.{rec['name']}" if rec.get("module") else rec.get("name")

    def create_record(self, vals: dict[str, Any]) -> int:
        module, xml_name = vals.get("module", ""), vals.get("name")
        for rid in self.db.ids_where(self._name, "name", xml_name):
            if self.raw(rid).get("module") == module:
                raise ValidationError(
                    "The operation cannot be completed: duplicate key value violates unique constraint "
                    '"ir_model_data_module_name_uniq_index"\n'
                    f"DETAIL:  Key (module, name)=({module}, {xml_name}) already exists.\n"
                )
        return super().create_record(vals)

    @api_model
    def check_object_reference(
        self, module: str, xml_id: str, raise_on_access_error: bool = False
    ) -> list[Any]:
        for rid in self.db.ids_where(self._name, "name", xml_id):
            rec = self.raw(rid)
            if rec.get("module") == module:
                return [rec["model"], rec["res_id"]]
        raise ValueError(f"External ID not found in the system: {module}.{xml_id}")


class ResPartnerCategory(Model):
    """Contact tags (base's res.partner.category: Contacts > Configuration > Tags)."""

    _name = "res.partner.category"
    _description = "Partner Tags"
    _order = "name"
    name = Char("Tag Name", required=True)
    color = Integer("Color")
    parent_id = Many2one("res.partner.category", "Category")
    active = Boolean("Active", default=True)


class ResPartner(Model):
    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name, id desc"
    _rec_name = "complete_name"
    _rec_names_search = ("complete_name", "email", "ref", "vat", "company_registry")
    name = Char("Name")
    complete_name = Char("Complete Name", compute="_compute_display_name")
    type = Selection(PARTNER_TYPES, "Address Type", default="contact")
    parent_id = Many2one("res.partner", "Related Company")
    child_ids = One2many("res.partner", "parent_id", "Contact")
    email = Char("Email")
    phone = Char("Phone")
    mobile = Char("Mobile")
    street = Char("Street")
    street2 = Char("Street2")
    city = Char("City")
    zip = Char("Zip")
    state_id = Many2one("res.country.state", "State", unchecked_on=ON_CREATE_AND_WRITE)
    country_id = Many2one("res.country", "Country", unchecked_on=ON_CREATE)
    ref = Char("Reference")
    vat = Char("Tax ID")
    company_registry = Char("Company ID")
    website = Char("Website Link")
    comment = Html("Notes")
    function = Char("Job Position")
    company_name = Char("Company Name")
    lang = Char("Language", default="en_US")
    tz = Char("Timezone")
    customer_rank = Integer("Customer Rank", default=0)
    supplier_rank = Integer("Supplier Rank", default=0)
    is_company = Boolean("Is a Company", default=False)
    company_type = Selection(
        [("person", "Individual"), ("company", "Company")],
        "Company Type",
        compute="_compute_company_type",
        inverse="_inverse_company_type",
    )
    commercial_partner_id = Many2one(
        "res.partner", "Commercial Entity", compute="_compute_commercial_partner"
    )
    company_id = Many2one("res.company", "Company", unchecked_on=ON_CREATE_AND_WRITE)
    user_id = Many2one("res.users", "Salesperson", unchecked_on=ON_CREATE_AND_WRITE)
    property_payment_term_id = Many2one("account.payment.term", "Customer Payment Terms")
    active = Boolean("Active", default=True)
    category_id = Many2many("res.partner.category", "Tags")

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        display = rec.get("name") or ""
        parent_id = rec.get("parent_id")
        if parent_id or rec.get("company_name"):
            if not display and rec.get("type") in ("invoice", "delivery", "other"):
                # the version's label: "Delivery Address" until 18, "Delivery" in 19
                display = dict(self.fields_by_name["type"].selection)[rec["type"]]
            if not rec.get("is_company"):
                commercial = self.value(record_id, "commercial_partner_id")
                commercial_rec = self.db.get(self._name, commercial) or {}
                prefix = commercial_rec.get("name") if commercial_rec.get("is_company") else False
                if not prefix and parent_id:
                    prefix = (self.db.get(self._name, parent_id) or {}).get("name")
                prefix = prefix or rec.get("company_name") or ""
                display = f"{prefix}, {display}"
        return display

    def _compute_company_type(self, record_id: int, name: str) -> Any:
        return "company" if self.raw(record_id).get("is_company") else "person"

    def _inverse_company_type(self, record_id: int, value: Any) -> None:
        self.db.update(self._name, record_id, {"is_company": value == "company"})

    def _compute_commercial_partner(self, record_id: int, name: str) -> Any:
        current = record_id
        seen: set[int] = set()
        while current not in seen:
            seen.add(current)
            rec = self.db.get(self._name, current)
            if rec is None:
                return record_id
            if rec.get("is_company") or not rec.get("parent_id"):
                return current
            current = rec["parent_id"]
        return record_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        if self.env.profile.partner_write_reads_values:
            # 19's res.partner.write reads every written name on each record before anything else
            # (``partner[fname]``): an unknown one is a bare KeyError, even on a missing record.
            for name in vals or {}:
                if name not in self.fields_by_name:
                    raise KeyError(name)
        super().write_records(ids, vals)

    def _check_constraints(self, ids: list[int]) -> None:
        for rid in ids:
            rec = self.raw(rid)
            if rec.get("type") == "contact" and not rec.get("name"):
                raise ValidationError("The operation cannot be completed: Contacts require a name")

    def address_get_for(self, ids: list[int], adr_pref: list[str] | None = None) -> dict[str, Any]:
        """Odoo's ``address_get``: a depth-first walk over children, then up to the commercial entity."""
        wanted = set(adr_pref or [])
        wanted.add("contact")
        result: dict[str, Any] = {}
        visited: set[int] = set()
        for partner in ids:
            current: Any = partner
            while current:
                to_scan = [current]
                while to_scan:
                    record = to_scan.pop(0)
                    visited.add(record)
                    kind = self.raw(record).get("type")
                    if kind in wanted and not result.get(kind):
                        result[kind] = record
                    if len(result) == len(wanted):
                        return result
                    children = [
                        c
                        for c in self.value(record, "child_ids")
                        if c not in visited and not self.raw(c).get("is_company")
                    ]
                    to_scan = children + to_scan
                rec = self.raw(current)
                if rec.get("is_company") or not rec.get("parent_id"):
                    break
                current = rec["parent_id"]
        default = result.get("contact", ids[0] if len(ids) == 1 else False)
        for kind in wanted:
            result[kind] = result.get(kind) or default
        return result

    @api_records
    def address_get(self, ids: list[int], adr_pref: list[str] | None = None) -> dict[str, Any]:
        return self.address_get_for(ids, adr_pref)
