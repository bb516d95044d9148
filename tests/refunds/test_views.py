from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from refunds.models import Refund, RefundState
from synco.models import Shop
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db


def _refund(order, **values) -> Refund:
    return Refund.objects.create(
        shop=order.shop,
        order=order,
        shopify_id=values.pop("shopify_id", 77001),
        gid="gid://shopify/Refund/77001",
        amount=Decimal("25.88"),
        created_at=timezone.now(),
        **values,
    )


def test_the_order_page_shows_each_refund_with_its_credit_note(merchant_client, shop):
    order = stored_order(shop, order_node())
    _refund(
        order,
        state=RefundState.SYNCED,
        odoo_credit_note_id=41,
        odoo_credit_note_name="RINV/2026/00003",
        odoo_total=Decimal("25.88"),
        odoo_payment_id=7,
    )
    _refund(
        order, shopify_id=77002, state=RefundState.HELD, reason="Its refund transaction is still pending."
    )

    page = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert 'data-refund-state="synced"' in page
    assert "RINV/2026/00003" in page
    assert f'href="{shop.odoo.url.rstrip("/")}/odoo/account.move/41"' in page
    assert 'data-refund-state="held"' in page
    assert "Its refund transaction is still pending." in page
    assert page.count(">Retry</s-button>") == 1


def test_retry_queues_a_held_refund_again(merchant_client, shop, django_capture_on_commit_callbacks):
    order = stored_order(shop, order_node())
    refund = _refund(order, state=RefundState.HELD, reason="Held")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("refunds:retry", args=[refund.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert len(callbacks) == 1
    refund.refresh_from_db()
    assert (refund.state, refund.reason) == (RefundState.PENDING, "")
    assert 'data-refund-state="pending"' in response.content.decode()


def test_retry_of_another_shops_refund_is_not_found(merchant_client, shop):
    other = Shop.objects.create(domain="other.myshopify.com", name="Other", access_token="x")
    order = stored_order(other, order_node())
    refund = _refund(order, state=RefundState.HELD, reason="Held")

    response = merchant_client.post(reverse("refunds:retry", args=[refund.pk]))

    assert response.status_code == 404
    refund.refresh_from_db()
    assert refund.state == RefundState.HELD


def test_the_polled_fragment_reloads_the_page_once_no_refund_is_pending(merchant_client, shop):
    order = stored_order(shop, order_node())
    refund = _refund(order, state=RefundState.PENDING)
    url = reverse("refunds:order", args=[order.pk])

    pending = merchant_client.get(url, HTTP_HX_REQUEST="true")
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.SYNCED)
    landed = merchant_client.get(url, HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 2s"' in pending.content.decode()
    assert "HX-Refresh" not in pending
    assert landed["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in landed.content.decode()
