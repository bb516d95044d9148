"""Shipments both ways, exactly once.

Odoo ships: a validated Odoo delivery of a synced order becomes one Shopify fulfilment per Shopify location its
lines sit at (`push_delivery`; Shopify's fulfillmentCreate takes fulfilment orders of one order and one location
per call). The shipped units are spread over the fulfilment orders' remaining quantities, the locations mapped to
the delivery's Odoo stock first (`stock.models.LocationMapping`). The Shipment row (unique per order and delivery)
holds the planned lines, each with its location and, once made, its fulfilment, and `requested_at` *before* any
fulfillmentCreate is sent; Shopify's fulfillmentCreate is not idempotent, so a row that may have reached Shopify
(answer lost, worker killed) first looks for each location's fulfilment among the order's (`mapping.recognise`:
made after the request, claimed by no other row or location, same quantities per line and tracking) and only
sends what is not there. What Shopify will not let Synco fulfil is held with the reason, the rest is fulfilled.
A tracking number written in Odoo later updates every fulfilment of the delivery.

Cancelled in Shopify (fulfillments/update with status cancelled, or the sweep reading the order): the row is
marked cancelled with what the merchant must do; Synco never re-sends it nor un-validates an Odoo delivery.
Held rows are looked at again with a backoff (15 minutes doubling, at most a day), counted on the row.

Shopify ships: each Shopify fulfilment (one row per fulfilment gid) marks its quantities on the order's open Odoo
delivery and validates it, with a backorder for the rest (`apply_fulfillments`). The delivery chosen is noted on
the row before validating; a retry finds it done and does not validate again.

Notifications (Odoo's automation rule, Shopify's fulfillments/* webhooks) are triggers only: everything is read
again. A sweep is the backstop. Every push and validation is in the sync log.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from orders.mapping import XMLID_MODULE
from orders.models import SHOPIFY_FULFILLED, Order
from shipments import mapping
from shipments.models import Shipment, ShipmentSettings
from stock.models import StockSettings
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import queue
from synco.errors import GatewayError, TransientGatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import Shop
from synco.odoo.client import OdooClient, OdooDelivery
from synco.odoo.delivery_notifications import (
    DeliveryRule,
    done_deliveries_since,
    ensure_delivery_notifications,
    repoint_delivery_notifications,
)
from synco.shopify import fulfillments
from synco.shopify.client import AccessDeniedError

logger = logging.getLogger(__name__)

PUSH_TASK = "shipments.tasks.push_delivery_task"
APPLY_TASK = "shipments.tasks.apply_fulfillments_task"
LEASE = timedelta(minutes=5)
# The sweep looks this far back the first time, and overlaps its cursor (write_date is a transaction's start).
FIRST_SWEEP = timedelta(days=2)
CURSOR_OVERLAP = timedelta(seconds=30)
SWEEP_PAGE = 200
# Held rows (a fulfilment order on hold, a scope missing) are looked at again this long after, doubling with
# every look that finds them still held, up to a day.
HELD_RECHECK = timedelta(minutes=15)
HELD_RECHECK_MAX = timedelta(days=1)
SCOPE_REASON = (
    "Shopify refused to {what}: the app lacks the '{scope}' permission. Open the app from the Shopify admin and "
    "approve its permissions (or reinstall it); Synco tries again after that."
)


def held_backoff(checks: int) -> timedelta:
    """How long after its `checks`-th look a held row is looked at again: 15 min, 30 min, 1 h ... 1 day."""
    return min(HELD_RECHECK * (2 ** max(0, min(checks, 20) - 1)), HELD_RECHECK_MAX)


def get_settings(shop: Shop) -> ShipmentSettings:
    settings, _ = ShipmentSettings.objects.get_or_create(shop=shop)
    return settings


# -- Odoo's notification ------------------------------------------------------------------------


def _token_settings(shop: Shop) -> StockSettings:
    # One secret per shop for every Odoo notification (the stock app's): one thing for the merchant to rotate.
    settings, _ = StockSettings.objects.get_or_create(shop=shop)
    return settings


def webhook_url(shop: Shop, token: str | None = None) -> str:
    """The address Odoo's delivery rule POSTs to: Synco's public URL, the shop, its secret token (`token`: a new
    one, before it is saved)."""
    path = reverse("shipments:odoo_webhook", args=[shop.pk])
    return f"{django_settings.SYNCO_PUBLIC_URL}{path}?token={token or _token_settings(shop).webhook_token}"


def repoint_delivery_rule(shop: Shop) -> Callable[[OdooClient, str], int]:
    """For a new webhook token (stock.services.rotate_webhook_token): Synco's delivery rule follows it."""
    return lambda odoo, token: repoint_delivery_notifications(odoo, webhook_url(shop, token))


def token_matches(shop_pk: int, token: str) -> Shop | None:
    settings = StockSettings.objects.select_related("shop").filter(shop_id=shop_pk).first()
    expected = str(settings.webhook_token or "") if settings else ""
    if not (token and expected and hmac.compare_digest(expected.encode(), token.encode())):
        return None
    return settings.shop if settings else None


def install_delivery_notifications(shop: Shop, *, install_module: bool) -> DeliveryRule:
    """Create (or re-point) the Odoo rule that notifies Synco of validated deliveries; logged."""
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="delivery_notifications",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain[:100],
    )
    odoo = odoo_client_for(shop)
    try:
        rule = ensure_delivery_notifications(odoo, webhook_url(shop), install=install_module)
    except GatewayError as exc:
        finish_attempt(attempt, succeeded=False, message=exc.message, rpc_calls=odoo.rpc_calls)
        raise
    ShipmentSettings.objects.filter(pk=get_settings(shop).pk).update(notifications_rule_id=rule.rule_id)
    finish_attempt(
        attempt,
        succeeded=True,
        message=(
            f"Odoo notifies Synco of validated deliveries (rule {'created' if rule.created else 'updated'}"
            + (", tracking numbers too" if rule.watches_tracking else "")
            + (", Automation Rules installed" if rule.installed_module else "")
            + ")."
        ),
        odoo_model="base.automation",
        odoo_id=rule.rule_id,
        rpc_calls=odoo.rpc_calls,
    )
    return rule


def delivery_notified(shop: Shop, payload: Any) -> int:
    """Odoo says a delivery was validated (or its tracking changed): queue its push; returns how many."""
    records = payload if isinstance(payload, list) else [payload]
    queued = 0
    for record in records:
        if not isinstance(record, dict) or str(record.get("_model") or "") != "stock.picking":
            continue
        picking = _int(record.get("_id") or record.get("id"))
        sale = _int(record.get("sale_id"))
        if not picking or not sale:
            continue
        order_id = (
            Order.objects.filter(shop=shop, odoo_model="sale.order", odoo_id=sale)
            .values_list("pk", flat=True)
            .first()
        )
        if order_id is None:
            continue  # not an order Synco wrote
        queue.delay_on_commit(PUSH_TASK, order_id, picking)
        queued += 1
    return queued


def _int(value: Any) -> int:
    if isinstance(value, list | tuple):
        value = value[0] if value else 0
    if isinstance(value, bool):
        return 0
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# -- claiming rows --------------------------------------------------------------------------------


def _claim(row: Shipment) -> bool:
    now = timezone.now()
    return bool(
        Shipment.objects.filter(pk=row.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )


def _release(row: Shipment) -> None:
    Shipment.objects.filter(pk=row.pk).update(lease_until=None)


def _save(row: Shipment, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[*values, "updated_at"])


@dataclass
class _Log:
    """One sync-log row per push, tracking update or validation, opened when there is work."""

    order: Order
    task_id: str
    attempt: SyncAttempt | None = None
    rpc_start: int = 0
    calls: dict[str, int] = field(default_factory=dict)

    def open(self, operation: str) -> None:
        if self.attempt is None:
            self.attempt = start_attempt(
                shop_id=self.order.shop_id,
                operation=operation,
                object_ref=self.order.name,
                order_id=self.order.pk,
                task_id=self.task_id,
            )

    def close(
        self, operation: str, *, ok: bool, message: str, odoo: OdooClient | None, summary: dict[str, object]
    ) -> None:
        self.open(operation)
        assert self.attempt is not None
        finish_attempt(
            self.attempt,
            succeeded=ok,
            message=message,
            odoo_model="stock.picking" if summary.get("picking") else "",
            odoo_id=_int(summary.get("picking")) or None,
            rpc_calls=odoo.rpc_calls if odoo is not None else 0,
            summary=summary,
        )
        self.attempt = None


# -- Odoo ships: delivery -> fulfilment -----------------------------------------------------------


def push_delivery(order_id: int, picking_id: int, *, task_id: str = "") -> str:
    """Fulfil in Shopify what an Odoo delivery of the order shipped (once), or update its tracking."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or order.odoo_id is None or order.shop.uninstalled_at is not None:
        return "no such synced order"
    try:
        row, _ = Shipment.objects.get_or_create(
            order=order,
            odoo_picking_id=picking_id,
            direction=Shipment.Direction.TO_SHOPIFY,
            defaults={"shop": order.shop},
        )
    except IntegrityError:
        row = Shipment.objects.get(
            order=order, odoo_picking_id=picking_id, direction=Shipment.Direction.TO_SHOPIFY
        )
    if not _claim(row):
        return "another worker is on it"
    row.refresh_from_db()
    try:
        return _push(order, row, get_settings(order.shop), task_id)
    finally:
        _release(row)


def _push(order: Order, row: Shipment, settings: ShipmentSettings, task_id: str) -> str:
    if row.state == Shipment.State.CANCELLED:
        return row.reason  # cancelled in Shopify: never sent again by Synco
    log = _Log(order, task_id)
    operation = "update_tracking" if row.state == Shipment.State.SENT else "push_fulfillment"
    odoo: OdooClient | None = None
    summary: dict[str, object] = {"picking": row.odoo_picking_id}
    try:
        odoo = odoo_client_for(order.shop)
        delivery = next(
            (d for d in odoo.deliveries(int(order.odoo_id or 0)) if d.id == row.odoo_picking_id), None
        )
        if delivery is None:
            _save(row, state=Shipment.State.SKIPPED, reason="Not a delivery of this order in Odoo.")
            return row.reason
        summary["delivery"] = delivery.name
        if row.odoo_picking_name != delivery.name:
            _save(row, odoo_picking_name=delivery.name)
        if delivery.state != "done":
            _save(row, state=Shipment.State.PENDING, reason="The Odoo delivery is not validated yet.")
            return row.reason
        tracking = mapping.tracking_for(delivery.carrier, delivery.tracking_ref)
        if row.state == Shipment.State.SENT:
            return _update_tracking(order, row, settings, tracking, log, odoo, summary)
        log.open(operation)
        shopify = shopify_client_for(order.shop)
        keys = odoo.order_line_keys(XMLID_MODULE, [m.sale_line_id for m in delivery.moves if m.sale_line_id])
        shipped = mapping.shipped_by_line(delivery, keys)
        state = fulfillments.read_state(shopify, order.gid)
        summary["graphql"] = 1
        cancelled = _cancelled_in(row, state)
        if cancelled is not None:
            return _cancel_row(
                order, row, cancelled.name or cancelled.id, log=log, odoo=odoo, summary=summary
            )
        stored = [dict(line) for line in row.lines or [] if isinstance(line, dict)]
        recognised: list[fulfillments.Fulfillment] = []
        if row.requested_at is not None:
            claimed = _claimed(order, row) | {str(line.get("fulfillment")) for line in stored}
            for group in mapping.pending_groups(stored):
                found = mapping.recognise(
                    mapping.plan_by_line(group),
                    row.tracking_number,
                    row.requested_at,
                    state.fulfillments,
                    claimed,
                )
                if found is None:
                    continue
                for line in group:
                    line["fulfillment"], line["fulfillment_name"] = found.id, found.name
                claimed.add(found.id)
                recognised.append(found)
        # Lines asked for whose fulfilment is not in Shopify were not made: planned again below.
        stored = [line for line in stored if line.get("fulfillment")]
        unknown_note = _unknown_products(shipped.unknown)
        if not shipped.by_line:
            return _hold(
                row,
                log,
                operation,
                odoo,
                summary,
                f"{delivery.name} shipped nothing Synco can match to the Shopify order. {unknown_note}".strip(),
            )
        done = mapping.plan_by_line(stored)
        left = {gid: qty - done.get(gid, 0) for gid, qty in shipped.by_line.items() if qty > done.get(gid, 0)}
        if not left and stored:
            _sent_lines(row, stored, unknown_note)
            names = ", ".join(f.name or f.id for f in recognised) or row.fulfillment_name
            message = (
                f"{delivery.name}: Shopify had already made fulfilment {names} for Synco's earlier request "
                "(its answer was lost); not sent again."
                if recognised
                else f"{delivery.name}: already fulfilled in Shopify ({names})."
            )
            log.close(operation, ok=True, message=message, odoo=odoo, summary=summary)
            return message
        usable = {fo.location_id for fo in state.fulfillment_orders if fo.can_fulfil}
        preferred = _preferred_locations(order.shop, odoo, delivery.id) if len(usable) > 1 else []
        plan = mapping.plan_fulfilment(left, state, preferred)
        # What Shopify lets Synco fulfil is fulfilled; the rest is held with the reason (e.g. a location's
        # fulfilment order on hold): a later look fulfils it once released.
        if not plan.lines:
            if stored != row.lines:
                _save(row, lines=stored, **_first_gid(stored))
            reason = f"{delivery.name} cannot be fulfilled in Shopify: " + " ".join(plan.refusals)
            if stored:
                reason = f"{_sent_note(stored)} {reason}"
            return _hold(row, log, operation, odoo, summary, f"{reason} {unknown_note}".strip())
        line_items = {line.id: line.line_item_id for fo in state.fulfillment_orders for line in fo.lines}
        location_names = {fo.location_id: fo.location_name for fo in state.fulfillment_orders}
        planned = [
            {
                "fulfillment_order": line.fulfillment_order_id,
                "fulfillment_order_line": line.line_id,
                "line_item": line_items.get(line.line_id, ""),
                "quantity": line.quantity,
                "location": plan.locations.get(line.fulfillment_order_id, ""),
                "location_name": location_names.get(plan.locations.get(line.fulfillment_order_id, ""), ""),
                "fulfillment": "",
                "fulfillment_name": "",
            }
            for line in plan.lines
        ]
        # Written before asking Shopify: a retry after a lost answer knows a request may have landed.
        _save(
            row,
            state=Shipment.State.SENDING,
            reason=unknown_note,
            lines=stored + planned,
            tracking_company=tracking.company,
            tracking_number=tracking.number,
            tracking_url=tracking.url,
            requested_at=timezone.now(),
            **_first_gid(stored),
        )
        groups = plan.groups()
        refused: list[str] = []
        made: list[fulfillments.Fulfillment] = []
        # One fulfillmentCreate per Shopify location: Shopify takes fulfilment orders of one order and one
        # location per call ("All fulfillment orders must be assigned to the same location.").
        for location, to_send in groups.items():
            result = fulfillments.create_fulfillment(
                shopify, to_send, tracking, notify_customer=settings.notify_customer
            )
            summary["graphql"] = int(str(summary["graphql"])) + 1
            ids = {line.line_id for line in to_send}
            current = [dict(line) for line in row.lines]
            if result.user_errors or result.fulfillment is None:
                # Refused: nothing was made for this location, so a later attempt may send it afresh.
                current = [
                    line
                    for line in current
                    if line.get("fulfillment") or line.get("fulfillment_order_line") not in ids
                ]
                where = location_names.get(location) or location
                refused.append(
                    (f"at {where}: " if len(groups) > 1 else "")
                    + ("; ".join(result.user_errors) or "no fulfilment made")
                )
                _save(row, lines=current)
                continue
            for line in current:
                if not line.get("fulfillment") and line.get("fulfillment_order_line") in ids:
                    line["fulfillment"] = result.fulfillment.id
                    line["fulfillment_name"] = result.fulfillment.name
            made.append(result.fulfillment)
            _save(row, lines=current, **_first_gid(current))
        if refused or plan.refusals:
            if not any(not line.get("fulfillment") for line in row.lines):
                _save(row, requested_at=None)
            reason = " ".join(
                [_sent_note(row.lines)]
                + (["Shopify refused the fulfilment: " + " ".join(refused)] if refused else [])
                + (
                    [f"{delivery.name} cannot be fulfilled in Shopify: " + " ".join(plan.refusals)]
                    if plan.refusals
                    else []
                )
                + [unknown_note]
            ).strip()
            return _hold(row, log, operation, odoo, summary, reason)
        _sent_lines(row, row.lines, unknown_note)
        units = sum(line.quantity for line in plan.lines)
        names = ", ".join(f.name or f.id for f in made)
        message = (
            f"{delivery.name} -> Shopify fulfilment{'s' if len(made) > 1 else ''} {names} "
            f"({units} unit{'s' if units != 1 else ''}"
            + (f" from {len(made)} locations" if len(made) > 1 else "")
            + (f", tracking {tracking.company} {tracking.number}".rstrip() if tracking.number else "")
            + "). "
            + unknown_note
        ).strip()
        log.close(operation, ok=True, message=message, odoo=odoo, summary=summary)
        return message
    except AccessDeniedError as exc:
        reason = SCOPE_REASON.format(
            what="fulfil the order", scope=exc.scope or "write_merchant_managed_fulfillment_orders"
        )
        return _hold(row, log, operation, odoo, summary, reason)
    except TransientGatewayError as exc:
        _save(row, state=Shipment.State.FAILED, reason=exc.message)
        log.close(operation, ok=False, message=exc.message, odoo=odoo, summary=summary)
        raise
    except GatewayError as exc:
        return _hold(row, log, operation, odoo, summary, exc.message)


def _unknown_products(products: Iterable[int]) -> str:
    ids = list(products)
    if not ids:
        return ""
    return (
        f"Odoo shipped product(s) {', '.join(f'#{i}' for i in ids)} that are not lines of the Shopify order: "
        "they are not in the Shopify fulfilment."
    )


def _first_gid(lines: list[dict[str, Any]]) -> dict[str, str]:
    """The row's fulfilment (the first made) and every fulfilment's name, from its stored lines."""
    gids = list(dict.fromkeys(str(line.get("fulfillment")) for line in lines if line.get("fulfillment")))
    if not gids:
        return {}
    names = {str(line.get("fulfillment")): str(line.get("fulfillment_name") or "") for line in lines}
    return {"fulfillment_gid": gids[0], "fulfillment_name": ", ".join(names[g] or g for g in gids)[:64]}


def _sent_lines(row: Shipment, lines: list[dict[str, Any]], note: str = "") -> None:
    _save(
        row,
        state=Shipment.State.SENT,
        reason=note,
        lines=lines,
        next_check_at=None,
        **_first_gid(lines),
    )


def _sent_note(lines: Iterable[dict[str, Any]]) -> str:
    made = {
        str(line.get("fulfillment_name") or line.get("fulfillment")): str(line.get("location_name") or "")
        for line in lines
        if line.get("fulfillment")
    }
    if not made:
        return ""
    return (
        "Fulfilled in Shopify so far: "
        + ", ".join(f"{name}" + (f" at {where}" if where else "") for name, where in made.items())
        + "."
    )


def _claimed(order: Order, row: Shipment) -> set[str]:
    """Fulfilments other rows already hold (the shop's rows' first fulfilment, the order's rows' others)."""
    shop_rows = Shipment.objects.filter(shop=order.shop).exclude(pk=row.pk).exclude(fulfillment_gid="")
    claimed = set(shop_rows.values_list("fulfillment_gid", flat=True))
    for other in Shipment.objects.filter(order=order).exclude(pk=row.pk):
        claimed.update(other.fulfillment_gids)
    return claimed


def _preferred_locations(shop: Shop, odoo: OdooClient, picking_id: int) -> list[str]:
    """The Shopify locations mapped to the Odoo stock the delivery left from (its source location, or the
    warehouse of its operation type); one extra read, made only when the order sits at several locations."""
    from stock.models import LocationMapping

    rows = odoo.call("stock.picking", "read", [picking_id], ["location_id", "picking_type_id"])
    if not rows:
        return []
    source = _int(rows[0].get("location_id"))
    warehouse = 0
    picking_type = _int(rows[0].get("picking_type_id"))
    if picking_type:
        types = odoo.call("stock.picking.type", "read", [picking_type], ["warehouse_id"])
        warehouse = _int(types[0].get("warehouse_id")) if types else 0
    preferred = []
    for mapped in LocationMapping.objects.filter(shop=shop).order_by("id"):
        ids = {_int(i) for i in mapped.odoo_location_ids or []}
        if (source and source in ids) or (warehouse and mapped.odoo_warehouse_id == warehouse):
            preferred.append(mapped.shopify_location_gid)
    return preferred


def _hold(
    row: Shipment,
    log: _Log,
    operation: str,
    odoo: OdooClient | None,
    summary: dict[str, object],
    reason: str,
) -> str:
    # A row that had reached SENT keeps its state (a tracking update failed): the reason says why.
    if row.state == Shipment.State.SENT:
        _save(row, reason=reason)
    else:
        checks = row.held_checks + 1
        _save(
            row,
            state=Shipment.State.HELD,
            reason=reason,
            held_checks=checks,
            next_check_at=timezone.now() + held_backoff(checks),
        )
    log.close(operation, ok=False, message=reason, odoo=odoo, summary=summary)
    return reason


def _cancelled_in(row: Shipment, state: fulfillments.FulfilmentState) -> fulfillments.Fulfillment | None:
    gids = set(row.fulfillment_gids)
    return next((f for f in state.fulfillments if f.id in gids and f.status.upper() == "CANCELLED"), None)


def cancellation_reason(row: Shipment, name: str) -> str:
    picking = row.odoo_picking_name or (f"#{row.odoo_picking_id}" if row.odoo_picking_id else "")
    if row.direction == Shipment.Direction.TO_ODOO:
        return (
            f"Shopify fulfilment {name} was cancelled in Shopify after Synco validated Odoo delivery {picking}: "
            "Synco cannot un-validate a delivery. Create a return for it in Odoo (Return on the delivery) so "
            "Odoo's stock follows, or fulfil the order again in Shopify."
        )
    return (
        f"Shopify fulfilment {name} (from Odoo delivery {picking}) was cancelled in Shopify: Synco does not send "
        "it again. If the parcel left, fulfil the units again in Shopify; if it did not, create a return for "
        f"{picking} in Odoo."
    )


def _cancel_row(
    order: Order,
    row: Shipment,
    name: str,
    *,
    log: _Log | None = None,
    odoo: OdooClient | None = None,
    summary: dict[str, object] | None = None,
) -> str:
    """A fulfilment of the row was cancelled in Shopify: recorded with what the merchant must do, logged."""
    reason = cancellation_reason(row, name)
    _save(row, state=Shipment.State.CANCELLED, reason=reason, next_check_at=None)
    (log or _Log(order, "")).close(
        "fulfillment_cancelled",
        ok=False,
        message=reason,
        odoo=odoo,
        summary={**(summary or {}), "picking": row.odoo_picking_id, "fulfillment": name},
    )
    return reason


def fulfillment_cancelled(order: Order, gid: str, name: str = "") -> str:
    """Shopify says a fulfilment was cancelled (fulfillments/update, or the sweep reading the order)."""
    for row in Shipment.objects.filter(order=order).exclude(state=Shipment.State.CANCELLED):
        if gid not in row.fulfillment_gids:
            continue
        if row.state in (
            Shipment.State.SENT,
            Shipment.State.VALIDATED,
            Shipment.State.SENDING,
            Shipment.State.HELD,
        ):
            return _cancel_row(order, row, name or gid)
    if Shipment.objects.filter(order=order, state=Shipment.State.CANCELLED, fulfillment_gid=gid).exists():
        return f"Fulfilment {name or gid}: its cancellation is already recorded."
    return f"Fulfilment {name or gid} was cancelled in Shopify; Synco had not applied it: nothing to undo."


def _update_tracking(
    order: Order,
    row: Shipment,
    settings: ShipmentSettings,
    tracking: fulfillments.Tracking,
    log: _Log,
    odoo: OdooClient,
    summary: dict[str, object],
) -> str:
    if not tracking.number or (tracking.number, tracking.company) == (
        row.tracking_number,
        row.tracking_company,
    ):
        return "nothing to update"
    operation = "update_tracking"
    log.open(operation)
    shopify = shopify_client_for(order.shop)
    errors: list[str] = []
    for gid in row.fulfillment_gids:
        errors += fulfillments.update_tracking(
            shopify, gid, tracking, notify_customer=settings.notify_customer
        )
    summary["graphql"] = len(row.fulfillment_gids)
    if errors:
        return _hold(row, log, operation, odoo, summary, "Shopify refused the tracking: " + "; ".join(errors))
    _save(
        row,
        tracking_company=tracking.company,
        tracking_number=tracking.number,
        tracking_url=tracking.url,
        reason="",
    )
    message = f"{row.odoo_picking_name}: tracking {tracking.company} {tracking.number} sent to Shopify."
    log.close(operation, ok=True, message=message, odoo=odoo, summary=summary)
    return message


# -- Shopify ships: fulfilment -> Odoo delivery ---------------------------------------------------


def apply_fulfillments(
    order_id: int, *, only: str = "", task_id: str = "", at_sync: bool = False
) -> list[str]:
    """Validate the Odoo delivery for each Shopify fulfilment of the order Synco has not applied yet (once each).

    `only`: that fulfilment alone. `at_sync`: the order was just synced (the shop's validate-at-sync setting)."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or order.odoo_id is None or order.shop.uninstalled_at is not None:
        return []
    settings = get_settings(order.shop)
    if not at_sync and settings.shipper != ShipmentSettings.Shipper.SHOPIFY:
        return ["Odoo ships for this shop: Shopify's fulfilments are not applied to Odoo."]
    shopify = shopify_client_for(order.shop)
    try:
        state = fulfillments.read_state(shopify, order.gid)
    except AccessDeniedError as exc:
        reason = SCOPE_REASON.format(what="show the order's fulfilments", scope=exc.scope or "read_orders")
        _Log(order, task_id).close("validate_delivery", ok=False, message=reason, odoo=None, summary={})
        return [reason]
    known = set(
        Shipment.objects.filter(shop=order.shop)
        .exclude(fulfillment_gid="")
        .filter(Q(direction=Shipment.Direction.TO_SHOPIFY) | Q(state=Shipment.State.VALIDATED))
        .values_list("fulfillment_gid", flat=True)
    )
    for own in Shipment.objects.filter(order=order, direction=Shipment.Direction.TO_SHOPIFY):
        known.update(own.fulfillment_gids)
    outcomes = []
    for fulfillment in state.fulfillments:
        if (only and fulfillment.id != only) or fulfillment.id in known:
            continue
        if fulfillment.status.upper() in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        outcomes.append(_apply_one(order, fulfillment, task_id))
    return outcomes


def _apply_one(order: Order, fulfillment: fulfillments.Fulfillment, task_id: str) -> str:
    try:
        row, _ = Shipment.objects.get_or_create(
            shop=order.shop,
            fulfillment_gid=fulfillment.id,
            defaults={"order": order, "direction": Shipment.Direction.TO_ODOO},
        )
    except IntegrityError:
        row = Shipment.objects.get(shop=order.shop, fulfillment_gid=fulfillment.id)
    if row.direction != Shipment.Direction.TO_ODOO or row.state in (
        Shipment.State.VALIDATED,
        Shipment.State.CANCELLED,
    ):
        return "already applied"
    if not _claim(row):
        return "another worker is on it"
    row.refresh_from_db()
    try:
        return _validate(order, row, fulfillment, task_id)
    finally:
        _release(row)


def _validate(order: Order, row: Shipment, fulfillment: fulfillments.Fulfillment, task_id: str) -> str:
    operation = "validate_delivery"
    log = _Log(order, task_id)
    log.open(operation)
    odoo: OdooClient | None = None
    summary: dict[str, object] = {"fulfillment": fulfillment.id}
    tracking = fulfillment.first_tracking
    try:
        odoo = odoo_client_for(order.shop)
        deliveries = odoo.deliveries(int(order.odoo_id or 0))
        by_id = {d.id: d for d in deliveries}
        if row.odoo_picking_id and row.requested_at is not None:
            earlier = by_id.get(row.odoo_picking_id)
            if earlier is not None and earlier.state == "done":
                # Validated by the earlier attempt whose answer was lost (or by hand meanwhile): not again.
                return _validated(row, earlier, deliveries, log, odoo, summary, fulfillment, lost=True)
        keys = odoo.order_line_keys(
            XMLID_MODULE, [m.sale_line_id for d in deliveries for m in d.moves if m.sale_line_id]
        )
        wanted = mapping.odoo_quantities(fulfillment, mapping.products_by_line(deliveries, keys))
        unknown = (
            f"Shopify fulfilled line(s) {', '.join(g.rsplit('/', 1)[-1] for g in wanted.unknown)} that the Odoo "
            "order does not deliver (not synced by Synco, or a service line)."
            if wanted.unknown
            else ""
        )
        if not wanted.quantities:
            return _hold(
                row, log, operation, odoo, summary, unknown or "The fulfilment ships nothing to validate."
            )
        products = set(wanted.quantities)
        target = next(
            (
                d
                for d in deliveries
                if d.state not in ("done", "cancel") and products & {m.product_id for m in d.moves}
            ),
            None,
        )
        if target is None:
            return _hold(
                row,
                log,
                operation,
                odoo,
                summary,
                "The Odoo order has no open delivery for these products (validated or cancelled in Odoo "
                f"already?). {unknown}".strip(),
            )
        summary["picking"] = target.id
        _save(
            row,
            state=Shipment.State.SENDING,
            reason=unknown,
            odoo_picking_id=target.id,
            odoo_picking_name=target.name,
            lines=[{"product": p, "quantity": int(q)} for p, q in sorted(wanted.quantities.items())],
            tracking_company=tracking.company,
            tracking_number=tracking.number,
            tracking_url=tracking.url,
            fulfillment_name=fulfillment.name,
            requested_at=timezone.now(),
        )
        if tracking.number and "carrier_tracking_ref" in odoo._picking_carrier_fields():
            odoo.set_tracking_ref(target.id, tracking.number)
        backorders = odoo.validate_delivery(target.id, wanted.quantities, backorder=True)
        _save(row, state=Shipment.State.VALIDATED, odoo_backorder_ids=backorders)
        message = (
            f"Shopify fulfilment {fulfillment.name or fulfillment.id} -> Odoo delivery {target.name} validated"
            + (f", backorder {len(backorders)} transfer(s) for the rest" if backorders else "")
            + (f", tracking {tracking.number}" if tracking.number else "")
            + ". "
            + unknown
        ).strip()
        log.close(
            operation, ok=True, message=message, odoo=odoo, summary={**summary, "backorders": backorders}
        )
        return message
    except TransientGatewayError as exc:
        _save(row, state=Shipment.State.FAILED, reason=exc.message)
        log.close(operation, ok=False, message=exc.message, odoo=odoo, summary=summary)
        raise
    except GatewayError as exc:
        return _hold(row, log, operation, odoo, summary, exc.message)


def _validated(
    row: Shipment,
    delivery: OdooDelivery,
    deliveries: list[OdooDelivery],
    log: _Log,
    odoo: OdooClient,
    summary: dict[str, object],
    fulfillment: fulfillments.Fulfillment,
    *,
    lost: bool,
) -> str:
    backorders = [d.id for d in deliveries if d.backorder_of == delivery.id]
    _save(row, state=Shipment.State.VALIDATED, odoo_backorder_ids=backorders)
    message = (
        f"Odoo delivery {delivery.name} was already validated for Shopify fulfilment "
        f"{fulfillment.name or fulfillment.id}"
        + (" (an earlier answer was lost)" if lost else "")
        + "; not again."
    )
    log.close(
        "validate_delivery", ok=True, message=message, odoo=odoo, summary={**summary, "picking": delivery.id}
    )
    return message


def fulfillment_notified(shop: Shop, topic: str, payload: dict[str, Any]) -> str:
    """fulfillments/create|update: a trigger; the order's fulfilments are read again from Shopify."""
    order_number = payload.get("order_id")
    gid = str(payload.get("admin_graphql_api_id") or "")
    if not isinstance(order_number, int) or isinstance(order_number, bool) or not gid:
        return f"The body of {topic} names no order or fulfilment."
    order = Order.objects.filter(shop=shop, shopify_id=order_number).first()
    if order is None:
        return f"Fulfilment {gid}: the order is not in Synco."
    if str(payload.get("status") or "").lower() == "cancelled":
        return fulfillment_cancelled(order, gid, str(payload.get("name") or ""))
    own = any(
        gid in row.fulfillment_gids
        for row in Shipment.objects.filter(order=order, direction=Shipment.Direction.TO_SHOPIFY)
    )
    if own:
        return f"Fulfilment {gid} is Synco's own (from an Odoo delivery)."
    settings = get_settings(shop)
    if settings.shipper != ShipmentSettings.Shipper.SHOPIFY:
        return f"Fulfilment {gid}: Odoo ships for this shop; nothing to apply."
    if order.odoo_id is None:
        return f"Fulfilment {gid}: order {order.name} is not in Odoo yet (validated when it is synced)."
    if topic == "fulfillments/update":
        done = Shipment.objects.filter(shop=shop, fulfillment_gid=gid, state=Shipment.State.VALIDATED).first()
        if done is not None:
            return _tracking_to_odoo(order, done, payload)
    outcomes = apply_fulfillments(order.pk, only=gid)
    return "; ".join(outcomes) or f"Fulfilment {gid} was already applied."


def _tracking_to_odoo(order: Order, row: Shipment, payload: dict[str, Any]) -> str:
    number = str(payload.get("tracking_number") or "")
    if not number or number == row.tracking_number or not row.odoo_picking_id:
        return f"Fulfilment {row.fulfillment_gid}: nothing new for Odoo."
    odoo = odoo_client_for(order.shop)
    if "carrier_tracking_ref" not in odoo._picking_carrier_fields():
        return "Odoo has no tracking field (install Delivery Costs / stock_delivery)."
    odoo.set_tracking_ref(row.odoo_picking_id, number)
    _save(row, tracking_number=number, tracking_company=str(payload.get("tracking_company") or ""))
    message = f"Tracking {number} written on Odoo delivery {row.odoo_picking_name}."
    _Log(order, "").close(
        "update_tracking", ok=True, message=message, odoo=odoo, summary={"picking": row.odoo_picking_id}
    )
    return message


def order_synced(order_id: int, *, task_id: str = "") -> list[str]:
    """An order was just synced: if Shopify had already fulfilled it and Shopify ships for the shop, validate its
    Odoo delivery (a setting). Where Odoo ships, its warehouse validates its own deliveries: an order Shopify
    shows fulfilled (an import of past orders, say) never moves Odoo's stock by itself."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None:
        return []
    settings = get_settings(order.shop)
    if not settings.validates_deliveries_at_sync:
        return []
    if order.fulfillment_status not in SHOPIFY_FULFILLED:
        return []  # nothing fulfilled in Shopify when it was imported: no call needed
    return apply_fulfillments(order_id, task_id=task_id, at_sync=True)


# -- the sweep --------------------------------------------------------------------------------------


def shops_to_sweep() -> list[int]:
    """Every installed shop with an Odoo connection: its shipment settings are made with the defaults on its
    first sweep (a shop never opened Settings > Shipping still has its deliveries pushed)."""
    return list(
        Shop.objects.filter(uninstalled_at__isnull=True, odoo__isnull=False).values_list("pk", flat=True)
    )


def _odoo_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _earlier(write_date: str, delta: timedelta) -> str:
    moment = datetime.strptime(write_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return _odoo_time(moment - delta)


def sweep(shop_id: int, *, task_id: str = "") -> int:
    """The backstop: queue what a lost notification would have; returns how many pushes/validations it queued."""
    shop = Shop.objects.filter(pk=shop_id, uninstalled_at__isnull=True).first()
    if shop is None:
        return 0
    settings = get_settings(shop)
    queued = _retry_stale(shop)
    _sweep_cancelled(shop)
    if settings.shipper == ShipmentSettings.Shipper.ODOO:
        queued += _sweep_odoo(shop, settings)
    else:
        queued += _sweep_shopify(shop)
    ShipmentSettings.objects.filter(pk=settings.pk).update(last_swept_at=timezone.now())
    return queued


def _sweep_odoo(shop: Shop, settings: ShipmentSettings) -> int:
    odoo = odoo_client_for(shop)
    since = (
        _earlier(settings.sweep_cursor, CURSOR_OVERLAP)
        if settings.sweep_cursor
        else _odoo_time(timezone.now() - FIRST_SWEEP)
    )
    after_id = 0
    queued = 0
    sent = {
        picking: number
        for picking, number in Shipment.objects.filter(
            shop=shop, direction=Shipment.Direction.TO_SHOPIFY, state=Shipment.State.SENT
        ).values_list("odoo_picking_id", "tracking_number")
    }
    # Held rows come back on their backoff (_retry_stale), cancelled ones never: not queued again here.
    waiting = set(
        Shipment.objects.filter(
            shop=shop,
            direction=Shipment.Direction.TO_SHOPIFY,
            state__in=[Shipment.State.HELD, Shipment.State.CANCELLED],
        ).values_list("odoo_picking_id", flat=True)
    )
    newest = (settings.sweep_cursor, settings.sweep_cursor_id)
    while True:
        page = done_deliveries_since(odoo, since, after_id, limit=SWEEP_PAGE)
        orders = dict(
            Order.objects.filter(
                shop=shop, odoo_model="sale.order", odoo_id__in=[d.sale_id for d in page if d.sale_id]
            ).values_list("odoo_id", "pk")
        )
        for delivery in page:
            order_id = orders.get(delivery.sale_id)
            if order_id is None or delivery.id in waiting:
                continue
            if delivery.id in sent and (
                not delivery.tracking_ref or sent[delivery.id] == delivery.tracking_ref
            ):
                continue  # pushed, and no new tracking number
            queue.delay_on_commit(PUSH_TASK, order_id, delivery.id)
            queued += 1
        if page:
            newest = max(newest, (page[-1].write_date, page[-1].id))
        if len(page) < SWEEP_PAGE:
            break
        since, after_id = page[-1].write_date, page[-1].id
    ShipmentSettings.objects.filter(pk=settings.pk).update(sweep_cursor=newest[0], sweep_cursor_id=newest[1])
    return queued


def _sweep_shopify(shop: Shop) -> int:
    """Synced orders Shopify shows (partly) fulfilled with a fulfilment Synco has not applied."""
    applied = set(
        Shipment.objects.filter(shop=shop)
        .filter(state__in=[Shipment.State.VALIDATED, Shipment.State.SENT])
        .exclude(fulfillment_gid="")
        .values_list("fulfillment_gid", flat=True)
    )
    queued = 0
    recent = timezone.now() - timedelta(days=30)
    rows = Order.objects.filter(
        shop=shop, odoo_id__isnull=False, fulfillment_status__in=SHOPIFY_FULFILLED, updated_at__gte=recent
    ).values_list("pk", "payload")
    for order_id, payload in rows.iterator():
        ids = {str(f.get("id")) for f in (payload or {}).get("fulfillments") or [] if isinstance(f, dict)}
        if not ids or ids - applied:
            queue.delay_on_commit(APPLY_TASK, order_id)
            queued += 1
    return queued


def _sweep_cancelled(shop: Shop) -> int:
    """Backstop for a lost fulfillments/update: fulfilments the synced orders show cancelled (the order's
    payload, kept current by orders/updated) that a shipment row still holds as made."""
    recent = timezone.now() - timedelta(days=30)
    held = {
        gid: order_id
        for row in Shipment.objects.filter(
            shop=shop,
            state__in=[Shipment.State.SENT, Shipment.State.VALIDATED],
            order__updated_at__gte=recent,
        ).only("order_id", "fulfillment_gid", "lines")
        for order_id in [row.order_id]
        for gid in row.fulfillment_gids
    }
    if not held:
        return 0
    found = 0
    orders = Order.objects.filter(
        shop=shop, pk__in=set(held.values()), updated_at__gte=recent
    ).select_related("shop")
    for order in orders.iterator():
        for f in (order.payload or {}).get("fulfillments") or []:
            if not isinstance(f, dict) or str(f.get("status") or "").lower() != "cancelled":
                continue
            gid = str(f.get("admin_graphql_api_id") or f.get("id") or "")
            if held.get(gid) == order.pk:
                fulfillment_cancelled(order, gid, str(f.get("name") or ""))
                found += 1
    return found


def _retry_stale(shop: Shop) -> int:
    """Rows a worker died on or that failed on a passing fault, and held rows whose backoff is over."""
    now = timezone.now()
    stale = Shipment.objects.filter(shop=shop).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    due_held = Q(state=Shipment.State.HELD) & (
        Q(next_check_at__lte=now) | Q(next_check_at__isnull=True, updated_at__lt=now - HELD_RECHECK)
    )
    rows = list(
        stale.filter(
            Q(
                state__in=[Shipment.State.SENDING, Shipment.State.FAILED],
                updated_at__lt=now - timedelta(minutes=2),
            )
            | due_held
        ).values_list("pk", "state", "direction", "order_id", "odoo_picking_id")[:100]
    )
    queued = 0
    for _pk, _state, direction, order_id, picking in rows:
        if direction == Shipment.Direction.TO_SHOPIFY and picking:
            queue.delay_on_commit(PUSH_TASK, order_id, picking)
        else:
            queue.delay_on_commit(APPLY_TASK, order_id)
        queued += 1
    held = [pk for pk, state, *_ in rows if state == Shipment.State.HELD]
    if held:
        # Looked at now: until the task records what it found (and the next backoff), not queued again.
        Shipment.objects.filter(pk__in=held).update(next_check_at=now + HELD_RECHECK)
    return queued


# -- what the order page shows ---------------------------------------------------------------------


@dataclass
class OrderShipments:
    rows: list[Shipment]
    deliveries: list[OdooDelivery]
    shopify: fulfillments.FulfilmentState | None
    errors: list[str]
    settings: ShipmentSettings

    @property
    def has_held(self) -> bool:
        """A row the merchant may try again (held or failed): only then is the button shown."""
        return any(row.state in (Shipment.State.HELD, Shipment.State.FAILED) for row in self.rows)


# What a retry looks at again: anything not done (sent, validated) and not cancelled in Shopify.
SETTLED = (Shipment.State.SENT, Shipment.State.VALIDATED, Shipment.State.CANCELLED)


def retry_plan(order: Order, shipment_ids: Iterable[int] | None = None) -> tuple[list[int], bool]:
    """What retrying the order's unsettled shipments (or only `shipment_ids` of them) queues: the Odoo
    deliveries to push to Shopify again, and whether Shopify's fulfilments are applied to Odoo again."""
    rows = Shipment.objects.filter(order=order).exclude(state__in=SETTLED)
    if shipment_ids is not None:
        rows = rows.filter(pk__in=list(shipment_ids))
    pushes = [
        int(picking)
        for picking in rows.filter(direction=Shipment.Direction.TO_SHOPIFY).values_list(
            "odoo_picking_id", flat=True
        )
        if picking
    ]
    return pushes, rows.filter(direction=Shipment.Direction.TO_ODOO).exists()


def get_order_shipments(order: Order, *, live: bool = True) -> OrderShipments:
    """The order's shipment rows, and (live) its Odoo deliveries and Shopify fulfilments with tracking."""
    rows = list(Shipment.objects.filter(order=order).order_by("created_at", "id"))
    deliveries: list[OdooDelivery] = []
    state: fulfillments.FulfilmentState | None = None
    errors: list[str] = []
    if live and order.odoo_id:
        try:
            deliveries = odoo_client_for(order.shop).deliveries(int(order.odoo_id))
        except GatewayError as exc:
            errors.append(f"Odoo: {exc.message}")
    if live:
        try:
            state = fulfillments.read_state(shopify_client_for(order.shop), order.gid)
        except GatewayError as exc:
            errors.append(f"Shopify: {exc.message}")
    return OrderShipments(rows, deliveries, state, errors, get_settings(order.shop))


@transaction.atomic
def save_settings(
    shop: Shop, *, shipper: str, notify_customer: bool, validate_at_sync: bool
) -> ShipmentSettings:
    settings = get_settings(shop)
    settings.shipper = shipper
    settings.notify_customer = notify_customer
    settings.validate_at_sync = validate_at_sync
    settings.save()
    return settings
