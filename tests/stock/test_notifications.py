"""Odoo's webhook notification: authenticated by the shop's token in the URL, answered at once, coalesced."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.urls import reverse

from stock import services
from stock.models import PendingChange, StockSettings
from stock.tasks import flush_pending_task, sweep_stock_task


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """The flush and sweep tasks sent (not run): what the endpoint queued."""
    sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def capture(name: str) -> Any:
        def apply_async(args: tuple[Any, ...] = (), kwargs: Any = None, **options: Any) -> None:
            sent.append((name, tuple(args), options))

        return apply_async

    monkeypatch.setattr(flush_pending_task, "apply_async", capture("flush"))
    monkeypatch.setattr(sweep_stock_task, "apply_async", capture("sweep"))
    return sent


@pytest.fixture
def stock_on(shop: Any) -> StockSettings:
    settings = services.get_settings(shop)
    settings.enabled = True
    settings.save()
    return settings


def notify(client: Any, shop_pk: int, token: str, body: Any) -> Any:
    url = reverse("stock:odoo_webhook", args=[shop_pk]) + f"?token={token}"
    return client.post(url, data=json.dumps(body), content_type="application/json")


def quant_body(product_id: int, quant_id: int = 1) -> dict[str, Any]:
    # As Odoo 18's "Send Webhook Notification" posts it (fields read with load=None: a many2one is its id).
    return {
        "_action": "Send Webhook Notification(#12)",
        "_id": quant_id,
        "_model": "stock.quant",
        "id": quant_id,
        "product_id": product_id,
        "location_id": 8,
        "quantity": 4.0,
    }


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_wrong_or_missing_token_and_never_logs_it(client, stock_on, queued, caplog):
    caplog.set_level(logging.DEBUG)

    wrong = notify(client, stock_on.shop_id, "not-the-token", quant_body(5))
    missing = client.post(
        reverse("stock:odoo_webhook", args=[stock_on.shop_id]), data="{}", content_type="application/json"
    )
    unknown_shop = notify(client, stock_on.shop_id + 999, stock_on.webhook_token, quant_body(5))

    assert [wrong.status_code, missing.status_code, unknown_shop.status_code] == [403, 403, 403]
    assert PendingChange.objects.count() == 0
    assert queued == []
    assert stock_on.webhook_token not in caplog.text
    assert "not-the-token" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_it_queues_a_flush_for_an_authentic_notification(client, stock_on, queued):
    response = notify(client, stock_on.shop_id, stock_on.webhook_token, quant_body(5))

    assert response.status_code == 202
    assert response.json() == {"ok": True, "queued": 1}
    assert list(PendingChange.objects.values_list("odoo_product_id", flat=True)) == [5]
    assert queued == [("flush", (stock_on.shop_id,), {"countdown": 1.0})]


@pytest.mark.django_db(transaction=True)
def test_a_hundred_notifications_of_one_sku_make_one_pending_change_and_one_flush(client, stock_on, queued):
    for quant_id in range(100):
        assert (
            notify(client, stock_on.shop_id, stock_on.webhook_token, quant_body(5, quant_id)).status_code
            == 202
        )

    assert list(PendingChange.objects.values_list("odoo_product_id", flat=True)) == [5]
    assert [name for name, _, _ in queued] == ["flush"]


@pytest.mark.django_db(transaction=True)
def test_a_notification_without_a_product_asks_the_sweep(client, stock_on, queued):
    body = {"_action": "Send Webhook Notification(#3)", "_id": 9, "_model": "stock.picking"}

    response = notify(client, stock_on.shop_id, stock_on.webhook_token, body)

    assert response.status_code == 202
    assert PendingChange.objects.count() == 0
    assert queued == [("sweep", (stock_on.shop_id,), {})]


@pytest.mark.django_db(transaction=True)
def test_it_ignores_notifications_while_stock_sync_is_off(client, shop, queued):
    settings = services.get_settings(shop)

    response = notify(client, shop.pk, settings.webhook_token, quant_body(5))

    assert response.status_code == 202
    assert PendingChange.objects.count() == 0
    assert queued == []


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_body_that_is_not_json(client, stock_on, queued):
    url = reverse("stock:odoo_webhook", args=[stock_on.shop_id]) + f"?token={stock_on.webhook_token}"

    response = client.post(url, data="product=5", content_type="text/plain")

    assert response.status_code == 400
    assert queued == []


def test_it_reads_product_ids_from_every_shape_odoo_sends():
    read = services.product_ids_from_notification

    assert read({"_model": "stock.quant", "_id": 1, "product_id": 5}) == [5]
    assert read({"_model": "stock.move", "_id": 1, "product_id": [6, "Desk"]}) == [6]
    assert read({"_model": "product.product", "_id": 7}) == [7]
    assert read([{"product_id": 5}, {"product_id": 8}]) == [5, 8]
    assert read({"_model": "stock.quant", "product_id": False}) == []
    assert read("nonsense") == []
