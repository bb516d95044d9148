"""GraphQL Order nodes for tests, in the exact shape Shopify returns for the OrderFields fragment."""

from __future__ import annotations

import copy
from typing import Any


def money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {
        "shopMoney": {"amount": amount, "currencyCode": currency},
        "presentmentMoney": {"amount": amount, "currencyCode": currency},
    }


BASE_NODE: dict[str, Any] = {
    "id": "gid://shopify/Order/5550001001",
    "legacyResourceId": "5550001001",
    "name": "#1001",
    "createdAt": "2026-11-20T14:03:00Z",
    "updatedAt": "2026-11-20T14:05:00Z",
    "processedAt": "2026-11-20T14:03:00Z",
    "cancelledAt": None,
    "cancelReason": None,
    "displayFinancialStatus": "PAID",
    "displayFulfillmentStatus": "UNFULFILLED",
    "sourceName": "web",
    "currencyCode": "USD",
    "presentmentCurrencyCode": "USD",
    "taxesIncluded": False,
    "test": False,
    "tags": ["vip"],
    "note": "Leave at the door",
    "customAttributes": [{"key": "gift", "value": "yes"}],
    "totalPriceSet": money("61.77"),
    "subtotalPriceSet": money("48.50"),
    "totalTaxSet": money("7.28"),
    "totalDiscountsSet": money("5.00"),
    "totalShippingPriceSet": money("5.99"),
    "email": "jane.doe@example.com",
    "customer": {
        "id": "gid://shopify/Customer/7001",
        "legacyResourceId": "7001",
        "firstName": "Jane",
        "lastName": "Doe",
        "defaultEmailAddress": {"emailAddress": "jane.doe@example.com"},
        "defaultPhoneNumber": {"phoneNumber": "+14155550100"},
    },
    "billingAddress": {
        "firstName": "Jane",
        "lastName": "Doe",
        "company": None,
        "address1": "1 Market St",
        "address2": None,
        "city": "San Francisco",
        "zip": "94105",
        "province": "California",
        "provinceCode": "CA",
        "country": "United States",
        "countryCodeV2": "US",
        "phone": None,
    },
    "shippingAddress": {
        "firstName": "Jane",
        "lastName": "Doe",
        "company": None,
        "address1": "500 Howard St",
        "address2": None,
        "city": "San Francisco",
        "zip": "94105",
        "province": "California",
        "provinceCode": "CA",
        "country": "United States",
        "countryCodeV2": "US",
        "phone": None,
    },
    "lineItems": {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [
            {
                "id": "gid://shopify/LineItem/9001",
                "sku": "SKU-TSHIRT-M",
                "name": "Organic T-Shirt - M",
                "title": "Organic T-Shirt - M",
                "quantity": 2,
                "currentQuantity": 2,
                "taxable": True,
                "requiresShipping": True,
                "originalUnitPriceSet": money("25.00"),
                "discountedUnitPriceSet": money("22.50"),
                "discountAllocations": [{"allocatedAmountSet": money("5.00")}],
                "taxLines": [
                    {"title": "Sales tax", "rate": 0.15, "ratePercentage": 15.0, "priceSet": money("6.75")}
                ],
                "variant": {
                    "id": "gid://shopify/ProductVariant/41",
                    "legacyResourceId": "41",
                    "sku": "SKU-TSHIRT-M",
                    "barcode": "0012345678912",
                },
            },
            {
                "id": "gid://shopify/LineItem/9002",
                "sku": "SKU-GIFTWRAP",
                "name": "Gift wrap",
                "title": "Gift wrap",
                "quantity": 1,
                "currentQuantity": 1,
                "taxable": True,
                "requiresShipping": False,
                "originalUnitPriceSet": money("3.50"),
                "discountedUnitPriceSet": money("3.50"),
                "discountAllocations": [],
                "taxLines": [
                    {"title": "Sales tax", "rate": 0.15, "ratePercentage": 15.0, "priceSet": money("0.53")}
                ],
                "variant": {
                    "id": "gid://shopify/ProductVariant/42",
                    "legacyResourceId": "42",
                    "sku": "SKU-GIFTWRAP",
                    "barcode": "0012345679049",
                },
            },
        ],
    },
    "shippingLines": {
        "nodes": [
            {
                "title": "Standard",
                "code": "STANDARD",
                "source": "shopify",
                "originalPriceSet": money("5.99"),
                "discountedPriceSet": money("5.99"),
                "taxLines": [],
                "discountAllocations": [],
            },
        ]
    },
    "transactions": [
        {
            "id": "gid://shopify/OrderTransaction/1",
            "gateway": "shopify_payments",
            "kind": "SALE",
            "status": "SUCCESS",
            "processedAt": "2026-11-20T14:03:00Z",
            "test": False,
            "amountSet": money("61.77"),
        },
    ],
    "risk": {"recommendation": "ACCEPT", "assessments": [{"riskLevel": "LOW", "facts": []}]},
}


def order_node(**overrides: Any) -> dict[str, Any]:
    """A copy of BASE_NODE with top-level keys replaced."""
    node = copy.deepcopy(BASE_NODE)
    node.update(overrides)
    return node
