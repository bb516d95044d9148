"""The refund endpoints: refunds with their credit notes (money as strings with the currency), filters, retry;
shop-scoped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Order
from refunds.models import Refund, RefundState
from synco.models import OdooConnection, Shop
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db


def refund(order: Order, **values: Any) -> Refund:
    shopify_id = values.pop("shopify_id", 77001)
    return Refund.objects.create(
        shop=order.shop,
        order=order,
        shopify_id=shopify_id,
        gid=f"gid://shopify/Refund/{shopify_id}",
        amount=Decimal("25.88"),
        created_at=values.pop("created_at", timezone.now()),
        **values,
    )


def connect(shop: Shop) -> OdooConnection:
    return OdooConnection.objects.create(
        shop=shop, url="https://odoo.example.com", database="db", login="admin", secret="s"
    )


def test_a_refund_shows_its_credit_note_with_money_as_strings(keyed, other_shop):
    connect(keyed.shop)
    order = stored_order(keyed.shop, order_node())
    synced = refund(
        order,
        state=RefundState.SYNCED,
        odoo_credit_note_id=41,
        odoo_credit_note_name="RINV/2026/00003",
        odoo_total=Decimal("25.88"),
        odoo_payment_id=7,
        odoo_return_pickings=[{"id": 12, "name": "WH/IN/00012"}],
    )
    refund(stored_order(other_shop.shop, order_node()), shopify_id=99)

    answer = keyed.read.get("/api/v1/refunds/")

    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["id"] == synced.pk
    assert row["order"] == {"id": order.pk, "name": order.name}
    assert (row["amount"], row["currency"], row["state"], row["can_retry"]) == (
        "25.88",
        order.currency,
        "synced",
        False,
    )
    assert row["credit_note"] == {
        "id": 41,
        "name": "RINV/2026/00003",
        "url": "https://odoo.example.com/odoo/account.move/41",
        "total": "25.88",
        "currency": order.currency,
    }
    assert row["return_pickings"] == [
        {"id": 12, "name": "WH/IN/00012", "url": "https://odoo.example.com/odoo/stock.picking/12"}
    ]
    assert keyed.read.get(f"/api/v1/refunds/{synced.pk}/").json() == row


def test_refunds_filter_by_state_and_order(keyed):
    first = stored_order(keyed.shop, order_node())
    second = stored_order(keyed.shop, order_node(id="gid://shopify/Order/5550002002", name="#1002"))
    held = refund(first, state=RefundState.HELD, reason="Its transaction is still pending.")
    synced = refund(second, shopify_id=77002, state=RefundState.SYNCED)

    def ids(query: str) -> list[int]:
        answer = keyed.read.get(f"/api/v1/refunds/?{query}")
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert ids("state=held") == [held.pk]
    assert ids(f"order={second.pk}") == [synced.pk]
    assert ids("") == [synced.pk, held.pk]
    bad = keyed.read.get("/api/v1/refunds/?state=lost&order=abc")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"state", "order"}


def test_another_shops_refund_is_404_and_its_order_filter_finds_nothing(keyed, other_shop):
    theirs = refund(stored_order(other_shop.shop, order_node()), state=RefundState.HELD)

    assert keyed.read.get(f"/api/v1/refunds/{theirs.pk}/").status_code == 404
    assert keyed.read.get(f"/api/v1/refunds/?order={theirs.order_id}").json()["results"] == []
    assert keyed.write.post(f"/api/v1/refunds/{theirs.pk}/retry/").status_code == 404
    assert Refund.objects.get(pk=theirs.pk).state == RefundState.HELD


def test_retry_queues_a_held_refund_again(keyed, django_capture_on_commit_callbacks):
    held = refund(stored_order(keyed.shop, order_node()), state=RefundState.HELD, reason="Held", attempts=3)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = keyed.write.post(f"/api/v1/refunds/{held.pk}/retry/")

    assert answer.status_code == 202
    assert answer.json()["refund"]["state"] == "pending"
    assert len(callbacks) == 1
    held.refresh_from_db()
    assert (held.state, held.reason, held.attempts) == (RefundState.PENDING, "", 0)


def test_retry_of_a_synced_refund_is_409_and_a_read_key_403(keyed, django_capture_on_commit_callbacks):
    synced = refund(stored_order(keyed.shop, order_node()), state=RefundState.SYNCED)
    failed = refund(synced.order, shopify_id=5, state=RefundState.FAILED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conflict = keyed.write.post(f"/api/v1/refunds/{synced.pk}/retry/")
        refused = keyed.read.post(f"/api/v1/refunds/{failed.pk}/retry/")

    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "not_retryable"
    assert refused.status_code == 403
    assert callbacks == []
    assert Refund.objects.get(pk=failed.pk).state == RefundState.FAILED


def test_a_page_of_refunds_costs_constant_queries(keyed, django_assert_max_num_queries):
    connect(keyed.shop)
    order = stored_order(keyed.shop, order_node())
    for n in range(60):
        refund(order, shopify_id=1000 + n, odoo_credit_note_id=n + 1, odoo_credit_note_name=f"RINV/{n}")
    seen: list[int] = []
    url: str | None = "/api/v1/refunds/?limit=25"
    while url:
        with django_assert_max_num_queries(5):
            body = keyed.read.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 60


def test_a_refund_in_yen_is_written_with_the_currencys_decimals(keyed):
    connect(keyed.shop)
    order = stored_order(keyed.shop, order_node())
    Order.objects.filter(pk=order.pk).update(currency="JPY")
    refund(order, state=RefundState.SYNCED, odoo_credit_note_id=41, odoo_total=Decimal("6480.00"))
    Refund.objects.filter(order=order).update(amount=Decimal("6480.00"))

    [row] = keyed.read.get("/api/v1/refunds/").json()["results"]

    assert (row["amount"], row["currency"], row["credit_note"]["total"]) == ("6480", "JPY", "6480")
