"""The sync log browser: filters, pages, states, detail, webhooks, as the merchant sees them."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from synclogs.models import SyncAttempt, WebhookReceipt
from tests.factories import order_node
from tests.orders.helpers import stored_order
from tests.synclogs.helpers import NOW, attempt, row_ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _list(client, **params):
    response = client.get(reverse("synclogs:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_shops_attempts_newest_first_each_linking_to_its_detail(merchant_client, shop):
    old = attempt(shop, "#1001", started_at=NOW - timedelta(hours=2))
    new = attempt(
        shop,
        "#1002",
        started_at=NOW,
        status=SyncAttempt.Status.FAILED,
        message="Odoo refused the order: the product SKU-X does not exist.",
        duration_ms=2345,
        rpc_calls=7,
    )

    html = _list(merchant_client)

    assert row_ids(html) == [new.pk, old.pk]
    assert f'href="{reverse("synclogs:detail", args=[new.pk])}"' in html
    assert "Odoo refused the order: the product SKU-X does not exist." in html
    assert "2,345 ms" in html
    assert "Sync order to Odoo" in html
    assert '<s-badge tone="critical" class="log-status-failed">Failed</s-badge>' in html
    assert "2 attempts" in html
    assert "synco/logs.css" in html


@pytest.fixture
def varied(shop):
    """One attempt of each kind, on different days (UTC)."""
    rows = {
        "paid": attempt(shop, "#1001", started_at=datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC)),
        "failed": attempt(
            shop,
            "#1002",
            status=SyncAttempt.Status.FAILED,
            started_at=datetime(2026, 11, 2, 0, 0, tzinfo=UTC),
        ),
        "running": attempt(
            shop,
            "#2001",
            status=SyncAttempt.Status.RUNNING,
            started_at=datetime(2026, 11, 3, 23, 59, tzinfo=UTC),
        ),
        "customer": attempt(
            shop,
            "Shopify customer 7001",
            object_type=SyncAttempt.Object.CUSTOMER,
            operation="create_customer",
            started_at=datetime(2026, 11, 4, 0, 0, tzinfo=UTC),
        ),
        "import": attempt(
            shop,
            shop.domain,
            object_type=SyncAttempt.Object.SHOP,
            operation="import_orders",
            started_at=datetime(2026, 11, 5, 8, 0, tzinfo=UTC),
        ),
    }
    return {key: row.pk for key, row in rows.items()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"paid", "failed", "running", "customer", "import"}),
        ({"status": "failed"}, {"failed"}),
        ({"status": "running"}, {"running"}),
        ({"status": "success"}, {"paid", "customer", "import"}),
        ({"object_type": "customer"}, {"customer"}),
        ({"object_type": "order"}, {"paid", "failed", "running"}),
        ({"operation": "import_orders"}, {"import"}),
        ({"operation": "create_customer"}, {"customer"}),
        ({"ref": "#1001"}, {"paid"}),
        ({"ref": "1001"}, {"paid"}),
        ({"ref": "#100"}, {"paid", "failed"}),
        ({"ref": "  2001 "}, {"running"}),
        ({"date_from": "2026-11-02", "date_to": "2026-11-03"}, {"failed", "running"}),
        ({"date_from": "2026-11-04"}, {"customer", "import"}),
        ({"date_to": "2026-11-01"}, {"paid"}),
        ({"date_from": "2026-11-02", "status": "success"}, {"customer", "import"}),
        ({"ref": "#100", "status": "failed", "object_type": "order"}, {"failed"}),
        (
            {"ref": "#1"},
            set(),
        ),  # under three digits: the whole number (order #1), not a substring of thousands
        ({"status": "failed", "date_from": "2026-11-03"}, set()),
    ],
)
def test_every_filter_returns_the_right_rows(merchant_client, varied, params, expected):
    html = _list(merchant_client, **params)

    assert set(row_ids(html)) == {varied[key] for key in expected}


def test_the_orders_page_link_shows_the_attempts_of_one_order(merchant_client, shop):
    order = stored_order(shop, order_node())
    mine = attempt(shop, "#1001", order=order)
    attempt(shop, "#1001-other", order=None)

    html = _list(merchant_client, order=order.pk)

    assert row_ids(html) == [mine.pk]
    assert "Attempts of order <strong>#1001</strong>" in html
    assert f'name="order" value="{order.pk}"' in html


def test_a_bad_date_is_explained_not_a_server_error(merchant_client, shop):
    attempt(shop)

    html = _list(merchant_client, date_from="2026-13-45")

    assert "Some filters are not valid" in html
    assert "“From” is not a date: use YYYY-MM-DD." in html
    assert row_ids(html) == []
    assert 'href="/logs/">Reset the filters</s-link>' in html


def test_an_end_date_before_the_start_is_explained(merchant_client, shop):
    html = _list(merchant_client, date_from="2026-11-05", date_to="2026-11-01")

    assert "“To” must not be before “From”." in html


def test_an_unknown_status_is_explained(merchant_client, shop):
    html = _list(merchant_client, status="exploded")

    assert "Select a valid choice. exploded is not one of the available choices." in html


def test_no_match_says_so_with_a_reset_link(merchant_client, shop):
    attempt(shop, "#1001")

    html = _list(merchant_client, ref="#9999")

    assert "No sync attempts match these filters" in html
    assert 'href="/logs/">Reset the filters</s-link>' in html
    assert "Nothing logged yet" not in html


def test_an_empty_log_says_what_will_appear_there(merchant_client, shop):
    html = _list(merchant_client)

    assert "Nothing logged yet" in html
    assert "No sync attempts match" not in html


def test_operations_logged_but_not_named_are_offered_as_filters(merchant_client, shop):
    attempt(shop, "#1", operation="refresh_invoice")

    html = _list(merchant_client)

    assert '<s-option value="refresh_invoice">Refresh invoice</s-option>' in html
    assert '<s-option value="create_sale_order">Sync order to Odoo</s-option>' in html


def _bulk(shop, count, start=NOW):
    SyncAttempt.objects.bulk_create(
        SyncAttempt(
            shop=shop,
            object_ref=f"#{1000 + i}",
            operation="create_sale_order",
            status=SyncAttempt.Status.SUCCESS,
            # pairs share a timestamp: the id breaks the tie, so no row is skipped or shown twice
            started_at=start - timedelta(seconds=i // 2),
        )
        for i in range(count)
    )
    return list(
        SyncAttempt.objects.filter(shop=shop).order_by("-started_at", "-id").values_list("pk", flat=True)
    )


def _link(html, rel):
    match = re.search(
        rf'<s-button[^>]* hx-get="([^"]+)" hx-target="#log-results"[^>]* data-rel="{rel}"', html
    )
    return match[1].replace("&amp;", "&") if match else None


def test_each_page_button_has_the_href_it_loads_so_it_opens_in_a_new_tab(merchant_client, shop):
    _bulk(shop, 120)

    second = merchant_client.get(_link(_list(merchant_client, status="success"), "next")).content.decode()

    buttons = re.findall(r'<s-button[^>]* href="([^"]+)" hx-get="([^"]+)"[^>]* data-rel="(\w+)"', second)
    assert [rel for _, _, rel in buttons] == ["first", "prev", "next"]
    assert all(href == loads and href.startswith("/logs/") for href, loads, _ in buttons)
    # the href is the full page (a plain GET, not HTMX), with its filter kept
    page = merchant_client.get(buttons[2][0].replace("&amp;", "&"))
    assert page.status_code == 200 and "<s-page" in page.content.decode()
    assert "status=success" in buttons[2][0]


def test_pages_follow_each_other_without_gaps_or_repeats_and_come_back(merchant_client, shop):
    expected = _bulk(shop, 120)

    first = _list(merchant_client, status="success")
    second = merchant_client.get(_link(first, "next")).content.decode()
    third = merchant_client.get(_link(second, "next")).content.decode()
    back = merchant_client.get(_link(second, "prev")).content.decode()

    assert row_ids(first) + row_ids(second) + row_ids(third) == expected
    assert [len(row_ids(page)) for page in (first, second, third)] == [50, 50, 20]
    assert _link(first, "prev") is None and _link(third, "next") is None
    assert row_ids(back) == row_ids(first)
    assert parse_qs(urlsplit(_link(first, "next")).query)["status"] == ["success"]
    assert "1,000+" not in first and "120 attempts match" in first


def test_the_count_is_capped_instead_of_counting_every_row(merchant_client, shop, monkeypatch):
    monkeypatch.setattr("synclogs.views.COUNT_CAP", 100)
    _bulk(shop, 120)

    html = _list(merchant_client)

    assert "100+ attempts" in html


def test_a_malformed_cursor_starts_at_the_newest(merchant_client, shop):
    newest = _bulk(shop, 3)

    assert row_ids(_list(merchant_client, after="not-a-cursor")) == newest


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_query_count_does_not_grow_with_the_rows_on_a_page(merchant_client, shop):
    order = stored_order(shop, order_node())
    attempt(shop, "#1", order=order, odoo_model="sale.order", odoo_id=4)
    url = reverse("synclogs:list")
    filtered = f"{url}?status=success&order={order.pk}"
    few, few_filtered = _queries(merchant_client, url), _queries(merchant_client, filtered)

    SyncAttempt.objects.bulk_create(
        SyncAttempt(
            shop=shop,
            order=order,
            object_ref="#1",
            operation="create_sale_order",
            status="success",
            odoo_model="sale.order",
            odoo_id=i + 10,
            started_at=NOW - timedelta(minutes=i),
        )
        for i in range(60)
    )
    many, many_filtered = _queries(merchant_client, url), _queries(merchant_client, filtered)

    assert len(many) == len(few) and len(many_filtered) == len(few_filtered)
    # the log's own reads: the operations (an index walk), one page of rows and one capped count
    assert len([sql for sql in many if "synclogs_syncattempt" in sql]) == 3
    assert len([sql for sql in many_filtered if "orders_order" in sql]) == 1  # the order's name, once


def test_htmx_gets_the_results_and_a_clean_shareable_url(merchant_client, shop):
    failed = attempt(shop, "#1002", status=SyncAttempt.Status.FAILED)
    attempt(shop, "#1001")

    response = merchant_client.get(
        reverse("synclogs:list"),
        {
            "date_from": "",
            "date_to": "",
            "ref": "",
            "status": "failed",
            "object_type": "",
            "operation": "",
            "order": "",
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="log-results",
    )

    html = response.content.decode()
    assert "<html" not in html and "log-filters" not in html
    assert row_ids(html) == [failed.pk]
    assert response["HX-Push-Url"] == "/logs/?status=failed"
    assert 'id="log-status"' in html and 'hx-swap-oob="true"' in html and "1 attempt matches." in html
    assert "HX-Request" in response["Vary"]
    assert 'href="/logs/export.csv?status=failed"' in html


def _session_token(settings, shop):
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


@pytest.mark.parametrize("name", ["synclogs:list", "synclogs:webhooks", "synclogs:detail"])
def test_pages_render_inside_the_shopify_admin(client, shop, settings, name):
    row = attempt(shop, "#1001")
    args = [row.pk] if name == "synclogs:detail" else []

    response = client.get(
        reverse(name, args=args), HTTP_AUTHORIZATION=f"Bearer {_session_token(settings, shop.domain)}"
    )

    assert response.status_code == 200
    assert "#1001" in response.content.decode() or name == "synclogs:webhooks"
    assert response["Content-Security-Policy"].startswith(f"frame-ancestors https://{shop.domain}")


def test_pages_need_a_login(client, shop):
    row = attempt(shop)

    for url in (
        reverse("synclogs:list"),
        reverse("synclogs:detail", args=[row.pk]),
        reverse("synclogs:export"),
        reverse("synclogs:webhooks"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_detail_shows_the_summary_readably_with_links_to_odoo_and_the_order(merchant_client, shop):
    order = stored_order(shop, order_node())
    row = attempt(
        shop,
        "#1001",
        order=order,
        odoo_model="sale.order",
        odoo_id=42,
        rpc_calls=3,
        duration_ms=812,
        attempt=2,
        task_id="c0ffee-task",
        finished_at=NOW + timedelta(milliseconds=812),
        summary={
            "sale_order": {
                "id": 42,
                "name": "SHOP#1001",
                "state": "sale",
                "created": True,
                "amount_untaxed": "54.49",
                "amount_tax": "7.28",
                "amount_total": "61.77",
                "currency": "USD",
            },
            "totals": {"shopify": "61.77", "odoo": "61.77", "difference": "0.00", "tolerance": "0.01"},
            "invoice": {"id": 7, "name": "INV/2026/00007", "state": "posted", "payment_state": "paid"},
            "payment_id": 9,
            "review_reason": "",
        },
    )

    response = merchant_client.get(reverse("synclogs:detail", args=[row.pk]))

    html = response.content.decode()
    odoo_url = shop.odoo.url.rstrip("/")
    assert '<s-page heading="Sync order to Odoo · #1001"' in html
    for fact in (
        "SHOP#1001",
        "61.77",
        "54.49",
        "INV/2026/00007",
        "posted",
        "Totals comparison",
        "c0ffee-task",
        "812 ms",
    ):
        assert fact in html
    assert "<dt>Calls to Odoo</dt><dd>3</dd>" in html
    assert "<dt>Attempt</dt><dd>2</dd>" in html
    assert "<dt>Created by this attempt</dt><dd>Yes</dd>" in html
    assert f'<s-link href="{odoo_url}/odoo/sale.order/42" target="_blank">42</s-link>' in html
    assert f'href="{odoo_url}/odoo/account.move/7"' in html
    assert f'href="{odoo_url}/odoo/account.payment/9"' in html
    assert f'href="/logs/?order={order.pk}">all its attempts</s-link>' in html
    assert ">#1001</s-link>" in html
    assert "Held for review" not in html  # empty values are left out
    assert "&quot;amount_total&quot;: &quot;61.77&quot;" in html  # the raw JSON, for support


def test_the_detail_of_a_failure_shows_the_error(merchant_client, shop):
    row = attempt(
        shop,
        "#1003",
        status=SyncAttempt.Status.FAILED,
        message="Odoo refused the order: no product has the SKU 'SKU-GHOST'. Create it in Odoo, then Retry.",
    )

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    assert '<s-section heading="Error" id="log-message">' in html
    assert "no product has the SKU &#x27;SKU-GHOST&#x27;. Create it in Odoo, then Retry." in html
    assert "A failed attempt keeps no summary" in html


def test_the_order_link_opens_the_order_page_or_the_orders_list_searched(merchant_client, shop):
    order = stored_order(shop, order_node())
    row = attempt(shop, "#1001", order=order)

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    try:
        expected = reverse("orders:detail", args=[order.pk])
    except Exception:
        expected = f"{reverse('orders:list')}?q=%231001"
    assert f'<s-link href="{expected}">#1001</s-link>' in html


def _receipt(shop_domain, topic, **fields):
    values = {
        "event_id": str(uuid.uuid4()),
        "payload": {"id": 1, "email": "jane.doe@example.com", "customer": {"first_name": "Jane"}},
        "headers": {"Topic": topic},
    }
    values.update(fields)
    return WebhookReceipt.objects.create(shop_domain=shop_domain, topic=topic, **values)


def test_the_webhooks_tab_lists_what_shopify_delivered_without_its_content(merchant_client, shop):
    processed = _receipt(
        shop.domain,
        "orders/paid",
        status=WebhookReceipt.Status.PROCESSED,
        message="Order #1001 re-fetched: updated.",
    )
    failed = _receipt(
        shop.domain, "orders/create", status=WebhookReceipt.Status.FAILED, message="Shopify is down."
    )
    waiting = _receipt(shop.domain, "app/uninstalled")
    _receipt("other.myshopify.com", "orders/paid", message="their event")

    html = merchant_client.get(reverse("synclogs:webhooks")).content.decode()
    only_failed = merchant_client.get(reverse("synclogs:webhooks"), {"status": "failed"}).content.decode()
    only_paid = merchant_client.get(reverse("synclogs:webhooks"), {"topic": "orders/paid"}).content.decode()

    assert set(row_ids(html, "webhook")) == {processed.pk, failed.pk, waiting.pk}
    assert "Order #1001 re-fetched: updated." in html and "Waiting to be processed." in html
    assert "their event" not in html
    assert "jane.doe" not in html and "Jane" not in html
    assert row_ids(only_failed, "webhook") == [failed.pk]
    assert row_ids(only_paid, "webhook") == [processed.pk]
    assert 'aria-current="page">Webhooks from Shopify</s-button>' in html


def test_the_webhooks_tab_explains_an_empty_list_and_bad_dates(merchant_client, shop):
    empty = merchant_client.get(reverse("synclogs:webhooks")).content.decode()
    bad = merchant_client.get(reverse("synclogs:webhooks"), {"date_to": "yesterday"}).content.decode()

    assert "No webhooks received yet" in empty
    assert "“To” is not a date: use YYYY-MM-DD." in bad


def test_webhooks_page_by_received_time(merchant_client, shop):
    for _ in range(55):
        _receipt(shop.domain, "orders/updated")
    expected = list(WebhookReceipt.objects.order_by("-received_at", "-id").values_list("pk", flat=True))

    first = merchant_client.get(reverse("synclogs:webhooks")).content.decode()
    second = merchant_client.get(_link(first, "next")).content.decode()

    assert row_ids(first, "webhook") + row_ids(second, "webhook") == expected


def test_an_order_of_this_shop_is_named_only_if_it_is_this_shops(merchant_client, shop):
    other_order = Order.objects.create(
        shop=type(shop).objects.create(domain="other.myshopify.com"),
        shopify_id=99,
        gid="gid://shopify/Order/99",
        name="#THEIRS",
        created_at=NOW,
        updated_at=NOW,
        payload={},
    )

    html = _list(merchant_client, order=other_order.pk)

    assert "#THEIRS" not in html
    assert "(not found in this shop)" in html
