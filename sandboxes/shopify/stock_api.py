"""GraphQL resolvers for locations, inventory and fulfilment orders (Admin API 2026-10 shapes).

Query roots: `locations`, `location`, `inventoryItems`, `inventoryItem`, `inventoryLevel`,
`productVariants`, `fulfillmentOrder`; `Order.fulfillmentOrders` (hooked in `graphql_api.order_view`).
Mutations: `inventorySetQuantities`, `fulfillmentCreate`, `fulfillmentTrackingInfoUpdate`.

Access scopes are enforced as Shopify does: a root field or mutation the token's scopes don't cover
is refused with `ACCESS_DENIED` ("Access denied for locations field. Required access: `read_locations`
access scope."); fulfilment orders of locations the scopes don't cover are left out silently, and
fulfilling one the app may only read is a userError ("The api_client does not have access to the
fulfillment order.").
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from graphql.execution.values import get_directive_values

from sandboxes.shopify import fulfillments, inventory, products, views
from sandboxes.shopify.catalog import variants_by_id
from sandboxes.shopify.search import parse as parse_search

Json = dict[str, Any]
SCOPES_DOCS = "https://shopify.dev/api/usage/access-scopes"
IDEMPOTENCY_REQUIRED_SINCE = "2026-04"


def _ctx(info: GraphQLResolveInfo) -> Any:
    from sandboxes.shopify.graphql_api import _ctx as ctx_of

    return ctx_of(info)


def _granted(ctx: Any, scope: str) -> bool:
    scopes = getattr(ctx, "scopes", None)
    return scopes is None or scope in scopes


def _require(info: GraphQLResolveInfo, *scopes: str, also: str = "") -> None:
    """ACCESS_DENIED unless one of `scopes` is granted (Shopify names the first in its message)."""
    ctx = _ctx(info)
    if any(_granted(ctx, s) for s in scopes):
        return
    needed = f"`{scopes[0]}` access scope."
    raise GraphQLError(
        f"Access denied for {info.field_name} field. Required access: {needed}{also}",
        extensions={"code": "ACCESS_DENIED", "documentation": SCOPES_DOCS, "requiredAccess": needed + also},
    )


def _state(ctx: Any, change: Any, *, write: bool = False) -> Any:
    return ctx.store.transact(change, write=write)


def _number(value: Any, kind: str) -> int | None:
    parsed = views.parse_gid(str(value or ""))
    return int(parsed[1]) if parsed and parsed[0] == kind else None


def _by_id(rows: list[Json], **window: Any) -> Json:
    ordered = sorted(rows, key=lambda r: r["_id"])
    return views.paginate(ordered, [(r["_id"], r["_id"]) for r in ordered], **window)


def _window(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("first", "last", "after", "before", "reverse")}


# ------------------------------------------------------------------------------------ views


def location_view(loc: Json, ctx: Any) -> Json:
    address = loc.get("address") or {}
    number = int(loc["id"])

    def levels(_info: GraphQLResolveInfo, **args: Any) -> Json:
        rows = _state(ctx, lambda s: inventory.levels_of(s, ctx.shop, location_id=number))
        found = _state(ctx, lambda s: inventory.items_by_id(s, ctx.shop))
        return _by_id(
            [
                level_view(found[r["item_id"]], loc, r, ctx) | {"_id": r["item_id"]}
                for r in rows
                if r["item_id"] in found
            ],
            **_window(args),
        )

    def one_level(_info: GraphQLResolveInfo, inventoryItemId: str, **_: Any) -> Json | None:
        item_id = _number(inventoryItemId, "InventoryItem")
        return _level(ctx, item_id, number)

    service = loc.get("fulfillment_service")
    return {
        "__typename": "Location",
        "id": views.gid("Location", number),
        "legacyResourceId": str(number),
        "name": loc["name"],
        "isActive": bool(loc["active"]),
        "activatable": not loc["active"],
        "deactivatable": bool(loc["active"]) and not service,
        "deletable": not loc["active"],
        "deactivatedAt": None if loc["active"] else inventory.SEED_CREATED_AT,
        "addressVerified": True,
        "fulfillsOnlineOrders": bool(loc["fulfills_online_orders"]),
        "isFulfillmentService": bool(service),
        "fulfillmentService": None
        if not service
        else {
            "id": views.gid("FulfillmentService", number),
            "handle": service,
            "serviceName": loc["name"],
            "type": "THIRD_PARTY",
            "inventoryManagement": True,
            "callbackUrl": None,
            "fulfillmentOrdersOptIn": True,
            "trackingSupport": True,
            "requiresShippingMethod": True,
            "location": None,
        },
        "shipsInventory": bool(loc["active"]),
        "hasActiveInventory": bool(loc["active"]) and not service,
        "hasUnfulfilledOrders": False,
        "isPrimary": number == inventory.MAIN_WAREHOUSE,
        "createdAt": inventory.SEED_CREATED_AT,
        "updatedAt": inventory.SEED_CREATED_AT,
        "address": {
            "address1": address.get("address1"),
            "address2": None,
            "city": address.get("city"),
            "zip": address.get("zip"),
            "province": {"NY": "New York", "NJ": "New Jersey"}.get(str(address.get("province_code"))),
            "provinceCode": address.get("province_code"),
            "country": "United States",
            "countryCode": "US",
            "phone": None,
            "latitude": None,
            "longitude": None,
            "formatted": [
                str(address.get("address1") or ""),
                f"{address.get('city')} {address.get('province_code')} {address.get('zip')}",
                "United States",
            ],
        },
        "suggestedAddresses": [],
        "inventoryLevels": levels,
        "inventoryLevel": one_level,
    }


def item_view(item: Json, ctx: Any) -> Json:
    number = int(item["id"])

    def levels(_info: GraphQLResolveInfo, **args: Any) -> Json:
        def read(s: Json) -> list[Json]:
            locs = {loc["id"]: loc for loc in inventory.locations(s, ctx.shop)}
            return [
                level_view(item, locs[r["location_id"]], r, ctx) | {"_id": r["location_id"]}
                for r in inventory.levels_of(s, ctx.shop, item_id=number)
                if r["location_id"] in locs
            ]

        return _by_id(_state(ctx, read), **_window(args))

    def one_level(_info: GraphQLResolveInfo, locationId: str, **_: Any) -> Json | None:
        return _level(ctx, number, _number(locationId, "Location"))

    def variants(_info: GraphQLResolveInfo, **args: Any) -> Json:
        return _by_id([variant_view(item, ctx) | {"_id": item["variant_id"]}], **_window(args))

    return {
        "__typename": "InventoryItem",
        "id": views.gid("InventoryItem", number),
        "legacyResourceId": str(number),
        "sku": item.get("sku"),
        "tracked": bool(item.get("tracked")),
        "requiresShipping": bool(item.get("requires_shipping", True)),
        "trackedEditable": {"locked": False, "reason": None},
        "createdAt": inventory.SEED_CREATED_AT,
        "updatedAt": inventory.SEED_CREATED_AT,
        "duplicateSkuCount": 0,
        "harmonizedSystemCode": None,
        "countryCodeOfOrigin": None,
        "provinceCodeOfOrigin": None,
        "inventoryHistoryUrl": None,
        "unitCost": (lambda _info: _unit_cost(item, ctx)) if item.get("cost") is not None else None,
        "measurement": {
            "id": views.gid("InventoryItemMeasurement", number),
            "weight": None
            if item.get("weight") is None
            else {"value": float(item["weight"]), "unit": item.get("weight_unit") or "GRAMS"},
        },
        "locationsCount": lambda _info: {
            "count": len(_state(ctx, lambda s: inventory.levels_of(s, ctx.shop, item_id=number))),
            "precision": "EXACT",
        },
        "inventoryLevels": levels,
        "inventoryLevel": one_level,
        "variant": lambda _info: variant_view(item, ctx),
        "variants": variants,
    }


def _unit_cost(item: Json, ctx: Any) -> Json:
    currency = ctx.store.shop(ctx.shop)["currency"]
    return {"amount": views.decimal_str(item["cost"]), "currencyCode": currency}


def variant_view(item: Json, ctx: Any) -> Json:
    """The variant of an inventory item: from the shop's products, else (an extra item of `add_items`) a
    product of its own with one default variant."""
    found = _state(ctx, lambda s: products.index(s, ctx.shop).by_variant.get(int(item["variant_id"])))
    if found is not None:
        return products.variant_view(found[0], found[1], ctx)
    number = int(item["id"])

    def available(_info: GraphQLResolveInfo) -> int:
        rows = _state(ctx, lambda s: inventory.levels_of(s, ctx.shop, item_id=number))
        return sum(int(r["available"]) for r in rows)

    return {
        "__typename": "ProductVariant",
        "id": views.gid("ProductVariant", item["variant_id"]),
        "legacyResourceId": str(item["variant_id"]),
        "sku": item.get("sku"),
        "barcode": item.get("barcode"),
        "title": "Default Title",
        "displayName": item["product_title"],
        "price": views.decimal_str(item.get("price") or "0"),
        "taxable": True,
        "product": {
            "__typename": "Product",
            "id": views.gid("Product", item["product_id"]),
            "legacyResourceId": str(item["product_id"]),
            "title": item["product_title"],
            "vendor": "Synco Demo Goods",
            "status": "ACTIVE",
        },
        "inventoryItem": item_view(item, ctx),
        "inventoryQuantity": available,
        "sellableOnlineQuantity": lambda info: max(0, available(info)),
        "availableForSale": True,
        "inventoryPolicy": "DENY",
        "position": 1,
        "selectedOptions": [{"name": "Title", "value": "Default Title"}],
        "requiresComponents": False,
        "createdAt": inventory.SEED_CREATED_AT,
        "updatedAt": inventory.SEED_CREATED_AT,
    }


def level_view(item: Json, loc: Json, row: Json, ctx: Any) -> Json:
    item_id, loc_id = int(item["id"]), int(loc["id"])

    def quantities(_info: GraphQLResolveInfo, names: list[str]) -> list[Json]:
        return [
            {
                "id": f"gid://shopify/InventoryQuantity/{loc_id}?inventory_item_id={item_id}&name={name}",
                "name": name,
                "quantity": int(row.get(name, 0)) if name in ("available", "committed", "on_hand") else 0,
                "updatedAt": row["updated_at"],
            }
            for name in names
        ]

    return {
        "__typename": "InventoryLevel",
        "id": inventory.level_gid(item_id, loc_id),
        "isActive": True,
        "canDeactivate": True,
        "deactivationAlert": None,
        "createdAt": inventory.SEED_CREATED_AT,
        "updatedAt": row["updated_at"],
        "item": item_view(item, ctx),
        "location": location_view(loc, ctx),
        "quantities": quantities,
    }


def _level(ctx: Any, item_id: int | None, loc_id: int | None) -> Json | None:
    if item_id is None or loc_id is None:
        return None

    def read(s: Json) -> Json | None:
        rows = inventory.levels_of(s, ctx.shop, item_id=item_id, location_id=loc_id)
        item = inventory.items_by_id(s, ctx.shop).get(item_id)
        loc = inventory.location(s, ctx.shop, loc_id)
        return level_view(item, loc, rows[0], ctx) if rows and item and loc else None

    return _state(ctx, read)


# ------------------------------------------------------------------------------ query roots


def _matches(item: Json, query: str | None, fields: tuple[str, ...]) -> bool:
    if not query:
        return True
    parsed = parse_search(query)

    def term_ok(term: Any) -> bool:
        name = term.field or "sku"
        if name not in fields:
            return True
        if name == "id":
            wanted = str(term.value).rsplit("/", 1)[-1]
            hit = str(item["id"]) == wanted or str(item["variant_id"]) == wanted
        elif name == "product_id":
            hit = str(item["product_id"]) == str(term.value).rsplit("/", 1)[-1]
        else:
            actual = str(item.get(name) or "").lower()
            value = str(term.value).lower()
            hit = actual.startswith(value[:-1]) if value.endswith("*") else actual == value
        return hit != term.negate

    return any(all(term_ok(t) for t in group) for group in parsed.groups)


def resolve_locations(
    _root: Any,
    info: GraphQLResolveInfo,
    *,
    includeInactive: bool = False,
    includeLegacy: bool = False,
    query: str | None = None,
    sortKey: str = "NAME",
    **window: Any,
) -> Json:
    _require(info, "read_locations")
    ctx = _ctx(info)
    views.check_window(window.get("first"), window.get("last"))
    locs = [
        loc
        for loc in _state(ctx, lambda s: inventory.locations(s, ctx.shop))
        if (includeInactive or loc["active"])
        and (includeLegacy or not loc["fulfillment_service"])
        and (
            not query
            or _matches({"id": loc["id"], "variant_id": 0, "name": loc["name"]}, query, ("id", "name"))
        )
    ]
    rows = [location_view(loc, ctx) | {"_id": int(loc["id"])} for loc in locs]
    if sortKey == "NAME":
        keyed = sorted(((r["name"].lower(), r["_id"]), r) for r in rows)
        return views.paginate([r for _, r in keyed], [k for k, _ in keyed], **_window(window))
    return _by_id(rows, **_window(window))


def resolve_location(_root: Any, info: GraphQLResolveInfo, id: str | None = None) -> Json | None:
    _require(info, "read_locations")
    ctx = _ctx(info)
    number = _number(id, "Location")
    if id is None:
        number = inventory.MAIN_WAREHOUSE
    loc = _state(ctx, lambda s: inventory.location(s, ctx.shop, number)) if number is not None else None
    return location_view(loc, ctx) if loc else None


def resolve_inventory_items(
    _root: Any, info: GraphQLResolveInfo, query: str | None = None, **window: Any
) -> Json:
    _require(info, "read_inventory", "read_products")
    ctx = _ctx(info)
    views.check_window(window.get("first"), window.get("last"))
    found = [
        i for i in _state(ctx, lambda s: inventory.items(s, ctx.shop)) if _matches(i, query, ("sku", "id"))
    ]
    # The page is cut from the items first and only its items are turned into views (not all 10,000).
    found.sort(key=lambda i: int(i["id"]))
    page = views.paginate(found, [(int(i["id"]), int(i["id"])) for i in found], **_window(window))
    shown = {id(i): item_view(i, ctx) | {"_id": int(i["id"])} for i in page["nodes"]}
    page["nodes"] = [shown[id(i)] for i in page["nodes"]]
    page["edges"] = [{"cursor": e["cursor"], "node": shown[id(e["node"])]} for e in page["edges"]]
    return page


def resolve_inventory_item(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    _require(info, "read_inventory", "read_products")
    ctx = _ctx(info)
    number = _number(id, "InventoryItem")
    item = _state(ctx, lambda s: inventory.items_by_id(s, ctx.shop)).get(number)
    return item_view(item, ctx) if item else None


def resolve_inventory_level(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    _require(info, "read_inventory")
    parsed = views.parse_gid(id)
    item = id.split("inventory_item_id=", 1)[1].split("&", 1)[0] if "inventory_item_id=" in id else ""
    if not parsed or parsed[0] != "InventoryLevel" or not item.isdigit():
        return None
    return _level(_ctx(info), int(item), parsed[1])


VARIANT_SORT_KEYS: dict[str, Any] = {
    "ID": lambda i: int(i["variant_id"]),
    "SKU": lambda i: str(i.get("sku") or "").lower(),
    "TITLE": lambda i: str(i.get("variant_title") or "").lower(),
    "FULL_TITLE": lambda i: f"{i['product_title']} {i.get('variant_title') or ''}".lower(),
    "NAME": lambda i: f"{i['product_title']} {i.get('variant_title') or ''}".lower(),
    "RELEVANCE": lambda i: int(i["variant_id"]),
}


def _page_args(window: dict[str, Any]) -> dict[str, Any]:
    return {k: window.get(k) for k in ("first", "last", "after", "before")}


def resolve_product_variants(
    _root: Any,
    info: GraphQLResolveInfo,
    query: str | None = None,
    sortKey: str = "ID",
    reverse: bool = False,
    **window: Any,
) -> Json:
    """Every variant of the shop's products (and of the extra items of `add_items`); the page is cut from
    the items first and only its variants are turned into views."""
    _require(info, "read_products")
    ctx = _ctx(info)
    run = getattr(ctx, "bulk_run", None)
    if run is not None and run.matched is not None:
        return _variant_page(run.window(), ctx, run)
    if run is None:
        views.check_window(window.get("first"), window.get("last"))
    found = [
        i
        for i in _state(ctx, lambda s: inventory.items(s, ctx.shop))
        if _matches(i, query, ("sku", "barcode", "id", "product_id"))
    ]
    key_of = VARIANT_SORT_KEYS.get(sortKey, VARIANT_SORT_KEYS["ID"])
    keyed = sorted(((key_of(i), int(i["variant_id"])), i) for i in found)
    if run is not None:  # a bulk query: every match, a chunk at a time
        run.matched = list(reversed(keyed)) if reverse else keyed
        return _variant_page(run.window(), ctx, run)
    page = views.paginate(
        [i for _, i in keyed],
        [k for k, _ in keyed],
        reverse=reverse,
        **_page_args(window),
    )
    shown = {id(i): variant_view(i, ctx) for i in page["nodes"]}
    page["nodes"] = [shown[id(i)] for i in page["nodes"]]
    page["edges"] = [{"cursor": e["cursor"], "node": shown[id(e["node"])]} for e in page["edges"]]
    return page


def _variant_page(window: list[tuple[Any, Json]], ctx: Any, run: Any) -> Json:
    nodes = [variant_view(i, ctx) for _, i in window]
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


def node(ctx: Any, kind: str, number: int) -> Json | None:
    """`node(id:)` for the kinds of this module (None for others)."""
    if kind == "Location" and _granted(ctx, "read_locations"):
        loc = _state(ctx, lambda s: inventory.location(s, ctx.shop, number))
        return location_view(loc, ctx) if loc else None
    if kind == "InventoryItem":
        item = _state(ctx, lambda s: inventory.items_by_id(s, ctx.shop)).get(number)
        return item_view(item, ctx) if item else None
    if kind == "FulfillmentOrder":
        return _fulfillment_order(ctx, number)
    return None


# ---------------------------------------------------------------------------- fulfilment orders


def _fo_line_view(line: Json, order_line: Json | None) -> Json:
    variant = variants_by_id().get(line.get("variant_id") or 0)
    return {
        "_id": line["id"],
        "id": views.gid("FulfillmentOrderLineItem", line["id"]),
        "remainingQuantity": int(line["remaining"]),
        "totalQuantity": int(line["total"]),
        "lineItem": order_line,
        "sku": line.get("sku"),
        "inventoryItemId": views.gid("InventoryItem", line["item_id"]) if line.get("item_id") else None,
        "productTitle": (order_line or {}).get("title") or "",
        "variantTitle": (order_line or {}).get("variantTitle"),
        "vendor": (order_line or {}).get("vendor"),
        "requiresShipping": bool((order_line or {}).get("requiresShipping", True)),
        "variant": views.variant_view(variant) if variant else None,
        "originalUnitPriceSet": (order_line or {}).get("originalUnitPriceSet"),
        "financialSummaries": [],
        "warnings": [],
        "image": None,
        "weight": None,
        "shippingLine": None,
    }


def fulfillment_order_view(fo: Json, order: Json, ctx: Any) -> Json:
    from sandboxes.shopify.graphql_api import fulfillment_view, order_view

    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    applications = [
        views.discount_application_view(app, i, shop_ccy)
        for i, app in enumerate(order.get("discount_applications") or [])
    ]
    order_lines = {
        int(li["id"]): views.line_item_view(li, applications, shop_ccy, pres_ccy)
        for li in order.get("line_items") or []
    }

    def read(s: Json) -> tuple[Json | None, list[str]]:
        return inventory.location(s, ctx.shop, fo["location_id"]), fulfillments.supported_actions(
            s, ctx.shop, fo
        )

    loc, actions = _state(ctx, read)
    address = (loc or {}).get("address") or {}
    fo_fulfillments = [
        fulfillment_view(f) | {"_id": int(f["id"])}
        for f in order.get("fulfillments") or []
        if fo["id"] in (f.get("fulfillment_order_ids") or [])
    ]
    empty: Any = lambda _info, **args: views.paginate([], [], **_window(args))  # noqa: E731
    return {
        "__typename": "FulfillmentOrder",
        "id": views.gid("FulfillmentOrder", fo["id"]),
        "status": fo["status"],
        "requestStatus": fo["request_status"],
        "createdAt": views.utc(fo["created_at"].replace("Z", "+00:00")),
        "updatedAt": views.utc(fo["updated_at"].replace("Z", "+00:00")),
        "orderId": views.gid("Order", order["id"]),
        "orderName": order["name"],
        "orderProcessedAt": views.utc(order.get("processed_at") or order.get("created_at")),
        "order": lambda _info: order_view(order, ctx),
        "fulfillAt": None,
        "fulfillBy": None,
        "channelId": None,
        "destination": None,
        "deliveryMethod": None,
        "internationalDuties": None,
        "remainingLineItemsWeight": None,
        "assignedLocation": {
            "name": (loc or {}).get("name") or "",
            "address1": address.get("address1"),
            "address2": None,
            "city": address.get("city"),
            "zip": address.get("zip"),
            "province": address.get("province_code"),
            "countryCode": "US",
            "phone": None,
            "location": location_view(loc, ctx) if loc else None,
        },
        "supportedActions": [{"action": a, "externalUrl": None} for a in actions],
        "fulfillmentHolds": [
            {
                "id": views.gid("FulfillmentHold", fo["id"] * 10 + i),
                "reason": h["reason"],
                "reasonNotes": h.get("reason_notes"),
                "displayReason": str(h["reason"]).replace("_", " ").capitalize(),
                "handle": None,
                "heldByRequestingApp": False,
            }
            for i, h in enumerate(fo["holds"])
        ],
        "lineItems": views.id_connection(
            [_fo_line_view(line, order_lines.get(line["line_item_id"])) for line in fo["lines"]]
        ),
        "fulfillments": views.id_connection(fo_fulfillments),
        "merchantRequests": empty,
        "fulfillmentOrdersForMerge": empty,
        "locationsForMove": empty,
    }


def _fulfillment_order(ctx: Any, number: int) -> Json | None:
    def read(s: Json) -> tuple[Json, Json] | None:
        found = fulfillments.find(s, ctx.shop, number)
        if found is None or not fulfillments.visible(s, ctx.shop, found[1], getattr(ctx, "scopes", None)):
            return None
        return found

    found = _state(ctx, read, write=True)
    return fulfillment_order_view(found[1], found[0], ctx) if found else None


def resolve_fulfillment_order(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    _require(
        info,
        "read_merchant_managed_fulfillment_orders",
        "read_assigned_fulfillment_orders",
        "read_third_party_fulfillment_orders",
    )
    number = _number(id, "FulfillmentOrder")
    return _fulfillment_order(_ctx(info), number) if number is not None else None


def order_fulfillment_orders(order: Json, ctx: Any) -> Any:
    """`Order.fulfillmentOrders`: the fulfilment orders the app's scopes let it see."""

    def resolve(
        info: GraphQLResolveInfo, displayable: bool | None = None, query: str | None = None, **args: Any
    ) -> Json:
        def read(s: Json) -> tuple[Json, list[Json]]:
            current = s["orders"].get(ctx.shop, {}).get(str(order["id"])) or order
            fos = fulfillments.ensure(s, ctx.shop, current)
            scopes = getattr(ctx, "scopes", None)
            return current, [fo for fo in fos if fulfillments.visible(s, ctx.shop, fo, scopes)]

        current, fos = _state(ctx, read, write=True)
        if displayable:
            fos = [fo for fo in fos if fo["status"] not in ("CLOSED", "CANCELLED")]
        rows = [fulfillment_order_view(fo, current, ctx) | {"_id": fo["id"]} for fo in fos]
        # Inside a bulk query a connection takes no page size and returns every node, as Shopify does.
        unbounded = bool(getattr(info.context, "unbounded", False))
        return _by_id(rows, unbounded=unbounded, **_window(args))

    return resolve


# ---------------------------------------------------------------------------------- mutations


def resolve_inventory_set_quantities(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    _require(info, "write_inventory", also=" Also: The user must have a permission to update an inventory.")
    ctx = _ctx(info)
    quantities = input.get("quantities") or []
    if len(quantities) > inventory.MAX_QUANTITIES:
        raise GraphQLError(
            f"The input array size of {len(quantities)} is greater than the maximum allowed of "
            f"{inventory.MAX_QUANTITIES}.",
            info.field_nodes,
            path=[info.field_name, "input", "quantities"],
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    directive = info.schema.get_directive("idempotent")
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values) if directive else None
    required = ctx.api_version == "unstable" or ctx.api_version >= IDEMPOTENCY_REQUIRED_SINCE
    key = str((values or {}).get("key") or "")
    if values is None and required:
        raise GraphQLError(
            "The @idempotent directive is required for this mutation but was not provided.",
            info.field_nodes,
            extensions={"code": "BAD_REQUEST"},
        )
    if values is not None and not key.strip():
        raise GraphQLError(
            "The idempotency key cannot be an empty string or whitespace only.",
            info.field_nodes,
            extensions={"code": "BAD_REQUEST"},
        )
    if required and any("changeFromQuantity" not in q for q in quantities):
        raise GraphQLError(
            "InventoryQuantityInput must include the following argument: changeFromQuantity.",
            info.field_nodes,
            extensions={"code": "INVALID_FIELD_ARGUMENTS"},
        )
    if not key:
        import uuid

        key = f"sandbox-unkeyed-{uuid.uuid4()}"  # before 2026-04: every call applies
    result = _state(ctx, lambda s: inventory.set_quantities(s, ctx.shop, input, key), write=True)
    if not result.replayed and getattr(ctx, "on_webhook", None) is not None:
        for item_id, loc_id, lvl in result.changed:
            ctx.on_webhook(ctx.shop, "inventory_levels/update", inventory.level_webhook(item_id, loc_id, lvl))
    return {"inventoryAdjustmentGroup": _group_view(result.group, ctx), "userErrors": result.user_errors}


def _group_view(group: Json | None, ctx: Any) -> Json | None:
    if group is None:
        return None

    def read(s: Json) -> tuple[dict[int, Json], dict[int, Json]]:
        return inventory.items_by_id(s, ctx.shop), {
            loc["id"]: loc for loc in inventory.locations(s, ctx.shop)
        }

    found_items, locs = _state(ctx, read)

    def changes(
        _info: GraphQLResolveInfo,
        inventoryItemIds: list[str] | None = None,
        locationIds: list[str] | None = None,
        quantityNames: list[str] | None = None,
    ) -> list[Json]:
        out = []
        for c in group["changes"]:
            if inventoryItemIds is not None and views.gid("InventoryItem", c["item"]) not in inventoryItemIds:
                continue
            if locationIds is not None and views.gid("Location", c["location"]) not in locationIds:
                continue
            if quantityNames is not None and c["name"] not in quantityNames:
                continue
            item, loc = found_items.get(c["item"]), locs.get(c["location"])
            out.append(
                {
                    "name": c["name"],
                    "delta": c["delta"],
                    "quantityAfterChange": c["after"],
                    "ledgerDocumentUri": None,
                    "item": item_view(item, ctx) if item else None,
                    "location": location_view(loc, ctx) if loc else None,
                }
            )
        return out

    return {
        "__typename": "InventoryAdjustmentGroup",
        "id": views.gid("InventoryAdjustmentGroup", group["id"]),
        "createdAt": group["created_at"],
        "reason": group["reason"],
        "referenceDocumentUri": group.get("uri"),
        "changes": changes,
        "app": None,
        "staffMember": None,
    }


FULFILMENT_WRITE_SCOPES = (
    "write_merchant_managed_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "write_third_party_fulfillment_orders",
)


def resolve_fulfillment_create(
    _root: Any, info: GraphQLResolveInfo, fulfillment: Json, message: str | None = None
) -> Json:
    from sandboxes.shopify.graphql_api import fulfillment_view

    _require(info, *FULFILMENT_WRITE_SCOPES)
    ctx = _ctx(info)
    requests = [
        {
            "fulfillment_order_id": _number(r.get("fulfillmentOrderId"), "FulfillmentOrder") or 0,
            "lines": [
                {"id": _number(li.get("id"), "FulfillmentOrderLineItem") or 0, "quantity": li.get("quantity")}
                for li in r.get("fulfillmentOrderLineItems") or []
            ],
        }
        for r in fulfillment.get("lineItemsByFulfillmentOrder") or []
    ]
    try:
        created = _state(
            ctx,
            lambda s: fulfillments.create(
                s,
                ctx.shop,
                requests,
                tracking=fulfillment.get("trackingInfo"),
                notify_customer=bool(fulfillment.get("notifyCustomer")),
                scopes=getattr(ctx, "scopes", None),
            ),
            write=True,
        )
    except fulfillments.FulfillmentError as error:
        return {"fulfillment": None, "userErrors": [{"field": error.field, "message": error.message}]}
    notify = getattr(ctx, "on_fulfillment", None)
    if notify is not None:
        notify(ctx.shop, created.order, created.fulfillment, "fulfillments/create")
    return {"fulfillment": fulfillment_view(created.fulfillment), "userErrors": []}


def resolve_fulfillment_tracking_info_update(
    _root: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: Json,
    notifyCustomer: bool | None = None,
) -> Json:
    from sandboxes.shopify.graphql_api import fulfillment_view

    _require(info, *FULFILMENT_WRITE_SCOPES)
    ctx = _ctx(info)
    number = _number(fulfillmentId, "Fulfillment")
    try:
        if number is None:
            raise fulfillments.FulfillmentError("Fulfillment does not exist.", ["fulfillmentId"])
        updated, order = _state(
            ctx,
            lambda s: fulfillments.update_tracking(
                s, ctx.shop, number, trackingInfoInput, notify_customer=bool(notifyCustomer)
            ),
            write=True,
        )
    except fulfillments.FulfillmentError as error:
        return {"fulfillment": None, "userErrors": [{"field": error.field, "message": error.message}]}
    notify = getattr(ctx, "on_fulfillment", None)
    if notify is not None:
        notify(ctx.shop, order, updated, "fulfillments/update")
    return {"fulfillment": fulfillment_view(updated), "userErrors": []}


QUERIES: dict[str, Any] = {
    "locations": resolve_locations,
    "location": resolve_location,
    "inventoryItems": resolve_inventory_items,
    "inventoryItem": resolve_inventory_item,
    "inventoryLevel": resolve_inventory_level,
    "productVariants": resolve_product_variants,
    "fulfillmentOrder": resolve_fulfillment_order,
}
MUTATIONS: dict[str, Any] = {
    "inventorySetQuantities": resolve_inventory_set_quantities,
    "fulfillmentCreate": resolve_fulfillment_create,
    "fulfillmentTrackingInfoUpdate": resolve_fulfillment_tracking_info_update,
}
