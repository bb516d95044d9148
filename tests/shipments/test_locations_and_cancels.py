"""Deliveries whose lines sit at several Shopify locations (one fulfilment per location, each once), fulfilments
cancelled in Shopify (recorded for the merchant, never re-sent or undone), and the sweep's reach and backoff."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.mapping import XMLID_MODULE
from orders.models import Order
from sandboxes.shopify.inventory import MAIN_WAREHOUSE, RETAIL_STORE
from shipments import mapping, services
from shipments.models import Shipment, ShipmentSettings
from stock.models import LocationMapping
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.gateways import odoo_client_for
from synco.models import Shop
from synco.odoo.client import OdooDelivery
from synco.shopify import fulfillments
from tests.conftest import SHOP_DOMAIN
from tests.shipments.conftest import delivery_of, fulfillments_of, sandbox_order, ship, synced

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("added_shopify_orders_removed")]
RETAIL_GID = f"gid://shopify/Location/{RETAIL_STORE}"


def _split_order(shop: Shop, shopify: Any) -> tuple[dict[str, Any], Order, OdooDelivery, dict[str, Any]]:
    """A synced order whose line of several units has one unit on a fulfilment order at the retail store."""
    order = sandbox_order(shopify)
    stored = synced(shop, shopify, order)
    line = next(li for li in order["line_items"] if li["quantity"] > 1)
    shopify.server.split_fulfillment_order(order["id"], RETAIL_STORE, {line["id"]: 1})
    return order, stored, delivery_of(shop, stored), line


def _product_of(shop: Shop, delivery: OdooDelivery, line: dict[str, Any]) -> int:
    keys = odoo_client_for(shop).order_line_keys(XMLID_MODULE, [m.sale_line_id for m in delivery.moves])
    return next(
        m.product_id
        for m in delivery.moves
        if mapping.line_item_gid(keys.get(m.sale_line_id, "")) == f"gid://shopify/LineItem/{line['id']}"
    )


def _rest(fulfillment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fulfillment.items() if k not in ("fulfillment_order_ids", "notify_customer")}


def test_a_delivery_over_two_locations_makes_one_fulfilment_per_location_once(shipping_shop, shopify, odoo):
    order, stored, delivery, _line = _split_order(shipping_shop, shopify)
    ship(odoo, shipping_shop, delivery, tracking="1ZSPLIT", carrier="UPS")

    first = services.push_delivery(stored.pk, delivery.id)
    again = services.push_delivery(stored.pk, delivery.id)

    made = fulfillments_of(shopify, order)
    assert sorted(f["location_id"] for f in made) == sorted([MAIN_WAREHOUSE, RETAIL_STORE])
    assert sum(li["quantity"] for f in made for li in f["line_items"]) == sum(
        int(m.demand) for m in delivery.moves
    )
    assert {f["tracking_number"] for f in made} == {"1ZSPLIT"}
    assert shopify.server.store.order(SHOP_DOMAIN, order["id"])["fulfillment_status"] == "fulfilled"
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.SENT
    assert sorted(row.fulfillment_gids) == sorted(f["admin_graphql_api_id"] for f in made)
    assert "from 2 locations" in first and again == "nothing to update"
    # a tracking number changed later reaches both fulfilments
    odoo_client_for(shipping_shop).set_tracking_ref(delivery.id, "1ZSPLIT2")
    services.push_delivery(stored.pk, delivery.id)
    assert {f["tracking_number"] for f in fulfillments_of(shopify, order)} == {"1ZSPLIT2"}
    # Shopify's fulfillments/create for Synco's own second fulfilment is recognised as Synco's
    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    second = next(f for f in made if f["admin_graphql_api_id"] != row.fulfillment_gid)
    assert "Synco's own" in services.fulfillment_notified(shipping_shop, "fulfillments/create", _rest(second))


def test_the_location_mapped_to_the_delivery_s_warehouse_is_preferred(shipping_shop, shopify, odoo):
    order, stored, delivery, line = _split_order(shipping_shop, shopify)
    [source] = odoo.execute("stock.picking", "read", [delivery.id], ["location_id"])
    LocationMapping.objects.create(
        shop=shipping_shop, shopify_location_gid=RETAIL_GID, odoo_location_ids=[source["location_id"][0]]
    )
    # the warehouse ships one unit of the split line: the retail store's (its mapped location) is fulfilled
    ship(odoo, shipping_shop, delivery, part={_product_of(shipping_shop, delivery, line): Decimal(1)})

    services.push_delivery(stored.pk, delivery.id)

    [made] = fulfillments_of(shopify, order)
    assert made["location_id"] == RETAIL_STORE
    assert [li["quantity"] for li in made["line_items"]] == [1]


def test_a_lost_answer_for_the_second_location_is_recognised_and_not_sent_again(
    shipping_shop, shopify, odoo, monkeypatch
):
    order, stored, delivery, _line = _split_order(shipping_shop, shopify)
    ship(odoo, shipping_shop, delivery, tracking="LOST-2")
    original = fulfillments.create_fulfillment
    calls: list[Any] = []

    def second_answer_lost(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls.append(result)
        if len(calls) == 2:
            raise TransientGatewayError("Shopify (synco-demo) did not answer in time.")
        return result

    monkeypatch.setattr(fulfillments, "create_fulfillment", second_answer_lost)
    with pytest.raises(TransientGatewayError):
        services.push_delivery(stored.pk, delivery.id)
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.FAILED and len(row.fulfillment_gids) == 1

    monkeypatch.setattr(fulfillments, "create_fulfillment", original)
    message = services.push_delivery(stored.pk, delivery.id)

    made = fulfillments_of(shopify, order)
    assert len(made) == 2 and len(calls) == 2
    row.refresh_from_db()
    assert row.state == Shipment.State.SENT
    assert sorted(row.fulfillment_gids) == sorted(f["admin_graphql_api_id"] for f in made)
    assert "answer was lost" in message


def test_one_location_on_hold_fulfils_the_other_and_holds_the_rest_with_the_reason(
    shipping_shop, shopify, odoo
):
    order, stored, delivery, _line = _split_order(shipping_shop, shopify)
    retail_fo = next(
        fo for fo in shopify.server.fulfillment_orders(order["id"]) if fo["location_id"] == RETAIL_STORE
    )
    shopify.server.hold_fulfillment_order(
        order["id"], reason="INCORRECT_ADDRESS", fulfillment_order_id=retail_fo["id"], emit=False
    )
    ship(odoo, shipping_shop, delivery)

    services.push_delivery(stored.pk, delivery.id)

    [made] = fulfillments_of(shopify, order)
    assert made["location_id"] == MAIN_WAREHOUSE
    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.HELD and row.fulfillment_gid == made["admin_graphql_api_id"]
    assert "Fulfilled in Shopify so far" in row.reason and "on hold (INCORRECT_ADDRESS)" in row.reason
    assert row.held_checks == 1 and row.next_check_at is not None

    # released: the retry fulfils the retail store's unit, the main warehouse's is not sent again
    shopify.server.release_fulfillment_order(order["id"], fulfillment_order_id=retail_fo["id"], emit=False)
    services.push_delivery(stored.pk, delivery.id)
    made = fulfillments_of(shopify, order)
    assert sorted(f["location_id"] for f in made) == sorted([MAIN_WAREHOUSE, RETAIL_STORE])
    row.refresh_from_db()
    assert row.state == Shipment.State.SENT and len(row.fulfillment_gids) == 2


def test_synco_s_fulfilment_cancelled_in_shopify_is_shown_and_not_sent_again(
    shipping_shop, shopify, odoo, merchant_client
):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery, tracking="1ZCANCEL")
    services.push_delivery(stored.pk, delivery.id)
    [made] = fulfillments_of(shopify, order)

    cancelled = shopify.server.cancel_fulfillment_in_admin(made["id"], emit=False)
    outcome = services.fulfillment_notified(shipping_shop, "fulfillments/update", _rest(cancelled))

    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.CANCELLED
    assert "was cancelled in Shopify" in outcome and "does not send it again" in row.reason
    attempt = SyncAttempt.objects.get(order=stored, operation="fulfillment_cancelled")
    assert attempt.status == SyncAttempt.Status.FAILED and delivery.name in attempt.message
    # neither a repeated notification nor the sweep nor "try again" sends it again
    assert services.push_delivery(stored.pk, delivery.id) == row.reason
    services.sweep(shipping_shop.pk)
    assert len(fulfillments_of(shopify, order)) == 1
    response = merchant_client.get(reverse("shipments:order_panel", args=[stored.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Cancelled in Shopify: act in Odoo" in html and "does not send it again" in html


def test_a_shopify_fulfilment_cancelled_after_validation_asks_for_a_return_in_odoo(
    shipping_shop, shopify, odoo
):
    ShipmentSettings.objects.filter(shop=shipping_shop).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    made = shopify.server.fulfil_in_admin(order["id"], emit=False)
    services.fulfillment_notified(shipping_shop, "fulfillments/create", _rest(made))
    assert Shipment.objects.get(order=stored).state == Shipment.State.VALIDATED

    cancelled = shopify.server.cancel_fulfillment_in_admin(made["id"], emit=False)
    services.fulfillment_notified(shipping_shop, "fulfillments/update", _rest(cancelled))
    again = services.fulfillment_notified(shipping_shop, "fulfillments/update", _rest(cancelled))

    row = Shipment.objects.get(order=stored)
    assert row.state == Shipment.State.CANCELLED
    assert "Synco cannot un-validate" in row.reason and "Create a return" in row.reason
    assert "already recorded" in again
    assert [d.state for d in odoo_client_for(shipping_shop).deliveries(stored.odoo_id)] == ["done"]
    assert SyncAttempt.objects.filter(order=stored, operation="fulfillment_cancelled").count() == 1


def test_the_sweep_notices_a_cancellation_whose_webhook_was_lost(shipping_shop, shopify, odoo):
    order = sandbox_order(shopify)
    stored = synced(shipping_shop, shopify, order)
    delivery = delivery_of(shipping_shop, stored)
    ship(odoo, shipping_shop, delivery)
    services.push_delivery(stored.pk, delivery.id)
    [made] = fulfillments_of(shopify, order)
    shopify.server.cancel_fulfillment_in_admin(made["id"], emit=False)
    # orders/updated brought the order's new payload; fulfillments/update was lost
    Order.objects.filter(pk=stored.pk).update(payload=shopify.server.store.order(SHOP_DOMAIN, order["id"]))

    services.sweep(shipping_shop.pk)

    assert Shipment.objects.get(order=stored).state == Shipment.State.CANCELLED


def test_the_sweep_covers_every_shop_with_odoo_and_rechecks_held_rows_with_a_backoff(
    shop, shopify, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    # a shop that never opened Settings > Shipping
    assert not ShipmentSettings.objects.filter(shop=shop).exists()
    assert shop.pk in services.shops_to_sweep()
    order = sandbox_order(shopify)
    stored = synced(shop, shopify, order)
    shopify.server.hold_fulfillment_order(order["id"], reason="OTHER", emit=False)
    delivery = delivery_of(shop, stored)
    ship(odoo, shop, delivery)
    from shipments.tasks import push_delivery_task

    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(push_delivery_task, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep(shop.pk) == 1  # settings made with the defaults: Odoo ships
    assert ShipmentSettings.objects.get(shop=shop).shipper == ShipmentSettings.Shipper.ODOO
    services.push_delivery(stored.pk, delivery.id)
    row = Shipment.objects.get(order=stored)
    assert (row.state, row.held_checks) == (Shipment.State.HELD, 1)
    assert row.next_check_at is not None
    assert timedelta(minutes=14) < row.next_check_at - timezone.now() <= timedelta(minutes=15)

    # not due yet: the sweep leaves it
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep(shop.pk)
    assert sent == []
    # due: queued once, and its next look is doubled once the task finds it still held
    Shipment.objects.filter(pk=row.pk).update(next_check_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep(shop.pk)
        services.sweep(shop.pk)
    assert sent == [(stored.pk, delivery.id)]
    services.push_delivery(stored.pk, delivery.id)
    row.refresh_from_db()
    assert row.held_checks == 2
    assert timedelta(minutes=29) < row.next_check_at - timezone.now() <= timedelta(minutes=30)
