"""Shopify fulfilment orders and fulfilments: documents, calls and parsing (platform notes §3.3).

Every function takes the shop's `ShopifyClient` (its `execute` waits out the cost budget, retries throttling and
classifies failures: `AccessDeniedError` for a revoked scope) and returns our own types. `fulfillmentCreate` is
not idempotent in Shopify: the same call made twice makes two fulfilments; the caller must recognise its own
fulfilment before sending again (`FulfilmentState.fulfillments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synco.errors import PermanentGatewayError

if TYPE_CHECKING:
    from synco.shopify.client import ShopifyClient

FULFILLMENT_ORDERS_PAGE = 20
LINES_PAGE = 100
FULFILLMENTS_PAGE = 50

ORDER_FULFILMENT_STATE = """
query OrderFulfilments($id: ID!, $orders: Int!, $lines: Int!, $fulfillments: Int!) {
  order(id: $id) {
    id name displayFulfillmentStatus
    fulfillmentOrders(first: $orders) {
      nodes {
        id status requestStatus
        assignedLocation { name location { id name } }
        supportedActions { action }
        fulfillmentHolds { reason reasonNotes }
        lineItems(first: $lines) { nodes { id totalQuantity remainingQuantity lineItem { id sku } } }
      }
    }
    fulfillments(first: $fulfillments) {
      id name status createdAt updatedAt
      trackingInfo(first: 5) { company number url }
      fulfillmentLineItems(first: $lines) { nodes { quantity lineItem { id } } }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id name status createdAt trackingInfo(first: 5) { company number url } }
    userErrors { field message }
  }
}
"""

TRACKING_UPDATE = """
mutation TrackingUpdate($id: ID!, $tracking: FulfillmentTrackingInput!, $notify: Boolean) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking, notifyCustomer: $notify) {
    fulfillment { id trackingInfo(first: 5) { company number url } }
    userErrors { field message }
  }
}
"""

DOCUMENTS = {
    "OrderFulfilments": ORDER_FULFILMENT_STATE,
    "FulfillmentCreate": FULFILLMENT_CREATE,
    "TrackingUpdate": TRACKING_UPDATE,
}


@dataclass(frozen=True)
class Tracking:
    company: str = ""
    number: str = ""
    url: str = ""

    def as_input(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.company:
            values["company"] = self.company
        if self.number:
            values["number"] = self.number
        if self.url:
            values["url"] = self.url
        return values


@dataclass(frozen=True)
class FulfillmentOrderLine:
    id: str  # gid://shopify/FulfillmentOrderLineItem/…
    line_item_id: str  # gid://shopify/LineItem/…
    sku: str
    total: int
    remaining: int


@dataclass(frozen=True)
class FulfillmentOrder:
    id: str
    status: str  # OPEN, IN_PROGRESS, ON_HOLD, SCHEDULED, INCOMPLETE, CLOSED, CANCELLED
    location_id: str
    location_name: str
    actions: tuple[str, ...]
    holds: tuple[str, ...]  # "REASON: notes"
    lines: tuple[FulfillmentOrderLine, ...]

    @property
    def can_fulfil(self) -> bool:
        """Synco may create a fulfilment on it: open, and Shopify offers the action to this app."""
        return self.status in ("OPEN", "IN_PROGRESS") and "CREATE_FULFILLMENT" in self.actions

    def refusal(self) -> str:
        """Why Synco may not fulfil it, in the merchant's words ('' when it may)."""
        where = f" at {self.location_name}" if self.location_name else ""
        if self.status == "ON_HOLD":
            held = "; ".join(self.holds) or "no reason given"
            return f"Shopify's fulfilment order{where} is on hold ({held}): release the hold in Shopify."
        if self.status in ("CLOSED", "CANCELLED"):
            return f"Shopify's fulfilment order{where} is {self.status.lower()}: nothing is left to fulfil there."
        if self.status in ("SCHEDULED", "INCOMPLETE"):
            return f"Shopify's fulfilment order{where} is {self.status.lower()}: it cannot be fulfilled yet."
        if "CREATE_FULFILLMENT" not in self.actions:
            return (
                f"Shopify's fulfilment order{where} is assigned to a fulfilment service: only that service "
                "may fulfil it (order-management apps cannot, since 2024-10)."
            )
        return ""


@dataclass(frozen=True)
class FulfillmentLine:
    line_item_id: str
    quantity: int


@dataclass(frozen=True)
class Fulfillment:
    id: str
    name: str
    status: str
    created_at: str
    tracking: tuple[Tracking, ...]
    lines: tuple[FulfillmentLine, ...]

    def quantities(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.line_item_id] = out.get(line.line_item_id, 0) + line.quantity
        return out

    @property
    def first_tracking(self) -> Tracking:
        return self.tracking[0] if self.tracking else Tracking()


@dataclass(frozen=True)
class FulfilmentState:
    """An order's fulfilment orders (those this app may see: Shopify hides the others silently) and fulfilments."""

    order_id: str
    name: str
    status: str
    fulfillment_orders: tuple[FulfillmentOrder, ...]
    fulfillments: tuple[Fulfillment, ...]

    def remaining(self) -> dict[str, int]:
        """Order line gid -> units still to fulfil over the visible fulfilment orders."""
        out: dict[str, int] = {}
        for fo in self.fulfillment_orders:
            for line in fo.lines:
                out[line.line_item_id] = out.get(line.line_item_id, 0) + line.remaining
        return out


@dataclass(frozen=True)
class LineToFulfil:
    fulfillment_order_id: str
    line_id: str  # the fulfilment order line's gid
    quantity: int


@dataclass(frozen=True)
class CreateResult:
    fulfillment: Fulfillment | None
    user_errors: tuple[str, ...] = field(default_factory=tuple)


def read_state(client: ShopifyClient, order_gid: str) -> FulfilmentState:
    """The order's fulfilment orders and fulfilments (one query)."""
    data = client.execute(
        ORDER_FULFILMENT_STATE,
        {
            "id": order_gid,
            "orders": FULFILLMENT_ORDERS_PAGE,
            "lines": LINES_PAGE,
            "fulfillments": FULFILLMENTS_PAGE,
        },
    )
    node = data.get("order")
    if not node:
        raise PermanentGatewayError(
            f"Shopify has no order {order_gid} (deleted, or outside the app's access)."
        )
    return parse_state(node)


def parse_state(node: dict[str, Any]) -> FulfilmentState:
    orders = []
    for fo in (node.get("fulfillmentOrders") or {}).get("nodes") or []:
        assigned = fo.get("assignedLocation") or {}
        location = assigned.get("location") or {}
        orders.append(
            FulfillmentOrder(
                id=_text(fo.get("id")),
                status=_text(fo.get("status")),
                location_id=_text(location.get("id")),
                location_name=_text(location.get("name") or assigned.get("name")),
                actions=tuple(_text(a.get("action")) for a in fo.get("supportedActions") or []),
                holds=tuple(
                    _text(h.get("reason")) + (f": {h['reasonNotes']}" if h.get("reasonNotes") else "")
                    for h in fo.get("fulfillmentHolds") or []
                ),
                lines=tuple(
                    FulfillmentOrderLine(
                        id=_text(line.get("id")),
                        line_item_id=_text((line.get("lineItem") or {}).get("id")),
                        sku=_text((line.get("lineItem") or {}).get("sku")),
                        total=int(line.get("totalQuantity") or 0),
                        remaining=int(line.get("remainingQuantity") or 0),
                    )
                    for line in (fo.get("lineItems") or {}).get("nodes") or []
                ),
            )
        )
    return FulfilmentState(
        order_id=_text(node.get("id")),
        name=_text(node.get("name")),
        status=_text(node.get("displayFulfillmentStatus")),
        fulfillment_orders=tuple(orders),
        fulfillments=tuple(parse_fulfillment(f) for f in node.get("fulfillments") or []),
    )


def parse_fulfillment(node: dict[str, Any]) -> Fulfillment:
    return Fulfillment(
        id=_text(node.get("id")),
        name=_text(node.get("name")),
        status=_text(node.get("status")),
        created_at=_text(node.get("createdAt")),
        tracking=tuple(
            Tracking(_text(t.get("company")), _text(t.get("number")), _text(t.get("url")))
            for t in node.get("trackingInfo") or []
        ),
        lines=tuple(
            FulfillmentLine(
                line_item_id=_text((line.get("lineItem") or {}).get("id")),
                quantity=int(line.get("quantity") or 0),
            )
            for line in (node.get("fulfillmentLineItems") or {}).get("nodes") or []
        ),
    )


def create_fulfillment(
    client: ShopifyClient, lines: Sequence[LineToFulfil], tracking: Tracking, *, notify_customer: bool
) -> CreateResult:
    """fulfillmentCreate for the given fulfilment order lines (NOT idempotent: never resend blindly)."""
    by_order: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_order.setdefault(line.fulfillment_order_id, []).append(
            {"id": line.line_id, "quantity": line.quantity}
        )
    fulfillment: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items} for fo, items in by_order.items()
        ],
        "notifyCustomer": notify_customer,
    }
    tracking_input = tracking.as_input()
    if tracking_input:
        fulfillment["trackingInfo"] = tracking_input
    data = client.execute(FULFILLMENT_CREATE, {"fulfillment": fulfillment})
    payload = data.get("fulfillmentCreate") or {}
    errors = tuple(_text(e.get("message")) for e in payload.get("userErrors") or [])
    node = payload.get("fulfillment")
    return CreateResult(fulfillment=parse_fulfillment(node) if node else None, user_errors=errors)


def update_tracking(
    client: ShopifyClient, fulfillment_gid: str, tracking: Tracking, *, notify_customer: bool
) -> tuple[str, ...]:
    """fulfillmentTrackingInfoUpdate; returns Shopify's userErrors (empty when done). Idempotent."""
    data = client.execute(
        TRACKING_UPDATE,
        {"id": fulfillment_gid, "tracking": tracking.as_input(), "notify": notify_customer},
    )
    payload = data.get("fulfillmentTrackingInfoUpdate") or {}
    return tuple(_text(e.get("message")) for e in payload.get("userErrors") or [])


def _text(value: Any) -> str:
    return "" if value is None else str(value)
