"""Shopify-side view of the shared demo catalogue: products, variants and inventory items.

Shopify ids are derived from the SKU (or the product title) with a hash, so every process, the
generator and the GraphQL layer agree on them without storing anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from sandboxes.catalogue import CATALOGUE, CatalogueItem


def stable_id(kind: str, key: str, base: int) -> int:
    """A deterministic id in [base, base + 10**12) for `key`, distinct per `kind`."""
    digest = hashlib.sha256(f"{kind}:{key}".encode()).digest()
    return base + int.from_bytes(digest[:8], "big") % 10**12


@dataclass(frozen=True)
class Variant:
    sku: str
    barcode: str
    product_title: str
    variant_title: str | None  # None for a product's only variant ("Default Title" in REST)
    price: Decimal
    storable: bool
    variant_id: int
    product_id: int
    inventory_item_id: int

    @property
    def full_name(self) -> str:
        return f"{self.product_title} - {self.variant_title}" if self.variant_title else self.product_title


def _split_title(item: CatalogueItem) -> tuple[str, str | None]:
    # "Organic T-Shirt - S" is the variant "S" of the product "Organic T-Shirt".
    if " - " in item.title:
        product, variant = item.title.rsplit(" - ", 1)
        return product, variant
    return item.title, None


@cache
def variants() -> tuple[Variant, ...]:
    out = []
    for item in CATALOGUE:
        product_title, variant_title = _split_title(item)
        out.append(
            Variant(
                sku=item.sku,
                barcode=item.barcode,
                product_title=product_title,
                variant_title=variant_title,
                price=item.price,
                storable=item.storable,
                variant_id=stable_id("variant", item.sku, 44_000_000_000_000),
                product_id=stable_id("product", product_title, 8_000_000_000_000),
                inventory_item_id=stable_id("inventory_item", item.sku, 46_000_000_000_000),
            )
        )
    return tuple(out)


@cache
def variants_by_id() -> dict[int, Variant]:
    return {v.variant_id: v for v in variants()}


@cache
def variants_by_sku() -> dict[str, Variant]:
    return {v.sku: v for v in variants()}
