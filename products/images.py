"""Product images: Shopify's featured image copied to the Odoo template, when the merchant asks for it.

Only when the shop copies images and Shopify owns them (Products > Settings). An image is downloaded only when
its Shopify URL differs from the one Synco last wrote (Shopify gives a changed image a new URL), so a re-run
downloads nothing and writes nothing. An image that is too large, not an image, off Shopify's CDN or refused by
Odoo is noted on the product's mapping rows and in the sync log; the product itself is imported all the same.
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction

from products.models import CatalogueSettings, ProductMapping
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco.models import Shop
from synco.odoo import catalog as odoo_catalog
from synco.odoo.client import OdooClient
from synco.shopify import media
from synco.shopify.catalog import ShopifyProduct

logger = logging.getLogger(__name__)

# The key of ProductMapping.written holding the image Synco last wrote: {"url", "templates"} and, when it was not
# copied for a lasting reason, {"error", "limit_kb", "too_large"}.
WRITTEN_KEY = "image"
NOTE_PREFIX = "Image not copied to Odoo: "
# Images held in memory before they are written to Odoo (a batch may hold hundreds of products).
FLUSH_BYTES = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 10.0


@dataclass
class ImageSummary:
    copied: int = 0
    cleared: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class _Product:
    product: ShopifyProduct
    template_ids: tuple[int, ...]  # the Odoo templates holding its variants (only its variants)
    rows: list[ProductMapping]
    written: dict[str, Any]  # what Synco last wrote for this product's image ({} when nothing)


def sync_images(
    shop: Shop,
    client: OdooClient,
    products: Iterable[ShopifyProduct],
    settings: CatalogueSettings,
    mappings: Iterable[ProductMapping] | None = None,
) -> ImageSummary:
    """Copy the changed images of these products (already imported) to their Odoo templates."""
    summary = ImageSummary()
    if not settings.import_images or settings.images_owner != CatalogueSettings.Owner.SHOPIFY:
        return summary
    products = list(products)
    if mappings is None:
        mappings = ProductMapping.objects.filter(
            shop=shop, shopify_product_id__in=[product.id for product in products]
        )
    candidates = _candidates(shop, products, mappings)
    limit = settings.image_max_kb * 1024
    pending: dict[int, tuple[_Product, str | None]] = {}
    pending_bytes = 0
    for item in candidates:
        url = item.product.image_url
        if not _needs_write(item.written, url, settings.image_max_kb, item.template_ids):
            _keep_note(item)
            continue
        if not url:
            pending[item.product.id] = (item, None)
            continue
        try:
            image = media.fetch_image(
                url,
                limit,
                timeout=DOWNLOAD_TIMEOUT,
                admin_origin=django_settings.SHOPIFY_ADMIN_ORIGIN,
            )
        except media.ImageDownloadError as exc:
            # Passing: nothing is remembered, the next import (or the sweep) tries again.
            _failed(
                shop, item, _sentence(exc.message), summary, remember=False, limit_kb=settings.image_max_kb
            )
            continue
        except media.ImageRefusedError as exc:
            _failed(
                shop,
                item,
                _sentence(exc.message),
                summary,
                remember=True,
                limit_kb=settings.image_max_kb,
                too_large=isinstance(exc, media.ImageTooLargeError),
            )
            continue
        pending[item.product.id] = (item, base64.b64encode(image).decode("ascii"))
        pending_bytes += len(image)
        if pending_bytes >= FLUSH_BYTES:
            _write(shop, client, pending, summary, settings.image_max_kb)
            pending, pending_bytes = {}, 0
    if pending:
        _write(shop, client, pending, summary, settings.image_max_kb)
    if summary.copied or summary.cleared:
        record = start_attempt(
            shop_id=shop.pk,
            operation="import_images",
            object_type=SyncAttempt.Object.PRODUCT,
            object_ref=f"{summary.copied + summary.cleared} product images",
        )
        finish_attempt(
            record,
            succeeded=True,
            message=f"Product images: {summary.copied} copied to Odoo, {summary.cleared} cleared.",
            odoo_model="product.template",
            summary={"copied": summary.copied, "cleared": summary.cleared, "failed": summary.failed},
        )
    return summary


def _candidates(
    shop: Shop, products: list[ShopifyProduct], mappings: Iterable[ProductMapping]
) -> list[_Product]:
    """Linked products whose Odoo templates hold no other Shopify product's variants (one template, or one per
    variant when they were matched by SKU to flat products)."""
    rows_of: dict[int, list[ProductMapping]] = defaultdict(list)
    for row in mappings:
        if row.state == ProductMapping.State.LINKED and row.odoo_template_id is not None:
            rows_of[row.shopify_product_id].append(row)
    templates = {row.odoo_template_id for rows in rows_of.values() for row in rows}
    holders: dict[int, set[int]] = defaultdict(set)
    if templates:
        for template_id, product_id in ProductMapping.objects.filter(
            shop=shop, state=ProductMapping.State.LINKED, odoo_template_id__in=templates
        ).values_list("odoo_template_id", "shopify_product_id"):
            if template_id is not None:
                holders[template_id].add(product_id)
    out = []
    for product in products:
        rows = rows_of.get(product.id, [])
        product_templates = sorted({row.odoo_template_id for row in rows if row.odoo_template_id is not None})
        if not product_templates or any(holders[t] - {product.id} for t in product_templates):
            continue  # a template several Shopify products share: whose image would it be?
        written = next((dict(row.written[WRITTEN_KEY]) for row in rows if row.written.get(WRITTEN_KEY)), {})
        out.append(_Product(product, tuple(product_templates), rows, written))
    return out


def _needs_write(written: dict[str, Any], url: str, limit_kb: int, templates: tuple[int, ...]) -> bool:
    if not written:
        return bool(url)  # no image in Shopify and none written by Synco: Odoo's own image is left alone
    if written.get("url", "") != url:
        return True
    if url and not written.get("error") and list(written.get("templates") or []) != list(templates):
        return True  # linked to other Odoo products since (the mapping page): they get the image too
    # The same image refused for its size: tried again once the merchant allows larger images.
    return bool(written.get("too_large")) and limit_kb > int(written.get("limit_kb") or 0)


def _remember(item: _Product, written: dict[str, Any] | None, note: str) -> None:
    """Store what was written (None: keep what is stored) and the note (or no note) on the product's rows.

    The rows are read again under a lock: downloads run outside the import's transaction, and a webhook may
    have saved these rows since (its own digests are kept; only the image key and the note change)."""
    with transaction.atomic():
        rows = list(ProductMapping.objects.select_for_update().filter(pk__in=[row.pk for row in item.rows]))
        changed = []
        for row in rows:
            values = row.written if written is None else {**row.written, WRITTEN_KEY: written}
            problem = _with_note(row.problem, note)
            if values != row.written or problem != row.problem:
                row.written, row.problem = values, problem
                changed.append(row)
        if changed:
            ProductMapping.objects.bulk_update(changed, ["written", "problem"])
    if written is not None:
        item.written = written


def _with_note(problem: str, note: str) -> str:
    kept = [line for line in problem.splitlines() if line and not line.startswith(NOTE_PREFIX)]
    if note:
        kept.append(note)
    return "\n".join(kept)


def _keep_note(item: _Product) -> None:
    """The import rewrites the rows' problem text on every run: the image's note stays while it holds."""
    note = NOTE_PREFIX + item.written["error"] if item.written.get("error") else ""
    if any(_with_note(row.problem, note) != row.problem for row in item.rows):
        _remember(item, None, note)


def _failed(
    shop: Shop,
    item: _Product,
    reason: str,
    summary: ImageSummary,
    *,
    remember: bool,
    limit_kb: int,
    too_large: bool = False,
) -> None:
    note = NOTE_PREFIX + reason
    if remember:
        written = {
            "url": item.product.image_url,
            "templates": list(item.template_ids),
            "error": reason,
            "limit_kb": limit_kb,
        }
        if too_large:
            written["too_large"] = True
        _remember(item, written, note)
    else:
        _remember(item, None, note)
    summary.failed += 1
    summary.failures.append(f"'{item.product.title}': {reason}")
    record = start_attempt(
        shop_id=shop.pk,
        operation="import_images",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref=f"product {item.product.id}"[:100],
    )
    finish_attempt(
        record,
        succeeded=False,
        message=f"Image of '{item.product.title}' not copied to Odoo: {reason} The product itself is imported.",
        odoo_model="product.template",
        odoo_id=item.template_ids[0],
    )
    logger.info(
        "product image not copied",
        extra={"shop_id": shop.pk, "product_id": item.product.id, "reason": reason},
    )


def _write(
    shop: Shop,
    client: OdooClient,
    pending: dict[int, tuple[_Product, str | None]],
    summary: ImageSummary,
    limit_kb: int,
) -> None:
    """Write the downloaded (or cleared) images of these products (Shopify product id -> item, image)."""
    refused = odoo_catalog.write_template_images(
        client,
        {template_id: image for item, image in pending.values() for template_id in item.template_ids},
    )
    for item, image in pending.values():
        reasons = sorted({refused[t] for t in item.template_ids if t in refused})
        if reasons:
            _failed(shop, item, _sentence("; ".join(reasons)), summary, remember=True, limit_kb=limit_kb)
            continue
        _remember(item, {"url": item.product.image_url, "templates": list(item.template_ids)}, "")
        if image is None:
            summary.cleared += 1
        else:
            summary.copied += 1


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
