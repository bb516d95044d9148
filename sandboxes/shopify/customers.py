"""The sandbox shop's customers, their addresses and B2B companies, and their GraphQL views (Admin API 2026-10).

State lives in the store's JSON state (see `SandboxStore.transact`), under

    customers[shop]   {"<customer id>": REST Customer (the customers/create|update body) + "company_contacts":
                       [{"id": contact id, "company_id", "title"}]}; `addresses` lists every address (the
                       default one has "default": true and is also `default_address`)
    companies[shop]   {"<company id>": {id, name, note, external_id, created_at, updated_at,
                       locations: [{id, name, address1, city, zip, province_code, country_code}]}}

A shop is seeded lazily with the customers the order generator uses (`generator.demo_customers`: same ids
and e-mails, so orders and customers agree), some with a second address, plus a B2B buyer who is a contact
of the company "Acme Corp" (two locations), a tax-exempt customer and one who accepted SMS marketing too.
Customer dicts are replaced on change, never mutated in place.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import cache
from typing import Any

from graphql import GraphQLResolveInfo

from sandboxes.shopify import views
from sandboxes.shopify.catalog import stable_id
from sandboxes.shopify.generator import demo_customers

Json = dict[str, Any]
State = dict[str, Any]

SEED_AT = "2025-01-02T10:00:00-05:00"
CUSTOMER_ID_BASE = 7_000_000_000_000
ADDRESS_ID_BASE = 9_000_000_000_000
ACME_COMPANY_ID = 3_100_000_001
ACME_HQ = 3_200_000_001
ACME_WAREHOUSE = 3_200_000_002
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "province",
    "province_code",
    "country",
    "country_code",
    "phone",
)
CUSTOMER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "note",
    "tax_exempt",
    "tax_exemptions",
    "tags",
)


class CustomerError(ValueError):
    def __init__(self, message: str, field: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def now_rest() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _address(customer_id: int, key: str, default: bool, **fields: Any) -> Json:
    out = {k: fields.get(k) for k in ADDRESS_FIELDS}
    out |= {
        "id": stable_id("address", f"{customer_id}:{key}", ADDRESS_ID_BASE),
        "customer_id": customer_id,
        "name": " ".join(filter(None, (fields.get("first_name"), fields.get("last_name")))),
        "country_name": fields.get("country"),
        "default": default,
    }
    return out


def _extra_customer(key: str, first: str, last: str, email: str, **fields: Any) -> Json:
    customer_id = stable_id("customer", key, CUSTOMER_ID_BASE)
    default = _address(
        customer_id,
        "default",
        True,
        first_name=first,
        last_name=last,
        **{k: v for k, v in fields.pop("address").items()},
    )
    consent = fields.pop("email_consent", "not_subscribed")
    sms = fields.pop("sms_consent", None)
    return {
        "id": customer_id,
        "email": email,
        "created_at": SEED_AT,
        "updated_at": SEED_AT,
        "first_name": first,
        "last_name": last,
        "state": "enabled",
        "note": fields.pop("note", None),
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": fields.pop("tax_exempt", False),
        "phone": fields.pop("phone", None),
        "email_marketing_consent": {
            "state": consent,
            "opt_in_level": "single_opt_in" if consent == "subscribed" else None,
            "consent_updated_at": SEED_AT if consent == "subscribed" else None,
        },
        "sms_marketing_consent": None
        if sms is None
        else {
            "state": sms,
            "opt_in_level": "single_opt_in",
            "consent_updated_at": SEED_AT,
            "consent_collected_from": "SHOPIFY",
        },
        "tags": fields.pop("tags", ""),
        "currency": "USD",
        "tax_exemptions": fields.pop("tax_exemptions", []),
        "admin_graphql_api_id": views.gid("Customer", customer_id),
        "default_address": default,
        "addresses": [default],
        "company_contacts": fields.pop("company_contacts", []),
    }


@cache
def _seed() -> tuple[tuple[Json, ...], tuple[Json, ...]]:
    customers = []
    for i, c in enumerate(demo_customers()):
        c = dict(c)
        default = dict(c["default_address"])
        addresses = [default]
        if i % 3 == 0:  # a second address: where they have parcels delivered at work
            addresses.append(
                _address(
                    c["id"],
                    "work",
                    False,
                    first_name=c["first_name"],
                    last_name=c["last_name"],
                    company="Synco Coworking",
                    address1="500 Office Park Drive",
                    address2="Suite 12",
                    city=default.get("city"),
                    zip=default.get("zip"),
                    province=default.get("province"),
                    province_code=default.get("province_code"),
                    country=default.get("country"),
                    country_code=default.get("country_code"),
                    phone=c.get("phone"),
                )
            )
        c["addresses"] = addresses
        c["company_contacts"] = []
        customers.append(c)
    acme_address = {
        "company": "Acme Corp",
        "address1": "100 Industrial Way",
        "city": "Newark",
        "zip": "07102",
        "province": "New Jersey",
        "province_code": "NJ",
        "country": "United States",
        "country_code": "US",
        "phone": "+12015550100",
    }
    buyer = _extra_customer(
        "acme-buyer",
        "Dana",
        "Whitfield",
        "dana.whitfield@acme.example",
        phone="+12015550111",
        address=acme_address,
        note="Purchasing manager at Acme Corp.",
        tags="b2b",
        company_contacts=[
            {"id": 3_300_000_001, "company_id": ACME_COMPANY_ID, "title": "Purchasing manager"}
        ],
    )
    buyer["addresses"].append(
        _address(
            buyer["id"],
            "warehouse",
            False,
            first_name="Dana",
            last_name="Whitfield",
            **(acme_address | {"address1": "7 Dock Street", "city": "Elizabeth", "zip": "07201"}),
        )
    )
    exempt = _extra_customer(
        "greenleaf-school",
        "Priya",
        "Raman",
        "priya.raman@greenleaf-school.example",
        address={
            "company": "Greenleaf School",
            "address1": "22 Elm Street",
            "city": "Albany",
            "zip": "12207",
            "province": "New York",
            "province_code": "NY",
            "country": "United States",
            "country_code": "US",
        },
        tax_exempt=True,
        tax_exemptions=["US_NY_RESELLER_EXEMPTION"],
        note="Tax-exempt school account.",
    )
    fan = _extra_customer(
        "newsletter-fan",
        "Oscar",
        "Lindqvist",
        "oscar.lindqvist@example.se",
        phone="+46701234567",
        address={
            "address1": "Drottninggatan 5",
            "city": "Stockholm",
            "zip": "11151",
            "country": "Sweden",
            "country_code": "SE",
        },
        email_consent="subscribed",
        sms_consent="subscribed",
        tags="newsletter",
    )
    customers += [buyer, exempt, fan]
    companies = (
        {
            "id": ACME_COMPANY_ID,
            "name": "Acme Corp",
            "note": "Wholesale account",
            "external_id": "ACME-001",
            "created_at": SEED_AT,
            "updated_at": SEED_AT,
            "locations": [
                {"id": ACME_HQ, "name": "Acme HQ"}
                | {
                    k: acme_address.get(k)
                    for k in ("address1", "city", "zip", "province_code", "country_code")
                },
                {
                    "id": ACME_WAREHOUSE,
                    "name": "Acme Warehouse",
                    "address1": "7 Dock Street",
                    "city": "Elizabeth",
                    "zip": "07201",
                    "province_code": "NJ",
                    "country_code": "US",
                },
            ],
        },
    )
    return tuple(customers), companies


def ensure_customers(state: State, shop: str) -> dict[str, Json]:
    table = state.setdefault("customers", {})
    found = table.get(shop)
    if found is None:
        seeded, companies = _seed()
        found = table[shop] = {str(c["id"]): copy.deepcopy(c) for c in seeded}
        state.setdefault("companies", {})[shop] = {str(c["id"]): copy.deepcopy(c) for c in companies}
    return found


def customers_of(state: State, shop: str) -> list[Json]:
    return sorted(ensure_customers(state, shop).values(), key=lambda c: int(c["id"]))


def customer(state: State, shop: str, customer_id: int) -> Json | None:
    found = ensure_customers(state, shop).get(str(customer_id))
    return found if isinstance(found, dict) else None


def companies_of(state: State, shop: str) -> dict[str, Json]:
    ensure_customers(state, shop)
    return state.setdefault("companies", {}).setdefault(shop, {})


def add_customer(
    state: State,
    shop: str,
    first_name: str,
    last_name: str,
    email: str,
    *,
    phone: str | None = None,
    addresses: list[Json] | None = None,
    tax_exempt: bool = False,
    note: str | None = None,
    email_consent: str = "not_subscribed",
    stamp: str | None = None,
) -> Json:
    """A new customer (as the merchant adds one in the admin); `addresses`: REST address fields, the first is
    the default. Returns the customer (REST)."""
    table = ensure_customers(state, shop)
    email = email.strip().lower()
    if not email or "@" not in email:
        raise CustomerError("Email is invalid", ["email"])
    if any(str(c.get("email") or "").lower() == email for c in table.values()):
        raise CustomerError("Email has already been taken", ["email"])
    seq = int(state.get("customer_seq", 0)) + 1
    state["customer_seq"] = seq
    customer_id = CUSTOMER_ID_BASE + 10**12 + seq
    when = stamp or now_rest()
    rows = [
        _address(customer_id, str(i), i == 0, **({"first_name": first_name, "last_name": last_name} | a))
        for i, a in enumerate(addresses or [])
    ]
    found = {
        "id": customer_id,
        "email": email,
        "created_at": when,
        "updated_at": when,
        "first_name": first_name,
        "last_name": last_name,
        "state": "disabled",
        "note": note,
        "verified_email": False,
        "multipass_identifier": None,
        "tax_exempt": bool(tax_exempt),
        "phone": phone,
        "email_marketing_consent": {
            "state": email_consent,
            "opt_in_level": "single_opt_in" if email_consent == "subscribed" else None,
            "consent_updated_at": when if email_consent == "subscribed" else None,
        },
        "sms_marketing_consent": None,
        "tags": "",
        "currency": "USD",
        "tax_exemptions": [],
        "admin_graphql_api_id": views.gid("Customer", customer_id),
        "default_address": rows[0] if rows else None,
        "addresses": rows,
        "company_contacts": [],
    }
    table[str(customer_id)] = found
    return found


def update_customer(
    state: State, shop: str, customer_id: int, *, stamp: str | None = None, **fields: Any
) -> Json:
    """Change customer fields (`CUSTOMER_FIELDS`); returns the new customer."""
    current = customer(state, shop, customer_id)
    if current is None:
        raise CustomerError("Customer does not exist", ["id"])
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise CustomerError(f"Unknown customer fields: {', '.join(sorted(unknown))}", ["input"])
    changed = dict(current)
    for key, value in fields.items():
        if key == "tax_exempt":
            changed[key] = bool(value)
        elif key == "tax_exemptions":
            changed[key] = [str(v) for v in value or []]
        elif key == "email":
            email = str(value or "").strip().lower()
            if email and "@" not in email:
                raise CustomerError("Email is invalid", ["email"])
            changed[key] = email or None
        else:
            changed[key] = None if value in (None, "") and key in ("phone", "note") else str(value or "")
    changed["updated_at"] = stamp or now_rest()
    ensure_customers(state, shop)[str(customer_id)] = changed
    return changed


def update_address(
    state: State, shop: str, customer_id: int, address_id: int, *, stamp: str | None = None, **fields: Any
) -> Json:
    """Change one address of a customer (REST field names); returns the new customer."""
    current = customer(state, shop, customer_id)
    if current is None:
        raise CustomerError("Customer does not exist", ["id"])
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise CustomerError(f"Unknown address fields: {', '.join(sorted(unknown))}", ["address"])
    rows = []
    hit = None
    for a in current["addresses"]:
        if int(a["id"]) == int(address_id):
            a = dict(a) | {k: (str(v) if v not in (None, "") else None) for k, v in fields.items()}
            a["name"] = " ".join(filter(None, (a.get("first_name"), a.get("last_name"))))
            hit = a
        rows.append(a)
    if hit is None:
        raise CustomerError("Address does not exist", ["address", "id"])
    changed = dict(current)
    changed["addresses"] = rows
    changed["default_address"] = next((a for a in rows if a.get("default")), None)
    changed["updated_at"] = stamp or now_rest()
    ensure_customers(state, shop)[str(customer_id)] = changed
    return changed


def rest_customer(c: Json) -> Json:
    """The REST Customer (the customers/create and customers/update webhook body)."""
    return {k: v for k, v in c.items() if k != "company_contacts"}


# ----------------------------------------------------------------------------- GraphQL views


def _address_view(a: Json) -> Json:
    view = views.address_view(a, int(a["id"]))
    assert view is not None
    view["formatted"] = lambda _info, **_: [
        line
        for line in (
            a.get("company"),
            a.get("address1"),
            a.get("address2"),
            " ".join(filter(None, (a.get("city"), a.get("province_code"), a.get("zip")))),
            a.get("country"),
        )
        if line
    ]
    return view | {"_id": int(a["id"])}


def _company_view(company: Json) -> Json:
    number = int(company["id"])
    locations = [
        {
            "_id": int(loc["id"]),
            "__typename": "CompanyLocation",
            "id": views.gid("CompanyLocation", loc["id"]),
            "name": loc["name"],
            "externalId": None,
            "note": None,
            "phone": None,
            "locale": "en",
            "currency": "USD",
            "taxExemptions": [],
            "taxRegistrationId": None,
            "createdAt": views.utc(company["created_at"]),
            "updatedAt": views.utc(company["updated_at"]),
            "orderCount": 0,
            "hasTimelineComment": False,
            "defaultCursor": views.encode_cursor(int(loc["id"]), int(loc["id"])),
            "shippingAddress": {
                "id": views.gid("CompanyAddress", loc["id"]),
                "address1": loc.get("address1"),
                "address2": None,
                "city": loc.get("city"),
                "zip": loc.get("zip"),
                "zoneCode": loc.get("province_code"),
                "countryCode": loc.get("country_code"),
                "companyName": company["name"],
                "recipient": None,
                "phone": None,
            },
            "billingAddress": None,
        }
        for loc in company["locations"]
    ]
    return {
        "__typename": "Company",
        "id": views.gid("Company", number),
        "name": company["name"],
        "note": company.get("note"),
        "externalId": company.get("external_id"),
        "createdAt": views.utc(company["created_at"]),
        "updatedAt": views.utc(company["updated_at"]),
        "customerSince": views.utc(company["created_at"]),
        "contactCount": 1,
        "hasTimelineComment": False,
        "lifetimeDuration": "about 1 year",
        "defaultCursor": views.encode_cursor(number, number),
        "locations": views.id_connection(locations),
        "locationsCount": {"count": len(locations), "precision": "EXACT"},
    }


def customer_view(c: Json, ctx: Any) -> Json:
    base = views.customer_view(c)
    assert base is not None
    addresses = [_address_view(a) for a in c.get("addresses") or []]
    default = next(
        (a for a in addresses if int(a["_id"]) == int((c.get("default_address") or {}).get("id") or 0)), None
    )
    consent = c.get("email_marketing_consent") or {}
    sms = c.get("sms_marketing_consent")

    def contacts(_info: GraphQLResolveInfo) -> list[Json]:
        companies = ctx.store.transact(lambda s: dict(companies_of(s, ctx.shop)), write=False)
        out = []
        for link in c.get("company_contacts") or []:
            company = companies.get(str(link["company_id"]))
            if company is None:
                continue
            out.append(
                {
                    "__typename": "CompanyContact",
                    "id": views.gid("CompanyContact", link["id"]),
                    "title": link.get("title"),
                    "isMainContact": True,
                    "locale": "en",
                    "createdAt": views.utc(company["created_at"]),
                    "updatedAt": views.utc(company["updated_at"]),
                    "lifetimeDuration": "about 1 year",
                    "company": _company_view(company),
                    "customer": lambda _info: customer_view(c, ctx),
                }
            )
        return out

    return base | {
        "defaultAddress": default,
        "addresses": lambda _info, first=None: addresses if first is None else addresses[:first],
        "addressesV2": _in_order(addresses),
        "taxExemptions": list(c.get("tax_exemptions") or []),
        "emailMarketingConsent": None
        if not c.get("email")
        else {
            "marketingState": str(consent.get("state") or "not_subscribed").upper(),
            "marketingOptInLevel": str(consent["opt_in_level"]).upper()
            if consent.get("opt_in_level")
            else None,
            "consentUpdatedAt": views.utc(consent.get("consent_updated_at")),
            "sourceLocation": None,
        },
        "smsMarketingConsent": None
        if not sms
        else {
            "marketingState": str(sms.get("state") or "not_subscribed").upper(),
            "marketingOptInLevel": str(sms.get("opt_in_level") or "single_opt_in").upper(),
            "consentUpdatedAt": views.utc(sms.get("consent_updated_at")),
            "consentCollectedFrom": str(sms.get("consent_collected_from") or "OTHER").upper(),
            "sourceLocation": None,
        },
        "companyContactProfiles": contacts,
        "locale": "en",
        "canDelete": True,
        "dataSaleOptOut": False,
        "validEmailAddress": bool(c.get("email")),
        "multipassIdentifier": c.get("multipass_identifier"),
        "lifetimeDuration": "about 1 year",
        "hasTimelineComment": False,
        "productSubscriberStatus": "NEVER_SUBSCRIBED",
        "numberOfOrders": lambda _info: str(_orders_of(c, ctx)),
    }


def _in_order(rows: list[Json]) -> Any:
    """A connection over rows in their stored order (the default address first), cursors keyed by position."""
    keys = [(i, int(r["_id"])) for i, r in enumerate(rows)]

    def resolve(info: GraphQLResolveInfo, **args: Any) -> Json:
        unbounded = bool(getattr(info.context, "unbounded", False))
        return views.paginate(rows, keys, unbounded=unbounded, **args)

    return resolve


def _orders_of(c: Json, ctx: Any) -> int:
    number = int(c["id"])
    return sum(
        1 for o in ctx.store.orders(ctx.shop) if int((o.get("customer") or {}).get("id") or 0) == number
    )


# ------------------------------------------------------------------------------------- search


def _term_ok(c: Json, term: Any) -> bool:
    from sandboxes.shopify.search import _compare_range, _time_range

    name = term.field
    value = str(term.value)
    low = value.lower()
    if name in ("updated_at", "created_at"):
        from zoneinfo import ZoneInfo

        stamp = datetime.fromisoformat(str(c[name]).replace("Z", "+00:00"))
        start, end = _time_range(value, ZoneInfo("UTC"), datetime.now(UTC))
        hit = _compare_range(stamp, term.op, start, end)
    elif name == "email":
        actual = str(c.get("email") or "").lower()
        hit = actual.startswith(low[:-1]) if low.endswith("*") else actual == low
    elif name == "phone":
        hit = str(c.get("phone") or "") == value
    elif name == "id":
        wanted = value.rsplit("/", 1)[-1]
        if term.op != "=" and wanted.isdigit():
            number, other = int(c["id"]), int(wanted)
            hit = {">": number > other, ">=": number >= other, "<": number < other, "<=": number <= other}[
                term.op
            ]
        else:
            hit = str(c["id"]) == wanted
    elif name in ("first_name", "last_name"):
        hit = str(c.get(name) or "").lower() == low
    elif name == "tax_exempt":
        hit = bool(c.get("tax_exempt")) == (low == "true")
    elif name is None:
        text = " ".join(str(c.get(k) or "") for k in ("first_name", "last_name", "email", "phone")).lower()
        hit = low.rstrip("*") in text
    else:
        return True
    return hit != term.negate


def matches(c: Json, query: str | None) -> bool:
    if not query:
        return True
    from sandboxes.shopify.search import parse

    return any(all(_term_ok(c, t) for t in group) for group in parse(query).groups)


SORT_KEYS: dict[str, Any] = {
    "ID": lambda c: int(c["id"]),
    "RELEVANCE": lambda c: int(c["id"]),
    "CREATED_AT": lambda c: views.utc(c["created_at"]) or "",
    "UPDATED_AT": lambda c: views.utc(c["updated_at"]) or "",
    "NAME": lambda c: f"{c.get('first_name') or ''} {c.get('last_name') or ''}".lower(),
    "LOCATION": lambda c: str((c.get("default_address") or {}).get("country") or ""),
}


# ---------------------------------------------------------------------------------- query roots


def resolve_customers(
    _root: Any,
    info: GraphQLResolveInfo,
    *,
    query: str | None = None,
    sortKey: str = "ID",
    reverse: bool = False,
    **window: Any,
) -> Json:
    from sandboxes.shopify import products

    products._require(info, "read_customers")
    ctx = products._ctx(info)
    run = getattr(ctx, "bulk_run", None)
    if run is not None and run.matched is not None:
        return products.run_page(run, lambda c: customer_view(c, ctx))
    if run is None:
        views.check_window(window.get("first"), window.get("last"))
    found = ctx.store.transact(lambda s: customers_of(s, ctx.shop), write=False)
    key_of = SORT_KEYS.get(sortKey, SORT_KEYS["ID"])
    rows = sorted(((key_of(c), int(c["id"])), c) for c in found if matches(c, query))
    return products.connection(ctx, rows, lambda c: customer_view(c, ctx), reverse=reverse, window=window)


def resolve_customer(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    from sandboxes.shopify import products

    products._require(info, "read_customers")
    ctx = products._ctx(info)
    parsed = views.parse_gid(str(id or ""))
    return node(ctx, "Customer", parsed[1]) if parsed and parsed[0] == "Customer" else None


def node(ctx: Any, kind: str, number: int) -> Json | None:
    """`node(id:)` for Customer (None for other kinds or without read_customers)."""
    scopes = getattr(ctx, "scopes", None)
    if kind != "Customer" or (scopes is not None and "read_customers" not in scopes):
        return None
    found = ctx.store.transact(lambda s: customer(s, ctx.shop, number), write=False)
    return customer_view(found, ctx) if found else None


QUERIES: dict[str, Any] = {"customers": resolve_customers, "customer": resolve_customer}
