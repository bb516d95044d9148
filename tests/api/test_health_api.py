"""GET /api/v1/health/: Home's figures (Odoo, circuit breaker, backlog, webhooks, pause) for monitoring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.models import Order, SyncStatus
from orders.services import pause_syncing
from synclogs.models import WebhookReceipt
from synco.models import OdooConnection
from synco.pages.home import get_order_counts
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/health/"


def _order(shop, number, status=SyncStatus.NOT_SYNCED, **fields):
    order = stored_order(shop, order_node(id=f"gid://shopify/Order/{number}", name=f"#{number}"), status)
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
    return order


def _receipt(shop, number, status, received_at):
    receipt = WebhookReceipt.objects.create(
        shop=shop, shop_domain=shop.domain, topic="orders/updated", event_id=f"e{number}", status=status
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=received_at)


def test_a_new_shop_is_not_connected_has_no_backlog_and_no_webhooks(keyed):
    answer = keyed.read.get(URL)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"checked_at", "odoo", "backlog", "webhooks", "sync"}
    assert body["odoo"] == {
        "connected": False,
        "circuit": "closed",
        "circuit_open_until": None,
        "consecutive_failures": 0,
        "last_failure": "",
        "server_version": "",
        "last_checked_at": None,
        "last_check_ok": None,
    }
    assert body["backlog"] == {
        "waiting": 0,
        "oldest_waiting_created_at": None,
        "oldest_waiting_age_seconds": None,
        "failed": 0,
        "needs_review": 0,
    }
    assert body["webhooks"] == {
        "healthy": False,
        "last_received_at": None,
        "received_24h": 0,
        "failed_24h": 0,
        "stuck": 0,
        "silent_since": None,
    }
    assert body["sync"] == {"paused": False, "paused_at": None, "paused_by": ""}


def test_the_backlog_is_homes_count_and_age_of_the_oldest_waiting_order(keyed, other_shop):
    shop = keyed.shop
    oldest = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    _order(shop, 1, SyncStatus.NOT_SYNCED, eligible=True, created_at=oldest)
    _order(shop, 2, SyncStatus.QUEUED, eligible=True, created_at=datetime(2026, 11, 5, tzinfo=UTC))
    _order(shop, 3, SyncStatus.NOT_SYNCED, eligible=False, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    _order(shop, 4, SyncStatus.FAILED, eligible=True, sync_error="No Odoo product has the SKU 'X'.")
    _order(shop, 5, SyncStatus.NEEDS_REVIEW, eligible=True, review_reason="Totals differ.")
    # another shop's older order is not this shop's backlog
    _order(
        other_shop.shop, 6, SyncStatus.NOT_SYNCED, eligible=True, created_at=datetime(2025, 1, 1, tzinfo=UTC)
    )

    body = keyed.read.get(URL).json()

    # times with the shop's offset (Paris, in winter)
    assert body["checked_at"].endswith("+01:00")
    assert body["backlog"]["oldest_waiting_created_at"] == "2026-11-02T10:30:00+01:00"
    backlog = body["backlog"]
    assert parse_datetime(backlog["oldest_waiting_created_at"]) == oldest
    checked = parse_datetime(body["checked_at"])
    assert backlog["oldest_waiting_age_seconds"] == int((checked - oldest).total_seconds())
    assert (backlog["waiting"], backlog["failed"], backlog["needs_review"]) == (2, 1, 1)
    # the very figures Home shows
    counts = get_order_counts(shop)
    assert (counts.backlog, counts.backlog_failed, counts.backlog_review) == (2, 1, 1)
    assert other_shop.read.get(URL).json()["backlog"]["waiting"] == 1


def test_an_open_circuit_says_until_when_and_why(keyed):
    until = timezone.now() + timedelta(minutes=2)
    OdooConnection.objects.create(
        shop=keyed.shop,
        url="https://odoo.example.com",
        database="prod",
        login="api@example.com",
        secret="s3cret",
        circuit_open_until=until,
        consecutive_failures=5,
        last_failure="Odoo answered 502 Bad Gateway.",
        server_version="18.0",
        last_check_ok=True,
    )

    odoo = keyed.read.get(URL).json()["odoo"]

    assert odoo["connected"] is True and odoo["circuit"] == "open"
    assert parse_datetime(odoo["circuit_open_until"]) == until
    assert (odoo["consecutive_failures"], odoo["last_failure"]) == (5, "Odoo answered 502 Bad Gateway.")
    assert (odoo["server_version"], odoo["last_check_ok"]) == ("18.0", True)
    assert "s3cret" not in keyed.read.get(URL).content.decode()


def test_a_circuit_whose_time_has_passed_is_closed(keyed):
    OdooConnection.objects.create(
        shop=keyed.shop,
        url="https://odoo.example.com",
        database="prod",
        login="api@example.com",
        secret="s3cret",
        circuit_open_until=timezone.now() - timedelta(seconds=1),
    )

    odoo = keyed.read.get(URL).json()["odoo"]

    assert (odoo["circuit"], odoo["circuit_open_until"]) == ("closed", None)


def test_webhook_health_counts_failed_and_stuck_receipts_of_the_last_day(keyed, other_shop):
    now = timezone.now()
    _receipt(keyed.shop, 1, "processed", now - timedelta(minutes=1))
    _receipt(keyed.shop, 2, "failed", now - timedelta(hours=2))
    _receipt(keyed.shop, 3, "received", now - timedelta(minutes=30))  # stuck
    _receipt(keyed.shop, 4, "received", now - timedelta(seconds=30))  # just arrived
    _receipt(keyed.shop, 5, "failed", now - timedelta(days=3))  # older than a day
    _receipt(other_shop.shop, 6, "failed", now - timedelta(minutes=5))

    webhooks = keyed.read.get(URL).json()["webhooks"]

    assert (webhooks["received_24h"], webhooks["failed_24h"], webhooks["stuck"]) == (4, 1, 1)
    assert webhooks["healthy"] is False
    assert abs(parse_datetime(webhooks["last_received_at"]) - (now - timedelta(seconds=30))) < timedelta(
        seconds=1
    )
    theirs = other_shop.read.get(URL).json()["webhooks"]
    assert (theirs["received_24h"], theirs["failed_24h"]) == (1, 1)


def test_a_paused_shop_says_since_when_and_by_whom(keyed):
    assert pause_syncing(keyed.shop, "alice")

    sync = keyed.read.get(URL).json()["sync"]

    assert sync["paused"] is True and sync["paused_by"] == "alice"
    assert parse_datetime(sync["paused_at"]) is not None


def test_it_needs_a_key(client, keyed):
    assert client.get(URL).status_code == 401


def test_it_costs_the_same_few_queries_whatever_the_backlog(keyed, django_assert_max_num_queries):
    for number in range(30):
        _order(keyed.shop, 100 + number, SyncStatus.NOT_SYNCED, eligible=True)
    _receipt(keyed.shop, 1, "processed", timezone.now())

    with django_assert_max_num_queries(12):
        assert keyed.read.get(URL).status_code == 200
