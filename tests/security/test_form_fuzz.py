"""Any input to a form gets the form back, with its errors: never an exception, never a 500.

Every form is fuzzed twice: directly (an invalid form has errors and stores nothing; a valid one saves and
reads back) and through its real view, as the merchant, plain and with HTMX headers. The inputs mix valid
values (so the deeper checks run) with what breaks naive code: huge numbers, dates at the ends of the calendar,
digits that are not ASCII, NUL bytes, very long text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.forms import BackfillForm, OrderFilterForm
from orders.models import ImportRun
from synclogs.forms import AttemptFilterForm, WebhookFilterForm
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, OrderRules
from synco.pages.forms import (
    FINANCIAL_STATUSES,
    FULFILLMENT_STATUSES,
    MatchingForm,
    OdooConnectionForm,
    OrderRulesForm,
)

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGES = [
    "",
    " ",
    "0",
    "-1",
    "00",
    str(2**31),
    str(2**63),
    str(10**23),
    "9" * 400,
    "1e400",
    "-1e-400",
    "NaN",
    "inf",
    "-0",
    "0.001",
    "²",  # isdigit() is True, int() refuses it
    "١٢٣",  # Arabic-Indic digits
    "0x10",
    "1_000",
    "\x00",
    "a\x00b",
    "\u202e",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "a" * 5000,
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "10000-01-01",
    "-2026-01-01",
    "0000-00-00",
    "2026-11-20T25:61",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00",
    "\r\n",
]
junk = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(date.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
)


def form_data(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed values of any size for every field (so the form's own checks run), then 0-3 fields spoilt."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        data = {name: draw(strategy) for name, strategy in fields.items()}
        for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True)):
            data[name] = draw(st.one_of(junk, st.none(), st.lists(junk, max_size=3)))
        return {name: value for name, value in data.items() if value is not None}

    return build()


def choice(values: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [str(value) for value, _label in values] if isinstance(values[0], tuple) else values
    )


def number(low: int, high: int) -> st.SearchStrategy[str]:
    """Mostly within the usual range, often far outside it (to 10**25, past every integer column)."""
    return st.one_of(
        st.integers(low, high),
        st.integers(low, high),
        st.integers(-10, 10**25),
        st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**23]),
    ).map(str)


checkbox = st.sampled_from(["on", ""])
recent_day = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
# The ends of the calendar, and of the ranges the forms allow: where `day + 1` or a time zone overflows.
EDGE_DAYS = [date.min, date.max, date(1999, 12, 31), date(2000, 1, 1), date(2099, 12, 31), date(2100, 1, 1)]
any_day = st.one_of(st.sampled_from(EDGE_DAYS), recent_day, st.dates()).map(date.isoformat)
any_moment = st.one_of(
    st.sampled_from([datetime.min, datetime.max, datetime(1999, 12, 31, 23, 59), datetime(2100, 1, 1)]),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.datetimes(),
).map(lambda moment: moment.isoformat(timespec="minutes"))
words = st.text(max_size=40)
no_spaces = st.text(st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp")), max_size=20)
journal_line = st.one_of(
    st.tuples(st.sampled_from(["*", "shopify_payments", "paypal", "manual"]), number(1, 40)).map(" = ".join),
    st.tuples(
        st.one_of(st.sampled_from(["*", "paypal", " ", ""]), st.text(max_size=10)),
        st.sampled_from([" = ", "=", " : ", ""]),
        st.one_of(number(1, 40), junk),
    ).map("".join),
)

rules_data = form_data(
    create_as=choice(OrderRules.CreateAs.choices),
    order_prefix=st.one_of(no_spaces, st.text(max_size=25)),
    use_shopify_order_number=checkbox,
    sync_note=checkbox,
    sync_note_attributes=checkbox,
    sync_tags=checkbox,
    auto_sync=checkbox,
    sweep_interval_minutes=number(5, 1440),
    financial_statuses=st.lists(choice(FINANCIAL_STATUSES), max_size=4),
    fulfillment_statuses=st.lists(choice(FULFILLMENT_STATUSES), max_size=4),
    sources=words,
    created_after=any_moment,
    exclude_test_orders=checkbox,
    include_tags=words,
    exclude_tags=words,
    risk_threshold=choice(OrderRules._meta.get_field("risk_threshold").choices),
    auto_create_taxes=checkbox,
    discount_mode=choice(OrderRules.DiscountMode.choices),
    payment_journals=st.lists(journal_line, min_size=1, max_size=3, unique=True).map("\n".join),
    totals_tolerance=st.one_of(
        st.decimals(min_value=0, max_value=10, places=2), st.decimals(-(10**12), 10**12, places=3)
    ).map(str),
    totals_action=choice(OrderRules.TotalsAction.choices),
)
matching_data = form_data(
    product_match=choice(OrderRules.ProductMatch.choices),
    auto_create_products=checkbox,
    customer_match=choice(OrderRules.CustomerMatch.choices),
    single_partner_id=number(1, 10**6),
    guest_customer_name=words,
)
odoo_data = form_data(
    url=st.sampled_from(
        [
            "https://mycompany.odoo.com",
            "https://mycompany.odoo.com/odoo",
            "http://127.0.0.1:8069",
            "https://odoo.example.com:99999",
            "https://[::1]:8069/web/login",
            "ftp://odoo.example.com",
            "https://user:pw@odoo.example.com",
            "https://" + "a" * 300 + ".com",
            "https://xn--80ak6aa92e.com",
            "https://0x7f.1/",
            "https://10.0.0.1",
            "https://odoo.example.com/" + "p" * 3000,
        ]
    ),
    database=words,
    login=st.emails(),
    secret=words,
    protocol=choice(OdooConnection.Protocol.choices),
)
order_filter_data = form_data(
    status=choice(["all", "not_synced", "queued", "synced", "failed", "needs_review", "risky", "nope"]),
    q=st.text(max_size=120),
    created_from=any_day,
    created_to=any_day,
    page=number(1, 50),
)
backfill_data = form_data(created_from=any_day, created_to=any_day, mode=choice(["bulk", "backfill"]))
attempt_filter_data = form_data(
    date_from=any_day,
    date_to=any_day,
    ref=st.text(max_size=120),
    status=choice(SyncAttempt.Status.choices),
    object_type=choice(SyncAttempt.Object.choices),
    operation=choice(["create_sale_order", "import_orders", "some_new_operation", "Not An Operation"]),
    order=number(1, 10**6),
    after=junk,
    before=junk,
)
webhook_filter_data = form_data(
    date_from=any_day,
    date_to=any_day,
    topic=choice(["orders/create", "orders/paid", "app/uninstalled", "products/update", "nope"]),
    status=choice(WebhookReceipt.Status.choices),
    after=junk,
    before=junk,
)


def as_submitted(data: dict[str, Any]) -> QueryDict:
    """The data as a request carries it (a list is one field sent several times)."""
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return query


def _htmx(flag: bool) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"} if flag else {}


def _stored(model: Any, **lookup: Any) -> dict[str, Any]:
    return model_to_dict(model.objects.get(**lookup))


# -- settings forms, directly ------------------------------------------------------------------------------------


@FUZZ
@given(data=rules_data)
def test_it_validates_any_order_rules_input_without_an_exception(shop, data):
    before = _stored(OrderRules, shop=shop)
    form = OrderRulesForm(as_submitted(data), instance=OrderRules.objects.get(shop=shop))

    if form.is_valid():
        with transaction.atomic():
            form.save()
        stored = OrderRules.objects.get(shop=shop)
        assert stored.payment_journals == form.cleaned_data["payment_journals"]
        assert stored.sweep_interval_minutes == form.cleaned_data["sweep_interval_minutes"]
        assert stored.totals_tolerance == form.cleaned_data["totals_tolerance"]
    else:
        assert form.errors
        assert _stored(OrderRules, shop=shop) == before


@FUZZ
@given(data=matching_data)
def test_it_validates_any_matching_input_without_an_exception(shop, data):
    before = _stored(OrderRules, shop=shop)
    form = MatchingForm(as_submitted(data), instance=OrderRules.objects.get(shop=shop))

    if form.is_valid():
        with transaction.atomic():
            form.save()
        assert OrderRules.objects.get(shop=shop).customer_match == form.cleaned_data["customer_match"]
    else:
        assert form.errors
        assert _stored(OrderRules, shop=shop) == before


@FUZZ
@given(data=odoo_data)
def test_it_validates_any_odoo_connection_input_without_an_exception(shop, data):
    before = _stored(OdooConnection, shop=shop)
    form = OdooConnectionForm(as_submitted(data), instance=OdooConnection.objects.get(shop=shop))

    if form.is_valid():
        with transaction.atomic():
            form.save()
        assert OdooConnection.objects.get(shop=shop).url == form.cleaned_data["url"]
    else:
        assert form.errors
        assert _stored(OdooConnection, shop=shop) == before


# -- settings forms, through their pages --------------------------------------------------------------------------


@FUZZ
@given(data=rules_data, htmx=st.booleans())
def test_the_rules_page_answers_any_post_with_the_form(merchant_client, shop, data, htmx):
    before = _stored(OrderRules, shop=shop)

    response = merchant_client.post(reverse("settings:rules"), data, **_htmx(htmx))

    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _stored(OrderRules, shop=shop) == before


@FUZZ
@given(data=matching_data, htmx=st.booleans())
def test_the_matching_page_answers_any_post_with_the_form(merchant_client, shop, data, htmx):
    before = _stored(OrderRules, shop=shop)

    response = merchant_client.post(reverse("settings:matching"), data, **_htmx(htmx))

    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _stored(OrderRules, shop=shop) == before


@FUZZ
@given(data=odoo_data, htmx=st.booleans())
def test_the_odoo_page_answers_any_post_with_the_form(merchant_client, shop, data, htmx):
    before = _stored(OdooConnection, shop=shop)

    response = merchant_client.post(reverse("settings:odoo"), data, **_htmx(htmx))

    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _stored(OdooConnection, shop=shop) == before


# -- filters and the backfill form --------------------------------------------------------------------------------


@FUZZ
@given(data=order_filter_data)
def test_it_validates_any_order_filter_without_an_exception(data):
    form = OrderFilterForm(as_submitted(data))

    start, end = form.created_range()

    assert form.is_valid() or form.errors
    if start and end:
        assert start <= end


@FUZZ
@given(data=order_filter_data, htmx=st.booleans())
def test_the_orders_page_answers_any_filter(merchant_client, shop, data, htmx):
    response = merchant_client.get(reverse("orders:list"), data, **_htmx(htmx))

    assert response.status_code == 200


@FUZZ
@given(data=backfill_data)
def test_it_validates_any_backfill_range_without_an_exception(data):
    form = BackfillForm(as_submitted(data))

    if form.is_valid():
        assert form.cleaned_data["created_from"] <= form.cleaned_data["created_to"]
    else:
        assert form.errors


@FUZZ
@given(data=backfill_data, htmx=st.booleans())
def test_the_backfill_button_answers_any_range(merchant_client, shop, data, htmx):
    runs = ImportRun.objects.count()

    response = merchant_client.post(reverse("orders:backfill"), data, **_htmx(htmx))

    assert response.status_code == 200
    if not BackfillForm(as_submitted(data)).is_valid():
        assert ImportRun.objects.count() == runs


@FUZZ
@given(data=attempt_filter_data)
def test_it_validates_any_log_filter_without_an_exception(shop, data):
    form = AttemptFilterForm(as_submitted(data), operations=["create_sale_order"])

    if form.is_valid():
        list(form.filter(shop))  # the query runs
        assert set(form.query_params()) <= set(form.fields)
    else:
        assert form.errors


@FUZZ
@given(data=attempt_filter_data, htmx=st.booleans(), export=st.booleans())
def test_the_sync_log_and_its_export_answer_any_filter(merchant_client, shop, data, htmx, export):
    url = reverse("synclogs:export" if export else "synclogs:list")

    response = merchant_client.get(url, data, **_htmx(htmx))

    assert response.status_code in (200, 400, 422)
    if response.streaming:
        b"".join(response.streaming_content)


@FUZZ
@given(data=webhook_filter_data)
def test_it_validates_any_webhook_filter_without_an_exception(shop, data):
    form = WebhookFilterForm(as_submitted(data))

    if form.is_valid():
        list(form.filter(shop))  # the query runs
    else:
        assert form.errors


@FUZZ
@given(data=webhook_filter_data, htmx=st.booleans())
def test_the_webhook_log_answers_any_filter(merchant_client, shop, data, htmx):
    response = merchant_client.get(reverse("synclogs:webhooks"), data, **_htmx(htmx))

    assert response.status_code in (200, 400, 422)
