from __future__ import annotations

import pytest
from django.urls import reverse

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


def test_it_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("orders:list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_lists_the_shops_orders_with_their_sync_status(merchant_client, shop):
    _order(shop, 1, "#1001")
    _order(shop, 2, "#1002", sync_status=SyncStatus.SYNCED, odoo_id=12, odoo_name="SHOP#1002")
    _order(shop, 3, "#1003", sync_status=SyncStatus.FAILED, sync_error="No Odoo product has the SKU 'X'")
    _order(shop, 4, "#1004", sync_status=SyncStatus.IN_PROGRESS)

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert "#1001" in html and "Not Synced" in html
    assert "SHOP#1002" in html and "(id 12)" in html and "Synced" in html
    assert "No Odoo product has the SKU &#x27;X&#x27;" in html and ">Retry<" in html
    assert "In Progress" in html


def test_it_polls_only_rows_that_are_in_progress(merchant_client, shop):
    waiting = _order(shop, 1, "#1001", sync_status=SyncStatus.IN_PROGRESS)
    done = _order(shop, 2, "#1002", sync_status=SyncStatus.SYNCED, odoo_id=3, odoo_name="S1")

    html = merchant_client.get(reverse("orders:list")).content.decode()

    assert f'hx-get="/orders/{waiting.pk}/row/" hx-trigger="every 1s"' in html
    assert f'hx-get="/orders/{done.pk}/row/"' not in html


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
    order = _order(shop)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert len(callbacks) == 1
    html = response.content.decode()
    assert "Queued" in html and 'hx-trigger="every 1s"' in html
    assert "Sync of #1001 started." in response["HX-Trigger"]


def test_it_does_not_enqueue_twice_for_a_double_click(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    order = _order(shop)

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
    first, second = _order(shop, 1, "#1"), _order(shop, 2, "#2")

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
