"""Pure mapping from a Shopify product to what Odoo's catalogue receives: no ORM, no network, no clock.

A Shopify product becomes one product.template (its options as attribute lines, each variant one
product.product). On creation every field is written; afterwards only the fields the shop lets Shopify own, and
only those whose value differs from what Synco last wrote (`ProductMapping.written`): a re-run with nothing
changed writes nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from synco.shopify.catalog import ShopifyProduct, ShopifyVariant

# Which merchant-facing field (CatalogueSettings.<field>_owner) each Odoo field belongs to. The SKU (Internal
# Reference) goes with the barcode: both are the codes products are matched by.
TEMPLATE_FIELD_OWNERS: dict[str, str] = {
    "name": "name",
    "description_sale": "description",
    "list_price": "sale_price",
    "type": "product_type",
    "is_storable": "product_type",
    "active": "active",
}
VARIANT_FIELD_OWNERS: dict[str, str] = {
    "default_code": "barcode",
    "barcode": "barcode",
    "standard_price": "cost",
    "weight": "weight",
    "active": "active",
}
OWNED_FIELDS = (
    "name",
    "description",
    "sale_price",
    "cost",
    "barcode",
    "weight",
    "product_type",
    "images",
    "active",
)
NOT_ADDITIVE_PROBLEM = (
    "Prices differ per variant in a way Odoo's attribute extras cannot hold: the Odoo product keeps the lowest "
    "price ({base}) for every variant. Orders are unaffected (each order line carries its Shopify price)."
)


@dataclass(frozen=True)
class Ownership:
    """The fields (of OWNED_FIELDS) the shop lets Shopify own."""

    shopify: frozenset[str]

    def owns(self, owner_field: str) -> bool:
        return owner_field in self.shopify


@dataclass(frozen=True)
class PriceExtras:
    """The template's price and each option value's extra over it (Odoo: lst_price = list_price + extras)."""

    base: Decimal
    # (option name, value) -> extra; empty when the prices are not additive (or there is one variant).
    extras: dict[tuple[str, str], Decimal]
    additive: bool


_BLOCK_END = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_DROPPED = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(markup: str) -> str:
    """Shopify's descriptionHtml as plain text: tags stripped, entities decoded, one line per block."""
    text = _DROPPED.sub("", markup or "")
    text = _LIST_ITEM.sub("- ", _BLOCK_END.sub("\n", text))
    text = html.unescape(_TAG.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip()


def is_storable(product: ShopifyProduct) -> bool:
    """Storable when a variant's inventory is tracked or it is shipped; a service otherwise."""
    return any(variant.tracked or variant.requires_shipping for variant in product.variants)


def is_active(product: ShopifyProduct) -> bool:
    return product.status == "ACTIVE"


def option_values(product: ShopifyProduct) -> dict[str, list[str]]:
    """Option name -> its values, in Shopify's order (the attribute lines of the template)."""
    return {option.name: list(option.values) for option in product.options}


def price_extras(product: ShopifyProduct) -> PriceExtras:
    """The lowest variant price as the template's, and per option value the extra that gives each variant its
    own price exactly, when the prices are additive over the options (always so for one option)."""
    prices = [variant.price for variant in product.variants]
    if not prices:
        return PriceExtras(Decimal("0"), {}, True)
    base = min(prices)
    if not product.options or len(product.variants) == 1:
        return PriceExtras(base, {}, len(set(prices)) == 1)
    # Unknowns: one extra per (option, value). The cheapest variant's values are 0 (the template price is
    # its price); each variant then fixes its one unknown value once the others are known.
    reference = next(variant for variant in product.variants if variant.price == base)
    extras: dict[tuple[str, str], Decimal] = {pair: Decimal("0") for pair in reference.options}
    rows = [(tuple(variant.options), variant.price - base) for variant in product.variants]
    while True:
        progressed = _propagate(rows, extras)
        unknown = [pair for pairs, _ in rows for pair in pairs if pair not in extras]
        if not unknown:
            break
        if not progressed:
            # Options not tied to the known ones by any variant: any value will do, 0 is the simplest.
            extras[unknown[0]] = Decimal("0")
    additive = all(sum((extras[pair] for pair in pairs), Decimal("0")) == target for pairs, target in rows)
    if not additive:
        return PriceExtras(base, {}, False)
    return PriceExtras(base, {pair: extra for pair, extra in extras.items() if extra != 0}, True)


def _propagate(
    rows: list[tuple[tuple[tuple[str, str], ...], Decimal]], extras: dict[tuple[str, str], Decimal]
) -> bool:
    progressed = False
    changed = True
    while changed:
        changed = False
        for pairs, target in rows:
            missing = [pair for pair in pairs if pair not in extras]
            if len(missing) == 1:
                known = sum((extras[pair] for pair in pairs if pair in extras), Decimal("0"))
                extras[missing[0]] = target - known
                changed = progressed = True
    return progressed


def template_values(
    product: ShopifyProduct, *, storable_values: Mapping[str, Any], service_values: Mapping[str, Any]
) -> dict[str, Any]:
    """Every template field Synco can write, from Shopify (ownership is applied by `changes`). Storable and
    service products get the same keys (a service is `is_storable` False where Odoo has that field), so one
    load() holds both."""
    kind = dict(storable_values) if is_storable(product) else dict(service_values)
    for key in (*storable_values, *service_values):
        kind.setdefault(key, False)
    return {
        "name": product.title,
        "description_sale": html_to_text(product.description_html),
        "list_price": price_extras(product).base,
        **kind,
        "active": is_active(product),
    }


def variant_values(variant: ShopifyVariant, *, active: bool, creating: bool = False) -> dict[str, Any]:
    """Every product.product field Synco can write for one variant. An unknown cost or weight is left out on
    updates (Odoo's value stays); on creation it is None (empty: Odoo's default), so every row has the same
    columns."""
    values: dict[str, Any] = {"default_code": variant.sku, "barcode": variant.barcode, "active": active}
    if variant.cost is not None or creating:
        values["standard_price"] = variant.cost
    if variant.weight_kg is not None or creating:
        values["weight"] = variant.weight_kg
    return values


def canonical(value: Any) -> Any:
    """A JSON-storable form in which equal values compare equal (Decimal 10.0 and 10.00 alike)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def digest(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: canonical(value) for key, value in values.items()}


def changes(
    desired: Mapping[str, Any],
    written: Mapping[str, Any],
    owners: Mapping[str, str],
    ownership: Ownership,
    *,
    everything: bool = False,
) -> dict[str, Any]:
    """The fields to write: on creation (`everything`) all of them; afterwards those Shopify owns whose value
    differs from what Synco last wrote."""
    return {
        key: value
        for key, value in desired.items()
        if everything
        or (ownership.owns(owners.get(key, "")) and (key not in written or written[key] != canonical(value)))
    }


def extras_key(option: str, value: str) -> str:
    return f"{option}\x1f{value}"


def extras_changes(
    desired: Mapping[tuple[str, str], Decimal],
    written: Mapping[str, str],
    all_pairs: Iterable[tuple[str, str]],
    ownership: Ownership,
    *,
    everything: bool = False,
) -> dict[tuple[str, str], Decimal]:
    """Option value -> extra to write: on creation the non-zero ones; afterwards (sale price owned by Shopify)
    those that differ from what Synco last wrote (a value never written counts as 0, Odoo's default)."""
    if everything:
        return dict(desired)
    if not ownership.owns("sale_price"):
        return {}
    result: dict[tuple[str, str], Decimal] = {}
    for pair in all_pairs:
        wanted = desired.get(pair, Decimal("0"))
        if Decimal(written.get(extras_key(*pair), "0")) != wanted:
            result[pair] = wanted
    return result


def extras_digest(extras: Mapping[tuple[str, str], Decimal]) -> dict[str, str]:
    return {extras_key(*pair): canonical(extra) for pair, extra in extras.items() if extra != 0}


def link_key(variant: ShopifyVariant) -> str:
    """products.models.ProductLink's key: the SKU, or "barcode:<b>" without one; "" when it has neither."""
    if variant.sku:
        return variant.sku
    return f"barcode:{variant.barcode}" if variant.barcode else ""


def variant_label(product: ShopifyProduct, variant: ShopifyVariant) -> str:
    if not product.options or variant.title in ("", "Default Title"):
        return f"'{product.title}'"
    return f"'{product.title} - {variant.title}'"
