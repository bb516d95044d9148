"""Pure mapping of a Shopify customer to what its Odoo partner holds (no Odoo, no database).

The partner carries the customer's name, e-mail, phone and default address; every other address becomes a
'delivery' child. Addresses are the order path's `Address` values, so the digests an order computes for an
equal billing/shipping address (customers.services) find what the import created.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from synco.shopify.catalog import CustomerAddress, ShopifyCustomerRecord
from synco.shopify.types import Address

CONSENT_TAG = "Shopify: accepts e-mail marketing"  # the Odoo contact tag (res.partner.category)


@dataclass(frozen=True)
class PartnerValues:
    """What Synco writes on the customer's own partner (country/state as codes: the service resolves ids)."""

    name: str
    email: str
    phone: str
    note: str  # the internal note (Odoo's `comment`): the tax exemption
    address: Address | None  # the default address, held by the partner itself
    company: tuple[int, str] | None  # (Shopify company id, name) when the customer goes under a company
    # E-mail marketing consent, only when the merchant copies it (the contact tag CONSENT_TAG); else None.
    accepts_marketing: bool | None = None

    def digest(self) -> str:
        """Changes when anything Synco would write changes: no Odoo write for an unchanged customer."""
        payload = json.dumps(
            [
                self.name,
                self.email,
                self.phone,
                self.note,
                self.address and self.address.__dict__,
                self.company,
                self.accepts_marketing,
            ],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:24]


def address(raw: CustomerAddress) -> Address:
    """A customer address as the order parser reads an order's billing/shipping address."""
    return Address(
        first_name=raw.first_name,
        last_name=raw.last_name,
        company=raw.company,
        address1=raw.address1,
        address2=raw.address2,
        city=raw.city,
        zip=raw.zip,
        province_code=raw.province_code,
        country_code=raw.country_code,
        phone=raw.phone,
    )


def default_address(record: ShopifyCustomerRecord) -> Address | None:
    defaults = [raw for raw in record.addresses if raw.default]
    return address(defaults[0]) if defaults else None


def other_addresses(record: ShopifyCustomerRecord) -> list[Address]:
    """The customer's addresses other than the default one, each once (Shopify may hold an address twice)."""
    default = default_address(record)
    seen: list[Address] = []
    for raw in record.addresses:
        value = address(raw)
        if raw.default or value == default or value in seen:
            continue
        seen.append(value)
    return seen


def display_name(record: ShopifyCustomerRecord) -> str:
    name = " ".join(part for part in (record.first_name, record.last_name) if part).strip()
    default = default_address(record)
    return name or (default.name if default else "") or record.email or f"Shopify customer {record.id}"


def partner_note(record: ShopifyCustomerRecord) -> str:
    """The partner's internal note: the tax exemption, with Shopify's exemption codes."""
    if not (record.tax_exempt or record.tax_exemptions):
        return ""
    exemptions = ", ".join(record.tax_exemptions)
    return "Tax exempt in Shopify" + (f" (exemptions: {exemptions})" if exemptions else "")


def partner_values(
    record: ShopifyCustomerRecord, *, copy_consent: bool, with_companies: bool
) -> PartnerValues:
    company = None
    if with_companies and record.companies:
        # Odoo has one parent per contact: the first company Shopify lists.
        first = record.companies[0]
        company = (first.id, first.name or f"Shopify company {first.id}")
    return PartnerValues(
        name=display_name(record),
        email=record.email,
        phone=record.phone or (default_address(record) or Address()).phone,
        note=partner_note(record),
        address=default_address(record),
        company=company,
        accepts_marketing=record.email_marketing == "SUBSCRIBED" if copy_consent else None,
    )


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def normalise_phone(phone: str, calling_code: int | None = None) -> str:
    """A phone number as digits with its country code when known: '+1 (415) 555-0100' -> '14155550100';
    '06 12 34 56 78' with France's 33 -> '33612345678'; '' for no number. Without a country code (none
    written, country unknown) the national digits, trunk 0 dropped."""
    raw = (phone or "").strip()
    number = digits(raw)
    if not number:
        return ""
    if raw.startswith("+"):
        return number
    if number.startswith("00"):
        return number[2:]
    national = number.lstrip("0")
    return f"{calling_code}{national}" if calling_code else national


def same_phone(a: str, b: str) -> bool:
    """Normalised numbers are the same: equal, or one is the other without its country code (at least 7
    digits left, so short extensions never match)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 7 and long.endswith(short)


def phone_pattern(normalised: str) -> str:
    """An Odoo `=ilike` pattern that finds the number however it is written: its last 7 digits in order,
    anything between them ('+1 415-555-0100' and '(415) 5550100' both match '%5%5%5%0%1%0%0')."""
    tail = normalised[-7:]
    return "%" + "%".join(tail)
