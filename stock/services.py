"""Stock levels from Odoo to Shopify: matching, location mapping, coalesced pushes, the sweep and drift reports.

Odoo is the stock master: Synco sets Shopify's `available` per item and location to the Odoo figure of the
mapped Odoo locations (less the shop's buffer) with `inventorySetQuantities`. A notification from Odoo is only a
trigger: the figures are read again from Odoo when the push runs.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils import timezone

from orders.models import NOT_HELD_IN_ODOO, Order, SyncStatus
from products.models import ProductLink
from products.services import lookup_order as product_lookup_fields
from stock import mapping
from stock.mapping import DesiredLevel, ItemRef, LocationRef
from stock.models import (
    DriftReport,
    DriftRow,
    InventoryLink,
    KnownLevel,
    LocationMapping,
    PendingChange,
    StockPush,
    StockSettings,
    new_webhook_token,
)
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import queue
from synco.errors import GatewayError, PermanentGatewayError, TransientGatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient, OdooLocation, OdooProduct, OdooWarehouse
from synco.odoo.stock_notifications import (
    NotificationRules,
    ensure_stock_notifications,
    repoint_stock_notifications,
)
from synco.shopify import inventory
from synco.shopify.client import AccessDeniedError, ShopifyClient
from synco.shopify.inventory import QuantityToSet
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order

logger = logging.getLogger(__name__)

FLUSH_TASK = "stock.tasks.flush_pending_task"
SWEEP_TASK = "stock.tasks.sweep_stock_task"
# Odoo figures are read for this many products per call (a whole catalogue goes through in chunks; the Odoo
# client reads up to its STOCK_CHUNK, 1,000, in one search_read).
FIGURE_CHUNK = 1000
PREVIEW_ITEMS = 10
# Pushes triggered by a change in Odoo leave out the levels Shopify already shows (as Synco last saw them);
# a repair or a full push sets every level it is given.
UNCHANGED_SKIPPED = frozenset({"notification", "sweep", "reassert"})


def record_label(record: OdooWarehouse | OdooLocation) -> str:
    """An Odoo warehouse's or location's name as the merchant knows it (a location's full path)."""
    name = record.name if isinstance(record, OdooWarehouse) else record.complete_name
    return name or f"#{record.id}"


def odoo_for(shop: Shop) -> OdooClient:
    return odoo_client_for(shop)


# -- settings, locations and links ------------------------------------------------------------


def get_settings(shop: Shop) -> StockSettings:
    settings, _ = StockSettings.objects.get_or_create(shop=shop)
    return settings


def refresh_locations(shop: Shop, client: ShopifyClient | None = None) -> list[LocationMapping]:
    """Shopify's locations as mapping rows (new ones unsynced; names kept current; mappings kept)."""
    client = client or shopify_client_for(shop)
    locations = inventory.fetch_locations(client)
    for location in locations:
        LocationMapping.objects.update_or_create(
            shop=shop,
            shopify_location_gid=location.gid,
            defaults={
                "shopify_location_name": location.name,
                "fulfills_online_orders": location.fulfills_online_orders,
            },
        )
    return list(LocationMapping.objects.filter(shop=shop))


def map_location(
    shop: Shop,
    location: LocationMapping,
    *,
    warehouse_id: int | None,
    location_ids: Sequence[int],
    odoo: OdooClient | None = None,
) -> LocationMapping:
    """Map a Shopify location to one Odoo warehouse (its stock location and children) or to internal locations."""
    if location.shop_id != shop.pk:
        raise PermanentGatewayError("That location belongs to another shop.")
    if warehouse_id is None and not location_ids:
        location.odoo_warehouse_id = None
        location.odoo_warehouse_name = ""
        location.odoo_location_ids = []
        location.odoo_location_names = []
        location.save()
        return location
    odoo = odoo or odoo_for(shop)
    if warehouse_id is not None:
        warehouses = {w.id: w for w in odoo.warehouses()}
        warehouse = warehouses.get(warehouse_id)
        if warehouse is None:
            raise PermanentGatewayError(f"Odoo has no warehouse {warehouse_id}.")
        location.odoo_warehouse_id = warehouse.id
        location.odoo_warehouse_name = record_label(warehouse)
        location.odoo_location_ids = [warehouse.lot_stock_id]
        location.odoo_location_names = [f"{record_label(warehouse)} stock"]
    else:
        known = {loc.id: loc for loc in odoo.internal_locations()}
        missing = [i for i in location_ids if i not in known]
        if missing:
            raise PermanentGatewayError(f"Odoo has no internal location {', '.join(map(str, missing))}.")
        location.odoo_warehouse_id = None
        location.odoo_warehouse_name = ""
        location.odoo_location_ids = sorted(set(location_ids))
        location.odoo_location_names = [record_label(known[i]) for i in location.odoo_location_ids]
    location.save()
    return location


def location_refs(shop: Shop) -> list[LocationRef]:
    return [
        LocationRef(
            location_gid=m.shopify_location_gid,
            odoo_location_ids=tuple(int(i) for i in m.odoo_location_ids),
            name=m.shopify_location_name,
            fulfills_online_orders=m.fulfills_online_orders,
        )
        for m in LocationMapping.objects.filter(shop=shop)
        if m.odoo_location_ids
    ]


def item_refs(shop: Shop, product_ids: Iterable[int] | None = None) -> list[ItemRef]:
    links = InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=False)
    if product_ids is not None:
        links = links.filter(odoo_product_id__in=list(product_ids))
    return [
        ItemRef(inventory_item_gid=gid, odoo_product_id=int(product or 0), sku=sku)
        for gid, product, sku in links.order_by("id").values_list(
            "inventory_item_gid", "odoo_product_id", "sku"
        )
    ]


def refresh_links(
    shop: Shop,
    *,
    shopify: ShopifyClient | None = None,
    odoo: OdooClient | None = None,
    on_matched: Callable[[list[ItemRef]], None] | None = None,
) -> int:
    """Match every Shopify inventory item to an Odoo product (the shop's product rules); returns the matched.

    Shopify's items are read without their levels (`InventoryMatch`, 250 a page) and each page is matched with
    one Odoo read per lookup field. `on_matched` gets each page's matched items as soon as their links are
    saved (the initial push pipelines on it: a page is pushed while the next one is read)."""
    shopify = shopify or shopify_client_for(shop)
    odoo = odoo or odoo_for(shop)
    rules = OrderRules.objects.filter(shop=shop).first() or OrderRules(shop=shop)
    fields = product_lookup_fields(rules)
    seen: list[str] = []
    matched = 0

    def flush(items: list[inventory.ShopifyInventoryItem]) -> list[ItemRef]:
        cached = dict(
            ProductLink.objects.filter(
                shop=shop, sku__in=[mapping.link_key(i.sku, i.barcode) for i in items]
            ).values_list("sku", "odoo_product_id")
        )
        found: dict[str, dict[str, list[OdooProduct]]] = {}
        for field_name in fields:
            values = [i.sku if field_name == "default_code" else i.barcode for i in items]
            values = [v for v in values if v]
            found[field_name] = mapping.group_by_field(
                odoo.find_products(field_name, values) if values else [], field_name
            )
        by_gid = {i.gid: i for i in items}
        matches = mapping.match_items(items, fields, found, cached)
        now = timezone.now()
        InventoryLink.objects.bulk_create(
            [
                InventoryLink(
                    shop=shop,
                    inventory_item_gid=match.inventory_item_gid,
                    sku=by_gid[match.inventory_item_gid].sku,
                    barcode=by_gid[match.inventory_item_gid].barcode,
                    title=by_gid[match.inventory_item_gid].title[:500],
                    odoo_product_id=match.odoo_product_id,
                    unmatched_reason=match.reason,
                    updated_at=now,
                )
                for match in matches
            ],
            update_conflicts=True,
            unique_fields=["shop", "inventory_item_gid"],
            update_fields=["sku", "barcode", "title", "odoo_product_id", "unmatched_reason", "updated_at"],
        )
        return [
            ItemRef(
                inventory_item_gid=match.inventory_item_gid,
                odoo_product_id=int(match.odoo_product_id),
                sku=by_gid[match.inventory_item_gid].sku,
            )
            for match in matches
            if match.odoo_product_id is not None
        ]

    for page in inventory.iter_inventory_pages(shopify, levels=False):
        seen.extend(item.gid for item in page)
        refs = flush(page)
        matched += len(refs)
        if on_matched is not None and refs:
            on_matched(refs)
    InventoryLink.objects.filter(shop=shop).exclude(inventory_item_gid__in=seen).delete()
    return matched


# -- figures ----------------------------------------------------------------------------------


def desired_levels(
    shop: Shop,
    settings: StockSettings,
    items: Sequence[ItemRef],
    odoo: OdooClient,
    only: Mapping[int, set[str]] | None = None,
    demand: Mapping[tuple[int, str], int] | None = None,
    tree: Sequence[OdooLocation] | None = None,
) -> list[DesiredLevel]:
    """What Shopify should show for these items at every mapped location (or, with `only`, at the Shopify
    locations given per Odoo product), read from Odoo now: Odoo's figure less the buffer and less the units of
    Shopify orders Odoo does not hold yet (`demand`, from `unheld_demand`; read here when not given).

    With several mapped locations, the free or on-hand figure comes from one quant read per chunk for all of
    them (`OdooClient.quant_levels`), each quant's location added up into the mapped locations that count it
    (`tree`: Odoo's internal locations, read here when not given); the forecast, one read per location."""
    locations = location_refs(shop)
    if not items or not locations:
        return []
    if demand is None:
        demand = unheld_demand(shop, locations)
    fed: dict[int, set[str]] | None = None
    if len(locations) > 1 and settings.figure != StockSettings.Figure.FORECAST:
        fed = mapping.covering(locations, odoo.internal_locations() if tree is None else tree)
    out: list[DesiredLevel] = []
    for chunk in mapping.batches(list(items), FIGURE_CHUNK):
        wanted = {
            location.location_gid: sorted(
                {
                    item.odoo_product_id
                    for item in chunk
                    if only is None or location.location_gid in only.get(item.odoo_product_id, ())
                }
            )
            for location in locations
        }
        several = sum(1 for products in wanted.values() if products) > 1
        figures = (
            _figures_at_once(odoo, settings, locations, wanted, fed) if fed is not None and several else None
        )
        if figures is None:
            figures = {}
            # One read per Shopify location and chunk: Odoo adds up its internal locations (children included).
            for location in locations:
                products = wanted[location.location_gid]
                if not products:
                    continue
                levels = odoo.stock_levels(products, list(location.odoo_location_ids), settings.figure)
                figures.update(((product, location.location_gid), value) for product, value in levels.items())
        levels_of_chunk = mapping.desired_levels(chunk, locations, figures, settings.safety_buffer, demand)
        if only is not None:
            # Only the pairs read above (the others would read as 0).
            levels_of_chunk = [
                level
                for level in levels_of_chunk
                if level.location_gid in only.get(level.odoo_product_id, ())
            ]
        out.extend(levels_of_chunk)
    return out


def _figures_at_once(
    odoo: OdooClient,
    settings: StockSettings,
    locations: Sequence[LocationRef],
    wanted: Mapping[str, Sequence[int]],
    fed: Mapping[int, set[str]],
) -> dict[tuple[int, str], Decimal] | None:
    """Odoo's figure per (product, mapped Shopify location) from one quant read over every mapped Odoo location;
    None if a quant sits where the location tree does not say which mapped locations count it (an archived
    child location, say): then the caller reads location by location."""
    products = sorted({product for chunk in wanted.values() for product in chunk})
    if not products:
        return {}
    roots = sorted(
        {
            int(i)
            for location in locations
            if wanted.get(location.location_gid)
            for i in location.odoo_location_ids
        }
    )
    quants = odoo.quant_levels(products, roots, settings.figure)
    figures: dict[tuple[int, str], Decimal] = {
        (product, gid): Decimal(0) for gid, chunk in wanted.items() for product in chunk
    }
    for (product, odoo_location), amount in quants.items():
        if odoo_location not in fed:
            return None
        for gid in fed[odoo_location]:
            if (product, gid) in figures:
                figures[(product, gid)] += amount
    return figures


# Orders older than this are not counted as Shopify demand Odoo does not hold yet: an order that has not reached
# Odoo as a confirmed sale order in 60 days (or that Synco will never sync) no longer keeps units back. Together
# with NOT_HELD_IN_ODOO (its partial index) this bounds the read to the shop's recent orders not confirmed in Odoo
# and not fulfilled: the ones waiting for a sync, held for review, failed, or quotations.
DEMAND_WINDOW = timedelta(days=60)


def unheld_demand(shop: Shop, locations: Sequence[LocationRef] | None = None) -> dict[tuple[int, str], int]:
    """Units per (Odoo product, mapped Shopify location) on the shop's Shopify orders that Odoo does not reserve
    yet (see `mapping.unheld_demand`): one read of the orders (bounded by DEMAND_WINDOW and the partial index),
    one of the inventory links their lines name.

    An order's location is `ShopifyOrder.location_id` (the location its fulfilment orders are assigned to); an
    order that names none counts at the shop's default: the first mapped location (by name) that fulfils online
    orders, else the first mapped one."""
    locations = location_refs(shop) if locations is None else list(locations)
    if not locations:
        return {}
    since = timezone.now() - DEMAND_WINDOW
    # No ordering: PostgreSQL reads the partial index order_not_held_idx (its condition is NOT_HELD_IN_ODOO, whose
    # literals Django's client-side binding sends as such); SQLite, which cannot match bound parameters with an
    # index condition, ranges over order_shop_created_idx for the window.
    # A fully shipped order Synco will not put in Odoo keeps nothing back (mapping.unheld_demand): not read.
    rows = (
        Order.objects.filter(NOT_HELD_IN_ODOO, shop=shop, created_at__gte=since, parse_error="")
        .exclude(fulfillment_status="FULFILLED", eligible=False, odoo_id__isnull=True)
        .order_by()
        .values_list("payload", "odoo_id", "odoo_state", "eligible")
    )
    orders: list[mapping.OpenOrder] = []
    for payload, odoo_id, odoo_state, eligible in rows.iterator(chunk_size=200):
        try:
            parsed = parse_order(payload)
        except (OrderParseError, KeyError, TypeError, ValueError):
            continue  # an unreadable order is shown as such on the orders page; it names no units here
        orders.append(
            mapping.open_order(
                parsed,
                odoo_id=odoo_id,
                odoo_state=odoo_state,
                eligible=eligible,
                unfulfilled=_unfulfilled_by_line(payload),
            )
        )
    if not orders:
        return {}
    products = _products_of_lines(shop, [line for order in orders for line in order.lines])
    return mapping.unheld_demand(
        orders,
        products,
        [location.location_gid for location in locations],
        mapping.default_order_location(locations),
    )


def _products_of_lines(shop: Shop, lines: Iterable[mapping.DemandLine]) -> dict[str, int]:
    """The matched Odoo product of each SKU (and "barcode:<value>") these lines name, from the inventory links."""
    skus = {line.sku for line in lines if line.sku}
    barcodes = {line.barcode for line in lines if line.barcode}
    if not skus and not barcodes:
        return {}
    links = InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=False).filter(
        Q(sku__in=skus) | Q(barcode__in=barcodes)
    )
    products: dict[str, int] = {}
    for sku, barcode, product in links.order_by("id").values_list("sku", "barcode", "odoo_product_id"):
        if sku in skus:
            products.setdefault(sku, int(product or 0))
        if barcode in barcodes:
            products.setdefault(mapping.link_key("", barcode), int(product or 0))
    return products


def _unfulfilled_by_line(payload: Any) -> dict[str, int]:
    """Shopify's unfulfilledQuantity per line GID where the stored order has it (else all of the line's current
    quantity is taken as not shipped, the safe side)."""
    raw = payload.get("lineItems") if isinstance(payload, dict) else None
    if isinstance(raw, dict):
        nodes = raw.get("nodes") or [
            edge.get("node") for edge in raw.get("edges") or [] if isinstance(edge, dict)
        ]
    else:
        nodes = raw if isinstance(raw, list) else []
    return {
        str(node["id"]): int(node["unfulfilledQuantity"])
        for node in nodes
        if isinstance(node, dict) and node.get("id") and isinstance(node.get("unfulfilledQuantity"), int)
    }


def order_stored(shop: Shop, order: ShopifyOrder) -> int:
    """An order was stored (placed, edited, refunded, cancelled, fulfilled in Shopify): its products' levels at its
    location are worked out again after the coalescing window (Shopify's level read first, so a level that
    already shows the sale is not written). Returns the changes noted (0: stock sync off, an old order, nothing
    matched)."""
    if order.created_at < timezone.now() - DEMAND_WINDOW:
        return 0
    settings = StockSettings.objects.filter(shop=shop, enabled=True).first()
    if settings is None:
        return 0
    locations = location_refs(shop)
    location = str(getattr(order, "location_id", "") or "") or mapping.default_order_location(locations)
    if location not in {ref.location_gid for ref in locations}:
        return 0
    # Every line, a removed one (current quantity 0) too: its units are no longer kept back.
    lines = [
        mapping.DemandLine(line.sku, line.barcode, 1) for line in order.line_items if not line.is_gift_card
    ]
    products = set(_products_of_lines(shop, lines).values())
    if not products:
        return 0
    return note_changes(shop, [(product, 0, location) for product in sorted(products)])


def preview(shop: Shop, limit: int = PREVIEW_ITEMS) -> list[DesiredLevel]:
    """What would be pushed for the first `limit` matched items (Settings' live preview)."""
    settings = get_settings(shop)
    items = item_refs(shop)[:limit]
    return desired_levels(shop, settings, items, odoo_for(shop)) if items else []


# -- pushes -----------------------------------------------------------------------------------


@dataclass
class PushOutcome:
    sent: int = 0
    failed: int = 0
    blocked: bool = False
    calls: int = 0
    errors: list[str] = field(default_factory=list)


def is_blocked(shop: Shop, settings: StockSettings) -> bool:
    """A revoked scope stops pushes until the shop's granted scopes change (a reinstall) or the merchant retries."""
    if not settings.blocked_reason:
        return False
    if settings.blocked_scopes != shop.access_scopes:
        StockSettings.objects.filter(pk=settings.pk).update(
            blocked_reason="", blocked_scopes="", blocked_at=None
        )
        settings.blocked_reason = ""
        return False
    return True


def clear_block(shop: Shop) -> None:
    StockSettings.objects.filter(shop=shop).update(blocked_reason="", blocked_scopes="", blocked_at=None)


def push_levels(
    shop: Shop,
    levels: Sequence[DesiredLevel],
    *,
    trigger: str,
    shopify: ShopifyClient | None = None,
    task_id: str = "",
) -> PushOutcome:
    """Set Shopify's available to these levels: one write per item and location, ≤250 per call, idempotent."""
    settings = get_settings(shop)
    outcome = PushOutcome()
    levels = mapping.coalesce(levels)
    if not levels:
        return outcome
    if is_blocked(shop, settings):
        outcome.blocked = True
        return outcome
    known = _known_levels(shop, levels)
    if trigger in UNCHANGED_SKIPPED:
        # Shopify already shows it (as far as Synco last saw): a second notification or the sweep's overlap.
        levels = [level for level in levels if known.get(level.key) != level.quantity]
        if not levels:
            return outcome
    shopify = shopify or shopify_client_for(shop)
    for batch in mapping.batches(levels):
        _push_batch(
            shop, settings, batch, known, trigger=trigger, shopify=shopify, outcome=outcome, task_id=task_id
        )
        if outcome.blocked:
            break
    return outcome


def _known_levels(shop: Shop, levels: Sequence[DesiredLevel]) -> dict[tuple[str, str], int | None]:
    items = {level.inventory_item_gid for level in levels}
    rows = KnownLevel.objects.filter(shop=shop, inventory_item_gid__in=items).values_list(
        "inventory_item_gid", "location_gid", "available"
    )
    return {(item, location): available for item, location, available in rows}


def _push_batch(
    shop: Shop,
    settings: StockSettings,
    batch: Sequence[DesiredLevel],
    known: dict[tuple[str, str], int | None],
    *,
    trigger: str,
    shopify: ShopifyClient,
    outcome: PushOutcome,
    task_id: str,
    retrying: bool = False,
) -> None:
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="stock_push",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref=_batch_ref(batch),
        task_id=task_id,
    )
    reference = inventory.REFERENCE_URI.format(shop=shop.pk)
    quantities = mapping.quantities_to_set(batch, known)
    key = push_key(shop, quantities, task_id)
    try:
        result = inventory.set_quantities(shopify, quantities, key=key, reference=reference)
        outcome.calls += 1
        if result.stale:
            # Shopify's quantity moved since Synco last saw it (a sale): read it again and set once more.
            fresh = inventory.read_levels(shopify, [level.key for level in batch])
            known.update(fresh)
            quantities = mapping.quantities_to_set(batch, fresh)
            key = push_key(shop, quantities, task_id)
            result = inventory.set_quantities(shopify, quantities, key=key, reference=reference)
            outcome.calls += 1
        if result.retry_later:
            raise TransientGatewayError(
                "Shopify is still processing the same inventory update; it will be retried."
            )
    except AccessDeniedError as exc:
        reason = (
            f"Shopify refused to change stock: the app lacks the '{exc.scope or 'write_inventory'}' permission. "
            "Open the app from the Shopify admin and approve its permissions (or reinstall it); pushes wait "
            "until then."
        )
        StockSettings.objects.filter(pk=settings.pk).update(
            blocked_reason=reason, blocked_scopes=shop.access_scopes, blocked_at=timezone.now()
        )
        _record_pushes(shop, batch, quantities, key, StockPush.Outcome.BLOCKED, reason, trigger)
        finish_attempt(attempt, succeeded=False, message=reason, summary=_summary(batch, key, trigger))
        outcome.blocked = True
        outcome.errors.append(reason)
        return
    except GatewayError as exc:
        _record_pushes(shop, batch, quantities, key, StockPush.Outcome.FAILED, exc.message, trigger)
        finish_attempt(attempt, succeeded=False, message=exc.message, summary=_summary(batch, key, trigger))
        if exc.transient:
            raise
        outcome.failed += len(batch)
        outcome.errors.append(exc.message)
        return
    if result.user_errors:
        refused = _refused_indexes(result.user_errors, len(batch))
        if refused and len(refused) < len(batch) and not retrying:
            # Shopify refuses a whole call for one bad quantity: record those with their reason, send the rest.
            bad = [batch[i] for i in sorted(refused)]
            for index in sorted(refused):
                reason = "Shopify refused this quantity: " + inventory.describe_user_errors(refused[index])
                _record_pushes(
                    shop, [batch[index]], [quantities[index]], key, StockPush.Outcome.FAILED, reason, trigger
                )
                outcome.errors.append(reason)
            outcome.failed += len(bad)
            message = (
                f"Shopify refused {len(bad)} of {len(batch)} quantities: "
                + inventory.describe_user_errors([error for errors in refused.values() for error in errors])
            )
            finish_attempt(attempt, succeeded=False, message=message, summary=_summary(bad, key, trigger))
            rest = [level for i, level in enumerate(batch) if i not in refused]
            _push_batch(
                shop,
                settings,
                rest,
                known,
                trigger=trigger,
                shopify=shopify,
                outcome=outcome,
                task_id=task_id,
                retrying=True,
            )
            return
        message = "Shopify refused the quantities: " + inventory.describe_user_errors(result.user_errors)
        _record_pushes(shop, batch, quantities, key, StockPush.Outcome.FAILED, message, trigger)
        finish_attempt(attempt, succeeded=False, message=message, summary=_summary(batch, key, trigger))
        outcome.failed += len(batch)
        outcome.errors.append(message)
        return
    after = {level.key: result.after.get(level.key, level.quantity) for level in batch}
    _remember_levels(shop, after)
    known.update(after)
    _record_pushes(shop, batch, quantities, key, StockPush.Outcome.SET, "", trigger)
    outcome.sent += len(batch)
    finish_attempt(
        attempt,
        succeeded=True,
        message=f"Set {len(batch)} stock level{'s' if len(batch) != 1 else ''} in Shopify ({trigger}).",
        summary=_summary(batch, key, trigger),
    )


def push_key(shop: Shop, quantities: Sequence[QuantityToSet], task_id: str) -> str:
    """The batch's idempotency key: its content, and the task that sends it. A retry of the task (a lost answer)
    sends the same key and Shopify applies it once; a later push of the same values from the same value (the
    merchant changed the level in Shopify back to the same figure twice) is a new task and a new key, which
    Shopify applies (the same key would be answered from Shopify's memory without changing anything). The
    changeFromQuantity guard keeps two tasks from both applying one change."""
    # The shop's row is in the key with its domain: the batch's referenceDocumentUri names the row, and Shopify
    # refuses one key with different parameters (a shop installed again gets a new row).
    scope = f"{shop.domain}#{shop.pk}#{task_id}" if task_id else f"{shop.domain}#{shop.pk}"
    return inventory.idempotency_key(scope, quantities)


def _refused_indexes(
    errors: Sequence[inventory.InventoryUserError], size: int
) -> dict[int, list[inventory.InventoryUserError]]:
    """The quantities Shopify's user errors point at (`field: ["input", "quantities", "<i>", ...]`); {} if any
    error points at none (then the whole call is refused)."""
    refused: dict[int, list[inventory.InventoryUserError]] = {}
    for error in errors:
        field = error.field
        if (
            len(field) < 3
            or field[:2] != ("input", "quantities")
            or not field[2].isdigit()
            or int(field[2]) >= size
        ):
            return {}
        refused.setdefault(int(field[2]), []).append(error)
    return refused


def _batch_ref(batch: Sequence[DesiredLevel]) -> str:
    if len(batch) == 1:
        level = batch[0]
        return f"{level.sku or level.inventory_item_gid.rsplit('/', 1)[-1]} @ {level.location_name}"[:100]
    return f"{len(batch)} stock levels"


def _summary(batch: Sequence[DesiredLevel], key: str, trigger: str) -> dict[str, object]:
    return {
        "trigger": trigger,
        "idempotency_key": key,
        "levels": [
            {"sku": level.sku, "location": level.location_name, "quantity": level.quantity}
            for level in batch[:50]
        ],
        "count": len(batch),
    }


def _remember_levels(shop: Shop, levels: dict[tuple[str, str], int]) -> None:
    now = timezone.now()
    KnownLevel.objects.bulk_create(
        [
            KnownLevel(
                shop=shop, inventory_item_gid=item, location_gid=location, available=available, seen_at=now
            )
            for (item, location), available in levels.items()
        ],
        update_conflicts=True,
        unique_fields=["shop", "inventory_item_gid", "location_gid"],
        update_fields=["available", "seen_at"],
        batch_size=500,
    )


def _record_pushes(
    shop: Shop,
    batch: Sequence[DesiredLevel],
    quantities: Sequence[QuantityToSet],
    key: str,
    outcome: str,
    error: str,
    trigger: str,
) -> None:
    change_from = {(q.inventory_item_gid, q.location_gid): q.change_from for q in quantities}
    StockPush.objects.bulk_create(
        StockPush(
            shop=shop,
            inventory_item_gid=level.inventory_item_gid,
            location_gid=level.location_gid,
            sku=level.sku,
            location_name=level.location_name,
            quantity=level.quantity,
            change_from=change_from.get(level.key),
            outcome=outcome,
            error=error,
            idempotency_key=key,
            trigger=trigger,
        )
        for level in batch
    )


class _ChunkPusher:
    """Pushes items as they come, FIGURE_CHUNK at a time (one Odoo read per mapped location and chunk): the
    initial push feeds it each page matching saves, so Odoo's reads and Shopify's writes of one chunk run while
    the cost bucket refills from the matching queries, not after all of them. Stops after a blocked push or a
    permanent Odoo failure (recorded); a transient one is raised (the task is retried)."""

    def __init__(
        self,
        shop: Shop,
        settings: StockSettings,
        odoo: OdooClient,
        *,
        trigger: str,
        shopify: ShopifyClient | None = None,
        task_id: str = "",
    ) -> None:
        self.shop, self.settings, self.odoo = shop, settings, odoo
        self.trigger, self.shopify, self.task_id = trigger, shopify, task_id
        self.outcome = PushOutcome()
        self.waiting: list[ItemRef] = []
        self.demand: dict[tuple[int, str], int] | None = None
        self.tree: list[OdooLocation] | None = None
        self.stopped = False

    def add(self, items: Sequence[ItemRef]) -> None:
        self.waiting.extend(items)
        while len(self.waiting) >= FIGURE_CHUNK and not self.stopped:
            chunk, self.waiting = self.waiting[:FIGURE_CHUNK], self.waiting[FIGURE_CHUNK:]
            self._push(chunk)

    def finish(self) -> PushOutcome:
        if self.waiting and not self.stopped:
            chunk, self.waiting = self.waiting, []
            self._push(chunk)
        return self.outcome

    def _push(self, chunk: Sequence[ItemRef]) -> None:
        try:
            if self.demand is None:
                # Read once for the whole push: Shopify's orders that Odoo does not hold yet, and (for the
                # one quant read of all mapped locations a chunk) Odoo's internal locations.
                self.demand = unheld_demand(self.shop)
                if (
                    self.settings.figure != StockSettings.Figure.FORECAST
                    and len(location_refs(self.shop)) > 1
                ):
                    self.tree = self.odoo.internal_locations()
            levels = desired_levels(
                self.shop, self.settings, chunk, self.odoo, demand=self.demand, tree=self.tree
            )
        except GatewayError as exc:
            _record_odoo_failure(
                self.shop, exc, trigger=self.trigger, task_id=self.task_id, outcome=self.outcome
            )
            self.stopped = True
            return
        part = push_levels(
            self.shop, levels, trigger=self.trigger, shopify=self.shopify, task_id=self.task_id
        )
        self.outcome.sent += part.sent
        self.outcome.failed += part.failed
        self.outcome.calls += part.calls
        self.outcome.errors.extend(part.errors)
        if part.blocked:
            self.outcome.blocked = True
            self.stopped = True


def push_products(
    shop: Shop,
    product_ids: Iterable[int] | None,
    *,
    trigger: str,
    odoo: OdooClient | None = None,
    shopify: ShopifyClient | None = None,
    task_id: str = "",
) -> PushOutcome:
    """Read the Odoo figures of these products (None: every linked one) and push them to every mapped location."""
    settings = get_settings(shop)
    items = item_refs(shop, product_ids)
    if not items:
        return PushOutcome()
    outcome = PushOutcome()
    if is_blocked(shop, settings):
        outcome.blocked = True
        return outcome
    try:
        odoo = odoo or odoo_for(shop)
    except GatewayError as exc:
        _record_odoo_failure(shop, exc, trigger=trigger, task_id=task_id, outcome=outcome)
        return outcome
    # Chunked so a whole catalogue never sits in memory at once.
    pusher = _ChunkPusher(shop, settings, odoo, trigger=trigger, shopify=shopify, task_id=task_id)
    pusher.add(items)
    return pusher.finish()


def _record_odoo_failure(
    shop: Shop, exc: GatewayError, *, trigger: str, task_id: str, outcome: PushOutcome
) -> None:
    """Odoo could not say the figures: logged with its reason; a transient failure is raised to be retried."""
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="stock_push",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref="Odoo stock figures",
        task_id=task_id,
    )
    message = f"Reading Odoo's stock failed: {exc.message}" + (
        " It will be retried." if exc.transient else ""
    )
    finish_attempt(attempt, succeeded=False, message=message, summary={"trigger": trigger})
    if exc.transient:
        raise exc
    outcome.errors.append(message)


def push_all(shop_id: int, *, task_id: str = "") -> PushOutcome | None:
    """The initial (or a full) push: every linked item at every mapped location."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return None
    return push_products(shop, None, trigger="initial", task_id=task_id)


def start_sync(shop_id: int, *, task_id: str = "") -> PushOutcome | None:
    """Stock sync was just turned on: match Shopify's items to Odoo products and push every level once, each
    chunk as soon as it is matched (pipelined: Odoo's figures and Shopify's writes of one chunk while the next
    page is read)."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return None
    settings = get_settings(shop)
    shopify = shopify_client_for(shop)
    odoo = odoo_for(shop)
    if is_blocked(shop, settings):
        refresh_links(shop, shopify=shopify, odoo=odoo)
        return PushOutcome(blocked=True)
    pusher = _ChunkPusher(shop, settings, odoo, trigger="initial", shopify=shopify, task_id=task_id)
    refresh_links(shop, shopify=shopify, odoo=odoo, on_matched=pusher.add)
    return pusher.finish()


def refresh_links_of(shop_id: int) -> int | None:
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    return None if shop is None else refresh_links(shop)


# -- notifications and coalescing -------------------------------------------------------------


def webhook_url(settings: StockSettings) -> str:
    """The address Odoo's automation rules POST to: Synco's public URL, the shop, its secret token."""
    path = reverse("stock:odoo_webhook", args=[settings.shop_id])
    return f"{django_settings.SYNCO_PUBLIC_URL}{path}?token={settings.webhook_token}"


def install_odoo_notifications(shop: Shop, *, install_module: bool) -> NotificationRules:
    """Create (or re-point) the Odoo automation rules that notify Synco when stock moves; logged."""
    settings = get_settings(shop)
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="stock_notifications",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain[:100],
    )
    odoo = odoo_for(shop)
    try:
        rules = ensure_stock_notifications(odoo, webhook_url(settings), install=install_module)
    except GatewayError as exc:
        finish_attempt(attempt, succeeded=False, message=exc.message, rpc_calls=odoo.rpc_calls)
        raise
    finish_attempt(
        attempt,
        succeeded=True,
        message=(
            f"Odoo notifies Synco of stock changes: {rules.created} rule(s) created, {rules.updated} updated"
            + (", Automation Rules installed." if rules.installed_module else ".")
        ),
        odoo_model="base.automation",
        odoo_id=rules.rule_ids[0] if rules.rule_ids else None,
        rpc_calls=odoo.rpc_calls,
    )
    return rules


def webhook_token_matches(settings: StockSettings, token: str) -> bool:
    expected = str(settings.webhook_token or "")
    return bool(token) and bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


def product_ids_from_notification(payload: Any) -> list[int]:
    """The products an Odoo "Send Webhook Notification" names (stock.quant / stock.move / product records)."""
    return sorted({product for product, _ in changes_from_notification(payload)})


def changes_from_notification(payload: Any) -> list[tuple[int, int]]:
    """(product, Odoo location) pairs an Odoo notification names: a quant's location, a move's source and
    destination; 0 where no location is named (then every mapped location of the product)."""
    records = payload if isinstance(payload, list) else [payload]
    out: set[tuple[int, int]] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        model = str(record.get("_model") or record.get("model") or "")
        products: list[int] = []
        if model in ("product.product",) and record.get("_id") is not None:
            products.extend(_ids(record.get("_id")))
        for key in ("product_id", "product_ids"):
            if key in record:
                products.extend(_ids(record[key]))
        places = [
            place
            for key in ("location_id", "location_dest_id")
            if key in record
            for place in _ids(record[key])
        ]
        for product in products:
            out.update((product, place) for place in places or [0])
    return sorted(out)


def _ids(value: Any) -> list[int]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value] if value > 0 else []
    if isinstance(value, str) and value.isdigit():
        return [int(value)]
    if isinstance(value, dict):
        return _ids(value.get("id"))
    if isinstance(value, list | tuple):
        # A many2one as [id, "name"], or a list of ids.
        if len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
            return [value[0]]
        return [i for v in value for i in _ids(v)]
    return []


Change = tuple[int, int, str]  # (Odoo product, Odoo location or 0, Shopify location gid or "")


def note_changes(
    shop: Shop,
    changes: Iterable[int | tuple[int, int] | Change],
    *,
    settings: StockSettings | None = None,
) -> int:
    """Remember where products' stock moved (one row per product and place however many notifications) and
    schedule one flush after the coalescing window. A bare product id means every mapped location.

    One INSERT ... ON CONFLICT DO UPDATE for all the changes and one conditional UPDATE of the settings (the
    flush is enqueued only by the change that opens a window): Odoo 18 sends its notification inside the
    warehouse's own request, before its commit, so the answer must not wait for more (`settings`: the shop's
    stock settings if the caller has them already)."""
    now = timezone.now()
    places = sorted({_change(change) for change in changes})
    if not places:
        return 0
    PendingChange.objects.bulk_create(
        [
            PendingChange(
                shop=shop,
                odoo_product_id=product_id,
                odoo_location_id=odoo_location_id,
                location_gid=location_gid,
                noted_at=now,
            )
            for product_id, odoo_location_id, location_gid in places
        ],
        update_conflicts=True,
        unique_fields=["shop", "odoo_product_id", "odoo_location_id", "location_gid"],
        update_fields=["noted_at"],
    )
    schedule_flush(shop, settings)
    return len(places)


def _change(change: int | tuple[int, int] | Change) -> Change:
    if isinstance(change, int):
        return (change, 0, "")
    if len(change) == 2:
        return (int(change[0]), int(change[1]), "")
    product, odoo_location, gid = change
    return (int(product), int(odoo_location), str(gid))


def schedule_flush(shop: Shop, settings: StockSettings | None = None) -> bool:
    """Enqueue the flush once per window: the first change of a window wins a conditional UPDATE (so does a
    change well past a due flush whose worker died: it takes the stamp over)."""
    settings = settings or get_settings(shop)
    window = max(float(settings.coalesce_seconds), 0.0)
    now = timezone.now()
    due = now + timedelta(seconds=window)
    stale = now - timedelta(seconds=window + 60)
    claimed = (
        StockSettings.objects.filter(pk=settings.pk)
        .filter(Q(flush_due_at__isnull=True) | Q(flush_due_at__lt=stale))
        .update(flush_due_at=due)
    )
    if claimed:
        shop_id = shop.pk
        transaction.on_commit(lambda: queue.task(FLUSH_TASK).apply_async((shop_id,), countdown=window))
    return bool(claimed)


def request_sweep(shop: Shop) -> None:
    """A notification that names no product: the sweep reads what changed since its cursor."""
    queue.delay_on_commit(SWEEP_TASK, shop.pk)


def flush_pending(shop_id: int, *, task_id: str = "") -> PushOutcome | None:
    """Push the changes noted since the last flush: one write per item and location, however many changes."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        logger.info("stock flush for a missing or uninstalled shop", extra={"shop_id": shop_id})
        return None
    started = timezone.now()
    # Changes noted from now on schedule a flush of their own.
    StockSettings.objects.filter(shop=shop).update(flush_due_at=None)
    settings = get_settings(shop)
    pending = list(
        PendingChange.objects.filter(shop=shop, noted_at__lte=started).values_list(
            "pk", "odoo_product_id", "odoo_location_id", "location_gid"
        )
    )
    if not pending:
        return PushOutcome()
    taken = [row[0] for row in pending]
    if not settings.enabled:
        PendingChange.objects.filter(pk__in=taken, noted_at__lte=started).delete()
        return PushOutcome()
    if is_blocked(shop, settings):
        return PushOutcome(blocked=True)  # kept for after the merchant grants the scope again
    outcome = push_changes(shop, [row[1:] for row in pending], task_id=task_id)
    if not outcome.blocked:
        PendingChange.objects.filter(pk__in=taken, noted_at__lte=started).delete()
    return outcome


def push_changes(
    shop: Shop,
    changes: Sequence[Change],
    *,
    task_id: str = "",
    odoo: OdooClient | None = None,
    shopify: ShopifyClient | None = None,
) -> PushOutcome:
    """Push Odoo's figure of each changed product at the Shopify locations its changes touch (read from Odoo now).

    A change at an Odoo location touches the mapped Shopify locations that count it; one at a Shopify location
    (Shopify said its level changed: a reassert) touches that location, whose level is read again from Shopify
    first so that a level already equal to Odoo's, such as the echo of Synco's own push, is not written again."""
    settings = get_settings(shop)
    outcome = PushOutcome()
    locations = location_refs(shop)
    mapped = {location.location_gid for location in locations}
    if not changes or not mapped:
        return outcome
    try:
        odoo = odoo or odoo_for(shop)
        tree = (
            odoo.internal_locations()
            if any(odoo_location and not gid for _, odoo_location, gid in changes)
            or (len(locations) > 1 and settings.figure != StockSettings.Figure.FORECAST)
            else None
        )
        fed = mapping.covering(locations, tree) if tree is not None else {}
    except GatewayError as exc:
        _record_odoo_failure(shop, exc, trigger="notification", task_id=task_id, outcome=outcome)
        return outcome
    targets: dict[int, set[str]] = {}
    reread: dict[int, set[str]] = {}
    for product, odoo_location, gid in changes:
        if gid:
            places = {gid} & mapped
            reread.setdefault(product, set()).update(places)
        elif odoo_location:
            places = fed.get(odoo_location, set())  # an internal location no mapped location counts: none
        else:
            places = mapped
        if places:
            targets.setdefault(product, set()).update(places)
    trigger = "reassert" if all(gid for _, _, gid in changes) else "notification"
    items = item_refs(shop, targets)
    demand = unheld_demand(shop, locations) if items else {}
    for chunk in mapping.batches(items, FIGURE_CHUNK):
        try:
            levels = desired_levels(shop, settings, chunk, odoo, only=targets, demand=demand, tree=tree)
        except GatewayError as exc:
            _record_odoo_failure(shop, exc, trigger=trigger, task_id=task_id, outcome=outcome)
            return outcome
        again = [level.key for level in levels if level.location_gid in reread.get(level.odoo_product_id, ())]
        if again:
            shopify = shopify or shopify_client_for(shop)
            _remember_shopify(shop, inventory.read_levels(shopify, again))
        part = push_levels(shop, levels, trigger=trigger, shopify=shopify, task_id=task_id)
        outcome.sent += part.sent
        outcome.failed += part.failed
        outcome.calls += part.calls
        outcome.errors.extend(part.errors)
        if part.blocked:
            outcome.blocked = True
            break
    return outcome


def _remember_shopify(shop: Shop, levels: Mapping[tuple[str, str], int | None]) -> None:
    """Shopify's levels as just read: what the next push compares with (not stocked: nothing known)."""
    _remember_levels(shop, {key: value for key, value in levels.items() if value is not None})
    for item, location in [key for key, value in levels.items() if value is None]:
        KnownLevel.objects.filter(shop=shop, inventory_item_gid=item, location_gid=location).delete()


# -- Shopify's inventory_levels/update: Odoo is the master --------------------------------------


def shopify_level_changed(shop: Shop, payload: Any) -> tuple[bool, str]:
    """A level changed in Shopify (the merchant, an app, a sale, or Synco's own push): Odoo's figure for that
    item at that location is re-asserted through the coalesced push, unless the level is what Synco set last.

    Returns (acted on, why): the receipt is Processed when a reassert is queued, else Ignored with the reason."""
    if not isinstance(payload, dict):
        return False, "The body of inventory_levels/update is not an inventory level."
    item_id, location_id, available = (
        payload.get("inventory_item_id"),
        payload.get("location_id"),
        payload.get("available"),
    )
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (item_id, location_id)):
        return False, "The body of inventory_levels/update names no inventory item or location."
    item_gid = f"gid://shopify/InventoryItem/{item_id}"
    location_gid = f"gid://shopify/Location/{location_id}"
    if isinstance(available, int) and not isinstance(available, bool):
        # Synco's own push echoed back (a 10,000-variant initial push causes 30,000 of these), or a change back
        # to what Synco set: already Odoo's figure as far as Synco knows. One SELECT tells it (with the item's
        # SKU and the location's name for the receipt's message).
        echo = (
            KnownLevel.objects.filter(
                shop=shop, inventory_item_gid=item_gid, location_gid=location_gid, available=available
            )
            .annotate(
                link_sku=Subquery(
                    InventoryLink.objects.filter(shop=shop, inventory_item_gid=item_gid).values("sku")[:1]
                ),
                mapped_name=Subquery(
                    LocationMapping.objects.filter(shop=shop, shopify_location_gid=location_gid).values(
                        "shopify_location_name"
                    )[:1]
                ),
            )
            .values_list("link_sku", "mapped_name")
            .first()
        )
        if echo is not None:
            label = f"{echo[0] or item_gid} at {echo[1] or location_gid}"
            return False, f"{label} is {available}, as Synco set it: nothing to do."
    settings = StockSettings.objects.filter(shop=shop).first()
    if settings is None or not settings.enabled:
        return False, "Stock sync is off: Shopify's level is left as it is."
    location = LocationMapping.objects.filter(shop=shop, shopify_location_gid=location_gid).first()
    if location is None or not location.is_mapped:
        name = location.shopify_location_name if location else location_gid
        return False, f"Location {name} is not synced with Odoo: Shopify's level is left as it is."
    link = InventoryLink.objects.filter(shop=shop, inventory_item_gid=item_gid).first()
    if link is None or link.odoo_product_id is None:
        return False, f"Inventory item {item_id} has no Odoo product: Shopify's level is left as it is."
    label = f"{link.sku or item_gid} at {location.shopify_location_name or location_gid}"
    note_changes(shop, [(int(link.odoo_product_id), 0, location_gid)])
    return (
        True,
        f"{label} changed in Shopify (available {available}): Odoo's figure will be set again if it differs.",
    )


# -- the webhook token ---------------------------------------------------------------------------


def rotate_webhook_token(
    shop: Shop, also: Sequence[Callable[[OdooClient, str], int]] = ()
) -> tuple[StockSettings, int]:
    """A new secret in Odoo's webhook URL: Odoo's rules are pointed at the new URL first, then the old token stops
    working. Returns the settings and how many rules were re-pointed (0: Synco's rules are not in Odoo).

    `also`: other rules that carry the same token (the shipments app's delivery rule), each re-pointed with
    (Odoo client, new token) before the token is saved."""
    settings = get_settings(shop)
    token = new_webhook_token()
    settings.webhook_token = token
    url = webhook_url(settings)
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="stock_notifications",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain[:100],
    )
    odoo = odoo_for(shop)
    try:
        repointed = repoint_stock_notifications(odoo, url)
        repointed += sum(repoint(odoo, token) for repoint in also)
    except GatewayError as exc:
        finish_attempt(
            attempt,
            succeeded=False,
            message=f"The webhook token was not changed: {exc.message}",
            rpc_calls=odoo.rpc_calls,
        )
        raise
    settings.save(update_fields=["webhook_token", "updated_at"])
    finish_attempt(
        attempt,
        succeeded=True,
        message=(
            f"New Odoo webhook token: {repointed} automation rule(s) point at the new URL; the old token is refused."
            if repointed
            else "New Odoo webhook token; no Synco automation rules in Odoo to re-point. The old token is refused."
        ),
        rpc_calls=odoo.rpc_calls,
    )
    return settings, repointed


# -- the sweep --------------------------------------------------------------------------------


def refresh_odoo_states(shop: Shop, odoo: OdooClient) -> list[int]:
    """Read the Odoo state of the shop's orders Synco knows as in Odoo but not confirmed there (quotations,
    cancelled in Odoo), in the demand window: one search_read per 1,000 (`OdooClient.sale_order_states`). A
    quotation confirmed (or reset, cancelled) by hand in Odoo gets its new `odoo_state`, so that a confirmed one
    stops counting as demand Odoo does not hold. Each row is written only if its state is still the one read
    here (a sync or cancellation writing it meanwhile wins); an order Odoo no longer has keeps its state.
    Returns the Odoo products of the orders whose state changed (their levels are worked out again)."""
    since = timezone.now() - DEMAND_WINDOW
    known = list(
        Order.objects.filter(
            NOT_HELD_IN_ODOO, shop=shop, created_at__gte=since, odoo_id__isnull=False, parse_error=""
        )
        .exclude(sync_status__in=(SyncStatus.QUEUED, SyncStatus.IN_PROGRESS))
        .order_by()
        .values_list("pk", "odoo_id", "odoo_state")
    )
    if not known:
        return []
    states = odoo.sale_order_states(int(odoo_id or 0) for _, odoo_id, _ in known)
    changed: list[int] = []
    for pk, odoo_id, old in known:
        new = states.get(int(odoo_id or 0))
        if new and new != old and Order.objects.filter(pk=pk, odoo_state=old).update(odoo_state=new):
            changed.append(pk)
    if not changed:
        return []
    lines: list[mapping.DemandLine] = []
    for payload in Order.objects.filter(pk__in=changed).values_list("payload", flat=True):
        try:
            parsed = parse_order(payload)
        except (OrderParseError, KeyError, TypeError, ValueError):
            continue
        lines.extend(
            mapping.DemandLine(line.sku, line.barcode, 1)
            for line in parsed.line_items
            if not line.is_gift_card
        )
    return sorted(set(_products_of_lines(shop, lines).values()))


def sweep(shop_id: int, *, task_id: str = "") -> PushOutcome | None:
    """Push what changed in Odoo since the cursor (a lost notification is caught here), and the products of the
    quotations confirmed (or cancelled) in Odoo since the last sweep (`refresh_odoo_states`, read first so that
    the push counts them right)."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return None
    settings = get_settings(shop)
    if not settings.enabled or is_blocked(shop, settings):
        return None
    if PendingChange.objects.filter(shop=shop).exists():
        schedule_flush(shop)  # notified changes whose flush was lost (retries exhausted, worker gone)
    outcome = PushOutcome()
    try:
        odoo = odoo_for(shop)
        confirmed = refresh_odoo_states(shop, odoo)
        product_ids, cursor = changed_products(odoo, settings.sweep_cursor)
        product_ids = sorted(set(product_ids) | set(confirmed))
    except GatewayError as exc:
        _record_odoo_failure(shop, exc, trigger="sweep", task_id=task_id, outcome=outcome)
        return outcome
    if product_ids:
        outcome = push_products(shop, product_ids, trigger="sweep", odoo=odoo, task_id=task_id)
    if not outcome.blocked:
        StockSettings.objects.filter(pk=settings.pk).update(sweep_cursor=cursor, last_swept_at=timezone.now())
    return outcome


SWEEP_PAGE = 2000
# Odoo's write_date is the writing transaction's start, to the second: a transaction that began before the last
# sweep may commit after it. Each sweep looks back this far again (a product seen twice is pushed only if its
# figure changed).
SWEEP_OVERLAP = timedelta(seconds=30)
EPOCH = "1970-01-01 00:00:00"
FIRST_SWEEP_LOOKBACK = timedelta(minutes=5)


def changed_products(odoo: OdooClient, cursor: str) -> tuple[list[int], str]:
    """The products whose quants changed, or that moved, since the cursor (Odoo's write_date), and the new one."""
    if cursor:
        since = _earlier(cursor, SWEEP_OVERLAP)
    else:
        # The first sweep starts shortly before now: turning stock sync on pushed every level already, and a
        # real Odoo's whole history of moves is not worth reading.
        since = (timezone.now() - FIRST_SWEEP_LOOKBACK).strftime("%Y-%m-%d %H:%M:%S")
    products: set[int] = set()
    newest = cursor or since
    for read in (odoo.quants_changed_since, odoo.moves_done_since):
        write_date, after_id = since, 0
        while True:
            page = read(write_date, after_id=after_id, limit=SWEEP_PAGE)
            products.update(int(row.product_id) for row in page if row.product_id)
            if page:
                last = page[-1]  # ordered by (write_date, id)
                newest = max(newest, last.write_date)
                write_date, after_id = last.write_date, last.id
            if len(page) < SWEEP_PAGE:
                break
    return sorted(products), newest


def _earlier(write_date: str, delta: timedelta) -> str:
    try:
        moment = datetime.strptime(write_date[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return EPOCH
    return (moment - delta).strftime("%Y-%m-%d %H:%M:%S")


def shops_to_sweep() -> list[int]:
    return list(
        StockSettings.objects.filter(enabled=True, shop__uninstalled_at__isnull=True).values_list(
            "shop_id", flat=True
        )
    )


# -- drift report and repair ------------------------------------------------------------------


def run_drift_report(shop_id: int, *, trigger: str = "on demand", task_id: str = "") -> DriftReport | None:
    """Every linked item at every mapped location: Shopify's available against what Odoo says; rows that differ."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return None
    settings = get_settings(shop)
    report = DriftReport.objects.create(shop=shop, trigger=trigger)
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="stock_drift",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain[:100],
        task_id=task_id,
    )
    try:
        shopify = shopify_client_for(shop)
        odoo = odoo_for(shop)
        if trigger == "nightly":
            # Variants added in Shopify or products in Odoo since the last run are matched first.
            refresh_links(shop, shopify=shopify, odoo=odoo)
        links = {
            gid: (int(product or 0), sku)
            for gid, product, sku in InventoryLink.objects.filter(
                shop=shop, odoo_product_id__isnull=False
            ).values_list("inventory_item_gid", "odoo_product_id", "sku")
        }
        page: list[inventory.ShopifyInventoryItem] = []
        # Compared with the same figure pushes set: Odoo's, less the buffer and Shopify's orders not yet in Odoo.
        demand = unheld_demand(shop)
        for item in inventory.iter_inventory_items(shopify):
            if item.gid in links:
                page.append(item)
            if len(page) >= FIGURE_CHUNK:
                _drift_page(shop, settings, report, page, links, odoo, demand)
                page = []
        if page:
            _drift_page(shop, settings, report, page, links, odoo, demand)
    except GatewayError as exc:
        report.status = DriftReport.Status.FAILED
        report.message = exc.message
        report.finished_at = timezone.now()
        report.save()
        finish_attempt(attempt, succeeded=False, message=exc.message, summary={"report": report.pk})
        _keep_summary(settings, report)
        return report
    report.status = DriftReport.Status.DONE
    report.finished_at = timezone.now()
    report.message = (
        f"{report.drifted} of {report.levels_checked} stock levels differ from Odoo."
        if report.drifted
        else f"All {report.levels_checked} stock levels match Odoo."
    )
    report.save()
    finish_attempt(
        attempt,
        succeeded=True,
        message=report.message,
        rpc_calls=int(getattr(odoo, "rpc_calls", 0)),
        summary={
            "report": report.pk,
            "items": report.items_checked,
            "drifted": report.drifted,
            "trigger": trigger,
        },
    )
    _keep_summary(settings, report)
    return report


def _drift_page(
    shop: Shop,
    settings: StockSettings,
    report: DriftReport,
    page: list[inventory.ShopifyInventoryItem],
    links: dict[str, tuple[int, str]],
    odoo: OdooClient,
    demand: Mapping[tuple[int, str], int],
) -> None:
    items = [ItemRef(item.gid, links[item.gid][0], links[item.gid][1]) for item in page]
    levels = desired_levels(shop, settings, items, odoo, demand=demand)
    shopify_levels = {
        (item.gid, location): available for item in page for location, available in item.available.items()
    }
    rows = mapping.drift(levels, shopify_levels)
    DriftRow.objects.bulk_create(
        DriftRow(
            report=report,
            inventory_item_gid=row.level.inventory_item_gid,
            location_gid=row.level.location_gid,
            sku=row.level.sku,
            location_name=row.level.location_name,
            odoo_product_id=row.level.odoo_product_id,
            shopify_available=row.shopify_available,
            odoo_figure=row.level.odoo_figure,
            desired=row.level.quantity,
            pending=row.level.pending,
            difference=row.difference,
        )
        for row in rows
    )
    # What Shopify has now is what the next push compares with.
    _remember_levels(shop, {key: value for key, value in shopify_levels.items() if value is not None})
    report.items_checked += len(items)
    report.levels_checked += len(levels)
    report.drifted += len(rows)


def _keep_summary(settings: StockSettings, report: DriftReport) -> None:
    StockSettings.objects.filter(pk=settings.pk).update(
        last_drift_summary={
            "report": report.pk,
            "status": report.status,
            "finished_at": report.finished_at.isoformat() if report.finished_at else None,
            "items": report.items_checked,
            "levels": report.levels_checked,
            "drifted": report.drifted,
            "message": report.message,
        }
    )


def repair(shop_id: int, row_ids: Sequence[int], *, task_id: str = "") -> PushOutcome | None:
    """Push Odoo's figures, read again now, for the selected drift rows' items and locations."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return None
    rows = list(DriftRow.objects.filter(report__shop=shop, pk__in=list(row_ids), repaired_at__isnull=True))
    if not rows:
        return PushOutcome()
    settings = get_settings(shop)
    wanted = {(row.inventory_item_gid, row.location_gid) for row in rows}
    items = [item for item in item_refs(shop, {row.odoo_product_id for row in rows})]
    levels = [level for level in desired_levels(shop, settings, items, odoo_for(shop)) if level.key in wanted]
    outcome = push_levels(shop, levels, trigger="repair", task_id=task_id)
    if outcome.sent and not outcome.failed and not outcome.blocked:
        DriftRow.objects.filter(pk__in=[row.pk for row in rows]).update(repaired_at=timezone.now())
    return outcome


# -- what the Stock page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class StockOverview:
    settings: StockSettings
    report: DriftReport | None
    rows: list[DriftRow]
    pushes: list[StockPush]
    failures: list[StockPush]
    unmatched: list[InventoryLink]
    locations: list[LocationMapping]


def repairable_rows(shop: Shop, wanted: Iterable[int] | None = None) -> list[int]:
    """The drift rows a repair may take: the shop's unrepaired rows among `wanted`, or (None) every unrepaired
    row of its latest finished report."""
    rows = DriftRow.objects.filter(report__shop=shop, repaired_at__isnull=True)
    if wanted is None:
        report = DriftReport.objects.filter(shop=shop).exclude(status=DriftReport.Status.RUNNING).first()
        rows = rows.filter(report=report) if report is not None else rows.none()
    else:
        rows = rows.filter(pk__in=list(wanted))
    return list(rows.order_by("pk").values_list("pk", flat=True))


def odoo_stock_choices(shop: Shop) -> tuple[list[tuple[int, str]], list[tuple[int, str]], str]:
    """Odoo's warehouses and internal locations as (id, label) choices, with Odoo's error ('' if none)."""
    try:
        odoo = odoo_for(shop)
        warehouses = [(w.id, record_label(w)) for w in odoo.warehouses()]
        locations = [(loc.id, record_label(loc)) for loc in odoo.internal_locations()]
    except GatewayError as exc:
        return [], [], exc.message
    return warehouses, locations, ""


def get_overview(shop: Shop, *, limit: int = 50) -> StockOverview:
    report = DriftReport.objects.filter(shop=shop).exclude(status=DriftReport.Status.RUNNING).first()
    return StockOverview(
        settings=get_settings(shop),
        report=report,
        rows=list(report.rows.all()[:500]) if report else [],
        pushes=list(StockPush.objects.filter(shop=shop)[:limit]),
        failures=list(StockPush.objects.filter(shop=shop).exclude(outcome=StockPush.Outcome.SET)[:limit]),
        unmatched=list(InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=True)[:limit]),
        locations=list(LocationMapping.objects.filter(shop=shop)),
    )
