"""Times on Home and Settings are the shop's, and the page names its zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from synco.models import OdooConnection

pytestmark = pytest.mark.django_db

# 23:30 on Dec 1 in Tokyo (JST, UTC+9): 14:30 UTC.
CHECKED_AT = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


def _tokyo_shop_checked(shop):
    shop.iana_timezone = "Asia/Tokyo"
    shop.save(update_fields=["iana_timezone"])
    OdooConnection.objects.filter(shop=shop).update(last_checked_at=CHECKED_AT, last_check_ok=True)


def test_home_says_when_the_connection_was_checked_in_the_shops_zone(merchant_client, shop):
    _tokyo_shop_checked(shop)

    html = merchant_client.get(reverse("home")).content.decode()

    assert "Test connection passed on Dec 1, 23:30 JST" in html
    assert "Times in Asia/Tokyo, the shop's time zone." in html
    assert "14:30" not in html


def test_settings_say_when_the_connection_was_checked_in_the_shops_zone(merchant_client, shop):
    _tokyo_shop_checked(shop)

    html = merchant_client.get(reverse("settings:index")).content.decode()

    assert "Dec 1, 23:30" in html
    assert "Times in Asia/Tokyo, the shop's time zone." in html
    assert "14:30" not in html


def test_a_pause_is_dated_in_the_shops_zone(merchant_client, shop):
    shop.iana_timezone = "Asia/Tokyo"
    shop.sync_paused, shop.sync_paused_at, shop.sync_paused_by = True, CHECKED_AT, "merchant"
    shop.save(update_fields=["iana_timezone", "sync_paused", "sync_paused_at", "sync_paused_by"])

    html = merchant_client.get(reverse("settings:index")).content.decode()

    assert "Since Dec 1, 2026 23:30 JST, by merchant." in html  # the danger zone
    assert "since Dec 1, 23:30 JST" in html  # the banner on every page
    assert "UTC" not in html
