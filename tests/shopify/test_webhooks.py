"""The webhook endpoint and what each topic does, with bodies signed like Shopify signs them."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerLink
from orders.models import Order
from synclogs.models import WebhookReceipt
from synco.celery import app as celery_app
from synco.models import Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify_app.tasks import process_webhooks_task
from synco.shopify_app.webhook_handlers import process_webhook, requeue_receipts
from synco.shopify_app.webhooks import publisher, receipts
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
    _post(client, settings, "app/uninstalled", {"id": 954889, "domain": DOMAIN, "myshopify_domain": DOMAIN})

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
    _post(client, settings, "orders/create", {"id": 1})
    _post(client, settings, "orders/create", {"id": 2})
    WebhookReceipt.objects.filter(payload__id=1).update(received_at=timezone.now() - timedelta(minutes=5))

    assert requeue_receipts() == 1


def _empty_queue() -> None:
    """Start from an empty broker: what an earlier test's publisher still held is sent first, then dropped."""
    assert publisher.flush(30)
    celery_app.control.purge()


def _queued() -> list[tuple[str, list[Any]]]:
    """The tasks waiting in the test broker (each receipt the web queued), taken off it as a worker would."""
    assert publisher.flush(30)
    found = []
    # Every declared queue (webhook work goes to 'interactive', what bulk work sends to 'bulk', ...).
    names = [declared.name for declared in celery_app.conf.task_queues or ()] or ["celery"]
    with celery_app.connection_for_read() as broker:
        for name in names:
            with broker.SimpleQueue(name) as queue:
                while True:
                    try:
                        message = queue.get(timeout=0.5)
                    except queue.Empty:
                        break
                    args, _kwargs, _embed = message.payload
                    found.append((message.headers["task"], args))
                    message.ack()
    return found


def _queued_receipts() -> list[int]:
    """Receipt ids in the batch messages the web sent, as many times as they were sent."""
    return [
        receipt_id
        for task, args in _queued()
        if task == "synco.shopify_app.tasks.process_webhooks_task"
        for receipt_id in args[0]
    ]


def _wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("raw", [b"not json", b'{"id": 5550001001,', b"\xff\xfe{}"])
def test_it_refuses_a_body_that_is_not_json_and_stores_nothing(client, settings, raw):
    response = _post(client, settings, "orders/create", None, raw=raw)

    assert response.status_code == 400
    assert not WebhookReceipt.objects.exists()


def test_it_stores_the_body_as_shopify_sent_it_with_the_headers_but_not_the_signature(client, settings):
    body = '{"id": 5550001001, "note": "Caf\u00e9 \u2615", "total_price": "19.90", "tags": ""}'.encode()
    response = _post(client, settings, "orders/create", None, raw=body, event_id="evt-7")

    assert (response.status_code, response.content) == (200, b"OK")
    receipt = WebhookReceipt.objects.get()
    assert receipt.payload == {"id": 5550001001, "note": "Café ☕", "total_price": "19.90", "tags": ""}
    assert receipt.headers["Event-Id"] == "evt-7"
    assert set(receipt.headers) == {
        "Topic",
        "Shop-Domain",
        "API-Version",
        "Webhook-Id",
        "Event-Id",
        "Triggered-At",
        "Name",
    }
    assert (receipt.status, receipt.shop_domain, receipt.processed_at) == ("received", DOMAIN, None)
    assert timezone.is_aware(receipt.received_at)


def test_it_takes_the_headers_without_the_x_prefix_of_the_newer_events_delivery(client, settings):
    body = b'{"id": 5550001001}'
    response = client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_SHOPIFY_TOPIC="orders/create",
        HTTP_SHOPIFY_SHOP_DOMAIN=DOMAIN,
        HTTP_SHOPIFY_EVENT_ID="evt-9",
        HTTP_SHOPIFY_HMAC_SHA256=webhook_hmac(body, settings.SHOPIFY_API_SECRET),
    )

    assert (response.status_code, response.content) == (200, b"OK")
    receipt = WebhookReceipt.objects.get()
    assert (receipt.topic, receipt.event_id, receipt.payload) == (
        "orders/create",
        "evt-9",
        {"id": 5550001001},
    )


def test_a_json_value_that_is_not_an_object_is_stored_wrapped(client, settings):
    _post(client, settings, "orders/create", None, raw=b"[1, 2]")

    assert WebhookReceipt.objects.get().payload == {"body": [1, 2]}


def _deliver_while_a_write_waits(settings, deliveries: list[tuple[str, bytes]]) -> dict[str, list[Any]]:
    """Deliver evt-first, whose write waits for another transaction holding the same event, then the
    (event id, body) deliveries meanwhile; let the first write go on; return the answers by event id."""
    answers: dict[str, list[Any]] = {}

    def deliver(event_id: str, body: bytes) -> None:
        try:
            response = _post(Client(), settings, "orders/create", None, raw=body, event_id=event_id)
            answers.setdefault(event_id, []).append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=("evt-first", b'{"id": 1}'))]
    with transaction.atomic():
        WebhookReceipt.objects.create(shop_domain=DOMAIN, topic="orders/create", event_id="evt-first")
        threads[0].start()
        _wait_until(lambda: len(receipts._waiting) == 1)
        for event_id, body in deliveries:
            threads.append(threading.Thread(target=deliver, args=(event_id, body)))
            threads[-1].start()
        _wait_until(lambda: len(receipts._waiting) == 1 + len(deliveries))
        transaction.set_rollback(True)  # the other transaction gives way: evt-first is new after all
    for thread in threads:
        thread.join(timeout=30)
    assert not receipts._waiting
    return answers


@pytest.mark.django_db(transaction=True)
def test_deliveries_arriving_during_a_write_are_stored_together_by_the_next_one(settings):
    _empty_queue()

    # when five events (one of them delivered twice) arrive while a write is in progress
    events = ["evt-1", "evt-2", "evt-3", "evt-4", "evt-5", "evt-3"]
    answers = _deliver_while_a_write_waits(settings, [(event_id, b'{"id": 2}') for event_id in events])

    # then each delivery is answered once its own row is committed, the waiting ones by one INSERT
    contents = sorted(response.content for responses in answers.values() for response in responses)
    assert contents == [b"Duplicate event ignored"] + [b"OK"] * 6
    stored = {receipt.event_id: receipt for receipt in WebhookReceipt.objects.all()}
    assert sorted(stored) == ["evt-1", "evt-2", "evt-3", "evt-4", "evt-5", "evt-first"]
    together = {stored[f"evt-{n}"].received_at for n in range(1, 6)}
    assert len(together) == 1
    assert stored["evt-first"].received_at < together.pop()
    # and each receipt is queued exactly once
    assert sorted(_queued_receipts()) == sorted(receipt.pk for receipt in stored.values())


@pytest.mark.django_db(transaction=True)
def test_a_delivery_the_database_refuses_does_not_fail_the_others_written_with_it(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores \\u0000 in JSON; PostgreSQL refuses it")
    _empty_queue()

    answers = _deliver_while_a_write_waits(
        settings,
        [("evt-1", b'{"id": 2}'), ("evt-nul", b'{"note": "\\u0000"}'), ("evt-2", b'{"id": 3}')],
    )

    assert [response.status_code for response in answers["evt-nul"]] == [400]
    assert [answers[event][0].content for event in ("evt-first", "evt-1", "evt-2")] == [b"OK"] * 3
    assert sorted(WebhookReceipt.objects.values_list("event_id", flat=True)) == [
        "evt-1",
        "evt-2",
        "evt-first",
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_are_each_stored_once_and_queued_once(settings):
    _empty_queue()
    events = [f"evt-{n}" for n in range(40)]
    answers: list[bytes] = []

    def deliver(mine: list[str]) -> None:
        try:
            client = Client()
            for event_id in mine:
                answers.append(_post(client, settings, "orders/paid", {"id": 1}, event_id=event_id).content)
        finally:
            connection.close()

    # 8 senders at once; every event is sent by two of them (Shopify delivers at least once)
    threads = [threading.Thread(target=deliver, args=(events[n::4],)) for n in range(4) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(set(answers)) == [b"Duplicate event ignored", b"OK"]
    assert answers.count(b"OK") == 40 and answers.count(b"Duplicate event ignored") == 40
    stored = dict(WebhookReceipt.objects.values_list("event_id", "pk"))
    assert sorted(stored) == sorted(events)
    assert sorted(_queued_receipts()) == sorted(stored.values())


@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_kept_for_the_sweep_when_the_broker_is_down(
    client, settings, monkeypatch, caplog, unused_tcp_port
):
    _empty_queue()
    # given a broker nobody answers on
    monkeypatch.setitem(celery_app.conf, "broker_write_url", f"redis://127.0.0.1:{unused_tcp_port}/0")
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)

    # when Shopify delivers an event
    with caplog.at_level(logging.WARNING, logger="synco.shopify_app.webhooks"):
        response = _post(client, settings, "orders/create", {"id": 5550001001})
        assert publisher.flush(30)

    # then it is acknowledged, stored and left Received, and the log says why it waits
    assert (response.status_code, response.content) == (200, b"OK")
    receipt = WebhookReceipt.objects.get()
    assert (receipt.status, receipt.processed_at) == (WebhookReceipt.Status.RECEIVED, None)
    assert "stored but not queued; the sweep will queue them" in caplog.text
    # and once the broker is back, the sweep queues it
    monkeypatch.undo()
    WebhookReceipt.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert requeue_receipts() == 1
    assert _queued() == [("synco.shopify_app.tasks.process_webhook_task", [receipt.pk])]


def test_a_batch_message_becomes_one_task_per_receipt():
    _empty_queue()

    process_webhooks_task.apply(args=[[11, 12, 13]])

    assert sorted(_queued()) == [
        ("synco.shopify_app.tasks.process_webhook_task", [pk]) for pk in (11, 12, 13)
    ]


def test_the_sweep_of_receipts_never_queued_runs_every_minute():
    celery_app.finalize()
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}

    assert schedule["synco.shopify_app.tasks.requeue_webhooks_task"] == 60.0


@pytest.mark.e2e
def test_a_webhook_is_handled_by_a_real_worker(client, settings, redis_worker):
    # given an installed shop
    shop = Shop.objects.create(domain=DOMAIN, access_token="shpat_live")

    # when Shopify says the app was uninstalled
    response = _post(
        client, settings, "app/uninstalled", {"id": 954889, "domain": DOMAIN, "myshopify_domain": DOMAIN}
    )
    assert response.status_code == 200

    # then a real Celery worker handles the stored event: the token is gone
    receipt = WebhookReceipt.objects.get()
    deadline = time.monotonic() + 60
    while receipt.status == WebhookReceipt.Status.RECEIVED and time.monotonic() < deadline:
        redis_worker.assert_alive()
        time.sleep(0.2)
        receipt.refresh_from_db()
    assert receipt.status == WebhookReceipt.Status.PROCESSED, redis_worker.log()[-4000:]
    shop.refresh_from_db()
    assert shop.access_token == ""
