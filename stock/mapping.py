"""Pure stock mapping: what Shopify should show per item and location, coalescing, batches, drift, matching.

No ORM, no settings, no clock, no network: the services hand in plain values and get plain values back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from synco.odoo.client import OdooLocation, OdooProduct
from synco.shopify.inventory import MAX_QUANTITIES, QuantityToSet, ShopifyInventoryItem
from synco.shopify.types import ShopifyOrder

T = TypeVar("T")


@dataclass(frozen=True)
class ItemRef:
    """A matched Shopify inventory item and its Odoo product."""

    inventory_item_gid: str
    odoo_product_id: int
    sku: str = ""


@dataclass(frozen=True)
class LocationRef:
    """A mapped Shopify location and the Odoo internal locations (each with its children) it adds up."""

    location_gid: str
    odoo_location_ids: tuple[int, ...]
    name: str = ""
    fulfills_online_orders: bool = True


@dataclass(frozen=True)
class DesiredLevel:
    inventory_item_gid: str
    location_gid: str
    odoo_product_id: int
    odoo_figure: Decimal
    quantity: int
    sku: str = ""
    location_name: str = ""
    # Units of Shopify orders Odoo does not hold yet at this location, kept back (see `unheld_demand`).
    pending: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.inventory_item_gid, self.location_gid)


@dataclass(frozen=True)
class Drift:
    level: DesiredLevel
    shopify_available: int | None

    @property
    def difference(self) -> int:
        return self.level.quantity - (self.shopify_available or 0)


@dataclass(frozen=True)
class Match:
    inventory_item_gid: str
    odoo_product_id: int | None
    reason: str = ""


def desired_available(figures: Iterable[Decimal], buffer: int, pending: int = 0) -> int:
    """What Shopify should show: the mapped locations' figures added up, less the buffer and the units of Shopify
    orders Odoo does not hold yet (`pending`), whole units, never < 0."""
    total = sum(figures, Decimal(0)) - buffer - pending
    # A fraction of a unit (kg, m) cannot be sold as one: round down.
    return max(0, math.floor(total))


def desired_levels(
    items: Iterable[ItemRef],
    locations: Sequence[LocationRef],
    figures: Mapping[tuple[int, str], Decimal],
    buffer: int,
    demand: Mapping[tuple[int, str], int] | None = None,
) -> list[DesiredLevel]:
    """Every item at every mapped location, from Odoo's figure per (product, Shopify location); missing is 0.

    The figure of a Shopify location is Odoo's for the set of internal locations mapped to it (Odoo adds them
    up with their children, each counted once). `demand` is what `unheld_demand` says per (product, Shopify
    location): those units are sold in Shopify but not reserved in Odoo yet, so they are kept back too.
    """
    demand = demand or {}
    out = []
    for item in items:
        for location in locations:
            if not location.odoo_location_ids:
                continue  # an unsynced Shopify location is left as it is
            figure = figures.get((item.odoo_product_id, location.location_gid), Decimal(0))
            pending = int(demand.get((item.odoo_product_id, location.location_gid), 0))
            out.append(
                DesiredLevel(
                    inventory_item_gid=item.inventory_item_gid,
                    location_gid=location.location_gid,
                    odoo_product_id=item.odoo_product_id,
                    odoo_figure=figure,
                    quantity=desired_available([figure], buffer, pending),
                    sku=item.sku,
                    location_name=location.name,
                    pending=pending,
                )
            )
    return out


def coalesce(levels: Iterable[DesiredLevel]) -> list[DesiredLevel]:
    """One write per (item, location): the last figure of each pair wins, first-seen order kept."""
    latest: dict[tuple[str, str], DesiredLevel] = {}
    for level in levels:
        latest.pop(level.key, None)
        latest[level.key] = level
    return list(latest.values())


def items_for_products(product_ids: Iterable[int], items: Iterable[ItemRef]) -> list[ItemRef]:
    """The linked items of the changed products (several notifications of one product: the item once)."""
    wanted = set(product_ids)
    seen: set[str] = set()
    out = []
    for item in items:
        if item.odoo_product_id in wanted and item.inventory_item_gid not in seen:
            seen.add(item.inventory_item_gid)
            out.append(item)
    return out


def batches(values: Sequence[T], size: int = MAX_QUANTITIES) -> list[list[T]]:
    """Chunks of at most `size` (Shopify's limit of 250 quantities per inventorySetQuantities)."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [list(values[start : start + size]) for start in range(0, len(values), size)]


def quantities_to_set(
    levels: Iterable[DesiredLevel], known: Mapping[tuple[str, str], int | None]
) -> list[QuantityToSet]:
    """The mutation's quantities; where Synco knows Shopify's current value it is the compare-and-set guard."""
    return [
        QuantityToSet(
            inventory_item_gid=level.inventory_item_gid,
            location_gid=level.location_gid,
            quantity=level.quantity,
            change_from=known.get(level.key),
        )
        for level in levels
    ]


def drift(levels: Iterable[DesiredLevel], shopify: Mapping[tuple[str, str], int | None]) -> list[Drift]:
    """The pairs where Shopify's available is not what Odoo says it should be (not stocked counts as 0)."""
    out = []
    for level in levels:
        available = shopify.get(level.key)
        row = Drift(level=level, shopify_available=available)
        if row.difference != 0 or (available is None and level.quantity != 0):
            out.append(row)
    return out


def match_items(
    items: Iterable[ShopifyInventoryItem],
    fields: Sequence[str],
    found: Mapping[str, Mapping[str, Sequence[OdooProduct]]],
    cached: Mapping[str, int],
) -> list[Match]:
    """Each inventory item's Odoo product, by the shop's product rules (`fields` in order); else the reason.

    `found[field][value]` are the Odoo products with that default_code or barcode; `cached` is what orders
    already matched (products/ ProductLink, keyed by SKU or "barcode:<value>"). Nothing is ever guessed.
    """
    out = []
    for item in items:
        out.append(_match_one(item, fields, found, cached))
    return out


def link_key(sku: str, barcode: str) -> str:
    """products/'s ProductLink key for a SKU, or for a barcode when there is no SKU."""
    return sku or f"barcode:{barcode}"


def _match_one(
    item: ShopifyInventoryItem,
    fields: Sequence[str],
    found: Mapping[str, Mapping[str, Sequence[OdooProduct]]],
    cached: Mapping[str, int],
) -> Match:
    label = item.title or item.sku or item.gid
    if not item.tracked:
        return Match(item.gid, None, f"Shopify does not track inventory for '{label}'.")
    if not item.sku and not item.barcode:
        return Match(
            item.gid, None, f"'{label}' has neither a SKU nor a barcode, so no Odoo product can be matched."
        )
    key = link_key(item.sku, item.barcode)
    if key in cached:
        return Match(item.gid, cached[key])
    for field in fields:
        value = item.sku if field == "default_code" else item.barcode
        candidates = list(found.get(field, {}).get(value, [])) if value else []
        if not candidates:
            continue
        active = [p for p in candidates if p.active] or candidates
        if len(active) > 1:
            what = "SKU" if field == "default_code" else "barcode"
            names = " and ".join(f"'{p.name}' (id {p.id})" for p in active)
            return Match(item.gid, None, f"Several Odoo products have the {what} '{value}': {names}.")
        return Match(item.gid, active[0].id)
    what = f"SKU '{item.sku}'" if item.sku else f"barcode '{item.barcode}'"
    return Match(item.gid, None, f"No Odoo product has the {what} ('{label}').")


def group_by_field(products: Iterable[OdooProduct], field: str) -> dict[str, list[OdooProduct]]:
    by_value: dict[str, list[OdooProduct]] = defaultdict(list)
    for product in products:
        by_value[product.default_code if field == "default_code" else product.barcode].append(product)
    return dict(by_value)


def covering(locations: Sequence[LocationRef], tree: Iterable[OdooLocation]) -> dict[int, set[str]]:
    """Which mapped Shopify locations each Odoo internal location feeds: those whose mapped locations are it or
    one of its ancestors (Odoo counts a location's children in its stock)."""
    parent = {loc.id: loc.parent_id for loc in tree}
    roots: dict[int, set[str]] = defaultdict(set)
    for location in locations:
        for odoo_id in location.odoo_location_ids:
            roots[int(odoo_id)].add(location.location_gid)
    out: dict[int, set[str]] = {}
    for start in parent:
        fed: set[str] = set()
        node, seen = start, set()
        while node and node not in seen:
            seen.add(node)
            fed |= roots.get(node, set())
            node = parent.get(node, 0)
        out[start] = fed
    return out


# -- Shopify demand that Odoo does not hold yet ---------------------------------------------------

# Odoo's sale order states in which the order's units are reserved (a confirmed order's delivery takes them from
# the free quantity and the forecast; a quotation, "draft" or "sent", takes nothing; "cancel" gives them back).
HELD_IN_ODOO = ("sale", "done")
# Shopify's displayFulfillmentStatus of an order whose units all went back on Shopify's shelf.
NOTHING_TO_SHIP = ("RESTOCKED",)


@dataclass(frozen=True)
class DemandLine:
    """Units of one order line Shopify took (its current quantity, after edits and refunds), how many of them are
    not shipped yet (None: Shopify did not say), and how the line names its product."""

    sku: str
    barcode: str
    units: int
    unfulfilled: int | None = None

    @property
    def unshipped(self) -> int:
        return self.units if self.unfulfilled is None else max(0, min(self.units, self.unfulfilled))


@dataclass(frozen=True)
class OpenOrder:
    """A Shopify order Synco stores, as far as stock is concerned."""

    lines: tuple[DemandLine, ...]
    location_gid: str = ""  # the Shopify location it ships from; "" unknown (the shop's default then)
    cancelled: bool = False
    fulfillment_status: str = ""
    odoo_id: int | None = None
    odoo_state: str = ""
    # Synco will put it in Odoo (it matches the shop's order rules), whether or not it is there yet.
    eligible: bool = True

    @property
    def held_in_odoo(self) -> bool:
        """Odoo reserves the order's units: it is in Odoo as a confirmed sale order."""
        return self.odoo_id is not None and self.odoo_state in HELD_IN_ODOO

    @property
    def bound_for_odoo(self) -> bool:
        """Odoo has it (a quotation, or cancelled there) or Synco will put it there."""
        return self.odoo_id is not None or self.eligible

    def units_kept_back(self, line: DemandLine) -> int:
        """The line's units that Odoo's figure does not reflect yet (see `unheld_demand`)."""
        if self.cancelled or self.fulfillment_status in NOTHING_TO_SHIP or self.held_in_odoo:
            return 0
        if self.bound_for_odoo:
            return max(0, line.units)  # shipped in Shopify or not: no Odoo delivery has taken them
        return line.unshipped


def open_order(
    order: ShopifyOrder,
    *,
    odoo_id: int | None,
    odoo_state: str,
    eligible: bool = True,
    unfulfilled: Mapping[str, int] | None = None,
) -> OpenOrder:
    """A parsed order as stock sees it: each line's current quantity (after edits and refunds) and how many of
    those are not shipped yet: Shopify's unfulfilledQuantity (the parsed line's, else `unfulfilled`, by line GID;
    unknown on a fully fulfilled order means none). Gift cards carry no stock. The location is
    `ShopifyOrder.location_id` where the parsed order has one."""
    unfulfilled = unfulfilled or {}
    lines = []
    for line in order.line_items:
        if line.is_gift_card:
            continue
        units = line.current_quantity if line.current_quantity is not None else line.quantity
        left = getattr(line, "unfulfilled_quantity", None)
        if left is None:
            left = unfulfilled.get(line.id)
        if left is None and order.fulfillment_status == "FULFILLED":
            left = 0
        if units > 0:
            lines.append(DemandLine(sku=line.sku, barcode=line.barcode, units=units, unfulfilled=left))
    return OpenOrder(
        lines=tuple(lines),
        location_gid=str(getattr(order, "location_id", "") or ""),
        cancelled=order.cancelled_at is not None,
        fulfillment_status=order.fulfillment_status,
        odoo_id=odoo_id,
        odoo_state=odoo_state,
        eligible=eligible,
    )


def default_order_location(locations: Sequence[LocationRef]) -> str:
    """Where an order that names no location ships from, among the mapped Shopify locations in the Settings page's
    order (by name): the first that fulfils online orders (Shopify's fulfillsOnlineOrders), else the first; ""
    when none is mapped."""
    for location in locations:
        if location.fulfills_online_orders:
            return location.location_gid
    return locations[0].location_gid if locations else ""


def unheld_demand(
    orders: Iterable[OpenOrder],
    products: Mapping[str, int],
    mapped: Iterable[str],
    default_location: str,
) -> dict[tuple[int, str], int]:
    """Units per (Odoo product, mapped Shopify location) that Shopify's orders took and Odoo's figure does not
    reflect yet.

    Shopify lowers `available` the moment an order is placed, and keeps it down when the order ships (committed
    becomes shipped). Odoo's figure drops once the order is a confirmed sale order there: its delivery reserves
    the units (free quantity, forecast), and validating it takes them off on hand. Until then Synco keeps the
    units back, so that it does not set Shopify's level back up to Odoo's figure and sell them twice:

    - a confirmed sale order in Odoo ("sale", "done"), an order cancelled in Shopify, or one whose units were all
      restocked: nothing;
    - an order in Odoo but not confirmed there (a quotation, or cancelled in Odoo only), or one Synco will sync
      (eligible): every unit of its lines' current quantities, those Shopify already shipped too. Odoo has no
      delivery for them, so its on hand still counts them; they stop counting when the order is confirmed in
      Odoo (when the shipments app validates its delivery, on hand drops as well);
    - an order Synco will not put in Odoo (ineligible, not there): only its units not shipped yet
      (unfulfilledQuantity): no Odoo delivery will ever take the shipped ones, so Odoo's count of them is the
      merchant's own (an order from before Synco, say), and keeping them back would hide stock for the window.

    Its lines' products are found by SKU, else barcode (`products`: the shop's matched inventory items, keyed as
    `link_key`); unmatched lines and orders from unmapped locations count nowhere.
    """
    mapped_set = set(mapped)
    out: dict[tuple[int, str], int] = defaultdict(int)
    for order in orders:
        location = order.location_gid or default_location
        if location not in mapped_set:
            continue
        for line in order.lines:
            units = order.units_kept_back(line)
            if units <= 0:
                continue
            product = (products.get(line.sku) if line.sku else None) or (
                products.get(link_key("", line.barcode)) if line.barcode else None
            )
            if product is not None:
                out[(product, location)] += units
    return dict(out)
