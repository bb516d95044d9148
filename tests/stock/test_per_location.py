"""Coalescing per item and location, and Shopify's inventory_levels/update: Odoo's figure re-asserted, no echo."""

from __future__ import annotations

from typing import Any

import pytest

from sandboxes.shopify import inventory as sandbox_inventory
from shipments import services as shipment_services
from stock import services
from stock.models import KnownLevel, LocationMapping, PendingChange, StockPush, StockSettings
from stock.tasks import flush_pending_task
from synclogs.models import WebhookReceipt
from synco.gateways import odoo_client_for
from synco.models import Shop
from synco.odoo.delivery_notifications import RULE_NAME as DELIVERY_RULE
from synco.odoo.delivery_notifications import ensure_delivery_notifications
from synco.shopify_app.webhook_handlers import process_webhook
from tests.conftest import OdooSandbox, ShopifySandbox

from .conftest import SetSpy, item_gid, odoo_product, set_odoo_quantity, shopify_available


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The flushes scheduled (run by the test when it says, as the coalescing window closes)."""
    sent: list[Any] = []
    monkeypatch.setattr(flush_pending_task, "apply_async", lambda args=(), **kw: sent.append(args))
    return sent


@pytest.fixture
def backroom(stock_shop: Shop, odoo: OdooSandbox) -> int:
    """A second internal location of the warehouse, outside WH/Stock, mapped to Shopify's "Retail store"."""
    location = int(
        odoo.execute("stock.location", "create", {"name": "Backroom", "usage": "internal", "location_id": 7})
    )
    retail = LocationMapping.objects.get(shop=stock_shop, shopify_location_name="Retail store")
    services.map_location(stock_shop, retail, warehouse_id=None, location_ids=[location])
    return location


@pytest.fixture
def retail_location(backroom: int, stock_shop: Shop) -> LocationMapping:
    return LocationMapping.objects.get(shop=stock_shop, shopify_location_name="Retail store")


def notify(client: Any, shop: Shop, body: dict[str, Any]) -> None:
    token = services.get_settings(shop).webhook_token
    response = client.post(f"/stock/odoo-webhook/{shop.pk}/?token={token}", body, "application/json")
    assert response.status_code == 202, response.content


def quant(product: int, location: int, n: int = 1) -> dict[str, Any]:
    return {"_model": "stock.quant", "_id": n, "product_id": product, "location_id": location}


def level_body(shopify: ShopifySandbox, location_gid: str) -> dict[str, Any]:
    """The inventory_levels/update body the Shopify sandbox sends for the item's level there now."""
    item = int(item_gid().rsplit("/", 1)[1])
    location = int(location_gid.rsplit("/", 1)[1])
    level = shopify.server.levels(item=item, location=location)[0]
    return sandbox_inventory.level_webhook(item, location, {"available": level["available"], **level})


def merchant_sets(shopify: ShopifySandbox, location_gid: str, available: int) -> dict[str, Any]:
    """The merchant changes the level in Shopify's admin; returns the webhook body Shopify sends for it."""
    item = int(item_gid().rsplit("/", 1)[1])
    shopify.server.set_level(None, item, int(location_gid.rsplit("/", 1)[1]), available, emit=False)
    return level_body(shopify, location_gid)


# -- coalescing per item and location ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hundred_moves_at_two_locations_make_one_quantity_per_location(
    client,
    stock_shop,
    shopify,
    odoo,
    main_location,
    retail_location,
    backroom,
    warehouse_stock,
    flushes,
    set_spy: SetSpy,
):
    product = odoo_product(odoo)
    # when Odoo's quantity moves 100 times within the window, at both mapped places
    for n in range(100):
        where = warehouse_stock if n % 2 else backroom
        if n % 20 in (0, 1):
            set_odoo_quantity(odoo, product, where, 20 + n)
        notify(client, stock_shop, quant(product, where, n))
    set_odoo_quantity(odoo, product, warehouse_stock, 31)
    set_odoo_quantity(odoo, product, backroom, 17)
    assert len(flushes) == 1
    assert PendingChange.objects.filter(shop=stock_shop).count() == 2  # one per product and place
    flush_pending_task.run(stock_shop.pk)

    # then one write, one quantity per location, with Odoo's latest figures
    assert len(set_spy) == 1
    ((_, quantities),) = set_spy.calls
    assert sorted((q.location_gid, q.quantity) for q in quantities) == sorted(
        [(main_location.shopify_location_gid, 31), (retail_location.shopify_location_gid, 17)]
    )
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 31
    assert shopify_available(shopify, item_gid(), retail_location.shopify_location_gid) == 17
    assert StockPush.objects.filter(shop=stock_shop).count() == 2
    assert PendingChange.objects.filter(shop=stock_shop).count() == 0


@pytest.mark.django_db(transaction=True)
def test_moves_at_one_location_write_only_that_location(
    client,
    stock_shop,
    shopify,
    odoo,
    main_location,
    retail_location,
    backroom,
    warehouse_stock,
    flushes,
    set_spy: SetSpy,
    monkeypatch,
):
    # given WH/Stock's figure differs from Shopify's Main warehouse (it is not notified here)
    product = odoo_product(odoo)
    set_odoo_quantity(odoo, product, warehouse_stock, 77)
    main_before = shopify_available(shopify, item_gid(), main_location.shopify_location_gid)
    read: list[list[int]] = []
    original = type(odoo_client_for(stock_shop)).stock_levels

    def spying(self: Any, products: Any, locations: Any, figure: str = "free") -> Any:
        read.append(sorted(locations))
        return original(self, products, locations, figure)

    monkeypatch.setattr(type(odoo_client_for(stock_shop)), "stock_levels", spying)

    # when 100 moves of the item happen in the backroom only
    set_odoo_quantity(odoo, product, backroom, 9)
    for n in range(100):
        notify(client, stock_shop, quant(product, backroom, n))
    flush_pending_task.run(stock_shop.pk)

    # then only the Retail store's level is read from Odoo and written, once
    assert read == [[backroom]]
    assert [[(q.location_gid, q.quantity) for q in quantities] for _, quantities in set_spy.calls] == [
        [(retail_location.shopify_location_gid, 9)]
    ]
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == main_before


@pytest.mark.django_db(transaction=True)
def test_a_move_in_a_child_location_counts_for_the_warehouse_and_an_unmapped_one_for_nothing(
    client, stock_shop, shopify, odoo, main_location, warehouse_stock, flushes, set_spy: SetSpy
):
    product = odoo_product(odoo)
    shelf = int(
        odoo.execute(
            "stock.location",
            "create",
            {"name": "Shelf 1", "usage": "internal", "location_id": warehouse_stock},
        )
    )
    elsewhere = int(
        odoo.execute("stock.location", "create", {"name": "Elsewhere", "usage": "internal", "location_id": 7})
    )

    # an internal location no Shopify location counts: nothing read, nothing written
    set_odoo_quantity(odoo, product, elsewhere, 5)
    notify(client, stock_shop, quant(product, elsewhere))
    flush_pending_task.run(stock_shop.pk)
    assert len(set_spy) == 0
    assert PendingChange.objects.filter(shop=stock_shop).count() == 0

    # a shelf inside WH/Stock: the Main warehouse (mapped to the warehouse) shows its stock too
    set_odoo_quantity(odoo, product, warehouse_stock, 10)
    set_odoo_quantity(odoo, product, shelf, 4)
    notify(
        client,
        stock_shop,
        {
            "_model": "stock.move",
            "_id": 3,
            "product_id": product,
            "location_id": 14,
            "location_dest_id": shelf,
        },
    )
    flush_pending_task.run(stock_shop.pk)
    assert [[q.quantity for q in quantities] for _, quantities in set_spy.calls] == [[14]]
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 14


@pytest.mark.django_db(transaction=True)
def test_a_full_push_reads_every_mapped_location_in_one_quant_read(
    stock_shop, shopify, odoo, main_location, retail_location, backroom, warehouse_stock, monkeypatch
):
    # given stock in WH/Stock, in a shelf inside it (Main warehouse counts both) and in the backroom (Retail)
    product = odoo_product(odoo)
    shelf = int(
        odoo.execute(
            "stock.location",
            "create",
            {"name": "Shelf 2", "usage": "internal", "location_id": warehouse_stock},
        )
    )
    set_odoo_quantity(odoo, product, warehouse_stock, 6)
    set_odoo_quantity(odoo, product, shelf, 3)
    set_odoo_quantity(odoo, product, backroom, 5)
    client_type = type(odoo_client_for(stock_shop))
    reads: list[tuple[str, list[int]]] = []
    for name in ("stock_levels", "quant_levels"):
        original = getattr(client_type, name)

        def spying(
            self: Any, products: Any, locations: Any, figure: str = "free", _o=original, _n=name
        ) -> Any:
            reads.append((_n, sorted(locations)))
            return _o(self, products, locations, figure)

        monkeypatch.setattr(client_type, name, spying)

    # when every level is pushed
    outcome = services.push_all(stock_shop.pk)

    # then Odoo's quants are read once for both mapped places, each quant counted where it belongs
    assert outcome is not None and outcome.failed == 0
    assert reads == [("quant_levels", sorted([warehouse_stock, backroom]))]
    assert shopify_available(shopify, item_gid(), main_location.shopify_location_gid) == 9
    assert shopify_available(shopify, item_gid(), retail_location.shopify_location_gid) == 5


def test_notifications_name_each_product_and_place():
    read = services.changes_from_notification

    assert read({"_model": "stock.quant", "product_id": 5, "location_id": 8}) == [(5, 8)]
    assert read(
        {"_model": "stock.move", "product_id": [6, "Desk"], "location_id": 8, "location_dest_id": 5}
    ) == [
        (6, 5),
        (6, 8),
    ]
    assert read({"_model": "stock.move", "product_id": 6}) == [(6, 0)]  # a rule made before: everywhere
    assert read([{"product_id": 5, "location_id": 8}, {"product_id": 5, "location_id": 8}]) == [(5, 8)]
    assert read({"_model": "stock.quant", "product_id": False, "location_id": 8}) == []


# -- inventory_levels/update: Odoo is the master ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_level_changed_in_shopify_gets_odoos_figure_again(
    stock_shop, shopify, odoo, main_location, warehouse_stock, flushes, set_spy: SetSpy
):
    # given Shopify shows Odoo's figure, as Synco set it
    product = odoo_product(odoo)
    location = main_location.shopify_location_gid
    set_odoo_quantity(odoo, product, warehouse_stock, 12)
    services.push_products(stock_shop, [product], trigger="initial")
    assert shopify_available(shopify, item_gid(), location) == 12
    set_spy.calls.clear()

    # when the merchant sets it to 3 in Shopify, and Shopify's webhook is handled
    receipt = WebhookReceipt.objects.create(
        shop=stock_shop,
        shop_domain=stock_shop.domain,
        topic="inventory_levels/update",
        event_id="e-level-1",
        payload=merchant_sets(shopify, location, 3),
    )
    process_webhook(receipt.pk)
    receipt.refresh_from_db()
    assert receipt.status == WebhookReceipt.Status.PROCESSED, receipt.message
    assert len(flushes) == 1
    flush_pending_task.run(stock_shop.pk)

    # then Synco sets Odoo's 12 again, once, guarded by the 3 it read
    assert [[(q.quantity, q.change_from) for q in quantities] for _, quantities in set_spy.calls] == [
        [(12, 3)]
    ]
    assert shopify_available(shopify, item_gid(), location) == 12
    assert StockPush.objects.filter(shop=stock_shop).first().trigger == "reassert"


@pytest.mark.django_db(transaction=True)
def test_synco_s_own_push_echoed_by_shopify_makes_no_second_write(
    client, stock_shop, shopify, odoo, main_location, warehouse_stock, flushes, set_spy: SetSpy
):
    # given Synco pushed Odoo's figure after a notification
    product = odoo_product(odoo)
    location = main_location.shopify_location_gid
    set_odoo_quantity(odoo, product, warehouse_stock, 21)
    notify(client, stock_shop, quant(product, warehouse_stock))
    flush_pending_task.run(stock_shop.pk)
    assert len(set_spy) == 1
    flushes.clear()

    # when Shopify sends inventory_levels/update for that change (its echo)
    acted, message = services.shopify_level_changed(stock_shop, level_body(shopify, location))

    # then nothing is queued or written
    assert (acted, "as Synco set it" in message) == (False, True)
    assert flushes == [] and PendingChange.objects.filter(shop=stock_shop).count() == 0

    # and an echo that overtakes Synco's own record of the push (or a stale one) is read again, not written
    KnownLevel.objects.filter(shop=stock_shop).delete()
    acted, _ = services.shopify_level_changed(stock_shop, level_body(shopify, location))
    assert acted
    flush_pending_task.run(stock_shop.pk)
    assert len(set_spy) == 1
    assert shopify_available(shopify, item_gid(), location) == 21
    assert KnownLevel.objects.get(shop=stock_shop, location_gid=location).available == 21


@pytest.mark.django_db(transaction=True)
def test_the_same_change_in_shopify_twice_is_reasserted_twice(
    stock_shop, shopify, odoo, main_location, warehouse_stock, flushes, set_spy: SetSpy
):
    # Each flush is its own task: the same values from the same value are a new key, which Shopify applies.
    product = odoo_product(odoo)
    location = main_location.shopify_location_gid
    set_odoo_quantity(odoo, product, warehouse_stock, 8)
    services.push_products(stock_shop, [product], trigger="initial")
    for task in ("flush-1", "flush-2"):
        services.shopify_level_changed(stock_shop, merchant_sets(shopify, location, 2))
        services.flush_pending(stock_shop.pk, task_id=task)
        assert shopify_available(shopify, item_gid(), location) == 8
    keys = [key for key, _ in set_spy.calls[1:]]
    assert len(keys) == 2 and keys[0] != keys[1]


@pytest.mark.django_db(transaction=True)
def test_a_level_synco_does_not_own_is_left_alone(stock_shop, shopify, odoo, main_location, flushes):
    retail = LocationMapping.objects.get(shop=stock_shop, shopify_location_name="Retail store")

    unmapped = services.shopify_level_changed(
        stock_shop, merchant_sets(shopify, retail.shopify_location_gid, 4)
    )
    not_json = services.shopify_level_changed(stock_shop, {"inventory_item_id": "x"})
    StockSettings.objects.filter(shop=stock_shop).update(enabled=False)
    off = services.shopify_level_changed(
        stock_shop, merchant_sets(shopify, main_location.shopify_location_gid, 4)
    )

    assert unmapped == (
        False,
        "Location Retail store is not synced with Odoo: Shopify's level is left as it is.",
    )
    assert not_json[0] is False and "names no inventory item" in not_json[1]
    assert off == (False, "Stock sync is off: Shopify's level is left as it is.")
    assert flushes == [] and PendingChange.objects.filter(shop=stock_shop).count() == 0


# -- the webhook token --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_new_webhook_token_repoints_odoos_rules_and_refuses_the_old_one(
    client, merchant_client, stock_shop, odoo, flushes
):
    services.install_odoo_notifications(stock_shop, install_module=True)
    # and the done-moves rule an earlier Synco created (the quant rule covers done moves: issue 14's bench)
    legacy = odoo.execute(
        "base.automation",
        "create",
        {
            "name": "Synco stock: done moves",
            "model_id": odoo.execute("ir.model", "search", [["model", "=", "stock.move"]])[0],
            "trigger": "on_create_or_write",
            "filter_domain": "[('state', '=', 'done')]",
        },
    )
    old = services.get_settings(stock_shop).webhook_token

    response = merchant_client.post("/stock/settings/notifications/token/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204 and "1 Odoo automation rule now uses it" in response["HX-Trigger"]
    # the old rule is switched off (it would post with the old token)
    assert odoo.execute("base.automation", "read", [legacy], ["active"])[0]["active"] is False
    new = services.get_settings(stock_shop).webhook_token
    assert new != old
    rules = odoo.execute(
        "base.automation", "search_read", [["name", "like", "Synco stock"]], fields=["action_server_ids"]
    )
    actions = [action for rule in rules for action in rule["action_server_ids"]]
    urls = {row["webhook_url"] for row in odoo.execute("ir.actions.server", "read", actions, ["webhook_url"])}
    assert len(actions) == 1
    assert urls == {services.webhook_url(services.get_settings(stock_shop))}
    assert all(f"token={new}" in url for url in urls)
    body = {"_model": "stock.quant", "_id": 1, "product_id": 5, "location_id": 8}
    refused = client.post(f"/stock/odoo-webhook/{stock_shop.pk}/?token={old}", body, "application/json")
    taken = client.post(f"/stock/odoo-webhook/{stock_shop.pk}/?token={new}", body, "application/json")
    assert (refused.status_code, taken.status_code) == (403, 202)


@pytest.mark.django_db(transaction=True)
def test_a_new_webhook_token_repoints_the_delivery_rule_too(
    client, merchant_client, stock_shop, odoo, flushes
):
    # given Synco's stock rules and its delivery rule (shipments) in Odoo, all on the shop's one token
    services.install_odoo_notifications(stock_shop, install_module=True)
    odoo_client = odoo_client_for(stock_shop)
    ensure_delivery_notifications(odoo_client, shipment_services.webhook_url(stock_shop))
    odoo_client.close()
    old = services.get_settings(stock_shop).webhook_token

    # when the merchant asks for a new token
    response = merchant_client.post("/stock/settings/notifications/token/", HTTP_HX_REQUEST="true")

    # then the delivery rule follows it too, and the shipments endpoint refuses the old token
    assert response.status_code == 204 and "2 Odoo automation rules" in response["HX-Trigger"]
    new = services.get_settings(stock_shop).webhook_token
    [rule] = odoo.execute(
        "base.automation", "search_read", [["name", "=", DELIVERY_RULE]], fields=["action_server_ids"]
    )
    [action] = odoo.execute("ir.actions.server", "read", rule["action_server_ids"], ["webhook_url"])
    assert (
        action["webhook_url"] == shipment_services.webhook_url(stock_shop)
        and f"token={new}" in action["webhook_url"]
    )
    body = {"_model": "stock.picking", "_id": 1, "sale_id": 1, "state": "done"}
    refused = client.post(f"/shipments/odoo-webhook/{stock_shop.pk}/?token={old}", body, "application/json")
    assert refused.status_code == 403
