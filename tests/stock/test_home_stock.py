"""Home shows the last drift report (when, levels checked, differences, a link) and the failed stock pushes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stock import services
from stock.models import DriftReport, StockPush, StockSettings
from synco.models import Shop
from synco.pages.home import get_stock_health


def push(shop: Shop, outcome: str, error: str = "") -> StockPush:
    return StockPush.objects.create(
        shop=shop,
        inventory_item_gid="gid://shopify/InventoryItem/1",
        location_gid="gid://shopify/Location/1",
        quantity=3,
        outcome=outcome,
        error=error,
        idempotency_key="k",
    )


def test_home_shows_nothing_about_stock_while_it_was_never_used(merchant_client, shop):
    page = merchant_client.get("/").content.decode()

    assert get_stock_health(shop) is None
    assert "data-home-stock" not in page


@pytest.mark.django_db
def test_home_shows_the_last_drift_report_and_the_failed_pushes(merchant_client, shop):
    settings = services.get_settings(shop)
    StockSettings.objects.filter(pk=settings.pk).update(enabled=True)
    report = DriftReport.objects.create(
        shop=shop,
        status=DriftReport.Status.DONE,
        items_checked=4,
        levels_checked=8,
        drifted=2,
        finished_at=timezone.now() - timedelta(minutes=5),
        message="2 of 8 stock levels differ from Odoo.",
    )
    services._keep_summary(settings, report)
    push(shop, StockPush.Outcome.SET)
    push(shop, StockPush.Outcome.FAILED, "Shopify refused this quantity")
    old = push(shop, StockPush.Outcome.FAILED, "long ago")
    StockPush.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))

    page = merchant_client.get("/").content.decode()

    section = page[page.index("data-home-stock") :]
    assert "2 differences" in section
    assert re.search(r"data-stock-checked>8 stock levels \(4 items", section)
    assert re.search(r"data-stock-drifted class=\"error\">2<", section)
    assert re.search(r"data-stock-failures class=\"error\">1<", section)
    assert "5\xa0minutes ago" in section or "5 minutes ago" in section
    assert f'href="{reverse("stock:page")}"' in section


def test_home_says_when_a_revoked_scope_blocks_pushes_and_no_report_ran_yet(merchant_client, shop):
    settings = services.get_settings(shop)
    StockSettings.objects.filter(pk=settings.pk).update(
        enabled=True,
        blocked_reason="Shopify refused to change stock: the app lacks the 'write_inventory' permission.",
    )

    section = merchant_client.get("/").content.decode().split("data-home-stock", 1)[1]

    assert "Pushes blocked" in section and "write_inventory" in section
    assert "Never" in section
