"""Every sync state says what is really happening: on the orders list, on the order page and in its Odoo panel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from synco.models import OdooConnection, Shop
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db


def _order(shop: Shop, status: str = SyncStatus.NOT_SYNCED, **fields: object) -> Order:
    order = stored_order(shop, order_node(), status)
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _row(client, order: Order) -> str:
    html = client.get(reverse("orders:list")).content.decode()
    match = re.search(rf'<s-table-row id="order-{order.pk}".*?</s-table-row>', html, re.S)
    assert match, html
    return match.group(0)


def _live(client, order: Order) -> str:
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    match = re.search(r'<div id="order-live".*?id="totals-section"', html, re.S)
    assert match
    return match.group(0)


def test_a_queued_order_waits_for_a_worker(merchant_client, shop):
    order = _order(shop, SyncStatus.QUEUED)

    row, live = _row(merchant_client, order), _live(merchant_client, order)

    assert 'data-state="queued"' in row and "Queued" in row
    assert "Waiting for a worker to pick it up." in row
    assert "Not written yet: waiting for a worker." in live
    assert "Being written" not in row + live


def test_an_order_waiting_to_retry_says_when_and_why_not_being_written(merchant_client, shop):
    # given an order whose first try failed with "connection refused" (Odoo's circuit still closed)
    at = timezone.now() + timedelta(seconds=40)
    order = _order(
        shop,
        SyncStatus.QUEUED,
        next_retry_at=at,
        sync_attempts=1,
        sync_error="Cannot connect to Odoo: connection refused.",
    )

    row, live = _text(_row(merchant_client, order)), _text(_live(merchant_client, order))

    for html in (row, live):
        assert "Waiting to retry" in html
        assert "Last try failed: Cannot connect to Odoo: connection refused." in html
        assert f"Try 2 of 6 at {timezone.localtime(at):%H:%M:%S} UTC." in html
        assert "Being written" not in html
    assert f"Not written yet: Synco tries again at {timezone.localtime(at):%H:%M:%S} UTC." in live


def test_the_retry_time_is_in_the_shops_time_zone(merchant_client, shop):
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="America/New_York")
    at = timezone.now() + timedelta(minutes=2)
    order = _order(shop, SyncStatus.QUEUED, next_retry_at=at, sync_attempts=1, sync_error="Odoo timed out.")

    row = _text(_row(merchant_client, order))

    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo("America/New_York"))
    assert f"Try 2 of 6 at {local:%H:%M:%S} {local.tzname()}." in row


def test_an_order_waiting_for_odoo_to_come_back_says_so(merchant_client, shop):
    until = timezone.now() + timedelta(minutes=3)
    OdooConnection.objects.filter(shop=shop).update(
        circuit_open_until=until, consecutive_failures=5, last_failure="Odoo answered 502 Bad Gateway."
    )
    order = _order(shop, SyncStatus.QUEUED, next_retry_at=until, sync_error="Odoo answered 502 Bad Gateway.")

    row, live = _text(_row(merchant_client, order)), _text(_live(merchant_client, order))

    for html in (row, live):
        assert "Waiting for Odoo" in html
        assert "Odoo is not answering: Odoo answered 502 Bad Gateway." in html
        assert f"Synco tries again at {timezone.localtime(until):%H:%M:%S} UTC" in html
        assert "Waiting to retry" not in html and "Being written" not in html
    assert "Not written yet: waiting for Odoo to answer again." in live


def test_an_order_with_a_live_lease_is_being_written(merchant_client, shop):
    order = _order(shop, SyncStatus.IN_PROGRESS, lease_until=timezone.now() + timedelta(seconds=60))

    row, live = _text(_row(merchant_client, order)), _text(_live(merchant_client, order))

    assert "Being written" in row and "A worker is writing it to Odoo now." in row
    assert "Being written to Odoo…" in live


def test_an_order_whose_worker_stopped_is_not_called_being_written(merchant_client, shop):
    order = _order(shop, SyncStatus.IN_PROGRESS, lease_until=timezone.now() - timedelta(seconds=5))

    row, live = _text(_row(merchant_client, order)), _text(_live(merchant_client, order))

    assert "Queued" in row and "stopped answering" in row
    assert "Being written" not in row + live


@pytest.mark.parametrize(
    ("status", "fields", "label", "note"),
    [
        (SyncStatus.FAILED, {"sync_error": "No Odoo product has the SKU 'X'."}, "Failed", "the SKU"),
        (SyncStatus.NEEDS_REVIEW, {"review_reason": "Totals differ by 0.05."}, "Needs review", "differ"),
        (SyncStatus.SYNCED, {"odoo_id": 7, "odoo_name": "S00007"}, "Synced", "S00007"),
    ],
)
def test_finished_states_are_named_with_their_reason(merchant_client, shop, status, fields, label, note):
    order = _order(shop, status, **fields)

    row, live = _text(_row(merchant_client, order)), _text(_live(merchant_client, order))

    assert f" {label} " in row and note in row
    assert f" {label} " in live
    assert "Waiting" not in row and "Being written" not in row + live
