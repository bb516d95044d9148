"""Shopify customer records for the customer tests (the shape synco.shopify.catalog parses)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from synco.shopify.catalog import CompanyRef, CustomerAddress, ShopifyCustomerRecord


def address(address_id: int, address1: str, *, default: bool = False, **overrides: Any) -> CustomerAddress:
    values: dict[str, Any] = {
        "id": address_id,
        "first_name": "Jane",
        "last_name": "Doe",
        "company": "",
        "address1": address1,
        "address2": "",
        "city": "San Francisco",
        "zip": "94105",
        "province_code": "CA",
        "country_code": "US",
        "phone": "",
        "default": default,
    }
    values.update(overrides)
    return CustomerAddress(**values)


def customer(customer_id: int = 7001, **overrides: Any) -> ShopifyCustomerRecord:
    """Jane Doe of tests.factories.order_node: her default address is the order's billing address, her
    other one its shipping address."""
    values: dict[str, Any] = {
        "id": customer_id,
        "gid": f"gid://shopify/Customer/{customer_id}",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane.doe@example.com",
        "phone": "+14155550100",
        "tax_exempt": False,
        "tax_exemptions": (),
        "email_marketing": "SUBSCRIBED",
        "sms_marketing": "",
        "addresses": (address(1, "1 Market St", default=True), address(2, "500 Howard St")),
        "companies": (),
        "note": "",
        "updated_at": datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return ShopifyCustomerRecord(**values)


def company(company_id: int, name: str) -> CompanyRef:
    return CompanyRef(id=company_id, name=name, location_names=(f"{name} HQ",))
