"""Bulk operation results: JSONL rows (parents before their children, children carrying __parentId) back
into parent nodes (orders, products, customers), streamed with a bounded window of open parents."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

# Child row GID type -> the connection of the Order node it belongs to.
CHILD_CONNECTIONS = {
    "LineItem": "lineItems",
    "ShippingLine": "shippingLines",
    "FulfillmentOrder": "fulfillmentOrders",
}
# With groupObjects: false Shopify writes a chunk of parents, then their children: keep this many parents open.
WINDOW = 1000


def _gid_type(gid: str) -> str:
    return gid.removeprefix("gid://shopify/").split("/", 1)[0]


def group_orders(lines: Iterable[str | bytes], window: int = WINDOW) -> Iterator[dict[str, Any]]:
    """Yield each order node with its children attached, in file order, holding at most `window` orders."""
    return group_rows(lines, CHILD_CONNECTIONS, window)


def group_rows(
    lines: Iterable[str | bytes], child_connections: Mapping[str, str], window: int = WINDOW
) -> Iterator[dict[str, Any]]:
    """Yield each root node with its children attached under `child_connections` (child GID type ->
    connection name, as `{"nodes": [...]}`), in file order, holding at most `window` roots. Children of
    other types are dropped."""
    open_parents: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for raw in lines:
        if not raw.strip():
            continue
        row = json.loads(raw)
        parent = row.pop("__parentId", None)
        if parent is None:
            for connection in child_connections.values():
                row.setdefault(connection, {"nodes": []})
            open_parents[str(row.get("id"))] = row
            if len(open_parents) > window:
                yield open_parents.popitem(last=False)[1]
            continue
        owner = open_parents.get(parent)
        if owner is None:
            raise ValueError(f"bulk row for {parent} comes after its parent was closed (or before it)")
        child_of = child_connections.get(_gid_type(str(row.get("id", ""))))
        if child_of is not None:
            owner[child_of]["nodes"].append(row)
    yield from open_parents.values()
