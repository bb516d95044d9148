"""Execution of Admin API GraphQL documents against Shopify's official schema.

Documents are parsed and validated against the real 2026-10 introspection schema, so a query that
Shopify would reject is rejected here too; Shopify's error wording is used for the common
validation failures. Query root fields (`orders`, `order`, `node`, `nodes`, `shop`, the bulk
operation reads, and those of `stock_api`, `products` and `customers`) get resolvers that turn the
REST-shaped store into GraphQL-shaped dicts (see `views`). Mutations run when every root field of the
document has a resolver (`MUTATIONS`: the bulk query mutations of `bulk`, order edits, refunds, stock and
the product mutations of `products`); other mutations are priced and answered
`NOT_IMPLEMENTED_IN_SANDBOX`.
Every request is priced (`cost`) and charged to a leaky bucket (`ratelimit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from sandboxes.shopify import customers, order_edit_api, products, stock_api, views
from sandboxes.shopify.bulk import (
    CONCURRENT_QUERIES,
    FIVE_AT_ONCE_SINCE,
    BulkOperations,
    BulkRun,
    build_plan,
    check_bulk_query,
)
from sandboxes.shopify.cost import MAX_QUERY_COST, CostModel, actual_query_cost, requested_query_cost
from sandboxes.shopify.ratelimit import RateLimiter
from sandboxes.shopify.schema import API_VERSION
from sandboxes.shopify.search import OrderMatcher
from sandboxes.shopify.search import parse as parse_search
from sandboxes.shopify.store import SandboxStore

Json = dict[str, Any]
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"


@dataclass
class RequestContext:
    store: SandboxStore
    shop: str
    search: list[Json] = field(default_factory=list)
    token: str = ""  # the app: bulk operations belong to one app on one shop
    api_version: str = API_VERSION
    bulk_operations: BulkOperations | None = None
    bulk_run: BulkRun | None = None  # set while a bulk query executes: no page limits, chunked root
    on_refund: Any = None  # (shop, order id) -> None: sends refunds/create
    on_order_edit: Any = None  # (shop, order id, OrderEdit body) -> None: sends orders/edited, orders/updated
    scopes: frozenset[str] | None = None  # the token's access scopes; None: not enforced (in-process use)
    on_webhook: Any = None  # (shop, topic, payload) -> None: inventory_levels/update
    on_fulfillment: Any = (
        None  # (shop, order, fulfillment, topic) -> None: fulfillments/create|update, orders/*
    )

    @property
    def unbounded(self) -> bool:
        return self.bulk_run is not None


# ------------------------------------------------------------------------------------ orders


def _ctx(info: GraphQLResolveInfo) -> RequestContext:
    ctx = info.context
    assert isinstance(ctx, RequestContext)
    return ctx


FINANCIAL = {
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
}
FULFILLMENT = {
    None: "UNFULFILLED",
    "fulfilled": "FULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "restocked": "RESTOCKED",
}


def order_view(order: Json, ctx: RequestContext) -> Json:
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    applications = [
        views.discount_application_view(app, i, shop_ccy)
        for i, app in enumerate(order.get("discount_applications") or [])
    ]
    # Units shipped per line: its share of the order's live fulfilments (a cancelled one gave them back).
    shipped: dict[int, int] | None = None
    if any(f.get("line_items") for f in order.get("fulfillments") or []):
        shipped = {}
        for f in order.get("fulfillments") or []:
            if f.get("status") in ("cancelled", "error", "failure"):
                continue
            for fl in f.get("line_items") or []:
                shipped[int(fl["id"])] = shipped.get(int(fl["id"]), 0) + int(fl.get("quantity") or 0)
    lines = [
        views.line_item_view(
            li, applications, shop_ccy, pres_ccy, None if shipped is None else shipped.get(int(li["id"]), 0)
        )
        for li in order.get("line_items") or []
    ]
    _live_variants(lines, order, ctx)
    lines_by_id = {li["_id"]: li for li in lines}
    transactions = [
        transaction_view(t, shop_ccy, pres_ccy) for t in ctx.store.transactions(ctx.shop, order["id"])
    ]
    shipping_lines = [shipping_line_view(s, applications) for s in order.get("shipping_lines") or []]
    refunds = [
        refund_view(r, lines_by_id, shop_ccy, pres_ccy, shipping_lines) for r in order.get("refunds") or []
    ]
    risk = ctx.store.risk(ctx.shop, order["id"])
    financial = str(order.get("financial_status") or "").lower()
    refunded_sets = [
        _amount_set(t, shop_ccy, pres_ccy)
        for r in order.get("refunds") or []
        for t in r.get("transactions") or []
        if (t.get("status") or "success") == "success"
    ]
    received_sets = [
        _amount_set(t, shop_ccy, pres_ccy)
        for t in ctx.store.transactions(ctx.shop, order["id"])
        if (t.get("status") or "success") == "success" and t.get("kind") in ("sale", "capture")
    ]
    tags = [t.strip() for t in (order.get("tags") or "").split(",") if t.strip()]
    addr_base = order["id"] * 1000
    return {
        "__typename": "Order",
        "id": views.gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "createdAt": views.utc(order.get("created_at")),
        "updatedAt": views.utc(order.get("updated_at")),
        "processedAt": views.utc(order.get("processed_at")),
        "cancelledAt": views.utc(order.get("cancelled_at")),
        "closedAt": views.utc(order.get("closed_at")),
        "closed": order.get("closed_at") is not None,
        "cancelReason": str(order["cancel_reason"]).upper() if order.get("cancel_reason") else None,
        "confirmed": bool(order.get("confirmed", True)),
        "confirmationNumber": order.get("confirmation_number"),
        "displayFinancialStatus": financial.upper() if financial in FINANCIAL else None,
        "displayFulfillmentStatus": FULFILLMENT.get(order.get("fulfillment_status"), "UNFULFILLED"),
        "currencyCode": shop_ccy,
        "presentmentCurrencyCode": pres_ccy,
        "taxesIncluded": bool(order.get("taxes_included")),
        "taxExempt": bool(order.get("tax_exempt")),
        "test": bool(order.get("test")),
        "tags": tags,
        "note": order.get("note"),
        "email": order.get("email"),
        "phone": order.get("phone"),
        "sourceName": order.get("source_name"),
        "customerLocale": order.get("customer_locale"),
        "customAttributes": [
            {"key": a["name"], "value": a.get("value")} for a in order.get("note_attributes") or []
        ],
        "paymentGatewayNames": list(order.get("payment_gateway_names") or []),
        "discountCodes": [d["code"] for d in order.get("discount_codes") or []],
        "discountCode": (order.get("discount_codes") or [{}])[0].get("code"),
        "totalPriceSet": views.bag(order["total_price_set"]),
        "subtotalPriceSet": views.bag(order.get("subtotal_price_set")),
        "totalTaxSet": views.bag(order.get("total_tax_set")),
        "totalDiscountsSet": views.bag(order.get("total_discounts_set")),
        "totalShippingPriceSet": views.bag(order["total_shipping_price_set"]),
        "currentTotalPriceSet": views.bag(order.get("current_total_price_set") or order["total_price_set"]),
        "totalRefundedSet": views.sum_bags(refunded_sets, shop_ccy, pres_ccy),
        "totalReceivedSet": views.sum_bags(received_sets, shop_ccy, pres_ccy),
        "totalOutstandingSet": views.zero_bag(shop_ccy, pres_ccy)
        if Decimal(order.get("total_outstanding") or 0) == 0
        else {
            "shopMoney": {"amount": views.decimal_str(order["total_outstanding"]), "currencyCode": shop_ccy},
            "presentmentMoney": {
                "amount": views.decimal_str(order["total_outstanding"]),
                "currencyCode": pres_ccy,
            },
        },
        "totalTipReceivedSet": views.zero_bag(shop_ccy, pres_ccy)
        if Decimal(order.get("total_tip_received") or 0) == 0
        else {
            "shopMoney": {"amount": views.decimal_str(order["total_tip_received"]), "currencyCode": shop_ccy},
            "presentmentMoney": {
                "amount": views.decimal_str(order["total_tip_received"]),
                "currencyCode": pres_ccy,
            },
        },
        "subtotalLineItemsQuantity": sum(
            int(li.get("quantity") or 0) for li in order.get("line_items") or []
        ),
        "fullyPaid": financial in ("paid", "partially_refunded", "refunded"),
        "unpaid": financial in ("pending", "authorized", "expired", "voided"),
        "capturable": financial == "authorized",
        "requiresShipping": any(li["requiresShipping"] for li in lines),
        "taxLines": [views.tax_line_view(t) for t in order.get("tax_lines") or []],
        "customer": views.customer_view(order.get("customer")),
        "billingAddress": views.address_view(order.get("billing_address"), addr_base + 991),
        "shippingAddress": views.address_view(order.get("shipping_address"), addr_base + 992),
        "displayAddress": views.address_view(
            order.get("shipping_address") or order.get("billing_address"), addr_base + 992
        ),
        "lineItems": views.id_connection(lines),
        "shippingLines": views.id_connection(shipping_lines),
        "shippingLine": shipping_lines[0] if shipping_lines else None,
        "transactions": views.first_list(transactions),
        "fulfillments": views.first_list([fulfillment_view(f) for f in order.get("fulfillments") or []]),
        "fulfillmentOrders": stock_api.order_fulfillment_orders(order, ctx),
        "refunds": views.first_list(refunds),
        "risk": {
            "recommendation": risk.get("recommendation", "NONE"),
            "assessments": [
                {
                    "riskLevel": a.get("riskLevel", "NONE"),
                    "facts": list(a.get("facts") or []),
                    "provider": None,
                }
                for a in risk.get("assessments") or []
            ],
        },
    }


def _live_variants(lines: list[Json], order: Json, ctx: RequestContext) -> None:
    """A line whose variant is not one of the demo catalogue's (a product added to the shop) gets it, and its
    product, from the shop's products."""
    missing = [
        (view, int(raw["variant_id"]))
        for view, raw in zip(lines, order.get("line_items") or [], strict=True)
        if view["variant"] is None and raw.get("variant_id")
    ]
    if not missing:
        return
    found = ctx.store.transact(lambda s: products.index(s, ctx.shop).by_variant, write=False)
    for view, variant_id in missing:
        pair = found.get(variant_id)
        if pair is not None:
            view["variant"] = products.variant_view(pair[0], pair[1], ctx)
            view["product"] = products.product_view(pair[0], ctx)


def shipping_line_view(line: Json, applications: list[Json]) -> Json:
    return {
        "_id": line["id"],
        "id": views.gid("ShippingLine", line["id"]),
        "title": line.get("title"),
        "code": line.get("code"),
        "source": line.get("source"),
        "carrierIdentifier": line.get("carrier_identifier"),
        "phone": line.get("phone"),
        "custom": line.get("source") != "shopify",
        "isRemoved": bool(line.get("is_removed")),
        "deliveryCategory": None,
        "shippingRateHandle": None,
        "originalPriceSet": views.bag(line["price_set"]),
        "discountedPriceSet": views.bag(line.get("discounted_price_set") or line["price_set"]),
        "currentDiscountedPriceSet": views.bag(line.get("discounted_price_set") or line["price_set"]),
        "taxLines": [views.tax_line_view(t) for t in line.get("tax_lines") or []],
        "discountAllocations": [
            {
                "allocatedAmountSet": views.bag(a.get("amount_set")),
                "discountApplication": applications[a["discount_application_index"]],
            }
            for a in line.get("discount_allocations") or []
        ],
    }


def _amount_set(t: Json, shop_ccy: str, pres_ccy: str) -> Json:
    """A transaction's money bag. REST transactions as Shopify publishes them carry only `amount` and
    `currency` (the generator adds `amount_set`): Shopify serves the same amount in both monies then."""
    return t.get("amount_set") or {
        "shop_money": {"amount": t["amount"], "currency_code": shop_ccy},
        "presentment_money": {"amount": t["amount"], "currency_code": t.get("currency") or pres_ccy},
    }


def transaction_view(t: Json, shop_ccy: str, pres_ccy: str) -> Json:
    amount_set = _amount_set(t, shop_ccy, pres_ccy)
    return {
        "_id": t["id"],
        "id": views.gid("OrderTransaction", t["id"]),
        "gateway": t.get("gateway"),
        "formattedGateway": str(t.get("gateway") or "").replace("_", " ").title(),
        "kind": str(t.get("kind") or "sale").upper(),
        "status": str(t.get("status") or "success").upper(),
        "processedAt": views.utc(t.get("processed_at")),
        "createdAt": views.utc(t.get("created_at")),
        "test": bool(t.get("test")),
        "amountSet": views.bag(amount_set),
        "authorizationCode": t.get("authorization"),
        "errorCode": t.get("error_code"),
        "paymentId": t.get("payment_id"),
        "parentTransaction": {"id": views.gid("OrderTransaction", t["parent_id"])}
        if t.get("parent_id")
        else None,
        "manuallyCapturable": False,
        "multiCapturable": False,
    }


def fulfillment_view(f: Json) -> Json:
    numbers = f.get("tracking_numbers") or ([f["tracking_number"]] if f.get("tracking_number") else [])
    urls = f.get("tracking_urls") or ([f["tracking_url"]] if f.get("tracking_url") else [])
    tracking = [
        {"company": f.get("tracking_company"), "number": n, "url": urls[i] if i < len(urls) else None}
        for i, n in enumerate(numbers)
    ]
    return {
        "id": views.gid("Fulfillment", f["id"]),
        "legacyResourceId": str(f["id"]),
        "name": f.get("name"),
        "status": str(f.get("status") or "success").upper(),
        "createdAt": views.utc(f.get("created_at")),
        "updatedAt": views.utc(f.get("updated_at")),
        "requiresShipping": True,
        "displayStatus": {"delivered": "DELIVERED", "in_transit": "IN_TRANSIT"}.get(
            str(f.get("shipment_status")), "FULFILLED"
        ),
        "totalQuantity": sum(int(li.get("quantity") or 0) for li in f.get("line_items") or []),
        "trackingInfo": views.first_list(tracking),
        # What the fulfilment shipped, per order line (REST `line_items` hold the line with the quantity shipped).
        "fulfillmentLineItems": views.id_connection(
            [
                {
                    "_id": int(f["id"]) * 1000 + i,
                    "id": views.gid("FulfillmentLineItem", int(f["id"]) * 1000 + i),
                    "quantity": int(li.get("quantity") or 0),
                    "lineItem": {"id": views.gid("LineItem", li["id"]), "sku": li.get("sku")},
                }
                for i, li in enumerate(f.get("line_items") or [])
            ]
        ),
        "deliveredAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": None,
    }


def refund_view(
    r: Json,
    lines_by_id: dict[int, Json],
    shop_ccy: str,
    pres_ccy: str,
    shipping_lines: list[Json] | None = None,
) -> Json:
    transactions = [transaction_view(t, shop_ccy, pres_ccy) for t in r.get("transactions") or []]
    refund_lines = []
    for rli in r.get("refund_line_items") or []:
        qty = int(rli.get("quantity") or 0)
        line = lines_by_id.get(rli["line_item_id"])
        refund_lines.append(
            {
                "_id": rli["id"],
                "id": views.gid("RefundLineItem", rli["id"]),
                "quantity": qty,
                "restockType": str(rli.get("restock_type") or "no_restock").upper(),
                "restocked": rli.get("restock_type") in ("return", "cancel", "legacy_restock"),
                "lineItem": line,
                "subtotalSet": views.bag(rli.get("subtotal_set")),
                "totalTaxSet": views.bag(rli.get("total_tax_set")),
                "priceSet": line["originalUnitPriceSet"] if line else None,
                "location": None,
            }
        )
    return {
        "id": views.gid("Refund", r["id"]),
        "legacyResourceId": str(r["id"]),
        "note": r.get("note"),
        "createdAt": views.utc(r.get("created_at")),
        "updatedAt": views.utc(r.get("processed_at") or r.get("created_at")),
        "processedAt": views.utc(r.get("processed_at") or r.get("created_at")),
        "totalRefundedSet": views.sum_bags(
            [_amount_set(t, shop_ccy, pres_ccy) for t in r.get("transactions") or []], shop_ccy, pres_ccy
        ),
        "refundLineItems": views.id_connection(refund_lines),
        "transactions": views.id_connection(transactions),
        "refundShippingLines": views.id_connection(_refund_shipping_lines(r, shipping_lines or [])),
        "orderAdjustments": views.id_connection(
            [
                {
                    "_id": a["id"],
                    "id": views.gid("OrderAdjustment", a["id"]),
                    "reason": ADJUSTMENT_REASONS.get(str(a.get("kind")), "REFUND_DISCREPANCY"),
                    "amountSet": views.bag(a.get("amount_set")),
                    "taxAmountSet": views.bag(a.get("tax_amount_set")),
                }
                for a in r.get("order_adjustments") or []
                if a.get("kind") != "shipping_refund"
            ]
        ),
    }


ADJUSTMENT_REASONS = {
    "refund_discrepancy": "REFUND_DISCREPANCY",
    "pending_refund_discrepancy": "PENDING_REFUND_DISCREPANCY",
}


def _refund_shipping_lines(r: Json, shipping_lines: list[Json]) -> list[Json]:
    """Refunded shipping: the refund's own shipping lines, or (older refunds) its shipping_refund adjustments,
    whose amounts Shopify signs negative."""
    by_id = {line["_id"]: line for line in shipping_lines}
    rows = [
        {
            "_id": s["id"],
            "id": views.gid("RefundShippingLine", s["id"]),
            "shippingLine": by_id.get(s["shipping_line_id"])
            or {"id": views.gid("ShippingLine", s["shipping_line_id"])},
            "subtotalAmountSet": views.bag(s.get("subtotal_amount_set")),
            "taxAmountSet": views.bag(s.get("tax_amount_set")),
        }
        for s in r.get("refund_shipping_lines") or []
    ]
    for a in r.get("order_adjustments") or []:
        if a.get("kind") != "shipping_refund":
            continue
        amount, tax = a.get("amount_set") or {}, a.get("tax_amount_set") or {}
        rows.append(
            {
                "_id": a["id"],
                "id": views.gid("RefundShippingLine", a["id"]),
                "shippingLine": shipping_lines[0] if shipping_lines else None,
                "subtotalAmountSet": views.bag(_negated(amount)),
                "taxAmountSet": views.bag(_negated(tax)),
            }
        )
    return rows


def _negated(bag: Json) -> Json:
    return {
        side: {**money, "amount": str(-Decimal(str(money.get("amount") or 0)))}
        for side, money in bag.items()
        if isinstance(money, dict)
    }


# ------------------------------------------------------------------------------ root fields

SORT_KEYS: dict[str, Any] = {
    "CREATED_AT": lambda o: views.utc(o["created_at"]),
    "UPDATED_AT": lambda o: views.utc(o["updated_at"]),
    "PROCESSED_AT": lambda o: views.utc(o.get("processed_at") or o["created_at"]),
    "ID": lambda o: o["id"],
    "RELEVANCE": lambda o: o["id"],
    "ORDER_NUMBER": lambda o: int(o.get("order_number") or 0),
    "TOTAL_PRICE": lambda o: int(Decimal(o["total_price"]) * 100),
    "CURRENT_TOTAL_PRICE": lambda o: int(Decimal(o.get("current_total_price") or o["total_price"]) * 100),
    "TOTAL_ITEMS_QUANTITY": lambda o: sum(int(li.get("quantity") or 0) for li in o.get("line_items") or []),
    "CUSTOMER_NAME": lambda o: " ".join(
        filter(
            None,
            (
                (o.get("customer") or o.get("billing_address") or {}).get(k)
                for k in ("first_name", "last_name")
            ),
        )
    ).lower(),
    "FINANCIAL_STATUS": lambda o: str(o.get("financial_status") or ""),
    "FULFILLMENT_STATUS": lambda o: str(o.get("fulfillment_status") or ""),
    "DESTINATION": lambda o: str((o.get("shipping_address") or {}).get("country_code") or ""),
    "PO_NUMBER": lambda o: str(o.get("po_number") or ""),
}


def resolve_orders(
    _root: Any,
    info: GraphQLResolveInfo,
    *,
    query: str | None = None,
    sortKey: str = "PROCESSED_AT",
    reverse: bool = False,
    **window: Any,
) -> Json:
    ctx = _ctx(info)
    run = ctx.bulk_run
    if run is None:
        views.check_window(window.get("first"), window.get("last"))
    elif run.matched is not None:  # later chunks of a bulk query: the orders were matched once
        return _bulk_page(run, ctx)
    shop = ctx.store.shop(ctx.shop)

    def risk_level(order: Json) -> str:
        assessments = ctx.store.risk(ctx.shop, order["id"]).get("assessments") or [{}]
        return str(assessments[0].get("riskLevel") or "NONE")

    matcher = OrderMatcher(query, timezone=shop["iana_timezone"], risk_level=risk_level)
    if query:
        entry: Json = {"path": [str(k) for k in info.path.as_list()], "query": query}
        if matcher.parsed.warnings:
            entry["warnings"] = matcher.parsed.warnings
            ctx.search.append(entry)
    key_of = SORT_KEYS.get(sortKey, SORT_KEYS["ID"])
    matched = sorted(((key_of(o), o["id"]), o) for o in ctx.store.orders(ctx.shop) if matcher(o))
    if run is not None:
        # A bulk query ignores first/last/after/before and returns every match, a chunk at a time.
        run.matched = list(reversed(matched)) if reverse else matched
        return _bulk_page(run, ctx)
    # Views are built for the page only: pagination works on raw orders.
    page = views.paginate(
        [o for _, o in matched],
        [k for k, _ in matched],
        reverse=reverse,
        **_window_args(window),
    )
    built = {id(o): order_view(o, ctx) for o in page["nodes"]}
    page["nodes"] = [built[id(o)] for o in page["nodes"]]
    page["edges"] = [{"cursor": e["cursor"], "node": built[id(e["node"])]} for e in page["edges"]]
    return page


def _bulk_page(run: BulkRun, ctx: RequestContext) -> Json:
    window = run.window()
    nodes = [order_view(o, ctx) for _, o in window]
    cursors = [views.encode_cursor(key[1], key[0]) for key, _ in window]
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": run.offset + len(window) < run.total,
            "hasPreviousPage": run.offset > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _window_args(window: dict[str, Any]) -> dict[str, Any]:
    return {k: window.get(k) for k in ("first", "last", "after", "before")}


def _node(ctx: RequestContext, global_id: str) -> Json | None:
    parsed = views.parse_gid(global_id)
    if parsed is None:
        raise GraphQLError(
            f"Invalid global id '{global_id}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    kind, number = parsed
    if kind == "Order":
        order = ctx.store.order(ctx.shop, number)
        return order_view(order, ctx) if order else None
    if kind in ("Product", "ProductVariant"):
        return products.node(ctx, kind, number)
    if kind == "Customer":
        return customers.node(ctx, kind, number)
    if kind == "BulkOperation" and ctx.bulk_operations is not None:
        return ctx.bulk_operations.get(ctx.shop, ctx.token, number)
    return stock_api.node(ctx, kind, number)


def resolve_order(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    node = _node(_ctx(info), id)
    return node if node and node.get("__typename") == "Order" else None


def resolve_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    return _node(_ctx(info), id)


def resolve_nodes(_root: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Json | None]:
    return [_node(_ctx(info), i) for i in ids]


PLAN_NAMES = {
    "standard": "Shopify",
    "advanced": "Advanced",
    "plus": "Shopify Plus",
    "enterprise": "Enterprise",
}


def resolve_shop(_root: Any, info: GraphQLResolveInfo) -> Json:
    ctx = _ctx(info)
    shop = ctx.store.shop(ctx.shop)
    plan_name = PLAN_NAMES.get(shop["plan"], shop["plan"].title())
    return {
        "id": views.gid("Shop", shop["id"]),
        "name": shop["name"],
        "email": shop["email"],
        "contactEmail": shop["email"],
        "myshopifyDomain": shop["myshopify_domain"],
        "currencyCode": shop["currency"],
        "ianaTimezone": shop["iana_timezone"],
        "enabledPresentmentCurrencies": sorted({shop["currency"], "EUR"}),
        "taxesIncluded": False,
        "url": f"https://{shop['myshopify_domain']}",
        "plan": {
            "displayName": plan_name,
            "publicDisplayName": plan_name,
            "partnerDevelopment": False,
            "shopifyPlus": shop["plan"] in ("plus", "enterprise"),
        },
    }


# ---------------------------------------------------------------------------- bulk operations


def _operations(ctx: RequestContext) -> BulkOperations:
    if ctx.bulk_operations is None:
        raise GraphQLError(
            "Bulk operations are not available here", extensions={"code": "INTERNAL_SERVER_ERROR"}
        )
    return ctx.bulk_operations


def resolve_bulk_operation(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    node = _node(_ctx(info), id)
    return node if node and node.get("__typename") == "BulkOperation" else None


def resolve_current_bulk_operation(_root: Any, info: GraphQLResolveInfo, type: str = "QUERY") -> Json | None:
    ctx = _ctx(info)
    return _operations(ctx).current(ctx.shop, ctx.token, type)


BULK_SORT_KEYS: dict[str, Any] = {
    "CREATED_AT": lambda op: op["createdAt"],
    "COMPLETED_AT": lambda op: op["completedAt"] or "",
}


def _bulk_term(op: Json, term: Any) -> bool:
    value = str(term.value).lower()
    if term.field == "status":
        return bool(op["status"].lower() == value)
    if term.field == "operation_type":
        return bool(op["type"].lower() == value)
    if term.field == "id":
        number = int(op["id"].rsplit("/", 1)[1])
        wanted = int(value.rsplit("/", 1)[-1]) if value.rsplit("/", 1)[-1].isdigit() else -1
        return {
            ">": number > wanted,
            ">=": number >= wanted,
            "<": number < wanted,
            "<=": number <= wanted,
        }.get(term.op, number == wanted)
    if term.field == "created_at":
        stamp, since = op["createdAt"], value.upper().replace("+00:00", "Z")
        since = since if "T" in since else f"{since}T00:00:00Z"
        return {">": stamp > since, ">=": stamp >= since, "<": stamp < since, "<=": stamp <= since}.get(
            term.op, stamp.startswith(value.upper()[:10])
        )
    return True


def resolve_bulk_operations(
    _root: Any,
    info: GraphQLResolveInfo,
    *,
    query: str | None = None,
    sortKey: str = "CREATED_AT",
    reverse: bool = False,
    **window: Any,
) -> Json:
    """The app's bulk operations, newest first by default, with the documented search filters."""
    ctx = _ctx(info)
    views.check_window(window.get("first"), window.get("last"))
    parsed = parse_search(query or "")
    ops = [
        op
        for op in _operations(ctx).views(ctx.shop, ctx.token)
        if any(all(_bulk_term(op, t) != t.negate for t in group) for group in parsed.groups)
    ]
    key_of = BULK_SORT_KEYS.get(sortKey, BULK_SORT_KEYS["CREATED_AT"])
    keyed = sorted(((key_of(op), int(op["id"].rsplit("/", 1)[1])), op) for op in ops)
    return views.paginate(
        [op for _, op in keyed],
        [k for k, _ in keyed],
        reverse=not reverse,  # the underlying list is newest first
        **_window_args(window),
    )


def _bulk_number(global_id: str) -> int | None:
    parsed = views.parse_gid(global_id)
    return parsed[1] if parsed is not None and parsed[0] == "BulkOperation" else None


def resolve_bulk_operation_run_query(
    _root: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool = False
) -> Json:
    ctx = _ctx(info)
    operations = _operations(ctx)
    schema = info.schema
    checked = check_bulk_query(schema, query, allow_nodes=operations.allow_nodes)
    if checked.document is None:
        return {"bulkOperation": None, "userErrors": checked.user_errors}
    document = checked.document
    store, shop, token = ctx.store, ctx.shop, ctx.token

    def execute_chunk(run: BulkRun) -> ExecutionResult:
        chunk_ctx = RequestContext(store, shop, token=token, bulk_operations=operations, bulk_run=run)
        return execute_sync(schema, document, context_value=chunk_ctx)

    version = ctx.api_version
    concurrency = CONCURRENT_QUERIES if version == "unstable" or version >= FIVE_AT_ONCE_SINCE else 1
    created, errors = operations.start(
        shop, token, query, groupObjects, build_plan(schema, document), execute_chunk, concurrency=concurrency
    )
    return {"bulkOperation": created, "userErrors": errors}


def resolve_bulk_operation_cancel(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    number = _bulk_number(id)
    if number is None:
        raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
    operation, errors = _operations(ctx).cancel(ctx.shop, ctx.token, number)
    return {"bulkOperation": operation, "userErrors": errors}


def resolve_refund_create(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    """`refundCreate`: amounts computed from the order's lines and taxes; `refunds/create` is sent."""
    from sandboxes.shopify.refunds import RefundError, record_refund

    ctx = _ctx(info)
    parsed = views.parse_gid(str(input.get("orderId") or ""))
    if parsed is None or parsed[0] != "Order":
        return {
            "refund": None,
            "order": None,
            "userErrors": [{"field": ["orderId"], "message": "Order does not exist."}],
        }
    shipping = input.get("shipping") or {}
    lines = []
    for item in input.get("refundLineItems") or []:
        line = views.parse_gid(str(item.get("lineItemId") or ""))
        lines.append(
            {
                "line_item_id": line[1] if line else 0,
                "quantity": item.get("quantity"),
                "restock_type": item.get("restockType") or "NO_RESTOCK",
            }
        )
    amount = (shipping.get("shippingRefundAmount") or {}).get("amount")
    try:
        refund, order = record_refund(
            ctx.store,
            ctx.shop,
            parsed[1],
            lines=lines,
            shipping={"full_refund": bool(shipping.get("fullRefund")), "amount": amount},
            note=str(input.get("note") or ""),
        )
    except RefundError as error:
        return {
            "refund": None,
            "order": None,
            "userErrors": [{"field": error.field, "message": error.message}],
        }
    if ctx.on_refund is not None:
        ctx.on_refund(ctx.shop, int(order["id"]))
    view = order_view(order, ctx)
    refund_node = next(r for r in view["refunds"](info) if r["id"] == views.gid("Refund", refund["id"]))
    return {"refund": refund_node, "order": view, "userErrors": []}


MUTATIONS: dict[str, Any] = {
    "orderEditBegin": order_edit_api.resolve_order_edit_begin,
    "orderEditSetQuantity": order_edit_api.resolve_order_edit_set_quantity,
    "orderEditAddVariant": order_edit_api.resolve_order_edit_add_variant,
    "orderEditCommit": order_edit_api.resolve_order_edit_commit,
    "refundCreate": resolve_refund_create,
    "bulkOperationRunQuery": resolve_bulk_operation_run_query,
    "bulkOperationCancel": resolve_bulk_operation_cancel,
    **stock_api.MUTATIONS,
    **products.MUTATIONS,
}


def attach_resolvers(schema: GraphQLSchema) -> GraphQLSchema:
    """Idempotently set the query-root and mutation resolvers on the (shared) official schema."""
    root = schema.query_type
    assert root is not None
    root.fields["orders"].resolve = resolve_orders
    root.fields["order"].resolve = resolve_order
    root.fields["node"].resolve = resolve_node
    root.fields["nodes"].resolve = resolve_nodes
    root.fields["shop"].resolve = resolve_shop
    root.fields["bulkOperation"].resolve = resolve_bulk_operation
    root.fields["currentBulkOperation"].resolve = resolve_current_bulk_operation
    root.fields["bulkOperations"].resolve = resolve_bulk_operations
    for name, resolver in {**stock_api.QUERIES, **products.QUERIES, **customers.QUERIES}.items():
        root.fields[name].resolve = resolver
    mutation = schema.mutation_type
    assert mutation is not None
    for name, resolver in MUTATIONS.items():
        mutation.fields[name].resolve = resolver
    return schema


# ------------------------------------------------------------------------- Shopify's errors

_RUBY_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"Cannot query field '(\w+)' on type '(\w+)'"),
        lambda m: (
            f"Field '{m[1]}' doesn't exist on type '{m[2]}'",
            {"code": "undefinedField", "typeName": m[2], "fieldName": m[1]},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' argument '(\w+)' of type '.+' is required, but it was not provided"),
        lambda m: (
            f"Field '{m[1]}' is missing required arguments: {m[2]}",
            {"code": "missingRequiredArguments", "className": "Field", "name": m[1], "arguments": m[2]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'"),
        lambda m: (
            f"Field '{m[2]}' doesn't accept argument '{m[1]}'",
            {"code": "argumentNotAccepted", "name": m[2], "typeName": "Field", "argumentName": m[1]},
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is not defined(?: by operation '(\w+)')?"),
        lambda m: (
            f"Variable ${m[1]} is used by {m[2] or 'anonymous query'} but not declared",
            {"code": "variableNotDefined", "variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is never used(?: in operation '(\w+)')?"),
        lambda m: (
            f"Variable ${m[1]} is declared by {m[2] or 'anonymous query'} but not used",
            {"code": "variableNotUsed", "variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' of type '(.+?)' must have a selection of subfields"),
        lambda m: (
            f"Field must have selections (field '{m[1]}' returns {m[2].strip('[]!')} but has no selections. "
            f"Did you mean '{m[1]} {{ ... }}'?)",
            {"code": "selectionMismatch", "nodeName": f"field '{m[1]}'", "typeName": m[2].strip("[]!")},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' must not have a selection since type '(.+?)' has no subfields"),
        lambda m: (
            f"Selections can't be made on scalars (field '{m[1]}' returns {m[2]} but has selections)",
            {"code": "selectionMismatch", "nodeName": f"field '{m[1]}'", "typeName": m[2]},
        ),
    ),
    (
        re.compile(r"Unknown type '(\w+)'"),
        lambda m: (
            f"No such type {m[1]}, so it can't be a fragment condition",
            {"code": "undefinedType", "typeName": m[1]},
        ),
    ),
]


def shopify_error(error: GraphQLError) -> Json:
    """A graphql-core error in the wording and shape Shopify (graphql-ruby) uses, where known."""
    message, extensions = error.message, dict(error.extensions or {})
    for pattern, convert in _RUBY_MESSAGES:
        match = pattern.search(error.message)
        if match:
            message, extensions = convert(match)
            break
    else:
        extensions.setdefault(
            "code", "GRAPHQL_VALIDATION_FAILED" if not error.path else "INTERNAL_SERVER_ERROR"
        )
    out: Json = {"message": message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    out["extensions"] = extensions
    return out


# ----------------------------------------------------------------------------------- running


@dataclass
class GraphQLResponse:
    status: int
    body: Json
    throttled: bool = False


class AdminGraphQL:
    def __init__(
        self,
        schema: GraphQLSchema,
        store: SandboxStore,
        limiter: RateLimiter | None = None,
        *,
        cost_model: CostModel = "shopify",
        throttle_http_status: int = 200,
        bulk_operations: BulkOperations | None = None,
    ) -> None:
        self.schema = attach_resolvers(schema)
        self.store = store
        self.limiter = limiter or RateLimiter()
        self.cost_model: CostModel = cost_model
        self.throttle_http_status = throttle_http_status
        if bulk_operations is None:
            results = store.state_path.parent / "shopify-bulk" if store.state_path is not None else None
            bulk_operations = BulkOperations(results)
        self.bulk_operations = bulk_operations
        self.on_refund: Any = None  # set by the server: refundCreate sends refunds/create through it
        self.on_order_edit: Any = None  # set by the server: orderEditCommit sends orders/edited through it
        self.scopes_for: Any = None  # set by the server: (shop, token) -> the token's scopes (frozenset)
        self.on_webhook: Any = None  # set by the server: (shop, topic, payload) -> None
        self.on_fulfillment: Any = None  # set by the server: (shop, order, fulfillment, topic) -> None

    def _unimplemented_mutations(self, operation: OperationDefinitionNode) -> list[str]:
        if operation.operation != OperationType.MUTATION:
            return []
        mutation = self.schema.mutation_type
        assert mutation is not None
        names = [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        return [n for n in names if n in mutation.fields and mutation.fields[n].resolve is None]

    def _throttled(self, requested: int, status: dict[str, float | int]) -> GraphQLResponse:
        body = {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
                }
            ],
            "extensions": {
                "cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": status}
            },
        }
        return GraphQLResponse(self.throttle_http_status, body, throttled=True)

    def execute(
        self,
        shop: str,
        token: str,
        query: str,
        variables: Json | None = None,
        operation_name: str | None = None,
        *,
        force_throttle: bool = False,
        api_version: str = API_VERSION,
    ) -> GraphQLResponse:
        try:
            document: DocumentNode = parse(query)
        except GraphQLError as exc:
            return GraphQLResponse(200, {"errors": [shopify_error(exc)]})
        errors = validate(self.schema, document)
        if errors:
            return GraphQLResponse(200, {"errors": [shopify_error(e) for e in errors]})
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name:
            operation = next((o for o in operations if o.name and o.name.value == operation_name), None)
            if operation is None:
                return GraphQLResponse(
                    200, {"errors": [{"message": f'No operation named "{operation_name}"'}]}
                )
        elif len(operations) == 1:
            operation = operations[0]
        else:
            return GraphQLResponse(
                200,
                {"errors": [{"message": "An operation name is required when sending multiple operations."}]},
            )
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return GraphQLResponse(200, {"errors": [shopify_error(e) for e in coerced]})

        requested = requested_query_cost(self.schema, document, operation_name, coerced, self.cost_model)
        if requested > MAX_QUERY_COST:
            # Measured on a live shop: this answer has no top-level extensions.cost.
            return GraphQLResponse(
                200,
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                            f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/docs/api/usage/rate-limits for more "
                            "information on how the\ncost of a query is calculated.\n\nTo query larger amounts of "
                            "data with fewer limits, bulk operations should be used instead.\nSee "
                            "https://shopify.dev/docs/api/usage/bulk-operations/queries for usage details.\n",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": MAX_QUERY_COST,
                                "documentation": RATE_LIMIT_DOCS,
                            },
                        }
                    ]
                },
            )

        bucket = self.limiter.bucket(shop, token, self.store.shop(shop)["plan"])
        if force_throttle or not bucket.try_take(requested):
            return self._throttled(requested, bucket.status())

        missing = self._unimplemented_mutations(operation)
        if missing:
            bucket.give_back(requested)
            names = ", ".join(missing)
            return GraphQLResponse(
                200,
                {
                    "errors": [
                        {
                            "message": f"The Shopify sandbox does not implement mutations yet ({names})",
                            "extensions": {"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
                        }
                    ]
                },
            )

        ctx = RequestContext(
            self.store,
            shop,
            token=token,
            api_version=api_version,
            bulk_operations=self.bulk_operations,
            on_refund=self.on_refund,
            on_order_edit=self.on_order_edit,
            scopes=self.scopes_for(shop, token) if self.scopes_for is not None else None,
            on_webhook=self.on_webhook,
            on_fulfillment=self.on_fulfillment,
        )
        result = execute_sync(
            self.schema,
            document,
            context_value=ctx,
            variable_values=variables or {},
            operation_name=operation_name,
        )
        actual = actual_query_cost(
            self.schema, document, operation_name, coerced, result.data, self.cost_model
        )
        bucket.give_back(requested - actual)
        body: Json = {}
        if result.errors:
            body["errors"] = [shopify_error(e) for e in result.errors]
        body["data"] = result.data
        extensions: Json = {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": bucket.status(),
            }
        }
        if ctx.search:
            extensions["search"] = ctx.search
        body["extensions"] = extensions
        return GraphQLResponse(200, body)
