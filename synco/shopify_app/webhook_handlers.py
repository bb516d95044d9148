"""What each webhook topic does once stored: re-fetch and apply the rules, uninstall, privacy requests.

Shopify signs the body, not the headers: each handler acts only on what the body proves (the intake refuses
the mismatches it can see; the handler checks again). A passing fault (Shopify throttling, a 5xx) puts the
receipt back for a later attempt, with backoff, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import random
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from customers.models import CustomerLink
from customers.webhooks import CUSTOMER_TOPICS, customer_notified
from orders.edits import schedule_edit
from orders.models import Order
from orders.services import import_order
from products.webhooks import PRODUCT_TOPICS, product_notified
from shipments.services import fulfillment_notified
from stock.services import shopify_level_changed
from synclogs.models import WebhookReceipt
from synco import queue
from synco.crypto import UnreadableSecret
from synco.errors import GatewayError, SecretUnreadableError, TransientGatewayError
from synco.models import Shop
from synco.shopify_app.webhooks import NotJSONError, forgery, parse_json

logger = logging.getLogger(__name__)
ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
FULFILLMENT_TOPICS = {"fulfillments/create", "fulfillments/update"}
REDACTED = "(redacted)"
# A receipt claimed this long ago and still not done was held by a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=15)
# A receipt is taken up at most this many times (passing faults, or workers that died holding it), then Failed.
MAX_ATTEMPTS = 8
# The wait after the n-th passing fault: RETRY_BASE_SECONDS * 2**(n-1), at most RETRY_MAX_SECONDS, +-20 % jitter.
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 3600.0


def _unclaimed(now: datetime) -> Q:
    """Receipts no task holds: never claimed, or claimed by a worker that died (CLAIM_TIMEOUT ago)."""
    return Q(processed_at__isnull=True) | Q(processed_at__lt=now - CLAIM_TIMEOUT)


def _due(now: datetime) -> Q:
    """Receipts not waiting out the backoff of a passing fault."""
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def process_webhook(receipt_id: int) -> float | None:
    """Handle one stored webhook (idempotent: a receipt already handled is left alone); the seconds after which
    to try it again when a passing fault put it back, else None."""
    # Claimed once: a second task for the same receipt (a re-queue while the first waited in a backlog) finds it
    # taken. A claim older than CLAIM_TIMEOUT belongs to a worker that died: it may be taken again.
    now = timezone.now()
    claimed = (
        WebhookReceipt.objects.filter(pk=receipt_id, status=WebhookReceipt.Status.RECEIVED)
        .filter(_unclaimed(now), _due(now))
        .update(processed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    # The body is read as text and parsed here, depth-limited: a poison body fails its receipt, not the worker.
    receipt = WebhookReceipt.objects.defer("payload").get(pk=receipt_id)
    if receipt.shop_id is None:
        shop_id = Shop.objects.filter(domain=receipt.shop_domain).values_list("pk", flat=True).first()
        WebhookReceipt.objects.filter(pk=receipt.pk).update(shop_id=shop_id)
    status: str = WebhookReceipt.Status.FAILED
    message = ""
    try:
        if receipt.attempts > MAX_ATTEMPTS:
            # Only a worker that died holding it each time gets here (a passing fault stops at MAX_ATTEMPTS).
            message = f"Gave up after {MAX_ATTEMPTS} attempts: the worker handling it stopped each time."
        else:
            receipt.payload = parse_json(_stored_body(receipt.pk))
            status, message = _handle(receipt)
    except NotJSONError as exc:
        message = f"The stored body cannot be read ({exc}); it was not handled."
    except SecretUnreadableError as exc:
        # The shop's token cannot be decrypted (lost or wrong key): the receipt stays Received and claimed, so
        # requeue_receipts tries it again every CLAIM_TIMEOUT until the key is restored or the app reinstalled
        # (such a wait is not one of its MAX_ATTEMPTS).
        WebhookReceipt.objects.filter(pk=receipt.pk).update(
            message=exc.message, processed_at=timezone.now(), attempts=F("attempts") - 1
        )
        return None
    except TransientGatewayError as exc:
        if receipt.attempts < MAX_ATTEMPTS:
            return _put_back(receipt, exc, now)
        message = f"Gave up after {receipt.attempts} attempts; the last one: {_without_promise(exc.message)}"
    except GatewayError as exc:
        message = exc.message
    except Exception:
        # A bug, not a passing fault: shown as Failed (Home's webhook health, the Webhooks tab), not retried forever.
        logger.exception("unexpected error while handling a webhook", extra={"receipt_id": receipt.pk})
        message = f"Unexpected error in Synco (receipt #{receipt.pk}); it has been logged."
    WebhookReceipt.objects.filter(pk=receipt.pk).update(
        status=status, message=message, processed_at=timezone.now(), next_attempt_at=None
    )
    return None


def _stored_body(receipt_id: int) -> str:
    """The receipt's body as JSON text: not decoded by the ORM, whose json.loads has no depth limit."""
    text = (
        WebhookReceipt.objects.filter(pk=receipt_id)
        .values_list(Cast("payload", output_field=TextField()), flat=True)
        .get()
    )
    return str(text or "{}")


def retry_delay(attempt: int) -> float:
    """Seconds before the next attempt after the `attempt`-th passing fault: doubling, capped, with jitter."""
    delay = min(RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS)
    return delay * random.uniform(0.8, 1.2)  # jitter spreads retries out; not a secret


def _put_back(receipt: WebhookReceipt, exc: TransientGatewayError, now: datetime) -> float:
    delay = retry_delay(receipt.attempts)
    message = (
        f"{_without_promise(exc.message)} Attempt {receipt.attempts} of {MAX_ATTEMPTS} failed; the next one in "
        f"about {round(delay)} s."
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(
        status=WebhookReceipt.Status.RECEIVED,
        message=message,
        processed_at=None,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    logger.info(
        "webhook put back after a passing fault",
        extra={"receipt_id": receipt.pk, "attempt": receipt.attempts, "delay": round(delay)},
    )
    return delay


_PROMISE = re.compile(r"[;,.]?\s*(?:it|this) will be retried\.?", re.IGNORECASE)


def _without_promise(message: str) -> str:
    """A gateway's message without its "it will be retried": the receipt's own message says what happens."""
    return _PROMISE.sub("", message).rstrip(" ;,.") + "."


def _handle(receipt: WebhookReceipt) -> tuple[str, str]:
    topic, payload, domain = receipt.topic, receipt.payload, receipt.shop_domain
    # Checked at intake too; again here for receipts stored before that check, or by another path.
    forged = forgery(topic, domain, payload)
    if forged is not None:
        logger.warning(
            "forged webhook not handled: %s", forged, extra={"receipt_id": receipt.pk, "topic": topic}
        )
        return (
            WebhookReceipt.Status.FAILED,
            f"Not handled: {forged} (a signed body sent again under other headers).",
        )
    shop = Shop.objects.filter(domain=domain).first()
    if topic == "shop/redact":
        if shop is not None and _installed(shop):
            # Shopify asks 48 hours after an uninstall; an installed shop (reinstalled since, or a forgery) stays.
            logger.warning("shop erasure refused: the shop is installed", extra={"receipt_id": receipt.pk})
            return (
                WebhookReceipt.Status.IGNORED,
                "Not erased: the app is installed on this shop (Shopify asks 48 hours after an uninstall).",
            )
        return _redact_shop(domain)
    if shop is None:
        return WebhookReceipt.Status.IGNORED, "No such shop is installed."
    if topic in ORDER_TOPICS:
        if shop.uninstalled_at is not None:
            return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
        gid = order_gid(payload)
        if gid is None:
            return (
                WebhookReceipt.Status.FAILED,
                f"The body of {topic} is not an order (no id, or ids that differ).",
            )
        # A webhook is only a trigger: look the order up again, in the shop of the headers, to be sure of its
        # current state (an order body of another shop names an order this shop does not have: nothing is stored).
        outcome = import_order(shop.pk, gid)
        return WebhookReceipt.Status.PROCESSED, f"Order {payload.get('name') or gid} re-fetched: {outcome}."
    if topic == "refunds/create":
        if shop.uninstalled_at is not None:
            return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
        gid = refund_order_gid(payload)
        if gid is None:
            return WebhookReceipt.Status.FAILED, "The body of refunds/create names no order (order_id)."
        # A webhook is only a trigger: the order (with its refunds) is read again from Shopify.
        outcome = import_order(shop.pk, gid)
        return (
            WebhookReceipt.Status.PROCESSED,
            f"Refund {payload.get('id')}: order {gid} re-fetched: {outcome}.",
        )
    if topic in FULFILLMENT_TOPICS:
        if shop.uninstalled_at is not None:
            return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
        # A trigger only: the order's fulfilments are read again from Shopify (shipments/services.py).
        return WebhookReceipt.Status.PROCESSED, fulfillment_notified(shop, topic, payload)
    if topic in PRODUCT_TOPICS:
        # A trigger only: the product is read again from Shopify and imported (deleted: archived in Odoo).
        return product_notified(shop, topic, payload)
    if topic == "orders/edited":
        return _handle_order_edit(shop, payload)
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
    if topic == "inventory_levels/update":
        if shop.uninstalled_at is not None:
            return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
        # Odoo is the stock master: a level changed in Shopify gets Odoo's figure again (not Synco's own echo).
        acted, message = shopify_level_changed(shop, payload)
        return (WebhookReceipt.Status.PROCESSED if acted else WebhookReceipt.Status.IGNORED), message
    if topic in CUSTOMER_TOPICS:
        # A trigger only: the customer is read again from Shopify and brought into Odoo (customers/webhooks.py).
        return customer_notified(shop, topic, payload)
    if topic == "customers/data_request":
        return WebhookReceipt.Status.PROCESSED, _data_report(shop, payload)
    if topic == "customers/redact":
        return _redact_customer(shop, payload)
    return WebhookReceipt.Status.IGNORED, f"Topic {topic} is not used yet."


def _handle_order_edit(shop: Shop, payload: dict[str, Any]) -> tuple[str, str]:
    """orders/edited: re-fetch the order the edit names; if it is in Odoo, compare it with Odoo (the edit is
    applied there, or proposed to the merchant)."""
    if shop.uninstalled_at is not None:
        return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
    gid = edited_order_gid(payload)
    if gid is None:
        return (
            WebhookReceipt.Status.FAILED,
            "The body of orders/edited is not an order edit (no order_edit.order_id).",
        )
    outcome = import_order(shop.pk, gid)
    order_id = (
        Order.objects.filter(shop=shop, gid=gid, odoo_id__isnull=False).values_list("pk", flat=True).first()
    )
    if order_id is None:
        return WebhookReceipt.Status.PROCESSED, f"Order edit of {gid} re-fetched: {outcome}; not in Odoo yet."
    schedule_edit(order_id)
    return (
        WebhookReceipt.Status.PROCESSED,
        f"Order edit of {gid} re-fetched: {outcome}; compared with Odoo (see the order's sync log).",
    )


def edited_order_gid(payload: dict[str, Any]) -> str | None:
    """The order an orders/edited body (an OrderEdit) names: `order_edit.order_id`."""
    edit = payload.get("order_edit")
    if not isinstance(edit, dict):
        return None
    order_id = edit.get("order_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id <= 0:
        return None
    return f"gid://shopify/Order/{order_id}"


def _installed(shop: Shop) -> bool:
    """The app is installed on the shop: not uninstalled, and a token (readable or not) to call it with."""
    token = shop.access_token
    return shop.uninstalled_at is None and (bool(token) or isinstance(token, UnreadableSecret))


def order_gid(payload: dict[str, Any]) -> str | None:
    """The order an orders/* body names: its numeric id, which its GraphQL id (when present) must repeat."""
    order_id = payload.get("id")
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id <= 0:
        return None
    gid = f"gid://shopify/Order/{order_id}"
    if payload.get("admin_graphql_api_id") not in (None, gid):
        return None
    return gid


def refund_order_gid(payload: dict[str, Any]) -> str | None:
    """The order a refunds/create body names (its `order_id`)."""
    order_id = payload.get("order_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id <= 0:
        return None
    return f"gid://shopify/Order/{order_id}"


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
    """Erase the person's data Synco keeps: names, e-mail and addresses in stored orders and stored webhook
    bodies, the partner link."""
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
        bodies = _customer_receipts(shop.domain, payload).update(payload={"redacted": True})
    return (
        WebhookReceipt.Status.PROCESSED,
        f"Redacted the customer's data in {count} stored orders and {bodies} stored webhooks.",
    )


def _customer_receipts(domain: str, payload: dict[str, Any]) -> Any:
    """The shop's stored webhook bodies about the customer: their orders (by id), and any body naming the
    customer's id or e-mail (this request itself among them)."""
    customer = payload.get("customer") or {}
    customer_id = customer.get("id")
    email = str(customer.get("email") or "")
    order_ids = [int(i) for i in payload.get("orders_to_redact") or payload.get("orders_requested") or []]
    about = Q(topic__startswith="orders/", payload__id__in=order_ids) if order_ids else Q(pk__in=[])
    if isinstance(customer_id, int) and not isinstance(customer_id, bool):
        about |= Q(payload__customer__id=customer_id) | Q(
            topic__startswith="customers/", payload__id=customer_id
        )
    if email:
        for key in ("email", "contact_email", "customer__email"):
            about |= Q(**{f"payload__{key}__iexact": email})
    return WebhookReceipt.objects.filter(shop_domain=domain).filter(about)


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
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    pending = list(
        WebhookReceipt.objects.filter(status=WebhookReceipt.Status.RECEIVED, received_at__lt=cutoff)
        .filter(_unclaimed(now), _due(now))
        .values_list("pk", flat=True)[:1000]
    )
    process_webhook_task = queue.task("synco.shopify_app.tasks.process_webhook_task")
    for pk in pending:
        process_webhook_task.delay(pk)
    return len(pending)
