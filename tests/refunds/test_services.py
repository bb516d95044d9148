from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order, SyncStatus
from orders.services import store_order, sync_order
from refunds.models import Refund, RefundState
from refunds.services import invoiced_net_of_credit_notes, retry_refund, sync_refund
from synco import queue
from synco.models import OrderRules, Shop
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import money, order_node
from tests.orders.helpers import queued_order
from tests.refunds.helpers import SHIRT, one_shirt, refund_node, refunded_order

pytestmark = pytest.mark.django_db


def _bank_journal(odoo) -> int:
    return odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]


def _in_odoo(shop: Shop, odoo, create_as: str = OrderRules.CreateAs.PAID_INVOICE) -> Order:
    """Order #1001 synced into Odoo as the rules say (paid invoice: refunds go to the bank journal)."""
    OrderRules.objects.filter(shop=shop).update(
        create_as=create_as, payment_journals={"shopify_payments": _bank_journal(odoo)}
    )
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    return order


def _refunded(shop: Shop, node: dict, capture) -> Refund:
    """What an import of the refunded order leaves: its refund stored and queued."""
    with capture(execute=False) as callbacks:
        assert store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node))) == "updated"
    refund = Refund.objects.get()
    assert refund.state == RefundState.PENDING
    assert len(callbacks) == 1
    return refund


def _credit_notes(odoo) -> list[dict]:
    return odoo.execute(
        "account.move",
        "search_read",
        [["move_type", "=", "out_refund"]],
        fields=["name", "state", "amount_total", "payment_state", "ref", "matched_payment_ids"],
    )


def test_it_turns_a_refund_after_invoicing_into_a_posted_credit_note_paid_back_in_the_mapped_journal(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _in_odoo(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt()), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    [credit] = _credit_notes(odoo)
    assert (credit["state"], credit["amount_total"], credit["ref"]) == (
        "posted",
        25.88,
        "shopify:refund:77001",
    )
    assert credit["payment_state"] in ("paid", "in_payment")
    [payment] = odoo.execute(
        "account.payment",
        "read",
        credit["matched_payment_ids"],
        fields=["amount", "payment_type", "journal_id", "date"],
    )
    assert (payment["amount"], payment["payment_type"], payment["journal_id"][0], payment["date"]) == (
        25.88,
        "outbound",
        _bank_journal(odoo),
        "2026-11-23",
    )
    refund.refresh_from_db()
    assert (refund.state, refund.reason, refund.odoo_total) == (RefundState.SYNCED, "", Decimal("25.88"))
    assert refund.odoo_credit_note_id == credit["id"]
    assert refund.odoo_credit_note_name == credit["name"]
    assert refund.odoo_payment_id == payment["id"]
    assert invoiced_net_of_credit_notes(order) == Decimal("35.89")


def test_it_counts_the_rpc_calls_of_a_partial_refund_after_invoicing(
    shop, odoo, django_capture_on_commit_callbacks
):
    _in_odoo(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt()), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    refund.refresh_from_db()
    # find, sale order, line ids, lines, invoice header, create, read, post, read, wizard, pay, read
    assert refund.rpc_calls == 12


def test_it_creates_the_credit_note_once_when_odoo_drops_the_answer(
    shop, odoo, django_capture_on_commit_callbacks
):
    _in_odoo(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt()), django_capture_on_commit_callbacks)
    odoo.control(drop_after_write=1)  # the credit note is created, its answer lost

    assert sync_refund(refund.pk) is not None  # a transient error: retried later
    refund.refresh_from_db()
    assert refund.state == RefundState.PENDING
    sync_refund(refund.pk)

    [credit] = _credit_notes(odoo)
    assert (credit["state"], credit["amount_total"]) == ("posted", 25.88)
    assert len(credit["matched_payment_ids"]) == 1
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    # and a third run (a duplicate task) changes nothing
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.PENDING)
    sync_refund(refund.pk)
    assert len(_credit_notes(odoo)) == 1
    assert len(_credit_notes(odoo)[0]["matched_payment_ids"]) == 1


def test_before_invoicing_a_refund_lowers_the_sale_orders_quantities(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _in_odoo(shop, odoo, OrderRules.CreateAs.SALE_ORDER)
    refund = _refunded(shop, refunded_order(one_shirt()), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.PENDING)
    sync_refund(refund.pk)  # again: the quantity is absolute, nothing is lowered twice

    [sale] = odoo.sale_orders("shopify:order:5550001001")
    lines = odoo.execute(
        "sale.order.line", "read", sale["order_line"], fields=["name", "product_uom_qty", "price_unit"]
    )
    # The shirt keeps its price (Odoo would reprice a quantity written alone); Odoo's tax on the one shirt
    # left (3.38) is a cent above what Shopify kept (6.75 - 3.38): one rounding line, added once.
    assert [(line["product_uom_qty"], line["price_unit"]) for line in lines] == [
        (1.0, 22.5),
        (1.0, 3.5),
        (1.0, 5.99),
        (1.0, -0.01),
    ]
    assert lines[-1]["name"] == "Refund 77001: rounding to Shopify's total"
    assert sale["amount_total"] == 35.89  # Shopify's 61.77 less the refund's 25.88
    assert _credit_notes(odoo) == []
    refund.refresh_from_db()
    assert (refund.state, refund.reduced_sale_order, refund.odoo_credit_note_id) == (
        RefundState.SYNCED,
        True,
        None,
    )
    order.refresh_from_db()
    assert order.odoo_total == Decimal(str(sale["amount_total"]))
    assert invoiced_net_of_credit_notes(order) is None


def test_a_refund_with_a_pending_transaction_is_held_and_nothing_is_created(
    shop, odoo, django_capture_on_commit_callbacks
):
    _in_odoo(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt(status="PENDING")), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.HELD
    assert "still pending" in refund.reason
    assert _credit_notes(odoo) == []


def test_a_held_refund_is_synced_once_shopify_settles_it(shop, odoo, django_capture_on_commit_callbacks):
    _in_odoo(shop, odoo)
    refund = _refunded(shop, refunded_order(one_shirt(status="PENDING")), django_capture_on_commit_callbacks)
    sync_refund(refund.pk)
    # a held refund holds its order: visibly Needs review with the refund's reason, never Synced
    order = Order.objects.get(pk=refund.order_id)
    assert order.sync_status == SyncStatus.NEEDS_REVIEW
    assert order.review_reason.startswith("Refunds: refund ") and "still pending" in order.review_reason

    settled = refunded_order(one_shirt(), updatedAt="2026-11-23T12:00:00Z")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_order(shop, OrderResult(gid=settled["id"], node=settled, order=parse_order(settled)))
    assert len(callbacks) == 1
    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    assert [c["amount_total"] for c in _credit_notes(odoo)] == [25.88]
    order.refresh_from_db()
    assert (order.sync_status, order.review_reason) == (SyncStatus.SYNCED, "")


def test_a_refund_of_an_unknown_line_is_held_and_retry_queues_it_again(
    shop, odoo, django_capture_on_commit_callbacks
):
    _in_odoo(shop, odoo)
    unknown = refund_node(lines=[("gid://shopify/LineItem/404", 1, "10.00", "1.50")], amount="11.50")
    refund = _refunded(shop, refunded_order(unknown), django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.HELD
    assert "LineItem/404" in refund.reason
    assert _credit_notes(odoo) == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert retry_refund(refund) is True
    assert len(callbacks) == 1
    refund.refresh_from_db()
    assert (refund.state, refund.reason) == (RefundState.PENDING, "")


def test_a_refund_waits_for_its_order_and_follows_it_into_odoo(
    shop, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE, payment_journals={"*": _bank_journal(odoo)}
    )
    node = refunded_order(one_shirt())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    refund = Refund.objects.get()
    assert (refund.state, len(callbacks)) == (RefundState.PENDING, 0)  # not in Odoo yet: not queued

    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
    sent: list[tuple[str, tuple]] = []
    send = queue.delay_on_commit
    monkeypatch.setattr(
        queue, "delay_on_commit", lambda name, *args: (sent.append((name, args)), send(name, *args))
    )
    with django_capture_on_commit_callbacks(execute=False):
        sync_order(order.pk)
    # the order's success queued its refund
    assert ("refunds.tasks.sync_refund_task", (refund.pk,)) in sent
    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    # The order went in at its original amount (61.77, paid); the credit note brings it to Shopify's current total.
    assert invoiced_net_of_credit_notes(Order.objects.get()) == Decimal("35.89")


def test_a_refund_of_an_order_held_for_review_waits_and_touches_nothing(
    shop, odoo, django_capture_on_commit_callbacks
):
    order = _in_odoo(shop, odoo)
    Order.objects.filter(pk=order.pk).update(
        sync_status=SyncStatus.NEEDS_REVIEW, review_reason="Totals differ"
    )
    node = refunded_order(one_shirt())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    refund = Refund.objects.get()
    assert callbacks == []

    sync_refund(refund.pk)

    refund.refresh_from_db()
    assert (refund.state, refund.reason) == (RefundState.PENDING, "Waits for its order to be synced to Odoo.")
    assert _credit_notes(odoo) == []


def test_a_refunded_tax_entered_by_hand_is_credited_as_shopify_refunded_it(
    shop, odoo, django_capture_on_commit_callbacks
):
    # given an invoiced order, and a refund of one shirt whose tax Shopify gave back as 1.00 (not 15 % of 22.50)
    order = _in_odoo(shop, odoo)
    manual = refund_node(lines=[(SHIRT, 1, "22.50", "1.00")], amount="23.50")
    node = refunded_order(manual, currentTotalPriceSet=money("38.27"))  # 61.77 - 23.50
    refund = _refunded(shop, node, django_capture_on_commit_callbacks)

    # when the refund is synced
    sync_refund(refund.pk)

    # then the credit note carries Shopify's refunded tax (a correction line on the tax and its untaxed
    # counterpart), totals the refund to the cent, and the order stays Synced: Odoo's net is Shopify's current
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED, refund.reason
    [credit] = odoo.execute(
        "account.move",
        "search_read",
        [["move_type", "=", "out_refund"]],
        fields=["amount_total", "amount_tax"],
    )
    assert (credit["amount_total"], credit["amount_tax"]) == (23.50, 1.00)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert invoiced_net_of_credit_notes(order) == Decimal("38.27")


def test_an_order_whose_odoo_net_misses_shopifys_current_total_after_its_refunds_needs_review(
    shop, odoo, django_capture_on_commit_callbacks
):
    # given Shopify's current total that its refunds do not explain (61.77 - 25.88 is 35.89, Shopify says 40.00)
    order = _in_odoo(shop, odoo)
    node = refunded_order(one_shirt(), currentTotalPriceSet=money("40.00"))
    refund = _refunded(shop, node, django_capture_on_commit_callbacks)

    sync_refund(refund.pk)

    # then the credit note is made, but the order is not Synced: it needs review, with both figures
    refund.refresh_from_db()
    assert refund.state == RefundState.SYNCED
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NEEDS_REVIEW
    assert "35.89" in order.review_reason and "40.00" in order.review_reason
