"""Shipments against both sandboxes: Odoo deliveries become Shopify fulfilments once, Shopify fulfilments
validate Odoo deliveries once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from shipments import services
from shipments.models import Shipment, ShipmentSettings
from stock.models import StockSettings
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.gateways import odoo_client_for
from synco.shopify import fulfillments
from tests.conftest import SHOP_DOMAIN
from tests.shipments.conftest import delivery_of, fulfillments_of, sandbox_order, ship, synced

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("added_shopify_orders_removed")]


def test_it_fulfils_a_validated_delivery_once_with_its_tracking(shipping_shop, shopify, odoo):
    # given a synced order whose delivery the warehouse validated with UPS tracking
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, tracking="1ZFULL0001", carrier="UPS Ground")

    # when Synco pushes it (twice: a repeated notification)
    first = services.push_delivery(stored.pk, delivery.id)
    second = services.push_delivery(stored.pk, delivery.id)

    # then one fulfilment with every unit and the tracking, the customer notified
    [made] = fulfillments_of(shopify, order)
    assert sum(li["quantity"] for li in made["line_items"]) == sum(int(m.demand) for m in delivery.moves)
    assert (
        made["tracking_company"],
        made["tracking_number"],
        made["tracking_url"],
        made["notify_customer"],
    ) == (
        "UPS Ground",
        "1ZFULL0001",
        "https://www.ups.com/track?tracknum=1ZFULL0001",
        True,
    )
    row = Shipment.objects.get(order=stored)
    assert (row.state, row.fulfillment_gid, row.tracking_number) == (
        Shipment.State.SENT,
        made["admin_graphql_api_id"],
        "1ZFULL0001",
    )
    assert "->" in first and second == "nothing to update"
    attempt = SyncAttempt.objects.get(order=stored, operation="push_fulfillment")
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert "1ZFULL0001" in attempt.message


def test_a_partial_delivery_and_its_backorder_make_two_fulfilments(shipping_shop, shopify, odoo):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    first_move = delivery.moves[0]
    # the warehouse ships one unit of the first product now, the rest later
    backorders = ship(odoo, shipping_shop, delivery, part={first_move.product_id: Decimal(1)})
    assert len(backorders) == 1
    services.push_delivery(stored.pk, delivery.id)
    [partial] = fulfillments_of(shopify, order)
    assert [li["quantity"] for li in partial["line_items"]] == [1]
    assert shopify.server.store.order(SHOP_DOMAIN, order["id"])["fulfillment_status"] == "partial"

    rest = next(d for d in odoo_client_for(shipping_shop).deliveries(stored.odoo_id) if d.id == backorders[0])
    ship(odoo, shipping_shop, rest)
    services.push_delivery(stored.pk, rest.id)

    made = fulfillments_of(shopify, order)
    assert len(made) == 2
    assert sum(li["quantity"] for f in made for li in f["line_items"]) == sum(
        int(m.demand) for m in delivery.moves
    )
    assert shopify.server.store.order(SHOP_DOMAIN, order["id"])["fulfillment_status"] == "fulfilled"
    assert list(Shipment.objects.filter(order=stored).values_list("state", flat=True)) == ["sent", "sent"]


def test_a_retry_after_a_lost_answer_recognises_the_fulfilment_and_sends_nothing(
    shipping_shop, shopify, odoo, monkeypatch
):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, tracking="LOST-1")
    original = fulfillments.create_fulfillment
    sent: list[Any] = []

    def answer_lost(*args: Any, **kwargs: Any) -> Any:
        # Shopify makes the fulfilment, but its answer never reaches Synco (a timeout after the write)
        sent.append(original(*args, **kwargs))
        raise TransientGatewayError("Shopify (synco-demo) did not answer in time.")

    monkeypatch.setattr(fulfillments, "create_fulfillment", answer_lost)
    with pytest.raises(TransientGatewayError):
        services.push_delivery(stored.pk, delivery.id)
    row = Shipment.objects.get(order=stored)
    assert (row.state, row.fulfillment_gid) == (Shipment.State.FAILED, "")
    assert row.requested_at is not None

    # when the task retries
    monkeypatch.setattr(fulfillments, "create_fulfillment", original)
    message = services.push_delivery(stored.pk, delivery.id)

    # then Shopify still has one fulfilment, and it is the row's
    [made] = fulfillments_of(shopify, order)
    row.refresh_from_db()
    assert (row.state, row.fulfillment_gid) == (Shipment.State.SENT, made["admin_graphql_api_id"])
    assert "answer was lost" in message
    assert len(sent) == 1


def test_a_tracking_number_added_later_updates_the_fulfilment(shipping_shop, shopify, odoo):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, carrier="DHL Express")
    services.push_delivery(stored.pk, delivery.id)
    assert fulfillments_of(shopify, order)[0]["tracking_number"] is None

    odoo_client_for(shipping_shop).set_tracking_ref(delivery.id, "JD0001")
    services.push_delivery(stored.pk, delivery.id)

    [made] = fulfillments_of(shopify, order)
    assert (made["tracking_company"], made["tracking_number"]) == ("DHL Express", "JD0001")
    assert made["tracking_url"] == "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD0001"
    attempt = SyncAttempt.objects.get(order=stored, operation="update_tracking")
    assert attempt.status == SyncAttempt.Status.SUCCESS


@pytest.mark.parametrize("block", ["hold", "service"])
def test_a_fulfilment_order_synco_may_not_fulfil_holds_the_shipment_with_the_reason(
    shipping_shop, shopify, odoo, block
):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    if block == "hold":
        shopify.server.hold_fulfillment_order(order["id"], reason="HIGH_RISK_OF_FRAUD", emit=False)
    else:
        shopify.server.assign_to_service(order["id"], emit=False)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery)

    services.push_delivery(stored.pk, delivery.id)

    assert fulfillments_of(shopify, order) == []
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.HELD
    expected = "on hold (HIGH_RISK_OF_FRAUD)" if block == "hold" else "fulfilment service"
    assert expected in row.reason
    attempt = SyncAttempt.objects.get(order=stored, operation="push_fulfillment")
    assert attempt.status == SyncAttempt.Status.FAILED and expected in attempt.message


def test_a_revoked_fulfilment_scope_holds_the_shipment_and_writes_nothing(shipping_shop, shopify, odoo):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery)
    store = shopify.server.store
    store.set_token_scope(
        SHOP_DOMAIN, shopify.token, "read_orders,read_merchant_managed_fulfillment_orders,read_locations"
    )
    try:
        services.push_delivery(stored.pk, delivery.id)
    finally:
        store.set_token_scope(SHOP_DOMAIN, shopify.token, None)
    assert fulfillments_of(shopify, order) == []
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.HELD
    assert "write_merchant_managed_fulfillment_orders" in row.reason


def test_odoo_down_fails_the_push_for_a_retry_and_writes_nothing(shipping_shop, shopify, odoo):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery)
    odoo.control(down=True)
    try:
        with pytest.raises(TransientGatewayError):
            services.push_delivery(stored.pk, delivery.id)
    finally:
        odoo.control(down=False)
    assert fulfillments_of(shopify, order) == []
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.FAILED and row.reason
    assert SyncAttempt.objects.get(order=stored, operation="push_fulfillment").status == "failed"
    # and the retry fulfils it
    services.push_delivery(stored.pk, delivery.id)
    assert len(fulfillments_of(shopify, order)) == 1


def test_a_shopify_fulfilment_validates_the_odoo_delivery_with_a_backorder_once(shipping_shop, shopify, odoo):
    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    line = order["line_items"][0]
    made = shopify.server.fulfil_in_admin(
        order["id"], lines={line["id"]: 1}, tracking={"company": "UPS", "number": "1ZSHOP"}, emit=False
    )
    payload = {k: v for k, v in made.items() if k not in ("fulfillment_order_ids", "notify_customer")}

    # the webhook, then its replay
    first = services.fulfillment_notified(shipping_shop, "fulfillments/create", payload)
    second = services.fulfillment_notified(shipping_shop, "fulfillments/create", payload)

    deliveries = odoo_client_for(shipping_shop).deliveries(stored.odoo_id)
    done = [d for d in deliveries if d.state == "done"]
    assert len(done) == 1
    assert sum(m.quantity for m in done[0].moves if m.state == "done") == 1
    assert done[0].tracking_ref == "1ZSHOP"
    assert [d.backorder_of for d in deliveries if d.state != "done"] == [done[0].id]
    row = Shipment.objects.get(order=stored)
    assert (row.direction, row.state, row.fulfillment_gid) == (
        "to_odoo",
        "validated",
        made["admin_graphql_api_id"],
    )
    assert "validated" in first and "already applied" in second
    assert SyncAttempt.objects.filter(order=stored, operation="validate_delivery").count() == 1


def test_an_order_synced_after_shopify_fulfilled_it_gets_its_delivery_validated(
    shipping_shop, shopify, odoo, django_capture_on_commit_callbacks
):
    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    order = sandbox_order(shopify)
    shopify.server.fulfil_in_admin(order["id"], emit=False)
    with django_capture_on_commit_callbacks() as callbacks:
        stored = synced(shipping_shop, shopify, order)
    assert stored.fulfillment_status in services.SHOPIFY_FULFILLED
    assert callbacks  # order_synced_task among them

    services.order_synced(stored.pk)

    deliveries = odoo_client_for(shipping_shop).deliveries(stored.odoo_id)
    assert [d.state for d in deliveries] == ["done"]
    assert Shipment.objects.get(order=stored).state == Shipment.State.VALIDATED


def test_where_odoo_ships_an_order_shopify_shows_fulfilled_leaves_its_delivery_to_the_warehouse(
    shipping_shop, shopify, odoo
):
    # given a shop whose Odoo ships (the default) and an order Shopify already shows fulfilled (a past order)
    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.ODOO)
    order = sandbox_order(shopify)
    shopify.server.fulfil_in_admin(order["id"], emit=False)
    stored = synced(shipping_shop, shopify, order)

    # when the sync's follow-up runs
    assert services.order_synced(stored.pk) == []

    # then Odoo's delivery stays open: Synco never moves Odoo's stock for a fulfilment the warehouse did not make
    deliveries = odoo_client_for(shipping_shop).deliveries(stored.odoo_id)
    assert [d.state for d in deliveries] != ["done"]
    assert not Shipment.objects.filter(order=stored).exists()


def test_odoo_s_notification_queues_the_push_and_a_wrong_token_is_refused(
    shipping_shop, shopify, odoo, client, django_capture_on_commit_callbacks, monkeypatch
):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    token = StockSettings.objects.get_or_create(shop=shipping_shop)[0].webhook_token
    url = reverse("shipments:odoo_webhook", args=[shipping_shop.pk])
    body = {"_model": "stock.picking", "_id": delivery.id, "sale_id": stored.odoo_id, "state": "done"}
    sent: list[tuple[Any, ...]] = []
    from shipments.tasks import push_delivery_task

    monkeypatch.setattr(push_delivery_task, "delay", lambda *args: sent.append(args))

    refused = client.post(f"{url}?token=wrong", body, content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"{url}?token={token}", body, content_type="application/json")

    assert refused.status_code == 403
    assert accepted.status_code == 202 and accepted.json()["queued"] == 1
    assert sent == [(stored.pk, delivery.id)]


def test_the_sweep_finds_a_validated_delivery_whose_notification_was_lost(
    shipping_shop, shopify, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery)
    from shipments.tasks import push_delivery_task

    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(push_delivery_task, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep(shipping_shop.pk) == 1
    assert sent == [(stored.pk, delivery.id)]
    settings = ShipmentSettings.objects.get(shop=shipping_shop)
    assert settings.sweep_cursor and settings.sweep_cursor_id == delivery.id

    # once pushed, the next sweep (overlapping its cursor) queues nothing more
    services.push_delivery(stored.pk, delivery.id)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep(shipping_shop.pk) == 0
    assert sent == []


def test_the_order_panel_shows_both_sides_with_tracking(shipping_shop, shopify, odoo, merchant_client):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, tracking="1ZPANEL", carrier="UPS")
    services.push_delivery(stored.pk, delivery.id)

    response = merchant_client.get(reverse("shipments:order_panel", args=[stored.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert delivery.name in html and "1ZPANEL" in html and "Fulfilled in Shopify" in html


def _deliver_webhook(client: Any, settings: Any, topic: str, payload: dict[str, Any]) -> None:
    import json
    import uuid

    from synco.shopify.auth import webhook_hmac

    body = json.dumps(payload).encode()
    response = client.post(
        reverse("webhooks"),
        data=body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC=topic,
        HTTP_X_SHOPIFY_SHOP_DOMAIN=SHOP_DOMAIN,
        HTTP_X_SHOPIFY_API_VERSION="2026-10",
        HTTP_X_SHOPIFY_WEBHOOK_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_EVENT_ID=str(uuid.uuid4()),
        HTTP_X_SHOPIFY_HMAC_SHA256=webhook_hmac(body, settings.SHOPIFY_API_SECRET),
    )
    assert response.status_code == 200


def test_a_signed_fulfillments_create_webhook_and_its_replay_validate_the_delivery_once(
    shipping_shop, shopify, odoo, client, settings, django_capture_on_commit_callbacks
):
    from synclogs.models import WebhookReceipt
    from synco.shopify_app.webhook_handlers import process_webhook

    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    made = shopify.server.fulfil_in_admin(order["id"], emit=False)
    payload = {k: v for k, v in made.items() if k not in ("fulfillment_order_ids", "notify_customer")}

    # Shopify delivers it, then delivers it again (a new event: a retry after a slow answer)
    _deliver_webhook(client, settings, "fulfillments/create", payload)
    _deliver_webhook(client, settings, "fulfillments/create", payload)
    with django_capture_on_commit_callbacks(execute=False):
        for receipt in WebhookReceipt.objects.filter(topic="fulfillments/create").order_by("pk"):
            process_webhook(receipt.pk)

    receipts = list(
        WebhookReceipt.objects.filter(topic="fulfillments/create")
        .order_by("pk")
        .values_list("status", "message")
    )
    assert [status for status, _ in receipts] == ["processed", "processed"]
    assert "validated" in receipts[0][1] and "already applied" in receipts[1][1]
    deliveries = odoo_client_for(shipping_shop).deliveries(stored.odoo_id)
    assert [d.state for d in deliveries] == ["done"]
    assert Shipment.objects.filter(order=stored).count() == 1
