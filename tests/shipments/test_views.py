"""Settings > Shipping and the order panel's retry."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shipments.models import Shipment, ShipmentSettings

pytestmark = [pytest.mark.django_db]


def test_the_shipping_settings_page_saves_who_ships_and_shows_the_odoo_url(merchant_client: Any, shop: Any):
    page = merchant_client.get(reverse("shipments:settings"))
    assert page.status_code == 200
    assert "/shipments/odoo-webhook/" in page.content.decode()

    saved = merchant_client.post(
        reverse("shipments:settings"), {"shipper": "shopify", "validate_at_sync": "on"}
    )

    assert saved.status_code == 200 and "Saved." in saved.content.decode()
    settings = ShipmentSettings.objects.get(shop=shop)
    assert (settings.shipper, settings.notify_customer, settings.validate_at_sync) == ("shopify", False, True)


def test_retry_queues_only_the_order_s_held_shipments(
    merchant_client: Any, shop: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
):
    from orders.models import Order
    from shipments import tasks, views

    order = Order.objects.create(
        shop=shop,
        shopify_id=1,
        gid="gid://shopify/Order/1",
        name="#1",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        odoo_id=5,
    )
    Shipment.objects.create(shop=shop, order=order, direction="to_shopify", odoo_picking_id=7, state="held")
    Shipment.objects.create(shop=shop, order=order, direction="to_shopify", odoo_picking_id=8, state="sent")
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.push_delivery_task, "delay", lambda *args: sent.append(args))
    monkeypatch.setattr(views.services, "get_order_shipments", lambda order: None)
    monkeypatch.setattr(views, "render", lambda request, template, context: views.HttpResponse("panel"))

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(reverse("shipments:retry_order", args=[order.pk]))

    assert response.status_code == 200
    assert sent == [(order.pk, 7)]
