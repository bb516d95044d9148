"""products/create|update|delete webhooks: only triggers. The product is read again from Shopify and imported;
a deleted one is archived in Odoo, never deleted."""

from __future__ import annotations

from typing import Any

from products.imports import archive_deleted_product, import_products
from products.models import CatalogueSettings, ProductMapping
from synclogs.models import WebhookReceipt
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import Shop
from synco.shopify.catalog import fetch_product

PRODUCT_TOPICS = {"products/create", "products/update", "products/delete"}


def product_id_of(payload: dict[str, Any]) -> int | None:
    """The product a products/* body names: its numeric id (a GraphQL id, when present, must repeat it)."""
    product_id = payload.get("id")
    if not isinstance(product_id, int) or isinstance(product_id, bool) or product_id <= 0:
        return None
    if payload.get("admin_graphql_api_id") not in (None, f"gid://shopify/Product/{product_id}"):
        return None
    return product_id


def product_notified(shop: Shop, topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    """Handle one products/* webhook: (receipt status, what was done)."""
    if shop.uninstalled_at is not None:
        return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
    product_id = product_id_of(payload)
    if product_id is None:
        return (
            WebhookReceipt.Status.FAILED,
            f"The body of {topic} is not a product (no id, or ids that differ).",
        )
    if topic == "products/delete":
        client = odoo_client_for(shop)
        try:
            _, text = archive_deleted_product(shop, client, product_id)
        finally:
            client.close()
        return WebhookReceipt.Status.PROCESSED, text
    if not _in_step(shop, product_id):
        return (
            WebhookReceipt.Status.IGNORED,
            f"Product {product_id} not imported: the catalogue has not been imported yet (start the product "
            "import on the Products page; changes are kept in step from then on).",
        )
    product = fetch_product(shopify_client_for(shop), product_id)
    if product is None:
        # Deleted since: its products/delete webhook archives it.
        return WebhookReceipt.Status.IGNORED, f"Product {product_id} no longer exists in Shopify."
    client = odoo_client_for(shop)
    try:
        summary = import_products(shop, client, [product])
    finally:
        client.close()
    return WebhookReceipt.Status.PROCESSED, f"Product '{product.title}' re-fetched: {summary.describe()}."


def _in_step(shop: Shop, product_id: int) -> bool:
    """Webhooks keep the catalogue in step once it was imported (or this product was): before the merchant's
    first import, editing a product in Shopify does not start filling Odoo."""
    imported = CatalogueSettings.objects.filter(shop=shop, products_swept_until__isnull=False).exists()
    return imported or ProductMapping.objects.filter(shop=shop, shopify_product_id=product_id).exists()
