"""Find or create the Odoo partner (and its invoice/delivery contacts) for a Shopify order."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from customers.models import GUEST_CUSTOMER_ID, CustomerLink
from synco.models import Shop
from synco.odoo.client import OdooClient
from synco.shopify.types import Address, ShopifyOrder

GUEST_REF = "shopify:guest"


@dataclass(frozen=True)
class PartnerRefs:
    partner_id: int
    invoice_id: int
    shipping_id: int


def customer_ref(customer_id: int) -> str:
    return f"shopify:customer:{customer_id}"


def _address_values(client: OdooClient, address: Address) -> dict[str, Any]:
    values: dict[str, Any] = {
        "street": address.address1,
        "street2": address.address2,
        "city": address.city,
        "zip": address.zip,
        "phone": address.phone,
    }
    if address.country_code:
        country_id = client.find_country_id(address.country_code)
        if country_id:
            values["country_id"] = country_id
            if address.province_code:
                state_id = client.find_state_id(country_id, address.province_code)
                if state_id:
                    values["state_id"] = state_id
    return {key: value for key, value in values.items() if value}


def _digest(kind: str, address: Address) -> str:
    return hashlib.sha256(json.dumps([kind, address.__dict__], sort_keys=True).encode()).hexdigest()[:20]


def ensure_partner(client: OdooClient, shop: Shop, order: ShopifyOrder, guest_name: str) -> PartnerRefs:
    """The order's partner (Synco's link, then ref, then e-mail, else created) and its addresses."""
    customer = order.customer
    shopify_id = customer.id if customer else GUEST_CUSTOMER_ID
    link = CustomerLink.objects.filter(shop=shop, shopify_customer_id=shopify_id).first()
    if link is None:
        partner_id = _find_or_create_partner(client, order, guest_name)
        link, _ = CustomerLink.objects.update_or_create(
            shop=shop, shopify_customer_id=shopify_id, defaults={"odoo_partner_id": partner_id}
        )
    refs = {"invoice": link.odoo_partner_id, "delivery": link.odoo_partner_id}
    changed = False
    for kind, address in (("invoice", order.billing_address), ("delivery", order.shipping_address)):
        if address is None:
            continue
        digest = _digest(kind, address)
        if digest not in link.addresses:
            link.addresses[digest] = _child_address(client, link.odoo_partner_id, kind, address)
            changed = True
        refs[kind] = int(link.addresses[digest])
    if changed:
        link.save(update_fields=["addresses"])
    return PartnerRefs(
        partner_id=link.odoo_partner_id, invoice_id=refs["invoice"], shipping_id=refs["delivery"]
    )


def _find_or_create_partner(client: OdooClient, order: ShopifyOrder, guest_name: str) -> int:
    customer = order.customer
    if customer is None:
        return client.find_partner_by_ref(GUEST_REF) or client.create_partner(
            {"name": guest_name, "ref": GUEST_REF, "customer_rank": 1}
        )
    partner_id = client.find_partner_by_ref(customer_ref(customer.id))
    email = customer.email or order.email
    if partner_id is None and email:
        partner_id = client.find_partner_by_email(email)
    if partner_id is not None:
        return partner_id
    billing = order.billing_address or order.shipping_address
    values: dict[str, Any] = {
        "name": customer.name
        or (billing.name if billing else "")
        or email
        or f"Shopify customer {customer.id}",
        "email": email,
        "phone": customer.phone,
        "ref": customer_ref(customer.id),
        "customer_rank": 1,
    }
    if billing:
        values.update(_address_values(client, billing))
    return client.create_partner({key: value for key, value in values.items() if value})


def _child_address(client: OdooClient, partner_id: int, kind: str, address: Address) -> int:
    """An invoice or delivery contact under the partner: an identical one is reused, else created."""
    values = _address_values(client, address)
    values.update({"parent_id": partner_id, "type": kind, "name": address.name})
    values = {key: value for key, value in values.items() if value}
    return client.find_child_address(values) or client.create_partner(values)
