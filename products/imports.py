"""Import Shopify products into Odoo's catalogue in batches: match, create what is missing, write what Shopify owns.

Matching goes Synco's mapping (variant id) -> the product's external id (template) -> SKU -> barcode (the
shop's order, archived products included); a SKU on two Odoo products or two Shopify variants is a conflict,
never a guess. A product that matches nothing becomes one template with attribute lines (Odoo makes the
variants) in one load() per batch. Odoo refusing a product never blocks the others: the refused records are
left out (or the batch is halved until the bad product is alone) and that product's mappings say why.

Full imports (`CatalogueRun`) stream Shopify's bulk operation, checkpointed after every batch, stoppable.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.dates import shop_clock
from products import images, mapping
from products.mapping import Ownership
from products.models import CatalogueRun, CatalogueSettings, ProductLink, ProductMapping
from products.services import lookup_order
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import queue, xmlids
from synco.errors import GatewayError, SecretUnreadableError, TransientGatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo import catalog as odoo_catalog
from synco.odoo.catalog import CatalogueLoadError, OdooVariant, TemplateSpec
from synco.odoo.client import OdooClient
from synco.odoo.errors import OdooLoginRefusedError
from synco.shopify import catalog as shopify_catalog
from synco.shopify.catalog import CatalogParseError, ShopifyProduct, ShopifyVariant

logger = logging.getLogger(__name__)

# Shopify variants per batch: every batch costs a fixed number of Odoo calls (about ten on a first import),
# so a batch this size keeps a full import within ~5 calls per 100 variants.
BATCH_VARIANTS = 250
# One task step writes batches for at most this long, then hands over to a new step from its checkpoint: a long
# file never holds one task for hours (past the broker's visibility timeout another worker would take it too).
STEP_SECONDS = 60.0
# Templates Synco made (or finds by its own external id): their attribute lines are Synco's to extend.
OWN_MATCHES = ("created", "external id")
Linked = ProductMapping.State.LINKED


@dataclass
class ImportSummary:
    """What an import did, counted per Shopify variant (products: per product)."""

    products: int = 0
    created: int = 0  # variants created in Odoo
    linked: int = 0  # variants newly matched to existing Odoo products
    updated: int = 0  # variants (or their template) written
    unchanged: int = 0
    failed: int = 0  # variants of products Odoo refused
    problems: int = 0  # variants left unlinked: missing or conflicting (the mapping page lists them)
    odoo_calls: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: ImportSummary) -> None:
        for name in (
            "products",
            "created",
            "linked",
            "updated",
            "unchanged",
            "failed",
            "problems",
            "odoo_calls",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures.extend(other.failures)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.linked or self.updated or self.failed)

    def describe(self) -> str:
        parts = [
            f"{self.products} product{'s' if self.products != 1 else ''}: {self.created} variants created",
            f"{self.linked} linked",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.problems:
            parts.append(f"{self.problems} need attention on the mapping page")
        if self.failed:
            parts.append(f"{self.failed} refused by Odoo")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Context:
    shop: Shop
    client: OdooClient
    ownership: Ownership
    create_missing: bool
    lookup: tuple[str, ...]  # the Odoo fields matched, in the shop's order: default_code / barcode
    storable: dict[str, Any]
    service: dict[str, Any]


def ownership_of(settings: CatalogueSettings) -> Ownership:
    return Ownership(
        frozenset(
            name
            for name in mapping.OWNED_FIELDS
            if getattr(settings, f"{name}_owner") == CatalogueSettings.Owner.SHOPIFY
        )
    )


def settings_for(shop: Shop) -> CatalogueSettings:
    settings, _ = CatalogueSettings.objects.get_or_create(shop=shop)
    return settings


def import_products(
    shop: Shop,
    client: OdooClient,
    products: Iterable[ShopifyProduct],
    *,
    batch: int = BATCH_VARIANTS,
    after_batch: Callable[[list[ShopifyProduct], ImportSummary], None] | None = None,
    create_missing: bool | None = None,
) -> ImportSummary:
    """Import the products batch by batch (about `batch` variants each); `after_batch` is called after each
    (the full import's checkpoint). Passing Odoo faults are raised (the batch can be run again as it is).
    `create_missing` overrides the shop's setting (the mapping page's "create it")."""
    settings = settings_for(shop)
    rules = OrderRules.objects.filter(shop=shop).first() or OrderRules(shop=shop)
    context = _Context(
        shop=shop,
        client=client,
        ownership=ownership_of(settings),
        create_missing=settings.create_missing if create_missing is None else create_missing,
        lookup=lookup_order(rules),
        storable=client.storable_product_values,
        service=client.service_product_values,
    )
    total = ImportSummary()
    for chunk in _batches(products, batch):
        before = client.rpc_calls
        with transaction.atomic():
            # One batch at a time per shop: a webhook and a full import (or two webhooks) handling the same new
            # product never both create it.
            CatalogueSettings.objects.select_for_update().filter(pk=settings.pk).first()
            summary = _import_batch(context, chunk)
        # Changed product images (only when the shop copies them), downloaded outside the batch's lock.
        images.sync_images(shop, client, chunk, settings)
        summary.odoo_calls = client.rpc_calls - before
        _log_batch(shop, chunk, summary)
        total.add(summary)
        if after_batch is not None:
            after_batch(chunk, summary)
    return total


def _batches(products: Iterable[ShopifyProduct], size: int) -> Iterator[list[ShopifyProduct]]:
    chunk: list[ShopifyProduct] = []
    variants = 0
    for product in products:
        chunk.append(product)
        variants += max(len(product.variants), 1)
        if variants >= size:
            yield chunk
            chunk, variants = [], 0
    if chunk:
        yield chunk


def _import_batch(
    context: _Context, products: list[ShopifyProduct], created: set[str] | None = None
) -> ImportSummary:
    """One batch; a product Odoo refuses is set aside with its reason and the rest is done again (`created`:
    the templates an earlier try of the batch made, still counted as created)."""
    created = set() if created is None else created
    trace = _Trace(created=created)
    try:
        return _Batch(context, products, trace).run()
    except (TransientGatewayError, OdooLoginRefusedError, SecretUnreadableError):
        raise  # passing, or about the connection: not one product's fault
    except GatewayError as exc:
        refused = _refused_products(exc, trace, products)
        if refused:
            summary = ImportSummary()
            for product in products:
                if product.id in refused:
                    summary.add(_fail(context, product, refused[product.id]))
            rest = [product for product in products if product.id not in refused]
            if rest:
                summary.add(_import_batch(context, rest, created))
            return summary
        if len(products) == 1:
            return _fail(context, products[0], exc.message)
        middle = len(products) // 2
        summary = _import_batch(context, products[:middle], created)
        summary.add(_import_batch(context, products[middle:], created))
        return summary


@dataclass
class _Trace:
    """Which product each record of the current Odoo write belongs to, to name the ones Odoo refused."""

    keys: dict[str | int, int] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)  # external ids of the templates made by this batch

    def before(self, keys: dict[str | int, int]) -> None:
        self.keys = keys


def _refused_products(exc: GatewayError, trace: _Trace, products: list[ShopifyProduct]) -> dict[int, str]:
    """Shopify product id -> Odoo's reason, when Odoo named every refused record of a load()."""
    if not isinstance(exc, CatalogueLoadError) or not exc.problems:
        return {}
    refused: dict[int, list[str]] = defaultdict(list)
    for problem in exc.problems:
        product_id = trace.keys.get(problem.key)
        if product_id is None and isinstance(problem.key, str) and problem.key.isdigit():
            product_id = trace.keys.get(int(problem.key))
        if product_id is None:
            return {}  # a record we cannot place: halve the batch instead
        refused[product_id].append(
            f"{problem.field}: {problem.message}" if problem.field else problem.message
        )
    if len(refused) >= len(products) and len(products) > 1:
        return {}  # everything refused: halving tells the products apart
    return {product_id: "Odoo refused it: " + "; ".join(reasons) for product_id, reasons in refused.items()}


def _fail(context: _Context, product: ShopifyProduct, reason: str) -> ImportSummary:
    """Record a product Odoo refused: its mappings say why (they keep any link they had), a failed log row."""
    shop = context.shop
    existing = {
        m.shopify_variant_id: m
        for m in ProductMapping.objects.filter(
            shop=shop, shopify_variant_id__in=[variant.id for variant in product.variants]
        )
    }
    with transaction.atomic():
        for variant in product.variants:
            row = existing.get(variant.id) or ProductMapping(
                shop=shop, shopify_product_id=product.id, shopify_variant_id=variant.id
            )
            if row.state == ProductMapping.State.IGNORED:
                continue
            _describe_variant(row, product, variant)
            if row.odoo_product_id is None:
                row.state = ProductMapping.State.MISSING
            row.problem = reason
            row.save()
        record = start_attempt(
            shop_id=shop.pk,
            operation="import_products",
            object_type=SyncAttempt.Object.PRODUCT,
            object_ref=_ref(product),
        )
        finish_attempt(record, succeeded=False, message=f"Product '{product.title}' not imported: {reason}")
    logger.info("product refused by odoo", extra={"shop_id": shop.pk, "product_id": product.id})
    return ImportSummary(products=1, failed=len(product.variants), failures=[f"'{product.title}': {reason}"])


def _ref(product: ShopifyProduct) -> str:
    return f"product {product.id}"[:100]


def _describe_variant(row: ProductMapping, product: ShopifyProduct, variant: ShopifyVariant) -> None:
    row.shopify_product_id = product.id
    row.product_title = product.title[:255]
    row.variant_title = ("" if variant.title == "Default Title" else variant.title)[:255]
    row.sku = variant.sku[:255]
    row.barcode = variant.barcode[:255]
    row.price = variant.price
    row.shopify_updated_at = product.updated_at


def _log_batch(shop: Shop, products: list[ShopifyProduct], summary: ImportSummary) -> None:
    """One sync log row per batch that changed something (an unchanged re-run leaves no trace)."""
    if not summary.changed and not summary.problems:
        return
    record = start_attempt(
        shop_id=shop.pk,
        operation="import_products",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref=(_ref(products[0]) if len(products) == 1 else f"{len(products)} products")[:100],
    )
    finish_attempt(
        record,
        succeeded=not summary.failed
        or bool(summary.created + summary.linked + summary.updated + summary.unchanged),
        message=f"Catalogue import: {summary.describe()}.",
        odoo_model="product.template",
        rpc_calls=summary.odoo_calls,
        summary={
            "created": summary.created,
            "linked": summary.linked,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "failed": summary.failed,
            "problems": summary.problems,
        },
    )


# -- one batch ---------------------------------------------------------------------------------------------


@dataclass
class _Product:
    """What the batch knows and decides about one Shopify product."""

    product: ShopifyProduct
    xmlid: str
    template_id: int | None = None
    own: bool = False  # a template Synco created (its attribute lines are Synco's)
    create: bool = False  # created in this batch
    shared: bool = False  # its template also holds other Shopify products' variants: no template writes
    # Shopify variant id -> (Odoo product id, how it was matched) for variants linked now or before
    links: dict[int, tuple[int, str]] = field(default_factory=dict)
    pending: list[ShopifyVariant] = field(default_factory=list)


class _Batch:
    def __init__(self, context: _Context, products: list[ShopifyProduct], trace: _Trace) -> None:
        self.context = context
        self.client = context.client
        self.shop = context.shop
        self.products = products
        self.trace = trace
        self.rows: dict[int, ProductMapping] = {}
        self.new_rows: set[int] = set()
        self.summary = ImportSummary(products=len(products))
        self.sku_conflicts: dict[int, str] = {}  # variant id -> problem
        self.barcode_conflicts: dict[int, str] = {}
        self.value_ids: dict[tuple[str, str], int] = {}
        self.attribute_ids: dict[str, int] = {}
        self.variants_of: dict[int, list[OdooVariant]] = {}
        self.touched: set[int] = set()  # Shopify variant ids written (variant, template or extras)
        # templates Synco made that were unarchived (Odoo revives their archived variants)
        self.reactivated: set[int] = set()
        # variant id -> (state, problem) for variants not linked, or linked with something to say
        self._problems: dict[int, tuple[str, str]] = {}
        self.removed: list[ProductMapping] = []  # variants Shopify no longer has on a product of the batch
        self.loaded: dict[int, tuple[Any, ...]] = {}  # variant id -> its stored row's fields, as read

    def run(self) -> ImportSummary:
        plans = self._load_rows()
        self._shopify_duplicates()
        self._match_external_ids(plans)
        self._match_codes(plans)
        self._decide_creations(plans)
        self._create(plans)
        self._extend(plans)
        self._write_templates(plans)
        self._read_and_match_variants(plans)
        self._write_variants(plans)
        self._write_extras(plans)
        self._save(plans)
        return self.summary

    # -- what Synco knows ---------------------------------------------------------------------------------

    def _load_rows(self) -> list[_Product]:
        ids = [variant.id for product in self.products for variant in product.variants]
        self.rows = {
            row.shopify_variant_id: row
            for row in ProductMapping.objects.filter(shop=self.shop, shopify_variant_id__in=ids)
        }
        plans = []
        for product in self.products:
            plan = _Product(product, xmlids.full(xmlids.product_xmlid(self.shop.domain, product.id)))
            for variant in product.variants:
                row = self.rows.get(variant.id)
                if row is not None and variant.id not in self.loaded:
                    self.loaded[variant.id] = _snapshot(row)
                if row is None:
                    row = ProductMapping(
                        shop=self.shop, shopify_product_id=product.id, shopify_variant_id=variant.id
                    )
                    self.rows[variant.id] = row
                    self.new_rows.add(variant.id)
                _describe_variant(row, product, variant)
                if row.state == ProductMapping.State.IGNORED:
                    continue
                if row.odoo_product_id is not None and row.state in (Linked, ProductMapping.State.CONFLICT):
                    plan.links[variant.id] = (row.odoo_product_id, row.matched_by)
                    if row.matched_by in OWN_MATCHES and row.odoo_template_id:
                        plan.template_id, plan.own = row.odoo_template_id, True
                else:
                    plan.pending.append(variant)
            if plan.template_id is None:
                templates = {
                    self.rows[v].odoo_template_id
                    for v in plan.links
                    if self.rows[v].odoo_template_id is not None
                }
                if len(templates) == 1:
                    plan.template_id = templates.pop()
            plans.append(plan)
        self.removed = list(
            ProductMapping.objects.filter(
                shop=self.shop, shopify_product_id__in=[p.id for p in self.products]
            )
            .exclude(shopify_variant_id__in=ids)
            .exclude(state__in=(ProductMapping.State.DELETED, ProductMapping.State.IGNORED))
        )
        return plans

    def _shopify_duplicates(self) -> None:
        """A SKU (or barcode) on two Shopify variants of the shop: neither is linked by it, nor written."""
        for label, attribute, conflicts in (
            ("SKU", "sku", self.sku_conflicts),
            ("barcode", "barcode", self.barcode_conflicts),
        ):
            holders: dict[str, list[str]] = defaultdict(list)
            for product in self.products:
                for variant in product.variants:
                    value = getattr(variant, attribute)
                    if value and self.rows[variant.id].state != ProductMapping.State.IGNORED:
                        holders[value].append(mapping.variant_label(product, variant))
            if not holders:
                continue
            others = (
                ProductMapping.objects.filter(shop=self.shop, **{f"{attribute}__in": list(holders)})
                .exclude(shopify_variant_id__in=list(self.rows))
                .exclude(state__in=(ProductMapping.State.DELETED, ProductMapping.State.IGNORED))
                .values_list(attribute, "product_title", "variant_title")
            )
            for value, title, variant_title in others:
                holders[value].append(f"'{title} - {variant_title}'" if variant_title else f"'{title}'")
            for product in self.products:
                for variant in product.variants:
                    value = getattr(variant, attribute)
                    if value and len(holders[value]) > 1:
                        conflicts[variant.id] = (
                            f"The {label} '{value}' is on several Shopify variants: {', '.join(holders[value])}. "
                            f"Give each variant its own {label} in Shopify."
                        )

    def _match_external_ids(self, plans: list[_Product]) -> None:
        """Products with unlinked variants whose template Synco made before (its external id)."""
        wanted = [plan for plan in plans if plan.pending and not plan.own]
        if not wanted:
            return
        found = odoo_catalog.templates_by_xmlid(self.client, [plan.xmlid for plan in wanted])
        for plan in wanted:
            if plan.xmlid in found:
                plan.template_id, plan.own = found[plan.xmlid], True

    def _match_codes(self, plans: list[_Product]) -> None:
        """Unlinked variants of products without a Synco template, by SKU then barcode (the shop's order)."""
        pending = [
            (plan, variant)
            for plan in plans
            if not plan.own
            for variant in plan.pending
            if variant.id not in self.sku_conflicts
        ]
        if not pending:
            return
        # Odoo product -> the Shopify variant linked to it (this batch's, then other variants' as found)
        taken: dict[int, int] = {}
        for plan in plans:
            taken.update({product_id: variant_id for variant_id, (product_id, _) in plan.links.items()})
        for field_name in self.context.lookup:
            attribute, label, how = (
                ("sku", "SKU", "sku") if field_name == "default_code" else ("barcode", "barcode", "barcode")
            )
            todo = [
                (plan, variant)
                for plan, variant in pending
                if variant.id not in plan.links
                and getattr(variant, attribute)
                and not (attribute == "barcode" and variant.id in self.barcode_conflicts)
                and variant.id not in self._problems
            ]
            if not todo:
                continue
            found: dict[str, list[OdooVariant]] = defaultdict(list)
            for odoo_variant in odoo_catalog.find_variants(
                self.client, field_name, [getattr(variant, attribute) for _, variant in todo]
            ):
                found[getattr(odoo_variant, field_name)].append(odoo_variant)
            candidate_ids = [odoo_variant.id for group in found.values() for odoo_variant in group]
            for product_id, variant_id in (
                ProductMapping.objects.filter(shop=self.shop, state=Linked, odoo_product_id__in=candidate_ids)
                .exclude(shopify_variant_id__in=list(self.rows))
                .values_list("odoo_product_id", "shopify_variant_id")
            ):
                if product_id is not None:
                    taken.setdefault(product_id, variant_id)
            for plan, variant in todo:
                candidates = found.get(getattr(variant, attribute), [])
                if not candidates:
                    continue
                active = [c for c in candidates if c.active] or candidates
                if len(active) > 1:
                    listed = ", ".join(f"#{c.id}{'' if c.active else ' (archived)'}" for c in active)
                    self._problem(
                        variant,
                        ProductMapping.State.CONFLICT,
                        f"Several Odoo products have the {label} '{getattr(variant, attribute)}' ({listed}). "
                        "Keep it on one product only, or link the right one on the mapping page.",
                    )
                    continue
                chosen = active[0]
                holder = taken.get(chosen.id)
                if holder is not None and holder != variant.id:
                    self._problem(
                        variant,
                        ProductMapping.State.CONFLICT,
                        f"The Odoo product #{chosen.id} with the {label} '{getattr(variant, attribute)}' is "
                        f"already linked to another Shopify variant (id {holder}).",
                    )
                    continue
                taken[chosen.id] = variant.id
                plan.links[variant.id] = (chosen.id, how)
                self.rows[variant.id].odoo_template_id = chosen.template_id
        for plan in plans:
            if not plan.own:
                plan.pending = [variant for variant in plan.pending if variant.id not in plan.links]
                templates = {self.rows[v].odoo_template_id for v in plan.links}
                plan.template_id = templates.pop() if len(templates) == 1 else None

    def _problem(self, variant: ShopifyVariant, state: str, text: str) -> None:
        self._problems[variant.id] = (state, text)

    def _decide_creations(self, plans: list[_Product]) -> None:
        for plan in plans:
            if plan.own or not plan.pending:
                continue
            if plan.links:
                template = (
                    f"Odoo product template #{plan.template_id}"
                    if plan.template_id
                    else "other Odoo products"
                )
                for variant in plan.pending:
                    if variant.id not in self._problems:
                        self._problem(
                            variant,
                            ProductMapping.State.MISSING,
                            f"No Odoo product matches {mapping.variant_label(plan.product, variant)}; the product's "
                            f"other variants are on {template}, which Synco did not create, so it adds no variant "
                            "there. Create it in Odoo with this SKU, or link it on the mapping page.",
                        )
                continue
            blocked = [v for v in plan.pending if v.id in self._problems or v.id in self.sku_conflicts]
            if blocked:
                # Never a guess, never a second copy: the conflict is resolved first, then the product imported.
                for variant in plan.pending:
                    if variant.id not in self._problems and variant.id not in self.sku_conflicts:
                        self._problem(
                            variant,
                            ProductMapping.State.MISSING,
                            f"Not created: {mapping.variant_label(plan.product, blocked[0])} of the same product "
                            "has a conflict to resolve first.",
                        )
                continue
            if self.context.create_missing:
                plan.create = True
                continue
            for variant in plan.pending:
                if variant.id not in self._problems:
                    codes = " or ".join(
                        text
                        for text in (
                            f"SKU '{variant.sku}'" if variant.sku else "",
                            f"barcode '{variant.barcode}'" if variant.barcode else "",
                        )
                        if text
                    )
                    self._problem(
                        variant,
                        ProductMapping.State.MISSING,
                        f"No Odoo product has the {codes}: create it in Odoo, or turn on 'create missing "
                        "products' in the catalogue settings."
                        if codes
                        else "The variant has neither a SKU nor a barcode, and creating missing products is off.",
                    )

    # -- creating and extending templates ---------------------------------------------------------------

    def _ensure_values(self, plans: list[_Product]) -> None:
        options: dict[str, list[str]] = {}
        for plan in plans:
            for option in plan.product.options:
                known = options.setdefault(option.name, [])
                known.extend(value for value in option.values if value not in known)
        missing = {
            name: [value for value in values if (name, value) not in self.value_ids]
            for name, values in options.items()
        }
        missing = {name: values for name, values in missing.items() if values}
        if not missing:
            return
        self.value_ids.update(odoo_catalog.ensure_attributes(self.client, missing))
        self.attribute_ids.update(odoo_catalog.attribute_ids(self.client, list(missing)))

    def _lines(self, product: ShopifyProduct) -> list[tuple[int, list[int]]]:
        return [
            (
                self.attribute_ids[option.name],
                [self.value_ids[(option.name, value)] for value in option.values],
            )
            for option in product.options
        ]

    def _create(self, plans: list[_Product]) -> None:
        creating = [plan for plan in plans if plan.create]
        if not creating:
            return
        self._ensure_values(creating)
        specs = [
            TemplateSpec(
                xmlid=plan.xmlid,
                values=mapping.template_values(
                    plan.product, storable_values=self.context.storable, service_values=self.context.service
                ),
                lines=self._lines(plan.product),
            )
            for plan in creating
        ]
        self.trace.before({plan.xmlid: plan.product.id for plan in creating})
        created = odoo_catalog.create_templates(self.client, specs)
        for plan in creating:
            plan.template_id, plan.own = created[plan.xmlid], True
        self.trace.created.update(plan.xmlid for plan in creating)

    def _extend(self, plans: list[_Product]) -> None:
        """Variants new to a template Synco made: their option values are added to it (Odoo adds variants)."""
        extending = [
            plan for plan in plans if plan.own and not plan.create and plan.pending and plan.product.options
        ]
        if not extending:
            return
        self._ensure_values(extending)
        for plan in extending:
            assert plan.template_id is not None
            self.trace.before({plan.template_id: plan.product.id})
            odoo_catalog.add_attribute_values(self.client, plan.template_id, self._lines(plan.product))

    # -- writes ------------------------------------------------------------------------------------------

    def _template_written(self, plan: _Product) -> dict[str, Any]:
        for variant in plan.product.variants:
            written = self.rows[variant.id].written.get("template")
            if written:
                return dict(written)
        return {}

    def _write_templates(self, plans: list[_Product]) -> None:
        self._mark_shared(plans)
        rows: dict[int, dict[str, Any]] = {}
        for plan in plans:
            if plan.template_id is None or plan.shared:
                continue
            desired = mapping.template_values(
                plan.product, storable_values=self.context.storable, service_values=self.context.service
            )
            if plan.create:  # the load() wrote every field
                for variant in plan.product.variants:
                    row = self.rows[variant.id]
                    row.written = {**row.written, "template": mapping.digest(desired)}
                continue
            written = self._template_written(plan)
            changes = mapping.changes(
                desired,
                written,
                mapping.TEMPLATE_FIELD_OWNERS,
                self.context.ownership,
                everything=plan.own and not written,
            )
            if changes:
                rows[plan.template_id] = changes
                self.touched.update(variant.id for variant in plan.product.variants)
                if changes.get("active") is True and plan.own:
                    self.reactivated.add(plan.template_id)
            plan_written = {**written, **mapping.digest(changes)}
            for variant in plan.product.variants:
                self.rows[variant.id].written = {**self.rows[variant.id].written, "template": plan_written}
        if rows:
            self.trace.before({template: self._product_of_template(plans, template) for template in rows})
            odoo_catalog.write_templates(self.client, rows)

    def _mark_shared(self, plans: list[_Product]) -> None:
        """Templates that hold variants of several Shopify products (matched by SKU): Synco writes no template
        field there (each product would overwrite the others')."""
        counts = Counter(plan.template_id for plan in plans if plan.template_id is not None and not plan.own)
        candidates = [template for template in counts if template is not None]
        elsewhere = (
            set(
                ProductMapping.objects.filter(shop=self.shop, odoo_template_id__in=candidates, state=Linked)
                .exclude(shopify_product_id__in=[plan.product.id for plan in plans])
                .values_list("odoo_template_id", flat=True)
            )
            if candidates
            else set()
        )
        for plan in plans:
            if not plan.own and plan.template_id is not None:
                plan.shared = counts[plan.template_id] > 1 or plan.template_id in elsewhere

    @staticmethod
    def _product_of_template(plans: list[_Product], template_id: int) -> int:
        return next(plan.product.id for plan in plans if plan.template_id == template_id)

    def _read_and_match_variants(self, plans: list[_Product]) -> None:
        """Read the variants of the templates Synco made whose variants must be placed (new, extended,
        reactivated), and link each Shopify variant to the one with its combination of values."""
        reading = [
            plan
            for plan in plans
            if plan.own
            and plan.template_id is not None
            and (plan.pending or plan.template_id in self.reactivated)
        ]
        if not reading:
            return
        self._ensure_values([plan for plan in reading if plan.pending])
        by_template: dict[int, list[OdooVariant]] = defaultdict(list)
        for odoo_variant in odoo_catalog.read_variants(
            self.client, [plan.template_id for plan in reading if plan.template_id]
        ):
            by_template[odoo_variant.template_id].append(odoo_variant)
        for plan in reading:
            assert plan.template_id is not None
            odoo_variants = by_template.get(plan.template_id, [])
            self.variants_of[plan.template_id] = odoo_variants
            by_values = {tuple(sorted(v.value_ids)): v for v in odoo_variants}
            for variant in plan.pending:
                if plan.product.options:
                    key = tuple(sorted(self.value_ids[pair] for pair in variant.options))
                    match = by_values.get(key)
                else:
                    match = odoo_variants[0] if len(odoo_variants) == 1 else None
                if match is None:
                    self._problem(
                        variant,
                        ProductMapping.State.MISSING,
                        f"Odoo's product template #{plan.template_id} has no variant with the options of "
                        f"{mapping.variant_label(plan.product, variant)}.",
                    )
                    continue
                made = plan.create or plan.xmlid in self.trace.created
                plan.links[variant.id] = (match.id, "created" if made else "external id")
            plan.pending = [variant for variant in plan.pending if variant.id not in plan.links]
            for variant_id in plan.links:
                self.rows[variant_id].odoo_template_id = plan.template_id

    def _write_variants(self, plans: list[_Product]) -> None:
        rows: dict[int, dict[str, Any]] = {}
        keys: dict[str | int, int] = {}
        for plan in plans:
            active = mapping.is_active(plan.product)
            for variant in plan.product.variants:
                if variant.id not in plan.links:
                    continue
                product_id, how = plan.links[variant.id]
                row = self.rows[variant.id]
                written = dict(row.written.get("variant") or {})
                first = how in OWN_MATCHES and not written
                desired = mapping.variant_values(variant, active=active, creating=first)
                changes = mapping.changes(
                    desired, written, mapping.VARIANT_FIELD_OWNERS, self.context.ownership, everything=first
                )
                if variant.id in self.sku_conflicts:
                    changes.pop("default_code", None)
                    if first:
                        changes["default_code"] = ""
                if variant.id in self.barcode_conflicts:
                    changes.pop("barcode", None)
                    if first:
                        changes["barcode"] = ""
                if not first:
                    # Synco never clears a code Odoo has: a variant without one in Shopify leaves Odoo's.
                    for code in ("default_code", "barcode"):
                        if changes.get(code) == "":
                            del changes[code]
                if changes:
                    rows[product_id] = changes
                    keys[product_id] = plan.product.id
                    self.touched.add(variant.id)
                row.written = {**row.written, "variant": {**written, **mapping.digest(changes)}}
            if plan.own and plan.template_id in self.variants_of:
                linked = {product_id for product_id, _ in plan.links.values()}
                linked |= {
                    row.odoo_product_id
                    for row in self.rows.values()
                    if row.odoo_template_id == plan.template_id and row.odoo_product_id
                }
                for odoo_variant in self.variants_of[plan.template_id]:
                    if odoo_variant.active and odoo_variant.id not in linked:
                        # A combination Shopify does not sell: Odoo made it, Synco archives it.
                        rows[odoo_variant.id] = {"active": False}
                        keys[odoo_variant.id] = plan.product.id
        for removed in self.removed:
            # A variant deleted in Shopify: archived in Odoo (never deleted), like a deleted product.
            if removed.odoo_product_id and (
                removed.matched_by in OWN_MATCHES or self.context.ownership.owns("active")
            ):
                rows[removed.odoo_product_id] = {"active": False}
                keys[removed.odoo_product_id] = removed.shopify_product_id
        rows = _uniform(rows)
        if rows:
            self.trace.before(keys)
            odoo_catalog.write_variants(self.client, rows)

    def _write_extras(self, plans: list[_Product]) -> None:
        rows: dict[int, dict[int, Decimal]] = {}
        for plan in plans:
            if not plan.own or plan.template_id is None or not plan.product.options:
                continue
            extras = mapping.price_extras(plan.product)
            written = self._extras_written(plan)
            pairs = [(option.name, value) for option in plan.product.options for value in option.values]
            first = plan.create or written is None
            changes = mapping.extras_changes(
                extras.extras, written or {}, pairs, self.context.ownership, everything=first
            )
            problem = "" if extras.additive else mapping.NOT_ADDITIVE_PROBLEM.format(base=extras.base)
            for variant in plan.product.variants:
                row = self.rows[variant.id]
                if first or changes:
                    row.written = {**row.written, "extras": mapping.extras_digest(extras.extras)}
                if variant.id in plan.links and variant.id not in self._problems:
                    self._problems.setdefault(variant.id, (Linked, problem))
            if changes:
                if any(pair not in self.value_ids for pair in changes):
                    self._ensure_values([plan])
                rows[plan.template_id] = {self.value_ids[pair]: extra for pair, extra in changes.items()}
                self.touched.update(variant.id for variant in plan.product.variants)
        if rows:
            self.trace.before({template: self._product_of_template(plans, template) for template in rows})
            odoo_catalog.set_price_extras(self.client, rows)

    def _extras_written(self, plan: _Product) -> dict[str, str] | None:
        for variant in plan.product.variants:
            written = self.rows[variant.id].written
            if "extras" in written:
                return dict(written["extras"])
        return None

    # -- saving ------------------------------------------------------------------------------------------

    def _save(self, plans: list[_Product]) -> None:
        links: dict[str, int] = {}
        for plan in plans:
            for variant in plan.product.variants:
                row = self.rows[variant.id]
                if row.state == ProductMapping.State.IGNORED:
                    continue
                previous = (
                    row.state,
                    row.odoo_product_id if row.state != ProductMapping.State.DELETED else None,
                )
                state, problem = self._problems.get(variant.id, (Linked, ""))
                if variant.id in plan.links:
                    product_id, how = plan.links[variant.id]
                    row.odoo_product_id = product_id
                    row.matched_by = how
                    conflict = self.sku_conflicts.get(variant.id) or self.barcode_conflicts.get(variant.id)
                    if conflict:
                        row.state, row.problem = ProductMapping.State.CONFLICT, conflict
                    else:
                        row.state, row.problem = Linked, problem if state == Linked else ""
                    key = mapping.link_key(variant)
                    # A link only by a code no other Shopify variant has: orders must never pick the wrong one.
                    ambiguous = variant.id in self.sku_conflicts or (
                        not variant.sku and variant.id in self.barcode_conflicts
                    )
                    if key and not ambiguous:
                        links[key] = product_id
                    if previous[1] != product_id:
                        if how == "created":
                            self.summary.created += 1
                        else:
                            self.summary.linked += 1
                    elif variant.id in self.touched:
                        self.summary.updated += 1
                    else:
                        self.summary.unchanged += 1
                else:
                    conflict = self.sku_conflicts.get(variant.id)
                    row.state, row.problem = (
                        (ProductMapping.State.CONFLICT, conflict) if conflict else (state, problem)
                    )
                    if row.state == Linked:  # nothing placed it: say so rather than claim a link
                        row.state = ProductMapping.State.MISSING
                        row.problem = row.problem or "No Odoo product was found or created for this variant."
                    self.summary.problems += 1
        taxes = self._new_link_taxes(links)
        now = timezone.now()
        new = [self.rows[v] for v in self.new_rows]
        # Only rows that changed are written: an unchanged re-run of a large catalogue costs reads only.
        changed = [
            row
            for v, row in self.rows.items()
            if v not in self.new_rows and _snapshot(row) != self.loaded.get(v)
        ]
        for row in [*new, *changed, *self.removed]:
            row.updated_at = now  # bulk_update leaves auto_now fields alone
        with transaction.atomic():
            ProductMapping.objects.bulk_create(new)
            if changed:
                ProductMapping.objects.bulk_update(changed, [*SAVED_FIELDS, "updated_at"])
            for removed in self.removed:
                removed.state = ProductMapping.State.DELETED
                removed.problem = "Removed from the product in Shopify; archived in Odoo."
            if self.removed:
                ProductMapping.objects.bulk_update(self.removed, ["state", "problem", "updated_at"])
            ProductLink.objects.bulk_create(
                [
                    ProductLink(
                        shop=self.shop,
                        sku=key,
                        odoo_product_id=product_id,
                        default_tax_ids=taxes[key],
                        updated_at=now,
                    )
                    for key, product_id in links.items()
                    if key in taxes
                ],
                update_conflicts=True,
                unique_fields=["shop", "sku"],
                update_fields=["odoo_product_id", "default_tax_ids", "updated_at"],
            )

    def _new_link_taxes(self, links: dict[str, int]) -> dict[str, list[int]]:
        """Links to add or repoint, with the product's default sale taxes (orders need them): one read."""
        current = dict(
            ProductLink.objects.filter(shop=self.shop, sku__in=list(links)).values_list(
                "sku", "odoo_product_id"
            )
        )
        changed = {key: product_id for key, product_id in links.items() if current.get(key) != product_id}
        if not changed:
            return {}
        rows = self.client.call(
            "product.product",
            "search_read",
            domain=[["id", "in", sorted(set(changed.values()))], ["active", "in", [True, False]]],
            fields=["id", "taxes_id"],
        )
        taxes = {int(row["id"]): [int(t) for t in row.get("taxes_id") or []] for row in rows}
        return {key: taxes[product_id] for key, product_id in changed.items() if product_id in taxes}


SAVED_FIELDS = (
    "shopify_product_id",
    "product_title",
    "variant_title",
    "sku",
    "barcode",
    "price",
    "odoo_product_id",
    "odoo_template_id",
    "state",
    "problem",
    "matched_by",
    "written",
    "shopify_updated_at",
)


def _snapshot(row: ProductMapping) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in SAVED_FIELDS)


def _uniform(rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Rows as they are (write_variants makes one load() per distinct set of columns)."""
    return {record_id: values for record_id, values in rows.items() if values}


def import_product_ids(shop_id: int, product_ids: list[int], *, create: bool = False) -> ImportSummary:
    """Read these products again from Shopify and import them (`create`: create what matches nothing even
    when the shop does not create missing products). A product Shopify no longer has is left alone."""
    shop = Shop.objects.get(pk=shop_id)
    shopify = shopify_client_for(shop)
    products = [
        p for p in (shopify_catalog.fetch_product(shopify, pid) for pid in product_ids) if p is not None
    ]
    client = odoo_client_for(shop)
    try:
        return import_products(shop, client, products, create_missing=True if create else None)
    finally:
        client.close()


# -- deletions (products/delete) ---------------------------------------------------------------------------


def archive_deleted_product(shop: Shop, client: OdooClient, shopify_product_id: int) -> tuple[int, str]:
    """A product deleted in Shopify: archive what Synco made for it in Odoo (never delete), mark its mappings
    deleted. Products matched by SKU are archived only when Shopify owns 'active'. Returns (variants, text)."""
    rows = list(
        ProductMapping.objects.filter(shop=shop, shopify_product_id=shopify_product_id).exclude(
            state=ProductMapping.State.DELETED
        )
    )
    if not rows:
        return 0, f"Product {shopify_product_id} was never imported: nothing to archive."
    ownership = ownership_of(settings_for(shop))
    templates = {
        row.odoo_template_id
        for row in rows
        if row.matched_by in OWN_MATCHES and row.odoo_template_id is not None
    }
    variants = {
        row.odoo_product_id
        for row in rows
        if row.odoo_product_id is not None
        and row.odoo_template_id not in templates
        and row.state != ProductMapping.State.IGNORED
        and ownership.owns("active")
    }
    odoo_catalog.archive_templates(client, templates)
    odoo_catalog.archive_variants(client, variants)
    ProductMapping.objects.filter(pk__in=[row.pk for row in rows]).update(
        state=ProductMapping.State.DELETED,
        problem="Deleted in Shopify; archived in Odoo." if templates or variants else "Deleted in Shopify.",
        updated_at=timezone.now(),
    )
    title = rows[0].product_title or f"product {shopify_product_id}"
    text = (
        f"'{title}' was deleted in Shopify: archived {len(templates)} Odoo template(s) and {len(variants)} "
        "variant(s) (nothing deleted)."
    )
    record = start_attempt(
        shop_id=shop.pk,
        operation="archive_product",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref=f"product {shopify_product_id}",
    )
    finish_attempt(record, succeeded=True, message=text, odoo_model="product.template", rpc_calls=2)
    return len(rows), text


# -- full import (CatalogueRun) ----------------------------------------------------------------------------

BULK_POLL_SECONDS = 2.0
RETRY_SECONDS = 30.0
# Shopify keeps a bulk operation's result file for 7 days; a run resumed later starts a new operation.
RESULT_KEPT = timedelta(days=6)
# A run whose task shows no sign of life this long (its worker died and the task was lost) blocks no new run.
STALE_AFTER = timedelta(minutes=30)


def _fail_stale_runs(shop_id: int) -> None:
    cutoff = timezone.now() - STALE_AFTER
    for run in CatalogueRun.objects.filter(
        shop_id=shop_id, kind=CatalogueRun.Kind.PRODUCTS, status__in=CatalogueRun.ACTIVE
    ):
        if (run.heartbeat_at or run.created_at) < cutoff:
            CatalogueRun.objects.filter(pk=run.pk, status=run.status).update(
                status=CatalogueRun.Status.FAILED,
                finished_at=timezone.now(),
                error="The import stopped responding (its worker was lost). Resume it to go on from where it "
                "was, or start a new one.",
            )


class ImportRefusedError(ValueError):
    """A shop runs one product import at a time."""


def start_product_import(shop_id: int) -> CatalogueRun:
    """Queue a full product import of the shop; refused while another one is under way."""
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
        _fail_stale_runs(shop_id)
        running = (
            CatalogueRun.objects.filter(
                shop_id=shop_id, kind=CatalogueRun.Kind.PRODUCTS, status__in=CatalogueRun.ACTIVE
            )
            .order_by("-created_at")
            .first()
        )
        if running is not None:
            raise ImportRefusedError(
                "A product import is already under way (started "
                f"{shop_clock(running.created_at, shop.iana_timezone if shop else '', '%Y-%m-%d %H:%M %Z')}, "
                f"{running.get_status_display().lower()}): wait for it to finish, or stop it first."
            )
        run = CatalogueRun.objects.create(shop_id=shop_id, kind=CatalogueRun.Kind.PRODUCTS)
        queue.delay_on_commit("products.tasks.product_import_task", run.pk)
    return run


def stop_product_import(run: CatalogueRun) -> bool:
    """Ask a run to stop after its current batch (a queued one, or one waiting on Shopify, stops at once)."""
    CatalogueRun.objects.filter(pk=run.pk).update(stop_requested=True)
    if CatalogueRun.objects.filter(
        pk=run.pk, status__in=(CatalogueRun.Status.QUEUED, CatalogueRun.Status.STARTING)
    ).update(status=CatalogueRun.Status.STOPPED, finished_at=timezone.now()):
        return True
    return bool(
        CatalogueRun.objects.filter(pk=run.pk, status=CatalogueRun.Status.RUNNING).update(
            status=CatalogueRun.Status.STOPPING
        )
    )


def resume_product_import(run: CatalogueRun) -> bool:
    """Queue a stopped or failed run again: it continues after its checkpoint (Shopify's file is read again;
    when that has expired, a new bulk operation is started)."""
    _fail_stale_runs(run.shop_id)
    run.refresh_from_db()
    if (
        CatalogueRun.objects.filter(shop_id=run.shop_id, kind=run.kind, status__in=CatalogueRun.ACTIVE)
        .exclude(pk=run.pk)
        .exists()
    ):
        raise ImportRefusedError("Another product import is under way: wait for it to finish.")
    values: dict[str, Any] = {
        "status": CatalogueRun.Status.QUEUED,
        "error": "",
        "finished_at": None,
        "stop_requested": False,
    }
    if not run.result_url or run.started_at is None or run.started_at < timezone.now() - RESULT_KEPT:
        # No file, or Shopify no longer keeps it: a new bulk operation, read from the start (what is already
        # imported costs no Odoo call); a checkpoint in another file would skip the wrong products.
        values.update(bulk_operation_id="", result_url="", done=0, total=0, started_at=None)
    resumed = CatalogueRun.objects.filter(
        pk=run.pk, status__in=(CatalogueRun.Status.STOPPED, CatalogueRun.Status.FAILED)
    ).update(**values)
    if resumed:
        queue.delay_on_commit("products.tasks.product_import_task", run.pk)
    return bool(resumed)


def run_product_import(run_id: int) -> float | None:
    """One step of a full import: start Shopify's bulk operation, or poll it, or stream its result into Odoo
    from the checkpoint on. Returns when to run the next step (None: the run is over or not this task's)."""
    run = (
        CatalogueRun.objects.select_related("shop").filter(pk=run_id, kind=CatalogueRun.Kind.PRODUCTS).first()
    )
    if run is None or run.status not in CatalogueRun.ACTIVE:
        return None
    if run.stop_requested or run.status == CatalogueRun.Status.STOPPING:
        _finish(run, CatalogueRun.Status.STOPPED)
        return None
    if run.shop.uninstalled_at is not None:
        _finish(run, CatalogueRun.Status.FAILED, "The app was uninstalled from this shop.")
        return None
    CatalogueRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    try:
        shopify = shopify_client_for(run.shop)
        if run.status == CatalogueRun.Status.QUEUED and not run.result_url:
            operation_id = shopify_catalog.start_bulk_products(shopify)
            CatalogueRun.objects.filter(pk=run.pk).update(
                status=CatalogueRun.Status.STARTING,
                bulk_operation_id=operation_id,
                started_at=run.started_at or timezone.now(),
            )
            return BULK_POLL_SECONDS
        if not run.result_url:
            status = shopify.bulk_status(run.bulk_operation_id)
            if not status.finished:
                return BULK_POLL_SECONDS
            if status.status != "COMPLETED":
                reason = f"Shopify's bulk operation ended {status.status.lower()}" + (
                    f" ({status.error_code})" if status.error_code else ""
                )
                _finish(run, CatalogueRun.Status.FAILED, f"{reason}. Start the import again.")
                return None
            run.result_url = status.url
            run.total = status.object_count
            CatalogueRun.objects.filter(pk=run.pk).update(
                result_url=status.url, total=status.object_count, status=CatalogueRun.Status.RUNNING
            )
            if not status.url:  # an empty shop: Shopify writes no file
                _finish(run, CatalogueRun.Status.DONE)
                return None
        elif run.status == CatalogueRun.Status.QUEUED:
            CatalogueRun.objects.filter(pk=run.pk).update(status=CatalogueRun.Status.RUNNING)
        return _stream(run, shopify)
    except TransientGatewayError as exc:
        logger.info(
            "product import waits after a passing fault", extra={"run_id": run.pk, "error": exc.message}
        )
        CatalogueRun.objects.filter(pk=run.pk).update(error=exc.message)
        return RETRY_SECONDS
    except GatewayError as exc:
        _finish(run, CatalogueRun.Status.FAILED, exc.message)
        return None
    except SoftTimeLimitExceeded:
        # Out of time mid-batch (settings.SYNCO_STEP_SOFT_TIME_LIMIT): the next step goes on from the checkpoint.
        logger.warning("product import step stopped at its time limit", extra={"run_id": run.pk})
        return 0.0
    except Exception:
        # A bug, not a passing fault: the run says so (and blocks no new run) instead of staying "running".
        logger.exception("product import failed unexpectedly", extra={"run_id": run.pk})
        _finish(
            run,
            CatalogueRun.Status.FAILED,
            f"Unexpected error in Synco (import #{run.pk}); it has been logged.",
        )
        return None


class _StepOver(Exception):
    """The step used its time: the next one goes on from the checkpoint."""


class _Stopped(Exception):
    """The merchant asked the run to stop: it ends after the batch just written."""


def _stream(run: CatalogueRun, shopify: Any) -> float | None:
    """Import the file's products after the checkpoint; `done` counts the file's objects (a product and its
    variants) so a run taken over after a worker died goes on where the last batch ended."""
    client = odoo_client_for(run.shop)
    skip = run.done
    seen = 0
    failures: list[str] = []
    deadline = time.monotonic() + STEP_SECONDS

    def on_error(error: CatalogParseError) -> None:
        failures.append(str(error))

    def remaining() -> Iterator[ShopifyProduct]:
        nonlocal seen
        for product in shopify_catalog.iter_bulk_products(shopify, run.result_url, on_error=on_error):
            size = 1 + len(product.variants)
            if seen + size <= skip:
                seen += size
                continue
            yield product

    def checkpoint(products: list[ShopifyProduct], summary: ImportSummary) -> None:
        nonlocal seen
        seen += sum(1 + len(product.variants) for product in products)
        CatalogueRun.objects.filter(pk=run.pk).update(
            done=max(seen, skip),
            created=F("created") + summary.created,
            linked=F("linked") + summary.linked,
            updated=F("updated") + summary.updated,
            unchanged=F("unchanged") + summary.unchanged,
            failed=F("failed") + summary.failed + len(failures),
            error="",
            heartbeat_at=timezone.now(),
        )
        _record_parse_failures(run, failures)
        failures.clear()
        current = CatalogueRun.objects.filter(pk=run.pk).values_list("stop_requested", "status").get()
        if current[0] or current[1] == CatalogueRun.Status.STOPPING:
            raise _Stopped
        if time.monotonic() > deadline:
            raise _StepOver

    try:
        import_products(run.shop, client, remaining(), batch=BATCH_VARIANTS, after_batch=checkpoint)
    except _Stopped:
        _finish(run, CatalogueRun.Status.STOPPED)
        return None
    except _StepOver:
        return 0.0
    finally:
        client.close()
    _record_parse_failures(run, failures)
    _finish(run, CatalogueRun.Status.DONE)
    return None


def _record_parse_failures(run: CatalogueRun, failures: list[str]) -> None:
    for failure in failures:
        record = start_attempt(
            shop_id=run.shop_id, operation="import_products", object_type=SyncAttempt.Object.PRODUCT
        )
        finish_attempt(record, succeeded=False, message=f"Not imported: {failure}")


def _finish(run: CatalogueRun, status: str, error: str = "") -> None:
    now = timezone.now()
    values: dict[str, Any] = {"status": status, "finished_at": now, "error": error}
    if status == CatalogueRun.Status.DONE:
        values["done"] = F("total")
    CatalogueRun.objects.filter(pk=run.pk).update(**values)
    if status == CatalogueRun.Status.DONE and run.started_at is not None:
        # Everything updated before the bulk operation started is in: the sweep goes on from there.
        settings = settings_for(run.shop)
        if settings.products_swept_until is None or settings.products_swept_until < run.started_at:
            CatalogueSettings.objects.filter(pk=settings.pk).update(products_swept_until=run.started_at)


# -- sweep --------------------------------------------------------------------------------------------------

# Products updated this long before the watermark are read again: Shopify's search index lags a little.
SWEEP_OVERLAP = timedelta(minutes=5)


def shops_to_sweep() -> list[int]:
    """Installed shops whose catalogue was imported once (their watermark is set), with no full run under way."""
    busy = CatalogueRun.objects.filter(
        kind=CatalogueRun.Kind.PRODUCTS, status__in=CatalogueRun.ACTIVE
    ).values("shop_id")
    return list(
        CatalogueSettings.objects.filter(
            products_swept_until__isnull=False, shop__uninstalled_at__isnull=True, shop__odoo__isnull=False
        )
        .exclude(shop_id__in=busy)
        .values_list("shop_id", flat=True)
    )


def sweep_products(shop_id: int) -> ImportSummary | None:
    """Import the products updated in Shopify since the shop's watermark (lost webhooks), then move it on."""
    settings = CatalogueSettings.objects.select_related("shop").filter(shop_id=shop_id).first()
    if settings is None or settings.products_swept_until is None or settings.shop.uninstalled_at is not None:
        return None
    started = timezone.now()
    since = (settings.products_swept_until - SWEEP_OVERLAP).astimezone(UTC)
    shopify = shopify_client_for(settings.shop)
    client = odoo_client_for(settings.shop)
    try:
        query = f"updated_at:>'{since:%Y-%m-%dT%H:%M:%SZ}'"
        summary = import_products(settings.shop, client, shopify_catalog.iter_products(shopify, query=query))
    finally:
        client.close()
    CatalogueSettings.objects.filter(pk=settings.pk).update(products_swept_until=started)
    return summary
