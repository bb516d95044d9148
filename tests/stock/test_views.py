"""The Stock page and Settings' stock section: shop-scoped, HTMX fragments, actions queue their task."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from stock import services
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush, StockSettings
from stock.tasks import drift_report_task, repair_drift_task, start_sync_task
from synco.gateways import odoo_client_for
from synco.models import Shop


@pytest.fixture
def delayed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(drift_report_task, "delay", lambda *args: sent.append(("drift", args)))
    monkeypatch.setattr(repair_drift_task, "delay", lambda *args: sent.append(("repair", args)))
    return sent


def drift_row(shop: Shop, **values: Any) -> DriftRow:
    report = DriftReport.objects.create(
        shop=shop, status=DriftReport.Status.DONE, drifted=1, message="1 of 1 stock levels differ from Odoo."
    )
    defaults = {
        "inventory_item_gid": "gid://shopify/InventoryItem/1",
        "location_gid": "gid://shopify/Location/1",
        "sku": "SKU-1",
        "location_name": "Main warehouse",
        "odoo_product_id": 5,
        "shopify_available": 3,
        "odoo_figure": 20,
        "desired": 20,
        "difference": 17,
    }
    return DriftRow.objects.create(report=report, **{**defaults, **values})


def test_the_stock_page_shows_drift_failures_and_unmatched_items(merchant_client, shop):
    drift_row(shop)
    StockPush.objects.create(
        shop=shop,
        inventory_item_gid="gid://shopify/InventoryItem/2",
        location_gid="gid://shopify/Location/1",
        sku="SKU-2",
        location_name="Main warehouse",
        quantity=4,
        outcome=StockPush.Outcome.BLOCKED,
        error="Shopify refused to change stock: the app lacks the 'write_inventory' permission.",
        idempotency_key="k",
    )
    InventoryLink.objects.create(
        shop=shop,
        inventory_item_gid="gid://shopify/InventoryItem/3",
        sku="NOPE",
        unmatched_reason="No Odoo product",
    )

    response = merchant_client.get(reverse("stock:page"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "1 of 1 stock levels differ from Odoo." in body
    assert "SKU-1" in body and "data-drift-row" in body
    assert "lacks the &#x27;write_inventory&#x27; permission" in body
    assert "NOPE" in body and "No Odoo product" in body


def test_htmx_gets_the_fragment_only(merchant_client, shop):
    response = merchant_client.get(reverse("stock:page"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="stock-body">')


def test_the_stock_page_needs_a_login(client, shop):
    response = client.get(reverse("stock:page"))

    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_run_drift_queues_the_report(merchant_client, shop, delayed):
    response = merchant_client.post(reverse("stock:drift"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert delayed == [("drift", (shop.pk, "on demand"))]
    assert "toast" in response["HX-Trigger"]


@pytest.mark.django_db(transaction=True)
def test_repair_queues_only_this_shops_rows(merchant_client, shop, delayed):
    mine = drift_row(shop)
    other_shop = Shop.objects.create(domain="other.myshopify.com")
    theirs = drift_row(other_shop)

    response = merchant_client.post(
        reverse("stock:repair"), {"row": [mine.pk, theirs.pk]}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert delayed == [("repair", (shop.pk, [mine.pk]))]


def test_the_settings_page_maps_a_location_and_previews(merchant_client, shop, odoo):
    mapping = LocationMapping.objects.create(
        shop=shop, shopify_location_gid="gid://shopify/Location/1", shopify_location_name="Main warehouse"
    )
    warehouse = odoo_client_for(shop).warehouses()[0]

    page = merchant_client.get(reverse("stock:settings"))
    saved = merchant_client.post(
        reverse("stock:map_location", args=[mapping.pk]),
        {f"loc{mapping.pk}-mapping_id": mapping.pk, f"loc{mapping.pk}-warehouse": warehouse.id},
        headers={"HX-Request": "true"},
    )
    preview = merchant_client.get(reverse("stock:preview"), headers={"HX-Request": "true"})

    assert page.status_code == 200
    body = page.content.decode()
    assert "Main warehouse" in body and warehouse.name in body
    settings = StockSettings.objects.get(shop=shop)
    assert f"/stock/odoo-webhook/{shop.pk}/?token={settings.webhook_token}" in body
    assert saved.status_code == 200
    mapping.refresh_from_db()
    assert (mapping.odoo_warehouse_id, mapping.odoo_location_ids) == (warehouse.id, [warehouse.lot_stock_id])
    assert "stockMappingSaved" in saved["HX-Trigger"]
    assert preview.status_code == 200
    assert "map a location and match items first" in preview.content.decode()


def test_the_settings_form_saves_the_figure_and_buffer_and_starts_the_sync(
    merchant_client, shop, odoo, monkeypatch, django_capture_on_commit_callbacks
):
    started: list[int] = []
    monkeypatch.setattr(start_sync_task, "delay", started.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.post(
            reverse("stock:settings"),
            {"enabled": "on", "figure": "on_hand", "safety_buffer": "3", "coalesce_seconds": "1.5"},
        )

    assert response.status_code == 200
    assert started == [shop.pk]
    settings = services.get_settings(shop)
    assert (settings.enabled, settings.figure, settings.safety_buffer, settings.coalesce_seconds) == (
        True,
        "on_hand",
        3,
        1.5,
    )


def test_creating_the_odoo_rules_says_why_it_cannot(merchant_client, shop, odoo):
    # given an Odoo without the Automation Rules app, and the merchant did not ask Synco to install it
    response = merchant_client.post(reverse("stock:install_notifications"), headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert "Automation Rules app (base_automation) is not installed" in response["HX-Trigger"]
    module = odoo.execute(
        "ir.module.module", "search_read", [["name", "=", "base_automation"]], fields=["state"]
    )
    assert module[0]["state"] != "installed"
