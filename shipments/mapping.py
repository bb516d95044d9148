"""Pure shipment mapping: Odoo delivery moves <-> Shopify order lines, fulfilment plans, recognising a fulfilment
Synco already made, carrier tracking URLs. No ORM, no settings, no clock, no network."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from synco.odoo.client import OdooDelivery
from synco.shopify.fulfillments import (
    Fulfillment,
    FulfilmentState,
    LineToFulfil,
    Tracking,
)

# Sale lines Synco writes carry the external id `line_<Shopify line number>` (a line split over several prices:
# `line_<number>_<k>`); see orders/mapping.py.
_LINE_KEY = re.compile(r"^line_(\d+)(?:_\d+)?$")
LINE_ITEM_GID = "gid://shopify/LineItem/{number}"
# Shopify's clock and Synco's may differ a little: a fulfilment made for a request is no older than this before it.
CLOCK_SKEW = timedelta(minutes=2)

# Carriers whose tracking page takes the number in the URL (lower-case name fragment -> pattern).
CARRIER_URLS: tuple[tuple[str, str], ...] = (
    ("ups", "https://www.ups.com/track?tracknum={number}"),
    ("fedex", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    ("usps", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    ("dhl", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}"),
    ("postnl", "https://postnl.nl/tracktrace/?B={number}"),
    ("bpost", "https://track.bpost.cloud/btr/web/#/search?itemCode={number}"),
    ("colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={number}"),
    ("gls", "https://gls-group.com/track/{number}"),
    ("dpd", "https://tracking.dpd.de/status/en_US/parcel/{number}"),
    ("royal mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}"),
    ("canada post", "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{number}"),
    ("australia post", "https://auspost.com.au/mypost/track/#/details/{number}"),
)


def line_item_gid(key: str) -> str | None:
    """The Shopify order line a sale line's external id names, or None (shipping, discount, other lines)."""
    match = _LINE_KEY.match(key)
    return LINE_ITEM_GID.format(number=match.group(1)) if match else None


def tracking_for(carrier: str, number: str) -> Tracking:
    """Shopify's tracking from the picking's carrier and tracking reference (URL for known carriers, else none)."""
    number = number.strip()
    url = ""
    if number:
        lowered = carrier.lower()
        for fragment, pattern in CARRIER_URLS:
            if fragment in lowered:
                url = pattern.format(number=quote(number, safe=""))
                break
    return Tracking(company=carrier.strip()[:255], number=number[:255], url=url)


@dataclass(frozen=True)
class Shipped:
    """What a done delivery shipped, per Shopify order line, and the products it shipped that the order lacks."""

    by_line: dict[str, int]
    unknown: tuple[int, ...]  # Odoo product ids


def shipped_by_line(delivery: OdooDelivery, keys: Mapping[int, str]) -> Shipped:
    """`keys`: sale line id -> its external id name. Done moves only; quantities are whole units."""
    by_line: dict[str, int] = {}
    unknown: list[int] = []
    for move in delivery.moves:
        if move.state != "done" or move.quantity <= 0:
            continue
        gid = line_item_gid(keys.get(move.sale_line_id, ""))
        if gid is None:
            unknown.append(move.product_id)
            continue
        by_line[gid] = by_line.get(gid, 0) + int(move.quantity)
    return Shipped(by_line, tuple(sorted(set(unknown))))


@dataclass
class Plan:
    lines: list[LineToFulfil] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    # Fulfilment order gid -> its location's gid (Shopify fulfils one location per fulfillmentCreate).
    locations: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.refusals

    @property
    def location_id(self) -> str:
        """The first location the plan uses ('' when none)."""
        return next(iter(self.groups()), "")

    def groups(self) -> dict[str, list[LineToFulfil]]:
        """Location gid -> the lines to fulfil there: one fulfillmentCreate each, in the plan's order."""
        out: dict[str, list[LineToFulfil]] = {}
        for line in self.lines:
            out.setdefault(self.locations.get(line.fulfillment_order_id, ""), []).append(line)
        return out

    def quantities(self) -> dict[str, int]:
        """Fulfilment order line gid -> quantity."""
        return {line.line_id: line.quantity for line in self.lines}


def plan_fulfilment(
    shipped: Mapping[str, int], state: FulfilmentState, preferred: Iterable[str] = ()
) -> Plan:
    """Spread the shipped units over the fulfilment orders Synco may fulfil, line by line over their remaining
    quantities: first at the `preferred` locations (those mapped to the Odoo warehouse the delivery left from),
    then at the locations that can take the most of what was shipped (fewest fulfilments). Every unit that
    cannot be placed gets a reason (on hold, closed, a fulfilment service's, not left in Shopify)."""
    plan = Plan()
    left = {gid: qty for gid, qty in shipped.items() if qty > 0}
    usable = [fo for fo in state.fulfillment_orders if fo.can_fulfil]
    takes: dict[str, int] = {}
    for fo in usable:
        for line in fo.lines:
            takes[fo.location_id] = takes.get(fo.location_id, 0) + min(
                line.remaining, left.get(line.line_item_id, 0)
            )
    first = list(dict.fromkeys(preferred))
    rank = {
        location: (0 if location in first else 1, first.index(location) if location in first else 0, -units)
        for location, units in takes.items()
    }
    for fo in sorted(usable, key=lambda fo: rank[fo.location_id]):
        for line in fo.lines:
            want = left.get(line.line_item_id, 0)
            take = min(want, line.remaining)
            if take <= 0:
                continue
            plan.locations[fo.id] = fo.location_id
            plan.lines.append(LineToFulfil(fo.id, line.id, take))
            left[line.line_item_id] = want - take
    for gid, qty in left.items():
        if qty <= 0:
            continue
        reasons = [
            fo.refusal()
            for fo in state.fulfillment_orders
            if not fo.can_fulfil and any(line.line_item_id == gid and line.remaining for line in fo.lines)
        ]
        sku = next(
            (line.sku for fo in state.fulfillment_orders for line in fo.lines if line.line_item_id == gid), ""
        )
        label = f"line {gid.rsplit('/', 1)[-1]}" + (f" (SKU {sku})" if sku else "")
        if reasons:
            plan.refusals.append(f"{qty} unit(s) of {label}: " + " ".join(dict.fromkeys(reasons)))
        elif not any(line.line_item_id == gid for fo in state.fulfillment_orders for line in fo.lines):
            plan.refusals.append(
                f"{qty} unit(s) of {label}: no fulfilment order Synco can see holds this line. Shopify hides "
                "the fulfilment orders assigned to a fulfilment service (3PL) or to a location the app's scopes "
                "do not cover: that service fulfils them, or move them back to your location in Shopify."
            )
        else:
            plan.refusals.append(
                f"{qty} unit(s) of {label}: Shopify has fewer units left to fulfil (already fulfilled there?)."
            )
    return plan


def plan_by_line(plan_lines: Sequence[Mapping[str, object]]) -> dict[str, int]:
    """Order line gid -> quantity of a stored plan."""
    out: dict[str, int] = {}
    for line in plan_lines:
        gid = str(line.get("line_item") or "")
        out[gid] = out.get(gid, 0) + int(str(line.get("quantity") or 0))
    return out


def pending_groups(lines: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Stored lines asked of Shopify whose fulfilment is not known yet, one group per location (one
    fulfillmentCreate each). The groups hold the given dicts themselves, for the caller to mark."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if not line.get("fulfillment"):
            groups.setdefault(str(line.get("location") or ""), []).append(line)
    return list(groups.values())


def recognise(
    wanted: Mapping[str, int],
    tracking_number: str,
    requested_at: datetime,
    fulfillments: Iterable[Fulfillment],
    claimed: Iterable[str],
) -> Fulfillment | None:
    """The fulfilment Synco asked for whose answer was lost: made after the request, not another row's, with
    exactly the planned quantities per order line and the planned tracking number. None: it was not made."""
    taken = set(claimed)
    for fulfillment in fulfillments:
        if fulfillment.id in taken or fulfillment.status.upper() in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        created = _parse_time(fulfillment.created_at)
        if created is not None and created < requested_at - CLOCK_SKEW:
            continue
        if fulfillment.quantities() != dict(wanted):
            continue
        if tracking_number and fulfillment.first_tracking.number != tracking_number:
            continue
        return fulfillment
    return None


@dataclass(frozen=True)
class ToValidate:
    """A Shopify fulfilment in Odoo's terms: product -> quantity, and the order lines Odoo has no product for."""

    quantities: dict[int, Decimal]
    unknown: tuple[str, ...]


def odoo_quantities(fulfillment: Fulfillment, product_by_line: Mapping[str, int]) -> ToValidate:
    quantities: dict[int, Decimal] = {}
    unknown: list[str] = []
    for gid, qty in fulfillment.quantities().items():
        product = product_by_line.get(gid)
        if product is None:
            unknown.append(gid)
            continue
        quantities[product] = quantities.get(product, Decimal("0")) + Decimal(qty)
    return ToValidate(quantities, tuple(unknown))


def products_by_line(deliveries: Iterable[OdooDelivery], keys: Mapping[int, str]) -> dict[str, int]:
    """Shopify order line gid -> the Odoo product its sale line delivers (from the delivery moves)."""
    out: dict[str, int] = {}
    for delivery in deliveries:
        for move in delivery.moves:
            gid = line_item_gid(keys.get(move.sale_line_id, ""))
            if gid is not None:
                out.setdefault(gid, move.product_id)
    return out


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
