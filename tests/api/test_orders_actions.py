"""POST /api/v1/orders/{id}/sync/ and /retry/, GET /preview/ and /refresh-from-odoo/: the order's buttons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from api.keys import create_key
from orders import tasks
from orders.models import Order, SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, Shop
from tests.api.conftest import Keyed, client_with
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(shop: Shop) -> Keyed:
    """The demo shop, connected to the Odoo sandbox, with a read key and a write key."""
    _, read_key = create_key(shop, "monitoring", "read")
    _, write_key = create_key(shop, "n8n", "write")
    return Keyed(shop, client_with(read_key), client_with(write_key), read_key, write_key)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict[str, Any]]]:
    """The sync tasks sent to the broker (order id, options)."""
    calls: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        tasks.sync_order_task, "apply_async", lambda args, **options: calls.append((args[0], options))
    )
    return calls


def _url(order: Order, action: str) -> str:
    return f"/api/v1/orders/{order.pk}/{action}/"


def _sale_orders(odoo, order: Order) -> list[dict[str, Any]]:
    return odoo.execute("sale.order", "search_read", [["origin", "=", order.origin]], ["id", "name", "state"])


# -- sync --------------------------------------------------------------------------------------


def test_sync_queues_the_order_as_the_button_does_and_the_task_writes_it_to_odoo(
    connected, odoo, sent, django_capture_on_commit_callbacks
):
    order = stored_order(connected.shop, order_node())

    with django_capture_on_commit_callbacks(execute=True):
        answer = connected.write.post(_url(order, "sync"))

    assert answer.status_code == 202
    body = answer.json()
    assert body["detail"] == "Sync of #1001 started." and body["queued_for_later"] is False
    assert body["order"]["sync_status"] == "queued" and body["order"]["sync_state"]["key"] == "queued"
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    # the click's own task, on the interactive queue, as the page's button sends it
    assert sent == [(order.pk, {"queue": "interactive", "kwargs": {"interactive": True}})]

    # when the worker runs that task, Odoo receives the order
    sync_order(order.pk, interactive=True)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    [sale] = _sale_orders(odoo, order)
    assert sale["id"] == order.odoo_id


def test_a_second_sync_is_a_409_and_sends_nothing_more(connected, sent, django_capture_on_commit_callbacks):
    order = stored_order(connected.shop, order_node())

    with django_capture_on_commit_callbacks(execute=True):
        first = connected.write.post(_url(order, "sync"))
        second = connected.write.post(_url(order, "sync"))

    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json()["error"] == {"code": "conflict", "message": "#1001 is already queued.", "fields": {}}
    assert len(sent) == 1


def test_an_order_being_written_is_a_409_even_while_odoos_circuit_is_open(connected, sent):
    order = stored_order(connected.shop, order_node(), SyncStatus.IN_PROGRESS)
    Order.objects.filter(pk=order.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
    OdooConnection.objects.filter(shop=connected.shop).update(
        circuit_open_until=timezone.now() + timedelta(seconds=90)
    )

    answer = connected.write.post(_url(order, "sync"))

    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "conflict",
        "message": "#1001 is already in progress.",
        "fields": {},
    }
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.IN_PROGRESS and sent == []


def test_an_ineligible_order_is_a_400_with_the_reason_recorded_in_the_sync_log(connected, sent):
    order = stored_order(connected.shop, order_node(), eligible=False)
    Order.objects.filter(pk=order.pk).update(ineligible_reason="it is a test order")

    answer = connected.write.post(_url(order, "sync"))

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "not_eligible"
    assert answer.json()["error"]["message"] == "Not sent to Odoo: #1001 is not eligible: it is a test order."
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED
    assert sent == []
    [logged] = SyncAttempt.objects.filter(order=order)
    assert (logged.operation, logged.status) == ("sync_refused", SyncAttempt.Status.FAILED)
    assert logged.message == "Not sent to Odoo: #1001 is not eligible: it is a test order."


def test_sync_is_a_503_while_syncing_is_paused(connected, sent):
    order = stored_order(connected.shop, order_node())
    Shop.objects.filter(pk=connected.shop.pk).update(sync_paused=True)

    answer = connected.write.post(_url(order, "sync"))

    assert answer.status_code == 503
    assert answer["Retry-After"] == "300"
    assert answer.json()["error"]["code"] == "sync_paused"
    assert "Syncing is paused" in answer.json()["error"]["message"]
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED and sent == []


def test_sync_is_a_503_until_odoos_circuit_closes(connected, sent):
    order = stored_order(connected.shop, order_node())
    OdooConnection.objects.filter(shop=connected.shop).update(
        circuit_open_until=timezone.now() + timedelta(seconds=90), last_failure="Cannot connect to Odoo."
    )

    answer = connected.write.post(_url(order, "sync"))

    assert answer.status_code == 503
    assert 88 <= int(answer["Retry-After"]) <= 90
    error = answer.json()["error"]
    assert error["code"] == "odoo_unavailable"
    assert error["message"].startswith("Cannot connect to Odoo. Synco pauses calls to Odoo until ")
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED and sent == []


def test_a_read_key_may_not_sync(connected, sent):
    order = stored_order(connected.shop, order_node())

    answer = connected.read.post(_url(order, "sync"))

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED and sent == []


def test_another_shops_order_cannot_be_synced_or_retried(connected, other_shop, sent):
    theirs = stored_order(other_shop.shop, order_node())
    Order.objects.filter(pk=theirs.pk).update(sync_status=SyncStatus.FAILED)

    for action in ("sync", "retry"):
        assert connected.write.post(_url(theirs, action)).status_code == 404
    for action in ("preview", "refresh-from-odoo"):
        assert connected.read.get(_url(theirs, action)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.sync_status == SyncStatus.FAILED and sent == []
    assert not SyncAttempt.objects.exists()


# -- retry -------------------------------------------------------------------------------------


def test_retry_queues_a_failed_order_again(connected, sent, django_capture_on_commit_callbacks):
    order = stored_order(connected.shop, order_node(), SyncStatus.FAILED)
    Order.objects.filter(pk=order.pk).update(sync_error="Odoo refused the partner")

    with django_capture_on_commit_callbacks(execute=True):
        answer = connected.write.post(_url(order, "retry"))

    assert answer.status_code == 202
    order.refresh_from_db()
    assert (order.sync_status, order.sync_error) == (SyncStatus.QUEUED, "")
    assert [order_id for order_id, _options in sent] == [order.pk]


@pytest.mark.parametrize("status", [SyncStatus.NOT_SYNCED, SyncStatus.SYNCED, SyncStatus.IN_PROGRESS])
def test_retry_of_an_order_that_has_not_failed_is_a_409(connected, sent, status):
    order = stored_order(connected.shop, order_node(), status)

    answer = connected.write.post(_url(order, "retry"))

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_failed"
    order.refresh_from_db()
    assert order.sync_status == status and sent == []


# -- preview -----------------------------------------------------------------------------------


def test_preview_shows_what_odoo_would_receive_and_writes_nothing(connected, odoo):
    order = stored_order(connected.shop, order_node())
    odoo.server.reset_stats()

    answer = connected.read.get(_url(order, "preview"))  # a dry run: a read key may ask

    assert answer.status_code == 200
    body = answer.json()
    assert body["order_id"] == order.pk
    assert body["document"] == "Confirmed sale order"
    assert body["customer"] == "New partner 'Jane Doe' would be created"
    assert "Invoice address 1 Market St, San Francisco would be created" in body["addresses"]
    assert {line["name"].split("\n")[0] for line in body["lines"]} >= {"Organic T-Shirt - M"}
    assert (body["amount_untaxed"], body["amount_tax"], body["amount_total"]) == ("54.49", "7.28", "61.77")
    assert (body["shopify_total"], body["difference"], body["currency"]) == ("61.77", "0.00", "USD")
    assert body["problems"] == []
    calls = odoo.server.stats()["calls"]
    assert calls and all(m.split(":")[1] in ("search", "search_read", "read", "web_read") for m in calls)
    assert odoo.execute("sale.order", "search_count", []) == 0
    assert not SyncAttempt.objects.exists()


def test_preview_lists_the_problems_a_sync_would_hit(connected, odoo):
    node = order_node()
    node["lineItems"]["nodes"][0]["sku"] = node["lineItems"]["nodes"][0]["variant"]["sku"] = "SKU-NOPE"
    node["lineItems"]["nodes"][0]["variant"]["barcode"] = "4006381333931"
    order = stored_order(connected.shop, node)

    body = connected.read.get(_url(order, "preview")).json()

    assert any("No Odoo product has the SKU 'SKU-NOPE'" in problem for problem in body["problems"])


def test_preview_of_an_unreadable_order_is_a_400(connected):
    order = stored_order(connected.shop, order_node())
    Order.objects.filter(pk=order.pk).update(parse_error="lineItems: missing")

    answer = connected.read.get(_url(order, "preview"))

    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "unreadable", "message": "lineItems: missing", "fields": {}}


def test_preview_while_odoo_is_down_is_a_503_with_retry_after(connected, odoo):
    order = stored_order(connected.shop, order_node())
    odoo.control(down=True)
    try:
        answer = connected.read.get(_url(order, "preview"))
    finally:
        odoo.control(down=False)

    assert answer.status_code == 503
    assert answer["Retry-After"] == "60"
    assert answer.json()["error"]["code"] == "odoo_unavailable"


def test_preview_and_refresh_without_an_odoo_connection_say_what_to_fix(keyed):
    order = stored_order(keyed.shop, order_node(), SyncStatus.SYNCED)
    Order.objects.filter(pk=order.pk).update(odoo_id=41)

    for action in ("preview", "refresh-from-odoo"):
        answer = keyed.read.get(_url(order, action))

        assert answer.status_code == 409
        assert answer.json()["error"] == {
            "code": "odoo_not_connected",
            "message": "Odoo is not connected yet: enter its URL, database and login in Settings.",
            "fields": {},
        }


def test_refresh_of_a_sale_order_odoo_no_longer_has_is_a_502_saying_so(connected, odoo):
    order = stored_order(connected.shop, order_node(), SyncStatus.SYNCED)
    Order.objects.filter(pk=order.pk).update(odoo_id=987654)

    answer = connected.read.get(_url(order, "refresh-from-odoo"))

    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "odoo_refused"
    assert answer.json()["error"]["message"]


# -- refresh from Odoo -------------------------------------------------------------------------


def test_refresh_from_odoo_reads_the_documents_as_odoo_has_them_now(connected, odoo):
    order = stored_order(connected.shop, order_node(), SyncStatus.QUEUED)
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    # someone cancels the sale order in Odoo
    odoo.execute("sale.order", "write", [order.odoo_id], {"state": "cancel"})
    before = Order.objects.filter(pk=order.pk).values().get()

    answer = connected.read.get(_url(order, "refresh-from-odoo"))

    assert answer.status_code == 200
    body = answer.json()
    assert body["sale_order"] == {
        "id": order.odoo_id,
        "name": order.odoo_name,
        "state": "cancel",
        "state_label": "Cancelled",
        "amount_total": "61.77",
        "currency": "USD",
    }
    assert body["invoice"] is None
    assert (body["state_changed"], body["total_changed"]) == (True, False)
    # reads only, as the page's Refresh: Synco's record of the order is unchanged
    assert Order.objects.filter(pk=order.pk).values().get() == before


def test_refresh_from_odoo_before_the_first_sync_is_a_409(connected):
    order = stored_order(connected.shop, order_node())

    answer = connected.read.get(_url(order, "refresh-from-odoo"))

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_in_odoo"


def test_refresh_from_odoo_is_a_503_while_the_circuit_is_open(connected, odoo):
    order = stored_order(connected.shop, order_node(), SyncStatus.SYNCED)
    Order.objects.filter(pk=order.pk).update(odoo_id=1, odoo_total=Decimal("61.77"))
    OdooConnection.objects.filter(shop=connected.shop).update(
        circuit_open_until=timezone.now() + timedelta(seconds=30)
    )
    odoo.server.reset_stats()

    answer = connected.read.get(_url(order, "refresh-from-odoo"))

    assert answer.status_code == 503 and int(answer["Retry-After"]) <= 30
    assert odoo.server.stats()["calls"] == {}
