"""Find or create the Odoo partner for a Shopify order's customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customers.models import CustomerLink
from synco.models import Shop
from synco.odoo.client import OdooClient
from synco.shopify.types import Address, ShopifyOrder


@dataclass(frozen=True)
class PartnerRefs:
    partner_id: int
    invoice_id: int
    shipping_id: int


def customer_ref(customer_id: int) -> str:
    return f"shopify:customer:{customer_id}"


GUEST_REF = "shopify:guest"


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


def ensure_partner(client: OdooClient, shop: Shop, order: ShopifyOrder, guest_name: str) -> PartnerRefs:
    """The partner of the order (by Synco's ref, then e-mail, else created) and its addresses."""
    customer = order.customer
    if customer is None:
        guest_id = client.find_partner_by_ref(GUEST_REF) or client.create_partner(
            {"name": guest_name, "ref": GUEST_REF, "customer_rank": 1}
        )
        return _with_order_addresses(client, guest_id, order)

    link = CustomerLink.objects.filter(shop=shop, shopify_customer_id=customer.id).first()
    partner_id: int | None = link.odoo_partner_id if link else None
    if partner_id is None:
        partner_id = client.find_partner_by_ref(customer_ref(customer.id))
    email = customer.email or order.email
    if partner_id is None and email:
        partner_id = client.find_partner_by_email(email)
    if partner_id is None:
        billing = order.billing_address or order.shipping_address
        values: dict[str, Any] = {
            "name": customer.name or email or f"Shopify customer {customer.id}",
            "email": email,
            "phone": customer.phone,
            "ref": customer_ref(customer.id),
            "customer_rank": 1,
        }
        if billing:
            values.update(_address_values(client, billing))
        partner_id = client.create_partner({key: value for key, value in values.items() if value})
    CustomerLink.objects.update_or_create(
        shop=shop, shopify_customer_id=customer.id, defaults={"odoo_partner_id": partner_id}
    )
    return _with_order_addresses(client, partner_id, order)


def _with_order_addresses(client: OdooClient, partner_id: int, order: ShopifyOrder) -> PartnerRefs:
    """Invoice and delivery contacts for this order: an identical child is reused, else one is created."""
    refs = {"invoice": partner_id, "delivery": partner_id}
    for kind, address in (("invoice", order.billing_address), ("delivery", order.shipping_address)):
        if address is None:
            continue
        values = _address_values(client, address)
        values.update({"parent_id": partner_id, "type": kind, "name": address.name})
        values = {key: value for key, value in values.items() if value}
        refs[kind] = client.find_child_address(values) or client.create_partner(values)
    return PartnerRefs(partner_id=partner_id, invoice_id=refs["invoice"], shipping_id=refs["delivery"])
