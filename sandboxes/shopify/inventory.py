"""Locations, inventory items and inventory levels of a sandbox shop, and `inventorySetQuantities`.

State lives in the store's JSON state (see `SandboxStore.transact`), under

    locations[shop]        [{id, name, active, fulfills_online_orders, fulfillment_service, address}]
    inventory_items[shop]  extra items added by tests and benches ({id, sku, barcode, ...}); the variants of
                           the shop's products (`products.inventory_items`) are its items too
    levels[shop]           {"<item>:<location>": {"available", "committed", "updated_at"}}
    inventory_groups[shop] {id: {reason, uri, created_at, changes: [{name, delta, after, item, location}]}}
    idempotency[shop]      {key: {fingerprint, group | None}}

Every shop is seeded lazily on first use: "Main warehouse" and "Retail store" (active), "Pop-up
(inactive)" and a fulfilment service's location "Acme Fulfillment" (a legacy location, only listed
with `includeLegacy: true`), and a level for every item at the two active merchant locations.
`on_hand` is `available + committed` (the other states of Shopify's model are 0 here), so setting
`available` moves `on_hand` by the same delta and leaves `committed` alone.

The rules of `inventorySetQuantities` on 2026-04 and later (the Admin schema's descriptions, Shopify's
idempotency guide and answers recorded from live shops): the `@idempotent(key:)` directive is
required; every quantity must carry `changeFromQuantity` (null opts out of the compare-and-set);
at most 250 quantities; a changed level is answered with both its `available` and `on_hand` change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandboxes.shopify import products
from sandboxes.shopify.catalog import stable_id

Json = dict[str, Any]
State = dict[str, Any]

MAX_QUANTITIES = 250
MAX_QUANTITY = 1_000_000_000
QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)
SETTABLE_NAMES = ("available", "on_hand")
# https://shopify.dev/docs/apps/fulfillment/inventory-management-apps/quantities-states
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)

MAIN_WAREHOUSE = 71_000_000_001  # the generator's fulfilments come from this location
RETAIL_STORE = 71_000_000_002
POP_UP = 71_000_000_003
FULFILLMENT_SERVICE_LOCATION = 71_000_000_004
SEED_LOCATIONS: tuple[Json, ...] = (
    {
        "id": MAIN_WAREHOUSE,
        "name": "Main warehouse",
        "active": True,
        "fulfills_online_orders": True,
        "fulfillment_service": None,
        "address": {"address1": "1 Sandbox Way", "city": "New York", "zip": "10001", "province_code": "NY"},
    },
    {
        "id": RETAIL_STORE,
        "name": "Retail store",
        "active": True,
        "fulfills_online_orders": False,
        "fulfillment_service": None,
        "address": {
            "address1": "12 Market Street",
            "city": "Brooklyn",
            "zip": "11201",
            "province_code": "NY",
        },
    },
    {
        "id": POP_UP,
        "name": "Pop-up (inactive)",
        "active": False,
        "fulfills_online_orders": False,
        "fulfillment_service": None,
        "address": {"address1": "3 Pier Road", "city": "Hoboken", "zip": "07030", "province_code": "NJ"},
    },
    {
        "id": FULFILLMENT_SERVICE_LOCATION,
        "name": "Acme Fulfillment",
        "active": True,
        "fulfills_online_orders": True,
        "fulfillment_service": "acme-fulfillment",
        "address": {
            "address1": "400 Logistics Park",
            "city": "Secaucus",
            "zip": "07094",
            "province_code": "NJ",
        },
    },
)
SEED_CREATED_AT = "2025-01-02T15:00:00Z"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def level_key(item_id: int, location_id: int) -> str:
    return f"{item_id}:{location_id}"


def level_gid(item_id: int, location_id: int) -> str:
    return f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"


# ------------------------------------------------------------------------------------- seeding


def seed_quantity(sku: str, location_id: int) -> int:
    digest = hashlib.sha256(f"{sku}@{location_id}".encode()).digest()
    return 5 + digest[0] % 40 if location_id == MAIN_WAREHOUSE else digest[0] % 15


def ensure_shop(state: State, shop: str) -> None:
    """Seed the shop's locations and levels the first time they are needed (caller holds the lock)."""
    if shop in state.setdefault("locations", {}):
        return
    state["locations"][shop] = [json.loads(json.dumps(loc)) for loc in SEED_LOCATIONS]
    state.setdefault("inventory_items", {}).setdefault(shop, [])
    levels = state.setdefault("levels", {}).setdefault(shop, {})
    for item in products.seed_items():
        for loc in (MAIN_WAREHOUSE, RETAIL_STORE):
            levels[level_key(item["id"], loc)] = {
                "available": seed_quantity(item["sku"] or str(item["id"]), loc),
                "committed": 0,
                "updated_at": SEED_CREATED_AT,
            }
    state.setdefault("inventory_groups", {}).setdefault(shop, {})
    state.setdefault("idempotency", {}).setdefault(shop, {})


def items(state: State, shop: str) -> list[Json]:
    """The shop's inventory items: its products' variants, then the extra items of `add_items`."""
    return products.inventory_items(state, shop) + list(state.get("inventory_items", {}).get(shop, []))


def items_by_id(state: State, shop: str) -> dict[int, Json]:
    found = products.index(state, shop).items_by_id
    extra = state.get("inventory_items", {}).get(shop)
    return found | {i["id"]: i for i in extra} if extra else found


def locations(state: State, shop: str) -> list[Json]:
    ensure_shop(state, shop)
    return list(state["locations"][shop])


def location(state: State, shop: str, location_id: int) -> Json | None:
    return next((loc for loc in locations(state, shop) if loc["id"] == location_id), None)


def default_location(state: State, shop: str) -> Json:
    """Where Shopify routes an online order: the first active merchant location that fulfils online."""
    return next(
        loc
        for loc in locations(state, shop)
        if loc["active"] and loc["fulfills_online_orders"] and not loc["fulfillment_service"]
    )


def add_location(state: State, shop: str, name: str, *, fulfills_online_orders: bool = False) -> Json:
    """A new active merchant location (as the merchant adds one in the admin); no item is stocked there yet."""
    ensure_shop(state, shop)
    known = state["locations"][shop]
    if any(loc["name"] == name for loc in known):
        raise ValueError(f"a location named {name!r} exists already")
    loc = {
        "id": max(int(existing["id"]) for existing in known) + 1,
        "name": name,
        "active": True,
        "fulfills_online_orders": fulfills_online_orders,
        "fulfillment_service": None,
        "address": {"address1": "1 Bench Road", "city": "Newark", "zip": "07102", "province_code": "NJ"},
    }
    known.append(loc)
    return dict(loc)


def merchant_locations(state: State, shop: str) -> list[int]:
    """The active locations of the merchant (not a fulfilment service's), where new items are stocked."""
    return [
        int(loc["id"]) for loc in locations(state, shop) if loc["active"] and not loc["fulfillment_service"]
    ]


def add_items(
    state: State, shop: str, new_items: list[Json], quantities: dict[int, int] | None = None
) -> list[Json]:
    """Extra inventory items (and their variants) for a shop, stocked at every active merchant location."""
    ensure_shop(state, shop)
    known = {i["sku"] for i in items(state, shop)}
    stocked_at = merchant_locations(state, shop)
    added = []
    for spec in new_items:
        sku = str(spec["sku"])
        if sku in known:
            continue
        item = {
            "id": int(spec.get("id") or stable_id("inventory_item", f"{shop}:{sku}", 47_000_000_000_000)),
            "sku": sku,
            "barcode": spec.get("barcode"),
            "tracked": bool(spec.get("tracked", True)),
            "requires_shipping": bool(spec.get("requires_shipping", True)),
            "variant_id": int(
                spec.get("variant_id") or stable_id("variant", f"{shop}:{sku}", 45_000_000_000_000)
            ),
            "product_id": int(
                spec.get("product_id") or stable_id("product", f"{shop}:{sku}", 9_000_000_000_000)
            ),
            "product_title": str(spec.get("title") or sku),
            "variant_title": None,
            "price": str(spec.get("price") or "10.00"),
        }
        state["inventory_items"][shop].append(item)
        known.add(sku)
        added.append(item)
        for loc in stocked_at:
            state["levels"][shop][level_key(int(item["id"] or 0), loc)] = {
                "available": int((quantities or {}).get(loc, 0)),
                "committed": 0,
                "updated_at": now_utc(),
            }
    return added


# -------------------------------------------------------------------------------------- levels


def level(state: State, shop: str, item_id: int, location_id: int) -> Json | None:
    ensure_shop(state, shop)
    return state["levels"][shop].get(level_key(item_id, location_id))


def quantity(lvl: Json, name: str) -> int:
    if name == "available":
        return int(lvl["available"])
    if name == "committed":
        return int(lvl.get("committed") or 0)
    if name == "on_hand":
        return int(lvl["available"]) + int(lvl.get("committed") or 0)
    return 0


def levels_of(
    state: State, shop: str, *, item_id: int | None = None, location_id: int | None = None
) -> list[Json]:
    """Levels as {item_id, location_id, available, committed, on_hand, updated_at}, by item then location."""
    ensure_shop(state, shop)
    out = []
    if item_id is not None:
        # One item's levels are looked up by key (one per location of the shop), not found by scanning every
        # level of the shop: a page of 100 items read 200 times through 30,000 levels otherwise.
        table = state["levels"][shop]
        wanted = (
            [location_id]
            if location_id is not None
            else sorted(int(loc["id"]) for loc in state["locations"][shop])
        )
        for loc in wanted:
            found = table.get(level_key(item_id, loc))
            if found is not None:
                out.append(
                    {
                        "item_id": item_id,
                        "location_id": loc,
                        "available": quantity(found, "available"),
                        "committed": quantity(found, "committed"),
                        "on_hand": quantity(found, "on_hand"),
                        "updated_at": found["updated_at"],
                    }
                )
        return out
    for key, lvl in state["levels"][shop].items():
        item, loc = (int(part) for part in key.split(":"))
        if (item_id is None or item == item_id) and (location_id is None or loc == location_id):
            out.append(
                {
                    "item_id": item,
                    "location_id": loc,
                    "available": quantity(lvl, "available"),
                    "committed": quantity(lvl, "committed"),
                    "on_hand": quantity(lvl, "on_hand"),
                    "updated_at": lvl["updated_at"],
                }
            )
    return sorted(out, key=lambda row: (row["item_id"], row["location_id"]))


def level_webhook(item_id: int, location_id: int, lvl: Json) -> Json:
    """The `inventory_levels/update` body (the REST InventoryLevel)."""
    return {
        "inventory_item_id": item_id,
        "location_id": location_id,
        "available": quantity(lvl, "available"),
        "updated_at": _rest_time(lvl["updated_at"]),
        "admin_graphql_api_id": level_gid(item_id, location_id),
    }


def _rest_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).isoformat()


def set_available(
    state: State, shop: str, item_id: int, location_id: int, available: int
) -> tuple[Json, int]:
    """Set `available` at a level (created if missing); returns (level, delta)."""
    ensure_shop(state, shop)
    lvl = state["levels"][shop].setdefault(
        level_key(item_id, location_id), {"available": 0, "committed": 0, "updated_at": now_utc()}
    )
    delta = int(available) - int(lvl["available"])
    lvl["available"] = int(available)
    lvl["updated_at"] = now_utc()
    return lvl, delta


def commit(state: State, shop: str, item_id: int, location_id: int, units: int) -> Json | None:
    """An order takes `units`: available goes down and committed up (on_hand unchanged)."""
    lvl = level(state, shop, item_id, location_id)
    if lvl is None:
        return None
    lvl["available"] = int(lvl["available"]) - units
    lvl["committed"] = int(lvl.get("committed") or 0) + units
    lvl["updated_at"] = now_utc()
    return lvl


def ship(state: State, shop: str, item_id: int, location_id: int, units: int) -> None:
    """Committed units leave with a fulfilment: committed and on_hand go down, available stays."""
    lvl = level(state, shop, item_id, location_id)
    if lvl is not None:
        lvl["committed"] = max(0, int(lvl.get("committed") or 0) - units)
        lvl["updated_at"] = now_utc()


# ------------------------------------------------------------------------------ inventorySetQuantities


@dataclass
class SetResult:
    group: Json | None
    user_errors: list[Json]
    changed: list[tuple[int, int, Json]]  # (item, location, level) whose `available` changed
    replayed: bool = False


def _error(code: str, field: list[str], message: str) -> Json:
    return {"code": code, "field": field, "message": message}


def fingerprint(payload: Json) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _number(gid: str, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    if not isinstance(gid, str) or not gid.startswith(prefix):
        return None
    number = gid[len(prefix) :].split("?", 1)[0]
    return int(number) if number.isdigit() else None


def validate_set(state: State, shop: str, data: Json) -> list[Json]:
    """userErrors for an inventorySetQuantities input (nothing is applied when there is one)."""
    errors: list[Json] = []
    name = data.get("name")
    if name not in SETTABLE_NAMES:
        errors.append(
            _error(
                "INVALID_NAME",
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
            )
        )
    if data.get("reason") not in REASONS:
        errors.append(_error("INVALID_REASON", ["input", "reason"], "The specified reason is invalid."))
    uri = data.get("referenceDocumentUri")
    if uri is not None and (":" not in uri or not uri.split(":", 1)[1].strip("/")):
        errors.append(
            _error(
                "INVALID_REFERENCE_DOCUMENT",
                ["input", "referenceDocumentUri"],
                "The specified reference document is invalid.",
            )
        )
    known_items = items_by_id(state, shop)
    seen: set[tuple[int, int]] = set()
    for i, q in enumerate(data.get("quantities") or []):
        path = ["input", "quantities", str(i)]
        item_id = _number(q.get("inventoryItemId"), "InventoryItem")
        loc_id = _number(q.get("locationId"), "Location")
        if item_id is None or item_id not in known_items:
            errors.append(
                _error(
                    "INVALID_INVENTORY_ITEM",
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                )
            )
            continue
        loc = location(state, shop, loc_id) if loc_id is not None else None
        if loc_id is None or loc is None or not loc["active"]:
            errors.append(
                _error(
                    "INVALID_LOCATION", [*path, "locationId"], "The specified location could not be found."
                )
            )
            continue
        if (item_id, loc_id) in seen:
            errors.append(
                _error(
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    [*path],
                    "The combination of inventoryItemId and locationId must be unique.",
                )
            )
            continue
        seen.add((item_id, loc_id))
        wanted = int(q["quantity"])
        if wanted > MAX_QUANTITY:
            errors.append(
                _error(
                    "INVALID_QUANTITY_TOO_HIGH",
                    [*path, "quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                )
            )
            continue
        if wanted < -MAX_QUANTITY:
            errors.append(
                _error(
                    "INVALID_QUANTITY_TOO_LOW",
                    [*path, "quantity"],
                    "The quantity can't be lower than -1,000,000,000.",
                )
            )
            continue
        if name == "on_hand" and wanted < 0:
            errors.append(
                _error("INVALID_QUANTITY_NEGATIVE", [*path, "quantity"], "The quantity can't be negative.")
            )
            continue
        expected = q.get("changeFromQuantity")
        if expected is not None and name in SETTABLE_NAMES:
            lvl = level(state, shop, item_id, loc_id)
            current = quantity(lvl, str(name)) if lvl is not None else 0
            if int(expected) != current:
                errors.append(
                    _error(
                        "CHANGE_FROM_QUANTITY_STALE",
                        [*path, "changeFromQuantity"],
                        "The changeFromQuantity value does not match persisted value.",
                    )
                )
    return errors


def set_quantities(
    state: State, shop: str, data: Json, key: str, *, clock: Callable[[], str] = now_utc
) -> SetResult:
    """Run an inventorySetQuantities input under idempotency key `key` (caller holds the store lock)."""
    ensure_shop(state, shop)
    seen = state["idempotency"][shop]
    print_ = fingerprint(data)
    previous = seen.get(key)
    if previous is not None:
        if previous["fingerprint"] != print_:
            return SetResult(
                None,
                [
                    _error(
                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        ["input"],
                        "The same idempotency key cannot be used with different operation parameters.",
                    )
                ],
                [],
            )
        if previous["group"] is None:
            return SetResult(
                None,
                [
                    _error(
                        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
                        ["input"],
                        "A previous request with this idempotency key failed. Retry with a new idempotency key.",
                    )
                ],
                [],
            )
        group = state["inventory_groups"][shop][str(previous["group"])]
        return SetResult(group, [], [], replayed=True)
    errors = validate_set(state, shop, data)
    if errors:
        seen[key] = {"fingerprint": print_, "group": None}
        return SetResult(None, errors, [])
    name = str(data["name"])
    stamp = clock()
    changes: list[Json] = []
    changed: list[tuple[int, int, Json]] = []
    for q in data["quantities"]:
        item_id = int(_number(q["inventoryItemId"], "InventoryItem") or 0)
        loc_id = int(_number(q["locationId"], "Location") or 0)
        lvl = state["levels"][shop].setdefault(
            level_key(item_id, loc_id), {"available": 0, "committed": 0, "updated_at": stamp}
        )
        delta = int(q["quantity"]) - quantity(lvl, name)
        if delta == 0:
            continue
        lvl["available"] = int(lvl["available"]) + delta  # on_hand = available + committed moves with it
        lvl["updated_at"] = stamp
        for changed_name in ("available", "on_hand"):
            changes.append(
                {
                    "name": changed_name,
                    "delta": delta,
                    "after": quantity(lvl, changed_name),
                    "item": item_id,
                    "location": loc_id,
                }
            )
        changed.append((item_id, loc_id, lvl))
    groups = state["inventory_groups"][shop]
    group_id = 90_000_000_000 + len(groups) + 1
    group = {
        "id": group_id,
        "reason": data["reason"],
        "uri": data.get("referenceDocumentUri"),
        "created_at": stamp,
        "changes": changes,
    }
    groups[str(group_id)] = group
    seen[key] = {"fingerprint": print_, "group": group_id}
    return SetResult(group, [], changed)
