"""The sync log and the webhooks received through the API: the log pages' filters, pages, redaction and exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from orders.models import SyncStatus
from synclogs.models import SyncAttempt, WebhookReceipt
from synclogs.views import summary_sections
from synco.models import OdooConnection
from tests.factories import order_node
from tests.orders.helpers import stored_order
from tests.synclogs.helpers import NOW, attempt

pytestmark = pytest.mark.django_db

ITEM_FIELDS = {
    "id",
    "started_at",
    "finished_at",
    "object_type",
    "object_ref",
    "operation",
    "operation_label",
    "attempt",
    "status",
    "message",
    "odoo_model",
    "odoo_id",
    "duration_ms",
    "rpc_calls",
    "order_id",
}


def _all(client, url, **params):
    """Every item of a cursor-paged list, following `next`."""
    items, answer = [], client.get(url, params)
    while True:
        assert answer.status_code == 200, answer.content
        body = answer.json()
        items += body["results"]
        if not body["next"]:
            return items
        answer = client.get(body["next"])


def _webhook(shop, number, topic="orders/updated", status="processed", received_at=NOW, **fields):
    receipt = WebhookReceipt.objects.create(
        shop=shop,
        shop_domain=shop.domain,
        topic=topic,
        event_id=f"event-{shop.pk}-{number}",
        status=status,
        payload={"email": "lea@example.com", "id": number},
        headers={"X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl"},
        **fields,
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=received_at)
    return receipt


@pytest.fixture
def merchant(keyed, client, django_user_model):
    user = django_user_model.objects.create_user("logs-merchant", password="pw-logs-1")
    keyed.shop.users.add(user)
    client.force_login(user)
    return client


# -- list ---------------------------------------------------------------------------------------------


def test_it_lists_the_shops_attempts_newest_first_as_the_log_page(keyed):
    older = attempt(keyed.shop, "#1001", started_at=NOW - timedelta(hours=1))
    newer = attempt(
        keyed.shop,
        "#1002",
        status=SyncAttempt.Status.FAILED,
        message="Odoo refused the partner lea@example.com.",
        odoo_model="sale.order",
        odoo_id=42,
        finished_at=NOW + timedelta(seconds=1),
    )

    answer = keyed.read.get("/api/v1/logs/")

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"next", "previous", "results"}
    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]
    item = body["results"][0]
    assert set(item) == ITEM_FIELDS
    assert item == {
        "id": newer.pk,
        # The shop is in Paris: its offset, as the log page shows its time.
        "started_at": "2026-11-20T13:00:00+01:00",
        "finished_at": "2026-11-20T13:00:01+01:00",
        "object_type": "order",
        "object_ref": "#1002",
        "operation": "create_sale_order",
        "operation_label": "Sync order to Odoo",
        "attempt": 1,
        "status": "failed",
        "message": "Odoo refused the partner (e-mail redacted).",
        "odoo_model": "sale.order",
        "odoo_id": 42,
        "duration_ms": 120,
        "rpc_calls": 3,
        "order_id": None,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "failed"}, ["#2"]),
        ({"object_type": "product"}, ["#3"]),
        ({"operation": "stock_push"}, ["#4"]),
        ({"ref": "#1"}, ["#1"]),
        ({"ref": "100"}, ["#1001", "#1000"]),
        ({"status": "success", "object_type": "order"}, ["#1001", "#1000", "#1"]),
    ],
)
def test_the_filters_are_the_log_pages(keyed, params, expected):
    attempt(keyed.shop, "#1", started_at=NOW - timedelta(minutes=6))
    attempt(keyed.shop, "#2", status=SyncAttempt.Status.FAILED, started_at=NOW - timedelta(minutes=5))
    attempt(keyed.shop, "#3", object_type=SyncAttempt.Object.PRODUCT, started_at=NOW - timedelta(minutes=4))
    attempt(
        keyed.shop,
        "#4",
        object_type=SyncAttempt.Object.SHOP,
        operation="stock_push",
        started_at=NOW - timedelta(minutes=3),
    )
    attempt(keyed.shop, "#1000", started_at=NOW - timedelta(minutes=2))
    attempt(keyed.shop, "#1001", started_at=NOW - timedelta(minutes=1))

    items = _all(keyed.read, "/api/v1/logs/", **params)

    assert [item["object_ref"] for item in items] == expected


def test_the_order_filter_keeps_one_orders_attempts(keyed):
    order = stored_order(keyed.shop, order_node(id="gid://shopify/Order/77", name="#77"), SyncStatus.FAILED)
    mine = attempt(keyed.shop, "#77", order=order)
    attempt(keyed.shop, "#78")

    items = _all(keyed.read, "/api/v1/logs/", order=order.pk)

    assert [(item["id"], item["order_id"]) for item in items] == [(mine.pk, order.pk)]


def test_the_days_are_the_shops(keyed):
    # 23:30 UTC on Nov 30 is 00:30 on Dec 1 in Paris: it is in Dec 1.
    late = attempt(keyed.shop, "#1", started_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    attempt(keyed.shop, "#2", started_at=datetime(2026, 11, 30, 22, 30, tzinfo=UTC))

    items = _all(keyed.read, "/api/v1/logs/", date_from="2026-12-01", date_to="2026-12-01")

    assert [item["id"] for item in items] == [late.pk]
    assert items[0]["started_at"] == "2026-12-01T00:30:00+01:00"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "1999-12-31"}, "date_from", "Choose a date between 2000 and 2099."),
        ({"date_to": "9999-12-31"}, "date_to", "Choose a date between 2000 and 2099."),
        ({"date_from": "2026-13-01"}, "date_from", "“From” is not a date: use YYYY-MM-DD."),
        ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, "date_to", "“To” must not be before “From”."),
        (
            {"status": "exploded"},
            "status",
            "Select a valid choice. exploded is not one of the available choices.",
        ),
        ({"order": "12abc"}, "order", "The order to show is not an order id."),
        ({"ref": "x" * 101}, "ref", "Ensure this value has at most 100 characters (it has 101)."),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/logs/", "/api/v1/logs/export.csv", "/api/v1/logs/export.ndjson"])
def test_a_bad_filter_is_a_400_with_the_forms_message(keyed, url, params, field, message):
    attempt(keyed.shop)

    answer = keyed.read.get(url, params)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {field: [message]}


def test_cursor_pages_are_stable_while_new_rows_arrive(keyed):
    rows = [attempt(keyed.shop, f"#{n}", started_at=NOW - timedelta(minutes=n)) for n in range(5)]
    # two rows at the very same moment: the id breaks the tie
    twin = attempt(keyed.shop, "#twin", started_at=rows[2].started_at)

    first = keyed.read.get("/api/v1/logs/", {"limit": 3}).json()
    attempt(keyed.shop, "#new", started_at=NOW + timedelta(minutes=1))
    rest = _all(keyed.read, first["next"])

    seen = [item["id"] for item in first["results"]] + [item["id"] for item in rest]
    expected = [rows[0].pk, rows[1].pk, twin.pk, rows[2].pk, rows[3].pk, rows[4].pk]
    assert seen == expected


def test_a_limit_above_200_is_capped(keyed):
    for n in range(3):
        attempt(keyed.shop, f"#{n}", started_at=NOW - timedelta(minutes=n))

    answer = keyed.read.get("/api/v1/logs/", {"limit": 100000})

    assert answer.status_code == 200 and len(answer.json()["results"]) == 3


def test_a_list_costs_the_same_queries_for_5_rows_or_60(keyed, django_assert_max_num_queries):
    keyed.read.get("/api/v1/me/")  # the key's last use is recorded once a minute: not inside the count
    for n in range(5):
        attempt(keyed.shop, f"#{n}", started_at=NOW - timedelta(minutes=n))
    with django_assert_max_num_queries(2):
        assert len(keyed.read.get("/api/v1/logs/").json()["results"]) == 5

    for n in range(5, 60):
        attempt(
            keyed.shop, f"#{n}", started_at=NOW - timedelta(minutes=n), odoo_model="sale.order", odoo_id=n
        )
    with django_assert_max_num_queries(2):
        assert len(keyed.read.get("/api/v1/logs/", {"limit": 60}).json()["results"]) == 60
    with django_assert_max_num_queries(2):
        assert len(keyed.read.get("/api/v1/webhooks/").json()["results"]) == 0


# -- tenancy ------------------------------------------------------------------------------------------


def test_another_shops_rows_never_appear_and_their_ids_are_404(keyed, other_shop):
    mine = attempt(keyed.shop, "#1001", status=SyncAttempt.Status.FAILED)
    theirs = attempt(other_shop.shop, "#1001", status=SyncAttempt.Status.FAILED, message="theirs")
    my_receipt = _webhook(keyed.shop, 1)
    their_receipt = _webhook(other_shop.shop, 1)

    for params in ({}, {"status": "failed"}, {"ref": "1001"}, {"order": "1"}):
        ids = [item["id"] for item in _all(keyed.read, "/api/v1/logs/", **params)]
        assert theirs.pk not in ids
    assert [item["id"] for item in _all(keyed.read, "/api/v1/logs/")] == [mine.pk]
    assert keyed.read.get(f"/api/v1/logs/{theirs.pk}/").status_code == 404
    assert keyed.read.get(f"/api/v1/logs/{theirs.pk}/").json()["error"]["code"] == "not_found"
    csv_text = b"".join(keyed.read.get("/api/v1/logs/export.csv").streaming_content).decode()
    assert "theirs" not in csv_text and csv_text.count("\n") == 2
    ndjson = b"".join(keyed.read.get("/api/v1/logs/export.ndjson").streaming_content).decode()
    assert [json.loads(line)["id"] for line in ndjson.splitlines()] == [mine.pk]
    assert [item["id"] for item in _all(keyed.read, "/api/v1/webhooks/")] == [my_receipt.pk]
    assert keyed.read.get(f"/api/v1/webhooks/{their_receipt.pk}/").status_code == 404
    # and the other way round
    assert other_shop.read.get(f"/api/v1/logs/{mine.pk}/").status_code == 404
    assert other_shop.read.get(f"/api/v1/webhooks/{my_receipt.pk}/").status_code == 404


def test_it_needs_a_key(client, keyed):
    attempt(keyed.shop)
    for url in (
        "/api/v1/logs/",
        "/api/v1/logs/export.csv",
        "/api/v1/logs/export.ndjson",
        "/api/v1/webhooks/",
    ):
        assert client.get(url).status_code == 401


# -- detail -------------------------------------------------------------------------------------------


def test_the_detail_shows_the_summary_sections_redacted_as_the_page(keyed):
    connection = OdooConnection.objects.create(
        shop=keyed.shop,
        url="https://odoo.example.com",
        database="prod",
        login="api@example.com",
        secret="s3cret",
    )
    order = stored_order(keyed.shop, order_node(id="gid://shopify/Order/91", name="#91"), SyncStatus.SYNCED)
    summary = {
        "sale_order": {
            "id": 7,
            "name": "S00007",
            "amount_total": "307.3",
            "currency": "EUR",
            "created": True,
        },
        "customer_email": "lea@example.com",
        "payment_id": 12,
        "note": "Sent to lea@example.com",
    }
    row = attempt(
        keyed.shop, "#91", order=order, summary=summary, task_id="task-1", odoo_model="sale.order", odoo_id=7
    )

    answer = keyed.read.get(f"/api/v1/logs/{row.pk}/")

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == ITEM_FIELDS | {"task_id", "odoo_url", "order", "sections", "summary"}
    assert body["order"] == {"id": order.pk, "name": "#91"}
    assert body["task_id"] == "task-1"
    assert body["odoo_url"] == connection.record_url("sale.order", 7)
    assert body["summary"]["customer_email"] == "(redacted)"
    assert body["summary"]["note"] == "Sent to (e-mail redacted)"
    assert "lea@example.com" not in answer.content.decode()
    sale = next(section for section in body["sections"] if section["title"] == "Sale order")
    assert {"label": "Odoo id", "value": "7", "url": connection.record_url("sale.order", 7)} in sale["facts"]
    assert {"label": "Total", "value": "€307.30", "url": ""} in sale["facts"]
    # the very sections the page builds from the stored summary (PostgreSQL's jsonb orders its keys its own way)
    row.refresh_from_db()
    expected = summary_sections(row.summary, connection, "EUR")
    assert [section["title"] for section in body["sections"]] == [section.title for section in expected]
    assert [[fact["value"] for fact in section["facts"]] for section in body["sections"]] == [
        [fact.value for fact in section.facts] for section in expected
    ]


# -- exports ------------------------------------------------------------------------------------------


def test_the_csv_export_is_the_log_pages_file(keyed, merchant):
    attempt(keyed.shop, "#1", started_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    attempt(keyed.shop, "#2", status=SyncAttempt.Status.FAILED, message="=HYPERLINK(lea@example.com)")
    attempt(keyed.shop, "#3", object_type=SyncAttempt.Object.PRODUCT, operation="create_product")
    params = {"date_from": "2026-11-01", "date_to": "2026-12-31"}

    answer = keyed.read.get("/api/v1/logs/export.csv", params)
    page = merchant.get(reverse("synclogs:export"), params)

    assert answer.status_code == 200 and page.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == page["Content-Disposition"]
    api_bytes = b"".join(answer.streaming_content)
    assert api_bytes == b"".join(page.streaming_content)
    text = api_bytes.decode()
    assert text.startswith("Started (Europe/Paris),")
    assert "2026-12-01T00:30:00+01:00" in text and "'=HYPERLINK((e-mail redacted))" in text
    assert text.count("\n") == 4


def test_the_csv_export_answers_a_client_that_asks_for_csv(keyed):
    attempt(keyed.shop)

    answer = keyed.read.get("/api/v1/logs/export.csv", HTTP_ACCEPT="text/csv")
    refused = keyed.read.get("/api/v1/logs/export.csv", {"date_from": "1999-01-01"}, HTTP_ACCEPT="text/csv")

    assert answer.status_code == 200 and b"".join(answer.streaming_content).count(b"\n") == 2
    assert refused.status_code == 400
    assert json.loads(refused.content)["error"]["fields"]["date_from"] == [
        "Choose a date between 2000 and 2099."
    ]


def test_the_ndjson_export_is_the_lists_items_one_per_line(keyed):
    for n in range(7):
        attempt(
            keyed.shop, f"#{n}", started_at=NOW - timedelta(minutes=n), message=f"row {n} lea@example.com"
        )
    attempt(keyed.shop, "#failed", status=SyncAttempt.Status.FAILED)

    answer = keyed.read.get(
        "/api/v1/logs/export.ndjson", {"status": "success"}, HTTP_ACCEPT="application/x-ndjson"
    )

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert answer["Content-Disposition"].endswith('.ndjson"')
    lines = b"".join(answer.streaming_content).decode().splitlines()
    exported = [json.loads(line) for line in lines]
    assert exported == _all(keyed.read, "/api/v1/logs/", status="success", limit=2)
    assert len(exported) == 7 and exported[0]["message"] == "row 0 (e-mail redacted)"


# -- webhooks -----------------------------------------------------------------------------------------


def test_the_webhooks_list_shows_what_the_page_shows_never_the_payload(keyed):
    older = _webhook(keyed.shop, 1, received_at=NOW - timedelta(hours=1))
    newer = _webhook(
        keyed.shop,
        2,
        topic="orders/create",
        status="failed",
        message="Could not read the order of lea@example.com.",
        processed_at=NOW,
    )

    answer = keyed.read.get("/api/v1/webhooks/")

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [item["id"] for item in results] == [newer.pk, older.pk]
    assert results[0] == {
        "id": newer.pk,
        "topic": "orders/create",
        "status": "failed",
        "message": "Could not read the order of (e-mail redacted).",
        "event_id": newer.event_id,
        "received_at": "2026-11-20T13:00:00+01:00",
        "processed_at": "2026-11-20T13:00:00+01:00",
    }
    assert "c2lnbmF0dXJl" not in answer.content.decode() and "lea@example.com" not in answer.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"topic": "orders/create"}, [2]),
        ({"status": "failed"}, [3]),
        ({"date_from": "2026-11-20", "date_to": "2026-11-20"}, [3, 2]),
    ],
)
def test_the_webhooks_filters_are_the_pages(keyed, params, expected):
    receipts = {
        1: _webhook(keyed.shop, 1, received_at=NOW - timedelta(days=2)),
        2: _webhook(keyed.shop, 2, topic="orders/create", received_at=NOW - timedelta(minutes=2)),
        3: _webhook(keyed.shop, 3, status="failed", received_at=NOW - timedelta(minutes=1)),
    }

    items = _all(keyed.read, "/api/v1/webhooks/", **params)

    assert [item["id"] for item in items] == [receipts[n].pk for n in expected]


def test_a_bad_webhook_filter_is_a_400_with_the_forms_message(keyed):
    answer = keyed.read.get("/api/v1/webhooks/", {"topic": "orders/exploded", "date_to": "2100-01-01"})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {
        "date_to": ["Choose a date between 2000 and 2099."],
        "topic": ["Select a valid choice. orders/exploded is not one of the available choices."],
    }


def test_the_webhook_detail_has_its_delivery_facts_but_not_its_payload(keyed):
    receipt = _webhook(
        keyed.shop,
        5,
        status="received",
        message="Odoo timed out for lea@example.com; trying again.",
        webhook_id="wh-1",
        api_version="2026-10",
        triggered_at="2026-11-20T11:59:59Z",
        attempts=2,
        next_attempt_at=NOW + timedelta(minutes=2),
    )

    answer = keyed.read.get(f"/api/v1/webhooks/{receipt.pk}/")

    assert answer.status_code == 200
    body = answer.json()
    assert body == {
        "id": receipt.pk,
        "topic": "orders/updated",
        "status": "received",
        "message": "Odoo timed out for (e-mail redacted); trying again.",
        "event_id": receipt.event_id,
        "received_at": "2026-11-20T13:00:00+01:00",
        "processed_at": None,
        "webhook_id": "wh-1",
        "api_version": "2026-10",
        "triggered_at": "2026-11-20T11:59:59Z",
        "attempts": 2,
        "next_attempt_at": "2026-11-20T13:02:00+01:00",
    }
