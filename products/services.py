"""Match Shopify order lines to Odoo products: by SKU and/or barcode, cached, optionally created."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orders.mapping import MappingError, is_special
from products.models import ProductLink
from synclogs.records import record_created
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient, OdooProduct
from synco.shopify.types import LineItem, ShopifyOrder

DELIVERY_PRODUCT_CODE = "Delivery_007"  # installed by Odoo's Delivery module
FALLBACK_SHIPPING_CODE = "SHOPIFY-SHIPPING"


def _link_key(line: LineItem) -> str:
    return line.sku or f"barcode:{line.barcode}"


def lookup_order(rules: OrderRules) -> tuple[str, ...]:
    """The Odoo product fields a Shopify SKU/barcode is looked up by, in the shop's order of preference (the same
    rule for orders and for stock's inventory items)."""
    if rules.product_match == OrderRules.ProductMatch.BARCODE_THEN_SKU:
        return ("barcode", "default_code")
    if rules.product_match == OrderRules.ProductMatch.SKU_ONLY:
        return ("default_code",)
    return ("default_code", "barcode")


def _describe(products: list[OdooProduct]) -> str:
    return " and ".join(f"'{p.name}' (id {p.id}{', archived' if not p.active else ''})" for p in products)


WOULD_CREATE = 0  # the product id a dry run reports for a product it would create


def resolve_line_products(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: ShopifyOrder,
    *,
    dry_run: bool = False,
    notes: list[str] | None = None,
    known: dict[str, int] | None = None,
) -> dict[str, int]:
    """Shopify line number -> Odoo product id; unknown or ambiguous lines raise one MappingError naming them.

    With `dry_run`, nothing is created or remembered: products that would be created get id 0 and a note.
    `known`: the shop's product links read once for a batch (product_links), kept up to date with the links made.
    """
    lines = [line for line in order.line_items if line.quantity > 0]
    result: dict[str, int] = {}
    regular = [line for line in lines if not is_special(line)]
    links = (
        known
        if known is not None
        else dict(
            ProductLink.objects.filter(shop=shop, sku__in=[_link_key(line) for line in regular]).values_list(
                "sku", "odoo_product_id"
            )
        )
    )
    pending = []
    for line in regular:
        if _link_key(line) in links:
            result[line.number] = links[_link_key(line)]
        else:
            pending.append(line)
    problems: list[str] = []
    if pending:
        found = _search(client, rules, pending)
        for line in pending:
            product, problem = _choose(client, rules, line, found, dry_run=dry_run)
            if product is None:
                problems.append(problem)
                continue
            result[line.number] = product[0]
            if dry_run and product[0] == WOULD_CREATE and notes is not None:
                notes.append(f"Would create the product '{line.title}' (SKU '{line.sku}').")
            if not dry_run:
                _remember(shop, _link_key(line), *product, known=known)
    if problems:
        raise MappingError(" ".join(problems))
    for line in lines:
        if is_special(line):
            code, name = (
                (rules.gift_card_product_code, "Shopify gift card")
                if line.is_gift_card
                else (rules.custom_item_product_code, "Shopify custom item")
            )
            result[line.number] = ensure_service_product(
                client, shop, code, name, dry_run=dry_run, known=known
            )
    return result


def _search(
    client: OdooClient, rules: OrderRules, lines: list[LineItem]
) -> dict[str, dict[str, list[OdooProduct]]]:
    found: dict[str, dict[str, list[OdooProduct]]] = {}
    for field in lookup_order(rules):
        values = [line.sku if field == "default_code" else line.barcode for line in lines]
        by_value: dict[str, list[OdooProduct]] = defaultdict(list)
        for product in client.find_products(field, values):
            by_value[product.default_code if field == "default_code" else product.barcode].append(product)
        found[field] = by_value
    return found


def _remember(
    shop: Shop, key: str, product_id: int, tax_ids: tuple[int, ...], known: dict[str, int] | None = None
) -> None:
    ProductLink.objects.update_or_create(
        shop=shop, sku=key, defaults={"odoo_product_id": product_id, "default_tax_ids": list(tax_ids)}
    )
    if known is not None:
        known[key] = product_id


def product_links(shop: Shop, orders: list[ShopifyOrder], rules: OrderRules) -> dict[str, int]:
    """The shop's product links (key -> Odoo product id) the orders' lines and Synco's own products (shipping,
    discount, tip, rounding, gift card, custom item) use, in ONE query: a batch's mapping then reads none."""
    keys = {_link_key(line) for order in orders for line in order.line_items if not is_special(line)}
    keys |= {
        DELIVERY_PRODUCT_CODE,
        FALLBACK_SHIPPING_CODE,
        rules.discount_product_code,
        rules.tip_product_code,
        rules.rounding_product_code,
        rules.gift_card_product_code,
        rules.custom_item_product_code,
    }
    return dict(
        ProductLink.objects.filter(shop=shop, sku__in=sorted(keys)).values_list("sku", "odoo_product_id")
    )


def _choose(
    client: OdooClient,
    rules: OrderRules,
    line: LineItem,
    found: dict[str, dict[str, list[OdooProduct]]],
    *,
    dry_run: bool = False,
) -> tuple[tuple[int, tuple[int, ...]] | None, str]:
    """(product id, its default taxes) or the reason no product fits."""
    if not line.sku and not line.barcode:
        return (
            None,
            f"Line '{line.title}' has neither a SKU nor a barcode, so no Odoo product can be matched.",
        )
    for field in lookup_order(rules):
        value = line.sku if field == "default_code" else line.barcode
        candidates = found[field].get(value, []) if value else []
        if not candidates:
            continue
        active = [p for p in candidates if p.active] or candidates
        if len(active) > 1:
            label = "SKU" if field == "default_code" else "barcode"
            return None, (
                f"Several Odoo products have the {label} '{value}': {_describe(active)}. "
                "Keep it on one product only, then retry."
            )
        return (active[0].id, active[0].tax_ids), ""
    if rules.auto_create_products:
        return ((WOULD_CREATE if dry_run else _create_product(client, rules.shop, line)), ()), ""
    label = f"SKU '{line.sku}'" if line.sku else f"barcode '{line.barcode}'"
    return None, (
        f"No Odoo product has the {label} (line '{line.title}'): create it in Odoo with this "
        f"{'Internal Reference' if line.sku else 'barcode'}, or turn on 'create missing products', then retry."
    )


def _create_product(client: OdooClient, shop: Shop, line: LineItem) -> int:
    values: dict[str, Any] = {
        "name": line.title or line.sku,
        "default_code": line.sku or False,
        "list_price": line.unit_price,
        "invoice_policy": "order",
        # No default taxes: each order line carries the taxes Shopify charged.
        "taxes_id": [(6, 0, [])],
        **client.storable_product_values,
    }
    if line.barcode:
        values["barcode"] = line.barcode
    product_id = client.create_product({key: value for key, value in values.items() if value is not False})
    record_created(
        shop_id=shop.pk,
        object_type="product",
        object_ref=line.sku or line.barcode,
        odoo_model="product.product",
        odoo_id=product_id,
        message=f"Created the product '{line.title}' (SKU '{line.sku}') in Odoo as #{product_id}.",
    )
    return product_id


def ensure_service_product(
    client: OdooClient,
    shop: Shop,
    code: str,
    name: str,
    *,
    dry_run: bool = False,
    known: dict[str, int] | None = None,
) -> int:
    """A service product Synco uses for special lines (tips, discounts, gift cards…), found or created once.
    `known`: the batch's product links (product_links) instead of a query."""
    link = (
        known.get(code)
        if known is not None
        else ProductLink.objects.filter(shop=shop, sku=code).values_list("odoo_product_id", flat=True).first()
    )
    if link is not None:
        return int(link)
    existing = [p for p in client.find_products("default_code", [code]) if p.active]
    if dry_run:
        return existing[0].id if existing else WOULD_CREATE
    if existing:
        _remember(shop, code, existing[0].id, existing[0].tax_ids, known=known)
        return existing[0].id
    values: dict[str, Any] = {
        "name": name,
        "default_code": code,
        "invoice_policy": "order",
        "taxes_id": [(6, 0, [])],
    }
    product_id = client.create_product({**values, **client.service_product_values})
    _remember(shop, code, product_id, (), known=known)
    return product_id


def delivery_product(
    client: OdooClient, shop: Shop, *, dry_run: bool = False, known: dict[str, int] | None = None
) -> int:
    """Odoo's own delivery product when the Delivery module is installed, else a Synco shipping product.
    `known`: the batch's product links (product_links) instead of a query."""
    cached = (
        known.get(DELIVERY_PRODUCT_CODE)
        if known is not None
        else ProductLink.objects.filter(shop=shop, sku=DELIVERY_PRODUCT_CODE)
        .values_list("odoo_product_id", flat=True)
        .first()
    )
    if cached is not None:
        return int(cached)
    existing = [p for p in client.find_products("default_code", [DELIVERY_PRODUCT_CODE]) if p.active]
    if existing:
        if not dry_run:
            _remember(shop, DELIVERY_PRODUCT_CODE, existing[0].id, existing[0].tax_ids, known=known)
        return existing[0].id
    return ensure_service_product(
        client, shop, FALLBACK_SHIPPING_CODE, "Shopify shipping", dry_run=dry_run, known=known
    )


def products_with_default_taxes(shop: Shop, product_ids: set[int]) -> set[int]:
    """The products Odoo would give default taxes to (unknown ones are assumed to have some)."""
    untaxed = set(
        ProductLink.objects.filter(
            shop=shop, odoo_product_id__in=product_ids, default_tax_ids=[]
        ).values_list("odoo_product_id", flat=True)
    )
    return product_ids - untaxed
