from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLSchema, parse, validate

from sandboxes.shopify.cost import page_factor, requested_query_cost
from sandboxes.shopify.generator import SandboxDataset
from sandboxes.shopify.graphql_api import AdminGraphQL
from sandboxes.shopify.ratelimit import PlanLimits

# Copied verbatim from /work/shared/shopify-platform.md, section 3.1.
ORDERS_PAGE = """
query OrdersPage($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason
      displayFinancialStatus displayFulfillmentStatus
      currencyCode presentmentCurrencyCode taxesIncluded test tags note
      customAttributes { key value }                       # = REST note_attributes
      totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      subtotalPriceSet { shopMoney { amount currencyCode } }
      totalTaxSet { shopMoney { amount currencyCode } }
      totalDiscountsSet { shopMoney { amount currencyCode } }
      totalShippingPriceSet { shopMoney { amount currencyCode } }
      email
      customer { id legacyResourceId firstName lastName
                 defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
      billingAddress  { firstName lastName company address1 address2 city zip province provinceCode country countryCodeV2 phone }
      shippingAddress { firstName lastName company address1 address2 city zip province provinceCode country countryCodeV2 phone }
      lineItems(first: 100) { pageInfo { hasNextPage endCursor } nodes {
        id sku name title quantity currentQuantity taxable requiresShipping
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        discountedUnitPriceSet { shopMoney { amount currencyCode } }
        discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
        taxLines { title rate ratePercentage priceSet { shopMoney { amount currencyCode } } }
        variant { id legacyResourceId sku barcode inventoryItem { id } } } }
      shippingLines(first: 10) { nodes { title code source
        originalPriceSet { shopMoney { amount currencyCode } }
        discountedPriceSet { shopMoney { amount currencyCode } }
        taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
        discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } } } }
      transactions(first: 20) { id gateway kind status processedAt test amountSet { shopMoney { amount currencyCode } } }
      fulfillments(first: 10) { id status createdAt trackingInfo(first: 5) { company number url } }
      refunds(first: 10) { id createdAt note totalRefundedSet { shopMoney { amount currencyCode } }
        refundLineItems(first: 50) { nodes { quantity restockType lineItem { id sku } subtotalSet { shopMoney { amount } } } } }
      risk { recommendation assessments { riskLevel facts { description sentiment } } }
    }
  }
}
"""

IDS = "query($q: String, $sort: OrderSortKeys, $rev: Boolean) { orders(first: 250, query: $q, sortKey: $sort, reverse: $rev) { nodes { name } } }"


def _names(
    run: Any, api: AdminGraphQL, query: str | None, sort: str = "ORDER_NUMBER", rev: bool = False
) -> list[str]:
    body = run(api, IDS, {"q": query, "sort": sort, "rev": rev})
    assert "errors" not in body, body
    return [n["name"] for n in body["data"]["orders"]["nodes"]]


def _by_name(dataset: SandboxDataset) -> dict[str, dict]:
    return {o["name"]: o for o in dataset.orders}


def test_it_answers_the_orders_page_query_of_the_platform_notes(
    schema: GraphQLSchema, api: AdminGraphQL, run: Any, dataset: SandboxDataset
) -> None:
    assert not validate(schema, parse(ORDERS_PAGE))
    body = run(
        api,
        ORDERS_PAGE,
        {"first": 25, "after": None, "query": "updated_at:>'2026-09-01T00:00:00Z' status:any"},
    )
    assert "errors" not in body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 938
    page = body["data"]["orders"]
    assert page["pageInfo"]["hasNextPage"] is True
    nodes = {n["name"]: n for n in page["nodes"]}
    assert len(nodes) == 25
    updated = [n["updatedAt"] for n in page["nodes"]]
    assert updated == sorted(updated)

    rest = _by_name(dataset)
    jose = nodes["#1001"]
    r = rest["#1001"]
    assert jose["id"] == "gid://shopify/Order/5550001001" and jose["legacyResourceId"] == "5550001001"
    assert jose["customer"]["firstName"] == "José" and jose["customer"]["lastName"] == "Müller"
    assert jose["customer"]["defaultEmailAddress"] == {"emailAddress": "jose.mueller@example.de"}
    assert jose["customer"]["defaultPhoneNumber"] == {"phoneNumber": "+4930555123"}
    assert jose["customer"]["id"] == r["customer"]["admin_graphql_api_id"]
    assert jose["taxesIncluded"] is True and jose["currencyCode"] == "USD"
    assert jose["billingAddress"]["countryCodeV2"] == "DE" and jose["billingAddress"]["provinceCode"] is None
    assert jose["createdAt"].endswith("Z") and jose["createdAt"][:10] == "2026-10-06"
    assert jose["totalPriceSet"]["shopMoney"]["currencyCode"] == "USD"
    assert Decimal(jose["totalPriceSet"]["shopMoney"]["amount"]) == Decimal(r["total_price"])
    assert Decimal(jose["totalTaxSet"]["shopMoney"]["amount"]) == Decimal(r["total_tax"])
    assert Decimal(jose["totalShippingPriceSet"]["shopMoney"]["amount"]) == Decimal("7.50")
    assert [li["sku"] for li in jose["lineItems"]["nodes"]] == [li["sku"] for li in r["line_items"]]
    line = jose["lineItems"]["nodes"][0]
    assert line["taxLines"][0]["title"] == "DE MwSt"
    assert line["taxLines"][0]["rate"] == 0.19 and line["taxLines"][0]["ratePercentage"] == 19.0
    assert line["variant"]["barcode"].startswith("00123456")
    assert line["variant"]["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")
    assert jose["shippingLines"]["nodes"][0]["taxLines"][0]["rate"] == 0.19
    assert jose["transactions"] == [
        {
            "id": f"gid://shopify/OrderTransaction/{5550001001700}",
            "gateway": "shopify_payments",
            "kind": "SALE",
            "status": "SUCCESS",
            "processedAt": jose["processedAt"],
            "test": False,
            "amountSet": {
                "shopMoney": {"amount": jose["totalPriceSet"]["shopMoney"]["amount"], "currencyCode": "USD"}
            },
        }
    ]
    assert jose["displayFinancialStatus"] == "PAID" and jose["displayFulfillmentStatus"] == "FULFILLED"
    tracking = jose["fulfillments"][0]["trackingInfo"][0]
    assert tracking["number"] == r["fulfillments"][0]["tracking_number"] and tracking["url"].startswith(
        "https://"
    )
    assert jose["risk"]["recommendation"] == "ACCEPT" and jose["risk"]["assessments"][0]["riskLevel"] == "LOW"
    # discounts: a line-level discount on #1001
    discounted = [li for li in jose["lineItems"]["nodes"] if li["discountAllocations"]]
    assert len(discounted) == 1
    assert Decimal(discounted[0]["discountedUnitPriceSet"]["shopMoney"]["amount"]) < Decimal(
        discounted[0]["originalUnitPriceSet"]["shopMoney"]["amount"]
    )

    hanako = nodes["#1002"]["customer"]
    assert (hanako["firstName"], hanako["lastName"], hanako["defaultPhoneNumber"]) == ("花子", "佐藤", None)
    guest = nodes["#1003"]
    assert guest["customer"] is None and guest["email"]
    eur = nodes["#1005"]
    assert eur["presentmentCurrencyCode"] == "EUR"
    assert eur["totalPriceSet"]["presentmentMoney"]["currencyCode"] == "EUR"
    assert nodes["#1006"]["test"] is True and nodes["#1006"]["transactions"][0]["gateway"] == "bogus"
    risky = nodes["#1007"]["risk"]
    assert risky["recommendation"] == "CANCEL" and risky["assessments"][0]["riskLevel"] == "HIGH"
    assert risky["assessments"][0]["facts"][0]["sentiment"] == "NEGATIVE"
    unknown = [li for li in nodes["#1008"]["lineItems"]["nodes"] if li["sku"] == "SKU-DISCONTINUED"]
    assert unknown[0]["variant"] is None
    cancelled = nodes["#1009"]
    assert cancelled["cancelReason"] == "CUSTOMER" and cancelled["displayFinancialStatus"] == "VOIDED"
    assert [t["kind"] for t in cancelled["transactions"]] == ["AUTHORIZATION", "VOID"]
    refunded = nodes["#1011"]
    assert refunded["displayFinancialStatus"] == "REFUNDED"
    assert (
        refunded["refunds"][0]["totalRefundedSet"]["shopMoney"]["amount"]
        == refunded["totalPriceSet"]["shopMoney"]["amount"]
    )
    partial = nodes["#1012"]["refunds"][0]["refundLineItems"]["nodes"][0]
    assert partial["quantity"] == 1 and partial["restockType"] == "NO_RESTOCK"
    assert partial["lineItem"]["sku"] == rest["#1012"]["line_items"][0]["sku"]
    assert nodes["#1013"]["displayFinancialStatus"] == "PENDING"
    assert nodes["#1014"]["displayFinancialStatus"] == "AUTHORIZED"
    assert nodes["#1015"]["shippingAddress"] is None and nodes["#1015"]["shippingLines"]["nodes"] == []


def test_it_paginates_forward_and_backward_without_duplicates_or_gaps(
    api: AdminGraphQL, run: Any, dataset: SandboxDataset
) -> None:
    query = """query($after: String) { orders(first: 7, after: $after, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name updatedAt } } } }"""
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = run(api, query, {"after": after})["data"]["orders"]
        pages += 1
        seen.extend(e["node"]["name"] for e in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 9
    assert len(seen) == len(set(seen)) == len(dataset.orders)

    backward = """query($before: String) { orders(last: 25, before: $before, sortKey: UPDATED_AT) {
      pageInfo { hasPreviousPage startCursor } nodes { name } } }"""
    tail: list[str] = []
    before = None
    while True:
        page = run(api, backward, {"before": before})["data"]["orders"]
        tail = [n["name"] for n in page["nodes"]] + tail
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert tail == seen


def test_it_filters_orders_with_the_search_syntax(
    api: AdminGraphQL, run: Any, dataset: SandboxDataset
) -> None:
    orders = dataset.orders
    everything = [o["name"] for o in orders]
    assert _names(run, api, None) == everything
    assert _names(run, api, "status:any") == everything
    pivot = sorted(o["updated_at"] for o in orders)[30]

    def later(o: dict, stamp: str) -> bool:
        return datetime.fromisoformat(o["updated_at"]) > datetime.fromisoformat(stamp)

    expected = [o["name"] for o in orders if later(o, pivot)]
    utc_pivot = datetime.fromisoformat(pivot).astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
    assert _names(run, api, f"updated_at:>'{utc_pivot}'") == expected
    assert _names(run, api, f"updated_at:>={utc_pivot}") == [
        o["name"] for o in orders if datetime.fromisoformat(o["updated_at"]) >= datetime.fromisoformat(pivot)
    ]
    assert _names(run, api, "created_at:<2026-10-10") == [
        o["name"] for o in orders if o["created_at"][:10] < "2026-10-10"
    ]
    assert _names(run, api, "financial_status:paid") == [
        o["name"] for o in orders if o["financial_status"] == "paid"
    ]
    assert _names(run, api, "fulfillment_status:shipped") == [
        o["name"] for o in orders if o["fulfillment_status"] == "fulfilled"
    ]
    assert _names(run, api, "fulfillment_status:unshipped") == [
        o["name"] for o in orders if o["fulfillment_status"] is None
    ]
    assert _names(run, api, "status:cancelled") == ["#1009", "#1010"]
    assert _names(run, api, "status:closed") == [o["name"] for o in orders if o["closed_at"]]
    assert _names(run, api, "status:open") == [
        o["name"] for o in orders if not o["closed_at"] and not o["cancelled_at"]
    ]
    assert _names(run, api, "test:true") == ["#1006"]
    assert _names(run, api, "test:false") == [n for n in everything if n != "#1006"]
    assert _names(run, api, "name:#1001") == ["#1001"]
    assert _names(run, api, "name:1017") == ["#1017"]
    assert _names(run, api, "financial_status:paid test:true") == ["#1006"]
    assert _names(run, api, "financial_status:refunded OR financial_status:voided") == [
        "#1009",
        "#1010",
        "#1011",
    ]
    assert _names(run, api, "-financial_status:paid status:cancelled") == ["#1009", "#1010"]
    assert _names(run, api, "sku:SKU-DISCONTINUED") == ["#1008"]
    assert _names(run, api, "risk_level:high") == ["#1007"]
    body = run(api, IDS, {"q": "colour:green test:true"})
    assert [n["name"] for n in body["data"]["orders"]["nodes"]] == ["#1006"]
    assert body["extensions"]["search"] == [
        {
            "path": ["orders"],
            "query": "colour:green test:true",
            "warnings": [{"field": "colour", "message": "Invalid search field for this query."}],
        }
    ]


def test_it_sorts_by_the_schema_sort_keys(api: AdminGraphQL, run: Any, dataset: SandboxDataset) -> None:
    names = [o["name"] for o in dataset.orders]
    assert _names(run, api, None, "ORDER_NUMBER", rev=True) == names[::-1]
    assert _names(run, api, None, "ID") == names
    assert _names(run, api, None, "CREATED_AT") == names
    by_total = sorted(dataset.orders, key=lambda o: (float(o["total_price"]), o["id"]))
    assert _names(run, api, None, "TOTAL_PRICE") == [o["name"] for o in by_total]
    # PROCESSED_AT is the default.
    body = run(api, "{ orders(first: 3) { nodes { name } } }")
    assert [n["name"] for n in body["data"]["orders"]["nodes"]] == names[:3]


def test_it_fetches_single_orders_and_nodes(api: AdminGraphQL, run: Any) -> None:
    body = run(
        api,
        """query($id: ID!, $ids: [ID!]!) {
      order(id: $id) { name }
      node(id: $id) { __typename id ... on Order { name lineItems(first: 1) { nodes { sku } } } }
      nodes(ids: $ids) { __typename ... on Order { name } ... on ProductVariant { sku } }
      missing: order(id: "gid://shopify/Order/1") { name }
    }""",
        {
            "id": "gid://shopify/Order/5550001002",
            "ids": ["gid://shopify/Order/5550001003", "gid://shopify/Order/9"],
        },
    )
    assert "errors" not in body
    data = body["data"]
    assert data["order"] == {"name": "#1002"}
    assert data["node"]["__typename"] == "Order" and data["node"]["name"] == "#1002"
    assert data["nodes"] == [{"__typename": "Order", "name": "#1003"}, None]
    assert data["missing"] is None


def test_it_describes_the_shop(api: AdminGraphQL, run: Any) -> None:
    body = run(api, "{ shop { name myshopifyDomain currencyCode ianaTimezone plan { displayName } } }")
    assert body["data"]["shop"] == {
        "name": "Synco Demo",
        "myshopifyDomain": "synco-demo.myshopify.com",
        "currencyCode": "USD",
        "ianaTimezone": "America/New_York",
        "plan": {"displayName": "Shopify"},
    }
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2
    assert body["extensions"]["cost"]["actualQueryCost"] == 2


def test_it_rejects_invalid_documents_with_shopify_errors(api: AdminGraphQL, run: Any) -> None:
    body = run(api, "{ orders(first: 1) { nodes { id colour } } }")
    assert body == {
        "errors": [
            {
                "message": "Field 'colour' doesn't exist on type 'Order'",
                "locations": [{"line": 1, "column": 33}],
                "extensions": {"code": "undefinedField", "typeName": "Order", "fieldName": "colour"},
            }
        ]
    }
    body = run(api, "{ order { name } }")
    assert body["errors"][0]["message"] == "Field 'order' is missing required arguments: id"
    assert body["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    body = run(api, "{ shop { plan } }")
    assert body["errors"][0]["extensions"]["code"] == "selectionMismatch"
    body = run(api, "{ orders(first: 1) { nodes { id }")
    assert body["errors"][0]["message"].startswith("Syntax Error") and "locations" in body["errors"][0]
    body = run(api, "{ orders { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["orders"] and body["data"] is None


def test_it_prices_queries_like_the_live_api(schema: GraphQLSchema) -> None:
    def cost(query: str, model: str = "shopify") -> int:
        return requested_query_cost(schema, parse(query), None, {}, model)  # type: ignore[arg-type]

    assert [page_factor(n, "shopify") for n in (1, 10, 25, 50, 100, 150, 250)] == [1, 4, 6, 7, 9, 10, 11]
    assert cost("{ shop { name } }") == 1
    # Figures measured on live shops (see cost.py): flat orders page, nested line items, BC connector query.
    assert cost("{ orders(first: 250) { nodes { id name } } }") == 13
    assert cost("{ orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id } } } } }") == 156
    assert (
        cost(
            '{ product(id: "gid://shopify/Product/1") { variants(first: 250) { nodes { inventoryItem { id tracked } } } } }'
        )
        == 25
    )
    bc = (
        "{orders(first:25){pageInfo{hasNextPage} edges{cursor node{legacyResourceId name channel { name } "
        "totalPriceSet{shopMoney{amount currencyCode}} customAttributes{key value} tags risk { assessments { riskLevel }} "
        "displayAddress { countryCodeV2 } shippingAddress { countryCodeV2 } billingAddress { countryCodeV2 } "
        "totalTaxSet { presentmentMoney { amount } shopMoney { amount } } taxLines { channelLiable } "
        "purchasingEntity { ... on PurchasingCompany { company { id }}}}}}}"
    )
    assert cost(bc) == 68
    assert cost(bc.replace("first:25", "first:150")) == 112
    # The rules read literally (page size as the factor, every object 1 point):
    assert cost("{ orders(first: 250) { nodes { id } } }", "linear") == 252
    assert (
        cost("{ orders(first: 10) { edges { node { totalPriceSet { shopMoney { amount } } } } } }", "linear")
        == 32
    )
    assert (
        cost('mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["x"]) { userErrors { message } } }')
        == 10
    )


def test_it_refuses_queries_above_the_single_query_limit(api: AdminGraphQL, run: Any) -> None:
    api.cost_model = "linear"
    body = run(api, ORDERS_PAGE, {"first": 25})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED" and error["extensions"]["maxCost"] == 1000
    assert error["message"].startswith(
        f"Query cost is {error['extensions']['cost']}, which exceeds the single query max cost limit (1000)."
    )
    assert "data" not in body and "extensions" not in body


def test_it_throttles_with_a_leaky_bucket_and_recovers(api: AdminGraphQL, run: Any, clock: Any) -> None:
    api.cost_model = "linear"
    api.limiter.override("synco-demo.myshopify.com", PlanLimits(100.0, 50.0))
    query = "{ orders(first: 50) { nodes { id } } }"  # requested 52, actual 52 (60 orders exist)
    first = run(api, query)
    assert first["extensions"]["cost"] == {
        "requestedQueryCost": 52,
        "actualQueryCost": 52,
        "throttleStatus": {"maximumAvailable": 100.0, "currentlyAvailable": 48, "restoreRate": 50.0},
    }
    second = run(api, query)
    assert second == {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": 52,
                "actualQueryCost": None,
                "throttleStatus": {"maximumAvailable": 100.0, "currentlyAvailable": 48, "restoreRate": 50.0},
            }
        },
    }
    clock.now += (52 - 48) / 50.0  # the back-off of the platform notes, section 4
    third = run(api, query)
    assert third["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0
    # A short page is charged its actual cost: the unused points come back.
    clock.now += 2
    small = run(api, '{ orders(first: 50, query: "name:#1001") { nodes { id } } }')
    assert small["extensions"]["cost"]["requestedQueryCost"] == 52
    assert small["extensions"]["cost"]["actualQueryCost"] == 3
    assert small["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 97


def test_it_uses_the_plan_table(api: AdminGraphQL, run: Any, store: Any) -> None:
    assert run(api, "{ shop { name } }")["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1999,
        "restoreRate": 100.0,
    }
    store.set_plan("synco-demo.myshopify.com", "plus")
    assert (
        run(api, "{ shop { name } }")["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 20000.0
    )
