"""Per-shop external ids: two shops on one Odoo never share the guest partner or a pricelist by accident."""

from __future__ import annotations

import pytest

from customers.models import CustomerLink
from orders.models import SyncStatus
from orders.services import sync_order
from synco.models import OdooConnection, OrderRules, Shop
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db


def _second_shop(odoo) -> Shop:
    shop = Shop.objects.create(domain="other-store.myshopify.com", name="Other", access_token="shpat_unused")
    OdooConnection.objects.create(
        shop=shop,
        url=f"http://127.0.0.1:{odoo.port}",
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=ODOO_PASSWORD,
    )
    OrderRules.objects.create(shop=shop)
    return shop


def _xmlids(odoo, model: str) -> dict[str, int]:
    rows = odoo.execute(
        "ir.model.data",
        "search_read",
        [["model", "=", model], ["module", "=", "shopify"]],
        fields=["name", "res_id"],
    )
    return {row["name"]: row["res_id"] for row in rows}


def test_two_shops_on_one_odoo_get_their_own_guest_partner_and_pricelist(shop, odoo):
    other = _second_shop(odoo)
    guest_order = {"customer": None, "email": None, "currencyCode": "EUR"}
    first = queued_order(shop, order_node(**guest_order))
    second = queued_order(
        other,
        order_node(
            **guest_order, id="gid://shopify/Order/5550009001", legacyResourceId="5550009001", name="#9001"
        ),
    )

    sync_order(first.pk)
    sync_order(second.pk)

    for order in (first, second):
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    [sale_a] = odoo.sale_orders("shopify:order:5550001001")
    [sale_b] = odoo.sale_orders("shopify:order:5550009001")
    partners = _xmlids(odoo, "res.partner")
    assert partners["customer_guest_synco_demo"] == sale_a["partner_id"][0]
    assert partners["customer_guest_other_store"] == sale_b["partner_id"][0]
    assert sale_a["partner_id"][0] != sale_b["partner_id"][0]
    assert "customer_guest" not in partners  # the old shared key is never written again
    pricelists = _xmlids(odoo, "product.pricelist")
    assert set(pricelists) == {"pricelist_synco_demo_eur", "pricelist_other_store_eur"}
    assert pricelists["pricelist_synco_demo_eur"] != pricelists["pricelist_other_store_eur"]


def test_the_old_shared_guest_partner_is_not_reused(shop, odoo):
    old_guest = odoo.execute(
        "res.partner", "load", ["id", "name"], [["shopify.customer_guest", "Guest of every shop"]]
    )["ids"][0]
    order = queued_order(shop, order_node(customer=None, email=None))

    sync_order(order.pk)

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["partner_id"][0] != old_guest
    assert _xmlids(odoo, "res.partner")["customer_guest_synco_demo"] == sale["partner_id"][0]


def test_a_customer_created_under_the_old_key_is_still_found(shop, odoo):
    legacy = odoo.execute(
        "res.partner",
        "load",
        ["id", "name", "email"],
        [["shopify.customer_7001", "Jane (2025)", "old@example.com"]],
    )["ids"][0]
    partners_before = odoo.execute("res.partner", "search_count", [])
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["partner_id"][0] == legacy
    assert CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id == legacy
    # only the order's two addresses were added under the legacy partner, no second Jane
    assert odoo.execute("res.partner", "search_count", []) == partners_before + 2
