"""The webhook endpoint and what each topic does, with bodies signed like Shopify signs them."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from customers.models import CustomerLink
from orders.models import Order
from synclogs.models import WebhookReceipt
from synco.models import Shop
from synco.shopify.auth import webhook_hmac
from synco.webhook_handlers import process_webhook
from tests.factories import order_node

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


def _post(client, settings, topic, payload, *, event_id=None, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": DOMAIN,
        "HTTP_X_SHOPIFY_API_VERSION": "2026-10",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_EVENT_ID": event_id or str(uuid.uuid4()),
    }
    if signature is not False:
        headers["HTTP_X_SHOPIFY_HMAC_SHA256"] = signature or webhook_hmac(body, settings.SHOPIFY_API_SECRET)
    return client.post(reverse("webhooks"), data=body, content_type="application/json", **headers)


def test_it_refuses_a_missing_or_wrong_signature_and_stores_nothing(client, settings):
    assert _post(client, settings, "orders/create", {"id": 1}, signature=False).status_code == 400
    assert _post(client, settings, "orders/create", {"id": 1}, signature="AAAA").status_code == 401
    body = json.dumps({"id": 1}).encode()
    tampered = _post(
        client,
        settings,
        "orders/create",
        None,
        raw=body + b" ",
        signature=webhook_hmac(body, settings.SHOPIFY_API_SECRET),
    )
    assert tampered.status_code == 401
    assert not WebhookReceipt.objects.exists()


def test_it_stores_the_event_once_and_enqueues_the_work(client, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _post(client, settings, "orders/create", {"id": 5550001001}, event_id="evt-1")
        again = _post(client, settings, "orders/create", {"id": 5550001001}, event_id="evt-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == b"Duplicate event ignored"
    receipt = WebhookReceipt.objects.get()
    assert (receipt.topic, receipt.event_id, receipt.api_version) == ("orders/create", "evt-1", "2026-10")
    assert "Hmac-Sha256" not in receipt.headers
    assert len(callbacks) == 1


def test_an_order_webhook_refetches_the_order_from_shopify(client, settings, shopify):
    Shop.objects.create(domain=DOMAIN, access_token=shopify.token)
    _post(
        client,
        settings,
        "orders/updated",
        {"id": 5550001001, "admin_graphql_api_id": "gid://shopify/Order/5550001001", "name": "#1001"},
    )

    process_webhook(WebhookReceipt.objects.get().pk)

    receipt = WebhookReceipt.objects.get()
    assert receipt.status == WebhookReceipt.Status.PROCESSED
    assert receipt.message == "Order #1001 re-fetched: created."
    assert Order.objects.get().name == "#1001"


def test_uninstall_deletes_the_token_and_keeps_the_logs(client, settings):
    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    _post(client, settings, "app/uninstalled", {"domain": DOMAIN})

    process_webhook(WebhookReceipt.objects.get().pk)

    shop.refresh_from_db()
    assert shop.access_token == ""
    assert shop.uninstalled_at is not None
    assert WebhookReceipt.objects.get().message.startswith("Uninstalled: access token deleted")


def _stored_order(shop):
    node = order_node()
    return Order.objects.create(
        shop=shop,
        shopify_id=5550001001,
        gid=node["id"],
        name="#1001",
        created_at="2026-11-20T14:03:00Z",
        updated_at="2026-11-20T14:05:00Z",
        customer_name="Jane Doe",
        email="jane.doe@example.com",
        payload=node,
        odoo_name="SHOP#1001",
    )


def test_a_data_request_reports_what_synco_holds(client, settings):
    shop = Shop.objects.create(domain=DOMAIN)
    _stored_order(shop)
    _post(
        client,
        settings,
        "customers/data_request",
        {
            "shop_id": 954889,
            "shop_domain": DOMAIN,
            "orders_requested": [5550001001],
            "customer": {"id": 7001, "email": "jane.doe@example.com", "phone": "555-625-1199"},
            "data_request": {"id": 9999},
        },
    )

    process_webhook(WebhookReceipt.objects.get().pk)

    assert WebhookReceipt.objects.get().message.startswith(
        "Data request 9999: Synco holds these orders of the customer: #1001 (Odoo SHOP#1001)"
    )


def test_a_customer_redaction_erases_the_persons_data(client, settings):
    shop = Shop.objects.create(domain=DOMAIN)
    order = _stored_order(shop)
    CustomerLink.objects.create(shop=shop, shopify_customer_id=7001, odoo_partner_id=9)
    _post(
        client,
        settings,
        "customers/redact",
        {
            "shop_id": 954889,
            "shop_domain": DOMAIN,
            "customer": {"id": 7001, "email": "jane.doe@example.com"},
            "orders_to_redact": [5550001001],
        },
    )

    process_webhook(WebhookReceipt.objects.get().pk)

    order.refresh_from_db()
    assert (order.customer_name, order.email) == ("(redacted)", "")
    assert order.payload["customer"] is None and order.payload["billingAddress"] is None
    assert "jane" not in json.dumps(order.payload).lower()
    assert not CustomerLink.objects.exists()


def test_a_shop_redaction_erases_the_shop(client, settings):
    shop = Shop.objects.create(domain=DOMAIN)
    _stored_order(shop)
    _post(client, settings, "shop/redact", {"shop_id": 954889, "shop_domain": DOMAIN})

    process_webhook(WebhookReceipt.objects.get().pk)

    assert not Shop.objects.exists() and not Order.objects.exists()
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.PROCESSED


def test_receipts_whose_task_was_lost_are_queued_again(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from synco.webhook_handlers import requeue_receipts

    _post(client, settings, "orders/create", {"id": 1})
    _post(client, settings, "orders/create", {"id": 2})
    WebhookReceipt.objects.filter(payload__id=1).update(received_at=timezone.now() - timedelta(minutes=5))

    assert requeue_receipts() == 1
