"""Every GraphQL document Synco sends to Shopify (each is validated against the official schema in tests)."""

from __future__ import annotations

import json

MONEY = "shopMoney { amount currencyCode }"
MONEY_BAG = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

ORDER_HEAD = f"""
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason
  displayFinancialStatus displayFulfillmentStatus sourceName
  currencyCode presentmentCurrencyCode taxesIncluded test tags note
  customAttributes {{ key value }}
  totalPriceSet {{ {MONEY_BAG} }}
  currentTotalPriceSet {{ {MONEY_BAG} }}
  subtotalPriceSet {{ {MONEY_BAG} }}
  totalTaxSet {{ {MONEY_BAG} }}
  totalDiscountsSet {{ {MONEY_BAG} }}
  totalShippingPriceSet {{ {MONEY_BAG} }}
  totalTipReceivedSet {{ {MONEY_BAG} }}
  email
  customer {{ id legacyResourceId firstName lastName
             defaultEmailAddress {{ emailAddress }} defaultPhoneNumber {{ phoneNumber }} }}
  billingAddress {{ firstName lastName company address1 address2 city zip province provinceCode
                   country countryCodeV2 phone }}
  shippingAddress {{ firstName lastName company address1 address2 city zip province provinceCode
                    country countryCodeV2 phone }}
"""

LINE_ITEM = f"""
    id sku name title quantity currentQuantity unfulfilledQuantity taxable requiresShipping isGiftCard
    originalUnitPriceSet {{ {MONEY} }}
    discountedUnitPriceSet {{ {MONEY} }}
    discountAllocations {{ allocatedAmountSet {{ {MONEY} }} }}
    taxLines {{ title rate ratePercentage priceSet {{ {MONEY} }} }}
    variant {{ id legacyResourceId sku barcode product {{ id }} }}
"""

SHIPPING_LINE = f"""
    id title code source
    originalPriceSet {{ {MONEY} }}
    discountedPriceSet {{ {MONEY} }}
    taxLines {{ title rate ratePercentage priceSet {{ {MONEY} }} }}
    discountAllocations {{ allocatedAmountSet {{ {MONEY} }} }}
"""

ORDER_TAIL = f"""
  transactions(first: 20) {{ id gateway kind status processedAt test amountSet {{ {MONEY} }} }}
  fulfillments(first: 5) {{ id status createdAt trackingInfo(first: 3) {{ company number url }} }}
  risk {{ recommendation assessments {{ riskLevel facts {{ description sentiment }} }} }}
"""

# A refund as Synco maps it into a credit note: the refunded lines, shipping, adjustments and the money moved.
# Kept small (a page of 25 orders stays near 500 cost points); a refund with more lines is held with the reason.
REFUND_LINES = 20
REFUNDS = f"""
  refunds(first: 5) {{ id createdAt note totalRefundedSet {{ {MONEY} }}
    refundLineItems(first: {REFUND_LINES}) {{ pageInfo {{ hasNextPage }} nodes {{ lineItem {{ id }} quantity restockType
      subtotalSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }} }} }}
    refundShippingLines(first: 2) {{ nodes {{ shippingLine {{ id }}
      subtotalAmountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }} }}
    orderAdjustments(first: 3) {{ nodes {{ id reason amountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }} }} }}
    transactions(first: 3) {{ nodes {{ id kind status gateway processedAt amountSet {{ {MONEY} }} }} }}
  }}
"""

# Where the order ships from (issue 14: its Odoo warehouse): the location of each fulfilment order and its
# units (up to 10 lines counted: enough to tell which location holds most of the goods), and the POS location.
# 12 points an order, 72 a page of 25 (758 -> 830 requested; an order by id 126 -> 138).
LOCATION_FOS = 3
LOCATION_FO_LINES = 10
ORDER_LOCATION = f"""
  retailLocation {{ id }}
  fulfillmentOrders(first: {LOCATION_FOS}) {{ nodes {{ id status assignedLocation {{ location {{ id }} }}
    lineItems(first: {LOCATION_FO_LINES}) {{ nodes {{ totalQuantity }} }} }} }}
"""

ORDER_FIELDS = f"""
fragment OrderFields on Order {{
{ORDER_HEAD}
  lineItems(first: $lineCount) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_ITEM} }} }}
  shippingLines(first: 10) {{ nodes {{ {SHIPPING_LINE} }} }}
{ORDER_LOCATION}
{ORDER_TAIL}
{REFUNDS}
}}
"""

ORDERS_PAGE = (
    """
query OrdersPage($first: Int!, $after: String, $query: String, $lineCount: Int!, $sortKey: OrderSortKeys!) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
)

ORDER_BY_ID = (
    """
query OrderById($id: ID!, $lineCount: Int!) {
  order(id: $id) { ...OrderFields }
}
"""
    + ORDER_FIELDS
)

ORDER_LINES = f"""
query OrderLines($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 250, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_ITEM} }} }}
  }}
}}
"""

SHOP_INFO = """
query ShopInfo {
  shop { name myshopifyDomain currencyCode ianaTimezone }
}
"""

# Bulk operations: the same order fields; connections without page arguments and through `edges { node }`
# (Shopify refuses `nodes` in bulk queries); their nodes come back as JSONL rows of their own with __parentId.
# Connections nest at most two deep there: fulfilment orders come without their lines (so without units).
BULK_ORDER_FIELDS = f"""
{ORDER_HEAD}
  lineItems {{ edges {{ node {{ {LINE_ITEM} }} }} }}
  shippingLines {{ edges {{ node {{ {SHIPPING_LINE} }} }} }}
  retailLocation {{ id }}
  fulfillmentOrders {{ edges {{ node {{ id status assignedLocation {{ location {{ id }} }} }} }} }}
{ORDER_TAIL}
  refunds(first: 5) {{ id createdAt note totalRefundedSet {{ {MONEY} }} }}
"""


def bulk_orders_query(search: str) -> str:
    """The inner query of a bulk operation over the orders matching `search` (oldest update first)."""
    escaped = json.dumps(search)  # a GraphQL string literal: quotes and backslashes escaped
    return f"{{ orders(query: {escaped}, sortKey: UPDATED_AT) {{ edges {{ node {{ {BULK_ORDER_FIELDS} }} }} }} }}"


RUN_BULK_QUERY = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION = """
query BulkOperationStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl }
  }
}
"""

ALL_DOCUMENTS = {
    "OrdersPage": ORDERS_PAGE,
    "OrderById": ORDER_BY_ID,
    "OrderLines": ORDER_LINES,
    "ShopInfo": SHOP_INFO,
    "RunBulk": RUN_BULK_QUERY,
    "BulkOperationStatus": BULK_OPERATION,
}
