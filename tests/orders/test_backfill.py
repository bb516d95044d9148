from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from orders.imports import resume_backfill, run_backfill, start_backfill, stop_backfill
from orders.models import ImportRun, Order
from synco.models import Shop
from synco.shopify.types import parse_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_shop(db, shopify):
    return Shop.objects.create(domain="synco-demo.myshopify.com", access_token=shopify.token)


def _whole_range():
    now = datetime.now(UTC)
    return now - timedelta(days=3650), now + timedelta(days=1)


def test_it_backfills_a_date_range_and_reports_progress(demo_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_backfill(demo_shop.pk, *_whole_range())
    assert len(callbacks) == 1

    run_backfill(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert (run.orders_seen, run.orders_created) == (60, 60)
    assert run.percent == 100
    assert Order.objects.filter(shop=demo_shop).count() == 60


def test_it_imports_only_the_orders_created_in_the_range(demo_shop):
    start, end = _whole_range()
    run_all = ImportRun.objects.create(shop=demo_shop, created_from=start, created_to=end)
    run_backfill(run_all.pk)
    dates = sorted(Order.objects.values_list("created_at", flat=True))
    Order.objects.all().delete()
    middle = dates[len(dates) // 2]

    run = ImportRun.objects.create(shop=demo_shop, created_from=middle, created_to=end)
    run_backfill(run.pk)

    assert Order.objects.count() == len([d for d in dates if d >= middle])


def test_it_stops_after_the_current_page_and_resumes_where_it_stopped(demo_shop, monkeypatch):
    from synco.shopify import client as client_module

    monkeypatch.setattr(client_module, "PAGE_SIZE", 10)
    run = ImportRun.objects.create(
        shop=demo_shop, created_from=_whole_range()[0], created_to=_whole_range()[1]
    )
    original = client_module.ShopifyClient.fetch_orders_page

    def fetch_then_stop(self, **kwargs):
        page = original(self, first=10, **{k: v for k, v in kwargs.items() if k != "first"})
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.STOPPING
        )
        return page

    monkeypatch.setattr(client_module.ShopifyClient, "fetch_orders_page", fetch_then_stop)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED)
    run_backfill(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.STOPPED
    assert run.orders_seen == 10
    assert 0 < run.percent < 100
    assert run.cursor

    monkeypatch.setattr(client_module.ShopifyClient, "fetch_orders_page", original)
    assert resume_backfill(run)
    run_backfill(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Order.objects.filter(shop=demo_shop).count() == 60
    assert run.orders_created == 60


def test_it_marks_a_backfill_failed_with_the_reason_and_keeps_its_progress(demo_shop, shopify):
    run = ImportRun.objects.create(
        shop=demo_shop, created_from=_whole_range()[0], created_to=_whole_range()[1]
    )
    shopify.control(fail_next=1, status=401)

    run_backfill(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.message == (
        "Shopify refused the access token for synco-demo.myshopify.com (HTTP 401): reinstall or reconnect the app."
    )


def test_it_stops_a_queued_backfill_at_once(demo_shop):
    run = ImportRun.objects.create(
        shop=demo_shop, created_from=_whole_range()[0], created_to=_whole_range()[1]
    )

    assert stop_backfill(run)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.STOPPED


def test_it_starts_a_backfill_from_the_orders_page(
    merchant_client, shop, shopify, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = merchant_client.post(
            reverse("orders:backfill"),
            {"created_from": "2026-01-01", "created_to": "2026-01-31"},
            HTTP_HX_REQUEST="true",
        )

    html = response.content.decode()
    assert "Page by page: orders created Jan 1, 2026 to Jan 31, 2026" in html
    assert 'hx-trigger="every 2s"' in html
    assert ImportRun.objects.get(shop=shop).status == ImportRun.Status.QUEUED


def test_it_refuses_a_backwards_range(merchant_client, shop):
    response = merchant_client.post(
        reverse("orders:backfill"),
        {"created_from": "2026-02-01", "created_to": "2026-01-01"},
        HTTP_HX_REQUEST="true",
    )

    assert "The end date must not be before the start date." in response["HX-Trigger"]
    assert not ImportRun.objects.exists()


def test_it_imports_through_a_bulk_operation(demo_shop, shopify):
    from orders.imports import run_bulk_import

    start, end = _whole_range()
    run = ImportRun.objects.create(
        shop=demo_shop, kind=ImportRun.Kind.BULK, created_from=start, created_to=end
    )

    delay = run_bulk_import(run.pk)  # starts the operation
    assert delay is not None
    for _ in range(100):
        delay = run_bulk_import(run.pk)
        if delay is None:
            break
        time.sleep(0.1)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.message
    assert run.bulk_operation_id.startswith("gid://shopify/BulkOperation/")
    assert run.orders_created == Order.objects.filter(shop=demo_shop).count() >= 60
    order = Order.objects.filter(shop=demo_shop).order_by("pk").first()
    assert order is not None and order.parse_error == ""
    assert order.payload["lineItems"]["nodes"], "line items are attached from their own JSONL rows"
    # and its fulfilment orders, whose location routes it to an Odoo warehouse (issue 14)
    assert order.payload["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    assert parse_order(order.payload).location_id.startswith("gid://shopify/Location/")


def test_it_reports_a_failed_bulk_operation(demo_shop, shopify):
    from orders.imports import run_bulk_import

    shopify.control(bulk_fail_next=1)
    start, end = _whole_range()
    run = ImportRun.objects.create(
        shop=demo_shop, kind=ImportRun.Kind.BULK, created_from=start, created_to=end
    )

    run_bulk_import(run.pk)
    for _ in range(100):
        if run_bulk_import(run.pk) is None:
            break
        time.sleep(0.1)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert (
        run.message
        == "Shopify's bulk operation ended failed (INTERNAL_SERVER_ERROR). Start the import again."
    )
