from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from synco.models import Shop
from synco.shopify.types import parse_order
from tests.factories import order_node

pytestmark = pytest.mark.django_db


def _order(shop: Shop, shopify_id: int = 5550001001, name: str = "#1001", **fields: object) -> Order:
    node = order_node(id=f"gid://shopify/Order/{shopify_id}", name=name)
    parsed = parse_order(node)
    return Order.objects.create(
        shop=shop,
        shopify_id=shopify_id,
        gid=parsed.gid,
        name=name,
        created_at=parsed.created_at,
        updated_at=parsed.updated_at,
        total_price=parsed.total,
        customer_name="Jane Doe",
        payload=node,
        **fields,
    )


def test_the_list_shows_each_total_in_its_currency(merchant_client, shop):
    # given totals as Shopify's API writes them ("64.8"), in two currencies
    dollars = _order(shop, 1, "#1001")
    yen = _order(shop, 2, "#1002", currency="JPY")
    Order.objects.filter(pk=dollars.pk).update(total_price=Decimal("64.8"))
    Order.objects.filter(pk=yen.pk).update(total_price=Decimal("6480"))

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert (
        '<s-table-cell data-label="Total" class="num">$64.80 USD</s-table-cell>'
        in html.split(f'id="order-{dollars.pk}"', 1)[1]
    )
    assert (
        '<s-table-cell data-label="Total" class="num">¥6,480 JPY</s-table-cell>'
        in html.split(f'id="order-{yen.pk}"', 1)[1]
    )
    assert "64.8 USD" not in html


def test_it_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("orders:list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_lists_the_shops_orders_with_their_sync_status(merchant_client, shop):
    _order(shop, 1, "#1001")
    _order(shop, 2, "#1002", sync_status=SyncStatus.SYNCED, odoo_id=12, odoo_name="SHOP#1002")
    _order(
        shop,
        3,
        "#1003",
        sync_status=SyncStatus.FAILED,
        sync_error="No Odoo product has the SKU 'X'",
        eligible=True,
    )
    _order(
        shop,
        4,
        "#1004",
        sync_status=SyncStatus.IN_PROGRESS,
        lease_until=timezone.now() + timedelta(minutes=1),
    )

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert "#1001" in html and "Not Synced" in html
    assert "SHOP#1002" in html and "(id 12)" in html and "Synced" in html
    assert "No Odoo product has the SKU &#x27;X&#x27;" in html and ">Retry<" in html
    assert "Being written" in html


def test_it_polls_only_rows_that_are_in_progress(merchant_client, shop):
    waiting = _order(shop, 1, "#1001", sync_status=SyncStatus.IN_PROGRESS)
    done = _order(shop, 2, "#1002", sync_status=SyncStatus.SYNCED, odoo_id=3, odoo_name="S1")

    html = merchant_client.get(reverse("orders:list")).content.decode()

    # one poll for the whole table, sending the ids of the pending rows only
    assert html.count('hx-trigger="every 1s') == 1
    # htmx fires only when the filter returns exactly true, and rewrites a bare `null` to window.null
    assert "every 1s [!!document.querySelector('#order-table input[name=pending]')]" in html
    assert 'hx-get="/orders/rows/"' in html and 'hx-include="#order-table input[name=pending]"' in html
    assert f'<input type="hidden" name="pending" value="{waiting.pk}">' in html
    assert f'name="pending" value="{done.pk}"' not in html
    assert "/row/" not in html


def test_it_filters_by_status_and_serves_the_fragment_to_htmx(merchant_client, shop):
    _order(shop, 1, "#1001")
    _order(shop, 2, "#1002", sync_status=SyncStatus.FAILED, sync_error="boom")

    response = merchant_client.get(
        reverse("orders:list"), {"status": "failed"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-table"
    )

    html = response.content.decode()
    assert "#1002" in html and "#1001" not in html
    assert "<html" not in html


def test_it_marks_the_order_in_progress_and_enqueues_the_sync_after_commit(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    order = _order(shop, eligible=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert len(callbacks) == 1
    html = response.content.decode()
    assert "Queued" in html and f'<input type="hidden" name="pending" value="{order.pk}">' in html
    # the answer arms the table's poll, so the row goes on updating without a reload
    assert '<div id="order-poll" hidden hx-swap-oob="true"' in html and 'hx-trigger="every 1s' in html
    assert "Sync of #1001 started." in response["HX-Trigger"]


def test_it_does_not_enqueue_twice_for_a_double_click(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    order = _order(shop, eligible=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        merchant_client.post(reverse("orders:sync", args=[order.pk]))
        second = merchant_client.post(reverse("orders:sync", args=[order.pk]))

    assert len(callbacks) == 1
    assert "already queued" in second["HX-Trigger"]


def test_it_refuses_to_show_or_sync_another_shops_order(merchant_client, shop):
    other = Shop.objects.create(domain="other.myshopify.com")
    foreign = _order(other, 99, "#9999")

    assert merchant_client.get(reverse("orders:row", args=[foreign.pk])).status_code == 404
    assert merchant_client.post(reverse("orders:sync", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.sync_status == SyncStatus.NOT_SYNCED
    assert "#9999" not in merchant_client.get(reverse("orders:list")).content.decode()


def test_it_shows_the_log_of_the_shop_only(merchant_client, shop):
    from django.utils import timezone

    from synclogs.models import SyncAttempt

    other = Shop.objects.create(domain="other.myshopify.com")
    SyncAttempt.objects.create(
        shop=shop,
        operation="create_sale_order",
        object_ref="#1001",
        message="mine",
        started_at=timezone.now(),
    )
    SyncAttempt.objects.create(
        shop=other,
        operation="create_sale_order",
        object_ref="#9",
        message="theirs",
        started_at=timezone.now(),
    )

    html = merchant_client.get(reverse("synclogs:list")).content.decode()

    assert "mine" in html and "theirs" not in html


@pytest.mark.parametrize(
    ("status_filter", "expected"),
    [
        ("all", {"#1", "#2", "#3", "#4", "#5", "#6"}),
        ("eligible", {"#1"}),
        ("not_synced", {"#1", "#2"}),
        ("in_progress", {"#3"}),
        ("synced", {"#4", "#6"}),
        ("sale_order", {"#4"}),
        ("invoice", {"#6"}),
        ("failed", {"#5"}),
        ("needs_review", set()),
        ("risky", {"#2"}),
    ],
)
def test_every_filter_returns_the_right_rows(merchant_client, shop, status_filter, expected):
    _order(shop, 1, "#1", eligible=True)
    _order(shop, 2, "#2", risk_reason="high risk")
    _order(shop, 3, "#3", sync_status=SyncStatus.QUEUED)
    _order(shop, 4, "#4", sync_status=SyncStatus.SYNCED, odoo_id=4, odoo_name="S4")
    _order(shop, 5, "#5", sync_status=SyncStatus.FAILED, sync_error="x")
    _order(shop, 6, "#6", sync_status=SyncStatus.SYNCED, odoo_id=6, odoo_name="S6", odoo_invoice_id=9)

    html = merchant_client.get(
        reverse("orders:list"),
        {"status": status_filter},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="order-table",
    ).content.decode()

    shown = {f"#{n}" for n in range(1, 7) if f"<strong>#{n}</strong>" in html}
    assert shown == expected


def test_it_searches_by_number_customer_and_email(merchant_client, shop):
    _order(shop, 1, "#1001")
    Order.objects.filter(shopify_id=1).update(customer_name="José Müller", email="jose@example.com")
    _order(shop, 2, "#1002")

    def found(q):
        html = merchant_client.get(
            reverse("orders:list"), {"q": q}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-table"
        ).content.decode()
        return {name for name in ("#1001", "#1002") if f"<strong>{name}</strong>" in html}

    assert found("1001") == {"#1001"}
    assert found("müller") == {"#1001"}
    assert found("JOSE@") == {"#1001"}


def test_it_bulk_syncs_the_selected_orders_and_shows_progress(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    first, second = _order(shop, 1, "#1", eligible=True), _order(shop, 2, "#2", eligible=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(
            reverse("orders:bulk_sync"), {"order": [first.pk]}, HTTP_HX_REQUEST="true"
        )

    html = response.content.decode()
    assert 'data-done="0" data-total="1"' in html
    assert 'hx-trigger="every 2s"' in html
    assert len(callbacks) == 1
    second.refresh_from_db()
    assert second.sync_status == SyncStatus.NOT_SYNCED


def test_it_says_when_odoo_is_down_and_how_many_orders_wait(merchant_client, shop):
    from datetime import timedelta

    from django.utils import timezone

    from synco.models import OdooConnection

    OdooConnection.objects.filter(shop=shop).update(
        circuit_open_until=timezone.now() + timedelta(minutes=2), last_failure="Cannot connect to Odoo."
    )
    _order(shop, 1, "#1", sync_status=SyncStatus.QUEUED)

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert "Odoo is not answering." in html and "Cannot connect to Odoo." in html
    assert "1 order waiting, none lost." in html


# -- filters, date range, pagination, counts ------------------------------------------------------


def _fragment(merchant_client, **params):
    return merchant_client.get(
        reverse("orders:list"), params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-table"
    ).content.decode()


def _shown(html, names):
    return {name for name in names if f"<strong>{name}</strong>" in html}


def _created(order: Order, when: str) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=datetime.fromisoformat(when))


def test_the_date_range_includes_both_days_and_keeps_the_status_filter(merchant_client, shop):
    for number, when in [
        (1, "2026-10-31T23:59:59+00:00"),
        (2, "2026-11-01T00:00:00+00:00"),
        (3, "2026-11-15T23:59:59+00:00"),
        (4, "2026-11-16T00:00:00+00:00"),
    ]:
        _created(_order(shop, number, f"#{number}"), when)
    Order.objects.filter(shopify_id=3).update(sync_status=SyncStatus.FAILED)
    names = {"#1", "#2", "#3", "#4"}

    assert _shown(_fragment(merchant_client, created_from="2026-11-01", created_to="2026-11-15"), names) == {
        "#2",
        "#3",
    }
    assert _shown(_fragment(merchant_client, created_from="2026-11-15"), names) == {"#3", "#4"}
    assert _shown(_fragment(merchant_client, created_to="2026-10-31"), names) == {"#1"}
    assert _shown(
        _fragment(merchant_client, status="failed", created_from="2026-11-01", created_to="2026-11-15"), names
    ) == {"#3"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"created_from": "2026-13-45"}, "“Created from” is not a date: use YYYY-MM-DD."),
        ({"created_to": "yesterday"}, "“Created to” is not a date: use YYYY-MM-DD."),
        (
            {"created_from": "2026-11-20", "created_to": "2026-11-01"},
            "“Created to” must not be before “Created from”.",
        ),
        ({"created_from": "1066-10-14"}, "Choose a date between 2000 and 2099."),
    ],
)
def test_a_wrong_date_range_says_why_and_is_not_applied(merchant_client, shop, params, message):
    _created(_order(shop, 1, "#1"), "2026-11-10T10:00:00+00:00")

    response = merchant_client.get(reverse("orders:list"), params)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "The date range is not applied until it is corrected." in html
    assert 'role="alert"' in html and re.search(r'<s-date-field [^>]*error="', html)
    assert _shown(html, {"#1"}) == {"#1"}


@pytest.mark.parametrize("deep_offset", [1000, 0])
def test_pagination_keeps_the_filter_the_search_and_the_dates(
    merchant_client, shop, monkeypatch, deep_offset
):
    from orders import views

    monkeypatch.setattr(views, "DEEP_OFFSET", deep_offset)  # 0: every page through the ids-first path
    Order.objects.bulk_create(
        Order(
            shop=shop,
            shopify_id=n,
            gid=f"gid://shopify/Order/{n}",
            name=f"#{1000 + n}",
            created_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n),
            updated_at=datetime(2026, 11, 1, tzinfo=UTC),
            customer_name="Jane Doe",
            sync_status=SyncStatus.FAILED,
        )
        for n in range(1, 56)
    )
    params = {"status": "failed", "q": "jane", "created_from": "2026-11-01", "created_to": "2026-11-02"}

    first = _fragment(merchant_client, **params)
    second = _fragment(merchant_client, **params, page="2")

    next_link = "?status=failed&amp;q=jane&amp;created_from=2026-11-01&amp;created_to=2026-11-02&amp;page=2"
    assert f'href="{next_link}"' in first and "Page 1 of 2" in first and "1\N{EN DASH}50 of 55" in first
    # a Polaris link button: the href a new tab opens, and the same URL loaded by HTMX into the table
    assert (
        f'<s-button href="{next_link}" hx-get="{next_link}" hx-target="#order-table" hx-push-url="true" '
        'hx-indicator="#order-table" data-rel="next"'
    ) in first
    previous_link = next_link.replace("page=2", "page=1")
    assert f'<s-button href="{previous_link}" hx-get="{previous_link}"' in second
    assert "Page 2 of 2" in second and "51\N{EN DASH}55 of 55" in second
    # newest first: page 2 holds the five oldest
    assert _shown(second, {f"#{1000 + n}" for n in range(1, 56)}) == {f"#{1000 + n}" for n in range(1, 6)}


def test_tabs_show_their_counts_for_the_current_search(merchant_client, shop):
    _order(shop, 1, "#1", eligible=True)
    _order(shop, 2, "#2", sync_status=SyncStatus.FAILED, sync_error="x")
    _order(shop, 3, "#3", sync_status=SyncStatus.SYNCED, odoo_id=3, odoo_name="S3", odoo_invoice_id=7)
    _order(shop, 4, "#4", parse_error="createdAt is missing")
    Order.objects.filter(shopify_id=3).update(customer_name="Zoë Zed")

    def counts(html):
        return dict(re.findall(r'id="tab-count-(\w+)">([\d,]+)<', html))

    assert counts(_fragment(merchant_client)) == {
        "all": "4",
        "synced": "1",
        "not_synced": "1",
        "eligible": "1",
        "sale_order": "0",
        "invoice": "1",
        "failed": "2",
        "needs_review": "0",
        "in_progress": "0",
        "risky": "0",
    }
    assert counts(_fragment(merchant_client, q="zoë"))["all"] == "1"
    assert counts(_fragment(merchant_client, q="zoë"))["synced"] == "1"
    # a tab is a Polaris link button named by its label then its count ("Not Synced 1 order"), the current one
    # aria-current; it keeps a real href (a new tab opens the page) and loads the table with HTMX
    html = _fragment(merchant_client)
    tab = re.search(
        r'<s-button variant="tertiary" href="\?status=not_synced"\s+hx-get="\?status=not_synced" '
        r'hx-target="#order-table" hx-push-url="true"[^>]*>(.*?)</s-button>',
        html,
        re.S,
    )
    assert tab is not None
    assert tab.group(1) == (
        'Not Synced <span class="tab-count" id="tab-count-not_synced">1'
        '<span class="visually-hidden"> order</span></span>'
    )
    assert re.search(r'<s-button [^>]*data-status="all" aria-current="page">', html)
    assert len(re.findall(r'aria-current="page"', html.split("</nav>")[0])) == 1


def test_the_page_runs_as_many_queries_for_fifty_rows_as_for_one(merchant_client, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert merchant_client.get(reverse("orders:list")).status_code == 200
        return len(captured)

    _order(shop, 1, "#1", sync_status=SyncStatus.SYNCED, odoo_id=1, odoo_name="S1", odoo_invoice_id=2)
    one = queries()
    for n in range(2, 61):
        _order(
            shop, n, f"#{n}", sync_status=SyncStatus.SYNCED, odoo_id=n, odoo_name=f"S{n}", odoo_invoice_id=n
        )

    assert queries() == one


# -- columns, actions ---------------------------------------------------------------------------


def test_a_row_shows_statuses_the_odoo_documents_and_its_action(merchant_client, shop):
    synced = _order(
        shop,
        1,
        "#1",
        sync_status=SyncStatus.SYNCED,
        financial_status="PARTIALLY_REFUNDED",
        fulfillment_status="UNFULFILLED",
        odoo_id=41,
        odoo_name="SHOP#1",
        odoo_invoice_id=77,
        odoo_invoice_name="INV/2026/00077",
        email="jane.doe@example.com",
    )
    review = _order(
        shop,
        2,
        "#2",
        sync_status=SyncStatus.NEEDS_REVIEW,
        review_reason="Odoo total 10 differs",
        eligible=True,
    )
    fresh = _order(shop, 3, "#3", eligible=False, ineligible_reason="payment status is PENDING")

    html = merchant_client.get(reverse("orders:list")).content.decode()

    row = html.split(f'id="order-{synced.pk}"', 1)[1].split("</s-table-row>", 1)[0]
    assert "Partially refunded" in row and "Unfulfilled" in row and "jane.doe@example.com" in row
    assert '<s-table-cell data-label="Total" class="num">$61.77 USD</s-table-cell>' in row
    assert f'href="http://127.0.0.1:{shop.odoo.port}/odoo/sale.order/41"' in row and "SHOP#1" in row
    assert f'href="http://127.0.0.1:{shop.odoo.port}/odoo/account.move/77"' in row and "INV/2026/00077" in row
    assert f'href="/orders/{synced.pk}/"' in row
    assert 'aria-label="Sync #1"' not in row and 'aria-label="Preview #1"' in row
    assert 'aria-label="Retry #2"' in html and "Odoo total 10 differs" in html
    # an order the rules leave out: no checkbox and no Sync, the reason instead
    fresh_row = html.split(f'id="order-{fresh.pk}"', 1)[1].split("</s-table-row>", 1)[0]
    assert 'aria-label="Sync #3"' not in fresh_row and "Select #3" not in fresh_row
    assert "Not eligible</s-badge>" in fresh_row and "Not eligible: payment status is PENDING" in fresh_row
    assert f'<s-checkbox name="order" value="{review.pk}" accessibilityLabel="Select #2">' in html


def test_the_rows_poll_swaps_the_rows_it_asks_for_and_announces_finished_ones(merchant_client, shop):
    running = _order(shop, 1, "#1", sync_status=SyncStatus.IN_PROGRESS)
    finished = _order(shop, 2, "#2", sync_status=SyncStatus.SYNCED, odoo_id=5, odoo_name="SHOP#2")
    _order(shop, 3, "#3", sync_status=SyncStatus.IN_PROGRESS)

    html = merchant_client.get(
        reverse("orders:rows"), {"pending": [running.pk, finished.pk]}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert f'<s-table-row id="order-{running.pk}" data-status="in_progress" hx-swap-oob="true"' in html
    assert f'<s-table-row id="order-{finished.pk}" data-status="synced" hx-swap-oob="true"' in html
    assert "#3" not in html
    assert (
        '<div id="order-announcer" hx-swap-oob="innerHTML"><p>#2: Synced, SHOP#2 in Odoo.</p></div>' in html
    )


def test_the_rows_poll_announces_nothing_while_rows_are_still_running(merchant_client, shop):
    running = _order(shop, 1, "#1", sync_status=SyncStatus.QUEUED)

    html = merchant_client.get(reverse("orders:rows"), {"pending": [running.pk]}).content.decode()

    assert "order-announcer" not in html and 'name="pending"' in html


def test_the_poll_is_not_armed_when_nothing_is_in_progress(merchant_client, shop):
    _order(shop, 1, "#1", sync_status=SyncStatus.SYNCED, odoo_id=1, odoo_name="S1")
    _order(shop, 2, "#2", sync_status=SyncStatus.FAILED, sync_error="x")

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert '<div id="order-poll" hidden></div>' in html and "every 1s" not in html


def test_bulk_sync_without_a_selection_says_so_and_queues_nothing(merchant_client, shop):
    order = _order(shop, 1, "#1")

    response = merchant_client.post(reverse("orders:bulk_sync"), {}, HTTP_HX_REQUEST="true")

    assert "Select the orders to sync first." in response["HX-Trigger"]
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED


def test_bulk_sync_tells_the_table_to_reload_and_the_bar_stops_polling_when_done(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    first, second = _order(shop, 1, "#1", eligible=True), _order(shop, 2, "#2", eligible=True)
    with django_capture_on_commit_callbacks(execute=False):
        response = merchant_client.post(
            reverse("orders:bulk_sync"), {"scope": "eligible"}, HTTP_HX_REQUEST="true"
        )
    assert json.loads(response["HX-Trigger"])["ordersQueued"] is True
    batch_url = reverse("orders:batch", args=[Order.objects.get(pk=first.pk).batch_id])

    # one done, one still running: the bar goes on polling
    Order.objects.filter(pk=first.pk).update(sync_status=SyncStatus.SYNCED)
    Order.objects.filter(pk=second.pk).update(sync_status=SyncStatus.IN_PROGRESS)
    running = merchant_client.get(batch_url).content.decode()
    assert 'hx-trigger="every 2s"' in running and 'data-done="1" data-total="2"' in running

    # both done: no more polling, and it says it finished
    Order.objects.filter(pk=second.pk).update(sync_status=SyncStatus.FAILED, sync_error="x")
    done = merchant_client.get(batch_url).content.decode()
    assert "hx-trigger" not in done and 'data-done="2" data-total="2"' in done
    assert "Finished." in done and "1 failed" in done and "See the failed orders" in done


def test_a_batch_stops_polling_even_if_one_of_its_orders_was_synced_again_alone(merchant_client, shop):
    from orders.models import SyncBatch

    batch = SyncBatch.objects.create(shop=shop, total=2)
    _order(shop, 1, "#1", sync_status=SyncStatus.SYNCED, odoo_id=1, batch=batch)
    _order(shop, 2, "#2", sync_status=SyncStatus.QUEUED)  # retried by hand: no longer in the batch

    html = merchant_client.get(reverse("orders:batch", args=[batch.pk])).content.decode()

    assert "hx-trigger" not in html and "Finished." in html


def test_the_orders_page_renders_inside_the_shopify_admin(client, shop, settings):
    _order(shop, 1, "#1001")

    response = client.get(reverse("orders:list"), {"id_token": _session_token(settings), "shop": shop.domain})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>#1001</strong>" in html and 'name="shopify-api-key"' in html


def _session_token(settings, domain="synco-demo.myshopify.com"):
    import time
    import uuid

    import jwt

    now = int(time.time())
    return jwt.encode(
        {
            "iss": f"https://{domain}/admin",
            "dest": f"https://{domain}",
            "aud": settings.SHOPIFY_API_KEY,
            "sub": "42",
            "exp": now + 60,
            "nbf": now,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": "s1",
        },
        settings.SHOPIFY_API_SECRET,
        algorithm="HS256",
    )


def test_counts_stop_at_the_cap_and_pages_go_on_without_a_total(merchant_client, shop, monkeypatch):
    from orders import views

    monkeypatch.setattr(views, "COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(1, 6):
        _order(shop, n, f"#{n}", sync_status=SyncStatus.FAILED if n == 5 else SyncStatus.NOT_SYNCED)
    names = {f"#{n}" for n in range(1, 6)}

    first = _fragment(merchant_client)
    assert 'id="tab-count-all">3+<' in first and 'id="tab-count-failed">1<' in first
    assert "1\N{EN DASH}2 of 3+" in first and "Page 1</span>" in first and "Page 1 of" not in first

    # past the cap the pages go on: the third page holds the oldest order
    third = _fragment(merchant_client, page="3")
    assert _shown(third, names) == {"#1"} and 'rel="next"' not in third and 'rel="prev"' in third
    assert "past the last order" in _fragment(merchant_client, page="9")


def test_a_search_counts_its_tabs_from_the_matches_when_they_are_few(merchant_client, shop, monkeypatch):
    from orders import views

    monkeypatch.setattr(views, "COUNT_CAP", 3)
    _order(shop, 1, "#1", sync_status=SyncStatus.FAILED, sync_error="x")
    _order(shop, 2, "#2")
    Order.objects.filter(shopify_id=1).update(customer_name="Ana Ortiz")
    Order.objects.filter(shopify_id=2).update(customer_name="Ana Ortiz")
    for n in range(3, 7):
        _order(shop, n, f"#{n}")

    few = _fragment(merchant_client, q="ortiz")
    assert 'id="tab-count-all">2<' in few and 'id="tab-count-failed">1<' in few
    assert 'id="tab-count-not_synced">1<' in few and 'id="tab-count-synced">0<' in few

    # "jane" matches four orders: more than the cap, so only All is counted (1,000+ in real life)
    many = _fragment(merchant_client, q="jane")
    assert 'id="tab-count-all">3+<' in many and "tab-count-failed" not in many
    assert re.search(r'data-status="failed">Failed</s-button>', many)  # the tab, without a count


def test_the_order_table_reloads_when_the_import_it_watched_finishes(merchant_client, shop):
    from orders.models import ImportRun

    now = datetime(2026, 11, 20, tzinfo=UTC)
    run = ImportRun.objects.create(shop=shop, created_from=now - timedelta(days=7), created_to=now)
    url = reverse("orders:import_runs") + "?polling=1"

    running = merchant_client.get(url, HTTP_HX_REQUEST="true")
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.DONE)
    finished = merchant_client.get(url, HTTP_HX_REQUEST="true")

    assert "HX-Trigger" not in running and 'hx-trigger="every 2s"' in running.content.decode()
    assert finished["HX-Trigger"] == "ordersQueued"  # the table's own listener reloads it
    assert 'hx-trigger="every 2s"' not in finished.content.decode()


def test_a_page_of_ineligible_orders_offers_no_selection_and_a_forged_sync_is_refused_with_the_reason(
    merchant_client, shop
):
    # given: only orders the rules leave out, one of them failed before the rules changed
    left_out = _order(shop, 1, "#1", eligible=False, ineligible_reason="payment status is PENDING")
    failed = _order(
        shop, 2, "#2", sync_status=SyncStatus.FAILED, eligible=False, ineligible_reason="tagged wholesale"
    )

    html = merchant_client.get(reverse("orders:list")).content.decode()

    # then: no checkbox, no select-all, no Sync selected, no Sync/Retry button; each row says why
    assert 'name="order"' not in html and "data-select-all" not in html and "Sync selected" not in html
    assert 'aria-label="Sync #1"' not in html and 'aria-label="Retry #2"' not in html
    assert html.count("Not eligible</s-badge>") == 2
    assert "Not eligible: payment status is PENDING" in html and "tagged wholesale" in html

    # when: a forged request asks to sync one anyway
    response = merchant_client.post(reverse("orders:sync", args=[left_out.pk]), HTTP_HX_REQUEST="true")

    # then: refused with the reason, nothing queued, and the row it answers with still offers no button
    assert json.loads(response["HX-Trigger"])["toast"] == {
        "message": "Not sent to Odoo: #1 is not eligible: payment status is PENDING.",
        "level": "error",
    }
    left_out.refresh_from_db()
    failed.refresh_from_db()
    assert (left_out.sync_status, failed.sync_status) == (SyncStatus.NOT_SYNCED, SyncStatus.FAILED)
    row = response.content.decode()
    assert 'aria-label="Sync #1"' not in row and "Not eligible</s-badge>" in row
