"""Match Shopify SKUs to Odoo products."""

from __future__ import annotations

from collections.abc import Iterable

from orders.mapping import MappingError
from products.models import ProductLink
from synco.models import Shop
from synco.odoo.client import OdooClient


def resolve_products(client: OdooClient, shop: Shop, skus: Iterable[str]) -> dict[str, int]:
    """SKU -> Odoo product id; an unknown or ambiguous SKU is a MappingError naming it."""
    found = client.find_products_by_codes(skus)
    unknown = sorted(sku for sku, ids in found.items() if not ids)
    if unknown:
        listed = ", ".join(f"'{sku}'" for sku in unknown)
        raise MappingError(
            f"No Odoo product has the SKU {listed}: create it in Odoo with this Internal Reference, then retry."
        )
    ambiguous = {sku: ids for sku, ids in found.items() if len(ids) > 1}
    if ambiguous:
        sku, ids = next(iter(sorted(ambiguous.items())))
        raise MappingError(
            f"Several Odoo products have the SKU '{sku}' (ids {', '.join(map(str, ids))}): "
            "keep the Internal Reference on one product only, then retry."
        )
    matched = {sku: ids[0] for sku, ids in found.items()}
    for sku, product_id in matched.items():
        ProductLink.objects.update_or_create(shop=shop, sku=sku, defaults={"odoo_product_id": product_id})
    return matched
