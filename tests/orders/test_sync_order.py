from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from orders.models import Order, SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, Shop
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db


def _queued_order(shop: Shop, **overrides: object) -> Order:
    return queued_order(shop, order_node(**overrides))


def test_it_creates_and_confirms_the_sale_order_in_odoo(shop, odoo):
    # given
    order = _queued_order(shop)

    # when
    sync_order(order.pk)

    # then: Odoo has exactly one order with Shopify's lines, totals and date
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["name"] == "SHOP#1001"
    assert sale["client_order_ref"] == "#1001"
    assert sale["state"] == "sale"
    assert sale["date_order"] == "2026-11-20 14:03:00"
    assert (sale["amount_untaxed"], sale["amount_tax"], sale["amount_total"]) == (54.49, 7.28, 61.77)
    lines = odoo.execute(
        "sale.order.line",
        "read",
        sale["order_line"],
        fields=["product_uom_qty", "price_unit", "discount", "tax_id", "is_delivery"],
    )
    assert [(line["product_uom_qty"], line["price_unit"], line["discount"]) for line in lines] == [
        (2.0, 22.5, 0.0),  # Shopify's 5.00 discount netted into the price: Odoo's 2-digit % can't hold all
        (1.0, 3.5, 0.0),
        (1.0, 5.99, 0.0),
    ]
    assert [line["is_delivery"] for line in lines] == [False, False, True]
    # the partner was created with separate invoice and delivery addresses
    partner = odoo.execute("res.partner", "read", [sale["partner_id"][0]], fields=["email", "ref"])[0]
    assert partner["email"] == "jane.doe@example.com"
    assert partner["ref"] == "shopify:customer:7001"
    assert sale["partner_invoice_id"][0] != sale["partner_shipping_id"][0]
    customer_log = SyncAttempt.objects.get(object_type="customer")
    assert customer_log.message == (
        f"Created Shopify customer 7001 in Odoo as partner #{partner['id']} (external id shopify.customer_synco_demo_7001)."
    )
    assert "Jane" not in customer_log.message and "jane.doe" not in customer_log.message
    # and the row and the log say so
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert order.odoo_id == sale["id"]
    assert order.odoo_name == "SHOP#1001"
    assert order.odoo_total == Decimal("61.77")
    attempt = SyncAttempt.objects.get(order=order)
    assert attempt.summary["sale_order"]["amount_total"] == "61.77"
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert (
        attempt.message
        == f"Created confirmed sale order SHOP#1001 (id {sale['id']}) in Odoo; total $61.77 USD. Totals match ($61.77)."
    )
    assert attempt.rpc_calls > 0
    assert attempt.duration_ms is not None


def test_it_finds_the_existing_odoo_order_instead_of_creating_a_second(shop, odoo):
    order = _queued_order(shop)
    sync_order(order.pk)
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)

    sync_order(order.pk)

    assert len(odoo.sale_orders("shopify:order:5550001001")) == 1
    latest = SyncAttempt.objects.filter(order=order).first()
    assert latest is not None and latest.message.startswith("Found existing confirmed sale order SHOP#1001")


def test_it_creates_a_quotation_when_the_rules_say_so(shop, odoo):
    shop.rules.create_as = "quotation"
    shop.rules.save()
    order = _queued_order(shop)

    sync_order(order.pk)

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["state"] == "draft"


def test_it_uses_the_guest_customer_for_an_order_without_customer(shop, odoo):
    order = _queued_order(shop, customer=None, email=None)

    sync_order(order.pk)

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    guest = odoo.execute("res.partner", "read", [sale["partner_id"][0]], fields=["name", "ref"])[0]
    assert guest == {"id": sale["partner_id"][0], "name": "Shopify guest customer", "ref": "shopify:guest"}


def test_it_fails_with_the_unknown_sku_and_creates_nothing(shop, odoo):
    node = order_node()
    node["lineItems"]["nodes"][0]["sku"] = "SKU-DISCONTINUED"
    node["lineItems"]["nodes"][0]["variant"]["sku"] = "SKU-DISCONTINUED"
    node["lineItems"]["nodes"][0]["variant"]["barcode"] = "4006381333931"
    order = _queued_order(shop, lineItems=node["lineItems"])

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert order.sync_error == (
        "No Odoo product has the SKU 'SKU-DISCONTINUED' (line 'Organic T-Shirt - M'): create it in Odoo with this "
        "Internal Reference, or turn on 'create missing products', then retry."
    )
    assert odoo.sale_orders("shopify:order:5550001001") == []
    assert SyncAttempt.objects.get(order=order).message == order.sync_error


def test_it_fails_clearly_on_a_wrong_password_without_revealing_it(shop, odoo, caplog):
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "Wr0ng-Pa55word"
    connection.save()
    order = _queued_order(shop)

    with caplog.at_level(logging.DEBUG):
        sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert order.sync_error == (
        f"Odoo refused the login at http://127.0.0.1:{odoo.port} (database 'synco_demo'): "
        "check the login and the password or API key."
    )
    attempt = SyncAttempt.objects.get(order=order)
    assert attempt.status == SyncAttempt.Status.FAILED
    assert "Wr0ng-Pa55word" not in attempt.message
    assert "Wr0ng-Pa55word" not in caplog.text
    assert odoo.sale_orders("shopify:order:5550001001") == []


def test_it_retries_later_when_odoo_cannot_be_reached(shop, odoo, unused_tcp_port):
    OdooConnection.objects.filter(shop=shop).update(url=f"http://127.0.0.1:{unused_tcp_port}")
    order = _queued_order(shop)

    delay = sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert order.sync_error == (
        f"Cannot connect to Odoo at http://127.0.0.1:{unused_tcp_port} (database 'synco_demo'): "
        "connection refused. Is the server up?"
    )
    assert 15 <= delay <= 30  # first retry: base 30 s with jitter
    attempt = SyncAttempt.objects.get(order=order)
    assert attempt.message.endswith(f"Retrying in {delay:.0f} s (attempt 1 of 6).")


def test_it_fails_clearly_on_a_database_that_does_not_exist(shop, odoo):
    OdooConnection.objects.filter(shop=shop).update(database="no_such_db")
    order = _queued_order(shop)

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_error == (
        f"The Odoo database 'no_such_db' does not exist on http://127.0.0.1:{odoo.port} (database 'no_such_db'): "
        "check the database name."
    )


def test_it_ignores_an_order_that_is_not_queued(shop, odoo):
    order = _queued_order(shop)
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.SYNCED)

    sync_order(order.pk)

    assert odoo.sale_orders("shopify:order:5550001001") == []
    assert not SyncAttempt.objects.filter(order=order).exists()
