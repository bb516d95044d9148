"""The sync log in the shop's time zone: rows, detail, webhooks, the day filters and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from synclogs.models import WebhookReceipt
from synclogs.views import export_filename
from synco.models import Shop
from tests.synclogs.helpers import attempt, row_ids

pytestmark = pytest.mark.django_db

# 23:30 on Dec 1 in Los Angeles (PST, UTC-8) is already Dec 2 in UTC.
LA_LATE_DEC_1 = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
# 00:30 on Dec 2 in Los Angeles: the next shop day.
LA_EARLY_DEC_2 = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
# 23:30 on Dec 1 in Tokyo (JST, UTC+9) is 14:30 UTC the same day.
TOKYO_LATE_DEC_1 = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


def _in_zone(shop: Shop, name: str) -> Shop:
    shop.iana_timezone = name
    shop.save(update_fields=["iana_timezone"])
    return shop


def test_a_tokyo_shop_reads_its_attempts_in_tokyo_time(merchant_client, shop):
    _in_zone(shop, "Asia/Tokyo")
    row = attempt(shop, "#1001", started_at=TOKYO_LATE_DEC_1)

    html = merchant_client.get(reverse("synclogs:list")).content.decode()

    assert "Dec 1, 2026 23:30:00 JST" in html
    assert 'datetime="2026-12-01T23:30:00+09:00"' in html
    assert "times in Asia/Tokyo" in html
    assert "Dates are days in Asia/Tokyo, the shop's time zone" in html
    assert "UTC" not in html
    assert row_ids(html) == [row.pk]


def test_a_los_angeles_shop_reads_its_attempts_in_los_angeles_time(merchant_client, shop):
    _in_zone(shop, "America/Los_Angeles")
    attempt(shop, "#1001", started_at=LA_LATE_DEC_1)

    html = merchant_client.get(reverse("synclogs:list")).content.decode()

    assert "Dec 1, 2026 23:30:00 PST" in html
    assert "times in America/Los_Angeles" in html
    assert "Dec 2, 2026" not in html


def test_the_detail_shows_start_and_finish_in_the_shops_zone(merchant_client, shop):
    _in_zone(shop, "Asia/Tokyo")
    row = attempt(
        shop, "#1001", started_at=TOKYO_LATE_DEC_1, finished_at=datetime(2026, 12, 1, 15, 0, 5, tzinfo=UTC)
    )

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    assert "Dec 1, 2026 23:30:00 JST" in html
    assert "Dec 2, 2026 00:00:05 JST" in html
    assert " UTC" not in html


def test_the_day_filter_takes_the_shops_midnights(merchant_client, shop):
    # given: a Los Angeles shop, an attempt late on its Dec 1 (Dec 2 in UTC) and one early on its Dec 2
    _in_zone(shop, "America/Los_Angeles")
    late = attempt(shop, "#1001", started_at=LA_LATE_DEC_1)
    early = attempt(shop, "#1002", started_at=LA_EARLY_DEC_2)

    # when
    dec_1 = merchant_client.get(
        reverse("synclogs:list"), {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    )
    dec_2 = merchant_client.get(
        reverse("synclogs:list"), {"date_from": "2026-12-02", "date_to": "2026-12-02"}
    )

    # then
    assert row_ids(dec_1.content.decode()) == [late.pk]
    assert row_ids(dec_2.content.decode()) == [early.pk]


def test_the_export_writes_the_shops_times_with_their_offset(merchant_client, shop):
    _in_zone(shop, "Asia/Tokyo")
    attempt(shop, "#1001", started_at=TOKYO_LATE_DEC_1)
    attempt(shop, "#1002", started_at=datetime(2026, 12, 1, 15, 30, tzinfo=UTC))  # Dec 2, 00:30 in Tokyo

    response = merchant_client.get(
        reverse("synclogs:export"), {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0][0] == "Started (Asia/Tokyo)"
    assert [(row[0], row[1]) for row in rows[1:]] == [("2026-12-01T23:30:00+09:00", "#1001")]


def test_the_export_of_a_los_angeles_shop_carries_its_offset_and_its_day(merchant_client, shop):
    _in_zone(shop, "America/Los_Angeles")
    attempt(shop, "#1001", started_at=LA_LATE_DEC_1)

    response = merchant_client.get(reverse("synclogs:export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0][0] == "Started (America/Los_Angeles)"
    assert rows[1][0] == "2026-12-01T23:30:00-08:00"


def test_the_webhook_log_shows_and_filters_the_shops_days(merchant_client, shop):
    _in_zone(shop, "America/Los_Angeles")
    receipt = WebhookReceipt.objects.create(
        shop_domain=shop.domain,
        topic="orders/create",
        event_id="e-1",
        webhook_id="w-1",
        processed_at=LA_LATE_DEC_1,
        status=WebhookReceipt.Status.PROCESSED,
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=LA_LATE_DEC_1)  # auto_now_add on create

    html = merchant_client.get(
        reverse("synclogs:webhooks"), {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    ).content.decode()
    next_day = merchant_client.get(
        reverse("synclogs:webhooks"), {"date_from": "2026-12-02", "date_to": "2026-12-02"}
    ).content.decode()

    assert row_ids(html, "webhook") == [receipt.pk]
    assert "Dec 1, 2026 23:30:00 PST" in html
    assert "times in America/Los_Angeles" in html
    assert row_ids(next_day, "webhook") == []


def test_the_export_is_named_after_the_shops_day():
    shop = Shop(domain="la-store.myshopify.com", iana_timezone="America/Los_Angeles")

    assert export_filename(shop, LA_LATE_DEC_1) == "synco-log-la-store-2026-12-01.csv"
