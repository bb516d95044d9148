"""The order detail page: the Shopify order, what Synco made of it in Odoo, the totals and every attempt."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, OrderRules, Shop
from tests.factories import money, order_node
from tests.orders.helpers import queued_order, stored_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def odoo_down(odoo):
    odoo.control(down=True)
    yield odoo
    odoo.control(down=False)


def _detail(client, order, **headers):
    response = client.get(reverse("orders:detail", args=[order.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def _synced(order: Order, **fields: object) -> Order:
    values: dict[str, object] = {
        "sync_status": SyncStatus.SYNCED,
        "odoo_model": "sale.order",
        "odoo_id": 41,
        "odoo_name": "SHOP#1001",
        "odoo_state": "sale",
        "odoo_total": Decimal("61.77"),
        "totals_difference": Decimal("0.00"),
        "synced_at": timezone.now(),
        **fields,
    }
    Order.objects.filter(pk=order.pk).update(**values)
    order.refresh_from_db()
    return order


def _attempt(order: Order, minutes_ago: int, message: str, **fields: object) -> SyncAttempt:
    values: dict[str, object] = {
        "shop": order.shop,
        "order": order,
        "object_ref": order.name,
        "operation": "create_sale_order",
        "status": SyncAttempt.Status.FAILED,
        "message": message,
        "started_at": timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    }
    return SyncAttempt.objects.create(**values)


def test_it_shows_the_shopify_order_lines_shipping_taxes_and_totals(merchant_client, shop):
    order = stored_order(shop, order_node())

    html = _detail(merchant_client, order)

    assert '<s-page heading="Order #1001"' in html
    lines = html.split('class="order-lines"', 1)[1].split("</s-table>", 1)[0]
    # the T-shirt line: 2 x $25.00, $5.00 off (a negative amount), $6.75 tax, $45.00
    shirt = lines.split("Organic T-Shirt - M", 1)[1].split("</s-table-row>", 1)[0]
    assert "SKU SKU-TSHIRT-M" in shirt
    assert [
        cell for cell in ("2", "$25.00", "-$5.00", "$6.75", "$45.00") if f">{cell}</s-table-cell>" in shirt
    ] == [
        "2",
        "$25.00",
        "-$5.00",
        "$6.75",
        "$45.00",
    ]
    assert "Shipping: Standard" in lines and ">$5.99</s-table-cell>" in lines
    totals = html.split('class="facts totals order-totals"', 1)[1].split("</dl>", 1)[0]
    assert '<dt>Subtotal</dt><dd class="num">$48.50</dd>' in totals
    assert '<dt>Discounts</dt><dd class="num">-$5.00</dd>' in totals
    assert '<dt>Tax</dt><dd class="num">$7.28</dd>' in totals
    assert ">$61.77 USD</dd>" in totals and "Customer paid" not in totals
    # the customer and both addresses (the merchant's own data)
    assert "jane.doe@example.com" in html and "500 Howard St" in html and "1 Market St" in html
    assert "<li>shopify_payments · Sale · Success · $61.77</li>" in html


def test_it_shows_what_the_customer_paid_in_another_currency(merchant_client, shop):
    node = order_node(
        presentmentCurrencyCode="EUR",
        totalPriceSet={
            "shopMoney": {"amount": "61.77", "currencyCode": "USD"},
            "presentmentMoney": {"amount": "57.10", "currencyCode": "EUR"},
        },
    )

    html = _detail(merchant_client, stored_order(shop, node))

    assert '<dt>Customer paid</dt><dd class="num">€57.10 EUR</dd>' in html


def test_it_shows_shopify_amounts_with_the_currencys_decimals_never_as_sent(merchant_client, shop):
    # given Shopify's amounts as its API writes them: "64.8", "22.0", no trailing zeros
    node = order_node(
        totalPriceSet=money("64.8"), subtotalPriceSet=money("22.0"), totalShippingPriceSet=money("6.9")
    )

    html = _detail(merchant_client, stored_order(shop, node))

    totals = html.split('class="facts totals order-totals"', 1)[1].split("</dl>", 1)[0]
    assert '<dt>Subtotal</dt><dd class="num">$22.00</dd>' in totals
    assert '<dt>Shipping</dt><dd class="num">$6.90</dd>' in totals
    assert "data-shopify-total>$64.80 USD</dd>" in totals
    assert not re.search(r"[^\d.]64\.8[^\d]|[^\d.]22\.0[^\d]|[^\d.]6\.9[^\d]", html)


def test_it_shows_a_yen_order_without_decimals(merchant_client, shop):
    node = order_node(
        currencyCode="JPY",
        presentmentCurrencyCode="JPY",
        totalPriceSet=money("6480", "JPY"),
        subtotalPriceSet=money("6000", "JPY"),
    )

    html = _detail(merchant_client, stored_order(shop, node))

    totals = html.split('class="facts totals order-totals"', 1)[1].split("</dl>", 1)[0]
    assert '<dt>Subtotal</dt><dd class="num">¥6,000</dd>' in totals
    assert "data-shopify-total>¥6,480 JPY</dd>" in totals


def test_an_unreadable_order_still_has_a_page_that_says_why(merchant_client, shop):
    order = Order.objects.create(
        shop=shop,
        shopify_id=77,
        gid="gid://shopify/Order/77",
        name="#77",
        created_at=timezone.now(),
        updated_at=timezone.now(),
        payload={"id": "gid://shopify/Order/77", "totalPriceSet": money("abc")},
        parse_error="totalPriceSet: 'abc' is not an amount",
    )

    html = _detail(merchant_client, order)

    assert (
        "Synco cannot read this order." in html and "totalPriceSet: &#x27;abc&#x27; is not an amount" in html
    )
    assert "order-lines" not in html and 'aria-label="Sync #77"' not in html


def test_a_payload_that_no_longer_parses_is_reported_not_a_500(merchant_client, shop):
    order = stored_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(payload={"id": "gid://shopify/Order/5550001001"})

    html = _detail(merchant_client, order)

    assert "Synco cannot read this order." in html and "createdAt is missing" in html


def test_it_shows_the_odoo_documents_with_links_and_matching_totals(merchant_client, shop):
    order = _synced(
        stored_order(shop, order_node()),
        odoo_invoice_id=77,
        odoo_invoice_name="INV/2026/00077",
        odoo_payment_id=12,
    )
    base = f"http://127.0.0.1:{shop.odoo.port}/odoo"

    html = _detail(merchant_client, order)

    assert f'href="{base}/sale.order/41"' in html and "SHOP#1001" in html and "(id 41)" in html
    assert "<dd data-odoo-state>Sales order</dd>" in html
    assert f'href="{base}/account.move/77"' in html and "INV/2026/00077" in html
    assert f'href="{base}/account.payment/12"' in html and "(id 12)" in html
    assert "<s-table-cell data-odoo-total>$61.77 USD</s-table-cell>" in html
    assert "<s-table-cell data-difference>$0.00</s-table-cell>" in html and "Totals match." in html
    assert "The totals differ." not in html


def test_it_flags_totals_that_differ_with_the_reason_the_order_was_held(merchant_client, shop):
    order = _synced(
        stored_order(shop, order_node()),
        sync_status=SyncStatus.NEEDS_REVIEW,
        odoo_state="draft",
        odoo_total=Decimal("62.17"),
        totals_difference=Decimal("0.40"),
        review_reason="Odoo total 62.17 differs from Shopify total 61.77 by +0.40 (tolerance 0.01).",
    )

    html = _detail(merchant_client, order)

    assert "<s-table-cell data-difference>+$0.40</s-table-cell>" in html
    assert '<s-table-row class="totals-differ">' in html and "The totals differ." in html
    assert "by +0.40 (tolerance 0.01)." in html and "<dd data-odoo-state>Quotation</dd>" in html
    assert 'aria-label="Retry #1001"' in html


def test_a_small_difference_within_the_tolerance_says_it_was_accepted(merchant_client, shop):
    OrderRules.objects.filter(shop=shop).update(totals_tolerance=Decimal("0.05"))
    order = _synced(
        stored_order(shop, order_node()), odoo_total=Decimal("61.74"), totals_difference=Decimal("-0.03")
    )

    html = _detail(merchant_client, order)

    assert "<s-table-cell data-difference>-$0.03</s-table-cell>" in html
    assert "Within the tolerance of $0.05 set in the order rules, so it was accepted." in html


def test_it_lists_every_attempt_of_this_order_newest_first_with_links_to_the_log(merchant_client, shop):
    order = stored_order(shop, order_node())
    other = stored_order(shop, order_node(id="gid://shopify/Order/2", name="#1002"))
    oldest = _attempt(order, 30, "Odoo did not answer in time.")
    newest = _attempt(
        order, 1, "Created SHOP#1001.", status=SyncAttempt.Status.SUCCESS, attempt=2, rpc_calls=3
    )
    _attempt(other, 5, "not this order's")

    html = _detail(merchant_client, order)

    attempts = html.split('id="order-attempts"', 1)[1]
    assert attempts.index("Created SHOP#1001.") < attempts.index("Odoo did not answer in time.")
    assert "not this order&#x27;s" not in html
    assert f'href="/logs/{newest.pk}/"' in attempts and f'href="/logs/{oldest.pk}/"' in attempts
    assert f'href="/logs/?order={order.pk}"' in attempts


def test_an_order_without_attempts_says_so(merchant_client, shop):
    html = _detail(merchant_client, stored_order(shop, order_node()))

    assert "No attempt yet" in html and "Nothing has been written to Odoo for this order yet." in html
    assert 'aria-label="Sync #1001"' in html and 'aria-label="Preview #1001"' in html


def test_the_page_reads_the_database_only_with_a_bounded_number_of_queries(merchant_client, shop, request):
    order = _synced(stored_order(shop, order_node()))
    _attempt(order, 1, "first")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            _detail(merchant_client, order)
        return len(captured)

    one = queries()
    for minute in range(2, 80):
        _attempt(order, minute, f"attempt {minute}")
    request.getfixturevalue("odoo_down")  # the page never calls Odoo

    assert queries() == one
    html = _detail(merchant_client, order)
    assert "The newest 50 are shown" in html and len(re.findall(r'href="/logs/\d+/"', html)) == 50


def test_sync_from_the_detail_page_answers_with_the_sync_panel_that_polls(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    order = stored_order(shop, order_node())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(
            reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-live"
        )

    html = response.content.decode()
    assert len(callbacks) == 1
    assert html.startswith(f'<div id="order-live" class="order-live" hx-get="/orders/{order.pk}/"')
    assert 'hx-trigger="every 1s"' in html and " Queued</s-badge>" in html and "<s-table-row id=" not in html
    assert "Sync of #1001 started." in response["HX-Trigger"]


def test_the_sync_panel_stops_polling_and_announces_the_result_when_done(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())
    polling = merchant_client.get(
        reverse("orders:detail", args=[order.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-live"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in polling and "order-announcer" not in polling

    # when the worker writes the order into the Odoo sandbox
    sync_order(order.pk)

    html = merchant_client.get(
        reverse("orders:detail", args=[order.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-live"
    ).content.decode()
    order.refresh_from_db()
    [sale] = odoo.sale_orders(order.origin)
    assert "hx-trigger" not in html and "<html" not in html
    assert f"{sale['name']}" in html and f"(id {sale['id']})" in html and "Totals match." in html
    assert (
        '<section id="order-attempts" class="card order-attempts" aria-labelledby="attempts-heading" hx-swap-oob="true">'
        in html
    )
    assert (
        f'<div id="order-announcer" hx-swap-oob="innerHTML"><p>#1001: Synced, {sale["name"]} in Odoo.</p></div>'
        in html
    )


def test_refresh_from_odoo_reads_the_documents_as_odoo_has_them_now(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    odoo.execute("sale.order", "write", [order.odoo_id], {"note": "touched"})

    html = merchant_client.get(
        reverse("orders:odoo", args=[order.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert f"{order.odoo_name} · <span data-live-state>Sales order</span>" in html
    assert '<dd class="num-inline" data-live-total>$61.77 USD' in html and "Changed in Odoo" not in html


def test_refresh_from_odoo_says_clearly_when_odoo_is_down(merchant_client, shop, odoo_down):
    order = _synced(stored_order(shop, order_node()))

    html = merchant_client.get(
        reverse("orders:odoo", args=[order.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert '<div class="odoo-live-error" role="alert">' in html and "Could not read from Odoo." in html
    assert ">Try again</s-button>" in html


def test_refresh_from_odoo_before_anything_was_written(merchant_client, shop):
    order = stored_order(shop, order_node())

    html = merchant_client.get(reverse("orders:odoo", args=[order.pk])).content.decode()

    assert "Nothing has been written to Odoo for this order yet." in html


# -- tenancy ----------------------------------------------------------------------------------------


@pytest.fixture
def foreign_order(db):
    other = Shop.objects.create(domain="other.myshopify.com", access_token="shpat_other")
    OdooConnection.objects.create(
        shop=other, url="http://odoo.other:8069", database="theirs", login="x", secret="their-secret"
    )
    order = stored_order(other, order_node(id="gid://shopify/Order/99", name="#THEIRS"))
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.IN_PROGRESS)
    _attempt(order, 1, "their log")
    return order


@pytest.mark.parametrize("name", ["orders:detail", "orders:odoo"])
def test_another_shops_order_is_not_found(merchant_client, shop, foreign_order, name):
    response = merchant_client.get(reverse(name, args=[foreign_order.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 404
    assert "#THEIRS" not in response.content.decode()


def test_another_shops_order_cannot_be_synced_from_the_detail_panel(merchant_client, shop, foreign_order):
    response = merchant_client.post(
        reverse("orders:sync", args=[foreign_order.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-live"
    )

    assert response.status_code == 404
    foreign_order.refresh_from_db()
    assert foreign_order.sync_status == SyncStatus.IN_PROGRESS


def test_the_rows_poll_ignores_ids_of_another_shop(merchant_client, shop, foreign_order):
    html = merchant_client.get(reverse("orders:rows"), {"pending": [foreign_order.pk]}).content.decode()

    assert "#THEIRS" not in html and "<tr" not in html


# -- inside the Shopify admin -----------------------------------------------------------------------


def test_the_detail_page_renders_inside_the_shopify_admin(client, shop, settings):
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": f"https://{shop.domain}/admin",
            "dest": f"https://{shop.domain}",
            "aud": settings.SHOPIFY_API_KEY,
            "sub": "42",
            "exp": now + 60,
            "nbf": now,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": "s1",
        },
        settings.SHOPIFY_API_SECRET,
        algorithm="HS256",
    )
    order = stored_order(shop, order_node())

    page = client.get(reverse("orders:detail", args=[order.pk]), {"id_token": token, "shop": shop.domain})
    panel = client.get(
        reverse("orders:detail", args=[order.pk]),
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-live",
    )

    assert page.status_code == 200 and '<s-page heading="Order #1001"' in page.content.decode()
    assert page["Content-Security-Policy"].startswith(f"frame-ancestors https://{shop.domain}")
    assert panel.status_code == 200 and 'id="order-live"' in panel.content.decode()
