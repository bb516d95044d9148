"""Restocked refund lines of a delivered order come back through Odoo's return wizard when the shop wants it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from orders.services import store_order, sync_order
from refunds.models import Refund, RefundState
from refunds.services import sync_refund
from synco.errors import TransientGatewayError
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order
from tests.refunds.helpers import one_shirt, refunded_order

pytestmark = pytest.mark.django_db


def _delivered(shop: Shop, odoo, *, return_restocked_items: bool = True, validate: bool = False) -> Order:
    """Order #1001 synced as a paid invoice, its delivery validated in Odoo."""
    journal = odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE,
        payment_journals={"shopify_payments": journal},
        return_restocked_items=return_restocked_items,
        validate_return_pickings=validate,
    )
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    [delivery] = odoo.execute("stock.picking", "search", [["sale_id", "=", order.odoo_id]])
    for move in odoo.execute(
        "stock.move", "search_read", [["picking_id", "=", delivery]], fields=["product_uom_qty"]
    ):
        odoo.execute("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"]})
    assert odoo.execute("stock.picking", "button_validate", [delivery]) is True
    return order


def _refunded(shop: Shop, node: dict, capture) -> Refund:
    with capture(execute=False):
        assert store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node))) == "updated"
    return Refund.objects.get()


def _returns(odoo) -> list[dict]:
    return odoo.execute(
        "stock.picking",
        "search_read",
        [["return_id", "!=", False]],
        fields=["name", "state", "origin", "return_id", "move_ids"],
    )


def _moved(odoo, picking: dict) -> list[tuple[str, float]]:
    moves = odoo.execute("stock.move", "read", picking["move_ids"], fields=["product_id", "product_uom_qty"])
    return [(move["product_id"][1], move["product_uom_qty"]) for move in moves]


def test_it_makes_no_return_picking_when_the_shop_does_not_ask_for_one(
    shop, odoo, django_capture_on_commit_callbacks
):
    _delivered(shop, odoo, return_restocked_items=False)
    refund = _refunded(shop, refunded_order(one_shirt(restock="RETURN")), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert _returns(odoo) == []
    assert (refund.odoo_return_picking_id, refund.odoo_return_picking_name) == (None, "")


def test_it_returns_the_restocked_quantity_of_a_delivered_order_ready_to_receive(
    shop, odoo, django_capture_on_commit_callbacks
):
    _delivered(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt(restock="RETURN")), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    [returned] = _returns(odoo)
    [delivery] = odoo.execute("stock.picking", "read", [returned["return_id"][0]], fields=["name"])
    assert (returned["state"], returned["origin"]) == (
        "assigned",
        f"Return of {delivery['name']} (shopify:refund:77001)",
    )
    assert [quantity for _, quantity in _moved(odoo, returned)] == [1.0]
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert (refund.odoo_return_picking_id, refund.odoo_return_picking_name) == (
        returned["id"],
        returned["name"],
    )
    assert refund.odoo_credit_note_id is not None


def test_it_validates_the_return_when_the_shop_says_so(shop, odoo, django_capture_on_commit_callbacks):
    _delivered(shop, odoo, validate=True)
    refund = _refunded(
        shop, refunded_order(one_shirt(restock="LEGACY_RESTOCK")), django_capture_on_commit_callbacks
    )

    sync_refund(refund.pk)

    [returned] = _returns(odoo)
    assert returned["state"] == "done"
    refund.refresh_from_db()
    assert (refund.state, refund.odoo_return_picking_id) == (RefundState.SYNCED, returned["id"])


def test_it_creates_the_return_once_when_odoo_drops_the_answer(
    shop, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    _delivered(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt(restock="RETURN")), django_capture_on_commit_callbacks)
    create = OdooClient.create_return_picking

    def created_then_lost(self, picking_id, quantities):
        create(self, picking_id, quantities)
        raise TransientGatewayError("Odoo did not answer in time.")

    monkeypatch.setattr(OdooClient, "create_return_picking", created_then_lost)
    assert sync_refund(refund.pk) is not None  # transient: retried later
    refund.refresh_from_db()
    assert (refund.state, refund.odoo_return_picking_id) == (RefundState.PENDING, None)
    monkeypatch.setattr(OdooClient, "create_return_picking", create)

    sync_refund(refund.pk)

    [returned] = _returns(odoo)
    assert "(shopify:refund:77001)" in returned["origin"]
    assert [quantity for _, quantity in _moved(odoo, returned)] == [1.0]
    refund.refresh_from_db()
    assert (refund.state, refund.odoo_return_picking_id) == (RefundState.SYNCED, returned["id"])
    [credit] = odoo.execute("account.move", "search", [["move_type", "=", "out_refund"]])
    assert refund.odoo_credit_note_id == credit


@pytest.mark.parametrize("restock", ["NO_RESTOCK", "CANCEL"])
def test_it_makes_no_return_picking_for_items_not_restocked_as_returned(
    shop, odoo, django_capture_on_commit_callbacks, restock
):
    _delivered(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt(restock=restock)), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert _returns(odoo) == []
    assert refund.odoo_return_picking_id is None


def test_the_order_page_links_the_refunds_return_picking(merchant_client, shop):
    order = stored_order(shop, order_node())
    Refund.objects.create(
        shop=shop,
        order=order,
        shopify_id=77001,
        gid="gid://shopify/Refund/77001",
        amount=Decimal("25.88"),
        created_at=timezone.now(),
        state=RefundState.SYNCED,
        odoo_credit_note_id=41,
        odoo_credit_note_name="RINV/2026/00003",
        odoo_return_picking_id=12,
        odoo_return_picking_name="WH/IN/00004",
    )

    page = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "WH/IN/00004" in page
    assert f'href="{shop.odoo.url.rstrip("/")}/odoo/stock.picking/12"' in page
