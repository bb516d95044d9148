"""Order business logic: import from Shopify, claim for sync, and write into Odoo."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.documents import WriteResult, write_order
from orders.mapping import MappingError
from orders.models import SYNCABLE_STATUSES, Order, SyncStatus
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco.crypto import DecryptionError
from synco.errors import GatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.shopify.client import OrderResult
from synco.shopify.types import OrderParseError, parse_order

logger = logging.getLogger(__name__)


# -- import -----------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged


def store_order(shop: Shop, result: OrderResult) -> str:
    """Insert or refresh one order; a stored state with a newer updatedAt is kept. Returns what happened."""
    parsed = result.order
    if parsed is None:
        return _store_invalid(shop, result)
    values = {
        "gid": parsed.gid,
        "name": parsed.name,
        "created_at": parsed.created_at,
        "updated_at": parsed.updated_at,
        "financial_status": parsed.financial_status,
        "fulfillment_status": parsed.fulfillment_status,
        "customer_name": parsed.customer_name,
        "email": parsed.email or (parsed.customer.email if parsed.customer else ""),
        "currency": parsed.currency,
        "total_price": parsed.total,
        "payload": result.node,
        "parse_error": "",
    }
    with transaction.atomic():
        existing = Order.objects.select_for_update().filter(shop=shop, shopify_id=parsed.id).first()
        if existing is None:
            Order.objects.create(shop=shop, shopify_id=parsed.id, **values)
            return "created"
        if existing.updated_at >= parsed.updated_at and not existing.parse_error:
            return "unchanged"
        Order.objects.filter(pk=existing.pk).update(**values)
        return "updated"


def _store_invalid(shop: Shop, result: OrderResult) -> str:
    """Keep an order Shopify sent but we cannot read, with the reason, so nothing is silently dropped."""
    node = result.node
    try:
        shopify_id = int(result.gid.rsplit("/", 1)[-1])
    except ValueError:
        logger.warning("shopify order without a usable id skipped", extra={"shop": shop.domain})
        return "invalid"
    now = timezone.now()
    Order.objects.update_or_create(
        shop=shop,
        shopify_id=shopify_id,
        defaults={
            "gid": result.gid,
            "name": str(node.get("name") or f"#{shopify_id}"),
            "payload": node,
            "parse_error": result.error,
        },
        create_defaults={
            "gid": result.gid,
            "name": str(node.get("name") or f"#{shopify_id}"),
            "payload": node,
            "parse_error": result.error,
            "created_at": now,
            "updated_at": now,
        },
    )
    return "invalid"


def import_orders(shop_id: int) -> ImportSummary:
    """Fetch orders updated since the last import (cursor pagination) and store them; logged as an attempt."""
    shop = Shop.objects.get(pk=shop_id)
    record = start_attempt(
        shop_id=shop.pk,
        operation="import_orders",
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain,
    )
    summary = ImportSummary()
    since = shop.orders_imported_until
    newest: datetime | None = since
    try:
        client = shopify_client_for(shop)
        query = None
        if since is not None:
            # Overlap by a minute: updatedAt ties at the boundary must not be lost.
            query = f"updated_at:>='{(since - timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        for result in client.iter_orders(query=query):
            outcome = store_order(shop, result)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            if result.order and (newest is None or result.order.updated_at > newest):
                newest = result.order.updated_at
    except GatewayError as exc:
        finish_attempt(record, succeeded=False, message=f"Import stopped after {summary.seen} orders: {exc}")
        raise
    finally:
        # Progress is kept even when a later page fails: the next run resumes from here.
        if newest != since:
            Shop.objects.filter(pk=shop.pk).update(orders_imported_until=newest)
    finish_attempt(
        record,
        succeeded=True,
        message=(
            f"Imported {summary.seen + summary.invalid} orders: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.invalid} unreadable."
        ),
    )
    logger.info("orders imported", extra={"shop": shop.domain, "summary": summary.__dict__})
    return summary


def import_order(shop_id: int, gid: str) -> str:
    """Fetch one order by GID (a webhook is only a trigger: look the order up again) and store it."""
    shop = Shop.objects.get(pk=shop_id)
    return store_order(shop, shopify_client_for(shop).fetch_order(gid))


# -- claiming ---------------------------------------------------------------------------------


def claim_for_sync(order: Order) -> bool:
    """Atomically move a syncable order to In Progress; False if someone else already did."""
    if order.parse_error:
        return False
    claimed = Order.objects.filter(pk=order.pk, sync_status__in=SYNCABLE_STATUSES, parse_error="").update(
        sync_status=SyncStatus.IN_PROGRESS, sync_error="", status_changed_at=timezone.now()
    )
    return claimed == 1


def request_sync(order: Order) -> bool:
    """Claim the order and enqueue its sync once the claim is committed."""
    from orders.tasks import sync_order_task

    if not claim_for_sync(order):
        return False
    transaction.on_commit(lambda: sync_order_task.delay(order.pk))
    return True


# -- writing into Odoo ------------------------------------------------------------------------


def _rules_for(shop: Shop) -> OrderRules:
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    return rules


def sync_order(order_id: int, task_id: str = "") -> None:
    """Write one claimed (In Progress) order into Odoo and record the attempt."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None:
        logger.warning("sync requested for a missing order", extra={"order_id": order_id})
        return
    if order.sync_status != SyncStatus.IN_PROGRESS:
        logger.info("order not in progress, nothing to do", extra={"order_id": order_id})
        return
    shop = order.shop
    record = start_attempt(
        shop_id=shop.pk,
        order_id=order.pk,
        object_ref=order.name,
        operation="create_sale_order",
        attempt=order.sync_attempts + 1,
        task_id=task_id,
    )
    client: OdooClient | None = None
    first_attempt = not SyncAttempt.objects.filter(order=order).exclude(pk=record.pk).exists()
    try:
        parsed = parse_order(order.payload)
        client = odoo_client_for(shop)
        outcome = write_order(client, shop, _rules_for(shop), parsed, first_attempt=first_attempt)
    except (GatewayError, MappingError, OrderParseError, DecryptionError) as exc:
        _fail(order, record, str(exc), client)
        return
    except Exception:
        logger.exception("unexpected error while syncing", extra={"order_id": order_id})
        _fail(
            order,
            record,
            f"Unexpected error in Synco (log reference #{record.pk}); it has been logged.",
            client,
        )
        return
    finally:
        if client is not None:
            client.close()
    _record_success(order, record, outcome, client.rpc_calls if client else 0)


def _record_success(order: Order, record: SyncAttempt, outcome: WriteResult, rpc_calls: int) -> None:
    sale, invoice = outcome.sale_order, outcome.invoice
    Order.objects.filter(pk=order.pk).update(
        sync_status=SyncStatus.NEEDS_REVIEW if outcome.review_reason else SyncStatus.SYNCED,
        sync_error="",
        review_reason=outcome.review_reason,
        sync_attempts=F("sync_attempts") + 1,
        status_changed_at=timezone.now(),
        synced_at=timezone.now(),
        odoo_model="sale.order",
        odoo_id=sale.id,
        odoo_name=sale.name,
        odoo_state=sale.state,
        odoo_total=sale.amount_total,
        totals_difference=outcome.totals.difference,
        odoo_invoice_id=invoice.id if invoice else None,
        odoo_invoice_name=invoice.name if invoice else "",
        odoo_payment_id=outcome.payment_id,
    )
    finish_attempt(
        record,
        succeeded=True,
        message=outcome.summary(),
        odoo_model="sale.order",
        odoo_id=sale.id,
        rpc_calls=rpc_calls,
    )


def _fail(order: Order, record: SyncAttempt, message: str, client: OdooClient | None) -> None:
    Order.objects.filter(pk=order.pk).update(
        sync_status=SyncStatus.FAILED,
        sync_error=message,
        sync_attempts=F("sync_attempts") + 1,
        status_changed_at=timezone.now(),
    )
    finish_attempt(record, succeeded=False, message=message, rpc_calls=client.rpc_calls if client else 0)
