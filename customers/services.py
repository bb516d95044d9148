"""Find or create the Odoo partner (and its invoice/delivery contacts) for a Shopify order.

Partners and addresses Synco creates carry external ids (module `shopify`), written by `load()` together
with the record, so a retry after a lost response finds them instead of creating twins.

How customers are matched is the shop's choice (`OrderRules.customer_match`): by e-mail (the default), always
a contact of Synco's own per Shopify customer, or every order on one chosen contact (no customer data sent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from customers.mapping import CONSENT_TAG, normalise_phone, phone_pattern, same_phone
from customers.models import GUEST_CUSTOMER_ID, CustomerLink, CustomerSettings
from orders.mapping import XMLID_MODULE, MappingError
from synclogs.records import record_created
from synco.models import OrderRules, Shop
from synco.odoo.cache import cached
from synco.odoo.client import OdooClient
from synco.shopify.types import Address, ShopifyOrder
from synco.xmlids import customer_xmlid, guest_xmlid, legacy_customer_xmlid

GUEST_REF = "shopify:guest"
ADDRESS_FIELDS = ("name", "street", "street2", "city", "zip", "phone", "country_id/.id", "state_id/.id")


@dataclass(frozen=True)
class PartnerRefs:
    partner_id: int
    invoice_id: int
    shipping_id: int


def customer_ref(customer_id: int) -> str:
    return f"shopify:customer:{customer_id}"


def customer_keys(shop: Shop, customer_id: int) -> list[str]:
    """Synco's external id names for a Shopify customer of this shop, the one it writes first.

    Per shop (two shops on one Odoo never share a partner); a customer's `customer_<id>` from before is still
    found (Shopify customer ids are unique across shops). The guest partner has only its per-shop key: the
    old `customer_guest` was every shop's.
    """
    if customer_id == GUEST_CUSTOMER_ID:
        return [guest_xmlid(shop.domain)]
    return [customer_xmlid(shop.domain, customer_id), legacy_customer_xmlid(customer_id)]


def partner_by_xmlid(client: OdooClient, shop: Shop, customer_id: int) -> int | None:
    """The partner Synco created for the customer (its per-shop or legacy external id), in one read."""
    keys = customer_keys(shop, customer_id)
    found = client.xmlid_targets(XMLID_MODULE, keys)
    return next((found[key] for key in keys if key in found), None)


def address_cells(client: OdooClient, address: Address, name: str) -> dict[str, str]:
    country_id = state_id = None
    if address.country_code:
        code = address.country_code
        country_id = cached(client, f"country_{code}", lambda: client.find_country_id(code))
    if country_id and address.province_code:
        # A state code is only unique within its country ('CA' is California, Cagliari, Cádiz, ...).
        province, country = address.province_code, country_id
        state_id = cached(
            client, f"state_{country}_{province}", lambda: client.find_state_id(country, province)
        )
    return {
        "name": name,
        "street": address.address1,
        "street2": address.address2,
        "city": address.city,
        "zip": address.zip,
        "phone": address.phone,
        "country_id/.id": str(country_id or ""),
        "state_id/.id": str(state_id or ""),
    }


def address_digest(partner_id: int, kind: str, address: Address) -> str:
    payload = json.dumps([partner_id, kind, address.__dict__], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def customer_links(shop: Shop, orders: list[ShopifyOrder]) -> dict[int, CustomerLink]:
    """The shop's links of the orders' customers (Shopify customer id -> link), in ONE query: a batch's
    mapping then reads none (ensure_partner's `known`)."""
    ids = {order.customer.id if order.customer else GUEST_CUSTOMER_ID for order in orders}
    return {
        link.shopify_customer_id: link
        for link in CustomerLink.objects.filter(shop=shop, shopify_customer_id__in=sorted(ids))
    }


def ensure_partner(
    client: OdooClient,
    shop: Shop,
    order: ShopifyOrder,
    rules: OrderRules,
    known: dict[int, CustomerLink] | None = None,
) -> PartnerRefs:
    """The order's partner (Synco's link, its external id, then e-mail, else created) and its addresses.
    `known`: the batch's customer links (customer_links) instead of a query, kept up to date with those made."""
    if rules.customer_match == OrderRules.CustomerMatch.SINGLE:
        # One contact for every order: no customer, address or e-mail of the shopper goes to Odoo.
        partner_id = single_partner(client, rules)
        return PartnerRefs(partner_id=partner_id, invoice_id=partner_id, shipping_id=partner_id)
    shopify_id = order.customer.id if order.customer else GUEST_CUSTOMER_ID
    link = (
        known.get(shopify_id)
        if known is not None
        else CustomerLink.objects.filter(shop=shop, shopify_customer_id=shopify_id).first()
    )
    if link is None:
        match_email = rules.customer_match == OrderRules.CustomerMatch.EMAIL
        partner_id = _find_or_create_partner(
            client, shop, order, rules.guest_customer_name, match_email=match_email
        )
        link, _ = CustomerLink.objects.update_or_create(
            shop=shop, shopify_customer_id=shopify_id, defaults={"odoo_partner_id": partner_id}
        )
        if known is not None:
            known[shopify_id] = link
    wanted = [
        (kind, address, address_digest(link.odoo_partner_id, kind, address))
        for kind, address in (("invoice", order.billing_address), ("delivery", order.shipping_address))
        if address is not None
    ]
    missing = [(kind, address, digest) for kind, address, digest in wanted if digest not in link.addresses]
    if missing:
        link.addresses.update(_load_addresses(client, link.odoo_partner_id, missing))
        link.save(update_fields=["addresses"])
    refs = {kind: int(link.addresses[digest]) for kind, _address, digest in wanted}
    return PartnerRefs(
        partner_id=link.odoo_partner_id,
        invoice_id=refs.get("invoice", link.odoo_partner_id),
        shipping_id=refs.get("delivery", link.odoo_partner_id),
    )


def matches_phone(shop: Shop) -> bool:
    """Does the shop also match existing Odoo contacts by phone number (Customers > settings)?"""
    return CustomerSettings.objects.filter(shop=shop, match_phone=True).exists()


def single_partner(client: OdooClient, rules: OrderRules) -> int:
    """The contact chosen for every order, checked once per process that it still exists in Odoo."""
    partner_id = rules.single_partner_id
    if not partner_id:
        raise MappingError(
            "Every order goes on one Odoo contact, but none is chosen: pick it in Settings > Products and "
            "customers."
        )
    name = cached(client, f"single_partner_{partner_id}", lambda: describe_partner(client, partner_id))
    if name is None:
        raise MappingError(
            f"The Odoo contact #{partner_id} that every order goes on does not exist in Odoo: choose another "
            "one in Settings > Products and customers."
        )
    return partner_id


def describe_partner(client: OdooClient, partner_id: int) -> str | None:
    """The contact's name as Odoo shows it ('(archived)' added), or None if Odoo has no such contact."""
    # web_read, unlike search_read, also answers for an archived contact (orders can still be put on it).
    rows = client.call("res.partner", "web_read", [partner_id], {"display_name": {}, "active": {}})
    if not rows:
        return None
    name = str(rows[0].get("display_name") or f"Contact #{partner_id}")
    return name if rows[0].get("active", True) else f"{name} (archived)"


def _find_or_create_partner(
    client: OdooClient, shop: Shop, order: ShopifyOrder, guest_name: str, *, match_email: bool = True
) -> int:
    customer = order.customer
    shopify_id = customer.id if customer else GUEST_CUSTOMER_ID
    found = partner_by_xmlid(client, shop, shopify_id)
    if found is not None:
        return found
    key = customer_keys(shop, shopify_id)[0]
    email = (customer.email or order.email) if customer else ""
    if customer is not None and email and match_email:
        # Top-level contacts only, case-insensitive: the merchant's existing customer record wins.
        by_email = client.find_partner_by_email(email)
        if by_email is not None:
            return by_email
    phone = customer.phone if customer else ""
    if customer is not None and phone and match_email and matches_phone(shop):
        by_phone = partners_by_phone(client, [phone]).get(phone)
        if by_phone is not None:
            return by_phone
    cells: dict[str, str]
    if customer is None:
        cells = {"name": guest_name, "ref": GUEST_REF}
    else:
        billing = order.billing_address or order.shipping_address
        name = (
            customer.name or (billing.name if billing else "") or email or f"Shopify customer {customer.id}"
        )
        cells = address_cells(client, billing, name) if billing else {"name": name}
        cells.update(
            {
                "email": email,
                "ref": customer_ref(customer.id),
                "phone": customer.phone or cells.get("phone", ""),
            }
        )
    fields = ["id", "customer_rank", *cells]
    [partner_id] = client.load("res.partner", fields, [[f"{XMLID_MODULE}.{key}", "1", *cells.values()]])
    label = "the guest customer" if customer is None else f"Shopify customer {customer.id}"
    record_created(
        shop_id=shop.pk,
        object_type="customer",
        object_ref=label,
        odoo_model="res.partner",
        odoo_id=partner_id,
        message=f"Created {label} in Odoo as partner #{partner_id} (external id {XMLID_MODULE}.{key}).",
    )
    return partner_id


def _load_addresses(
    client: OdooClient, partner_id: int, addresses: list[tuple[str, Address, str]]
) -> dict[str, int]:
    """Invoice/delivery children of the partner, created (or found, on a retry) in one `load()`."""
    fields = ["id", "parent_id/.id", "type", *ADDRESS_FIELDS]
    rows = []
    for kind, address, digest in addresses:
        cells = address_cells(client, address, address.name)
        rows.append(
            [f"{XMLID_MODULE}.address_{digest}", str(partner_id), kind, *(cells[f] for f in ADDRESS_FIELDS)]
        )
    ids = client.load("res.partner", fields, rows)
    return {digest: record_id for (_kind, _address, digest), record_id in zip(addresses, ids, strict=True)}


def partners_by_email(client: OdooClient, emails: Sequence[str]) -> dict[str, int]:
    """Lower-cased e-mail -> the oldest top-level contact with it, in one search (`=ilike` also treats '_'
    as a wildcard: the exact, case-insensitive comparison is made here)."""
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    if not wanted:
        return {}
    domain: list[Any] = ["|"] * (len(wanted) - 1) + [["email", "=ilike", email] for email in wanted]
    rows = client.call(
        "res.partner",
        "search_read",
        domain=[["parent_id", "=", False], *domain],
        fields=["id", "email"],
        order="id",
    )
    out: dict[str, int] = {}
    for row in rows:
        email = str(row.get("email") or "").strip().lower()
        if email in wanted and email not in out:
            out[email] = int(row["id"])
    return out


def calling_codes(client: OdooClient) -> dict[int, int]:
    """res.country id -> its calling code (Odoo's phone_code), read once per process and database."""

    def load() -> dict[int, int]:
        rows = client.call("res.country", "search_read", domain=[], fields=["id", "phone_code"])
        return {int(row["id"]): int(row.get("phone_code") or 0) for row in rows}

    return cached(client, "country_calling_codes", load)


def partners_phone_domain(numbers: Sequence[str]) -> list[Any]:
    """The search for top-level contacts whose phone may be one of these normalised numbers ([] for none)."""
    patterns = sorted({phone_pattern(number) for number in numbers if len(number) >= 7})
    if not patterns:
        return []
    return [
        ["parent_id", "=", False],
        *(["|"] * (len(patterns) - 1)),
        *[["phone", "=ilike", p] for p in patterns],
    ]


def partners_by_phone(client: OdooClient, phones: Sequence[str]) -> dict[str, int]:
    """Shopify phone (as given) -> the oldest top-level contact with the same number, however Odoo holds it
    ('+1 415-555-0100', '(415) 555 0100' with country US, ...), in one search."""
    wanted = {phone: normalise_phone(phone) for phone in phones if phone}
    wanted = {phone: number for phone, number in wanted.items() if len(number) >= 7}
    if not wanted:
        return {}
    domain = partners_phone_domain(list(wanted.values()))
    rows = client.call(
        "res.partner", "search_read", domain=domain, fields=["id", "phone", "country_id"], order="id"
    )
    codes = calling_codes(client) if rows else {}
    out: dict[str, int] = {}
    for row in rows:
        country = row.get("country_id")
        code = codes.get(int(country[0])) if isinstance(country, list) and country else None
        number = normalise_phone(str(row.get("phone") or ""), code or None)
        for phone, wanted_number in wanted.items():
            if phone not in out and same_phone(number, wanted_number):
                out[phone] = int(row["id"])
    return out


CONSENT_TAG_KEY = "partner_tag_accepts_email_marketing"


def consent_tag(client: OdooClient) -> int:
    """The contact tag 'Shopify: accepts e-mail marketing' (res.partner.category, in every Odoo), found by
    Synco's external id or created by one load; the same tag for every shop (like a product attribute)."""

    def find_or_create() -> int:
        found = client.xmlid_targets(XMLID_MODULE, [CONSENT_TAG_KEY]).get(CONSENT_TAG_KEY)
        if found is not None:
            return found
        [tag] = client.load(
            "res.partner.category", ["id", "name"], [[f"{XMLID_MODULE}.{CONSENT_TAG_KEY}", CONSENT_TAG]]
        )
        return tag

    return cached(client, "consent_tag", find_or_create)


def set_consent_tag(client: OdooClient, accepting: Sequence[int], not_accepting: Sequence[int]) -> None:
    """Tag the contacts that accept e-mail marketing, untag the others (their other tags are kept): at most
    two writes whatever the number of contacts."""
    if not (accepting or not_accepting):
        return
    tag = consent_tag(client)
    if accepting:
        client.call("res.partner", "write", sorted(set(accepting)), {"category_id": [(4, tag)]})
    if not_accepting:
        client.call("res.partner", "write", sorted(set(not_accepting)), {"category_id": [(3, tag)]})


def forget_missing_contacts(client: OdooClient, shop: Shop, order: ShopifyOrder) -> None:
    """After Odoo refused an order for a record that no longer exists: if the customer's linked contact or one
    of its address contacts was merged away or deleted in Odoo, Synco forgets it (one search), so the next
    attempt matches the customer again instead of failing on the same missing contact."""
    shopify_id = order.customer.id if order.customer else GUEST_CUSTOMER_ID
    link = CustomerLink.objects.filter(shop=shop, shopify_customer_id=shopify_id).first()
    if link is None:
        return
    ids = sorted({link.odoo_partner_id, *(int(contact) for contact in link.addresses.values())})
    alive = set(client.call("res.partner", "search", [["id", "in", ids], ["active", "in", [True, False]]]))
    if link.odoo_partner_id not in alive:
        link.delete()
        return
    kept = {digest: contact for digest, contact in link.addresses.items() if int(contact) in alive}
    if kept != link.addresses:
        link.addresses = kept
        link.save(update_fields=["addresses"])


def linked_customers(shop: Shop) -> QuerySet[CustomerLink]:
    """The shop's Shopify customers linked to Odoo contacts (the guest contact is not a customer)."""
    return CustomerLink.objects.filter(shop=shop).exclude(shopify_customer_id=GUEST_CUSTOMER_ID)
