"""Pushing Odoo's stock to Shopify, against both sandboxes over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stock import services
from stock.mapping import DesiredLevel
from stock.models import DriftRow, InventoryLink, KnownLevel, PendingChange, StockPush, StockSettings
from stock.tasks import flush_pending_task
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.gateways import shopify_client_for
from synco.models import Shop
from synco.shopify import inventory
from tests.conftest import SHOP_DOMAIN

from .conftest import SKU, SetSpy, item_gid, odoo_product, set_odoo_quantity, shopify_available


def test_it_lists_an_item_without_an_odoo_product_with_its_reason(stock_shop, shopify):
    # given a Shopify variant whose SKU Odoo does not know
    shopify.server.add_inventory_items([{"sku": "NOT-IN-ODOO-1", "title": "Mystery box"}])

    # when
    services.refresh_links(stock_shop)

    # then
    link = InventoryLink.objects.get(shop=stock_shop, sku="NOT-IN-ODOO-1")
    assert link.odoo_product_id is None
    assert link.unmatched_reason.startswith("No Odoo product has the SKU 'NOT-IN-ODOO-1'")


def test_it_sets_shopify_to_odoos_free_quantity_less_the_buffer(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy
):
    # given
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 17)
    StockSettings.objects.filter(shop=stock_shop).update(safety_buffer=2)

    # when
    outcome = services.push_products(stock_shop, [product], trigger="initial")

    # then
    assert (outcome.sent, outcome.failed, outcome.blocked) == (1, 0, False)
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 15
    push = StockPush.objects.get(shop=stock_shop)
    assert (push.sku, push.location_name, push.quantity, push.outcome) == (
        SKU,
        "Main warehouse",
        15,
        StockPush.Outcome.SET,
    )
    assert push.idempotency_key == set_spy.calls[0][0]
    attempt = SyncAttempt.objects.get(shop=stock_shop, operation="stock_push")
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert attempt.object_ref == f"{SKU} @ Main warehouse"
    assert KnownLevel.objects.get(shop=stock_shop, inventory_item_gid=item_gid()).available == 15


@pytest.mark.django_db(transaction=True)
def test_a_hundred_notifications_of_one_sku_make_one_write(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy, monkeypatch, client
):
    # given the flush runs when the coalescing window closes (here: at once, when we say)
    sent: list[Any] = []
    monkeypatch.setattr(flush_pending_task, "apply_async", lambda args=(), **kw: sent.append(args))
    product = odoo_product(odoo)
    settings = services.get_settings(stock_shop)
    url = f"/stock/odoo-webhook/{stock_shop.pk}/?token={settings.webhook_token}"

    # when Odoo's quantity moves 100 times within the window, each with its notification
    for n in range(100):
        set_odoo_quantity(odoo, product, warehouse_stock, 30 + n % 7) if n % 25 == 0 else None
        response = client.post(
            url, {"_model": "stock.quant", "_id": n, "product_id": product}, "application/json"
        )
        assert response.status_code == 202
    set_odoo_quantity(odoo, product, warehouse_stock, 42)
    assert len(sent) == 1
    flush_pending_task.run(stock_shop.pk)

    # then one write to Shopify, with Odoo's latest figure
    assert [[q.quantity for q in quantities] for _, quantities in set_spy.calls] == [[42]]
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 42
    assert PendingChange.objects.filter(shop=stock_shop).count() == 0
    assert StockPush.objects.filter(shop=stock_shop).count() == 1


def test_a_revoked_write_inventory_scope_stops_pushes_with_the_reason(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy
):
    # given the merchant's token no longer has write_inventory
    store = shopify.server.store
    store.set_token_scope(
        SHOP_DOMAIN, shopify.token, "read_orders,read_products,read_inventory,read_locations"
    )
    try:
        product = odoo_product(odoo)
        set_odoo_quantity(odoo, product, warehouse_stock, 9)
        before = shopify_available(shopify, item_gid(), main_location.shopify_location_gid)

        # when
        first = services.push_products(stock_shop, [product], trigger="initial")
        second = services.push_products(stock_shop, [product], trigger="initial")
    finally:
        store.set_token_scope(SHOP_DOMAIN, shopify.token, None)

    # then the reason is on the Stock page and in the sync log, and nothing retries against Shopify
    assert first.blocked and second.blocked
    assert len(set_spy) == 1
    settings = StockSettings.objects.get(shop=stock_shop)
    assert "write_inventory" in settings.blocked_reason
    push = StockPush.objects.get(shop=stock_shop)
    assert push.outcome == StockPush.Outcome.BLOCKED
    assert "write_inventory" in push.error
    attempt = SyncAttempt.objects.get(shop=stock_shop, operation="stock_push")
    assert attempt.status == SyncAttempt.Status.FAILED
    assert "write_inventory" in attempt.message
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == before

    # and once the shop's scopes change (reinstall), pushes go again
    Shop.objects.filter(pk=stock_shop.pk).update(access_scopes="write_inventory,read_locations")
    stock_shop.refresh_from_db()
    again = services.push_products(stock_shop, [product], trigger="initial")
    assert (again.sent, again.blocked) == (1, False)
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 9


def test_a_retried_batch_carries_the_same_key_and_shopify_applies_it_once(stock_shop, shopify, main_location):
    # given the same batch sent twice (a retry after a lost answer)
    client = shopify_client_for(stock_shop)
    location = main_location.shopify_location_gid
    current = shopify_available(shopify, item_gid(), location)
    quantities = [inventory.QuantityToSet(item_gid(), location, current + 5, current)]
    key = inventory.idempotency_key(stock_shop.domain, quantities)
    assert key == inventory.idempotency_key(stock_shop.domain, list(quantities))

    # when
    first = inventory.set_quantities(client, quantities, key=key, reference="gid://synco/OdooStock/1")
    again = inventory.set_quantities(client, quantities, key=key, reference="gid://synco/OdooStock/1")

    # then Shopify replays the first answer: one change, no stale error for the retry
    assert first.user_errors == [] and again.user_errors == []
    assert again.adjustment_group == first.adjustment_group
    assert shopify_available(shopify, item_gid(), location) == current + 5


def test_a_stale_compare_value_is_read_again_and_set_once_more(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy
):
    # given Synco believes Shopify shows 999 (a sale happened since)
    location = main_location.shopify_location_gid
    KnownLevel.objects.create(
        shop=stock_shop, inventory_item_gid=item_gid(), location_gid=location, available=999
    )
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 12)
    current = shopify_available(shopify, item_gid(), location)

    # when
    outcome = services.push_products(stock_shop, [product], trigger="initial")

    # then
    assert (outcome.sent, outcome.failed) == (1, 0)
    assert [[q.change_from for q in quantities] for _, quantities in set_spy.calls] == [[999], [current]]
    assert shopify_available(shopify, item_gid(), location) == 12


def test_odoo_down_keeps_the_changes_and_retries_later(stock_shop, odoo, set_spy: SetSpy, monkeypatch):
    monkeypatch.setattr(flush_pending_task, "apply_async", lambda *a, **kw: None)
    product = odoo_product(odoo)
    services.note_changes(stock_shop, [product])
    odoo.control(down=True)
    try:
        with pytest.raises(TransientGatewayError):
            services.flush_pending(stock_shop.pk)
    finally:
        odoo.control(down=False)

    assert list(PendingChange.objects.filter(shop=stock_shop).values_list("odoo_product_id", flat=True)) == [
        product
    ]
    assert len(set_spy) == 0
    attempt = SyncAttempt.objects.get(shop=stock_shop, operation="stock_push")
    assert attempt.status == SyncAttempt.Status.FAILED
    assert attempt.message.startswith("Reading Odoo's stock failed:")
    assert attempt.message.endswith("It will be retried.")


def test_the_drift_report_finds_a_difference_and_a_repair_clears_it(
    stock_shop, shopify, odoo, main_location, warehouse_stock
):
    # given Odoo and Shopify agree, then someone changes Shopify by hand
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 20)
    services.push_all(stock_shop.pk)
    assert services.run_drift_report(stock_shop.pk).drifted == 0
    location = main_location.shopify_location_gid
    shopify.server.set_level(
        None, int(item_gid().rsplit("/", 1)[1]), int(location.rsplit("/", 1)[1]), 3, emit=False
    )

    # when
    report = services.run_drift_report(stock_shop.pk)

    # then
    assert report is not None and report.drifted == 1
    row = DriftRow.objects.get(report=report)
    assert (row.sku, row.shopify_available, row.desired, row.difference) == (SKU, 3, 20, 17)
    assert StockSettings.objects.get(shop=stock_shop).last_drift_summary["drifted"] == 1
    assert SyncAttempt.objects.filter(shop=stock_shop, operation="stock_drift").count() == 2

    # when the row is repaired
    outcome = services.repair(stock_shop.pk, [row.pk])

    # then
    assert outcome is not None and outcome.sent == 1
    assert shopify_available(shopify, item_gid(), location) == 20
    assert services.run_drift_report(stock_shop.pk).drifted == 0


def test_the_sweep_pushes_what_changed_in_odoo_since_its_cursor(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy
):
    # given a first sweep (it looks back a few minutes) and one that set the cursor
    product = odoo_product(odoo)
    services.sweep(stock_shop.pk)
    set_odoo_quantity(odoo, product, warehouse_stock, 4)
    services.sweep(stock_shop.pk)
    cursor = StockSettings.objects.get(shop=stock_shop).sweep_cursor
    assert cursor
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 4
    set_spy.calls.clear()

    # when a quantity changes in Odoo without a notification
    set_odoo_quantity(odoo, product, warehouse_stock, 7)
    services.sweep(stock_shop.pk)

    # then
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 7
    pushed = {q.inventory_item_gid for _, quantities in set_spy.calls for q in quantities}
    assert item_gid() in pushed
    assert StockSettings.objects.get(shop=stock_shop).sweep_cursor >= cursor


def test_a_quantity_shopify_refuses_fails_alone_and_the_rest_is_set(stock_shop, shopify, main_location):
    # given a batch where one item no longer exists in Shopify
    location = main_location.shopify_location_gid
    current = shopify_available(shopify, item_gid(), location)
    good = DesiredLevel(item_gid(), location, 1, Decimal(current + 2), current + 2, SKU, "Main warehouse")
    gone = DesiredLevel("gid://shopify/InventoryItem/1", location, 2, Decimal(4), 4, "GONE", "Main warehouse")

    # when
    outcome = services.push_levels(stock_shop, [gone, good], trigger="repair")

    # then
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert shopify_available(shopify, item_gid(), location) == current + 2
    pushes = {p.sku: p for p in StockPush.objects.filter(shop=stock_shop)}
    assert pushes[SKU].outcome == StockPush.Outcome.SET
    assert pushes["GONE"].outcome == StockPush.Outcome.FAILED
    assert pushes["GONE"].error == (
        "Shopify refused this quantity: The specified inventory item could not be found. (INVALID_INVENTORY_ITEM)"
    )
    attempts = list(SyncAttempt.objects.filter(shop=stock_shop, operation="stock_push").order_by("id"))
    assert [a.status for a in attempts] == [SyncAttempt.Status.FAILED, SyncAttempt.Status.SUCCESS]
    assert attempts[0].message.startswith("Shopify refused 1 of 2 quantities:")


def test_turning_stock_sync_on_matches_and_pushes_everything_and_the_preview_shows_it(
    stock_shop, shopify, odoo, main_location, warehouse_stock
):
    # given
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 26)
    InventoryLink.objects.filter(shop=stock_shop).delete()

    # when
    outcome = services.start_sync(stock_shop.pk)

    # then every matched item is set at the mapped location (Odoo's 0 where it has no stock)
    assert outcome is not None and outcome.failed == 0
    assert outcome.sent == InventoryLink.objects.filter(shop=stock_shop).exclude(odoo_product_id=None).count()
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 26
    preview = {level.sku: level for level in services.preview(stock_shop, limit=1000)}
    assert (preview[SKU].odoo_figure, preview[SKU].quantity, preview[SKU].location_name) == (
        Decimal("26"),
        26,
        "Main warehouse",
    )


def test_shopify_throttling_is_waited_out(stock_shop, shopify, odoo, main_location, warehouse_stock):
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 13)
    client = shopify_client_for(stock_shop)
    shopify.control(throttle_next=1)
    try:
        outcome = services.push_products(stock_shop, [product], trigger="initial", shopify=client)
    finally:
        shopify.control(throttle_next=0)

    assert (outcome.sent, outcome.failed, client.throttled) == (1, 0, 1)
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 13


def test_a_shopify_outage_is_retried_with_the_same_key(
    stock_shop, shopify, odoo, main_location, warehouse_stock, set_spy: SetSpy
):
    # given Shopify answers 502 once
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 11)
    shopify.control(fail_next=1, status=502)

    # when the task runs, fails, and Celery runs it again
    with pytest.raises(TransientGatewayError):
        services.push_products(stock_shop, [product], trigger="initial")
    retried = services.push_products(stock_shop, [product], trigger="initial")

    # then the retry sent the same batch under the same key, and the level is set
    assert retried.sent == 1
    assert [key for key, _ in set_spy.calls] == [set_spy.calls[0][0]] * 2
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 11
    outcomes = list(StockPush.objects.filter(shop=stock_shop).order_by("id").values_list("outcome", "error"))
    assert outcomes[0][0] == StockPush.Outcome.FAILED and "502" in outcomes[0][1]
    assert outcomes[1] == (StockPush.Outcome.SET, "")
