"""Done when: customers arrive with their addresses before their first order, and orders then find them without
creating any partner or address (the Shopify sandbox's own orders and customers, synced through the order path)."""

from __future__ import annotations

import time

import pytest

from customers.imports import run_customer_import, start_customer_import
from orders.models import Order, SyncStatus
from orders.services import import_orders, sync_order
from products.models import CatalogueRun
from synco.models import OrderRules

pytestmark = pytest.mark.django_db
ALL = [["active", "in", [True, False]]]


def _saved_streets(shopify) -> dict[int, set[str]]:
    from sandboxes.shopify.customers import customers_of

    return shopify.server.store.transact(
        lambda state: {
            int(c["id"]): {a["address1"] for a in c.get("addresses") or []}
            for c in customers_of(state, "synco-demo.myshopify.com")
        },
        write=False,
    )


def test_the_sandbox_orders_of_imported_customers_create_no_partner(shop, shopify, odoo):
    shop.access_token = shopify.token
    shop.save(update_fields=["access_token"])
    OrderRules.objects.filter(shop=shop).update(auto_create_products=True, auto_create_taxes=True)
    run = start_customer_import(shop)
    for _ in range(200):
        if run_customer_import(run.pk) is None:
            break
        time.sleep(0.05)
    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.DONE, run.error
    import_orders(shop.pk)
    orders = [
        o
        for o in Order.objects.filter(shop=shop).order_by("pk")
        if (o.payload.get("customer") or {}).get("id")
    ]
    assert len(orders) >= 20
    saved = _saved_streets(shopify)
    last_partner = max(odoo.execute("res.partner", "search", ALL))

    for order in orders:
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
        sync_order(order.pk)

    synced = Order.objects.filter(pk__in=[o.pk for o in orders], sync_status=SyncStatus.SYNCED)
    assert synced.count() >= 10, [o.last_error for o in Order.objects.filter(pk__in=[o.pk for o in orders])][
        :3
    ]
    new = odoo.execute(
        "res.partner",
        "search_read",
        [["id", ">", last_partner], *ALL],
        fields=["parent_id", "street", "type"],
    )
    # no customer was created again; an address appears only where the order used one the customer never saved
    assert all(row["parent_id"] for row in new), new
    used = {
        (o.payload["customer"]["legacyResourceId"], (o.payload.get(kind) or {}).get("address1"))
        for o in synced
        for kind in ("billingAddress", "shippingAddress")
    }
    unsaved = {street for customer_id, street in used if street not in saved.get(int(customer_id), set())}
    assert {row["street"] for row in new} == unsaved
    assert len(unsaved) < len(used)  # most orders went to addresses the import brought
