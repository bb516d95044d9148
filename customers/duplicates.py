"""The duplicate-customer report: Odoo contacts that look like the same Shopify customer, with a merge suggestion.

Seeded from the shop's own links (a page of Shopify customers at a time), so a shop only ever sees groups around
its customers. For each page: one read of the linked contacts, one search for every contact with one of their
e-mails, and, when the shop matches phones, one search by phone. Synco never merges: Odoo's Contacts > Merge
(the base.partner.merge.automatic.wizard) does, and the suggestion says which contact to keep (the one Synco
links, so orders keep finding it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customers.mapping import normalise_phone, same_phone
from customers.models import CustomerLink, CustomerSettings
from customers.services import calling_codes, partners_phone_domain
from synco.models import Shop
from synco.odoo.client import OdooClient

PAGE = 100  # Shopify customers (links) per page of the report
FIELDS = ["id", "display_name", "email", "phone", "country_id", "parent_id"]


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    email: str
    phone: str
    shopify_customer_id: int | None  # the shop's customer Synco links to this contact, if any


@dataclass(frozen=True)
class DuplicateGroup:
    reason: str  # "Same e-mail" / "Same phone number"
    value: str  # the shared e-mail or number
    contacts: tuple[Contact, ...]  # the one to keep first
    keep: Contact

    @property
    def others(self) -> tuple[Contact, ...]:
        return tuple(contact for contact in self.contacts if contact.id != self.keep.id)

    @property
    def relink(self) -> tuple[Contact, ...]:
        """Other contacts Synco also links (another Shopify customer): after a merge, pick the kept one for it."""
        return tuple(contact for contact in self.others if contact.shopify_customer_id is not None)


@dataclass(frozen=True)
class DuplicateReport:
    groups: tuple[DuplicateGroup, ...]
    page: int
    pages: int
    customers_checked: int


def duplicate_report(client: OdooClient, shop: Shop, page: int = 1) -> DuplicateReport:
    links = CustomerLink.objects.filter(shop=shop).exclude(shopify_customer_id=0).order_by("pk")
    total = links.count()
    pages = max(1, -(-total // PAGE))
    page = min(max(page, 1), pages)
    chunk = list(links[(page - 1) * PAGE : page * PAGE])
    if not chunk:
        return DuplicateReport(groups=(), page=page, pages=pages, customers_checked=0)
    linked_by_partner: dict[int, int] = {}
    for link in sorted(chunk, key=lambda link: link.shopify_customer_id):
        linked_by_partner.setdefault(link.odoo_partner_id, link.shopify_customer_id)
    # Links of the shop's other pages count too (a contact Synco links for another customer of this shop).
    shop_links = dict(
        CustomerLink.objects.filter(shop=shop)
        .exclude(shopify_customer_id=0)
        .values_list("odoo_partner_id", "shopify_customer_id")
    )
    linked = client.call("res.partner", "read", sorted(linked_by_partner), fields=FIELDS)
    seeds = {int(row["id"]): row for row in linked}
    groups: list[DuplicateGroup] = []
    emails = sorted({str(row.get("email") or "").strip().lower() for row in linked} - {""})
    if emails:
        domain: list[Any] = ["|"] * (len(emails) - 1) + [["email", "=ilike", email] for email in emails]
        rows = client.call(
            "res.partner",
            "search_read",
            domain=[["parent_id", "=", False], *domain],
            fields=FIELDS,
            order="id",
        )
        by_email: dict[str, dict[int, dict[str, Any]]] = {}
        for row in [*rows, *linked]:
            email = str(row.get("email") or "").strip().lower()
            if email in emails:
                by_email.setdefault(email, {})[int(row["id"])] = row
        for email, found in sorted(by_email.items()):
            if len(found) > 1:
                groups.append(_group("Same e-mail", email, found, shop_links, linked_by_partner))
    if CustomerSettings.of(shop).match_phone:
        groups.extend(_phone_groups(client, seeds, shop_links, linked_by_partner, groups))
    return DuplicateReport(groups=tuple(groups), page=page, pages=pages, customers_checked=len(chunk))


def _phone_groups(
    client: OdooClient,
    seeds: dict[int, dict[str, Any]],
    shop_links: dict[int, int],
    linked_by_partner: dict[int, int],
    already: list[DuplicateGroup],
) -> list[DuplicateGroup]:
    codes = calling_codes(client)

    def number(row: dict[str, Any]) -> str:
        country = row.get("country_id")
        code = codes.get(int(country[0])) if isinstance(country, list) and country else None
        return normalise_phone(str(row.get("phone") or ""), code or None)

    numbers = {partner_id: number(row) for partner_id, row in seeds.items()}
    numbers = {partner_id: value for partner_id, value in numbers.items() if len(value) >= 7}
    domain = partners_phone_domain(sorted(set(numbers.values())))
    if not domain:
        return []
    rows = client.call("res.partner", "search_read", domain=domain, fields=FIELDS, order="id")
    shown = {frozenset(contact.id for contact in group.contacts) for group in already}
    groups = []
    for partner_id, value in sorted(numbers.items(), key=lambda item: item[1]):
        found = {int(row["id"]): row for row in rows if same_phone(number(row), value)}
        found[partner_id] = seeds[partner_id]
        if len(found) > 1 and frozenset(found) not in shown:
            shown.add(frozenset(found))
            groups.append(_group("Same phone number", f"+{value}", found, shop_links, linked_by_partner))
    return groups


def _group(
    reason: str,
    value: str,
    found: dict[int, dict[str, Any]],
    shop_links: dict[int, int],
    linked_by_partner: dict[int, int],
) -> DuplicateGroup:
    contacts = [
        Contact(
            id=partner_id,
            name=str(row.get("display_name") or f"Contact #{partner_id}"),
            email=str(row.get("email") or ""),
            phone=str(row.get("phone") or ""),
            shopify_customer_id=shop_links.get(partner_id),
        )
        for partner_id, row in sorted(found.items())
    ]
    # Keep the contact Synco links for this page's customer (orders find it); the oldest one if several.
    keep = next(
        (contact for contact in contacts if contact.id in linked_by_partner),
        next((contact for contact in contacts if contact.shopify_customer_id is not None), contacts[0]),
    )
    ordered = (keep, *(contact for contact in contacts if contact.id != keep.id))
    return DuplicateGroup(reason=reason, value=value, contacts=ordered, keep=keep)
