"""Click Sync through the test client; a real Celery worker on Redis writes the order into the Odoo sandbox."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from orders.models import SyncStatus
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_syncs_an_order_through_a_real_celery_worker(shop, odoo, merchant_client, redis_worker):
    # given an order that is not synced
    order = stored_order(shop, order_node())

    # when the merchant clicks Sync
    clicked = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")
    assert "Queued" in clicked.content.decode()

    # then the row turns Synced, as the page's polling would show it
    deadline = time.monotonic() + 60
    html = ""
    while time.monotonic() < deadline:
        html = merchant_client.get(
            reverse("orders:row", args=[order.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        if 'name="pending"' not in html:
            break
        redis_worker.assert_alive()
        time.sleep(0.3)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, f"{html}\n{redis_worker.log()[-4000:]}"
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert order.odoo_id == sale["id"]
    assert f"(id {sale['id']})" in html and "SHOP#1001" in html
    assert 'name="pending"' not in html
