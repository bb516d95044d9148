"""The shipment endpoints: shipments both ways with tracking, state and errors; filters; retry; shop-scoped."""

from __future__ import annotations

from typing import Any

import pytest

from api.keys import create_key
from orders.models import Order
from shipments.models import Shipment
from shipments.tasks import apply_fulfillments_task, push_delivery_task
from synco.models import OdooConnection, Shop
from tests.api.conftest import client_with
from tests.shipments.conftest import (  # noqa: F401 (shipping_shop is a fixture)
    delivery_of,
    fulfillments_of,
    sandbox_order,
    ship,
    shipping_shop,
    synced,
)

pytestmark = pytest.mark.django_db


def order_of(shop: Shop, number: int = 1) -> Order:
    return Order.objects.create(
        shop=shop,
        shopify_id=number,
        gid=f"gid://shopify/Order/{number}",
        name=f"#{1000 + number}",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        odoo_id=5,
    )


def shipment(order: Order, **values: Any) -> Shipment:
    return Shipment.objects.create(
        shop=order.shop, order=order, direction=values.pop("direction", "to_shopify"), **values
    )


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(push_delivery_task, "delay", lambda *args: sent.append(("push", args)))
    monkeypatch.setattr(apply_fulfillments_task, "delay", lambda *args: sent.append(("apply", args)))
    return sent


def test_a_shipment_shows_its_delivery_tracking_and_error(keyed, other_shop):
    OdooConnection.objects.create(
        shop=keyed.shop, url="https://odoo.example.com", database="db", login="admin", secret="s"
    )
    order = order_of(keyed.shop)
    sent = shipment(
        order,
        odoo_picking_id=7,
        odoo_picking_name="WH/OUT/00007",
        state="sent",
        fulfillment_gid="gid://shopify/Fulfillment/9",
        fulfillment_name="#1001-F1",
        lines=[{"quantity": 2}, {"quantity": 1}],
        tracking_company="DHL",
        tracking_number="JD0001",
        tracking_url="https://dhl.example/JD0001",
    )
    held = shipment(order, odoo_picking_id=8, state="held", reason="The app lacks write_fulfillments.")
    shipment(order_of(other_shop.shop), odoo_picking_id=7, state="failed")

    answer = keyed.read.get("/api/v1/shipments/")

    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["id"] for r in rows] == [held.pk, sent.pk]
    assert rows[1]["odoo_picking"] == {
        "id": 7,
        "name": "WH/OUT/00007",
        "url": "https://odoo.example.com/odoo/stock.picking/7",
    }
    assert rows[1]["tracking"] == {"company": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"}
    assert (rows[1]["quantity"], rows[1]["fulfillment_gids"], rows[1]["can_retry"]) == (
        3,
        ["gid://shopify/Fulfillment/9"],
        False,
    )
    assert rows[1]["order"] == {"id": order.pk, "name": "#1001"}
    assert (rows[0]["state"], rows[0]["reason"], rows[0]["can_retry"]) == (
        "held",
        "The app lacks write_fulfillments.",
        True,
    )
    assert keyed.read.get(f"/api/v1/shipments/{held.pk}/").json() == rows[0]


def test_shipments_filter(keyed):
    first, second = order_of(keyed.shop, 1), order_of(keyed.shop, 2)
    a = shipment(first, odoo_picking_id=1, state="held", tracking_number="TRACK-A")
    b = shipment(second, direction="to_odoo", state="validated", fulfillment_gid="gid://f/1")
    c = shipment(second, odoo_picking_id=2, state="failed", odoo_picking_name="WH/OUT/00002")

    def ids(query: str) -> list[int]:
        answer = keyed.read.get(f"/api/v1/shipments/?{query}")
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert ids("state=held") == [a.pk]
    assert ids("direction=to_odoo") == [b.pk]
    assert ids(f"order={second.pk}") == [c.pk, b.pk]
    assert ids("q=track-a") == [a.pk]
    assert ids("q=OUT/00002") == [c.pk]
    bad = keyed.read.get("/api/v1/shipments/?state=lost&direction=up&order=0")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"state", "direction", "order"}


def test_retry_of_one_held_shipment_pushes_its_delivery_again(
    keyed, queued, django_capture_on_commit_callbacks
):
    order = order_of(keyed.shop)
    held = shipment(order, odoo_picking_id=7, state="held")
    shipment(order, odoo_picking_id=9, state="failed")

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post(f"/api/v1/shipments/{held.pk}/retry/")

    assert answer.status_code == 202
    assert answer.json() == {"queued": 1, "message": "Trying 1 shipment(s) again."}
    assert queued == [("push", (order.pk, 7))]


def test_retry_of_an_order_takes_its_unsettled_shipments_both_ways(
    keyed, queued, django_capture_on_commit_callbacks
):
    order = order_of(keyed.shop)
    shipment(order, odoo_picking_id=7, state="held")
    shipment(order, odoo_picking_id=8, state="sent")
    shipment(order, direction="to_odoo", state="failed", fulfillment_gid="gid://f/2")

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post(f"/api/v1/shipments/orders/{order.pk}/retry/")

    assert answer.status_code == 202 and answer.json()["queued"] == 2
    assert queued == [("push", (order.pk, 7)), ("apply", (order.pk,))]


def test_a_settled_shipment_is_409_and_a_read_key_403(keyed, queued, django_capture_on_commit_callbacks):
    order = order_of(keyed.shop)
    sent = shipment(order, odoo_picking_id=8, state="sent")
    held = shipment(order, odoo_picking_id=7, state="held")

    with django_capture_on_commit_callbacks(execute=True):
        conflict = keyed.write.post(f"/api/v1/shipments/{sent.pk}/retry/")
        refused = keyed.read.post(f"/api/v1/shipments/{held.pk}/retry/")
        refused_order = keyed.read.post(f"/api/v1/shipments/orders/{order.pk}/retry/")

    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "not_retryable"
    assert (refused.status_code, refused_order.status_code) == (403, 403)
    assert queued == []


def test_another_shops_shipments_are_404_and_never_listed(keyed, other_shop, queued):
    theirs_order = order_of(other_shop.shop)
    theirs = shipment(theirs_order, odoo_picking_id=7, state="held")

    assert keyed.read.get(f"/api/v1/shipments/{theirs.pk}/").status_code == 404
    assert keyed.write.post(f"/api/v1/shipments/{theirs.pk}/retry/").status_code == 404
    assert keyed.write.post(f"/api/v1/shipments/orders/{theirs_order.pk}/retry/").status_code == 404
    assert keyed.read.get(f"/api/v1/shipments/?order={theirs_order.pk}").json()["results"] == []
    assert keyed.read.get("/api/v1/shipments/").json()["results"] == []
    assert queued == []


def test_a_page_of_shipments_costs_constant_queries(keyed, django_assert_max_num_queries):
    OdooConnection.objects.create(
        shop=keyed.shop, url="https://odoo.example.com", database="db", login="admin", secret="s"
    )
    for n in range(1, 41):
        shipment(order_of(keyed.shop, n), odoo_picking_id=n, state="sent", tracking_number=f"T{n}")
    seen: list[int] = []
    url: str | None = "/api/v1/shipments/?limit=15"
    while url:
        with django_assert_max_num_queries(5):
            body = keyed.read.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 40


def test_a_failed_delivery_retried_through_the_api_is_fulfilled_in_shopify_with_its_tracking(
    shipping_shop,  # noqa: F811
    shopify,
    odoo,
    added_shopify_orders_removed,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given a synced order whose delivery the warehouse validated with tracking, and a push that failed
    from shipments import services

    monkeypatch.setattr(
        push_delivery_task, "delay", lambda order_id, picking: services.push_delivery(order_id, picking)
    )
    _, key = create_key(shipping_shop, "ops", "write")
    api = client_with(key)
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, tracking="1ZAPI", carrier="UPS")
    failed = Shipment.objects.create(
        shop=shipping_shop,
        order=stored,
        direction=Shipment.Direction.TO_SHOPIFY,
        odoo_picking_id=delivery.id,
        odoo_picking_name=delivery.name,
        state=Shipment.State.FAILED,
        reason="Shopify did not answer (timeout).",
    )
    assert not fulfillments_of(shopify, order)

    # when it is retried
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/shipments/{failed.pk}/retry/")

    # then Shopify has the fulfilment with the tracking, and the API says so
    assert answer.status_code == 202
    [fulfilment] = fulfillments_of(shopify, order)
    assert "1ZAPI" in str(fulfilment)
    row = api.get(f"/api/v1/shipments/{failed.pk}/").json()
    assert (row["state"], row["tracking"]["number"], row["can_retry"]) == ("sent", "1ZAPI", False)
    panel = api.get(f"/api/v1/shipments/orders/{stored.pk}/").json()
    assert panel["read_errors"] == [] and panel["shipper"] == "odoo"
    assert [d["name"] for d in panel["odoo_deliveries"] if d["state"] == "done"] == [delivery.name]
    assert [f["tracking"]["number"] for f in panel["shopify"]["fulfillments"]] == ["1ZAPI"]
    assert [s["id"] for s in panel["shipments"]] == [failed.pk]


def test_the_order_panel_of_another_shop_is_404(keyed, other_shop):
    assert keyed.read.get(f"/api/v1/shipments/orders/{order_of(other_shop.shop).pk}/").status_code == 404
