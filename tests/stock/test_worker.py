"""Odoo notification -> real Celery worker -> Shopify sandbox level, end to end through Redis."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.urls import reverse

from stock import services
from stock.models import PendingChange, StockPush
from tests.celery_worker import celery_worker

from .conftest import item_gid, odoo_product, set_odoo_quantity, shopify_available


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_notified_odoo_change_reaches_shopify_within_seconds(
    client, stock_shop, shopify, odoo, main_location, warehouse_stock, tmp_path: Path
):
    product = odoo_product(odoo)
    settings = services.get_settings(stock_shop)
    url = reverse("stock:odoo_webhook", args=[stock_shop.pk]) + f"?token={settings.webhook_token}"
    location = main_location.shopify_location_gid
    env = {"SHOPIFY_ADMIN_ORIGIN": shopify.base_url}
    with celery_worker(tmp_path / "worker.log", env) as worker:
        # when Odoo's quantity changes and its automation rule notifies Synco (twice, as quant and move)
        counted = shopify_available(shopify, item_gid(), location) + 5
        set_odoo_quantity(odoo, product, warehouse_stock, counted)
        started = time.monotonic()
        for model in ("stock.quant", "stock.move"):
            body = {"_model": model, "_id": 1, "product_id": product}
            assert client.post(url, body, "application/json").status_code == 202

        # then the worker sets Shopify's level once the coalescing window closes
        while shopify_available(shopify, item_gid(), location) != counted and time.monotonic() - started < 30:
            worker.assert_alive()
            time.sleep(0.1)
        latency = time.monotonic() - started
        assert shopify_available(shopify, item_gid(), location) == counted, worker.log()[-4000:]
        # a notification noted after the first flush began (a slow request on a busy machine) has a flush of
        # its own: wait for it too, it finds Shopify equal and writes nothing
        while PendingChange.objects.filter(shop=stock_shop).exists() and time.monotonic() - started < 30:
            worker.assert_alive()
            time.sleep(0.1)
    print(f"stock latency through the worker: {latency:.2f} s")
    assert latency < 5
    assert StockPush.objects.filter(shop=stock_shop, outcome=StockPush.Outcome.SET).count() == 1
    assert PendingChange.objects.filter(shop=stock_shop).count() == 0


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_odoo_stock_change_reaches_shopify_through_odoos_automation_rule(
    live_server, settings, stock_shop, shopify, odoo, main_location, warehouse_stock, tmp_path: Path
):
    # given Synco created the Odoo automation rules pointing at its public URL
    settings.SYNCO_PUBLIC_URL = live_server.url
    rules = services.install_odoo_notifications(stock_shop, install_module=True)
    assert (len(rules.rule_ids), rules.created) == (1, 1)  # one rule on stock.quant covers done moves too
    again = services.install_odoo_notifications(stock_shop, install_module=False)
    assert (again.rule_ids, again.created, again.updated) == (rules.rule_ids, 0, 1)
    product = odoo_product(odoo)
    location = main_location.shopify_location_gid
    counted = shopify_available(shopify, item_gid(), location) + 7
    with celery_worker(tmp_path / "worker.log", {"SHOPIFY_ADMIN_ORIGIN": shopify.base_url}) as worker:
        # when a warehouse worker counts the stock in Odoo
        started = time.monotonic()
        set_odoo_quantity(odoo, product, warehouse_stock, counted)

        # then Odoo notifies Synco, and Shopify shows it within seconds
        while shopify_available(shopify, item_gid(), location) != counted and time.monotonic() - started < 30:
            worker.assert_alive()
            time.sleep(0.1)
        latency = time.monotonic() - started
        assert shopify_available(shopify, item_gid(), location) == counted, worker.log()[-4000:]
    print(f"Odoo change -> Shopify level through the automation rule: {latency:.2f} s")
    assert latency < 5
