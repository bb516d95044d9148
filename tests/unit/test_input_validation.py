"""Hostile filter input on every list, fragment and export: a specific message on the page (or a 400 for an
export), never a 500, and never the previous results left on screen as if the filter had been applied."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.forms import OrderFilterForm
from synclogs.forms import AttemptFilterForm
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.filters import MAX_DAY, MIN_DAY, error_messages, parse_id, parse_ids, parse_page_number
from tests.factories import order_node
from tests.orders.helpers import stored_order
from tests.synclogs.helpers import row_ids

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Choose a date between 2000 and 2099."
# value -> what the page says about it (None: a valid empty filter).
DATES = {
    "9999-12-31": OUT_OF_RANGE,
    "0001-01-01": OUT_OF_RANGE,
    "1999-12-31": OUT_OF_RANGE,
    "2100-01-01": OUT_OF_RANGE,
    "10000-01-01": "is not a date: use YYYY-MM-DD.",
    "2026-02-30": "is not a date: use YYYY-MM-DD.",
    "abc": "is not a date: use YYYY-MM-DD.",
    "-1": "is not a date: use YYYY-MM-DD.",
    str(2**70): "is not a date: use YYYY-MM-DD.",
    "NaN": "is not a date: use YYYY-MM-DD.",
    "31/12/2026": "is not a date: use YYYY-MM-DD.",
}
NUMBERS = ["abc", "-1", "0", str(2**70), "9223372036854775808", "NaN", "1e3", "²", "", " 1", "1.5"]
# (url name, start field, start label, end field, end label)
DATE_PAGES = [
    ("synclogs:list", "date_from", "From", "date_to", "To"),
    ("synclogs:webhooks", "date_from", "From", "date_to", "To"),
    ("orders:list", "created_from", "Created from", "created_to", "Created to"),
]
HTMX_TARGET = {
    "synclogs:list": "log-results",
    "synclogs:webhooks": "log-results",
    "orders:list": "order-table",
}


@pytest.fixture
def rows(shop):
    """One order, one attempt and one webhook receipt, all on 2026-11-20 (UTC)."""
    order = stored_order(shop, order_node(name="#7788"))
    SyncAttempt.objects.create(
        shop=shop,
        order=order,
        object_ref=order.name,
        operation="create_sale_order",
        started_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
    )
    WebhookReceipt.objects.create(
        shop=shop,
        shop_domain=shop.domain,
        topic="orders/paid",
        event_id="e-valid",
        status=WebhookReceipt.Status.PROCESSED,
        message="Order #7788 re-fetched: created.",
    )
    return order


def _get(client, name, params, htmx):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": HTMX_TARGET[name]} if htmx else {}
    return client.get(reverse(name), params, **headers)


def _listed(name, html):
    if name == "synclogs:list":
        return row_ids(html)
    if name == "synclogs:webhooks":
        return row_ids(html, "webhook")
    # The row's element may be a <tr> or a Polaris <s-table-row>: its id is what identifies it.
    return re.findall(r' id="order-(\d+)"', html)


@pytest.mark.parametrize(("name", "start", "start_label", "end", "end_label"), DATE_PAGES)
@pytest.mark.parametrize("value", list(DATES))
@pytest.mark.parametrize("side", ["start", "end"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_date_is_named_on_the_page(
    merchant_client, rows, name, start, start_label, end, end_label, value, side, htmx
):
    field, label = (start, start_label) if side == "start" else (end, end_label)

    response = _get(merchant_client, name, {field: value}, htmx)

    assert response.status_code == 200
    html = response.content.decode()
    assert DATES[value] in html
    assert f"“{label}”" in html
    if name.startswith("synclogs"):
        # The log lists nothing rather than rows a filter was meant to narrow.
        assert "Some filters are not valid" in html
        assert _listed(name, html) == []
    else:
        # The orders page keeps its rows and says the range is not applied (the tabs still work meanwhile).
        assert "The date range is not applied until it is corrected." in html


@pytest.mark.parametrize(("name", "start", "start_label", "end", "end_label"), DATE_PAGES)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_reversed_range_is_named_on_the_page(
    merchant_client, rows, name, start, start_label, end, end_label, htmx
):
    response = _get(merchant_client, name, {start: "2026-11-21", end: "2026-11-20"}, htmx)

    assert response.status_code == 200
    assert f"“{end_label}” must not be before “{start_label}”." in response.content.decode()


@pytest.mark.parametrize(("name", "start", "start_label", "end", "end_label"), DATE_PAGES)
def test_the_edges_of_the_range_and_empty_dates_are_accepted(
    merchant_client, rows, name, start, start_label, end, end_label
):
    for params in ({start: "", end: ""}, {start: MIN_DAY.isoformat(), end: MAX_DAY.isoformat()}):
        response = _get(merchant_client, name, params, True)

        assert response.status_code == 200
        html = response.content.decode()
        assert "not a date" not in html and OUT_OF_RANGE not in html
        assert _listed(name, html) != []


@pytest.mark.parametrize("value", list(DATES))
@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_the_csv_export_answers_400_with_a_plain_message(merchant_client, rows, value, field):
    response = merchant_client.get(reverse("synclogs:export"), {field: value})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert body.startswith("The export was not made: ")
    assert DATES[value] in body
    assert "Traceback" not in body


def test_the_csv_export_refuses_a_reversed_range(merchant_client, rows):
    response = merchant_client.get(
        reverse("synclogs:export"), {"date_from": "2026-11-21", "date_to": "2026-11-20"}
    )

    assert response.status_code == 400
    assert response.content.decode() == "The export was not made: “To” must not be before “From”."


@pytest.mark.parametrize("value", [v for v in NUMBERS if v.strip() != "1" and v])
def test_the_log_and_its_export_refuse_an_order_that_is_not_an_id(merchant_client, rows, value):
    page = merchant_client.get(reverse("synclogs:list"), {"order": value}, HTTP_HX_REQUEST="true")
    export = merchant_client.get(reverse("synclogs:export"), {"order": value})

    assert page.status_code == 200
    assert "The order to show is not an order id." in page.content.decode()
    assert row_ids(page.content.decode()) == []
    assert export.status_code == 400
    assert export.content.decode() == "The export was not made: The order to show is not an order id."


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize("name", ["synclogs:list", "synclogs:webhooks"])
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_cursor_that_is_not_one_starts_at_the_newest_row(merchant_client, rows, value, name, direction):
    response = _get(merchant_client, name, {direction: value}, True)

    assert response.status_code == 200
    assert _listed(name, response.content.decode()) != []


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/orders/", "page"),
        ("/orders/rows/", "pending"),
        ("/products/", "page"),
        ("/products/", "state"),
        ("/products/odoo-only/", "after"),
        ("/customers/duplicates/", "page"),
        ("/stock/", "polls"),
        ("/stock/", "drift_after"),
        ("/stock/", "repair"),
    ],
)
def test_page_numbers_ids_and_polls_that_are_not_numbers_are_ignored(
    merchant_client, rows, url, param, value
):
    response = merchant_client.get(url, {param: value}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    if url == "/orders/" and param == "page":
        assert "#7788" in response.content.decode()  # the first page


@pytest.mark.parametrize("value", NUMBERS)
def test_a_stock_repair_of_rows_that_are_not_ids_repairs_nothing(merchant_client, rows, value):
    response = merchant_client.post(reverse("stock:repair"), {"row": value}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Select the rows to repair first." in response["HX-Trigger"]


# -- the shared parsing, directly --------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_the_bounds_of_the_first_and_last_days_are_datetimes_in_any_zone(zone):
    form = OrderFilterForm({"created_from": MIN_DAY.isoformat(), "created_to": MAX_DAY.isoformat()})
    with timezone.override(ZoneInfo(zone)):
        start, end = form.created_range()

    assert start is not None and end is not None
    assert start.astimezone(UTC).date() in (MIN_DAY - timedelta(days=1), MIN_DAY)
    assert end.astimezone(UTC).date() in (date(2100, 1, 1), date(2099, 12, 31), date(2100, 1, 2))
    assert str(start.tzinfo) == zone and str(end.tzinfo) == zone


def test_the_orders_days_are_the_shops_days(merchant_client, shop):
    shop.iana_timezone = "Pacific/Auckland"
    shop.save(update_fields=["iana_timezone"])
    # 2026-11-19 12:00 UTC is 2026-11-20 01:00 in Auckland (NZDT, +13).
    stored_order(shop, order_node(name="#8801", createdAt="2026-11-19T12:00:00Z"))

    nov_20 = merchant_client.get(
        reverse("orders:list"), {"created_from": "2026-11-20", "created_to": "2026-11-20"}
    )
    nov_19 = merchant_client.get(
        reverse("orders:list"), {"created_from": "2026-11-19", "created_to": "2026-11-19"}
    )

    assert "#8801" in nov_20.content.decode()
    assert "#8801" not in nov_19.content.decode()


def test_the_log_days_are_the_shops_as_its_times_are_shown(shop):
    form = AttemptFilterForm({"date_from": "2026-11-20", "date_to": "2026-11-20"})
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        assert form.is_valid()
        start, end = form.day_bounds()

    # Auckland is UTC+13 in November: its Nov 20 runs from 11:00 UTC on Nov 19 to 11:00 UTC on Nov 20.
    assert start == datetime(2026, 11, 19, 11, tzinfo=UTC)
    assert end == datetime(2026, 11, 20, 11, tzinfo=UTC)


def test_every_error_names_its_field_once():
    form = AttemptFilterForm({"date_from": "9999-12-31", "date_to": "abc", "order": "x"})

    assert not form.is_valid()
    assert error_messages(form) == [
        f"“From”: {OUT_OF_RANGE}",
        "“To” is not a date: use YYYY-MM-DD.",
        "The order to show is not an order id.",
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "02", "9223372036854775807"], [1, 2, 9223372036854775807]),
        (["0", "-1", "²", "1e3", "9223372036854775808", str(2**70), "abc", "", " 1"], []),
    ],
)
def test_ids_are_ascii_digits_within_64_bits(values, expected):
    assert parse_ids(values) == expected
    assert parse_id(values[0]) == (expected[0] if expected else None)


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), ("0", 1), ("-2", 1), ("²", 1), (str(2**70), 1), (None, 1), ("abc", 1)]
)
def test_page_numbers_fall_back_to_the_first_page(value, expected):
    assert parse_page_number(value) == expected
