"""The sandbox shop's products, their options and variants (Admin API 2026-10), and their GraphQL views.

State lives in the store's JSON state (see `SandboxStore.transact`), under

    products[shop]        {"<product id>": product}   product = {id, title, handle, description_html,
                          product_type, vendor, status, tags, image_url, created_at, updated_at,
                          options: [{id, name, values}], variants: [{id, title, sku, barcode, price, position,
                          options: [value per option], inventory_item_id, tracked, requires_shipping, cost,
                          weight, weight_unit, taxable, created_at, updated_at}]}
    catalogue_version[shop]  bumped on every change (the derived indexes below are cached per version)
    catalogue_seq            the last id handed out to a product, variant or inventory item added here

A shop is seeded lazily on first use with the shared demo catalogue (`sandboxes.catalogue.CATALOGUE`, items
grouped by title: "Organic T-Shirt - S/M/L" is the product "Organic T-Shirt" with option Size S, M, L; ids,
SKUs and barcodes as `catalog.variants` derives them, so orders, inventory and the Odoo seed agree) and the
Shopify-only demo products (`SHOPIFY_ONLY_PRODUCTS`, several options, one variant without SKU, one archived
product), each with cost, weight and inventory levels at the active merchant locations.

Product dicts are replaced on change, never mutated in place, so a view built from a snapshot stays
consistent after the store lock is released. Limits as Shopify 2026-10: at most 3 options per product and
2,048 variants per product; more is refused with productSet's userError codes.

The inventory items of `inventory.items` are derived from these variants (plus the legacy extra items that
`inventory.add_items` keeps): one source of truth for `products`, `productVariants`, `inventoryItems` and
stock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from html import unescape
from typing import Any

from graphql import GraphQLResolveInfo

from sandboxes.catalogue import CATALOGUE, SHOPIFY_ONLY_PRODUCTS, ShopifyOnlyProduct
from sandboxes.shopify import cdn, views
from sandboxes.shopify.catalog import stable_id, variants

Json = dict[str, Any]
State = dict[str, Any]

MAX_OPTIONS = 3
MAX_VARIANTS = 2048
STATUSES = ("ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED")
WEIGHT_UNITS = ("GRAMS", "KILOGRAMS", "OUNCES", "POUNDS")
SEED_AT = "2025-01-02T15:00:00Z"
DEFAULT_VENDOR = "Synco Demo Goods"
# Ids handed out by `add_product` (outside every range `catalog.stable_id` uses for the seed and extra items).
PRODUCT_ID_BASE = 10_000_000_000_000
VARIANT_ID_BASE = 48_000_000_000_000
ITEM_ID_BASE = 49_000_000_000_000
OPTION_ID_BASE = 11_000_000_000_000


class ProductError(ValueError):
    """A refused change, in the shape of Shopify's userErrors (field path, message, code)."""

    def __init__(self, message: str, field: list[str] | None = None, code: str = "INVALID") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_user_error(self) -> Json:
        return {"field": self.field, "message": self.message, "code": self.code}


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def handleize(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"


def _money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ProductError(f"Price {value!r} is not a number.", ["price"]) from exc
    if amount < 0:
        raise ProductError("Price must be greater than or equal to 0.", ["price"])
    return str(amount.quantize(Decimal("0.01")))


# ------------------------------------------------------------------------------------- seeding


def _seed_catalogue_products() -> list[Json]:
    grouped: dict[int, list[Any]] = {}
    for v in variants():
        grouped.setdefault(v.product_id, []).append(v)
    items = {item.sku: item for item in CATALOGUE}
    out = []
    for product_id, members in grouped.items():
        first = members[0]
        with_options = any(m.variant_title for m in members)
        product = {
            "id": product_id,
            "title": first.product_title,
            "handle": handleize(first.product_title),
            "description_html": f"<p>{first.product_title} from the Synco demo catalogue.</p>",
            "product_type": "Goods" if first.storable else "Service",
            "vendor": DEFAULT_VENDOR,
            "status": "ACTIVE",
            "tags": [],
            "image_url": f"https://cdn.shopify.com/s/files/sandbox/{handleize(first.product_title)}.jpg",
            "created_at": SEED_AT,
            "updated_at": SEED_AT,
            "options": [
                {
                    "id": stable_id("option", f"{product_id}:Size", OPTION_ID_BASE),
                    "name": "Size",
                    "values": [m.variant_title for m in members],
                }
            ]
            if with_options
            else [],
            "variants": [
                {
                    "id": m.variant_id,
                    "title": m.variant_title or "Default Title",
                    "sku": m.sku,
                    "barcode": m.barcode,
                    "price": str(m.price),
                    "position": pos,
                    "options": [m.variant_title] if with_options else [],
                    "inventory_item_id": m.inventory_item_id,
                    "tracked": m.storable,
                    "requires_shipping": m.storable,
                    "cost": str((items[m.sku].price * Decimal("0.4")).quantize(Decimal("0.01"))),
                    "weight": 250.0 if m.storable else 0.0,
                    "weight_unit": "GRAMS",
                    "taxable": True,
                    "created_at": SEED_AT,
                    "updated_at": SEED_AT,
                }
                for pos, m in enumerate(members, start=1)
            ],
        }
        out.append(product)
    return out


def _combinations(options: list[tuple[str, list[str]]]) -> list[list[str]]:
    combos: list[list[str]] = [[]]
    for _name, values in options:
        combos = [[*c, v] for c in combos for v in values]
    return combos


def _seed_shopify_only(spec: ShopifyOnlyProduct) -> Json:
    product_id = stable_id("product", f"shopify-only:{spec.title}", 8_000_000_000_000)
    options = [(name, list(values)) for name, values in spec.options]
    extras = {(name, value): amount for name, value, amount in spec.extras}
    rows = []
    for pos, combo in enumerate(_combinations(options), start=1):
        title = " / ".join(combo)
        price = spec.base_price + sum(
            (extras.get((name, value), Decimal(0)) for (name, _), value in zip(options, combo, strict=True)),
            Decimal(0),
        )
        key = f"{spec.title}:{title}"
        rows.append(
            {
                "id": stable_id("variant", key, 44_000_000_000_000),
                "title": title,
                "sku": "" if title in spec.without_sku else "-".join([spec.sku_prefix, *combo]).upper(),
                "barcode": "",
                "price": str(price),
                "position": pos,
                "options": combo,
                "inventory_item_id": stable_id("inventory_item", key, 46_000_000_000_000),
                "tracked": True,
                "requires_shipping": True,
                "cost": str(spec.cost),
                "weight": float(spec.weight_grams),
                "weight_unit": "GRAMS",
                "taxable": True,
                "created_at": SEED_AT,
                "updated_at": SEED_AT,
            }
        )
    return {
        "id": product_id,
        "title": spec.title,
        "handle": handleize(spec.title),
        "description_html": spec.description_html,
        "product_type": spec.product_type,
        "vendor": spec.vendor,
        "status": spec.status,
        "tags": [],
        "image_url": f"https://cdn.shopify.com/s/files/sandbox/{handleize(spec.title)}.jpg",
        "created_at": SEED_AT,
        "updated_at": SEED_AT,
        "options": [
            {
                "id": stable_id("option", f"{product_id}:{name}", OPTION_ID_BASE),
                "name": name,
                "values": values,
            }
            for name, values in options
        ],
        "variants": rows,
    }


@cache
def _seed_products() -> tuple[Json, ...]:
    return tuple(_seed_catalogue_products() + [_seed_shopify_only(s) for s in SHOPIFY_ONLY_PRODUCTS])


def seed_products() -> list[Json]:
    """The demo products every shop starts with (fresh copies)."""
    import copy

    return copy.deepcopy(list(_seed_products()))


def seed_items() -> list[Json]:
    """The inventory items of the seed products (what `inventory.ensure_shop` stocks)."""
    return [item_of(p, v) for p in _seed_products() for v in p["variants"]]


def ensure_products(state: State, shop: str) -> dict[str, Json]:
    """The shop's products by id, seeded the first time (caller holds the store lock)."""
    table = state.setdefault("products", {})
    found = table.get(shop)
    if found is not None:
        return found
    found = table[shop] = {str(p["id"]): p for p in seed_products()}
    # A shop whose locations were seeded before the catalogue existed gets levels for the seed's new variants.
    levels = state.get("levels", {}).get(shop)
    if levels is not None:
        from sandboxes.shopify import inventory

        for item in seed_items():
            for loc in (inventory.MAIN_WAREHOUSE, inventory.RETAIL_STORE):
                levels.setdefault(
                    inventory.level_key(item["id"], loc),
                    {
                        "available": inventory.seed_quantity(item["sku"] or str(item["id"]), loc),
                        "committed": 0,
                        "updated_at": SEED_AT,
                    },
                )
    _bump(state, shop)
    return found


# --------------------------------------------------------------------------------------- index


def item_of(product: Json, variant: Json) -> Json:
    """The inventory item of a variant, in the shape `inventory.items` lists."""
    return {
        "id": variant["inventory_item_id"],
        "sku": variant["sku"],
        "barcode": variant["barcode"] or None,
        "tracked": variant["tracked"],
        "requires_shipping": variant["requires_shipping"],
        "variant_id": variant["id"],
        "product_id": product["id"],
        "product_title": product["title"],
        "variant_title": None if variant["title"] == "Default Title" else variant["title"],
        "price": variant["price"],
        "cost": variant.get("cost"),
        "weight": variant.get("weight"),
        "weight_unit": variant.get("weight_unit") or "GRAMS",
        "updated_at": variant.get("updated_at") or product["updated_at"],
    }


@dataclass
class Index:
    table: dict[str, Json]  # the shop's products table it was built from (held, so its id is never reused)
    version: int
    products: list[Json]  # by id
    by_variant: dict[int, tuple[Json, Json]]
    by_item: dict[int, tuple[Json, Json]]
    items: list[Json]
    items_by_id: dict[int, Json]


_cache: dict[int, Index] = {}  # by id() of a shop's products table; the few most recent ones
_cache_lock = threading.Lock()
CACHED_TABLES = 8


def _bump(state: State, shop: str) -> None:
    versions = state.setdefault("catalogue_version", {})
    versions[shop] = int(versions.get(shop, 0)) + 1


def index(state: State, shop: str) -> Index:
    """Products by id, variants by variant and inventory item id, and the items (cached per change)."""
    table = ensure_products(state, shop)
    version = int(state.get("catalogue_version", {}).get(shop, 0))
    with _cache_lock:
        found = _cache.get(id(table))
        if found is not None and found.table is table and found.version == version:
            return found
    ordered = sorted(table.values(), key=lambda p: int(p["id"]))
    by_variant: dict[int, tuple[Json, Json]] = {}
    by_item: dict[int, tuple[Json, Json]] = {}
    items = []
    for p in ordered:
        for v in p["variants"]:
            by_variant[int(v["id"])] = (p, v)
            by_item[int(v["inventory_item_id"])] = (p, v)
            items.append(item_of(p, v))
    built = Index(table, version, ordered, by_variant, by_item, items, {int(i["id"]): i for i in items})
    with _cache_lock:
        _cache.pop(id(table), None)
        _cache[id(table)] = built
        while len(_cache) > CACHED_TABLES:
            del _cache[next(iter(_cache))]
    return built


def products_of(state: State, shop: str) -> list[Json]:
    return list(index(state, shop).products)


def product(state: State, shop: str, product_id: int) -> Json | None:
    found = ensure_products(state, shop).get(str(product_id))
    return found if isinstance(found, dict) else None


def variant(state: State, shop: str, variant_id: int) -> tuple[Json, Json] | None:
    return index(state, shop).by_variant.get(int(variant_id))


def inventory_items(state: State, shop: str) -> list[Json]:
    return index(state, shop).items


# ------------------------------------------------------------------------------------- changes


def _next_ids(state: State, count: int) -> int:
    """Reserve `count` sequence numbers; returns the first."""
    first = int(state.get("catalogue_seq", 0)) + 1
    state["catalogue_seq"] = first + count - 1
    return first


def _check_options(options: list[tuple[str, list[str]]]) -> None:
    if len(options) > MAX_OPTIONS:
        raise ProductError("Options over limit.", ["input", "productOptions"], "OPTIONS_OVER_LIMIT")
    names = [n.strip().lower() for n, _ in options]
    if len(set(names)) != len(names):
        raise ProductError("Duplicated option name.", ["input", "productOptions"], "DUPLICATED_OPTION_NAME")
    for i, (name, values) in enumerate(options):
        if not name.strip():
            raise ProductError(
                "Each option must have a name specified.", ["input", "productOptions", str(i), "name"]
            )
        if not values:
            raise ProductError(
                "Each option must have at least one option value specified.",
                ["input", "productOptions", str(i), "values"],
                "OPTION_VALUES_MISSING",
            )
        if len({v.strip().lower() for v in values}) != len(values):
            raise ProductError(
                "Duplicated option value.", ["input", "productOptions", str(i)], "DUPLICATED_OPTION_VALUE"
            )


def add_product(
    state: State,
    shop: str,
    title: str,
    options: Iterable[tuple[str, Iterable[str]]] = (),
    variants: Iterable[Json] | None = None,
    *,
    description_html: str = "",
    product_type: str = "",
    vendor: str = DEFAULT_VENDOR,
    status: str = "ACTIVE",
    image_url: str | None = None,
    quantities: dict[int, int] | None = None,
    stamp: str | None = None,
) -> Json:
    """Create a product as the merchant does in the admin (caller holds the store lock; returns the product).

    `options`: [(name, [values])] in position order, at most 3 ([] for a product with one default variant).
    `variants`: [{"options": [value per option], "sku", "barcode", "price", "cost", "weight", "weight_unit",
    "tracked", "requires_shipping"}]; None makes one variant per combination of the option values (price 0 or
    each spec's). Every variant's inventory item is stocked at the active merchant locations with
    `quantities` {location id: available} (0 elsewhere)."""
    return add_products(
        state,
        shop,
        [
            {
                "title": title,
                "options": options,
                "variants": variants,
                "description_html": description_html,
                "product_type": product_type,
                "vendor": vendor,
                "status": status,
                "image_url": image_url,
            }
        ],
        quantities=quantities,
        stamp=stamp,
    )[0]


def _build(spec: Json, first_id: int, stamp: str) -> Json:
    title = str(spec.get("title") or "").strip()
    if not title:
        raise ProductError("Title can't be blank", ["input", "title"], "BLANK")
    status = str(spec.get("status") or "ACTIVE").upper()
    if status not in STATUSES:
        raise ProductError(f"Status {status!r} is not valid.", ["input", "status"])
    options = [(str(n), [str(v) for v in values]) for n, values in (spec.get("options") or ())]
    _check_options(options)
    given = spec.get("variants")
    rows = list(given) if given is not None else [{"options": c} for c in _combinations(options)]
    if not rows:
        rows = [{}]
    if len(rows) > MAX_VARIANTS:
        raise ProductError(
            "Number of product variants exceeds shop limit.", ["input", "variants"], "VARIANTS_OVER_LIMIT"
        )
    seen: set[tuple[str, ...]] = set()
    product_id = PRODUCT_ID_BASE + first_id
    built: list[Json] = []
    for pos, row in enumerate(rows, start=1):
        values = [str(v) for v in (row.get("options") or [])]
        if len(values) != len(options):
            raise ProductError(
                "Variant options are not enough."
                if len(values) < len(options)
                else "Variant options are more than the product options.",
                ["variants", str(pos - 1), "optionValues"],
                "NEED_TO_ADD_OPTION_VALUES"
                if len(values) < len(options)
                else "OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS",
            )
        for (name, allowed), value in zip(options, values, strict=True):
            if value not in allowed:
                raise ProductError(
                    f"Option value {value!r} does not exist for option {name!r}.",
                    ["variants", str(pos - 1), "optionValues"],
                    "OPTION_VALUE_DOES_NOT_EXIST",
                )
        if tuple(values) in seen:
            raise ProductError(
                "Variant options already exist. Please change the variant option(s).",
                ["variants", str(pos - 1)],
                "VARIANT_ALREADY_EXISTS_CHANGE_OPTION_VALUE",
            )
        seen.add(tuple(values))
        unit = str(row.get("weight_unit") or "GRAMS").upper()
        if unit not in WEIGHT_UNITS:
            raise ProductError(f"Weight unit {unit!r} is not valid.", ["variants", str(pos - 1), "weight"])
        built.append(
            {
                "id": VARIANT_ID_BASE + first_id + pos,
                "title": " / ".join(values) if values else "Default Title",
                "sku": str(row.get("sku") or ""),
                "barcode": str(row.get("barcode") or ""),
                "price": _money(row.get("price") or "0"),
                "position": pos,
                "options": values,
                "inventory_item_id": ITEM_ID_BASE + first_id + pos,
                "tracked": bool(row.get("tracked", True)),
                "requires_shipping": bool(row.get("requires_shipping", True)),
                "cost": None if row.get("cost") in (None, "") else _money(row["cost"]),
                "weight": float(row.get("weight") or 0),
                "weight_unit": unit,
                "taxable": True,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return {
        "id": product_id,
        "title": title,
        "handle": handleize(title),
        "description_html": str(spec.get("description_html") or ""),
        "product_type": str(spec.get("product_type") or ""),
        "vendor": str(spec.get("vendor") or DEFAULT_VENDOR),
        "status": status,
        "tags": [],
        "image_url": spec.get("image_url"),
        "created_at": stamp,
        "updated_at": stamp,
        "options": [
            {"id": OPTION_ID_BASE + first_id * 4 + i, "name": name, "values": values}
            for i, (name, values) in enumerate(options)
        ],
        "variants": built,
    }


def add_products(
    state: State,
    shop: str,
    specs: Iterable[Json],
    *,
    quantities: dict[int, int] | None = None,
    stamp: str | None = None,
) -> list[Json]:
    """Many products at once (a bench's 2,000 products of 5 variants): every spec is checked before any is added.

    A spec has the keyword arguments of `add_product` ("title", "options", "variants", ...)."""
    from sandboxes.shopify import inventory

    table = ensure_products(state, shop)
    when = stamp or now_utc()
    specs = list(specs)
    sizes = [MAX_VARIANTS + 1 for _ in specs]  # ids reserved per product: room for the most variants
    first = _next_ids(state, sum(sizes))
    built, offset = [], first
    try:
        for spec, size in zip(specs, sizes, strict=True):
            built.append(_build(spec, offset, when))
            offset += size
    except ProductError:
        state["catalogue_seq"] = first - 1
        raise
    stocked = inventory.merchant_locations(state, shop)
    levels = state["levels"][shop]
    for p in built:
        table[str(p["id"])] = p
        for v in p["variants"]:
            for loc in stocked:
                levels[inventory.level_key(v["inventory_item_id"], loc)] = {
                    "available": int((quantities or {}).get(loc, 0)),
                    "committed": 0,
                    "updated_at": when,
                }
    _bump(state, shop)
    return built


PRODUCT_FIELDS = ("title", "description_html", "product_type", "vendor", "status", "image_url", "tags")
VARIANT_FIELDS = (
    "sku",
    "barcode",
    "price",
    "cost",
    "weight",
    "weight_unit",
    "tracked",
    "requires_shipping",
    "taxable",
)


def update_product(
    state: State, shop: str, product_id: int, *, stamp: str | None = None, **fields: Any
) -> Json:
    """Change product fields (`PRODUCT_FIELDS`); the product dict is replaced. Returns the new product."""
    current = product(state, shop, product_id)
    if current is None:
        raise ProductError("Product does not exist", ["id"], "PRODUCT_DOES_NOT_EXIST")
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ProductError(f"Unknown product fields: {', '.join(sorted(unknown))}", ["input"])
    changed = dict(current)
    if "title" in fields:
        if not str(fields["title"] or "").strip():
            raise ProductError("Title can't be blank", ["input", "title"], "BLANK")
        changed["title"] = str(fields["title"]).strip()
    if "status" in fields:
        status = str(fields["status"] or "").upper()
        if status not in STATUSES:
            raise ProductError(f"Status {fields['status']!r} is not valid.", ["input", "status"])
        changed["status"] = status
    for key in ("description_html", "product_type", "vendor"):
        if key in fields:
            changed[key] = str(fields[key] or "")
    if "image_url" in fields:
        changed["image_url"] = fields["image_url"] or None
    if "tags" in fields:
        changed["tags"] = [str(t) for t in fields["tags"] or []]
    changed["updated_at"] = stamp or now_utc()
    ensure_products(state, shop)[str(product_id)] = changed
    _bump(state, shop)
    return changed


def update_variant(
    state: State, shop: str, variant_id: int, *, stamp: str | None = None, **fields: Any
) -> Json:
    """Change variant fields (`VARIANT_FIELDS`); its product is replaced and its updated_at moves too
    (Shopify's products/update fires for a variant change). Returns the new product."""
    found = variant(state, shop, variant_id)
    if found is None:
        raise ProductError("Product variant does not exist", ["id"], "PRODUCT_VARIANT_DOES_NOT_EXIST")
    current, row = found
    unknown = set(fields) - set(VARIANT_FIELDS)
    if unknown:
        raise ProductError(f"Unknown variant fields: {', '.join(sorted(unknown))}", ["variants"])
    when = stamp or now_utc()
    new_row = dict(row)
    for key, value in fields.items():
        if key == "price":
            new_row["price"] = _money(value)
        elif key == "cost":
            new_row["cost"] = None if value in (None, "") else _money(value)
        elif key == "weight":
            new_row["weight"] = float(value or 0)
        elif key == "weight_unit":
            unit = str(value or "").upper()
            if unit not in WEIGHT_UNITS:
                raise ProductError(f"Weight unit {value!r} is not valid.", ["variants", "weight"])
            new_row["weight_unit"] = unit
        elif key in ("tracked", "requires_shipping", "taxable"):
            new_row[key] = bool(value)
        else:
            new_row[key] = str(value or "")
    new_row["updated_at"] = when
    changed = dict(current)
    changed["variants"] = [new_row if int(v["id"]) == int(variant_id) else v for v in current["variants"]]
    changed["updated_at"] = when
    ensure_products(state, shop)[str(current["id"])] = changed
    _bump(state, shop)
    return changed


def delete_product(state: State, shop: str, product_id: int) -> Json:
    """Remove a product and its variants' inventory levels; returns the removed product."""
    from sandboxes.shopify import inventory

    table = ensure_products(state, shop)
    removed = table.pop(str(product_id), None)
    if removed is None:
        raise ProductError("Product does not exist", ["id"], "PRODUCT_DOES_NOT_EXIST")
    inventory.ensure_shop(state, shop)
    levels = state["levels"][shop]
    for v in removed["variants"]:
        for loc in state["locations"][shop]:
            levels.pop(inventory.level_key(v["inventory_item_id"], int(loc["id"])), None)
    _bump(state, shop)
    return removed


def add_variants(
    state: State, shop: str, product_id: int, rows: list[Json], *, stamp: str | None = None
) -> tuple[Json, list[Json]]:
    """New variants of an existing product (`productVariantsBulkCreate`): rows as in `add_product`, with
    "options" naming one value per option; a value not yet in an option is added to it. Returns the new
    product and the new variants; every one is stocked (0) at the active merchant locations."""
    from sandboxes.shopify import inventory

    current = product(state, shop, product_id)
    if current is None:
        raise ProductError("Product does not exist", ["productId"], "PRODUCT_DOES_NOT_EXIST")
    if len(current["variants"]) + len(rows) > MAX_VARIANTS:
        raise ProductError(
            "Number of product variants exceeds shop limit.", ["variants"], "VARIANTS_OVER_LIMIT"
        )
    options = [dict(o, values=list(o["values"])) for o in current["options"]]
    seen = {tuple(v["options"]) for v in current["variants"]}
    when = stamp or now_utc()
    first = _next_ids(state, len(rows))
    built: list[Json] = []
    for i, row in enumerate(rows):
        values = [str(v) for v in row.get("options") or []]
        path = ["variants", str(i), "optionValues"]
        if len(values) != len(options):
            short = len(values) < len(options)
            raise ProductError(
                "Variant options are not enough."
                if short
                else "Variant options are more than the product options.",
                path,
                "NEED_TO_ADD_OPTION_VALUES" if short else "OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS",
            )
        if tuple(values) in seen:
            raise ProductError(
                f"The variant '{' / '.join(values)}' already exists.",
                ["variants", str(i)],
                "VARIANT_ALREADY_EXISTS",
            )
        seen.add(tuple(values))
        for option, value in zip(options, values, strict=True):
            if value not in option["values"]:
                option["values"].append(value)
        unit = str(row.get("weight_unit") or "GRAMS").upper()
        built.append(
            {
                "id": VARIANT_ID_BASE + first + i,
                "title": " / ".join(values) if values else "Default Title",
                "sku": str(row.get("sku") or ""),
                "barcode": str(row.get("barcode") or ""),
                "price": _money(row.get("price") or "0"),
                "position": len(current["variants"]) + i + 1,
                "options": values,
                "inventory_item_id": ITEM_ID_BASE + first + i,
                "tracked": bool(row.get("tracked", True)),
                "requires_shipping": bool(row.get("requires_shipping", True)),
                "cost": None if row.get("cost") in (None, "") else _money(row["cost"]),
                "weight": float(row.get("weight") or 0),
                "weight_unit": unit if unit in WEIGHT_UNITS else "GRAMS",
                "taxable": True,
                "created_at": when,
                "updated_at": when,
            }
        )
    changed = dict(current) | {
        "options": options,
        "variants": [*current["variants"], *built],
        "updated_at": when,
    }
    ensure_products(state, shop)[str(product_id)] = changed
    stocked = inventory.merchant_locations(state, shop)
    levels = state["levels"][shop]
    for row in built:
        for loc in stocked:
            levels[inventory.level_key(int(row["inventory_item_id"]), loc)] = {
                "available": 0,
                "committed": 0,
                "updated_at": when,
            }
    _bump(state, shop)
    return changed, built


# ---------------------------------------------------------------------------------- REST bodies


def _rest_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).isoformat()


GRAMS_PER = {"GRAMS": 1.0, "KILOGRAMS": 1000.0, "OUNCES": 28.349523125, "POUNDS": 453.59237}
REST_UNITS = {"GRAMS": "g", "KILOGRAMS": "kg", "OUNCES": "oz", "POUNDS": "lb"}


def rest_product(p: Json) -> Json:
    """The REST Product (the products/create and products/update webhook body)."""
    options = p["options"] or [{"id": int(p["id"]) + 1, "name": "Title", "values": ["Default Title"]}]
    variants_json = []
    for v in p["variants"]:
        values = list(v["options"]) or ["Default Title"]
        weight = float(v.get("weight") or 0)
        unit = v.get("weight_unit") or "GRAMS"
        variants_json.append(
            {
                "id": v["id"],
                "product_id": p["id"],
                "title": v["title"],
                "price": v["price"],
                "sku": v["sku"],
                "position": v["position"],
                "inventory_policy": "deny",
                "compare_at_price": None,
                "option1": values[0] if len(values) > 0 else None,
                "option2": values[1] if len(values) > 1 else None,
                "option3": values[2] if len(values) > 2 else None,
                "created_at": _rest_time(v["created_at"]),
                "updated_at": _rest_time(v["updated_at"]),
                "taxable": bool(v.get("taxable", True)),
                "barcode": v["barcode"] or None,
                "grams": round(weight * GRAMS_PER[unit]),
                "weight": weight,
                "weight_unit": REST_UNITS[unit],
                "inventory_item_id": v["inventory_item_id"],
                "inventory_quantity": 0,
                "old_inventory_quantity": 0,
                "requires_shipping": bool(v["requires_shipping"]),
                "admin_graphql_api_id": views.gid("ProductVariant", v["id"]),
                "image_id": None,
            }
        )
    return {
        "id": p["id"],
        "title": p["title"],
        "body_html": p["description_html"],
        "vendor": p["vendor"],
        "product_type": p["product_type"],
        "created_at": _rest_time(p["created_at"]),
        "handle": p["handle"],
        "updated_at": _rest_time(p["updated_at"]),
        "published_at": _rest_time(p["created_at"]) if p["status"] == "ACTIVE" else None,
        "template_suffix": None,
        "published_scope": "web",
        "tags": ", ".join(p.get("tags") or []),
        "status": p["status"].lower(),
        "admin_graphql_api_id": views.gid("Product", p["id"]),
        "variants": variants_json,
        "options": [
            {
                "id": o["id"],
                "product_id": p["id"],
                "name": o["name"],
                "position": i,
                "values": [
                    value
                    for value in o["values"]
                    if not p["options"]
                    or any(len(v["options"]) >= i and v["options"][i - 1] == value for v in p["variants"])
                ],
            }
            for i, o in enumerate(options, start=1)
        ],
        "images": [],
        "image": None
        if not p.get("image_url")
        else {"id": int(p["id"]) + 2, "product_id": p["id"], "src": p["image_url"], "position": 1},
    }


def rest_product_deleted(product_id: int) -> Json:
    """The products/delete body: only the id."""
    return {"id": int(product_id)}


# ----------------------------------------------------------------------------- GraphQL views


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html or ""))).strip()


def _options_of(p: Json) -> list[Json]:
    return p["options"] or [{"id": int(p["id"]) + 1, "name": "Title", "values": ["Default Title"]}]


def product_view(p: Json, ctx: Any) -> Json:
    number = int(p["id"])
    options = _options_of(p)
    rows = p["variants"]

    def option_views(_info: GraphQLResolveInfo, first: int | None = None) -> list[Json]:
        # `values` lists the values some variant has; `optionValues` every value, with `hasVariants`.
        used = [{str(v["options"][k]) for v in rows if len(v["options"]) > k} for k in range(len(options))]
        if not p["options"]:
            used = [{"Default Title"}]
        out = [
            {
                "id": views.gid("ProductOption", o["id"]),
                "name": o["name"],
                "position": pos,
                "values": [value for value in o["values"] if value in used[pos - 1]],
                "optionValues": [
                    {
                        "id": views.gid("ProductOptionValue", int(o["id"]) * 100 + k),
                        "name": value,
                        "hasVariants": value in used[pos - 1],
                        "linkedMetafieldValue": None,
                        "swatch": None,
                    }
                    for k, value in enumerate(o["values"])
                ],
                "linkedMetafield": None,
            }
            for pos, o in enumerate(options, start=1)
        ]
        return out if first is None else out[:first]

    def variant_connection(info: GraphQLResolveInfo, sortKey: str = "POSITION", **args: Any) -> Json:
        unbounded = bool(getattr(info.context, "unbounded", False))
        if sortKey == "ID":
            ordered = sorted(rows, key=lambda v: int(v["id"]))
            keys = [(int(v["id"]), int(v["id"])) for v in ordered]
        else:
            ordered = sorted(rows, key=lambda v: (int(v["position"]), int(v["id"])))
            keys = [(int(v["position"]), int(v["id"])) for v in ordered]
        page = views.paginate(ordered, keys, unbounded=unbounded, **args)
        built = {id(v): variant_view(p, v, ctx) for v in page["nodes"]}
        page["nodes"] = [built[id(v)] for v in page["nodes"]]
        page["edges"] = [{"cursor": e["cursor"], "node": built[id(e["node"])]} for e in page["edges"]]
        return page

    # The sandbox's own images are served by its CDN route (sandboxes/shopify/cdn.py), at its origin.
    image_url = cdn.public_url(
        p.get("image_url") or "", getattr(getattr(ctx, "bulk_operations", None), "base_url", None)
    )
    image = (
        None
        if not image_url
        else {
            "id": views.gid("ProductImage", number + 2),
            "url": image_url,
            "src": image_url,
            "originalSrc": image_url,
            "transformedSrc": image_url,
            "altText": p["title"],
            "width": 1024,
            "height": 1024,
            "thumbhash": None,
        }
    )
    image_fn = None if image is None else (lambda _info, **_: image)
    return {
        "__typename": "Product",
        "id": views.gid("Product", number),
        "legacyResourceId": str(number),
        "title": p["title"],
        "handle": p["handle"],
        "descriptionHtml": p["description_html"],
        "bodyHtml": p["description_html"],
        "description": lambda _info, truncateAt=None: _plain(p["description_html"])[:truncateAt],
        "descriptionPlainSummary": _plain(p["description_html"]),
        "productType": p["product_type"],
        "vendor": p["vendor"],
        "status": p["status"],
        "tags": list(p.get("tags") or []),
        "createdAt": p["created_at"],
        "updatedAt": p["updated_at"],
        "publishedAt": p["created_at"] if p["status"] == "ACTIVE" else None,
        "isGiftCard": False,
        "hasOnlyDefaultVariant": not p["options"],
        "hasOutOfStockVariants": False,
        "hasVariantsThatRequiresComponents": False,
        "requiresSellingPlan": False,
        "tracksInventory": any(v["tracked"] for v in rows),
        "totalVariants": len(rows),
        "variantsCount": {"count": len(rows), "precision": "EXACT"},
        "templateSuffix": None,
        "onlineStoreUrl": None,
        "options": option_views,
        "variants": variant_connection,
        "featuredImage": image,
        "featuredMedia": None
        if image is None
        else {
            "__typename": "MediaImage",
            "id": views.gid("MediaImage", number + 3),
            "alt": p["title"],
            "mediaContentType": "IMAGE",
            "status": "READY",
            "mediaErrors": [],
            "mediaWarnings": [],
            "image": image_fn,
            "preview": {"image": image_fn, "status": "READY"},
        },
        "totalInventory": lambda _info: _total_inventory(p, ctx),
    }


def _total_inventory(p: Json, ctx: Any) -> int:
    from sandboxes.shopify import inventory

    def read(s: State) -> int:
        return sum(
            r["available"]
            for v in p["variants"]
            for r in inventory.levels_of(s, ctx.shop, item_id=int(v["inventory_item_id"]))
        )

    return int(ctx.store.transact(read, write=False))


def variant_view(p: Json, v: Json, ctx: Any) -> Json:
    from sandboxes.shopify import inventory, stock_api

    item = item_of(p, v)
    options = _options_of(p)
    values = list(v["options"]) or ["Default Title"]
    number = int(item["id"])

    def available(_info: GraphQLResolveInfo) -> int:
        rows = ctx.store.transact(lambda s: inventory.levels_of(s, ctx.shop, item_id=number), write=False)
        return sum(int(r["available"]) for r in rows)

    return {
        "__typename": "ProductVariant",
        "id": views.gid("ProductVariant", v["id"]),
        "legacyResourceId": str(v["id"]),
        "title": v["title"],
        "displayName": f"{p['title']} - {v['title']}",
        "sku": v["sku"],
        "barcode": v["barcode"] or None,
        "price": views.decimal_str(v["price"]),
        "compareAtPrice": None,
        "position": int(v["position"]),
        "taxable": bool(v.get("taxable", True)),
        "taxCode": None,
        "availableForSale": p["status"] == "ACTIVE",
        "inventoryPolicy": "DENY",
        "requiresComponents": False,
        "showUnitPrice": False,
        "selectedOptions": [
            {
                "name": o["name"],
                "value": value,
                "optionValue": {
                    "id": views.gid(
                        "ProductOptionValue", int(o["id"]) * 100 + list(o["values"]).index(value)
                    ),
                    "name": value,
                    "hasVariants": True,
                    "linkedMetafieldValue": None,
                    "swatch": None,
                },
            }
            for o, value in zip(options, values, strict=False)
        ],
        "createdAt": v["created_at"],
        "updatedAt": v["updated_at"],
        "image": None,
        "product": lambda _info: product_view(p, ctx),
        "inventoryItem": stock_api.item_view(item, ctx),
        "inventoryQuantity": available,
        "sellableOnlineQuantity": lambda info: max(0, available(info)),
    }


# ------------------------------------------------------------------------------------- search


def _term_ok(p: Json, term: Any, timezone: str) -> bool:
    from sandboxes.shopify.search import _compare_range, _time_range

    name = term.field or "title"
    value = str(term.value)
    low = value.lower()

    def text_hit(actual: str) -> bool:
        actual = actual.lower()
        return actual.startswith(low[:-1]) if low.endswith("*") else actual == low

    if name in ("updated_at", "created_at"):
        from zoneinfo import ZoneInfo

        stamp = datetime.fromisoformat(p[name].replace("Z", "+00:00"))
        start, end = _time_range(value, ZoneInfo(timezone), datetime.now(UTC))
        hit = _compare_range(stamp, term.op, start, end)
    elif name == "status":
        hit = p["status"].lower() in {s.strip().lower() for s in value.split(",")}
    elif name == "sku":
        hit = any(text_hit(v["sku"]) for v in p["variants"])
    elif name == "barcode":
        hit = any(text_hit(v["barcode"]) for v in p["variants"])
    elif name == "id":
        wanted = value.rsplit("/", 1)[-1]
        if term.op != "=" and wanted.isdigit():
            number, other = int(p["id"]), int(wanted)
            hit = {">": number > other, ">=": number >= other, "<": number < other, "<=": number <= other}[
                term.op
            ]
        else:
            hit = str(p["id"]) == wanted
    elif name in ("title", "product_type", "vendor", "handle"):
        actual = str(p[name] if name != "title" else p["title"])
        hit = text_hit(actual) if term.field else low.rstrip("*") in actual.lower()
    elif name == "tag":
        hit = any(text_hit(t) for t in p.get("tags") or [])
    else:
        return True  # unknown fields are ignored, as Shopify does
    return hit != term.negate


def matches(p: Json, query: str | None, timezone: str = "UTC") -> bool:
    if not query:
        return True
    from sandboxes.shopify.search import parse

    return any(all(_term_ok(p, t, timezone) for t in group) for group in parse(query).groups)


SORT_KEYS: dict[str, Any] = {
    "ID": lambda p: int(p["id"]),
    "RELEVANCE": lambda p: int(p["id"]),
    "TITLE": lambda p: p["title"].lower(),
    "UPDATED_AT": lambda p: p["updated_at"],
    "CREATED_AT": lambda p: p["created_at"],
    "PUBLISHED_AT": lambda p: p["created_at"],
    "PRODUCT_TYPE": lambda p: p["product_type"].lower(),
    "VENDOR": lambda p: p["vendor"].lower(),
    "INVENTORY_TOTAL": lambda p: int(p["id"]),
}


# ---------------------------------------------------------------------------------- query roots


def _ctx(info: GraphQLResolveInfo) -> Any:
    from sandboxes.shopify.graphql_api import _ctx as ctx_of

    return ctx_of(info)


def _require(info: GraphQLResolveInfo, scope: str) -> None:
    from sandboxes.shopify.stock_api import _require as require

    require(info, scope)


def run_page(run: Any, build: Any) -> Json:
    """The chunk of a bulk query's root connection that `run` is at (`run.matched` holds (key, raw) pairs)."""
    window = run.window()
    nodes = [build(raw) for _, raw in window]
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


def _page_args(window: dict[str, Any]) -> dict[str, Any]:
    return {k: window.get(k) for k in ("first", "last", "after", "before")}


def connection(
    ctx: Any, rows: list[tuple[Any, Json]], build: Any, *, reverse: bool, window: dict[str, Any]
) -> Json:
    """A root connection over (sort key, raw) pairs sorted ascending: the whole match inside a bulk query
    (a chunk at a time), else one page; views are built for the returned nodes only."""
    run = getattr(ctx, "bulk_run", None)
    if run is not None:
        run.matched = list(reversed(rows)) if reverse else rows
        return run_page(run, build)
    page = views.paginate(
        [raw for _, raw in rows],
        [key for key, _ in rows],
        reverse=reverse,
        **_page_args(window),
    )
    built = {id(raw): build(raw) for raw in page["nodes"]}
    page["nodes"] = [built[id(raw)] for raw in page["nodes"]]
    page["edges"] = [{"cursor": e["cursor"], "node": built[id(e["node"])]} for e in page["edges"]]
    return page


def resolve_products(
    _root: Any,
    info: GraphQLResolveInfo,
    *,
    query: str | None = None,
    sortKey: str = "ID",
    reverse: bool = False,
    savedSearchId: str | None = None,
    **window: Any,
) -> Json:
    _require(info, "read_products")
    ctx = _ctx(info)
    run = getattr(ctx, "bulk_run", None)
    if run is not None and run.matched is not None:  # later chunks of a bulk query
        return run_page(run, lambda p: product_view(p, ctx))
    if run is None:
        views.check_window(window.get("first"), window.get("last"))
    timezone = ctx.store.shop(ctx.shop)["iana_timezone"]
    found = ctx.store.transact(lambda s: products_of(s, ctx.shop), write=False)
    key_of = SORT_KEYS.get(sortKey, SORT_KEYS["ID"])
    rows = sorted(((key_of(p), int(p["id"])), p) for p in found if matches(p, query, timezone))
    return connection(ctx, rows, lambda p: product_view(p, ctx), reverse=reverse, window=window)


def _number(value: Any, kind: str) -> int | None:
    parsed = views.parse_gid(str(value or ""))
    return int(parsed[1]) if parsed and parsed[0] == kind else None


def resolve_product(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    _require(info, "read_products")
    ctx = _ctx(info)
    return node(ctx, "Product", _number(id, "Product") or 0)


def resolve_product_variant(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    _require(info, "read_products")
    ctx = _ctx(info)
    return node(ctx, "ProductVariant", _number(id, "ProductVariant") or 0)


def node(ctx: Any, kind: str, number: int) -> Json | None:
    """`node(id:)` for Product and ProductVariant (None for other kinds or without read_products)."""
    scopes = getattr(ctx, "scopes", None)
    if scopes is not None and "read_products" not in scopes:
        return None
    if kind == "Product":
        found = ctx.store.transact(lambda s: product(s, ctx.shop, number), write=False)
        return product_view(found, ctx) if found else None
    if kind == "ProductVariant":
        pair = ctx.store.transact(lambda s: variant(s, ctx.shop, number), write=False)
        return variant_view(pair[0], pair[1], ctx) if pair else None
    return None


# ------------------------------------------------------------------------------------ mutations


def _write_ctx(info: GraphQLResolveInfo) -> Any:
    _require(info, "write_products")
    return _ctx(info)


def _emit(ctx: Any, topic: str, body: Json) -> None:
    if getattr(ctx, "on_webhook", None) is not None:
        ctx.on_webhook(ctx.shop, topic, body)


def _shop_field(info: GraphQLResolveInfo) -> Any:
    from sandboxes.shopify.graphql_api import resolve_shop

    return lambda _info: resolve_shop(None, info)


def _variant_input(row: Json, options: list[Json] | None = None) -> Json:
    """A ProductVariantsBulkInput as a row of `add_variants` / fields of `update_variant`."""
    out: Json = {}
    if "price" in row and row["price"] is not None:
        out["price"] = row["price"]
    if "barcode" in row:
        out["barcode"] = row["barcode"]
    item = row.get("inventoryItem") or {}
    for source, target in (
        ("sku", "sku"),
        ("cost", "cost"),
        ("tracked", "tracked"),
        ("requiresShipping", "requires_shipping"),
    ):
        if source in item:
            out[target] = item[source]
    weight = ((item.get("measurement") or {}).get("weight")) or None
    if weight:
        out["weight"], out["weight_unit"] = weight["value"], weight["unit"]
    if options is not None:
        chosen = {
            str(v.get("optionName") or ""): str(v.get("name") or "") for v in row.get("optionValues") or []
        }
        out["options"] = (
            [chosen.get(o["name"], "") for o in options]
            if len(chosen) == len(options)
            else list(chosen.values())
        )
    return out


def resolve_product_create(
    _root: Any,
    info: GraphQLResolveInfo,
    product: Json | None = None,
    input: Json | None = None,
    media: Any = None,
) -> Json:
    """`productCreate`: the product with its options and one variant (the first value of each option), as
    Shopify creates it; more variants come with `productVariantsBulkCreate`."""
    ctx = _write_ctx(info)
    data = product or input or {}
    options = [
        (str(o.get("name") or ""), [str(v.get("name") or "") for v in o.get("values") or []])
        for o in data.get("productOptions") or []
    ]
    spec = {
        "title": data.get("title"),
        "options": options,
        "variants": [{"options": [values[0] for _, values in options]}]
        if options and all(v for _, v in options)
        else None,
        "description_html": data.get("descriptionHtml") or "",
        "product_type": data.get("productType") or "",
        "vendor": data.get("vendor") or DEFAULT_VENDOR,
        "status": data.get("status") or "ACTIVE",
    }
    try:
        created = ctx.store.transact(lambda s: add_products(s, ctx.shop, [spec]))[0]
    except ProductError as error:
        return {"product": None, "shop": _shop_field(info), "userErrors": [error.as_user_error()]}
    _emit(ctx, "products/create", rest_product(created))
    return {"product": product_view(created, ctx), "shop": _shop_field(info), "userErrors": []}


def resolve_product_update(
    _root: Any,
    info: GraphQLResolveInfo,
    product: Json | None = None,
    input: Json | None = None,
    identifier: Json | None = None,
    media: Any = None,
) -> Json:
    ctx = _write_ctx(info)
    data = product or input or {}
    number = _number(data.get("id") or (identifier or {}).get("id"), "Product")
    fields = {
        target: data[source]
        for source, target in (
            ("title", "title"),
            ("descriptionHtml", "description_html"),
            ("productType", "product_type"),
            ("vendor", "vendor"),
            ("status", "status"),
            ("tags", "tags"),
        )
        if source in data
    }
    try:
        if number is None:
            raise ProductError("Product does not exist", ["id"])
        changed = ctx.store.transact(lambda s: update_product(s, ctx.shop, number, **fields))
    except ProductError as error:
        return {"product": None, "userErrors": [{"field": error.field, "message": error.message}]}
    _emit(ctx, "products/update", rest_product(changed))
    return {"product": product_view(changed, ctx), "userErrors": []}


def resolve_product_delete(
    _root: Any, info: GraphQLResolveInfo, input: Json, synchronous: bool = True
) -> Json:
    ctx = _write_ctx(info)
    number = _number(input.get("id"), "Product")
    try:
        if number is None:
            raise ProductError("Product does not exist", ["id"])
        ctx.store.transact(lambda s: delete_product(s, ctx.shop, number))
    except ProductError as error:
        return {
            "deletedProductId": None,
            "productDeleteOperation": None,
            "shop": _shop_field(info),
            "userErrors": [{"field": error.field, "message": error.message}],
        }
    _emit(ctx, "products/delete", rest_product_deleted(number))
    return {
        "deletedProductId": views.gid("Product", number),
        "productDeleteOperation": None,
        "shop": _shop_field(info),
        "userErrors": [],
    }


def resolve_product_variants_bulk_update(
    _root: Any, info: GraphQLResolveInfo, productId: str, variants: list[Json], **_: Any
) -> Json:
    ctx = _write_ctx(info)
    number = _number(productId, "Product")

    def change(s: State) -> Json:
        current = product(s, ctx.shop, number or 0)
        if current is None:
            raise ProductError("Product does not exist", ["productId"], "PRODUCT_DOES_NOT_EXIST")
        mine = {views.gid("ProductVariant", v["id"]) for v in current["variants"]}
        for i, row in enumerate(variants):
            if not row.get("id"):
                raise ProductError(
                    "Product variant is missing ID attribute",
                    ["variants", str(i), "id"],
                    "PRODUCT_VARIANT_ID_MISSING",
                )
            if row["id"] not in mine:
                raise ProductError(
                    "Product variant does not exist",
                    ["variants", str(i), "id"],
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
        stamp = now_utc()
        changed = current
        for row in variants:
            fields = _variant_input(row)
            changed = update_variant(
                s, ctx.shop, _number(row["id"], "ProductVariant") or 0, stamp=stamp, **fields
            )
        return changed

    try:
        changed = ctx.store.transact(change)
    except ProductError as error:
        return {"product": None, "productVariants": None, "userErrors": [error.as_user_error()]}
    _emit(ctx, "products/update", rest_product(changed))
    wanted = {row["id"] for row in variants}
    rows = [
        variant_view(changed, v, ctx)
        for v in changed["variants"]
        if views.gid("ProductVariant", v["id"]) in wanted
    ]
    return {"product": product_view(changed, ctx), "productVariants": rows, "userErrors": []}


def resolve_product_variants_bulk_create(
    _root: Any, info: GraphQLResolveInfo, productId: str, variants: list[Json], **_: Any
) -> Json:
    ctx = _write_ctx(info)
    number = _number(productId, "Product") or 0

    def change(s: State) -> tuple[Json, list[Json]]:
        current = product(s, ctx.shop, number)
        if current is None:
            raise ProductError("Product does not exist", ["productId"], "PRODUCT_DOES_NOT_EXIST")
        return add_variants(
            s, ctx.shop, number, [_variant_input(row, current["options"]) for row in variants]
        )

    try:
        changed, added = ctx.store.transact(change)
    except ProductError as error:
        return {"product": None, "productVariants": None, "userErrors": [error.as_user_error()]}
    _emit(ctx, "products/update", rest_product(changed))
    return {
        "product": product_view(changed, ctx),
        "productVariants": [variant_view(changed, v, ctx) for v in added],
        "userErrors": [],
    }


MUTATIONS: dict[str, Any] = {
    "productCreate": resolve_product_create,
    "productUpdate": resolve_product_update,
    "productDelete": resolve_product_delete,
    "productVariantsBulkUpdate": resolve_product_variants_bulk_update,
    "productVariantsBulkCreate": resolve_product_variants_bulk_create,
}


QUERIES: dict[str, Any] = {
    "products": resolve_products,
    "product": resolve_product,
    "productVariant": resolve_product_variant,
}
