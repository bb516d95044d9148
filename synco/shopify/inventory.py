"""Shopify locations, inventory items and levels, and `inventorySetQuantities`: documents, calls and parsing.

Every function takes the shop's `ShopifyClient` (its `execute` waits out the cost budget and classifies
failures) and returns our own types; nothing here knows Odoo or the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synco.errors import PermanentGatewayError, TransientGatewayError

if TYPE_CHECKING:
    from synco.shopify.client import ShopifyClient

# Shopify takes at most 250 quantities in one inventorySetQuantities call.
MAX_QUANTITIES = 250
ITEMS_PAGE = 100
LEVELS_PER_ITEM = 20
# Matching reads no levels: Shopify's largest page (250) of items costs 24 points (2 + 11 x 2, Shopify's
# logarithmic page factor, sandboxes/shopify/cost.py), where a page of 100 with 20 levels each costs 173.
MATCH_PAGE = 250
REFERENCE_URI = "gid://synco/OdooStock/{shop}"

LOCATIONS = """
query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: false) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive fulfillsOnlineOrders }
  }
}
"""

INVENTORY_ITEMS = """
query InventoryItems($first: Int!, $after: String, $query: String, $levels: Int!) {
  inventoryItems(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id sku tracked
      variant { id barcode displayName }
      inventoryLevels(first: $levels) {
        nodes { location { id } quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}
"""

INVENTORY_MATCH = """
query InventoryMatch($first: Int!, $after: String, $query: String) {
  inventoryItems(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id sku tracked variant { id barcode displayName } }
  }
}
"""

INVENTORY_LEVELS = """
query InventoryLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}
"""

INVENTORY_SET = """
mutation InventorySet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { code field message }
  }
}
"""

DOCUMENTS = {
    "Locations": LOCATIONS,
    "InventoryItems": INVENTORY_ITEMS,
    "InventoryMatch": INVENTORY_MATCH,
    "InventoryLevels": INVENTORY_LEVELS,
    "InventorySet": INVENTORY_SET,
}


@dataclass(frozen=True)
class ShopifyLocation:
    gid: str
    name: str
    active: bool = True
    fulfills_online_orders: bool = True


@dataclass(frozen=True)
class ShopifyInventoryItem:
    gid: str
    sku: str
    barcode: str
    title: str
    tracked: bool
    # location gid -> available; a location where the item is not stocked is absent.
    available: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuantityToSet:
    """One absolute `available` quantity; `change_from` is Shopify's value Synco last saw (None: no check)."""

    inventory_item_gid: str
    location_gid: str
    quantity: int
    change_from: int | None = None

    def as_input(self) -> dict[str, Any]:
        return {
            "inventoryItemId": self.inventory_item_gid,
            "locationId": self.location_gid,
            "quantity": self.quantity,
            "changeFromQuantity": self.change_from,
        }


@dataclass(frozen=True)
class InventoryUserError:
    code: str
    field: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class SetResult:
    """What Shopify answered: the quantities after the change, or the user errors (then nothing changed)."""

    adjustment_group: str
    after: dict[tuple[str, str], int]
    user_errors: list[InventoryUserError]

    @property
    def stale(self) -> bool:
        return any(
            error.code in ("CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE")
            for error in self.user_errors
        )

    @property
    def retry_later(self) -> bool:
        return any(error.code == "IDEMPOTENCY_CONCURRENT_REQUEST" for error in self.user_errors)


def idempotency_key(shop_domain: str, quantities: Sequence[QuantityToSet]) -> str:
    """A key derived from the batch itself: the same batch sent again (a retry) carries the same key."""
    content = json.dumps(
        [
            shop_domain,
            sorted((q.inventory_item_gid, q.location_gid, q.quantity, q.change_from) for q in quantities),
        ],
        separators=(",", ":"),
        default=str,
    )
    return "synco-stock-" + hashlib.sha256(content.encode()).hexdigest()[:40]


def fetch_locations(client: ShopifyClient) -> list[ShopifyLocation]:
    """The shop's active locations (`locations`, page by page)."""
    out: list[ShopifyLocation] = []
    after: str | None = None
    while True:
        data = client.execute(LOCATIONS, {"first": 50, "after": after})
        connection = data.get("locations") or {}
        out.extend(parse_location(node) for node in connection.get("nodes") or [] if node.get("id"))
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return out
        after = info.get("endCursor")


def parse_location(node: dict[str, Any]) -> ShopifyLocation:
    return ShopifyLocation(
        gid=str(node["id"]),
        name=str(node.get("name") or ""),
        active=bool(node.get("isActive", True)),
        fulfills_online_orders=bool(node.get("fulfillsOnlineOrders", True)),
    )


def parse_inventory_item(node: dict[str, Any]) -> ShopifyInventoryItem:
    variant = node.get("variant") or {}
    available: dict[str, int] = {}
    for level in (node.get("inventoryLevels") or {}).get("nodes") or []:
        location = str((level.get("location") or {}).get("id") or "")
        quantity = _available(level.get("quantities"))
        if location and quantity is not None:
            available[location] = quantity
    return ShopifyInventoryItem(
        gid=str(node["id"]),
        sku=str(node.get("sku") or ""),
        barcode=str(variant.get("barcode") or ""),
        title=str(variant.get("displayName") or ""),
        tracked=bool(node.get("tracked", True)),
        available=available,
    )


def _available(quantities: Any) -> int | None:
    for quantity in quantities or []:
        if isinstance(quantity, dict) and quantity.get("name") == "available":
            try:
                return int(quantity.get("quantity") or 0)
            except (TypeError, ValueError):
                return None
    return None


def iter_inventory_items(
    client: ShopifyClient, *, query: str | None = None, first: int = ITEMS_PAGE
) -> Iterator[ShopifyInventoryItem]:
    """Every inventory item (with its available quantity per location), streamed page by page."""
    for page in iter_inventory_pages(client, query=query, first=first, levels=True):
        yield from page


def iter_inventory_pages(
    client: ShopifyClient,
    *,
    query: str | None = None,
    first: int | None = None,
    levels: bool = True,
) -> Iterator[list[ShopifyInventoryItem]]:
    """Every inventory item, one list per page Shopify answers. Without `levels` (matching: SKU, barcode,
    title only) the items' `available` is empty and a page holds up to 250 items (`MATCH_PAGE`)."""
    document = INVENTORY_ITEMS if levels else INVENTORY_MATCH
    size = first or (ITEMS_PAGE if levels else MATCH_PAGE)
    after: str | None = None
    while True:
        variables: dict[str, Any] = {"first": size, "after": after, "query": query}
        if levels:
            variables["levels"] = LEVELS_PER_ITEM
        data = client.execute(document, variables)
        connection = data.get("inventoryItems") or {}
        page = [
            parse_inventory_item(node) for node in connection.get("nodes") or [] if node and node.get("id")
        ]
        if page:
            yield page
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


def read_levels(client: ShopifyClient, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    """Shopify's available now for each (inventory item, location); None where the item is not stocked."""
    by_location: dict[str, list[str]] = {}
    for item, location in pairs:
        by_location.setdefault(location, []).append(item)
    out: dict[tuple[str, str], int | None] = {}
    for location, items in by_location.items():
        for start in range(0, len(items), ITEMS_PAGE):
            chunk = items[start : start + ITEMS_PAGE]
            data = client.execute(INVENTORY_LEVELS, {"ids": chunk, "locationId": location})
            found = {str(n.get("id")): n for n in data.get("nodes") or [] if isinstance(n, dict)}
            for item in chunk:
                level = (found.get(item) or {}).get("inventoryLevel")
                out[(item, location)] = _available(level.get("quantities")) if level else None
    return out


def set_quantities(
    client: ShopifyClient,
    quantities: Sequence[QuantityToSet],
    *,
    key: str,
    reference: str,
    reason: str = "correction",
) -> SetResult:
    """`inventorySetQuantities` of `available` for up to 250 quantities, under the idempotency key `key`."""
    if not quantities:
        return SetResult(adjustment_group="", after={}, user_errors=[])
    if len(quantities) > MAX_QUANTITIES:
        raise ValueError(f"at most {MAX_QUANTITIES} quantities per call, got {len(quantities)}")
    variables = {
        "key": key,
        "input": {
            "name": "available",
            "reason": reason,
            "referenceDocumentUri": reference,
            "quantities": [q.as_input() for q in quantities],
        },
    }
    data = client.execute(INVENTORY_SET, variables)
    return parse_set_result(data)


def parse_set_result(data: dict[str, Any]) -> SetResult:
    payload = data.get("inventorySetQuantities")
    if not isinstance(payload, dict):
        raise TransientGatewayError("Shopify answered inventorySetQuantities without a result.")
    errors = [
        InventoryUserError(
            code=str(error.get("code") or ""),
            field=tuple(str(part) for part in error.get("field") or []),
            message=str(error.get("message") or ""),
        )
        for error in payload.get("userErrors") or []
        if isinstance(error, dict)
    ]
    group = payload.get("inventoryAdjustmentGroup") or {}
    after: dict[tuple[str, str], int] = {}
    for change in group.get("changes") or []:
        if not isinstance(change, dict) or change.get("name") != "available":
            continue
        item = str((change.get("item") or {}).get("id") or "")
        location = str((change.get("location") or {}).get("id") or "")
        if item and location and change.get("quantityAfterChange") is not None:
            after[(item, location)] = int(change["quantityAfterChange"])
    return SetResult(adjustment_group=str(group.get("id") or ""), after=after, user_errors=errors)


def describe_user_errors(errors: Sequence[InventoryUserError]) -> str:
    return "; ".join(f"{error.message} ({error.code})" if error.code else error.message for error in errors)


class InventoryRefusedError(PermanentGatewayError):
    """Shopify refused the quantities (unknown item or location, quantity out of range, ...)."""
