"""Shopify's order editing mutations in the sandbox: orderEditBegin, orderEditSetQuantity, orderEditAddVariant,
orderEditCommit (2026-10 schema). A session collects the changes; the commit applies them as `order_edits`
does (current quantities, taxes, totals, updatedAt) and sends orders/edited and orders/updated."""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

from graphql import GraphQLResolveInfo

from sandboxes.shopify import views
from sandboxes.shopify.catalog import variants_by_id
from sandboxes.shopify.order_edits import EditError, edit_order

Json = dict[str, Any]

_sessions: dict[tuple[str, int], Json] = {}
_lock = threading.Lock()
_numbers = itertools.count(1)


def _error(field: str, message: str) -> Json:
    return {"field": [field], "message": message}


def _number(gid: str, *kinds: str) -> int | None:
    parsed = views.parse_gid(str(gid or ""))
    return int(parsed[1]) if parsed and parsed[0] in kinds else None


def _session(info: GraphQLResolveInfo, calculated_id: str) -> Json | None:
    from sandboxes.shopify.graphql_api import _ctx

    number = _number(calculated_id, "CalculatedOrder")
    with _lock:
        return _sessions.get((_ctx(info).shop, number)) if number is not None else None


def _calculated(session: Json) -> Json:
    return {"id": views.gid("CalculatedOrder", session["number"])}


def _edit_session(session: Json) -> Json:
    return {"id": views.gid("OrderEditSession", session["number"])}


def resolve_order_edit_begin(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    from sandboxes.shopify.graphql_api import _ctx

    ctx = _ctx(info)
    order_id = _number(id, "Order")
    order = ctx.store.order(ctx.shop, order_id) if order_id is not None else None
    if order is None:
        return {
            "calculatedOrder": None,
            "orderEditSession": None,
            "userErrors": [_error("id", "Order does not exist")],
        }
    if order.get("cancelled_at"):
        return {
            "calculatedOrder": None,
            "orderEditSession": None,
            "userErrors": [_error("id", "Canceled orders cannot be edited")],
        }
    number = next(_numbers)
    session: Json = {"number": number, "order_id": int(order["id"]), "set": {}, "add": []}
    with _lock:
        _sessions[(ctx.shop, number)] = session
    return {
        "calculatedOrder": _calculated(session),
        "orderEditSession": _edit_session(session),
        "userErrors": [],
    }


def resolve_order_edit_set_quantity(
    _root: Any, info: GraphQLResolveInfo, id: str, lineItemId: str, quantity: int, **_options: Any
) -> Json:
    session = _session(info, id)
    line = _number(lineItemId, "CalculatedLineItem", "LineItem")
    if session is None or line is None or quantity < 0:
        field = "id" if session is None else ("lineItemId" if line is None else "quantity")
        return {
            "calculatedLineItem": None,
            "calculatedOrder": None,
            "orderEditSession": None,
            "userErrors": [_error(field, f"Invalid {field}")],
        }
    session["set"][line] = quantity
    return {
        "calculatedLineItem": {"id": views.gid("CalculatedLineItem", line), "quantity": quantity},
        "calculatedOrder": _calculated(session),
        "orderEditSession": _edit_session(session),
        "userErrors": [],
    }


def resolve_order_edit_add_variant(
    _root: Any, info: GraphQLResolveInfo, id: str, variantId: str, quantity: int, **_options: Any
) -> Json:
    session = _session(info, id)
    number = _number(variantId, "ProductVariant")
    variant = variants_by_id().get(number) if number is not None else None
    if session is None or variant is None or quantity <= 0:
        field = "id" if session is None else ("variantId" if variant is None else "quantity")
        return {
            "calculatedLineItem": None,
            "calculatedOrder": None,
            "orderEditSession": None,
            "userErrors": [_error(field, f"Invalid {field}")],
        }
    session["add"].append(
        {
            "sku": variant.sku,
            "title": variant.full_name,
            "price": str(variant.price),
            "quantity": quantity,
            "variant_id": variant.variant_id,
            "product_id": variant.product_id,
            "requires_shipping": variant.storable,
        }
    )
    return {
        "calculatedLineItem": {
            "id": views.gid("CalculatedLineItem", 900_000 + len(session["add"])),
            "quantity": quantity,
        },
        "calculatedOrder": _calculated(session),
        "orderEditSession": _edit_session(session),
        "userErrors": [],
    }


def resolve_order_edit_commit(_root: Any, info: GraphQLResolveInfo, id: str, **_options: Any) -> Json:
    from sandboxes.shopify.graphql_api import _ctx, order_view

    ctx = _ctx(info)
    session = _session(info, id)
    if session is None:
        return {"order": None, "successMessages": [], "userErrors": [_error("id", "Invalid id")]}
    stored = ctx.store.order(ctx.shop, session["order_id"])
    if stored is None:
        return {"order": None, "successMessages": [], "userErrors": [_error("id", "Order does not exist")]}
    order = copy.deepcopy(stored)
    try:
        body = edit_order(order, set_quantities=session["set"], add=session["add"], edit_id=session["number"])
    except EditError as error:
        return {"order": None, "successMessages": [], "userErrors": [_error("id", str(error))]}
    transactions = ctx.store.transactions(ctx.shop, session["order_id"])
    ctx.store.upsert_orders(ctx.shop, [order], transactions={session["order_id"]: transactions})
    with _lock:
        _sessions.pop((ctx.shop, session["number"]), None)
    if ctx.on_order_edit is not None:
        ctx.on_order_edit(ctx.shop, session["order_id"], body)
    return {"order": order_view(order, ctx), "successMessages": ["Order updated"], "userErrors": []}
