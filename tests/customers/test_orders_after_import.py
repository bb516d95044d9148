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


REST = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "province_code",
    "country_code",
)
GRAPHQL = (
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "provinceCode",
    "countryCodeV2",
)


def _saved_addresses(shopify) -> dict[int, set[tuple[str, ...]]]:
    """Each sandbox customer's saved addresses, every field the order path compares."""
    from sandboxes.shopify.customers import customers_of

    return shopify.server.store.transact(
        lambda state: {
            int(c["id"]): {
                tuple(str(a.get(k) or "") for k in (*REST, "phone")) for a in c.get("addresses") or []
            }
            for c in customers_of(state, "synco-demo.myshopify.com")
        },
        write=False,
    )


def _order_address(raw: dict) -> tuple[str, ...]:
    return tuple(str(raw.get(k) or "") for k in (*GRAPHQL, "phone"))


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
    saved = _saved_addresses(shopify)
    last_partner = max(odoo.execute("res.partner", "search", ALL))

    for order in orders:
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
        sync_order(order.pk)

    synced = Order.objects.filter(pk__in=[o.pk for o in orders], sync_status=SyncStatus.SYNCED)
    assert synced.count() >= 10, [o.sync_error for o in Order.objects.filter(pk__in=[o.pk for o in orders])][
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
        (int(o.payload["customer"]["legacyResourceId"]), _order_address(o.payload[kind]))
        for o in synced
        for kind in ("billingAddress", "shippingAddress")
        if o.payload.get(kind)
    }
    unsaved = {address for customer_id, address in used if address not in saved.get(customer_id, set())}
    assert {row["street"] for row in new} == {address[3] for address in unsaved}
    assert len(unsaved) < len(used)  # most orders went to addresses the import brought
