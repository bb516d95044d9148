"""Attacks on the webhook endpoint: signed bodies replayed under other headers, forged signatures, poison bodies,
passing faults, and the customer data webhook bodies hold (issue 11, items 1, 4, 9 and 10).

Shopify signs the body only: a captured body can be sent again with any X-Shopify-Topic and
X-Shopify-Shop-Domain. Bodies here are the sandbox's, built the way it signs them (sandboxes/shopify).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerLink
from orders.models import Order
from sandboxes.shopify.webhooks import build_payload
from synclogs.models import WebhookReceipt
from synclogs.records import purge_old_receipts
from synco.celery import app as celery_app
from synco.models import Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify_app import webhook_handlers, webhooks
from synco.shopify_app.tasks import process_webhook_task
from synco.shopify_app.webhook_handlers import MAX_ATTEMPTS, process_webhook, requeue_receipts
from tests.factories import order_node
from tests.shopify.test_webhooks import _deliver_while_a_write_waits, _queued

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"  # the sandbox's demo shop
RIVAL = "rival-store.myshopify.com"
RIVAL_TOKEN = "shpat_rival_store_token_0001"


def _post(
    client: Any,
    settings: Any,
    topic: str,
    body: bytes | dict[str, Any],
    *,
    domain: str = DOMAIN,
    signature: str | None = None,
    event_id: str | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": domain,
        "HTTP_X_SHOPIFY_API_VERSION": "2026-10",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_EVENT_ID": event_id or str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_HMAC_SHA256": signature or webhook_hmac(raw, settings.SHOPIFY_API_SECRET),
    }
    return client.post(reverse("webhooks"), data=raw, content_type="application/json", **headers)


def _order_body(shopify: Any, topic: str = "orders/updated") -> dict[str, Any]:
    """A real orders/* body of the demo shop, as the sandbox signs and sends it."""
    order_id = int(shopify.server.store.orders(DOMAIN)[0]["id"])
    return build_payload(shopify.server.store, topic, DOMAIN, {"order_id": order_id})


def _stored_order(shop: Shop, shopify_id: int, email: str) -> Order:
    node = order_node()
    node["id"] = f"gid://shopify/Order/{shopify_id}"
    return Order.objects.create(
        shop=shop,
        shopify_id=shopify_id,
        gid=node["id"],
        name=f"#{shopify_id}",
        created_at="2026-11-20T14:03:00Z",
        updated_at="2026-11-20T14:05:00Z",
        customer_name="Jane Doe",
        email=email,
        payload=node,
    )


def _rival() -> Shop:
    """An installed shop with data: what a replayed body must not erase or uninstall."""
    rival = Shop.objects.create(domain=RIVAL, access_token=RIVAL_TOKEN, refresh_token="shprt_rival")
    for n in range(3):
        _stored_order(rival, 7770000 + n, f"buyer{n}@example.com")
    return rival


def _receipt(topic: str, payload: dict[str, Any], *, domain: str = DOMAIN, **fields: Any) -> WebhookReceipt:
    """A receipt as stored by an intake that did not check (before the fix, or another path)."""
    return WebhookReceipt.objects.create(
        shop_domain=domain, topic=topic, event_id=str(uuid.uuid4()), payload=payload, **fields
    )


# -- 1. a signed body sent again under another topic and shop --------------------------------------------------


def test_it_refuses_an_order_body_resent_as_shop_redact_of_another_shop(client, settings, shopify):
    rival = _rival()

    response = _post(client, settings, "shop/redact", _order_body(shopify), domain=RIVAL)

    assert response.status_code == 401
    assert not WebhookReceipt.objects.exists()
    assert Shop.objects.get(domain=RIVAL).pk == rival.pk
    assert Order.objects.filter(shop=rival).count() == 3


def test_it_refuses_a_shop_redact_body_of_one_shop_sent_for_another(client, settings):
    rival = _rival()
    body = {"shop_id": 954889, "shop_domain": DOMAIN}  # the demo shop's own, genuine erasure request

    response = _post(client, settings, "shop/redact", body, domain=RIVAL)

    assert response.status_code == 401
    assert not WebhookReceipt.objects.exists()
    assert Order.objects.filter(shop=rival).count() == 3


def test_it_refuses_an_order_body_resent_as_app_uninstalled_and_keeps_the_tokens(client, settings, shopify):
    _rival()

    response = _post(client, settings, "app/uninstalled", _order_body(shopify), domain=RIVAL)

    assert response.status_code == 401
    assert not WebhookReceipt.objects.exists()
    rival = Shop.objects.get(domain=RIVAL)
    assert (rival.access_token, rival.refresh_token, rival.uninstalled_at) == (
        RIVAL_TOKEN,
        "shprt_rival",
        None,
    )


def test_it_refuses_an_uninstall_body_of_one_shop_sent_for_another(client, settings, shopify):
    _rival()
    body = build_payload(shopify.server.store, "app/uninstalled", DOMAIN, {})

    response = _post(client, settings, "app/uninstalled", body, domain=RIVAL)

    assert response.status_code == 401
    assert Shop.objects.get(domain=RIVAL).access_token == RIVAL_TOKEN


@pytest.mark.parametrize("topic", ["customers/redact", "customers/data_request"])
def test_it_refuses_an_order_body_resent_as_a_customer_privacy_request(client, settings, shopify, topic):
    rival = _rival()

    response = _post(client, settings, topic, _order_body(shopify), domain=RIVAL)

    assert response.status_code == 401
    assert not WebhookReceipt.objects.exists()
    assert list(Order.objects.filter(shop=rival).values_list("customer_name", flat=True)) == ["Jane Doe"] * 3


def test_the_sandboxes_genuine_uninstall_and_erasure_bodies_are_accepted(client, settings, shopify):
    store = shopify.server.store
    for topic in ("app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"):
        response = _post(client, settings, topic, build_payload(store, topic, DOMAIN, {}))
        assert (topic, response.status_code) == (topic, 200)
    assert WebhookReceipt.objects.count() == 4


def test_a_forged_receipt_already_stored_is_not_handled(client, settings, shopify):
    # given receipts stored without the intake's check (before it existed): an order body as shop/redact and as
    # app/uninstalled of the rival shop
    rival = _rival()
    order_body = _order_body(shopify)
    redact = _receipt("shop/redact", order_body, domain=RIVAL)
    uninstall = _receipt("app/uninstalled", order_body, domain=RIVAL)

    process_webhook(redact.pk)
    process_webhook(uninstall.pk)

    # then both fail, and nothing of the rival shop is erased or uninstalled
    statuses = WebhookReceipt.objects.filter(pk__in=[redact.pk, uninstall.pk]).values_list(
        "status", flat=True
    )
    assert list(statuses) == [WebhookReceipt.Status.FAILED] * 2
    rival.refresh_from_db()
    assert (rival.access_token, rival.uninstalled_at) == (RIVAL_TOKEN, None)
    assert Order.objects.filter(shop=rival).count() == 3


def test_an_order_body_replayed_to_another_shop_only_refetches_an_order_that_shop_does_not_have(
    client, settings, shopify
):
    # given the rival shop installed in Synco and in Shopify (its own token), with no order of the demo shop
    if RIVAL not in shopify.server.store.shop_domains():
        shopify.server.store.add_shop(RIVAL, [RIVAL_TOKEN])
    rival = Shop.objects.create(domain=RIVAL, access_token=RIVAL_TOKEN)
    body = _order_body(shopify)

    # when the demo shop's signed order body is sent as the rival's (an order body names no shop: it is stored)
    response = _post(client, settings, "orders/updated", body, domain=RIVAL)
    assert response.status_code == 200
    process_webhook(WebhookReceipt.objects.get().pk)

    # then the rival's Shopify is asked for that order, has none, and nothing is stored for either shop
    receipt = WebhookReceipt.objects.get()
    assert receipt.status == WebhookReceipt.Status.FAILED
    assert f"has no order gid://shopify/Order/{body['id']}" in receipt.message
    assert not Order.objects.filter(shop=rival).exists()
    assert not Order.objects.exists()


def test_an_order_body_whose_ids_disagree_is_not_an_order(client, settings, shopify):
    # given bodies whose GraphQL id names a real order of the shop but whose numeric id does not, or with no id
    Shop.objects.create(domain=DOMAIN, access_token=shopify.token)
    real = _order_body(shopify)
    forged = _receipt("orders/updated", {**real, "id": 1})
    no_id = _receipt("orders/paid", {"shop_id": 954889, "shop_domain": DOMAIN})

    process_webhook(forged.pk)
    process_webhook(no_id.pk)

    # then neither is taken for an order: nothing is fetched and stored
    assert list(WebhookReceipt.objects.values_list("status", flat=True)) == [WebhookReceipt.Status.FAILED] * 2
    assert not Order.objects.exists()


def test_it_refuses_to_erase_a_shop_that_is_installed(client, settings):
    # given an installed shop (Shopify sends shop/redact 48 hours after an uninstall, never while installed)
    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    _stored_order(shop, 5550001001, "jane.doe@example.com")

    response = _post(client, settings, "shop/redact", {"shop_id": 954889, "shop_domain": DOMAIN})
    process_webhook(WebhookReceipt.objects.get().pk)

    assert response.status_code == 200
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.IGNORED
    assert Shop.objects.filter(pk=shop.pk).exists() and Order.objects.filter(shop=shop).count() == 1


def test_a_shop_uninstalled_is_erased_when_shopify_asks(client, settings):
    shop = Shop.objects.create(domain=DOMAIN, access_token="", uninstalled_at=timezone.now())
    _stored_order(shop, 5550001001, "jane.doe@example.com")

    _post(client, settings, "shop/redact", {"shop_id": 954889, "shop_domain": DOMAIN})
    process_webhook(WebhookReceipt.objects.get().pk)

    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.PROCESSED
    assert not Shop.objects.exists() and not Order.objects.exists()


# -- forged signatures (passing before the fix; kept passing) -----------------------------------------------------


def _forged_signatures(body: bytes, secret: str) -> dict[str, tuple[bytes, str | None]]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    other = hmac.new(b"another-apps-secret", body, hashlib.sha256).digest()
    return {
        "wrong": (body, "AAAA"),
        "another secret": (body, base64.b64encode(other).decode()),
        "hex instead of base64": (body, digest.hexdigest()),
        "one byte altered": (body[:-2] + b"9" + body[-1:], base64.b64encode(digest.digest()).decode()),
        "empty body": (b"", base64.b64encode(digest.digest()).decode()),
    }


def test_it_refuses_every_forged_signature_and_stores_nothing(client, settings):
    Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    body = json.dumps({"shop_id": 954889, "shop_domain": DOMAIN}).encode()

    answers = {
        name: _post(client, settings, "shop/redact", raw, signature=signature).status_code
        for name, (raw, signature) in _forged_signatures(body, settings.SHOPIFY_API_SECRET).items()
    }
    missing = client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="shop/redact",
        HTTP_X_SHOPIFY_SHOP_DOMAIN=DOMAIN,
        HTTP_X_SHOPIFY_EVENT_ID="evt-unsigned",
    )

    assert answers == dict.fromkeys(answers, 401)
    assert missing.status_code == 400
    assert not WebhookReceipt.objects.exists()
    assert Shop.objects.get().access_token == "shpat_live"


# -- 4. customer erasure reaches the stored webhook bodies; retention ---------------------------------------------


def test_a_customer_redaction_scrubs_the_webhook_bodies_that_hold_the_customer(client, settings):
    # given stored bodies about Jane (her order, a guest order with her e-mail, her data request) and one of Bob
    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    CustomerLink.objects.create(shop=shop, shopify_customer_id=7001, odoo_partner_id=9)
    jane = {"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@example.com"}
    address = {"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco"}
    hers = [
        _receipt(
            "orders/create", {"id": 5550001001, "customer": {"id": 7001, **jane}, "billing_address": address}
        ),
        _receipt(
            "orders/paid", {"id": 5550001002, "email": "Jane.Doe@example.com", "shipping_address": address}
        ),
        _receipt(
            "customers/data_request", {"shop_id": 954889, "shop_domain": DOMAIN, "customer": {"id": 7001}}
        ),
    ]
    bob = {"id": 5550002001, "customer": {"id": 8002, "email": "bob@example.com"}, "email": "bob@example.com"}
    his = _receipt("orders/create", bob)
    other_shop = _receipt("orders/create", {"id": 5550001001, "email": "jane.doe@example.com"}, domain=RIVAL)

    # when Shopify asks to erase Jane
    body = {
        "shop_id": 954889,
        "shop_domain": DOMAIN,
        "customer": {"id": 7001, "email": "jane.doe@example.com", "phone": "555-625-1199"},
        "orders_to_redact": [5550001001],
    }
    assert _post(client, settings, "customers/redact", body).status_code == 200
    request = WebhookReceipt.objects.get(topic="customers/redact")
    process_webhook(request.pk)

    # then no stored body of the shop names her any more (the request itself included); Bob's and the other
    # shop's are as they were
    request.refresh_from_db()
    assert request.status == WebhookReceipt.Status.PROCESSED
    for receipt in [*hers, request]:
        receipt.refresh_from_db()
        assert receipt.payload == {"redacted": True}
        assert "jane" not in json.dumps(receipt.headers).lower()
    his.refresh_from_db()
    other_shop.refresh_from_db()
    assert his.payload == bob
    assert other_shop.payload == {"id": 5550001001, "email": "jane.doe@example.com"}
    assert not CustomerLink.objects.exists()


def test_old_receipts_and_those_of_shops_never_installed_are_purged_in_batches(settings, monkeypatch):
    # given receipts of an installed shop (40 days, 10 days old) and of a shop never installed (2 days, 1 hour)
    settings.SYNCO_WEBHOOK_RETENTION_DAYS = 30
    settings.SYNCO_WEBHOOK_UNKNOWN_SHOP_RETENTION_HOURS = 24
    monkeypatch.setattr("synclogs.records.PURGE_BATCH", 2)
    Shop.objects.create(domain=DOMAIN)
    now = timezone.now()
    ages = {"old": timedelta(days=40), "recent": timedelta(days=10)}
    for name, age in ages.items():
        for n in range(3):
            WebhookReceipt.objects.create(shop_domain=DOMAIN, topic="orders/create", event_id=f"{name}-{n}")
            WebhookReceipt.objects.filter(event_id=f"{name}-{n}").update(received_at=now - age)
    for name, age in {"stranger-old": timedelta(days=2), "stranger-new": timedelta(hours=1)}.items():
        WebhookReceipt.objects.create(
            shop_domain="stranger.myshopify.com", topic="orders/create", event_id=name
        )
        WebhookReceipt.objects.filter(event_id=name).update(received_at=now - age)

    deleted = purge_old_receipts()

    assert deleted == 4
    assert sorted(WebhookReceipt.objects.values_list("event_id", flat=True)) == [
        "recent-0",
        "recent-1",
        "recent-2",
        "stranger-new",
    ]


def test_the_hourly_log_purge_also_purges_webhook_receipts(settings):
    from orders.tasks import purge_logs_task

    WebhookReceipt.objects.create(shop_domain="stranger.myshopify.com", topic="orders/create", event_id="e")
    WebhookReceipt.objects.update(received_at=timezone.now() - timedelta(days=2))

    purge_logs_task.apply()

    assert not WebhookReceipt.objects.exists()


# -- 9. poison bodies -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b'{"a":' * 1000 + b"1" + b"}" * 1000, b"[" * 1000 + b"]" * 1000])
def test_it_refuses_json_nested_too_deep_at_intake(client, settings, raw):
    response = _post(client, settings, "orders/create", raw)

    assert response.status_code == 400
    assert not WebhookReceipt.objects.exists()


def test_it_accepts_nesting_up_to_the_limit(client, settings):
    raw = b'{"a":' * webhooks.MAX_JSON_DEPTH + b"1" + b"}" * webhooks.MAX_JSON_DEPTH

    assert _post(client, settings, "orders/create", raw).status_code == 200


def test_a_poison_receipt_already_stored_fails_once_with_a_reason_and_is_not_queued_again(settings):
    # given a receipt stored before the intake measured nesting: 1,200 levels deep (Python's json gives up at ~1,000)
    Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    receipt = _receipt("orders/updated", {})
    depth = 1200 if connection.vendor == "postgresql" else 990  # SQLite's JSON_VALID stops at 1,000 levels
    deep = '{"a":' * depth + "1" + "}" * depth
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(WebhookReceipt._meta.db_table)
        cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        cursor.execute(f"UPDATE {table} SET payload = {cast} WHERE id = %s", [deep, receipt.pk])

    # when a worker takes it up
    assert process_webhook(receipt.pk) is None

    # then it fails with the reason, and neither the worker nor the sweep takes it up again
    status, message, attempts = WebhookReceipt.objects.values_list("status", "message", "attempts").get()
    assert (status, attempts) == (WebhookReceipt.Status.FAILED, 1)
    assert f"deeper than {webhooks.MAX_JSON_DEPTH} levels" in message
    WebhookReceipt.objects.update(received_at=timezone.now() - timedelta(hours=1))
    assert requeue_receipts() == 0
    assert process_webhook(receipt.pk) is None
    assert WebhookReceipt.objects.values_list("attempts", flat=True).get() == 1


def test_a_receipt_whose_worker_died_every_time_fails_after_the_last_attempt_instead_of_forever(settings):
    # given a receipt taken up MAX_ATTEMPTS times by workers that died holding it (the last 20 minutes ago)
    Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    receipt = _receipt("orders/updated", {"id": 5550001001})
    WebhookReceipt.objects.update(
        attempts=MAX_ATTEMPTS,
        processed_at=timezone.now() - timedelta(minutes=20),
        received_at=timezone.now() - timedelta(hours=3),
    )

    # when the sweep queues it again and a worker takes it up
    assert requeue_receipts() == 1
    process_webhook(receipt.pk)

    # then it fails with the reason, is not handled, and is never queued again
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (WebhookReceipt.Status.FAILED, MAX_ATTEMPTS + 1)
    assert receipt.message.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")
    assert not Order.objects.exists()
    assert requeue_receipts() == 0


@pytest.mark.django_db(transaction=True)
def test_a_delivery_failing_with_a_non_data_database_error_fails_alone(settings, monkeypatch):
    # given a delivery whose INSERT the database fails with an error that is not about the data (e.g. a limit)
    celery_app.control.purge()
    insert = webhooks.insert_receipts

    def insert_refusing_the_poison(deliveries: list[webhooks.Delivery]) -> None:
        if any(delivery.event_id == "evt-poison" for delivery in deliveries):
            connection.ensure_connection()  # the statement fails, not the connection
            raise OperationalError("stack depth limit exceeded")
        insert(deliveries)

    monkeypatch.setattr(webhooks, "insert_receipts", insert_refusing_the_poison)

    # when it arrives in one batch with innocent deliveries
    answers = _deliver_while_a_write_waits(
        settings, [("evt-1", b'{"id": 2}'), ("evt-poison", b'{"id": 3}'), ("evt-2", b'{"id": 4}')]
    )

    # then only it fails (Shopify delivers it again); the others are stored and answered OK
    assert [response.status_code for response in answers["evt-poison"]] == [503]
    assert [answers[event][0].content for event in ("evt-first", "evt-1", "evt-2")] == [b"OK"] * 3
    assert sorted(WebhookReceipt.objects.values_list("event_id", flat=True)) == [
        "evt-1",
        "evt-2",
        "evt-first",
    ]


# -- 10. passing faults are retried, with backoff ------------------------------------------------------------------


@pytest.fixture
def shopify_faults(shopify: Any) -> Any:
    yield shopify
    shopify.control(fail_next=0)


def test_a_passing_shopify_fault_puts_the_receipt_back_and_a_later_attempt_imports_the_order(
    client, settings, shopify_faults
):
    shopify = shopify_faults
    Shop.objects.create(domain=DOMAIN, access_token=shopify.token)
    body = _order_body(shopify)
    _post(client, settings, "orders/updated", body)
    receipt = WebhookReceipt.objects.get()

    # when Shopify answers 502 once
    shopify.control(fail_next=1, status=502)
    delay = process_webhook(receipt.pk)

    # then the receipt is Received again, waiting out a backoff (the sweep and an early task leave it alone)
    receipt.refresh_from_db()
    assert delay is not None and 24 <= delay <= 36
    assert (receipt.status, receipt.attempts, receipt.processed_at) == (
        WebhookReceipt.Status.RECEIVED,
        1,
        None,
    )
    assert receipt.next_attempt_at is not None and receipt.next_attempt_at > timezone.now()
    assert f"Attempt 1 of {MAX_ATTEMPTS} failed" in receipt.message
    WebhookReceipt.objects.update(received_at=timezone.now() - timedelta(hours=1))
    assert requeue_receipts() == 0
    assert process_webhook(receipt.pk) is None
    assert WebhookReceipt.objects.values_list("attempts", flat=True).get() == 1

    # and once the backoff has passed, the next attempt imports the order
    WebhookReceipt.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert process_webhook(receipt.pk) is None
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (WebhookReceipt.Status.PROCESSED, 2)
    assert Order.objects.get().shopify_id == body["id"]


def test_the_backoff_doubles_with_jitter_up_to_a_cap():
    for attempt, base in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)]:
        delays = [webhook_handlers.retry_delay(attempt) for _ in range(20)]
        assert all(0.8 * base <= delay <= 1.2 * base for delay in delays), (attempt, delays)
        assert len(set(delays)) > 1


def test_a_fault_that_does_not_pass_fails_the_receipt_after_the_last_attempt(
    client, settings, shopify_faults
):
    shopify = shopify_faults
    Shop.objects.create(domain=DOMAIN, access_token=shopify.token)
    _post(client, settings, "orders/updated", _order_body(shopify))
    receipt = WebhookReceipt.objects.get()
    shopify.control(fail_next=MAX_ATTEMPTS + 5, status=503)

    delays = []
    for _ in range(MAX_ATTEMPTS):
        delays.append(process_webhook(receipt.pk))
        WebhookReceipt.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    receipt.refresh_from_db()
    assert [delay is not None for delay in delays] == [True] * (MAX_ATTEMPTS - 1) + [False]
    assert (receipt.status, receipt.attempts) == (WebhookReceipt.Status.FAILED, MAX_ATTEMPTS)
    assert receipt.message.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")
    assert "will be retried" not in receipt.message
    assert not Order.objects.exists()


def test_the_task_queues_the_next_attempt_after_the_backoff(client, settings, shopify_faults):
    shopify = shopify_faults
    Shop.objects.create(domain=DOMAIN, access_token=shopify.token)
    _post(client, settings, "orders/updated", _order_body(shopify))
    receipt = WebhookReceipt.objects.get()
    celery_app.control.purge()
    shopify.control(fail_next=1, status=502)

    process_webhook_task.apply(args=[receipt.pk])

    # The webhook's own next attempt (tasks other tests left with a countdown, restored to the queue by the
    # broker when their killed worker's messages come back, are not this test's).
    webhook_tasks = [task for task in _queued() if task[0] == "synco.shopify_app.tasks.process_webhook_task"]
    assert webhook_tasks == [("synco.shopify_app.tasks.process_webhook_task", [receipt.pk])]
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.RECEIVED


def test_a_receipt_waiting_for_its_retry_is_not_reported_stuck_until_the_retry_is_overdue():
    from synco.pages.home import get_webhook_health

    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    now = timezone.now()
    for event_id, next_attempt_at in [
        ("waiting", now + timedelta(minutes=8)),
        ("overdue", now - timedelta(hours=1)),
    ]:
        WebhookReceipt.objects.create(
            shop_domain=DOMAIN, topic="orders/updated", event_id=event_id, next_attempt_at=next_attempt_at
        )
    WebhookReceipt.objects.update(received_at=now - timedelta(hours=2))

    assert get_webhook_health(shop, now).stuck == 1
