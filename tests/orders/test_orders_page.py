"""The orders page: filters first, past orders imported from their own dialog, the bulk bar only where it works."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.models import ImportRun, Order, SyncStatus
from synco.models import Shop
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db


def _order(shop: Shop, number: int, status: str = SyncStatus.NOT_SYNCED, **fields: object) -> Order:
    order = stored_order(shop, order_node(id=f"gid://shopify/Order/{number}", name=f"#{number}"), status)
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
    return order


def test_the_filters_come_first_and_the_import_is_a_dialog_of_its_own(merchant_client, shop):
    html = merchant_client.get(reverse("orders:list")).content.decode()

    filters = html.index('id="order-filters"')
    dialog = html.index('<s-modal id="import-dialog"')
    assert filters < dialog
    assert html.index('id="import-form"') > dialog and html.index('id="import-runs"') > dialog
    assert (
        'commandFor="import-dialog" command="--show"' in html
        and ">Import past orders from Shopify</s-button>" in html
    )
    assert "Recent orders, page by page" in html and "All history, as one Shopify export" in html
    assert "Backfill" not in html and "Bulk import" not in html


def test_an_import_with_wrong_dates_keeps_them_with_the_error_beside_them(merchant_client, shop):
    response = merchant_client.post(
        reverse("orders:backfill"),
        {"created_from": "2026-03-10", "created_to": "2026-03-01", "mode": "bulk"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="import-form"')
    assert 'name="created_from" value="2026-03-10"' in html
    assert 'name="created_to" value="2026-03-01"' in html
    assert '<s-choice value="bulk" selected>' in html
    assert "The end date must not be before the start date." in html
    assert not ImportRun.objects.filter(shop=shop).exists()


def test_an_import_out_of_range_marks_the_date_and_keeps_the_other(merchant_client, shop):
    html = merchant_client.post(
        reverse("orders:backfill"),
        {"created_from": "2026-03-01", "created_to": "9999-12-31"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert 'name="created_from" value="2026-03-01"' in html and 'value="9999-12-31"' in html
    assert re.search(r'name="created_to"[^>]*error="Choose a date between 2000 and 2099."', html)
    assert "Choose a date between 2000 and 2099." in html


def test_a_started_import_shows_its_progress_in_the_dialog_and_beside_the_button(merchant_client, shop):
    response = merchant_client.post(
        reverse("orders:backfill"),
        {"created_from": "2026-03-01", "created_to": "2026-03-31", "mode": "pages"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    run = ImportRun.objects.get(shop=shop)
    assert run.kind == ImportRun.Kind.BACKFILL
    assert '<section id="import-runs"' in html and 'hx-swap-oob="true"' in html
    assert "Page by page: orders created Mar 1, 2026 to Mar 31, 2026" in html
    assert '<span id="import-status"' in html and "Importing past orders: 0%" in html
    assert "page by page" in response["HX-Trigger"]


def test_the_synced_tab_has_no_checkboxes_and_no_sync_selected(merchant_client, shop):
    _order(shop, 1, SyncStatus.SYNCED, odoo_id=5, odoo_name="S00005")
    _order(shop, 2)

    synced = merchant_client.get(reverse("orders:list"), {"status": "synced"}).content.decode()
    not_synced = merchant_client.get(reverse("orders:list"), {"status": "not_synced"}).content.decode()

    assert "#1" in synced and "Sync selected" not in synced
    assert "data-select-all" not in synced and 'name="order"' not in synced
    assert "orders-table-no-select" in synced
    assert "Sync selected" in not_synced and "data-select-all" in not_synced
    assert "orders-table-no-select" not in not_synced


def test_an_import_reads_the_dates_as_the_shops_days(merchant_client, shop):
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="America/New_York")

    merchant_client.post(
        reverse("orders:backfill"),
        {"created_from": "2026-03-01", "created_to": "2026-03-31"},
        HTTP_HX_REQUEST="true",
    )

    run = ImportRun.objects.get(shop=shop)
    zone = ZoneInfo("America/New_York")
    assert run.created_from == datetime(2026, 3, 1, tzinfo=zone)
    assert run.created_to == datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=zone)
