"""Out-of-range ids, dates, cursors and numbers: refused by validation with a message, never a 500.

Each case is a value a hand-edited URL or form can carry: a journal id of 10**23, the year 0001, the last day
Python can represent, a keyset cursor past year 9999, negative and non-numeric numbers, huge page numbers.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import ImportRun, Order
from synclogs.models import SyncAttempt, WebhookReceipt
from synclogs.views import decode_cursor
from synco.models import OrderRules
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db
HUGE = str(10**23)
BIG_CURSORS = ["999999999999999999-1", "-999999999999999999-1", "1-99999999999999999999", "0-0"]
LOG_URLS = ["synclogs:list", "synclogs:webhooks"]
BAD_DATES = [
    {"date_from": "0001-01-01"},
    {"date_to": "9999-12-31"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    {"date_to": "0000-01-01"},
    {"date_from": "99999-01-01"},
]


@pytest.fixture
def logged(shop):
    order = stored_order(shop, order_node(name="#7788"))
    SyncAttempt.objects.create(
        shop=shop,
        order=order,
        object_ref=order.name,
        operation="create_sale_order",
        started_at=timezone.now(),
    )
    WebhookReceipt.objects.create(
        shop=shop,
        shop_domain=shop.domain,
        topic="orders/paid",
        event_id="e-range",
        status=WebhookReceipt.Status.PROCESSED,
        message=f"Order {order.name} re-fetched: created.",
    )
    return order


# -- the sync log: list, its HTMX fragment, the webhooks tab, the CSV export, the detail -----------------


@pytest.mark.parametrize("name", LOG_URLS)
@pytest.mark.parametrize("params", BAD_DATES)
@pytest.mark.parametrize("htmx", [False, True])
def test_the_log_pages_refuse_dates_out_of_range_with_a_message(merchant_client, logged, name, params, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = merchant_client.get(reverse(name), params, **headers)

    assert response.status_code == 200
    assert b"log-state-error" in response.content
    assert logged.name.encode() not in response.content  # nothing is listed under a refused filter


@pytest.mark.parametrize("name", LOG_URLS)
@pytest.mark.parametrize("cursor", BIG_CURSORS)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_the_log_pages_ignore_a_cursor_out_of_range(merchant_client, logged, name, cursor, direction):
    response = merchant_client.get(reverse(name), {direction: cursor}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200


@pytest.mark.parametrize("cursor", [*BIG_CURSORS, "99999999999999999999-1"])
def test_a_cursor_out_of_range_decodes_to_no_position(cursor):
    assert decode_cursor(cursor) is None


@pytest.mark.parametrize("order", [HUGE, "-1", "0", "abc", "9223372036854775808"])
def test_the_log_refuses_an_order_id_out_of_range(merchant_client, logged, order):
    response = merchant_client.get(reverse("synclogs:list"), {"order": order}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert logged.name.encode() not in response.content


@pytest.mark.parametrize(
    "params",
    [*BAD_DATES, {"order": HUGE}, {"order": "-5"}, {"date_from": "2026-02-30"}],
)
def test_the_csv_export_answers_400_with_the_reason(merchant_client, logged, params):
    response = merchant_client.get(reverse("synclogs:export"), params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.startswith(b"The export was not made: ")


@pytest.mark.parametrize("pk", [HUGE, "9223372036854775808", "9223372036854775807"])
def test_the_log_detail_of_a_huge_id_is_not_found(merchant_client, logged, pk):
    response = merchant_client.get(f"/logs/{pk}/")

    assert response.status_code == 404


def test_a_date_range_at_the_edges_still_lists_the_rows(merchant_client, logged):
    response = merchant_client.get(
        reverse("synclogs:list"), {"date_from": "2000-01-01", "date_to": "2099-12-31"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert logged.name.encode() in response.content


# -- the orders page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "0001-01-01"},
        {"created_to": "9999-12-31"},
        {"created_from": "0001-01-01", "created_to": "9999-12-31"},
        {"page": str(10**30)},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "²"},
        {"status": "x" * 500},
        {"q": "x" * 5000},
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_the_orders_page_answers_out_of_range_filters_without_error(merchant_client, shop, params, htmx):
    stored_order(shop, order_node())
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = merchant_client.get(reverse("orders:list"), params, **headers)

    assert response.status_code == 200


@pytest.mark.parametrize("params", [{"created_from": "0001-01-01"}, {"created_to": "9999-12-31"}])
def test_the_orders_page_says_which_date_is_out_of_range_and_does_not_apply_it(merchant_client, shop, params):
    order = stored_order(shop, order_node())

    response = merchant_client.get(reverse("orders:list"), params, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b"Choose a date between" in response.content
    assert order.name.encode() in response.content  # the refused filter is not applied


@pytest.mark.parametrize("pk", [HUGE, "9223372036854775808"])
@pytest.mark.parametrize("suffix", ["", "odoo/", "row/", "preview/"])
def test_order_urls_with_a_huge_id_are_not_found(merchant_client, shop, pk, suffix):
    response = merchant_client.get(f"/orders/{pk}/{suffix}")

    assert response.status_code == 404


@pytest.mark.parametrize("pk", [HUGE, "9223372036854775808"])
@pytest.mark.parametrize("url", ["/orders/batches/{pk}/", "/orders/rows/?pending={pk}"])
def test_order_polls_with_a_huge_id_answer_without_error(merchant_client, shop, pk, url):
    response = merchant_client.get(url.format(pk=pk), HTTP_HX_REQUEST="true")

    assert response.status_code in (200, 404)


@pytest.mark.parametrize("pk", [HUGE, "9223372036854775808"])
def test_a_bulk_sync_of_a_huge_id_queues_nothing(merchant_client, shop, pk):
    response = merchant_client.post(reverse("orders:bulk_sync"), {"order": [pk]}, HTTP_HX_REQUEST="true")

    assert response.status_code in (200, 204)
    assert not Order.objects.filter(shop=shop).exclude(sync_status="not_synced").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"created_from": "0001-01-01", "created_to": "2026-01-01"},
        {"created_from": "2026-01-01", "created_to": "9999-12-31"},
    ],
)
def test_a_backfill_out_of_range_is_refused(merchant_client, shop, data):
    response = merchant_client.post(reverse("orders:backfill"), data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Trigger"]
    assert not ImportRun.objects.filter(shop=shop).exists()


# -- settings forms --------------------------------------------------------------------------------------

RULES = {
    "create_as": "sale_order",
    "order_prefix": "SHOP",
    "use_shopify_order_number": "on",
    "sync_note": "on",
    "sync_tags": "on",
    "sweep_interval_minutes": "15",
    "financial_statuses": ["PAID"],
    "exclude_test_orders": "on",
    "risk_threshold": "HIGH",
    "discount_mode": "line",
    "payment_journals": "* = 6",
    "totals_tolerance": "0.01",
    "totals_action": "accept",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_journals", f"* = {HUGE}"),
        ("payment_journals", "* = 2147483648"),
        ("payment_journals", "* = -1"),
        ("payment_journals", "* = ²"),
        ("payment_journals", "* = 7e3"),
        ("sweep_interval_minutes", "-5"),
        ("sweep_interval_minutes", HUGE),
        ("sweep_interval_minutes", "abc"),
        ("totals_tolerance", HUGE),
        ("totals_tolerance", "-1"),
        ("totals_tolerance", "NaN"),
        ("totals_tolerance", "Infinity"),
        ("created_after", "0001-01-01T00:00"),
        ("created_after", "9999-12-31T23:59"),
        ("created_after", "abc"),
    ],
)
def test_the_rules_form_refuses_values_out_of_range(merchant_client, shop, field, value):
    before = OrderRules.objects.filter(shop=shop).values().get()

    response = merchant_client.post(reverse("settings:rules"), {**RULES, field: value})

    assert response.status_code in (200, 400, 422)
    html = response.content.decode()
    # The field names its error: a Polaris field's `error` attribute, or a group's alert paragraph.
    field_error = re.search(rf'<s-[a-z-]+ id="id_{field}" name="{field}"[^>]* error="[^"]+"', html)
    assert field_error or 'class="error" role="alert"' in html
    assert OrderRules.objects.filter(shop=shop).values().get() == before


def test_the_rules_form_accepts_the_largest_odoo_journal_id(merchant_client, shop):
    merchant_client.post(reverse("settings:rules"), {**RULES, "payment_journals": "* = 2147483647"})

    assert OrderRules.objects.get(shop=shop).payment_journals == {"*": 2147483647}


@pytest.mark.parametrize("value", [HUGE, "2147483648", "-1", "0", "abc", "1e3"])
def test_the_matching_form_refuses_a_contact_id_out_of_range_without_asking_odoo(
    merchant_client, shop, odoo, value
):
    before = OrderRules.objects.filter(shop=shop).values().get()
    data: dict[str, Any] = {
        "product_match": "sku_barcode",
        "customer_match": "single",
        "single_partner_id": value,
        "guest_customer_name": "Shopify guest customer",
    }

    response = merchant_client.post(reverse("settings:matching"), data)

    assert response.status_code in (200, 400, 422)
    assert OrderRules.objects.filter(shop=shop).values().get() == before


@pytest.mark.parametrize("value", [HUGE, "²", "9" * 5000, "-1", "abc"])
def test_switching_to_a_shop_id_out_of_range_is_not_found(merchant_client, shop, value):
    response = merchant_client.post(reverse("switch_shop"), {"shop": value})

    assert response.status_code == 404
