"""The order path follows the shop's customer matching: e-mail, then the phone number when the shop asks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import CustomerLink, CustomerSettings
from orders.models import Order, SyncStatus
from orders.services import sync_order
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db


def _node_without_email():
    node = order_node(email=None)
    node["customer"] = {**node["customer"], "defaultEmailAddress": None}  # phone +14155550100 only
    return node


def _contact_with_janes_phone(odoo) -> int:
    us = odoo.execute("res.country", "search", [["code", "=", "US"]])[0]
    return odoo.execute(
        "res.partner", "create", {"name": "J. Doe", "phone": "(415) 555-0100", "country_id": us}
    )


def test_an_order_finds_the_contact_by_phone_when_the_shop_matches_phones(shop, odoo):
    existing = _contact_with_janes_phone(odoo)
    CustomerSettings.objects.create(shop=shop, match_phone=True)
    order = queued_order(shop, _node_without_email())

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["partner_id"][0] == existing
    assert CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id == existing


def test_without_the_setting_the_phone_is_not_matched(shop, odoo):
    existing = _contact_with_janes_phone(odoo)
    order = queued_order(shop, _node_without_email())

    sync_order(order.pk)

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["partner_id"][0] != existing
    assert not CustomerSettings.objects.filter(shop=shop).exists()  # reading the setting creates nothing


def test_the_preview_says_the_contact_is_found_by_phone(merchant_client, shop, odoo):
    existing = _contact_with_janes_phone(odoo)
    CustomerSettings.objects.create(shop=shop, match_phone=True)
    order = queued_order(shop, _node_without_email())
    Order.objects.filter(pk=order.pk).update(sync_status="not_synced")

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    assert f"Existing partner #{existing} (same phone number)" in html
