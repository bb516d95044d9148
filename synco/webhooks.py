"""The webhook endpoint: verify the HMAC over the raw body first, store the event once, answer at once.

All work happens afterwards in Celery (`synco.tasks.process_webhook_task`): a webhook is only a trigger.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from synclogs.models import WebhookReceipt
from synco.shopify.auth import valid_shop_domain, verify_webhook

logger = logging.getLogger(__name__)

# Shopify's header names; the newer Events delivery drops the X- prefix.
HEADER_NAMES = (
    "Topic",
    "Hmac-Sha256",
    "Shop-Domain",
    "API-Version",
    "Webhook-Id",
    "Event-Id",
    "Triggered-At",
    "Name",
)


def _header(request: HttpRequest, name: str) -> str:
    return str(request.headers.get(f"X-Shopify-{name}") or request.headers.get(f"Shopify-{name}") or "")


@csrf_exempt
@require_POST
def receive_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body  # the raw bytes: the HMAC is over exactly these
    signature = _header(request, "Hmac-Sha256")
    if not signature:
        return HttpResponse("Missing X-Shopify-Hmac-Sha256", status=400)
    if not verify_webhook(body, signature, settings.SHOPIFY_API_SECRET):
        logger.warning("webhook with a wrong signature refused", extra={"topic": _header(request, "Topic")})
        return HttpResponse("Invalid webhook signature", status=401)
    topic, domain = _header(request, "Topic"), valid_shop_domain(_header(request, "Shop-Domain"))
    event_id = _header(request, "Event-Id") or _header(request, "Webhook-Id")
    if not topic or domain is None or not event_id:
        return HttpResponse("Missing topic, shop domain or event id", status=400)
    try:
        payload = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse("The body is not JSON", status=400)
    from synco.tasks import process_webhook_task

    try:
        # The unique key makes a repeat fail here; the shop is resolved later, in the task, so the answer to
        # Shopify costs one INSERT and one publish.
        with transaction.atomic():
            receipt = WebhookReceipt.objects.create(
                shop_domain=domain,
                topic=topic,
                event_id=event_id,
                webhook_id=_header(request, "Webhook-Id"),
                api_version=_header(request, "API-Version"),
                triggered_at=_header(request, "Triggered-At"),
                headers={name: _header(request, name) for name in HEADER_NAMES if name != "Hmac-Sha256"},
                payload=payload if isinstance(payload, dict) else {"body": payload},
            )
    except IntegrityError:
        # Shopify delivers at least once: the same event again is acknowledged and dropped.
        return HttpResponse("Duplicate event ignored", status=200)
    # If this publish is lost (broker down), the sweep re-queues receipts still waiting (see requeue_receipts).
    transaction.on_commit(lambda: process_webhook_task.delay(receipt.pk))
    return HttpResponse("OK", status=200)
