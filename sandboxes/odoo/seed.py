"""The fresh database: what a new Odoo (17, 18 or 19) with sale_management, sale_stock, account and delivery
holds, in the field names and values of the registry's version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..catalogue import CATALOGUE, DELIVERY_PRODUCT_CODE
from .access import ADMIN_UID, SALES_NONE_UID
from .fields import DEFAULT_DIGITS
from .models import build_registry
from .orm import Environment, Model, Registry
from .state import Database

DEFAULT_API_KEY = "7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a"
INSTALLED_MODULES = (
    ("base", "Base"),
    ("web", "Web"),
    ("mail", "Discuss"),
    ("product", "Products & Pricelists"),
    ("uom", "Units of measure"),
    ("sale", "Sales"),
    ("sale_management", "Sales"),
    ("sale_stock", "Sales and Warehouse Management"),
    ("stock", "Inventory"),
    ("account", "Invoicing"),
    ("delivery", "Delivery Costs"),
    ("stock_delivery", "Delivery - Stock"),
    ("contacts", "Contacts"),
)
GROUPS = (  # after the internal users' group (id 1), which 19 renamed; not a real server's listing
    "Sales / User: Own Documents Only",
    "Sales / Administrator",
    "Inventory / Administrator",
    "Invoicing / Administrator",
)
OTHER_MODULES = (
    ("purchase", "Purchase"),
    ("mrp", "Manufacturing"),
    ("crm", "CRM"),
    ("website_sale", "eCommerce"),
    ("point_of_sale", "Point of Sale"),
    ("sale_loyalty", "Sale Loyalty"),
    ("base_automation", "Automation Rules"),
)

COUNTRIES = (  # (id, code, name, currency id)
    (13, "AT", "Austria", 125),
    (14, "AU", "Australia", 13),
    (20, "BE", "Belgium", 125),
    (31, "BR", "Brazil", False),
    (38, "CA", "Canada", 33),
    (43, "CH", "Switzerland", False),
    (48, "CN", "China", False),
    (57, "DE", "Germany", 125),
    (59, "DK", "Denmark", False),
    (68, "ES", "Spain", 125),
    (75, "FR", "France", 125),
    (231, "GB", "United Kingdom", 147),
    (101, "IE", "Ireland", 125),
    (104, "IN", "India", False),
    (109, "IT", "Italy", 125),
    (113, "JP", "Japan", False),
    (156, "MX", "Mexico", False),
    (165, "NL", "Netherlands", 125),
    (166, "NO", "Norway", False),
    (171, "NZ", "New Zealand", False),
    (176, "PL", "Poland", False),
    (181, "PT", "Portugal", 125),
    (205, "SE", "Sweden", False),
    (233, "US", "United States", 1),
    (234, "UY", "Uruguay", False),
)
# Odoo's base data (res_country_data.xml): each country's calling code (phone_code).
PHONE_CODES = {
    "AT": 43, "AU": 61, "BE": 32, "BR": 55, "CA": 1, "CH": 41, "CN": 86, "DE": 49, "DK": 45, "ES": 34,
    "FR": 33, "GB": 44, "IE": 353, "IN": 91, "IT": 39, "JP": 81, "MX": 52, "NL": 31, "NO": 47, "NZ": 64,
    "PL": 48, "PT": 351, "SE": 46, "US": 1, "UY": 598,
}  # fmt: skip
AU_STATES = (
    ("ACT", "Australian Capital Territory"),
    ("NSW", "New South Wales"),
    ("NT", "Northern Territory"),
    ("QLD", "Queensland"),
    ("SA", "South Australia"),
    ("TAS", "Tasmania"),
    ("VIC", "Victoria"),
    ("WA", "Western Australia"),
)
US_STATES = (
    ("AK", "Alaska"),
    ("AL", "Alabama"),
    ("AR", "Arkansas"),
    ("AZ", "Arizona"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DC", "District of Columbia"),
    ("DE", "Delaware"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("IA", "Iowa"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("MA", "Massachusetts"),
    ("MD", "Maryland"),
    ("ME", "Maine"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MO", "Missouri"),
    ("MS", "Mississippi"),
    ("MT", "Montana"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("NE", "Nebraska"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NV", "Nevada"),
    ("NY", "New York"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VA", "Virginia"),
    ("VT", "Vermont"),
    ("WA", "Washington"),
    ("WI", "Wisconsin"),
    ("WV", "West Virginia"),
    ("WY", "Wyoming"),
)
CA_PROVINCES = (
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NS", "Nova Scotia"),
    ("NT", "Northwest Territories"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
)
OTHER_STATES = (  # country id, code, name: 'CA' exists outside the US and Canada too
    (109, "CA", "Cagliari"),
    (109, "MI", "Milano"),
    (109, "RM", "Roma"),
    (68, "CA", "Cádiz"),
    (68, "M", "Madrid"),
    (68, "B", "Barcelona"),
    (234, "CA", "Canelones"),
    (234, "MO", "Montevideo"),
    (156, "CMX", "Ciudad de México"),
    (156, "JAL", "Jalisco"),
)
TAXES = (  # id, name, amount, use, price_include_override
    (1, "15%", 15.0, "sale", False),
    (2, "15%", 15.0, "purchase", False),
    (3, "5%", 5.0, "sale", False),
    (4, "10%", 10.0, "sale", False),
    (5, "20%", 20.0, "sale", False),
    (6, "8.875%", 8.875, "sale", False),
    (7, "20% incl.", 20.0, "sale", "tax_included"),
    (8, "19% incl.", 19.0, "sale", "tax_included"),
    (9, "10% incl.", 10.0, "sale", "tax_included"),
)


def _make(env: Environment, model: str, record_id: int, vals: dict[str, Any]) -> int:
    """Create through the ORM (defaults, x2many) but with a chosen id, as Odoo's data files yield them."""
    env.db.next_ids[model] = record_id
    return env[model].create_record(vals)


def _many(env: Environment, model: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    for record_id, vals in rows:
        _make(env, model, record_id, vals)


def database_version(db: Database) -> int | None:
    """The Odoo version a database was seeded for (its ``base`` module's version), None if unknown."""
    for module in db.table("ir.module.module").values():
        if module.get("name") == "base":
            head = str(module.get("latest_version") or "").split(".", 1)[0]
            return int(head) if head.isdigit() else None
    return None


def seed_database(
    registry: Registry | None = None,
    api_key: str = DEFAULT_API_KEY,
    uninstalled_modules: Iterable[str] = (),
) -> Database:
    registry = registry or build_registry()
    db = Database()
    env = Environment(registry, db, uid=1, context={"tracking_disable": True})
    with db.transaction():
        _seed_base(env, api_key, set(uninstalled_modules))
        _seed_accounting(env)
        _seed_stock(env)
        _seed_products(env)
    db.dirty = True
    return db


def _seed_base(env: Environment, api_key: str, uninstalled: set[str]) -> None:
    _many(
        env,
        "res.currency",
        [
            (1, {"name": "USD", "full_name": "United States dollar", "symbol": "$", "position": "before"}),
            (
                13,
                {
                    "name": "AUD",
                    "full_name": "Australian dollar",
                    "symbol": "$",
                    "position": "before",
                    "active": False,
                },
            ),
            (
                33,
                {
                    "name": "CAD",
                    "full_name": "Canadian dollar",
                    "symbol": "$",
                    "position": "before",
                    "active": False,
                },
            ),
            (125, {"name": "EUR", "full_name": "Euro", "symbol": "€", "active": False}),
            (
                147,
                {
                    "name": "GBP",
                    "full_name": "Pound sterling",
                    "symbol": "£",
                    "position": "before",
                    "active": False,
                },
            ),
            (
                25,
                {
                    "name": "JPY",
                    "full_name": "Japanese yen",
                    "symbol": "¥",
                    "position": "before",
                    "rounding": 1.0,
                    "decimal_places": 0,
                    "active": False,
                },
            ),
        ],
    )
    for country_id, code, name, currency in COUNTRIES:
        _make(
            env,
            "res.country",
            country_id,
            {"name": name, "code": code, "currency_id": currency, "phone_code": PHONE_CODES[code]},
        )
    next_state = 1
    for country_id, states in ((14, AU_STATES), (233, US_STATES), (38, CA_PROVINCES)):
        for code, name in states:
            _make(
                env, "res.country.state", next_state, {"name": name, "code": code, "country_id": country_id}
            )
            next_state += 1
    for country_id, code, name in OTHER_STATES:
        _make(env, "res.country.state", next_state, {"name": name, "code": code, "country_id": country_id})
        next_state += 1
    _make(env, "uom.uom", 1, {"name": "Units"})
    dozens: dict[str, Any] = {"name": "Dozens", "factor": 1 / 12}
    if "relative_uom_id" in env["uom.uom"].fields_by_name:  # 19: no categories, a unit relative to another
        dozens.update(relative_factor=12.0, relative_uom_id=1)
    _make(env, "uom.uom", 2, dozens)
    _make(env, "crm.team", 1, {"name": "Sales"})
    partners: list[tuple[int, dict[str, Any]]] = [
        (1, {"name": "My Company", "is_company": True, "country_id": 233, "email": "info@yourcompany.com"}),
        (2, {"name": "OdooBot", "active": False}),
        (3, {"name": "Administrator", "email": "admin@example.com"}),
        (4, {"name": "Public user", "active": False}),
        (5, {"name": "Default User Template", "active": False}),
        (6, {"name": "Sales None", "email": "sales-none@example.com"}),
    ]
    _many(env, "res.partner", partners)
    _make(env, "res.company", 1, {"name": "My Company", "currency_id": 1, "partner_id": 1, "country_id": 233})
    _many(
        env,
        "decimal.precision",
        [
            (index, {"name": name, "digits": digits})
            for index, (name, digits) in enumerate(DEFAULT_DIGITS.items(), start=1)
        ],
    )
    internal_user = "Role / User" if env.version >= 19 else "User types / Internal User"
    groups = (internal_user, *GROUPS)
    for group_id, full_name in enumerate(groups, start=1):
        _make(env, "res.groups", group_id, {"name": full_name.split(" / ")[-1], "full_name": full_name})
    groups_field = env["res.users"].field_name("groups_id")
    everything = [[6, 0, list(range(1, len(groups) + 1))]]
    users: list[tuple[int, dict[str, Any]]] = [
        (1, {"name": "OdooBot", "login": "__system__", "partner_id": 2, "active": False}),
        (ADMIN_UID, {"name": "Administrator", "login": "admin", "partner_id": 3, groups_field: everything}),
        (3, {"name": "Public user", "login": "public", "partner_id": 4, "active": False, "share": True}),
        (4, {"name": "Default User Template", "login": "default", "partner_id": 5, "active": False}),
        (
            SALES_NONE_UID,
            {"name": "Sales None", "login": "sales-none", "partner_id": 6, groups_field: [[6, 0, [1]]]},
        ),
    ]
    _many(env, "res.users", users)
    # Credentials live outside the model's fields, so no RPC `read` can return them.
    env.db.update("res.users", ADMIN_UID, {"__password": "admin"})
    env.db.update("res.users", SALES_NONE_UID, {"__password": "sales-none"})
    env.db.insert("res.users.apikeys", {"user_id": ADMIN_UID, "name": "synco-connector", "key": api_key}, 1)
    for index, (name, title) in enumerate(INSTALLED_MODULES + OTHER_MODULES, start=1):
        installed = (name, title) in INSTALLED_MODULES and name not in uninstalled
        _make(
            env,
            "ir.module.module",
            index,
            {
                "name": name,
                "shortdesc": title,
                "latest_version": f"{env.version}.0.1.0",
                "state": "installed" if installed else "uninstalled",
            },
        )


def _seed_accounting(env: Environment) -> None:
    taxes = env["account.tax"]
    for tax_id, name, amount, use, included in TAXES:
        vals: dict[str, Any] = {"name": name, "amount": amount, "amount_type": "percent", "type_tax_use": use}
        if "price_include_override" in taxes.fields_by_name:
            vals["price_include_override"] = included
        else:  # Odoo 17: a plain boolean
            vals["price_include"] = included == "tax_included"
        _make(env, "account.tax", tax_id, vals)
    env.db.update("res.company", 1, {"account_sale_tax_id": 1})
    _many(
        env,
        "account.account",
        [
            (
                1,
                {
                    "name": "Account Receivable",
                    "code": "121000",
                    "account_type": "asset_receivable",
                    "reconcile": True,
                },
            ),
            (2, {"name": "Product Sales", "code": "400000", "account_type": "income"}),
            (3, {"name": "Bank", "code": "101401", "account_type": "asset_cash"}),
            (
                4,
                {
                    "name": "Outstanding Receipts",
                    "code": "101402",
                    "account_type": "asset_current",
                    "reconcile": True,
                },
            ),
            (
                5,
                {
                    "name": "Outstanding Payments",
                    "code": "101403",
                    "account_type": "asset_current",
                    "reconcile": True,
                },
            ),
            (6, {"name": "Tax Received", "code": "251000", "account_type": "liability_current"}),
            (7, {"name": "Cash", "code": "101501", "account_type": "asset_cash"}),
        ],
    )
    _many(
        env,
        "account.journal",
        [
            (1, {"name": "Sales", "code": "INV", "type": "sale", "sequence": 5}),
            (2, {"name": "Purchases", "code": "BILL", "type": "purchase", "sequence": 6}),
            (3, {"name": "Miscellaneous Operations", "code": "MISC", "type": "general", "sequence": 9}),
            (4, {"name": "Exchange Difference", "code": "EXCH", "type": "general", "sequence": 9}),
            (5, {"name": "Cash Basis Taxes", "code": "CABA", "type": "general", "sequence": 9}),
            (6, {"name": "Bank", "code": "BNK1", "type": "bank", "sequence": 10}),
            (7, {"name": "Cash", "code": "CSH1", "type": "cash", "sequence": 10}),
        ],
    )
    terms = (
        "Immediate Payment",
        "15 Days",
        "21 Days",
        "30 Days",
        "45 Days",
        "End of Following Month",
        "10 Days after End of Next Month",
        "30% Now, Balance 60 Days",
        "2/7 Net 30",
    )
    for index, name in enumerate(terms, start=1):
        _make(env, "account.payment.term", index, {"name": name, "sequence": index})
    _make(
        env,
        "account.payment.method",
        1,
        {"name": "Manual Payment", "code": "manual", "payment_type": "inbound"},
    )
    _make(
        env,
        "account.payment.method",
        2,
        {"name": "Manual Payment", "code": "manual", "payment_type": "outbound"},
    )
    _many(
        env,
        "account.payment.method.line",
        [
            (
                1,
                {
                    "name": "Manual Payment",
                    "payment_method_id": 1,
                    "journal_id": 6,
                    "payment_type": "inbound",
                },
            ),
            (
                2,
                {
                    "name": "Manual Payment",
                    "payment_method_id": 1,
                    "journal_id": 7,
                    "payment_type": "inbound",
                },
            ),
            (
                3,
                {
                    "name": "Manual Payment",
                    "payment_method_id": 2,
                    "journal_id": 6,
                    "payment_type": "outbound",
                    "sequence": 20,
                },
            ),
            (
                4,
                {
                    "name": "Manual Payment",
                    "payment_method_id": 2,
                    "journal_id": 7,
                    "payment_type": "outbound",
                    "sequence": 20,
                },
            ),
        ],
    )


def _seed_stock(env: Environment) -> None:
    locations = [
        (1, "Physical Locations", "Physical Locations", "view", False),
        (2, "Partners", "Partners", "view", False),
        (3, "Virtual Locations", "Virtual Locations", "view", False),
        (4, "Vendors", "Partners/Vendors", "supplier", 2),
        (5, "Customers", "Partners/Customers", "customer", 2),
        (6, "Inter-company transit", "Physical Locations/Inter-company transit", "transit", 1),
        (7, "WH", "WH", "view", 1),
        (8, "Stock", "WH/Stock", "internal", 7),
        (14, "Inventory adjustment", "Virtual Locations/Inventory adjustment", "inventory", 3),
        (15, "Production", "Virtual Locations/Production", "production", 3),
        (16, "Scrap", "Virtual Locations/Scrap", "inventory", 3),
    ]
    for location_id, name, complete, usage, parent in locations:
        _make(
            env,
            "stock.location",
            location_id,
            {"name": name, "complete_name": complete, "usage": usage, "location_id": parent},
        )
    _make(
        env,
        "stock.warehouse",
        1,
        {"name": "My Company", "code": "WH", "lot_stock_id": 8, "view_location_id": 7},
    )
    for location_id in (7, 8):
        env.db.update("stock.location", location_id, {"warehouse_id": 1})
    _many(
        env,
        "stock.picking.type",
        [
            (
                1,
                {
                    "name": "Receipts",
                    "code": "incoming",
                    "sequence_code": "IN",
                    "warehouse_id": 1,
                    "default_location_src_id": 4,
                    "default_location_dest_id": 8,
                },
            ),
            (
                2,
                {
                    "name": "Delivery Orders",
                    "code": "outgoing",
                    "sequence_code": "OUT",
                    "warehouse_id": 1,
                    "default_location_src_id": 8,
                    "default_location_dest_id": 5,
                    "sequence": 2,
                },
            ),
            (
                3,
                {
                    "name": "Internal Transfers",
                    "code": "internal",
                    "sequence_code": "INT",
                    "warehouse_id": 1,
                    "default_location_src_id": 8,
                    "default_location_dest_id": 8,
                    "sequence": 3,
                },
            ),
        ],
    )


def _seed_products(env: Environment) -> None:
    _make(env, "product.category", 1, {"name": "All"})
    _make(env, "product.category", 2, {"name": "Deliveries", "parent_id": 1})
    products: Model = env["product.product"]
    env.db.next_ids["product.template"] = 1
    env.db.next_ids["product.product"] = 1
    products.create_record(
        {
            "name": "Standard delivery",
            "default_code": DELIVERY_PRODUCT_CODE,
            "type": "service",
            "taxes_id": [],
            "list_price": 0.0,
            "invoice_policy": "order",
            "sale_ok": False,
            "purchase_ok": False,
            "categ_id": 2,
        }
    )
    storable = dict(env.profile.storable_product)
    consumable = {"type": "consu", **({"is_storable": False} if "is_storable" in storable else {})}
    for item in CATALOGUE:
        products.create_record(
            {
                "name": item.title,
                "default_code": item.sku,
                "barcode": item.barcode,
                **(storable if item.storable else consumable),
                "list_price": float(item.price),
                "standard_price": 0.0,
                "invoice_policy": "order",
            }
        )
