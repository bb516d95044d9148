"""Fulfilment orders and fulfilments of a sandbox shop's orders: state and the mutation logic.

State (the store's JSON state, see `SandboxStore.transact`):

    fulfillment_orders[shop][order id]  [{id, order_id, location_id, status, request_status, holds,
                                          committed, created_at, updated_at,
                                          lines: [{id, line_item_id, total, remaining, item_id, sku, variant_id}]}]

Shopify creates the fulfilment orders of an order itself (an app cannot). Here they are created
when the order is placed through the sandbox (`place`, which also commits the stock at the
assigned location), or lazily the first time an order that predates this module is read, from
what the order already says (fulfilled lines have nothing remaining; those fulfilment orders never
committed stock, so fulfilling them does not move levels).

Fulfilments are stored where they always were: in the order's REST `fulfillments`, so `Order.fulfillments`,
`displayFulfillmentStatus` and the order webhooks stay consistent. `fulfillmentCreate` is not
idempotent in Shopify: the same call made twice makes two fulfilments while quantities remain.

Messages of the userErrors are Shopify's, as recorded from live shops where known:
"Fulfillment order 123 has an unfulfillable status= closed.", "Invalid fulfillment order line item
quantity requested.", "The api_client does not have access to the fulfillment order."
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sandboxes.shopify import inventory

Json = dict[str, Any]
State = dict[str, Any]

OPEN, IN_PROGRESS, CLOSED, ON_HOLD, CANCELLED = "OPEN", "IN_PROGRESS", "CLOSED", "ON_HOLD", "CANCELLED"
HOLD_REASONS = frozenset(
    {
        "AWAITING_PAYMENT",
        "HIGH_RISK_OF_FRAUD",
        "INCORRECT_ADDRESS",
        "INVENTORY_OUT_OF_STOCK",
        "UNKNOWN_DELIVERY_DATE",
        "OTHER",
        "AWAITING_RETURN_ITEMS",
    }
)
NO_ACCESS = "The api_client does not have access to the fulfillment order."
BAD_QUANTITY = "Invalid fulfillment order line item quantity requested."


class FulfillmentError(Exception):
    def __init__(self, message: str, field: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field or ["fulfillment"]


# -------------------------------------------------------------------------------- creation


def _lines_for(order: Json, state: State, shop: str, *, from_history: bool) -> list[Json]:
    known = inventory.items(state, shop)
    by_variant = {i["variant_id"]: i for i in known}
    lines = []
    for li in order.get("line_items") or []:
        current = int(li.get("current_quantity", li.get("quantity") or 0) or 0)
        if current <= 0:
            continue
        remaining = current
        if from_history:
            if order.get("cancelled_at") or order.get("fulfillment_status") == "fulfilled":
                remaining = 0
            elif li.get("fulfillment_status") or order.get("fulfillment_status"):
                remaining = min(current, int(li.get("fulfillable_quantity") or 0))
        item = by_variant.get(li.get("variant_id"))
        lines.append(
            {
                "id": int(li["id"]) * 100 + 1,
                "line_item_id": int(li["id"]),
                "total": current,
                "remaining": remaining,
                "item_id": item["id"] if item else None,
                "tracked": bool(item and item["tracked"]),
                "sku": li.get("sku"),
                "variant_id": li.get("variant_id"),
            }
        )
    return lines


def _status(fo: Json) -> str:
    if fo["status"] in (ON_HOLD, CANCELLED):
        return str(fo["status"])
    remaining = sum(line["remaining"] for line in fo["lines"])
    total = sum(line["total"] for line in fo["lines"])
    if remaining == 0:
        return CLOSED
    return IN_PROGRESS if remaining < total else OPEN


def _new_fo(order: Json, location_id: int, lines: list[Json], stamp: str, *, committed: bool) -> Json:
    fo = {
        "id": int(order["id"]) * 100 + 1,
        "order_id": int(order["id"]),
        "location_id": location_id,
        "status": OPEN,
        "request_status": "UNSUBMITTED",
        "holds": [],
        "committed": committed,
        "created_at": stamp,
        "updated_at": stamp,
        "lines": lines,
    }
    fo["status"] = CLOSED if order.get("cancelled_at") else _status(fo)
    return fo


def ensure(state: State, shop: str, order: Json) -> list[Json]:
    """The order's fulfilment orders, created from its history the first time (caller holds the lock)."""
    by_order = state.setdefault("fulfillment_orders", {}).setdefault(shop, {})
    found = by_order.get(str(order["id"]))
    if found is None:
        stamp = inventory._rest_time(order.get("created_at") or inventory.now_utc())
        location_id = int(inventory.default_location(state, shop)["id"])
        found = [
            _new_fo(
                order, location_id, _lines_for(order, state, shop, from_history=True), stamp, committed=False
            )
        ]
        by_order[str(order["id"])] = found
    return list(found)


def place(state: State, shop: str, order: Json) -> list[tuple[int, int, Json]]:
    """A new order: its fulfilment order at the default location, and its unfulfilled units committed.

    Returns the levels whose `available` changed, as (item, location, level)."""
    by_order = state.setdefault("fulfillment_orders", {}).setdefault(shop, {})
    location_id = int(inventory.default_location(state, shop)["id"])
    lines = _lines_for(order, state, shop, from_history=True)
    fo = _new_fo(order, location_id, lines, inventory.now_utc(), committed=True)
    by_order[str(order["id"])] = [fo]
    changed = []
    for line in lines:
        if line["item_id"] is not None and line["tracked"] and line["remaining"] > 0:
            lvl = inventory.commit(state, shop, line["item_id"], location_id, line["remaining"])
            if lvl is not None:
                changed.append((line["item_id"], location_id, lvl))
    return changed


def find(state: State, shop: str, fo_id: int) -> tuple[Json, Json] | None:
    """(order, fulfilment order) for an id; fulfilment orders of unread orders are created on the way."""
    order_id = fo_id // 100
    order = state["orders"].get(shop, {}).get(str(order_id))
    if order is None:
        return None
    fo = next((f for f in ensure(state, shop, order) if f["id"] == fo_id), None)
    return (order, fo) if fo is not None else None


# ------------------------------------------------------------------------------ visibility


def is_service(state: State, shop: str, fo: Json) -> bool:
    loc = inventory.location(state, shop, fo["location_id"])
    return bool(loc and loc["fulfillment_service"])


def _granted(scopes: frozenset[str] | None, name: str) -> bool:
    if scopes is None:
        return True
    return name in scopes or name.replace("read_", "write_", 1) in scopes


def visible(state: State, shop: str, fo: Json, scopes: frozenset[str] | None) -> bool:
    """An app sees the fulfilment orders of the locations its scopes cover, and silently no others."""
    if is_service(state, shop, fo):
        return _granted(scopes, "read_third_party_fulfillment_orders") or _granted(
            scopes, "read_assigned_fulfillment_orders"
        )
    return _granted(scopes, "read_merchant_managed_fulfillment_orders")


def may_write(state: State, shop: str, fo: Json, scopes: frozenset[str] | None) -> bool:
    if scopes is None:
        return not is_service(state, shop, fo)  # order-management apps can't fulfil a service's orders
    if is_service(state, shop, fo):
        return "write_third_party_fulfillment_orders" in scopes
    return "write_merchant_managed_fulfillment_orders" in scopes


def supported_actions(state: State, shop: str, fo: Json) -> list[str]:
    status = fo["status"]
    if status in (CLOSED, CANCELLED):
        return []
    if status == ON_HOLD:
        return ["RELEASE_HOLD", "HOLD", "MOVE"]
    if is_service(state, shop, fo):
        return ["REQUEST_FULFILLMENT", "HOLD", "MOVE", "CANCEL_FULFILLMENT_ORDER"]
    actions = ["CREATE_FULFILLMENT", "REPORT_PROGRESS", "MOVE", "HOLD", "SPLIT"]
    if status == IN_PROGRESS:
        actions.append("MARK_AS_OPEN")
    return actions


# ------------------------------------------------------------------------------------ holds


def hold(state: State, shop: str, fo_id: int, reason: str = "OTHER", notes: str | None = None) -> Json:
    found = find(state, shop, fo_id)
    if found is None:
        raise KeyError(f"fulfillment order {fo_id} not found on {shop}")
    _order, fo = found
    if fo["status"] not in (OPEN, IN_PROGRESS, ON_HOLD):
        raise ValueError(f"fulfillment order {fo_id} is {fo['status']}")
    fo["holds"].append({"reason": reason if reason in HOLD_REASONS else "OTHER", "reason_notes": notes})
    fo["status"] = ON_HOLD
    fo["updated_at"] = inventory.now_utc()
    return fo


def release(state: State, shop: str, fo_id: int) -> Json:
    found = find(state, shop, fo_id)
    if found is None:
        raise KeyError(f"fulfillment order {fo_id} not found on {shop}")
    _order, fo = found
    fo["holds"] = []
    fo["status"] = OPEN
    fo["status"] = _status(fo)
    fo["updated_at"] = inventory.now_utc()
    return fo


def move(state: State, shop: str, fo_id: int, location_id: int) -> Json:
    """Reassign a fulfilment order as a whole (fulfillmentOrderMove of every line); stock follows."""
    found = find(state, shop, fo_id)
    if found is None:
        raise KeyError(f"fulfillment order {fo_id} not found on {shop}")
    _order, fo = found
    target = inventory.location(state, shop, location_id)
    if target is None or not target["active"]:
        raise ValueError(f"location {location_id} is not an active location of {shop}")
    if fo["committed"]:
        for line in fo["lines"]:
            if line["item_id"] is not None and line["tracked"] and line["remaining"] > 0:
                inventory.commit(state, shop, line["item_id"], fo["location_id"], -line["remaining"])
                inventory.commit(state, shop, line["item_id"], location_id, line["remaining"])
    fo["location_id"] = location_id
    fo["updated_at"] = inventory.now_utc()
    return fo


# ------------------------------------------------------------------------------ fulfilments


@dataclass
class Created:
    fulfillment: Json
    order: Json
    fulfillment_orders: list[Json] = field(default_factory=list)


def _tracking(tracking: Json | None) -> tuple[str | None, list[str], list[str]]:
    tracking = tracking or {}
    numbers = list(tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else []))
    urls = list(tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else []))
    return tracking.get("company"), numbers, urls


def create(
    state: State,
    shop: str,
    requests: list[Json],
    *,
    tracking: Json | None = None,
    notify_customer: bool = False,
    scopes: frozenset[str] | None = None,
    stamp: str | None = None,
    admin: bool = False,
) -> Created:
    """fulfillmentCreate: `requests` = [{fulfillment_order_id, lines: [{id, quantity}] | None}].

    All or nothing: raises FulfillmentError with Shopify's message before anything changes. `admin`:
    the merchant (or the 3PL) fulfils in the Shopify admin, where scopes play no part."""
    if not requests:
        raise FulfillmentError("Line items by fulfillment order can't be blank.")
    plan: list[tuple[Json, list[tuple[Json, int]]]] = []
    order: Json | None = None
    for request in requests:
        found = find(state, shop, int(request["fulfillment_order_id"]))
        if found is None or not (admin or visible(state, shop, found[1], scopes)):
            raise FulfillmentError("Fulfillment order does not exist.")
        owner, fo = found
        if order is not None and int(owner["id"]) != int(order["id"]):
            raise FulfillmentError("All fulfillment orders must belong to the same order.")
        order = owner
        if not admin and not may_write(state, shop, fo, scopes):
            raise FulfillmentError(NO_ACCESS)
        if fo["status"] not in (OPEN, IN_PROGRESS):
            raise FulfillmentError(
                f"Fulfillment order {fo['id']} has an unfulfillable status= {fo['status'].lower()}."
            )
        wanted = request.get("lines")
        picks: list[tuple[Json, int]] = []
        if not wanted:
            picks = [(line, line["remaining"]) for line in fo["lines"] if line["remaining"] > 0]
        else:
            by_id = {line["id"]: line for line in fo["lines"]}
            for want in wanted:
                line = by_id.get(int(want["id"]))
                qty = int(want["quantity"])
                if line is None or qty <= 0 or qty > line["remaining"]:
                    raise FulfillmentError(BAD_QUANTITY)
                picks.append((line, qty))
        if not picks:
            raise FulfillmentError(BAD_QUANTITY)
        plan.append((fo, picks))
    assert order is not None
    if len({fo["location_id"] for fo, _ in plan}) > 1:
        raise FulfillmentError("All fulfillment orders must be assigned to the same location.")

    stamp = stamp or inventory.now_utc()
    new_order = copy.deepcopy(order)
    lines_by_id = {int(li["id"]): li for li in new_order.get("line_items") or []}
    shipped: dict[int, int] = {}
    for fo, picks in plan:
        for line, qty in picks:
            line["remaining"] -= qty
            shipped[line["line_item_id"]] = shipped.get(line["line_item_id"], 0) + qty
            if fo["committed"] and line["item_id"] is not None and line["tracked"]:
                inventory.ship(state, shop, line["item_id"], fo["location_id"], qty)
        fo["status"] = _status(fo)
        fo["updated_at"] = stamp
    company, numbers, urls = _tracking(tracking)
    existing = new_order.setdefault("fulfillments", [])
    fulfillment_id = int(new_order["id"]) * 1000 + 900 + len(existing) + 1
    rest_lines = []
    for line_id, qty in shipped.items():
        li = lines_by_id.get(line_id)
        if li is None:
            continue
        li["fulfillable_quantity"] = max(
            0, int(li.get("fulfillable_quantity", li.get("quantity") or 0) or 0) - qty
        )
        li["fulfillment_status"] = "fulfilled" if li["fulfillable_quantity"] == 0 else "partial"
        rest_lines.append({**copy.deepcopy(li), "quantity": qty})
    fulfillment = {
        "id": fulfillment_id,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
        "created_at": stamp,
        "location_id": plan[0][0]["location_id"],
        "name": f"{new_order.get('name')}.{len(existing) + 1}",
        "order_id": int(new_order["id"]),
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "status": "success",
        "tracking_company": company,
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers,
        "tracking_url": urls[0] if urls else None,
        "tracking_urls": urls,
        "updated_at": stamp,
        "line_items": rest_lines,
        "notify_customer": bool(notify_customer),
        "fulfillment_order_ids": [fo["id"] for fo, _ in plan],
    }
    existing.append(fulfillment)
    shippable = [
        li for li in new_order.get("line_items") or [] if int(li.get("current_quantity", 1) or 0) > 0
    ]
    remaining = sum(
        line["remaining"]
        for fo in state["fulfillment_orders"][shop][str(new_order["id"])]
        for line in fo["lines"]
    )
    new_order["fulfillment_status"] = "fulfilled" if remaining == 0 and shippable else "partial"
    new_order["updated_at"] = stamp
    state["orders"][shop][str(new_order["id"])] = new_order
    return Created(fulfillment, new_order, [fo for fo, _ in plan])


def find_fulfillment(state: State, shop: str, fulfillment_id: int) -> tuple[Json, Json] | None:
    order = state["orders"].get(shop, {}).get(str(fulfillment_id // 1000))
    candidates = [order] if order is not None else list(state["orders"].get(shop, {}).values())
    for candidate in candidates:
        for f in candidate.get("fulfillments") or []:
            if int(f["id"]) == fulfillment_id:
                return candidate, f
    return None


def update_tracking(
    state: State, shop: str, fulfillment_id: int, tracking: Json, *, notify_customer: bool = False
) -> tuple[Json, Json]:
    """fulfillmentTrackingInfoUpdate: replaces the carrier, numbers and URLs; returns (fulfilment, order)."""
    found = find_fulfillment(state, shop, fulfillment_id)
    if found is None:
        raise FulfillmentError("Fulfillment does not exist.", ["fulfillmentId"])
    order, _ = found
    new_order = copy.deepcopy(order)
    target = next(f for f in new_order["fulfillments"] if int(f["id"]) == fulfillment_id)
    company, numbers, urls = _tracking(tracking)
    stamp = inventory.now_utc()
    target.update(
        {
            "tracking_company": company if company is not None else target.get("tracking_company"),
            "tracking_number": numbers[0] if numbers else None,
            "tracking_numbers": numbers,
            "tracking_url": urls[0] if urls else None,
            "tracking_urls": urls,
            "updated_at": stamp,
            "notify_customer": bool(notify_customer),
        }
    )
    new_order["updated_at"] = stamp
    state["orders"][shop][str(new_order["id"])] = new_order
    return target, new_order


def fulfillment_order_webhook(fo: Json) -> Json:
    """The body of `fulfillment_orders/*` topics: the fulfilment order's id and status."""
    body: Json = {
        "fulfillment_order": {
            "id": f"gid://shopify/FulfillmentOrder/{fo['id']}",
            "status": str(fo["status"]).lower(),
        }
    }
    if fo["holds"]:
        body["fulfillment_order"]["fulfillment_holds"] = [
            {"reason": str(h["reason"]).lower(), "reason_notes": h.get("reason_notes")} for h in fo["holds"]
        ]
    return body


# ---------------------------------------------------------------------- splits over locations


def split(state: State, shop: str, order_id: int, location_id: int, lines: dict[int, int]) -> Json:
    """Move `lines` ({order line item id: units}) of an order's open fulfilment orders to a new fulfilment
    order at `location_id` (Shopify's fulfillmentOrderSplit then fulfillmentOrderMove, as a merchant does when
    one location cannot ship everything); committed stock follows. Returns the new fulfilment order."""
    order = state["orders"].get(shop, {}).get(str(order_id))
    if order is None:
        raise KeyError(f"order {order_id} not found on {shop}")
    target = inventory.location(state, shop, location_id)
    if target is None or not target["active"]:
        raise ValueError(f"location {location_id} is not an active location of {shop}")
    ensure(state, shop, order)
    fos = state["fulfillment_orders"][shop][str(order_id)]
    number = len(fos) + 1
    if number >= 100:
        raise ValueError("too many fulfillment orders")
    stamp = inventory.now_utc()
    moved: dict[int, Json] = {}
    committed = False
    for line_item_id, units in lines.items():
        left = int(units)
        for fo in fos:
            if fo["status"] not in (OPEN, IN_PROGRESS) or left <= 0:
                continue
            for line in fo["lines"]:
                if line["line_item_id"] != int(line_item_id) or line["remaining"] <= 0 or left <= 0:
                    continue
                take = min(left, line["remaining"])
                line["remaining"] -= take
                line["total"] -= take
                left -= take
                if fo["committed"] and line["item_id"] is not None and line["tracked"]:
                    inventory.commit(state, shop, line["item_id"], fo["location_id"], -take)
                    inventory.commit(state, shop, line["item_id"], location_id, take)
                committed = committed or bool(fo["committed"])
                if int(line_item_id) in moved:
                    moved[int(line_item_id)]["total"] += take
                    moved[int(line_item_id)]["remaining"] += take
                else:
                    new_id = int(line_item_id) * 100 + number
                    moved[int(line_item_id)] = {**line, "id": new_id, "total": take, "remaining": take}
            fo["lines"] = [line for line in fo["lines"] if line["total"] > 0]
            fo["status"] = _status(fo) if fo["lines"] else CLOSED
            fo["updated_at"] = stamp
        if left > 0:
            raise ValueError(f"line item {line_item_id} has fewer than {units} units left to move")
    fo = {
        "id": int(order_id) * 100 + number,
        "order_id": int(order_id),
        "location_id": int(location_id),
        "status": OPEN,
        "request_status": "UNSUBMITTED",
        "holds": [],
        "committed": committed,
        "created_at": stamp,
        "updated_at": stamp,
        "lines": list(moved.values()),
    }
    fo["status"] = _status(fo)
    fos.append(fo)
    return fo


# ---------------------------------------------------------------------------- cancellations


def cancel(state: State, shop: str, fulfillment_id: int) -> tuple[Json, Json]:
    """fulfillmentCancel (or Cancel fulfilment in the admin): the fulfilment becomes `cancelled`, its units are
    to fulfil again on the fulfilment orders it came from (Shopify may open a new fulfilment order for them at
    the same location; here the same one reopens) and committed again there. Returns (fulfilment, order)."""
    found = find_fulfillment(state, shop, fulfillment_id)
    if found is None:
        raise FulfillmentError("Fulfillment does not exist.", ["id"])
    order, current = found
    if current.get("status") == "cancelled":
        raise FulfillmentError("Fulfillment is already cancelled.", ["id"])
    new_order = copy.deepcopy(order)
    target = next(f for f in new_order["fulfillments"] if int(f["id"]) == fulfillment_id)
    stamp = inventory.now_utc()
    fos = [
        fo
        for fo in ensure(state, shop, new_order)
        if fo["id"] in (target.get("fulfillment_order_ids") or []) and fo["status"] != CANCELLED
    ]
    lines_by_id = {int(li["id"]): li for li in new_order.get("line_items") or []}
    for shipped in target.get("line_items") or []:
        left = int(shipped.get("quantity") or 0)
        for fo in fos:
            for line in fo["lines"]:
                if line["line_item_id"] != int(shipped["id"]) or left <= 0:
                    continue
                back = min(left, line["total"] - line["remaining"])
                if back <= 0:
                    continue
                line["remaining"] += back
                left -= back
                if fo["committed"] and line["item_id"] is not None and line["tracked"]:
                    lvl = inventory.level(state, shop, line["item_id"], fo["location_id"])
                    if lvl is not None:
                        lvl["committed"] = int(lvl.get("committed") or 0) + back
                        lvl["updated_at"] = stamp
            fo["status"] = _status(fo) if fo["status"] != ON_HOLD else ON_HOLD
            fo["updated_at"] = stamp
        li = lines_by_id.get(int(shipped["id"]))
        if li is not None:
            restored = int(shipped.get("quantity") or 0)
            li["fulfillable_quantity"] = int(li.get("fulfillable_quantity") or 0) + restored
            li["fulfillment_status"] = (
                None if li["fulfillable_quantity"] >= int(li.get("quantity") or 0) else "partial"
            )
    target["status"] = "cancelled"
    target["updated_at"] = stamp
    live = [f for f in new_order["fulfillments"] if f.get("status") != "cancelled"]
    remaining = sum(line["remaining"] for fo in ensure(state, shop, new_order) for line in fo["lines"])
    new_order["fulfillment_status"] = None if not live else ("fulfilled" if remaining == 0 else "partial")
    new_order["updated_at"] = stamp
    state["orders"][shop][str(new_order["id"])] = new_order
    return target, new_order
