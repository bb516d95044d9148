"""Odoo validates a delivery -> Synco's automation rule notifies Synco -> a real Celery worker -> Shopify
fulfilment with tracking, end to end (live server, Redis)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shipments import services
from shipments.models import Shipment
from tests.celery_worker import celery_worker
from tests.shipments.conftest import delivery_of, fulfillments_of, sandbox_order, ship, synced


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("added_shopify_orders_removed")
def test_a_validated_odoo_delivery_is_fulfilled_in_shopify_within_seconds(
    live_server, settings, shipping_shop, shopify, odoo, tmp_path: Path
):
    # given Synco created its Odoo delivery rule pointing at its public URL, and a synced order
    settings.SYNCO_PUBLIC_URL = live_server.url
    rule = services.install_delivery_notifications(shipping_shop, install_module=True)
    assert rule.created
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    with celery_worker(tmp_path / "worker.log", {"SHOPIFY_ADMIN_ORIGIN": shopify.base_url}) as worker:
        # when the warehouse validates the delivery with a tracking number
        started = time.monotonic()
        ship(odoo, shipping_shop, delivery, tracking="1ZE2E0001", carrier="UPS")

        # then Shopify has the fulfilment with the tracking within seconds
        while not fulfillments_of(shopify, order) and time.monotonic() - started < 30:
            worker.assert_alive()
            time.sleep(0.1)
        latency = time.monotonic() - started
        made = fulfillments_of(shopify, order)
        assert len(made) == 1, worker.log()[-4000:]
        # the worker records it right after Shopify's answer
        while not Shipment.objects.filter(order=stored, state=Shipment.State.SENT).exists():
            assert time.monotonic() - started < 30, worker.log()[-4000:]
            time.sleep(0.05)
    print(f"Odoo delivery validated -> Shopify fulfilment: {latency:.2f} s")
    assert made[0]["tracking_number"] == "1ZE2E0001"
    assert Shipment.objects.get(order=stored).fulfillment_gid == made[0]["admin_graphql_api_id"]
    assert latency < 5
