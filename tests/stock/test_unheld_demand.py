"""A Shopify sale is not sold twice: until Odoo reserves the order's units (a confirmed sale order), Synco keeps
them back from what it sets in Shopify (Odoo's figure - buffer - units on Shopify orders not yet in Odoo).

Against both sandboxes: the Shopify sandbox commits an order's units when it is placed (available down, committed
up); the Odoo sandbox reserves a confirmed sale order's units (free quantity down)."""

from __future__ import annotations

import copy
import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orders.models import Order, SyncStatus
from orders.services import import_order, sync_order
from sandboxes.catalogue import CATALOGUE
from sandboxes.shopify import inventory as sandbox_inventory
from stock import services
from stock.models import DriftRow, LocationMapping
from stock.tasks import flush_pending_task
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from tests.conftest import SHOP_DOMAIN, OdooSandbox, ShopifySandbox
from tests.shipments.conftest import synced

from .conftest import SetSpy, figure, item_gid, odoo_product, set_odoo_quantity, shopify_available

pytestmark = pytest.mark.usefixtures("added_shopify_orders_removed")
STORABLE = {item.sku for item in CATALOGUE if item.storable}
_ids = itertools.count(1)


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The flushes scheduled (run by the test when it says, as the coalescing window closes)."""
    sent: list[Any] = []
    monkeypatch.setattr(flush_pending_task, "apply_async", lambda args=(), **kw: sent.append(args))
    return sent


def new_order(shopify: ShopifySandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh paid, unfulfilled USD order placed now (copied from the seed), and its first storable line."""
    base = next(
        o
        for o in shopify.server.store.orders(SHOP_DOMAIN)
        if o["financial_status"] == "paid"
        and not o.get("refunds")
        and not o.get("cancelled_at")
        and o["currency"] == o["presentment_currency"] == "USD"
        and any(line.get("sku") in STORABLE for line in o["line_items"])
        and all(int(li.get("current_quantity", li["quantity"])) == li["quantity"] for li in o["line_items"])
    )
    order = copy.deepcopy(base)
    order["id"] = 8_800_000_000 + next(_ids) * 1000 + uuid.uuid4().int % 1000
    order["name"] = f"#D{order['id'] % 100000}"
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    order.update(created_at=now, updated_at=now, processed_at=now, fulfillment_status=None, fulfillments=[])
    for index, line in enumerate(order["line_items"]):
        line["id"] = order["id"] * 10 + index + 1
        line["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line['id']}"
        line.update(
            fulfillment_status=None, fulfillable_quantity=line.get("current_quantity", line["quantity"])
        )
    return order, next(line for line in order["line_items"] if line.get("sku") in STORABLE)


def level_webhook(shopify: ShopifySandbox, sku: str, location_gid: str) -> dict[str, Any]:
    """The inventory_levels/update body Shopify sends for the item's level there now."""
    item = int(item_gid(sku).rsplit("/", 1)[1])
    location = int(location_gid.rsplit("/", 1)[1])
    level = shopify.server.levels(item=item, location=location)[0]
    return sandbox_inventory.level_webhook(item, location, {"available": level["available"], **level})


def notify(client: Any, shop: Shop, product: int, location: int) -> None:
    token = services.get_settings(shop).webhook_token
    body = {"_model": "stock.quant", "_id": 1, "product_id": product, "location_id": location}
    response = client.post(f"/stock/odoo-webhook/{shop.pk}/?token={token}", body, "application/json")
    assert response.status_code == 202, response.content


def written(spy: SetSpy, sku: str, location_gid: str, *, since: int) -> list[int]:
    """The quantities Synco sent for the item at that location after the first `since` calls (the order's other
    lines are other products, whose levels Synco may correct meanwhile)."""
    return [
        q.quantity
        for _, quantities in spy.calls[since:]
        for q in quantities
        if (q.inventory_item_gid, q.location_gid) == (item_gid(sku), location_gid)
    ]


def flush(shop: Shop, flushes: list[Any]) -> None:
    assert flushes, "no flush was scheduled"
    flushes.clear()
    flush_pending_task.run(shop.pk)


@pytest.fixture
def stocked(stock_shop: Shop, shopify: ShopifySandbox, odoo: OdooSandbox, warehouse_stock: int) -> Any:
    """The order's product counted in Odoo, Shopify's level at Main warehouse set to Odoo's free quantity."""

    def stock(sku: str) -> int:
        product = odoo_product(odoo, sku)
        set_odoo_quantity(odoo, product, warehouse_stock, 40)
        main = LocationMapping.objects.get(shop=stock_shop, shopify_location_name="Main warehouse")
        # Units already kept back by orders of the shop that earlier tests left in Synco's database (the shared
        # sandboxes and a session-long worker outlive a test): the test's own order comes on top of them.
        before = services.unheld_demand(stock_shop).get((product, main.shopify_location_gid), 0)
        free = int(figure(odoo, product, warehouse_stock)) - before
        services.push_products(stock_shop, [product], trigger="repair")
        assert shopify_available(shopify, item_gid(sku), main.shopify_location_gid) == free, (
            f"{before} units already kept back"
        )
        return free

    return stock


@pytest.mark.django_db(transaction=True)
def test_a_sale_is_not_put_back_before_odoo_reserves_it_and_no_write_when_it_does(
    client,
    stock_shop,
    shopify,
    odoo,
    main_location,
    warehouse_stock,
    stocked,
    flushes,
    set_spy: SetSpy,
):
    order, line = new_order(shopify)
    sku, units, where = line["sku"], int(line["quantity"]), main_location.shopify_location_gid
    product = odoo_product(odoo, sku)
    free = stocked(sku)
    pushes = len(set_spy)

    # a sale in Shopify: its level goes down at once (committed up)
    shopify.server.add_orders([order])
    assert shopify_available(shopify, item_gid(sku), where) == free - units
    # Synco stores the order (orders/create), not in Odoo yet: its units are Shopify demand Odoo does not hold
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=stock_shop, shopify_id=order["id"])
    assert stored.odoo_id is None
    assert services.unheld_demand(stock_shop)[(product, where)] >= units
    flush(stock_shop, flushes)
    # Shopify's inventory_levels/update for the sale
    acted, _ = services.shopify_level_changed(stock_shop, level_webhook(shopify, sku, where))
    if acted:
        flush(stock_shop, flushes)
    # Odoo notifies a change of that product for another reason before the order is synced
    notify(client, stock_shop, product, warehouse_stock)
    flush(stock_shop, flushes)
    # the sweep goes over it too
    services.push_products(stock_shop, [product], trigger="sweep")
    # then Synco never set the level back up to Odoo's free quantity: nothing was written at all
    assert written(set_spy, sku, where, since=pushes) == []
    assert shopify_available(shopify, item_gid(sku), where) == free - units

    # and the drift report compares with the same figure: no difference for that level
    report = services.run_drift_report(stock_shop.pk)
    assert report is not None and report.status == "done"
    assert not DriftRow.objects.filter(
        report=report, inventory_item_gid=item_gid(sku), location_gid=where
    ).exists()

    # the order is synced and confirmed in Odoo: its delivery reserves the units, the demand is Odoo's now
    synced(stock_shop, shopify, order)
    stored.refresh_from_db()
    assert stored.odoo_state == "sale"
    assert int(figure(odoo, product, warehouse_stock)) == free - units
    assert (product, where) not in services.unheld_demand(stock_shop)
    notify(client, stock_shop, product, warehouse_stock)  # the reservation moves Odoo's quant
    flush(stock_shop, flushes)
    services.push_products(stock_shop, [product], trigger="sweep")
    # the figure is still equal: nothing written
    assert written(set_spy, sku, where, since=pushes) == []
    assert shopify_available(shopify, item_gid(sku), where) == free - units


@pytest.mark.django_db(transaction=True)
def test_a_level_changed_in_shopify_is_put_back_to_odoos_figure_less_the_open_orders(
    stock_shop, shopify, odoo, main_location, stocked, flushes, set_spy: SetSpy
):
    order, line = new_order(shopify)
    sku, units, where = line["sku"], int(line["quantity"]), main_location.shopify_location_gid
    free = stocked(sku)
    shopify.server.add_orders([order])
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    flush(stock_shop, flushes)
    # the merchant types another number in Shopify's admin
    item = int(item_gid(sku).rsplit("/", 1)[1])
    shopify.server.set_level(None, item, int(where.rsplit("/", 1)[1]), 99, emit=False)
    acted, _ = services.shopify_level_changed(stock_shop, level_webhook(shopify, sku, where))
    assert acted
    flush(stock_shop, flushes)
    assert shopify_available(shopify, item_gid(sku), where) == free - units
    assert written(set_spy, sku, where, since=0)[-1] == free - units


@pytest.mark.django_db(transaction=True)
def test_an_order_cancelled_in_shopify_before_its_sync_gives_its_units_back(
    stock_shop, shopify, odoo, main_location, stocked, flushes, set_spy: SetSpy
):
    order, line = new_order(shopify)
    sku, units, where = line["sku"], int(line["quantity"]), main_location.shopify_location_gid
    free = stocked(sku)
    shopify.server.add_orders([order])
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    flush(stock_shop, flushes)
    assert shopify_available(shopify, item_gid(sku), where) == free - units
    pushes = len(set_spy)

    # the order is cancelled in Shopify (orders/updated) before it reached Odoo
    later = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0).isoformat()
    cancelled = {**order, "cancelled_at": later, "updated_at": later, "cancel_reason": "customer"}
    shopify.server.add_orders([cancelled])
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    assert (odoo_product(odoo, sku), where) not in services.unheld_demand(stock_shop)
    # the next push sets Odoo's figure again, the units no longer kept back
    flush(stock_shop, flushes)
    assert written(set_spy, sku, where, since=pushes) == [free]
    assert shopify_available(shopify, item_gid(sku), where) == free


@pytest.mark.django_db(transaction=True)
def test_the_stock_page_says_how_the_figure_is_made(
    merchant_client, stock_shop, shopify, main_location, stocked
):
    order, line = new_order(shopify)
    stocked(line["sku"])
    shopify.server.add_orders([order])
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    item = int(item_gid(line["sku"]).rsplit("/", 1)[1])
    shopify.server.set_level(
        None, item, int(main_location.shopify_location_gid.rsplit("/", 1)[1]), 99, emit=False
    )
    services.run_drift_report(stock_shop.pk)
    row = DriftRow.objects.get(
        inventory_item_gid=item_gid(line["sku"]), location_gid=main_location.shopify_location_gid
    )
    assert row.pending >= int(line["quantity"])
    page = merchant_client.get("/stock/").content.decode()
    assert "Odoo free \u2212 buffer \u2212 N units on Shopify orders not yet in Odoo" in page
    assert f"{row.pending} on orders not yet in Odoo" in page


def synced_as_quotation(shop: Shop, shopify: ShopifySandbox, order: dict[str, Any]) -> Order:
    """The order synced to Odoo as a quotation (the shop's 'Create as' setting)."""
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.QUOTATION, auto_create_products=True, auto_create_taxes=True
    )
    import_order(shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=shop, shopify_id=order["id"])
    Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
    sync_order(stored.pk)
    stored.refresh_from_db()
    assert stored.sync_status == SyncStatus.SYNCED, stored.sync_error
    assert stored.odoo_id and stored.odoo_state == "draft"
    return stored


@pytest.mark.django_db(transaction=True)
def test_a_quotation_confirmed_by_hand_in_odoo_stops_counting_at_the_next_sweep(
    stock_shop, shopify, odoo, main_location, warehouse_stock, stocked, flushes, set_spy: SetSpy
):
    order, line = new_order(shopify)
    sku, units, where = line["sku"], int(line["quantity"]), main_location.shopify_location_gid
    product = odoo_product(odoo, sku)
    free = stocked(sku)
    shopify.server.add_orders([order])
    stored = synced_as_quotation(stock_shop, shopify, order)
    assert services.unheld_demand(stock_shop)[(product, where)] >= units  # a quotation holds nothing
    pushes = len(set_spy)

    # the merchant confirms it in Odoo: its delivery reserves the units (Odoo's free quantity drops)
    odoo_client_for(stock_shop).confirm_sale_order(int(stored.odoo_id or 0))
    assert int(figure(odoo, product, warehouse_stock)) == free - units
    # the sweep reads the states of the quotations Synco knows first (one call), then pushes
    calls: list[list[int]] = []
    original = services.OdooClient.sale_order_states

    def counting(self: Any, ids: Any) -> dict[int, str]:
        calls.append(list(ids))
        return original(self, calls[-1])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.OdooClient, "sale_order_states", counting)
        services.sweep(stock_shop.pk)
    assert len(calls) == 1 and int(stored.odoo_id or 0) in calls[0]
    stored.refresh_from_db()
    assert stored.odoo_state == "sale"
    assert (product, where) not in services.unheld_demand(stock_shop)
    # Odoo's free quantity is the whole story now: the level stays where the sale put it, nothing counted twice
    assert [q for q in written(set_spy, sku, where, since=pushes) if q != free - units] == []
    assert shopify_available(shopify, item_gid(sku), where) == free - units
    # a second sweep has nothing to refresh about it
    services.sweep(stock_shop.pk)
    assert Order.objects.get(pk=stored.pk).odoo_state == "sale"


@pytest.mark.django_db(transaction=True)
def test_units_shipped_in_shopify_before_the_order_reaches_odoo_stay_kept_back(
    stock_shop, shopify, odoo, main_location, warehouse_stock, stocked, flushes, set_spy: SetSpy
):
    order, line = new_order(shopify)
    sku, units, where = line["sku"], int(line["quantity"]), main_location.shopify_location_gid
    product = odoo_product(odoo, sku)
    free = stocked(sku)
    shopify.server.add_orders([order])
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    Order.objects.filter(shop=stock_shop, shopify_id=order["id"]).update(eligible=True)
    flush(stock_shop, flushes)
    pushes = len(set_spy)

    # Shopify ships it all (committed -> shipped: available unchanged) before Synco synced it
    time.sleep(1.1)  # a later updatedAt (to the second) than the stored one
    shopify.server.fulfil_in_admin(order["id"], emit=False)
    import_order(stock_shop.pk, f"gid://shopify/Order/{order['id']}")
    stored = Order.objects.get(shop=stock_shop, shopify_id=order["id"])
    assert stored.fulfillment_status == "FULFILLED" and stored.odoo_id is None
    # Odoo still counts the units on hand: they stay kept back, Shopify's level does not go up by them
    assert services.unheld_demand(stock_shop)[(product, where)] >= units
    services.push_products(stock_shop, [product], trigger="sweep")
    assert written(set_spy, sku, where, since=pushes) == []
    assert shopify_available(shopify, item_gid(sku), where) == free - units
    assert int(figure(odoo, product, warehouse_stock)) == free

    # were it an order Synco will not put in Odoo, its shipped units would be the merchant's to count in Odoo
    Order.objects.filter(pk=stored.pk).update(eligible=False)
    assert (product, where) not in services.unheld_demand(stock_shop)
