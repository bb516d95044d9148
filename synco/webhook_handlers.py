"""What each webhook topic does once stored: re-fetch and apply the rules, uninstall, privacy requests."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import CustomerLink
from orders.models import Order
from orders.services import import_order
from synclogs.models import WebhookReceipt
from synco.errors import GatewayError, SecretUnreadableError
from synco.models import Shop

logger = logging.getLogger(__name__)
ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
REDACTED = "(redacted)"
# A receipt claimed this long ago and still not done was held by a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=15)


def _unclaimed(now: datetime) -> Q:
    """Receipts no task holds: never claimed, or claimed by a worker that died (CLAIM_TIMEOUT ago)."""
    return Q(processed_at__isnull=True) | Q(processed_at__lt=now - CLAIM_TIMEOUT)


def process_webhook(receipt_id: int) -> None:
    """Handle one stored webhook (idempotent: a receipt already handled is left alone)."""
    # Claimed once: a second task for the same receipt (a re-queue while the first waited in a backlog) finds it
    # taken. A claim older than CLAIM_TIMEOUT belongs to a worker that died: it may be taken again.
    now = timezone.now()
    claimed = (
        WebhookReceipt.objects.filter(pk=receipt_id, status=WebhookReceipt.Status.RECEIVED)
        .filter(_unclaimed(now))
        .update(processed_at=now)
    )
    if not claimed:
        return
    receipt = WebhookReceipt.objects.get(pk=receipt_id)
    if receipt.shop_id is None:
        shop_id = Shop.objects.filter(domain=receipt.shop_domain).values_list("pk", flat=True).first()
        WebhookReceipt.objects.filter(pk=receipt.pk).update(shop_id=shop_id)
    try:
        status, message = _handle(receipt)
    except SecretUnreadableError as exc:
        # The shop's token cannot be decrypted (lost or wrong key): the receipt stays Received and claimed, so
        # requeue_receipts tries it again every CLAIM_TIMEOUT until the key is restored or the app reinstalled.
        WebhookReceipt.objects.filter(pk=receipt.pk).update(message=exc.message, processed_at=timezone.now())
        return
    except GatewayError as exc:
        status, message = WebhookReceipt.Status.FAILED, exc.message
    except Exception:
        # A bug, not a passing fault: shown as Failed (Home's webhook health, the Webhooks tab), not retried forever.
        logger.exception("unexpected error while handling a webhook", extra={"receipt_id": receipt.pk})
        status = WebhookReceipt.Status.FAILED
        message = f"Unexpected error in Synco (receipt #{receipt.pk}); it has been logged."
    WebhookReceipt.objects.filter(pk=receipt.pk).update(
        status=status, message=message, processed_at=timezone.now()
    )


def _handle(receipt: WebhookReceipt) -> tuple[str, str]:
    shop = Shop.objects.filter(domain=receipt.shop_domain).first()
    topic, payload = receipt.topic, receipt.payload
    if topic == "shop/redact":
        return _redact_shop(receipt.shop_domain)
    if shop is None:
        return WebhookReceipt.Status.IGNORED, "No such shop is installed."
    if topic in ORDER_TOPICS:
        if shop.uninstalled_at is not None:
            return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
        gid = str(payload.get("admin_graphql_api_id") or f"gid://shopify/Order/{payload.get('id')}")
        # A webhook is only a trigger: look the order up again to be sure of its current state.
        outcome = import_order(shop.pk, gid)
        return WebhookReceipt.Status.PROCESSED, f"Order {payload.get('name') or gid} re-fetched: {outcome}."
    if topic == "app/uninstalled":
        # Shopify has already revoked the tokens: delete both, never call the API for this shop again.
        Shop.objects.filter(pk=shop.pk).update(
            uninstalled_at=timezone.now(),
            access_token="",
            access_token_expires_at=None,
            refresh_token="",
            refresh_token_expires_at=None,
        )
        return (
            WebhookReceipt.Status.PROCESSED,
            "Uninstalled: access token deleted, syncing stopped, logs kept.",
        )
    if topic == "customers/data_request":
        return WebhookReceipt.Status.PROCESSED, _data_report(shop, payload)
    if topic == "customers/redact":
        return _redact_customer(shop, payload)
    return WebhookReceipt.Status.IGNORED, f"Topic {topic} is not used yet."


def _customer_orders(shop: Shop, payload: dict[str, Any]) -> Any:
    customer = payload.get("customer") or {}
    ids = [int(i) for i in payload.get("orders_requested") or payload.get("orders_to_redact") or []]
    email = str(customer.get("email") or "")
    orders = Order.objects.filter(shop=shop, shopify_id__in=ids)
    if email:
        orders = orders | Order.objects.filter(shop=shop, email__iexact=email)
    return orders


def _data_report(shop: Shop, payload: dict[str, Any]) -> str:
    """What Synco holds about the customer, for the merchant to pass on (Shopify asks the app to report it)."""
    orders = list(_customer_orders(shop, payload).values_list("name", "odoo_name"))
    customer_id = (payload.get("customer") or {}).get("id")
    linked = CustomerLink.objects.filter(shop=shop, shopify_customer_id=customer_id or -1).exists()
    described = ", ".join(f"{name} (Odoo {odoo or 'not synced'})" for name, odoo in orders) or "none"
    return (
        f"Data request {(payload.get('data_request') or {}).get('id', '')}: Synco holds these orders of the "
        f"customer: {described}; a link to an Odoo partner: {'yes' if linked else 'no'}. Customer data in Odoo "
        "is the merchant's own records there."
    )


def _redact_customer(shop: Shop, payload: dict[str, Any]) -> tuple[str, str]:
    """Erase the person's data Synco keeps: names, e-mail and addresses in stored orders, the partner link."""
    customer_id = (payload.get("customer") or {}).get("id")
    with transaction.atomic():
        count = 0
        for order in _customer_orders(shop, payload).select_for_update():
            order.payload = _scrub(order.payload)
            order.customer_name = REDACTED
            order.email = ""
            order.save(update_fields=["payload", "customer_name", "email"])
            count += 1
        CustomerLink.objects.filter(shop=shop, shopify_customer_id=customer_id or -1).delete()
    return WebhookReceipt.Status.PROCESSED, f"Redacted the customer's data in {count} stored orders."


def _scrub(node: dict[str, Any]) -> dict[str, Any]:
    scrubbed = dict(node)
    for key in ("customer", "billingAddress", "shippingAddress"):
        scrubbed[key] = None
    scrubbed["email"] = None
    return scrubbed


def _redact_shop(domain: str) -> tuple[str, str]:
    """48 hours after uninstall Shopify asks to erase the shop: everything Synco holds for it goes."""
    deleted, _ = Shop.objects.filter(domain=domain).delete()
    WebhookReceipt.objects.filter(shop_domain=domain).exclude(topic="shop/redact").update(
        payload={}, headers={}
    )
    return WebhookReceipt.Status.PROCESSED, f"Erased the shop and its data ({deleted} records)."


def requeue_receipts(older_than_seconds: int = 120) -> int:
    """Receipts stored but never processed (their task was lost, or its worker died holding it): queue them again."""
    from synco.tasks import process_webhook_task

    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    pending = list(
        WebhookReceipt.objects.filter(status=WebhookReceipt.Status.RECEIVED, received_at__lt=cutoff)
        .filter(_unclaimed(now))
        .values_list("pk", flat=True)[:1000]
    )
    for pk in pending:
        process_webhook_task.delay(pk)
    return len(pending)
