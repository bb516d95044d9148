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
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node
from tests.orders.helpers import queued_order, stored_order
from tests.refunds.helpers import SHIRT, one_shirt, refund_node, refunded_order

pytestmark = pytest.mark.django_db


def _delivered(
    shop: Shop, odoo, *, return_restocked_items: bool = True, validate: bool = False, ship: bool = True
) -> Order:
    """Order #1001 synced as a paid invoice, its delivery validated in Odoo (`ship`)."""
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
    if not ship:
        return order
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


def test_the_order_page_lists_every_return_picking_of_a_refund(merchant_client, shop):
    order = stored_order(shop, order_node())
    Refund.objects.create(
        shop=shop,
        order=order,
        shopify_id=77001,
        gid="gid://shopify/Refund/77001",
        amount=Decimal("51.75"),
        created_at=timezone.now(),
        state=RefundState.SYNCED,
        odoo_return_picking_id=12,
        odoo_return_picking_name="WH/IN/00004",
        odoo_return_pickings=[{"id": 12, "name": "WH/IN/00004"}, {"id": 14, "name": "WH/IN/00005"}],
    )

    page = merchant_client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    base = shop.odoo.url.rstrip("/")
    assert "Returns <a" in page
    assert (
        f'<a href="{base}/odoo/stock.picking/12" target="_blank" rel="noopener" data-return-picking>WH/IN/00004</a>'
        in page
    )
    assert (
        f'<a href="{base}/odoo/stock.picking/14" target="_blank" rel="noopener" data-return-picking>WH/IN/00005</a>'
        in page
    )


# -- several deliveries, what is already returned, reruns ---------------------------------------------


SHIRT_PRODUCT = "[SKU-TSHIRT-M] Organic T-Shirt - M"


def two_shirts(number: int = 77001, restock: str = "RETURN") -> dict:
    """Both T-shirts back: 45.00 + 6.75 tax = 51.75."""
    return refund_node(number, lines=[(SHIRT, 2, "45.00", "6.75")], amount="51.75", restock=restock)


def _shipped_twice(shop: Shop, odoo, *, validate: bool = False) -> tuple[Order, list[int]]:
    """Order #1001 delivered in two parts: one T-shirt and the gift wrap, then the other T-shirt (the
    backorder). Returns the order and its deliveries, oldest first."""
    order = _delivered(shop, odoo, validate=validate, ship=False)
    [first] = odoo.execute("stock.picking", "search", [["sale_id", "=", order.odoo_id]])
    for move in odoo.execute(
        "stock.move", "search_read", [["picking_id", "=", first]], fields=["product_uom_qty"]
    ):
        odoo.execute("stock.move", "write", [move["id"]], {"quantity": 1, "picked": True})
    wizard = odoo.execute("stock.picking", "button_validate", [first])
    assert wizard["res_model"] == "stock.backorder.confirmation"
    context = wizard["context"]
    confirmation = odoo.execute("stock.backorder.confirmation", "create", {}, context=context)
    assert odoo.execute("stock.backorder.confirmation", "process", [confirmation], context=context) is True
    [second] = odoo.execute("stock.picking", "search", [["backorder_id", "=", first]])
    for move in odoo.execute(
        "stock.move", "search_read", [["picking_id", "=", second]], fields=["product_uom_qty"]
    ):
        odoo.execute("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"]})
    assert odoo.execute("stock.picking", "button_validate", [second]) is True
    return order, [first, second]


def _return_by_hand(odoo, delivery: int, quantity: float) -> int:
    """The merchant returns T-shirts of a delivery with Odoo's wizard (the origin Odoo gives it)."""
    wizard = odoo.execute("stock.return.picking", "create", {"picking_id": delivery})
    [line] = [
        row
        for row in odoo.execute(
            "stock.return.picking.line", "search_read", [["wizard_id", "=", wizard]], fields=["product_id"]
        )
        if "T-Shirt" in row["product_id"][1]
    ]
    odoo.execute("stock.return.picking.line", "write", [line["id"]], {"quantity": quantity})
    return odoo.execute("stock.return.picking", "action_create_returns", [wizard])["res_id"]


def _message(refund: Refund) -> str:
    return SyncAttempt.objects.filter(object_ref__endswith=f"refund {refund.shopify_id}").latest("id").message


def test_a_refund_restocking_items_of_two_deliveries_makes_a_return_of_each(
    shop, odoo, django_capture_on_commit_callbacks
):
    _, deliveries = _shipped_twice(shop, odoo, validate=True)
    refund = _refunded(shop, refunded_order(two_shirts()), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    returns = sorted(_returns(odoo), key=lambda row: row["id"])
    assert sorted(row["return_id"][0] for row in returns) == deliveries
    assert [row["state"] for row in returns] == ["done", "done"]
    assert all(row["origin"].endswith("(shopify:refund:77001)") for row in returns)
    assert [_moved(odoo, row) for row in returns] == [[(SHIRT_PRODUCT, 1.0)], [(SHIRT_PRODUCT, 1.0)]]
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert refund.odoo_return_pickings == [{"id": row["id"], "name": row["name"]} for row in returns]
    assert (refund.odoo_return_picking_id, refund.odoo_return_picking_name) == (
        returns[0]["id"],
        returns[0]["name"],
    )
    assert _message(refund).startswith(
        f"Credit note {refund.odoo_credit_note_name} (id {refund.odoo_credit_note_id}) for $51.75, paid back"
    )
    assert f"Return pickings {returns[0]['name']} (id {returns[0]['id']}), {returns[1]['name']}" in _message(
        refund
    )
    assert "Not returned" not in _message(refund)


def test_a_second_refund_of_units_returned_by_hand_returns_nothing_more_and_says_so(
    shop, odoo, django_capture_on_commit_callbacks
):
    _delivered(shop, odoo)
    [delivery] = odoo.execute("stock.picking", "search", [["picking_type_code", "=", "outgoing"]])
    with django_capture_on_commit_callbacks(execute=False):
        node = refunded_order(one_shirt(77001, restock="RETURN"), one_shirt(77002, restock="RETURN"))
        assert store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node))) == "updated"
    first, second = Refund.objects.order_by("shopify_id")
    sync_refund(first.pk)
    by_hand = _return_by_hand(odoo, delivery, 1)

    sync_refund(second.pk)

    first.refresh_from_db()
    assert first.odoo_return_picking_id is not None
    assert sorted(row["id"] for row in _returns(odoo)) == sorted([first.odoo_return_picking_id, by_hand])
    second.refresh_from_db()
    assert second.state == RefundState.SYNCED
    assert second.odoo_credit_note_id is not None
    assert (second.odoo_return_picking_id, second.odoo_return_pickings) == (None, [])
    assert _message(second).endswith(
        "No return picking. Not returned in Odoo: 1 x Organic T-Shirt - M (the 2 Odoo delivered are already returned)."
    )


def test_a_refund_of_more_than_is_left_to_return_returns_the_rest_and_says_what_not(
    shop, odoo, django_capture_on_commit_callbacks
):
    _, [first, second] = _shipped_twice(shop, odoo)
    _return_by_hand(odoo, second, 1)
    refund = _refunded(shop, refunded_order(two_shirts()), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    ours = [row for row in _returns(odoo) if "shopify:refund:77001" in row["origin"]]
    assert [(row["return_id"][0], _moved(odoo, row)) for row in ours] == [(first, [(SHIRT_PRODUCT, 1.0)])]
    refund.refresh_from_db()
    assert (refund.state, refund.odoo_return_picking_id) == (RefundState.SYNCED, ours[0]["id"])
    assert _message(refund).endswith(
        f"Return picking {ours[0]['name']} (id {ours[0]['id']}), ready to receive. Not returned in Odoo: "
        "1 x Organic T-Shirt - M (Odoo delivered 2, 1 of them already returned)."
    )


def test_a_rerun_creates_no_return_twice(shop, odoo, django_capture_on_commit_callbacks, monkeypatch):
    _, deliveries = _shipped_twice(shop, odoo)
    refund = _refunded(shop, refunded_order(two_shirts()), django_capture_on_commit_callbacks)
    create = OdooClient.create_return_picking
    calls: list[int] = []

    def second_one_lost(self, picking_id, quantities):
        calls.append(picking_id)
        created = create(self, picking_id, quantities)
        if len(calls) == 2:
            raise TransientGatewayError("Odoo did not answer in time.")
        return created

    monkeypatch.setattr(OdooClient, "create_return_picking", second_one_lost)
    assert sync_refund(refund.pk) is not None  # transient: retried later
    assert len(_returns(odoo)) == 2
    refund.refresh_from_db()
    assert (refund.state, refund.odoo_return_picking_id) == (RefundState.PENDING, None)

    sync_refund(refund.pk)  # the first found by its origin, the second by the mark left before asking

    returns = sorted(_returns(odoo), key=lambda row: row["id"])
    assert len(calls) == 2
    assert sorted(row["return_id"][0] for row in returns) == deliveries
    assert all(row["origin"].endswith("(shopify:refund:77001)") for row in returns)
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert refund.odoo_return_pickings == [{"id": row["id"], "name": row["name"]} for row in returns]

    # Once more from the start (the credit note is found by its reference): nothing new in Odoo.
    Refund.objects.filter(pk=refund.pk).update(
        state=RefundState.PENDING, odoo_return_picking_id=None, odoo_return_pickings=[]
    )
    sync_refund(refund.pk)

    assert sorted(_returns(odoo), key=lambda row: row["id"]) == returns
    assert len(calls) == 2
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert refund.odoo_return_pickings == [{"id": row["id"], "name": row["name"]} for row in returns]
    assert len(odoo.execute("account.move", "search", [["move_type", "=", "out_refund"]])) == 1
