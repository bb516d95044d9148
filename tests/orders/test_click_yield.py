"""A click during a backfill (issue 17): its run is marked, and the batches on the same Odoo server pause between
their Odoo calls while it is written, so the click waits for one batch call, not for the whole batch."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import batching, services
from orders.models import Order, SyncStatus
from orders.services import claim_to_run
from synco.models import OdooConnection, Shop
from tests.orders.test_batching import _queued

pytestmark = pytest.mark.django_db


def test_a_click_run_is_marked_and_a_batch_run_is_not(shop):
    click, batch = _queued(shop, 2)

    batched = claim_to_run(batch.pk)
    assert not services.interactive_running([shop.pk])
    clicked = claim_to_run(click.pk, interactive=True)  # the one slot beyond the cap

    assert isinstance(clicked, services.Lease) and isinstance(batched, services.Lease)
    assert clicked.token.startswith(services.INTERACTIVE_TOKEN)
    assert not batched.token.startswith(services.INTERACTIVE_TOKEN)
    assert services.interactive_running([shop.pk])


def test_only_a_live_click_on_the_same_odoo_server_counts(shop):
    neighbour = Shop.objects.create(domain="neighbour.myshopify.com", access_token="shpat_n")
    elsewhere = Shop.objects.create(domain="elsewhere.myshopify.com", access_token="shpat_e")
    mine = OdooConnection.objects.get(shop=shop)
    OdooConnection.objects.create(
        shop=neighbour, url=mine.url.rstrip("/") + "/", database=mine.database, login="n", secret="s"
    )
    OdooConnection.objects.create(
        shop=elsewhere, url="http://other-odoo:8069", database="x", login="e", secret="s"
    )
    (click,) = _queued(shop, 1)

    assert services.server_shops(neighbour.pk) == sorted([shop.pk, neighbour.pk])
    assert services.server_shops(elsewhere.pk) == [elsewhere.pk]
    assert not services.interactive_running(services.server_shops(neighbour.pk))

    lease = claim_to_run(click.pk, interactive=True)
    assert isinstance(lease, services.Lease)
    assert services.interactive_running(services.server_shops(neighbour.pk))
    assert not services.interactive_running(services.server_shops(elsewhere.pk))

    # A click whose worker died (its lease ran out) holds nobody up.
    Order.objects.filter(pk=click.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert not services.interactive_running(services.server_shops(neighbour.pk))


def test_a_batch_waits_while_a_click_is_written_then_goes_on(shop, monkeypatch, settings):
    settings.SYNCO_YIELD_SECONDS = 5.0
    answers = iter([True, True, True, False])
    monkeypatch.setattr(services, "interactive_running", lambda shops: next(answers))
    pause = batching.ClickYield(shop.pk)

    pause()

    assert next(answers, "drained") == "drained"  # looked until the click was done
    assert pause.waited >= 3 * batching.YIELD_POLL_SECONDS
    # Looked at most every YIELD_CHECK_SECONDS: the next call goes straight on.
    monkeypatch.setattr(services, "interactive_running", lambda shops: pytest.fail("looked again at once"))
    pause()


def test_a_batch_never_waits_longer_than_its_limit(shop, monkeypatch, settings):
    settings.SYNCO_YIELD_SECONDS = 0.2
    monkeypatch.setattr(services, "interactive_running", lambda shops: True)
    pause = batching.ClickYield(shop.pk)

    started = time.monotonic()
    pause()

    assert 0.2 <= time.monotonic() - started < 1.0


def test_a_batch_pauses_before_its_odoo_calls_while_a_click_runs(shop, odoo, settings, monkeypatch):
    settings.SYNCO_SYNC_BATCH_SIZE = 4
    orders = _queued(shop, 4)
    looked: list[list[int]] = []

    def clicking(shops: list[int]) -> bool:
        looked.append(shops)
        return len(looked) == 1  # a click is being written when the batch starts, done right after

    monkeypatch.setattr(services, "interactive_running", clicking)
    monkeypatch.setattr(batching, "YIELD_CHECK_SECONDS", 0.0)

    assert batching.sync_order(orders[0].pk) is None

    assert len(looked) > 2 and all(shops == [shop.pk] for shops in looked)
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("sync_status", flat=True)) == {
        SyncStatus.SYNCED
    }


def test_the_time_a_batch_paused_for_a_click_is_not_counted_as_odoo_s(shop, odoo, settings, monkeypatch):
    """The batch size follows Odoo's pace (batching.batch_size): a pause for a click must not shrink it."""
    settings.SYNCO_SYNC_BATCH_SIZE = 10
    settings.SYNCO_YIELD_SECONDS = 0.15
    orders = _queued(shop, 10)
    monkeypatch.setattr(services, "interactive_running", lambda shops: True)  # a click all along
    monkeypatch.setattr(batching, "YIELD_CHECK_SECONDS", 0.0)
    batching._PACE.pop(shop.pk, None)

    assert batching.sync_order(orders[0].pk) is None

    # Every call waited 0.15 s; ten orders a call, a pace of 0.015 s per order or more had the pauses counted.
    assert batching._PACE[shop.pk] < 0.01
