"""The home page: setup checklist, counts, 30-day chart, last errors, backlog, Odoo and webhook health."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from orders.services import sync_order
from orders.views import filtered_orders
from products.models import ProductMapping
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, OrderRules, Shop
from synco.pages.home import chart_days, get_chart, get_order_counts
from tests.conftest import SHOP_DOMAIN
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order

pytestmark = pytest.mark.django_db


def _order(shop, number, status=SyncStatus.NOT_SYNCED, **fields):
    node = order_node(id=f"gid://shopify/Order/{number}", name=f"#{number}")
    order = stored_order(shop, node, status)
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
    return order


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _tile(html, key):
    match = re.search(
        rf'data-count="{key}">\s*<span class="home-tile-label">[^<]*</span>\s*'
        rf'<span class="home-tile-value">(\d+)</span>',
        html,
    )
    assert match, key
    return int(match.group(1))


def _step(html, key):
    match = re.search(rf'<li class="setup-step (is-done|is-todo)" data-step="{key}">(.*?)</li>', html, re.S)
    assert match, key
    return match.group(1) == "is-done", re.sub(r"\s+", " ", match.group(2))


def _token(settings, shop=SHOP_DOMAIN):
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


def test_a_visitor_who_is_not_logged_in_goes_to_the_login_page(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_admin_opens_the_app_home_with_its_id_token_and_sees_the_dashboard(client, settings, shop):
    response = client.get(
        reverse("home"), {"id_token": _token(settings), "shop": SHOP_DOMAIN, "embedded": "1", "host": "x"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<s-page heading="Home"' in html
    assert '<s-section heading="Setup"' in html
    assert response["Content-Security-Policy"].startswith(f"frame-ancestors https://{SHOP_DOMAIN} ")


def test_the_counts_are_the_orders_page_filters(merchant_client, shop):
    _order(shop, 1, SyncStatus.SYNCED, eligible=True, odoo_id=7)
    _order(shop, 2, SyncStatus.SYNCED, eligible=True, odoo_id=8, odoo_invoice_id=3)
    _order(shop, 3, SyncStatus.NOT_SYNCED, eligible=True)
    _order(shop, 4, SyncStatus.NOT_SYNCED, eligible=False, ineligible_reason="unpaid")
    _order(shop, 5, SyncStatus.FAILED, eligible=True, sync_error="No Odoo product has the SKU 'X'")
    _order(shop, 6, SyncStatus.NOT_SYNCED, parse_error="Shopify sent an order without a total")
    _order(shop, 7, SyncStatus.NEEDS_REVIEW, eligible=True)
    _order(shop, 8, SyncStatus.QUEUED, eligible=True)
    _order(shop, 9, SyncStatus.IN_PROGRESS, eligible=True)
    other = Shop.objects.create(domain="other.myshopify.com")
    _order(other, 10, SyncStatus.FAILED)

    html = _home(merchant_client)

    expected = {"synced": 2, "not_synced": 2, "eligible": 3, "failed": 2, "needs_review": 1, "in_progress": 2}
    for key, count in expected.items():
        assert _tile(html, key) == count
        assert filtered_orders(shop, key, "").count() == count  # what the linked tab lists
        assert f'href="{reverse("orders:list")}?status={key}"' in html


def test_the_counts_are_four_queries_and_the_page_costs_the_same_for_many_orders(merchant_client, shop):
    for number in range(3):
        _order(shop, number, SyncStatus.SYNCED, eligible=True)
    with CaptureQueriesContext(connection) as few:
        _home(merchant_client)
    for number in range(3, 60):
        _order(shop, number, SyncStatus.FAILED if number % 2 else SyncStatus.NOT_SYNCED, eligible=True)
    SyncAttempt.objects.bulk_create(
        SyncAttempt(
            shop=shop, operation="create_sale_order", status="failed", message="x", started_at=timezone.now()
        )
        for _ in range(40)
    )
    with CaptureQueriesContext(connection) as many:
        html = _home(merchant_client)
    with CaptureQueriesContext(connection) as counting:
        get_order_counts(shop)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(counting.captured_queries) == 4
    assert _tile(html, "failed") == 29


def test_the_checklist_of_a_new_shop_says_what_to_do_and_links_to_each_fix(merchant_client, shop):
    html = _home(merchant_client)

    assert "0 of 5 done" in html
    done, text = _step(html, "odoo")
    assert not done and "Saved but not checked yet: run Test connection." in text
    assert f'href="{reverse("settings:odoo")}"' in text
    done, text = _step(html, "modules")
    assert not done and "Sales, Inventory and Invoicing" in text
    done, text = _step(html, "rules")
    assert not done and f'href="{reverse("settings:rules")}"' in text
    done, text = _step(html, "matching")
    assert not done and "No Shopify product imported yet" in text
    assert f'href="{reverse("products:page")}"' in text
    done, text = _step(html, "webhooks")
    assert not done and "No webhook from Shopify yet." in text
    assert f'href="{reverse("synclogs:webhooks")}"' in text


def test_the_checklist_is_done_once_odoo_is_checked_rules_saved_an_order_synced_and_webhooks_arrive(
    merchant_client, shop, odoo, django_capture_on_commit_callbacks
):
    # given: Test connection passed against the Odoo sandbox, the rules saved, one order in Odoo, a webhook
    merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true")
    with django_capture_on_commit_callbacks(execute=False):
        merchant_client.post(
            reverse("settings:rules"),
            {
                "create_as": "sale_order",
                "order_prefix": "SHOP",
                "sweep_interval_minutes": "15",
                "financial_statuses": ["PAID"],
                "totals_tolerance": "0.01",
                "totals_action": "accept",
                "discount_mode": "line",
                "risk_threshold": "HIGH",
            },
        )
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    WebhookReceipt.objects.create(
        shop=shop, shop_domain=shop.domain, topic="orders/create", event_id="e1", status="processed"
    )
    # the catalogue imported: every variant linked but one the merchant ignored
    for variant, state in ((1, "linked"), (2, "linked"), (3, "ignored")):
        ProductMapping.objects.create(
            shop=shop,
            shopify_product_id=10,
            shopify_variant_id=variant,
            sku=f"SKU-{variant}",
            state=state,
            odoo_product_id=variant if state == "linked" else None,
        )

    html = _home(merchant_client)

    assert "5 of 5 done" in html
    assert "Test connection passed on" in _step(html, "odoo")[1] and "(Odoo 18.0+e-20260607)" in html
    assert "Installed: sale_management, stock, account." in _step(html, "modules")[1]
    assert "Orders become: confirmed sale order; synced when you press Sync." in _step(html, "rules")[1]
    assert (
        "2 of 3 variants linked to Odoo products (1 ignored); no problem. 1 customer linked so far."
        in _step(html, "matching")[1]
    )
    assert _step(html, "webhooks")[0]
    assert all(_step(html, key)[0] for key in ("odoo", "modules", "rules", "matching", "webhooks"))


def test_a_failed_test_connection_shows_which_check_failed(merchant_client, shop, odoo):
    connection_row = OdooConnection.objects.get(shop=shop)
    connection_row.secret = "wrong"
    connection_row.save()
    merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true")

    done, text = _step(_home(merchant_client), "odoo")

    assert not done
    assert "The last Test connection failed at “Database and login”: Odoo refused the login" in text


def test_an_order_failing_for_an_unknown_product_marks_matching_as_to_do(merchant_client, shop, odoo):
    node = order_node()
    node["lineItems"]["nodes"][0]["sku"] = "SKU-NOT-IN-ODOO"
    node["lineItems"]["nodes"][0]["variant"]["sku"] = "SKU-NOT-IN-ODOO"
    node["lineItems"]["nodes"][0]["variant"]["barcode"] = "0000000000000"
    order = queued_order(shop, node)
    sync_order(order.pk)
    assert Order.objects.get(pk=order.pk).sync_status == SyncStatus.FAILED

    done, text = _step(_home(merchant_client), "matching")

    assert not done
    assert "1 failed because a product has no single match in Odoo" in text
    assert f'href="{reverse("orders:list")}?status=failed"' in text


def test_the_chart_counts_orders_synced_and_failed_per_day_from_the_log(merchant_client, shop):
    now = timezone.now()
    synced, failed = _order(shop, 1), _order(shop, 2)
    for order, status, days_ago in (
        (synced, "success", 0),
        (failed, "failed", 0),
        (failed, "failed", 0),  # two failed attempts of one order: one order
        (failed, "failed", 3),
        (synced, "success", 40),  # outside the 30 days
    ):
        SyncAttempt.objects.create(
            shop=shop,
            order=order,
            operation="create_sale_order",
            status=status,
            started_at=now - timedelta(days=days_ago),
        )
    SyncAttempt.objects.create(
        shop=shop, operation="import_orders", object_type="shop", status="failed", started_at=now
    )

    html = _home(merchant_client)

    assert "1 order synced and 2 with a failed attempt in the last 30 days (busiest day: 2)." in html
    today = timezone.localdate()
    assert (
        f"<s-table-row><s-table-cell>{today:%a %b} {today.day}</s-table-cell><s-table-cell>1</s-table-cell>"
        "<s-table-cell>1</s-table-cell></s-table-row>" in html
    )
    three_days_ago = today - timedelta(days=3)
    assert (
        f"<s-table-row><s-table-cell>{three_days_ago:%a %b} {three_days_ago.day}</s-table-cell>"
        "<s-table-cell>0</s-table-cell><s-table-cell>1</s-table-cell></s-table-row>" in html
    )
    assert html.count('class="chart-day"') == 30


def test_the_charts_days_and_today_are_the_shops(shop):
    # given: a Los Angeles shop (PST, UTC-8) at 02:00 on its Dec 2, which is 10:00 UTC
    shop.iana_timezone = "America/Los_Angeles"
    shop.save(update_fields=["iana_timezone"])
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    first, second, third = _order(shop, 1), _order(shop, 2), _order(shop, 3)
    for order, status, started_at in (
        (first, "success", datetime(2026, 12, 2, 7, 30, tzinfo=UTC)),  # Dec 1, 23:30 in Los Angeles
        (second, "failed", datetime(2026, 12, 2, 8, 30, tzinfo=UTC)),  # Dec 2, 00:30 in Los Angeles: today
        (third, "success", datetime(2026, 11, 3, 7, 30, tzinfo=UTC)),  # Nov 2, 23:30: the 31st day back
    ):
        SyncAttempt.objects.create(
            shop=shop, order=order, operation="create_sale_order", status=status, started_at=started_at
        )

    # when
    chart = get_chart(shop, now)

    # then: today is the shop's Dec 2, and the 30 days start at its midnight of Nov 3
    assert [(day.day, day.synced, day.failed) for day in chart.days[-2:]] == [
        (date(2026, 12, 1), 1, 0),
        (date(2026, 12, 2), 0, 1),
    ]
    assert chart.days[0].day == date(2026, 11, 3)
    assert (chart.synced, chart.failed) == (1, 1)


def test_an_empty_chart_says_so(merchant_client, shop):
    html = _home(merchant_client)

    assert "No order was synced or failed in the last 30 days." in html
    assert 'class="chart"' not in html


def test_chart_bars_are_shares_of_the_busiest_day():
    today = date(2026, 11, 30)

    chart = chart_days(today, {today: 3, date(2026, 11, 29): 1}, {today: 1}, days=3)

    assert [d.day for d in chart.days] == [date(2026, 11, 28), date(2026, 11, 29), today]
    assert chart.peak == 4
    assert [(d.synced_percent, d.failed_percent) for d in chart.days] == [(0, 0), (25.0, 0), (75.0, 25.0)]
    assert (chart.synced, chart.failed) == (4, 1)


def test_the_last_errors_link_to_the_order_and_the_log_entry(merchant_client, shop):
    order = _order(shop, 1001, SyncStatus.FAILED)
    now = timezone.now()
    for minutes in range(7, 0, -1):
        SyncAttempt.objects.create(
            shop=shop,
            order=order,
            object_ref="#1001",
            operation="create_sale_order",
            status="failed",
            message=f"failure {minutes} minutes ago",
            started_at=now - timedelta(minutes=minutes),
        )
    newest = SyncAttempt.objects.get(message="failure 1 minutes ago")

    html = _home(merchant_client)

    errors = html.split('id="last-errors"', 1)[1]
    assert [int(m) for m in re.findall(r"failure (\d) minutes ago", errors)] == [1, 2, 3, 4, 5]
    assert f'href="{reverse("orders:detail", args=[order.pk])}"' in errors
    assert f'href="{reverse("synclogs:detail", args=[newest.pk])}"' in errors


def test_no_errors_is_an_empty_state(merchant_client, shop):
    assert "Nothing has failed" in _home(merchant_client)


def test_the_backlog_is_the_oldest_eligible_order_not_in_odoo(merchant_client, shop):
    _order(shop, 1, SyncStatus.NOT_SYNCED, eligible=True, created_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    _order(shop, 2, SyncStatus.QUEUED, eligible=True, created_at=datetime(2026, 11, 5, tzinfo=UTC))
    _order(shop, 3, SyncStatus.NOT_SYNCED, eligible=False, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    _order(shop, 4, SyncStatus.SYNCED, eligible=True, created_at=datetime(2025, 1, 1, tzinfo=UTC))

    html = _home(merchant_client)

    assert "2 eligible orders not in Odoo yet" in html
    assert "(Nov 2, 2026 09:30 UTC)" in html


def test_no_backlog_says_so(merchant_client, shop):
    _order(shop, 1, SyncStatus.SYNCED, eligible=True)

    assert "Every eligible order is in Odoo or being sent." in _home(merchant_client)


def test_an_eligible_order_that_failed_is_backlog_not_no_backlog(merchant_client, shop):
    _order(shop, 1, SyncStatus.SYNCED, eligible=True)
    _order(shop, 2, SyncStatus.FAILED, eligible=True, sync_error="No Odoo product has the SKU 'X'.")
    _order(shop, 3, SyncStatus.FAILED, eligible=False, sync_error="left out since")
    _order(shop, 4, SyncStatus.NEEDS_REVIEW, eligible=True, review_reason="Totals differ.")

    html = _home(merchant_client)
    backlog = re.sub(r"\s+", " ", re.search(r'id="backlog".*?</s-section>', html, re.S).group(0))

    assert "No backlog" not in backlog and "Every eligible order is in Odoo" not in backlog
    assert "1 eligible order failed</strong> and is not in Odoo" in backlog
    assert f'href="{reverse("orders:list")}?status=failed">See the failed orders</s-link>' in backlog
    assert "1 eligible order needs review</strong>" in backlog
    assert f'href="{reverse("orders:list")}?status=needs_review">See the orders to review</s-link>' in backlog
    assert "No other eligible order is waiting" in backlog


def test_failed_orders_are_counted_beside_the_waiting_ones(merchant_client, shop):
    _order(shop, 1, SyncStatus.NOT_SYNCED, eligible=True)
    _order(shop, 2, SyncStatus.FAILED, eligible=True, sync_error="boom")
    _order(shop, 3, SyncStatus.FAILED, eligible=True, sync_error="boom")

    html = re.sub(r"\s+", " ", _home(merchant_client))

    assert "1 eligible order not in Odoo yet" in html
    assert "2 eligible orders failed</strong> and are not in Odoo" in html
    assert "No other eligible order is waiting" not in html


def test_odoo_health_shows_an_open_circuit_and_the_last_failure(merchant_client, shop):
    until = timezone.now() + timedelta(minutes=2)
    OdooConnection.objects.filter(shop=shop).update(
        circuit_open_until=until, consecutive_failures=5, last_failure="Odoo answered 502 Bad Gateway."
    )

    html = _home(merchant_client)

    assert '<s-banner tone="critical" role="alert">' in html
    assert "Odoo is not answering." in html and "Odoo answered 502 Bad Gateway." in html
    assert '<s-badge tone="critical">Not answering</s-badge>' in html
    assert f"{until:%H:%M:%S} UTC" in html
    assert "orders wait as “Waiting for Odoo”" in html


def test_webhook_health_reports_failed_and_stuck_receipts_of_the_last_day(merchant_client, shop):
    now = timezone.now()
    rows = [
        ("processed", now - timedelta(minutes=1)),
        ("failed", now - timedelta(hours=2)),
        ("received", now - timedelta(minutes=30)),  # stuck
        ("received", now - timedelta(seconds=30)),  # just arrived, not stuck
        ("failed", now - timedelta(days=3)),  # older than a day
    ]
    for number, (status, received_at) in enumerate(rows):
        receipt = WebhookReceipt.objects.create(
            shop=shop, shop_domain=shop.domain, topic="orders/updated", event_id=f"e{number}", status=status
        )
        WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=received_at)
    WebhookReceipt.objects.create(
        shop_domain="other.myshopify.com", topic="orders/updated", event_id="x", status="failed"
    )

    html = _home(merchant_client)

    done, text = _step(html, "webhooks")
    assert not done
    assert "Webhooks: 1 failed in the last 24 hours, 1 not processed after 5 minutes." in text
    assert "<dt>Last 24 hours</dt><dd>4 received</dd>" in html
    assert '<dt>Failed (24 h)</dt><dd class="error">1</dd>' in html
    assert '<dt>Stuck</dt><dd class="error">1</dd>' in html


def test_webhooks_that_stopped_arriving_are_not_healthy(merchant_client, shop):
    receipt = WebhookReceipt.objects.create(
        shop=shop, shop_domain=shop.domain, topic="orders/updated", event_id="e1", status="processed"
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=timezone.now() - timedelta(days=2))
    Shop.objects.filter(pk=shop.pk).update(orders_imported_until=timezone.now() - timedelta(hours=1))

    done, text = _step(_home(merchant_client), "webhooks")

    assert not done
    assert "Shopify changed orders after the last webhook arrived" in text


def test_the_home_page_shows_only_the_current_shop(merchant_client, shop):
    other = Shop.objects.create(domain="other.myshopify.com")
    OrderRules.objects.create(shop=other, saved_at=timezone.now())
    order = _order(other, 99, SyncStatus.FAILED)
    SyncAttempt.objects.create(
        shop=other,
        order=order,
        object_ref="#THEIRS",
        operation="create_sale_order",
        status="failed",
        message="their failure",
        started_at=timezone.now(),
    )

    html = _home(merchant_client)

    assert "#THEIRS" not in html and "their failure" not in html
    assert _tile(html, "failed") == 0
    assert not _step(html, "rules")[0]
