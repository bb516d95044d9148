"""The shop's time zone in Chromium: a Tokyo shop reads its sync log in Japan time, labelled, and filters its days."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from synclogs.models import SyncAttempt
from synco.models import Shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 23:30 on Dec 1 in Tokyo (JST, UTC+9) is 14:30 UTC the same day.
TOKYO_LATE_DEC_1 = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
# 01:00 on Dec 2 in Tokyo is still Dec 1 (16:00) in UTC: only the shop's days put it on Dec 2.
TOKYO_EARLY_DEC_2 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def _row(page: Page, attempt: SyncAttempt):
    return page.locator(f"#attempt-{attempt.pk}")


def test_a_tokyo_shop_reads_its_sync_log_in_japan_time_with_the_zone_named(page, shop, screenshot):
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="Asia/Tokyo")
    late = SyncAttempt.objects.create(
        shop=shop,
        started_at=TOKYO_LATE_DEC_1,
        object_ref="#5001",
        operation="create_sale_order",
        status=SyncAttempt.Status.SUCCESS,
        message="Created SHOP#5001 in Odoo.",
    )
    early = SyncAttempt.objects.create(
        shop=shop,
        started_at=TOKYO_EARLY_DEC_2,
        object_ref="#5002",
        operation="create_sale_order",
        status=SyncAttempt.Status.SUCCESS,
        message="Created SHOP#5002 in Odoo.",
    )

    page.goto("/logs/")

    # the row's time is the shop's, with its zone's label, never the UTC time
    expect(_row(page, late).locator("time")).to_have_text("Dec 1, 2026 23:30:00 JST")
    expect(_row(page, late).locator("time")).to_have_attribute("datetime", "2026-12-01T23:30:00+09:00")
    expect(_row(page, early).locator("time")).to_have_text("Dec 2, 2026 01:00:00 JST")
    expect(page.locator("#log-results")).to_contain_text("times in Asia/Tokyo")
    expect(page.get_by_text("Times in Asia/Tokyo, the shop's time zone.")).to_be_visible()
    expect(page.locator("#log-results")).not_to_contain_text("UTC")
    screenshot(page, "sync-log-tokyo")

    # a day of the filter is the shop's day: Dec 2 in Tokyo holds 01:00 JST (Dec 1 in UTC), not 23:30 JST
    page.get_by_label("From", exact=True).fill("2026-12-02")
    page.get_by_label("To", exact=True).fill("2026-12-02")
    page.get_by_role("button", name="Filter").click()
    expect(_row(page, late)).to_have_count(0)
    expect(_row(page, early)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"date_from=2026-12-02"))

    # the detail page says the same time
    page.goto(f"/logs/{late.pk}/")
    expect(page.locator("time").first).to_have_text("Dec 1, 2026 23:30:00 JST")
