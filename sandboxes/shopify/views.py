"""REST-shaped store data turned into dicts keyed by Admin GraphQL field names.

graphql-core's default resolver reads dict keys and calls a value that is callable with
``(info, **arguments)``; fields that take arguments (connections, ``first:`` lists) are therefore
stored as small functions. Abstract types (Node, DiscountApplication, PricingValue) carry
``__typename`` so the default type resolver can pick the object type.

Scalars are formatted as Shopify returns them: ``DateTime`` in UTC with a ``Z`` suffix,
``Decimal`` amounts without trailing zeros but with at least one decimal ("25.0", "0.0", "25.98"),
``UnsignedInt64`` as strings and enums in upper case.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandboxes.shopify.catalog import Variant, variants_by_id

MAX_PAGE_SIZE = 250
Json = dict[str, Any]


# ------------------------------------------------------------------------------------- scalars


def utc(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_str(value: str | Decimal) -> str:
    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return text if "." in text else f"{text}.0"


def money_v2(rest_money: Json) -> Json:
    return {"amount": decimal_str(rest_money["amount"]), "currencyCode": rest_money["currency_code"]}


def bag(rest_set: Json | None) -> Json | None:
    if rest_set is None:
        return None
    return {
        "shopMoney": money_v2(rest_set["shop_money"]),
        "presentmentMoney": money_v2(rest_set["presentment_money"]),
    }


def zero_bag(shop_ccy: str, pres_ccy: str) -> Json:
    return {
        "shopMoney": {"amount": "0.0", "currencyCode": shop_ccy},
        "presentmentMoney": {"amount": "0.0", "currencyCode": pres_ccy},
    }


def sum_bags(sets: list[Json], shop_ccy: str, pres_ccy: str) -> Json:
    shop = sum((Decimal(s["shop_money"]["amount"]) for s in sets), Decimal(0))
    pres = sum((Decimal(s["presentment_money"]["amount"]) for s in sets), Decimal(0))
    return {
        "shopMoney": {"amount": decimal_str(shop), "currencyCode": shop_ccy},
        "presentmentMoney": {"amount": decimal_str(pres), "currencyCode": pres_ccy},
    }


def gid(kind: str, value: int | str) -> str:
    return f"gid://shopify/{kind}/{value}"


def parse_gid(value: str) -> tuple[str, int] | None:
    prefix = "gid://shopify/"
    if not value.startswith(prefix):
        return None
    kind, _, rest = value[len(prefix) :].partition("/")
    number = rest.split("?", 1)[0]
    return (kind, int(number)) if number.isdigit() else None


# --------------------------------------------------------------------------------- pagination


def encode_cursor(last_id: int, last_value: Any) -> str:
    raw = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, Any]:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"]), data["last_value"]
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(
            "Invalid cursor for current pagination sort.", extensions={"code": "BAD_REQUEST"}
        ) from exc


def check_window(first: int | None, last: int | None) -> None:
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    for label, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise GraphQLError(
                f"Argument '{label}' has an invalid value ({size}). Expected a page size from 0 to {MAX_PAGE_SIZE}.",
                extensions={"code": "BAD_REQUEST"},
            )


def paginate(
    items: list[Json],
    keys: list[tuple[Any, int]],
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    reverse: bool = False,
    unbounded: bool = False,
    **_: Any,
) -> Json:
    """A Relay connection over `items`, already sorted ascending by `keys` = (sort value, id).

    Cursors hold the (value, id) of their item, so paging stays stable when items are added or
    change between requests: no duplicates and no gaps for items that keep their sort value.
    `unbounded` (inside a bulk query) ignores the page-size arguments and returns every item.
    """
    if unbounded:
        first = last = after = before = None
    else:
        check_window(first, last)
    order = list(range(len(items)))
    if reverse:
        order.reverse()

    def beyond(pos: int, cursor: str) -> bool:  # item strictly after the cursor in this order
        cid, cvalue = decode_cursor(cursor)
        mine = keys[pos]
        theirs = (cvalue, cid)
        return mine < theirs if reverse else mine > theirs

    start, end = 0, len(order)
    if after is not None:
        start = next((k for k, pos in enumerate(order) if beyond(pos, after)), len(order))
    if before is not None:
        end = next(
            (k for k, pos in enumerate(order) if not beyond_or_equal_before(keys[pos], before, reverse)),
            len(order),
        )
        end = max(end, start)
    lo, hi = start, end
    if first is not None:
        hi = min(hi, lo + first)
    if last is not None:
        lo = max(lo, hi - last)
    window = order[lo:hi]
    cursors = [encode_cursor(keys[pos][1], keys[pos][0]) for pos in window]
    nodes = [items[pos] for pos in window]
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": hi < len(order),
            "hasPreviousPage": lo > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def beyond_or_equal_before(key: tuple[Any, int], before: str, reverse: bool) -> bool:
    """True while `key` comes before the `before` cursor in the page order."""
    cid, cvalue = decode_cursor(before)
    return key > (cvalue, cid) if reverse else key < (cvalue, cid)


def id_connection(items: list[Json], id_key: str = "_id") -> Callable[..., Json]:
    """A connection field over a short nested list, ordered as given, cursors keyed by id."""
    keys = [(item[id_key], item[id_key]) for item in items]
    ordered = sorted(zip(keys, items, strict=True), key=lambda pair: pair[0])

    def resolve(info: GraphQLResolveInfo, **args: Any) -> Json:
        unbounded = bool(getattr(info.context, "unbounded", False))
        return paginate([i for _, i in ordered], [k for k, _ in ordered], unbounded=unbounded, **args)

    return resolve


def first_list(items: list[Any]) -> Callable[..., list[Any]]:
    """A plain list field with an optional `first:` argument (Order.transactions, refunds, ...)."""

    def resolve(_info: GraphQLResolveInfo, first: int | None = None, **_: Any) -> list[Any]:
        return items if first is None else items[:first]

    return resolve


# ---------------------------------------------------------------------------------- objects


def address_view(address: Json | None, address_id: int) -> Json | None:
    if address is None:
        return None
    return {
        "id": f"gid://shopify/MailingAddress/{address_id}?model_name=Address",
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "name": address.get("name")
        or " ".join(filter(None, (address.get("first_name"), address.get("last_name")))),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "zip": address.get("zip"),
        "province": address.get("province"),
        "provinceCode": address.get("province_code"),
        "country": address.get("country"),
        "countryCodeV2": address.get("country_code"),
        "countryCode": address.get("country_code"),
        "phone": address.get("phone"),
        "latitude": address.get("latitude"),
        "longitude": address.get("longitude"),
        "formattedArea": ", ".join(
            filter(None, (address.get("city"), address.get("province_code"), address.get("country")))
        ),
        "coordinatesValidated": False,
        "timeZone": None,
        "validationResultSummary": None,
    }


def customer_view(customer: Json | None) -> Json | None:
    if customer is None:
        return None
    email, phone = customer.get("email"), customer.get("phone")
    consent = customer.get("email_marketing_consent") or {}
    return {
        "__typename": "Customer",
        "id": gid("Customer", customer["id"]),
        "legacyResourceId": str(customer["id"]),
        "firstName": customer.get("first_name"),
        "lastName": customer.get("last_name"),
        "displayName": " ".join(filter(None, (customer.get("first_name"), customer.get("last_name"))))
        or email,
        "email": email,
        "phone": phone,
        "note": customer.get("note"),
        "createdAt": utc(customer.get("created_at")),
        "updatedAt": utc(customer.get("updated_at")),
        "state": str(customer.get("state") or "enabled").upper(),
        "verifiedEmail": customer.get("verified_email"),
        "taxExempt": customer.get("tax_exempt", False),
        "tags": [t.strip() for t in (customer.get("tags") or "").split(",") if t.strip()],
        "defaultEmailAddress": None
        if not email
        else {
            "emailAddress": email,
            "validFormat": True,
            "marketingState": str(consent.get("state") or "not_subscribed").upper(),
            "marketingOptInLevel": str(consent.get("opt_in_level")).upper()
            if consent.get("opt_in_level")
            else None,
            "marketingUpdatedAt": utc(consent.get("consent_updated_at")),
        },
        "defaultPhoneNumber": None if not phone else {"phoneNumber": phone},
        "defaultAddress": address_view(
            customer.get("default_address"),
            int((customer.get("default_address") or {}).get("id") or customer["id"]),
        ),
    }


def variant_view(v: Variant) -> Json:
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", v.variant_id),
        "legacyResourceId": str(v.variant_id),
        "sku": v.sku,
        "barcode": v.barcode,
        "title": v.variant_title or "Default Title",
        "displayName": v.full_name,
        "price": decimal_str(v.price),
        "taxable": True,
        "inventoryItem": {
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", v.inventory_item_id),
            "legacyResourceId": str(v.inventory_item_id),
            "sku": v.sku,
            "tracked": v.storable,
            "requiresShipping": v.storable,
        },
        "product": product_view(v),
    }


def product_view(v: Variant) -> Json:
    return {
        "__typename": "Product",
        "id": gid("Product", v.product_id),
        "legacyResourceId": str(v.product_id),
        "title": v.product_title,
        "vendor": "Synco Demo Goods",
        "status": "ACTIVE",
    }


def tax_line_view(t: Json) -> Json:
    rate = float(t.get("rate") or 0)
    return {
        "title": t.get("title"),
        "rate": rate,
        "ratePercentage": round(rate * 100, 6),
        "priceSet": bag(t.get("price_set")),
        "channelLiable": bool(t.get("channel_liable")),
        "source": None,
    }


def discount_application_view(app: Json, index: int, shop_ccy: str) -> Json:
    kind = app.get("type")
    typename = {
        "discount_code": "DiscountCodeApplication",
        "manual": "ManualDiscountApplication",
        "script": "ScriptDiscountApplication",
    }.get(str(kind), "AutomaticDiscountApplication")
    if app.get("value_type") == "percentage":
        value: Json = {"__typename": "PricingPercentageValue", "percentage": float(app.get("value") or 0)}
    else:
        value = {
            "__typename": "MoneyV2",
            "amount": decimal_str(app.get("value") or "0"),
            "currencyCode": shop_ccy,
        }
    return {
        "__typename": typename,
        "index": index,
        "value": value,
        "allocationMethod": str(app.get("allocation_method") or "across").upper(),
        "targetSelection": str(app.get("target_selection") or "all").upper(),
        "targetType": str(app.get("target_type") or "line_item").upper(),
        "code": app.get("code"),
        "title": app.get("title"),
        "description": app.get("description"),
    }


def _allocations(allocs: list[Json], applications: list[Json]) -> list[Json]:
    return [
        {
            "allocatedAmountSet": bag(a.get("amount_set")),
            "discountApplication": applications[a["discount_application_index"]]
            if a.get("discount_application_index") is not None
            and a["discount_application_index"] < len(applications)
            else None,
        }
        for a in allocs
    ]


def line_item_view(
    line: Json, applications: list[Json], shop_ccy: str, pres_ccy: str, shipped: int | None = None
) -> Json:
    """A LineItem node; `shipped`: its units in the order's live fulfilments, when the order lists them (else
    what its fulfillable_quantity says was fulfilled). unfulfilledQuantity is the current quantity less those: a
    unit refunded or edited away before it was shipped is neither fulfilled nor left to fulfil."""
    qty = int(line.get("quantity") or 0)
    price_set = line["price_set"]
    shop_unit, pres_unit = (
        Decimal(price_set["shop_money"]["amount"]),
        Decimal(price_set["presentment_money"]["amount"]),
    )
    allocs = line.get("discount_allocations") or []
    line_level = [
        a for a in allocs if applications[a["discount_application_index"]]["targetSelection"] != "ALL"
    ]

    def total(ds: list[Json], money: str) -> Decimal:
        return sum((Decimal(a["amount_set"][money]["amount"]) for a in ds), Decimal(0))

    def per_unit(unit: Decimal, ds: list[Json], money: str) -> Decimal:
        return ((unit * qty - total(ds, money)) / qty).quantize(Decimal("0.01")) if qty else unit

    def bag_of(shop: Decimal, pres: Decimal) -> Json:
        return {
            "shopMoney": {"amount": decimal_str(shop), "currencyCode": shop_ccy},
            "presentmentMoney": {"amount": decimal_str(pres), "currencyCode": pres_ccy},
        }

    variant = variants_by_id().get(line["variant_id"]) if line.get("variant_id") else None
    if shipped is not None:
        fulfilled = shipped
    else:
        fulfilled = qty - int(line.get("fulfillable_quantity") or 0) if line.get("fulfillment_status") else 0
    return {
        "__typename": "LineItem",
        "_id": line["id"],
        "id": gid("LineItem", line["id"]),
        "name": line.get("name"),
        "title": line.get("title"),
        "sku": line.get("sku"),
        "vendor": line.get("vendor"),
        "variantTitle": line.get("variant_title"),
        "quantity": qty,
        "currentQuantity": int(line.get("current_quantity", qty)),
        "refundableQuantity": int(line.get("current_quantity", qty)),
        "unfulfilledQuantity": max(0, int(line.get("current_quantity", qty)) - fulfilled),
        "nonFulfillableQuantity": qty - int(line.get("current_quantity", qty)),
        "taxable": bool(line.get("taxable")),
        "requiresShipping": bool(line.get("requires_shipping")),
        "isGiftCard": bool(line.get("gift_card")),
        "restockable": True,
        "customAttributes": [
            {"key": p["name"], "value": p.get("value")} for p in line.get("properties") or []
        ],
        "originalUnitPriceSet": bag(price_set),
        "discountedUnitPriceSet": bag_of(
            per_unit(shop_unit, line_level, "shop_money"),
            per_unit(pres_unit, line_level, "presentment_money"),
        ),
        "discountedUnitPriceAfterAllDiscountsSet": bag_of(
            per_unit(shop_unit, allocs, "shop_money"), per_unit(pres_unit, allocs, "presentment_money")
        ),
        "originalTotalSet": bag_of(shop_unit * qty, pres_unit * qty),
        "discountedTotalSet": bag_of(
            shop_unit * qty - total(line_level, "shop_money"),
            pres_unit * qty - total(line_level, "presentment_money"),
        ),
        "totalDiscountSet": bag_of(total(line_level, "shop_money"), total(line_level, "presentment_money")),
        "discountAllocations": _allocations(allocs, applications),
        "taxLines": [tax_line_view(t) for t in line.get("tax_lines") or []],
        "variant": variant_view(variant) if variant else None,
        "product": product_view(variant) if variant else None,
    }
