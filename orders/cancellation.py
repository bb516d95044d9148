"""An order cancelled in Shopify after Synco wrote it to Odoo: cancel the Odoo sale order too.

Odoo cancels a confirmed order and its open deliveries (OdooClient.cancel_sale_order gets past 18's cancel
wizard; 19 has none), and it would also cancel an order that is already invoiced or paid. Synco never does
that: an order with an invoice is left as it is and flagged for the merchant, because an invoice needs a
credit note, which is an accounting decision.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from orders.models import Order, SyncStatus
from synclogs.records import finish_attempt, start_attempt
from synco import queue
from synco.errors import GatewayError, TransientGatewayError
from synco.gateways import odoo_client_for
from synco.odoo.client import OdooClient
from synco.shopify.types import ShopifyOrder

logger = logging.getLogger(__name__)

OPERATION = "cancel_sale_order"
# While the order is still being written to Odoo, wait for that to finish before cancelling it.
WAIT_FOR_SYNC_SECONDS = 30.0
MAX_WAITS = 20
TRANSIENT_RETRY_SECONDS = 60.0
PAUSED_RETRY_SECONDS = 300.0


def wants_cancel(order: Order, parsed: ShopifyOrder) -> bool:
    """Shopify cancelled an order that is (or is about to be) in Odoo, and Odoo still has it open."""
    if parsed.cancelled_at is None or order.odoo_state == "cancel":
        return False
    return order.odoo_id is not None or order.sync_status in (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS)


def schedule_cancel(order_id: int) -> None:
    """Cancel in Odoo once the current transaction (which stored the cancelled order) has committed."""
    queue.delay_on_commit("orders.tasks.cancel_order_task", order_id)


def cancel_in_odoo(order_id: int, waited: int = 0, task_id: str = "") -> float | None:
    """Cancel the Odoo sale order of a Shopify-cancelled order; returns seconds until it should be tried again."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or order.odoo_state == "cancel":
        return None
    if order.sync_status in (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS):
        # The sync that writes it is still running: cancelling now would race it.
        return WAIT_FOR_SYNC_SECONDS if waited < MAX_WAITS else None
    if order.odoo_id is None:
        return None  # it never reached Odoo (and, being cancelled, it is no longer eligible)
    if order.shop.sync_paused:
        # Nothing is sent to Odoo while the merchant has paused syncing: ask again later (waits unbounded).
        return PAUSED_RETRY_SECONDS
    record = start_attempt(
        shop_id=order.shop_id, order_id=order.pk, object_ref=order.name, operation=OPERATION, task_id=task_id
    )
    client: OdooClient | None = None
    try:
        client = odoo_client_for(order.shop)
        succeeded, message, state = _cancel(client, order, order.odoo_id)
    except TransientGatewayError as exc:
        finish_attempt(
            record,
            succeeded=False,
            message=f"Could not cancel {order.odoo_name} in Odoo: {exc.message} Trying again in a minute.",
            odoo_model="sale.order",
            odoo_id=order.odoo_id,
            rpc_calls=client.rpc_calls if client else 0,
        )
        return TRANSIENT_RETRY_SECONDS
    except GatewayError as exc:
        succeeded, state = False, order.odoo_state
        message = f"Could not cancel {order.odoo_name} in Odoo: {exc.message}"
    finally:
        if client is not None:
            client.close()
    Order.objects.filter(pk=order.pk).update(
        odoo_state=state,
        review_reason="" if succeeded else message,
        status_changed_at=timezone.now(),
    )
    finish_attempt(
        record,
        succeeded=succeeded,
        message=message,
        odoo_model="sale.order",
        odoo_id=order.odoo_id,
        rpc_calls=client.rpc_calls if client else 0,
        summary={"sale_order": {"id": order.odoo_id, "name": order.odoo_name, "state": state}},
    )
    logger.info("cancel in odoo", extra={"order_id": order.pk, "succeeded": succeeded, "state": state})
    return None


def _cancel(client: OdooClient, order: Order, sale_id: int) -> tuple[bool, str, str]:
    snapshot = client.read_sale_order(sale_id)
    if snapshot.state == "cancel":
        return True, f"{snapshot.name} was already cancelled in Odoo.", "cancel"
    if snapshot.invoice_ids:
        invoice = order.odoo_invoice_name or f"invoice id {snapshot.invoice_ids[0]}"
        return (
            False,
            f"{order.name} was cancelled in Shopify, but {snapshot.name} is invoiced in Odoo ({invoice}): "
            "Synco does not cancel invoiced orders. Issue a credit note and cancel the order in Odoo.",
            snapshot.state,
        )
    client.cancel_sale_order(sale_id)
    state = client.read_sale_order(sale_id).state
    if state != "cancel":
        return False, f"Odoo did not cancel {snapshot.name}: it is still {state!r}.", state
    return True, f"{order.name} was cancelled in Shopify: cancelled {snapshot.name} in Odoo.", state
