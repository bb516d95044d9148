"""CSV export of the filtered sync log: streamed, the merchant's rows only, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from synclogs.models import SyncAttempt
from synclogs.views import csv_header, export_filename
from synco.models import Shop
from tests.synclogs.helpers import NOW, attempt

pytestmark = pytest.mark.django_db


def _export(client, **params):
    response = client.get(reverse("synclogs:export"), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(body)))


def test_it_exports_the_filtered_attempts_with_every_column(merchant_client, shop):
    attempt(
        shop,
        "#1002",
        status=SyncAttempt.Status.FAILED,
        started_at=NOW,
        message="Odoo is not answering. Retrying in 30 s (attempt 1 of 6).",
        duration_ms=30012,
        rpc_calls=1,
        attempt=1,
    )
    attempt(
        shop,
        "#1001",
        started_at=NOW - timedelta(minutes=5),
        odoo_model="sale.order",
        odoo_id=42,
        attempt=2,
        message="Created confirmed sale order SHOP#1001 (id 42) in Odoo.",
    )
    attempt(
        shop,
        "SKU-MUG",
        object_type=SyncAttempt.Object.PRODUCT,
        operation="create_product",
        started_at=NOW - timedelta(minutes=6),
        odoo_model="product.product",
        odoo_id=77,
        duration_ms=None,
        message="Created the product 'Mug' (SKU 'SKU-MUG') in Odoo as #77.",
    )

    response, rows = _export(merchant_client)
    _, failed_only = _export(merchant_client, status="failed")

    assert rows[0] == list(csv_header("UTC"))
    assert rows[0][0] == "Started (UTC)"
    assert rows[1:] == [
        [
            "2026-11-20T12:00:00+00:00",
            "#1002",
            "Order",
            "",
            "Sync order to Odoo",
            "Failed",
            "1",
            "",
            "",
            "30012",
            "1",
            "Odoo is not answering. Retrying in 30 s (attempt 1 of 6).",
        ],
        [
            "2026-11-20T11:55:00+00:00",
            "#1001",
            "Order",
            "",
            "Sync order to Odoo",
            "Success",
            "2",
            "sale.order",
            "42",
            "120",
            "3",
            "Created confirmed sale order SHOP#1001 (id 42) in Odoo.",
        ],
        [
            "2026-11-20T11:54:00+00:00",
            "",
            "Product",
            "SKU-MUG",
            "Create product in Odoo",
            "Success",
            "1",
            "product.product",
            "77",
            "",
            "3",
            "Created the product 'Mug' (SKU 'SKU-MUG') in Odoo as #77.",
        ],
    ]
    assert [row[1] for row in failed_only[1:]] == ["#1002"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="synco-log-synco-demo-')


def test_it_exports_a_date_range_and_one_orders_attempts(merchant_client, shop):
    attempt(shop, "#1", started_at=datetime(2026, 10, 31, 23, 0, tzinfo=UTC))
    attempt(shop, "#2", started_at=datetime(2026, 11, 1, 0, 30, tzinfo=UTC))
    attempt(shop, "#3", started_at=datetime(2026, 11, 2, 0, 30, tzinfo=UTC))

    _, rows = _export(merchant_client, date_from="2026-11-01", date_to="2026-11-01")
    _, by_ref = _export(merchant_client, ref="#3")

    assert [row[1] for row in rows[1:]] == ["#2"]
    assert [row[1] for row in by_ref[1:]] == ["#3"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(merchant_client, shop):
    attempt(shop, '=HYPERLINK("http://evil")', message="+SUM(A1)", object_type=SyncAttempt.Object.PRODUCT)

    _, rows = _export(merchant_client)

    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    assert rows[1][11] == "'+SUM(A1)"


def test_an_export_with_a_bad_filter_says_why(merchant_client, shop):
    response = merchant_client.get(reverse("synclogs:export"), {"date_from": "31/12/2026"})

    assert response.status_code == 400
    assert response.content.decode() == "The export was not made: “From” is not a date: use YYYY-MM-DD."


def test_an_export_holds_only_the_merchants_shop(merchant_client, shop):
    other = Shop.objects.create(domain="other.myshopify.com")
    attempt(other, "#THEIRS", message="their log")
    attempt(shop, "#1001")

    _, rows = _export(merchant_client)

    assert [row[1] for row in rows[1:]] == ["#1001"]


def test_the_export_streams_every_row_in_bounded_batches(merchant_client, shop, django_assert_num_queries):
    SyncAttempt.objects.bulk_create(
        SyncAttempt(
            shop=shop,
            object_ref=f"#{i}",
            operation="create_sale_order",
            started_at=NOW - timedelta(seconds=i),
        )
        for i in range(4500)
    )

    response = merchant_client.get(reverse("synclogs:export"))
    with django_assert_num_queries(
        4
    ):  # 500 + 2,000 + 2,000 + 0 rows, each batch starting where the last stopped
        chunks = list(response.streaming_content)

    body = b"".join(chunks).decode()
    assert body.count("\r\n") == 4501
    assert len(chunks) == 9  # 500 rows a chunk
    assert body.splitlines()[-1].startswith("2026-11-20T10:45:01+00:00,#4499,")


def test_the_filename_names_the_shop_and_the_day():
    shop = Shop(domain="Bob's-Store.myshopify.com")

    assert (
        export_filename(shop, datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
        == "synco-log-bob-s-store-2026-11-24.csv"
    )


def test_rows_sharing_a_time_across_a_batch_boundary_are_exported_once(merchant_client, shop):
    SyncAttempt.objects.bulk_create(
        SyncAttempt(shop=shop, object_ref=f"#{i}", operation="create_sale_order", started_at=NOW)
        for i in range(2500)
    )

    body = b"".join(merchant_client.get(reverse("synclogs:export")).streaming_content).decode()

    refs = [line.split(",")[1] for line in body.splitlines()[1:]]
    assert len(refs) == 2500 and len(set(refs)) == 2500
