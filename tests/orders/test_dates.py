"""Invoice and payment dates: the shop's setting, in the shop's time zone, and a payment never before its invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from orders.dates import ORDER_DATE, PAID_DATE, SYNC_DATE, accounting_dates, shop_zone
from orders.services import sweep_shop, sync_order
from sandboxes.shopify.store import SHOP_TIMEZONE
from synco.models import OrderRules, Shop
from synco.shopify.types import parse_order
from tests.factories import money, order_node
from tests.orders.helpers import queued_order

ORIGIN = "shopify:order:5550001001"
AUCKLAND = shop_zone("Pacific/Auckland")  # UTC+13 in November (daylight saving)
LOS_ANGELES = shop_zone("America/Los_Angeles")  # UTC-8 in November


def _order(processed: str, paid: str):
    node = order_node(processedAt=processed, createdAt=processed)
    node["transactions"] = [
        {
            "id": "gid://shopify/OrderTransaction/1",
            "gateway": "shopify_payments",
            "kind": "AUTHORIZATION",
            "status": "SUCCESS",
            "processedAt": processed,
            "test": False,
            "amountSet": money("61.77"),
        },
        {
            "id": "gid://shopify/OrderTransaction/2",
            "gateway": "shopify_payments",
            "kind": "CAPTURE",
            "status": "SUCCESS",
            "processedAt": paid,
            "test": False,
            "amountSet": money("61.77"),
        },
    ]
    return parse_order(node)


NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_a_paid_date_is_the_day_in_auckland_not_in_utc():
    # placed on the 20th 23:30 Auckland time (10:30 UTC), captured on the 21st 09:30 Auckland (20th 20:30 UTC)
    order = _order("2026-11-20T10:30:00Z", "2026-11-20T20:30:00Z")

    dates = accounting_dates(order, PAID_DATE, AUCKLAND, NOW)

    assert (dates.invoice_date, dates.payment_date) == (date(2026, 11, 21), date(2026, 11, 21))
    assert dates.payment_note == ""


def test_an_order_date_is_the_day_in_los_angeles_not_in_utc():
    # placed on the 20th 23:50 in Los Angeles (21st 07:50 UTC), captured the 22nd 00:10 Los Angeles time
    order = _order("2026-11-21T07:50:00Z", "2026-11-22T08:10:00Z")

    dates = accounting_dates(order, ORDER_DATE, LOS_ANGELES, NOW)

    assert (dates.invoice_date, dates.payment_date) == (date(2026, 11, 20), date(2026, 11, 22))


def test_the_sync_date_is_todays_date_in_the_shop_and_the_payment_moves_to_it():
    order = _order("2026-11-20T10:30:00Z", "2026-11-20T20:30:00Z")

    dates = accounting_dates(order, SYNC_DATE, AUCKLAND, NOW)  # 25th 03:00 UTC = 25th 16:00 in Auckland

    assert dates.invoice_date == date(2026, 11, 25)
    assert dates.payment_date == date(2026, 11, 25)  # never before the invoice
    assert "2026-11-21" in dates.payment_note


@pytest.mark.parametrize(
    ("source", "zone"),
    [(s, z) for s in (ORDER_DATE, PAID_DATE, SYNC_DATE) for z in ("Pacific/Auckland", "America/Los_Angeles")],
)
def test_a_payment_never_predates_its_invoice(source, zone):
    for processed, paid in (
        ("2026-11-20T10:30:00Z", "2026-11-20T10:31:00Z"),
        ("2026-11-20T23:59:00Z", "2026-11-21T00:01:00Z"),
        ("2026-11-21T07:50:00Z", "2026-11-23T08:10:00Z"),
    ):
        dates = accounting_dates(_order(processed, paid), source, shop_zone(zone), NOW)
        assert dates.payment_date >= dates.invoice_date


def test_an_unknown_zone_falls_back_to_utc():
    assert shop_zone("Mars/Olympus_Mons").key == "UTC"
    assert shop_zone("").key == "UTC"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "invoice_date"),
    [("paid_date", "2026-11-21"), ("order_date", "2026-11-21"), ("sync_date", None)],
)
def test_odoo_gets_the_invoice_and_payment_dates_in_the_shops_zone(shop, odoo, source, invoice_date):
    # given: an Auckland shop; the order placed and paid on the 21st 09:30 there (the 20th 20:30 UTC)
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="Pacific/Auckland")
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE, invoice_date_source=source
    )
    node = order_node(processedAt="2026-11-20T20:30:00Z", createdAt="2026-11-20T20:30:00Z")
    node["transactions"][0]["processedAt"] = "2026-11-20T20:30:00Z"
    order = queued_order(shop, node)

    # when
    sync_order(order.pk)

    # then
    order.refresh_from_db()
    [invoice] = odoo.execute(
        "account.move",
        "read",
        [order.odoo_invoice_id],
        fields=["invoice_date", "state", "matched_payment_ids"],
    )
    [payment] = odoo.execute("account.payment", "read", invoice["matched_payment_ids"], fields=["date"])
    today_in_auckland = datetime.now(UTC).astimezone(AUCKLAND).date().isoformat()
    assert invoice["state"] == "posted"
    assert invoice["invoice_date"] == (invoice_date or today_in_auckland)
    assert payment["date"] == (invoice_date or today_in_auckland)
    assert payment["date"] >= invoice["invoice_date"]


@pytest.mark.django_db
def test_the_order_page_shows_times_in_the_shops_zone(merchant_client, shop):
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="Pacific/Auckland")
    order = queued_order(shop, order_node())  # created 2026-11-20 14:03 UTC = the 21st 03:03 in Auckland

    html = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "Nov 21, 2026 03:03" in html
    assert "Times in Pacific/Auckland" in html


@pytest.mark.django_db
def test_the_sweep_stores_the_shops_zone_as_shopify_has_it(shop, shopify):
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token, iana_timezone="UTC")

    sweep_shop(shop.pk)

    shop.refresh_from_db()
    assert shop.iana_timezone == SHOP_TIMEZONE
