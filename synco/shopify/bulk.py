"""Bulk operation results: JSONL rows (children after their parent, with __parentId) back into order nodes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

# Child row GID type -> the connection of the Order node it belongs to.
CHILD_CONNECTIONS = {"LineItem": "lineItems", "ShippingLine": "shippingLines"}


def _gid_type(gid: str) -> str:
    return gid.removeprefix("gid://shopify/").split("/", 1)[0]


def group_orders(lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    """Yield each order node with its children attached, holding one order in memory at a time."""
    current: dict[str, Any] | None = None
    for raw in lines:
        if not raw.strip():
            continue
        row = json.loads(raw)
        parent = row.pop("__parentId", None)
        if parent is None:
            if current is not None:
                yield current
            current = row
            for connection in CHILD_CONNECTIONS.values():
                current.setdefault(connection, {"nodes": []})
            continue
        if current is None or current.get("id") != parent:
            # Shopify writes parents before their children; anything else is a corrupt file.
            raise ValueError(f"bulk row for {parent} does not follow its parent")
        child_of = CHILD_CONNECTIONS.get(_gid_type(str(row.get("id", ""))))
        if child_of is not None:
            current[child_of]["nodes"].append(row)
    if current is not None:
        yield current
