"""GET /api/v1/orders/ and /api/v1/orders/{id}/: the orders page's list and filters, the order page's detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Order, SyncStatus
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, OrderRules, Shop
from synco.shopify.types import parse_order
from tests.factories import order_node

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orders/"


def _order(shop: Shop, shopify_id: int, name: str, **fields: Any) -> Order:
    node = order_node(id=f"gid://shopify/Order/{shopify_id}", name=name)
    parsed = parse_order(node)
    values: dict[str, Any] = {
        "shop": shop,
        "shopify_id": shopify_id,
        "gid": parsed.gid,
        "name": name,
        "created_at": parsed.created_at,
        "updated_at": parsed.updated_at,
        "total_price": parsed.total,
        "customer_name": "Jane Doe",
        "email": "jane.doe@example.com",
        "payload": node,
        "financial_status": "PAID",
        **fields,
    }
    return Order.objects.create(**values)


def _names(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [row["name"] for row in answer.json()["results"]]


def _six_orders(shop: Shop) -> None:
    _order(shop, 1, "#1", eligible=True)
    _order(shop, 2, "#2", risk_reason="high risk")
    _order(shop, 3, "#3", sync_status=SyncStatus.QUEUED)
    _order(shop, 4, "#4", sync_status=SyncStatus.SYNCED, odoo_id=4, odoo_name="S4")
    _order(shop, 5, "#5", sync_status=SyncStatus.FAILED, sync_error="x")
    _order(shop, 6, "#6", sync_status=SyncStatus.SYNCED, odoo_id=6, odoo_name="S6", odoo_invoice_id=9)


# -- the list ------------------------------------------------------------------------------------


def test_it_lists_the_shops_orders_newest_first_with_their_state(keyed):
    _order(keyed.shop, 1, "#1001", created_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    _order(
        keyed.shop,
        2,
        "#1002",
        created_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        sync_status=SyncStatus.FAILED,
        sync_error="No Odoo product has the SKU 'X'",
        eligible=True,
    )

    answer = keyed.read.get(LIST)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"next", "previous", "results"}
    assert [row["name"] for row in body["results"]] == ["#1002", "#1001"]
    failed = body["results"][0]
    assert failed["sync_status"] == "failed"
    assert failed["sync_state"] == {
        "key": "failed",
        "label": "Failed",
        "busy": False,
        "error": "No Odoo product has the SKU 'X'",
        "at": None,
        "next_attempt": 0,
        "max_attempts": 0,
    }
    assert failed["action"] == "retry"
    assert failed["total"] == "61.77" and failed["currency"] == "USD"
    # the shop's offset (Europe/Paris: UTC+1 in November)
    assert failed["created_at"] == "2026-11-02T10:00:00+01:00"
    assert failed["odoo"] == {"sale_order": None, "invoice": None, "payment": None}
    # not eligible: no button, as on the page
    assert body["results"][1]["action"] == "" and body["results"][1]["eligible"] is False


def test_each_row_names_the_pages_button_for_it(keyed):
    _six_orders(keyed.shop)

    actions = {row["name"]: row["action"] for row in keyed.read.get(LIST).json()["results"]}

    # #2 is not eligible (the page shows "Not eligible"), #5 failed but is not eligible either
    assert actions == {"#1": "sync", "#2": "", "#3": "", "#4": "", "#5": "", "#6": ""}
    Order.objects.filter(shop=keyed.shop, name="#5").update(eligible=True)
    assert keyed.read.get(LIST, {"status": "failed"}).json()["results"][0]["action"] == "retry"


@pytest.mark.parametrize(
    ("status_filter", "expected"),
    [
        ("all", {"#1", "#2", "#3", "#4", "#5", "#6"}),
        ("eligible", {"#1"}),
        ("not_synced", {"#1", "#2"}),
        ("in_progress", {"#3"}),
        ("synced", {"#4", "#6"}),
        ("sale_order", {"#4"}),
        ("invoice", {"#6"}),
        ("failed", {"#5"}),
        ("needs_review", set()),
        ("risky", {"#2"}),
    ],
)
def test_every_tab_of_the_page_filters_the_same_rows(keyed, status_filter, expected):
    _six_orders(keyed.shop)

    assert set(_names(keyed.read.get(LIST, {"status": status_filter}))) == expected


def test_an_unknown_status_is_refused_with_the_tabs(keyed):
    answer = keyed.read.get(LIST, {"status": "fail"})

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["status"] == [
        "Choose a status among: all, synced, not_synced, eligible, sale_order, invoice, failed, needs_review, "
        "in_progress, risky."
    ]


def test_the_search_ignores_case_and_accents_as_on_the_page(keyed):
    _order(keyed.shop, 1, "#1001", customer_name="José Müller", email="jose@example.com")
    _order(keyed.shop, 2, "#1002")

    assert _names(keyed.read.get(LIST, {"q": "MULLER"})) == ["#1001"]
    assert _names(keyed.read.get(LIST, {"q": "josé@"})) == ["#1001"]
    assert _names(keyed.read.get(LIST, {"q": "#1002"})) == ["#1002"]


def test_the_date_range_takes_the_shops_days_both_inclusive(keyed):
    paris_midnight = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # 10 Nov 00:30 in Paris
    _order(keyed.shop, 1, "#early", created_at=paris_midnight - timedelta(hours=1))  # 9 Nov 23:30 Paris
    _order(keyed.shop, 2, "#first", created_at=paris_midnight)
    _order(keyed.shop, 3, "#last", created_at=datetime(2026, 11, 11, 22, 59, tzinfo=UTC))  # 11 Nov 23:59
    _order(keyed.shop, 4, "#late", created_at=datetime(2026, 11, 11, 23, 0, tzinfo=UTC))  # 12 Nov 00:00

    names = _names(keyed.read.get(LIST, {"created_from": "2026-11-10", "created_to": "2026-11-11"}))

    assert names == ["#last", "#first"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_from": "10/11/2026"}, "created_from"),
        ({"created_to": "9999-12-31"}, "created_to"),
        ({"created_from": "2026-11-12", "created_to": "2026-11-10"}, "created_to"),
    ],
)
def test_a_wrong_date_is_a_400_naming_the_field(keyed, params, field):
    answer = keyed.read.get(LIST, params)

    assert answer.status_code == 400
    assert list(answer.json()["error"]["fields"]) == [field]


def test_filters_combine_like_on_the_page(keyed):
    _six_orders(keyed.shop)
    Order.objects.filter(shop=keyed.shop, name__in=["#4", "#6"]).update(customer_name="Zoë Ortiz")

    assert _names(keyed.read.get(LIST, {"status": "invoice", "q": "zoe"})) == ["#6"]


def test_the_cursor_pages_through_every_order_once_even_as_new_ones_arrive(keyed):
    same_time = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(1, 8):
        _order(keyed.shop, n, f"#{n}", created_at=same_time if n <= 4 else same_time + timedelta(minutes=n))

    seen: list[str] = []
    answer = keyed.read.get(LIST, {"limit": 3}).json()
    seen += [row["name"] for row in answer["results"]]
    _order(keyed.shop, 99, "#new", created_at=same_time + timedelta(days=1))  # arrives while paging
    while answer["next"]:
        answer = keyed.read.get(answer["next"]).json()
        seen += [row["name"] for row in answer["results"]]

    assert seen == ["#7", "#6", "#5", "#4", "#3", "#2", "#1"]


def test_the_list_costs_as_many_queries_for_fifty_orders_as_for_one(keyed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    OdooConnection.objects.create(
        shop=keyed.shop,
        url="http://127.0.0.1:9",
        database="db",
        login="admin",
        secret="x",
        circuit_open_until=timezone.now() + timedelta(minutes=1),
    )
    _order(keyed.shop, 1, "#1", sync_status=SyncStatus.SYNCED, odoo_id=1, odoo_name="S1", odoo_invoice_id=2)
    with CaptureQueriesContext(connection) as one:
        assert keyed.read.get(LIST).status_code == 200
    for n in range(2, 51):
        _order(keyed.shop, n, f"#{n}", sync_status=SyncStatus.QUEUED, odoo_id=n, odoo_payment_id=n)

    with django_assert_max_num_queries(len(one)):
        answer = keyed.read.get(LIST)

    rows = answer.json()["results"]
    assert len(rows) == 50
    # every queued row knows Odoo's circuit is open, and links its documents, from the one connection read
    assert rows[0]["sync_state"]["key"] == "waiting_for_odoo"
    assert (
        rows[0]["odoo"]["payment"]["url"]
        == f"http://127.0.0.1:9/odoo/account.payment/{rows[0]['odoo']['payment']['id']}"
    )


def test_another_shops_orders_never_appear_whatever_the_filter(keyed, other_shop):
    _order(keyed.shop, 1, "#mine", eligible=True)
    _order(other_shop.shop, 2, "#theirs", eligible=True, customer_name="Jane Doe")

    for params in (
        {},
        {"status": "eligible"},
        {"q": "jane"},
        {"q": "theirs"},
        {"created_from": "2000-01-01"},
    ):
        assert "#theirs" not in _names(keyed.read.get(LIST, params))
    assert _names(other_shop.read.get(LIST)) == ["#theirs"]


def test_it_needs_a_key(client):
    answer = client.get(LIST)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"


# -- the detail ----------------------------------------------------------------------------------


def test_the_detail_has_the_shopify_side_the_odoo_documents_the_totals_and_the_attempts(keyed):
    OdooConnection.objects.create(
        shop=keyed.shop, url="https://odoo.example.com", database="db", login="admin", secret="x"
    )
    OrderRules.objects.create(shop=keyed.shop, totals_tolerance=Decimal("0.05"))
    order = _order(
        keyed.shop,
        1,
        "#1001",
        sync_status=SyncStatus.SYNCED,
        odoo_model="sale.order",
        odoo_id=41,
        odoo_name="S00041",
        odoo_state="sale",
        odoo_total=Decimal("61.80"),
        totals_difference=Decimal("0.03"),
        odoo_invoice_id=7,
        odoo_invoice_name="INV/2026/0007",
        odoo_payment_id=8,
        synced_at=datetime(2026, 11, 20, 14, 10, tzinfo=UTC),
    )
    older = SyncAttempt.objects.create(
        shop=keyed.shop,
        order=order,
        object_ref=order.name,
        operation="create_sale_order",
        status=SyncAttempt.Status.FAILED,
        message="Odoo did not answer",
        started_at=datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
        duration_ms=30000,
    )
    newer = SyncAttempt.objects.create(
        shop=keyed.shop,
        order=order,
        object_ref=order.name,
        operation="create_sale_order",
        status=SyncAttempt.Status.SUCCESS,
        message="Created S00041",
        attempt=2,
        started_at=datetime(2026, 11, 20, 14, 9, tzinfo=UTC),
        duration_ms=812,
        odoo_model="sale.order",
        odoo_id=41,
    )

    answer = keyed.read.get(f"{LIST}{order.pk}/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["name"] == "#1001" and body["customer_name"] == "Jane Doe"
    assert body["sync_state"]["key"] == "synced" and body["action"] == ""
    assert body["synced_at"] == "2026-11-20T15:10:00+01:00"
    assert body["odoo"] == {
        "sale_order": {
            "id": 41,
            "name": "S00041",
            "state": "sale",
            "state_label": "Sales order",
            "total": "61.80",
            "url": "https://odoo.example.com/odoo/sale.order/41",
        },
        "invoice": {"id": 7, "name": "INV/2026/0007", "url": "https://odoo.example.com/odoo/account.move/7"},
        "payment": {"id": 8, "name": "", "url": "https://odoo.example.com/odoo/account.payment/8"},
    }
    assert body["totals"] == {
        "currency": "USD",
        "shopify_total": "61.77",
        "odoo_total": "61.80",
        "difference": "0.03",
        "tolerance": "0.05",
        "invoiced_net": "61.80",
    }
    lines = body["shopify"]["lines"]
    shirt = next(line for line in lines if line["title"] == "Organic T-Shirt - M")
    assert shirt == {
        "title": "Organic T-Shirt - M",
        "sku": "SKU-TSHIRT-M",
        "quantity": 2,
        "current_quantity": None,
        "unit_price": "25.00",
        "discount": "5.00",
        "tax": "6.75",
        "total": "45.00",
        "is_shipping": False,
    }
    assert any(line["is_shipping"] and line["title"] == "Shipping: Standard" for line in lines)
    assert [a["id"] for a in body["attempts"]] == [newer.pk, older.pk]
    assert body["attempts"][0] == {
        "id": newer.pk,
        "started_at": "2026-11-20T15:09:00+01:00",
        "operation": "create_sale_order",
        "outcome": "success",
        "message": "Created S00041",
        "attempt": 2,
        "duration_ms": 812,
        "odoo_model": "sale.order",
        "odoo_id": 41,
    }
    assert body["more_attempts"] is False


def test_the_detail_says_when_the_next_try_is_and_why(keyed, settings):
    at = timezone.now() + timedelta(minutes=4)
    order = _order(
        keyed.shop,
        1,
        "#1001",
        sync_status=SyncStatus.QUEUED,
        next_retry_at=at,
        sync_error="Odoo timed out",
        sync_attempts=2,
    )

    state = keyed.read.get(f"{LIST}{order.pk}/").json()["sync_state"]

    assert state["key"] == "retrying" and state["label"] == "Waiting to retry" and state["busy"] is False
    assert state["error"] == "Odoo timed out"
    assert datetime.fromisoformat(state["at"]) == at.replace(microsecond=at.microsecond)
    assert (state["next_attempt"], state["max_attempts"]) == (3, settings.SYNCO_MAX_ATTEMPTS)


def test_a_redacted_customer_stays_redacted(keyed):
    from synclogs.models import WebhookReceipt
    from synco.shopify_app.webhook_handlers import process_webhook

    order = _order(keyed.shop, 5550001001, "#1001")
    receipt = WebhookReceipt.objects.create(
        shop=keyed.shop,
        shop_domain=keyed.shop.domain,
        topic="customers/redact",
        event_id="redact-1",
        payload={
            "shop_id": 954889,
            "shop_domain": keyed.shop.domain,
            "customer": {"id": 7001, "email": "jane.doe@example.com"},
            "orders_to_redact": [5550001001],
        },
    )
    process_webhook(receipt.pk)

    for answer in (keyed.read.get(f"{LIST}{order.pk}/"), keyed.read.get(LIST)):
        text = answer.content.decode()
        assert "jane.doe@example.com" not in text and "Jane Doe" not in text
    body = keyed.read.get(f"{LIST}{order.pk}/").json()
    assert (body["customer_name"], body["email"]) == ("(redacted)", "")
    assert _names(keyed.read.get(LIST, {"q": "jane"})) == []


def test_an_unreadable_order_says_why_and_has_no_lines(keyed):
    order = _order(keyed.shop, 1, "#1001", parse_error="lineItems: missing")

    body = keyed.read.get(f"{LIST}{order.pk}/").json()

    assert body["shopify"] == {"unreadable": "lineItems: missing", "lines": [], "current_total": None}
    assert body["sync_state"]["key"] == "invalid"


def test_another_shops_order_is_a_404(keyed, other_shop):
    theirs = _order(other_shop.shop, 1, "#theirs")

    answer = keyed.read.get(f"{LIST}{theirs.pk}/")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert "#theirs" not in answer.content.decode()
