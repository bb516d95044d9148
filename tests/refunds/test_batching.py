"""Refunds written together (refunds.batching, issue 17): the refunds a batch of orders brings along land in
Odoo as one at a time would write them (the same credit notes, payments, lowered lines, states and log
entries) with a handful of Odoo calls for all of them, exactly once whatever fails."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from orders.models import Order, SyncStatus
from orders.services import store_order, sync_order
from refunds import batching, services
from refunds.models import Refund, RefundState
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.models import OrderRules, Shop
from synco.odoo import batch as odoo_batch
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node
from tests.orders.helpers import queued_order
from tests.refunds.helpers import SHIRT, refund_node

pytestmark = pytest.mark.django_db


def _node(number: int) -> dict[str, Any]:
    """Order #1001's shape as a distinct order (its own ids, name, customer and line ids)."""
    shopify_id = 5552000000 + number
    node = order_node(
        id=f"gid://shopify/Order/{shopify_id}",
        legacyResourceId=str(shopify_id),
        name=f"#{4000 + number}",
    )
    for line in node["lineItems"]["nodes"]:
        line["id"] = f"{line['id']}{number:04d}"
    node["shippingLines"]["nodes"][0]["id"] = "gid://shopify/ShippingLine/1"
    return node


def _refund(number: int, *, shipping: bool = False, second: bool = False) -> dict[str, Any]:
    """One T-shirt back (22.50 + 3.38 tax = 25.88), with the shipping (5.99) when told."""
    if shipping:
        return refund_node(
            78000 + number,
            lines=[(f"{SHIRT}{number:04d}", 1, "22.50", "3.38")],
            shipping=[("5.99", "0.00")],
            amount="31.87",
        )
    return refund_node(
        (79000 if second else 77000) + number,
        lines=[(f"{SHIRT}{number:04d}", 1, "22.50", "3.38")],
        amount="25.88",
    )


def _bank_journal(odoo) -> int:
    return odoo.execute("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]


def _orders_in_odoo(shop: Shop, odoo, count: int, create_as: str) -> list[Order]:
    OrderRules.objects.filter(shop=shop).update(
        create_as=create_as, payment_journals={"shopify_payments": _bank_journal(odoo)}
    )
    orders = []
    for number in range(1, count + 1):
        order = queued_order(shop, _node(number))
        sync_order(order.pk)
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED
        orders.append(order)
    return orders


def _refunded(shop: Shop, orders: list[Order], capture, **kinds: Any) -> list[int]:
    """Each order imported again with its refund (the refunds stored, their tasks held back)."""
    for number, _ in enumerate(orders, start=1):
        refunds = [_refund(number, shipping=number in kinds.get("shipping", ()))]
        if number in kinds.get("two", ()):
            refunds.append(_refund(number, second=True))
        node = {**_node(number), "refunds": refunds, "updatedAt": "2026-11-23T10:01:00Z"}
        with capture(execute=False):
            store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    return list(Refund.objects.order_by("order_id", "created_at", "id").values_list("pk", flat=True))


def _credit_notes(odoo) -> list[dict[str, Any]]:
    return odoo.execute(
        "account.move",
        "search_read",
        [["move_type", "=", "out_refund"]],
        fields=["name", "state", "amount_total", "payment_state", "ref", "matched_payment_ids"],
        order="ref",
    )


def _exactly_once(odoo, refund_ids: list[int]) -> None:
    """Every refund Synced with its own credit note, posted and paid back by one payment of its own."""
    credits = _credit_notes(odoo)
    refs = sorted(services.refund_ref(r.shopify_id) for r in Refund.objects.filter(pk__in=refund_ids))
    assert [c["ref"] for c in credits] == refs
    payments = [p for c in credits for p in c["matched_payment_ids"]]
    assert len(payments) == len(set(payments)) == len(credits)
    for refund in Refund.objects.filter(pk__in=refund_ids):
        assert refund.state == RefundState.SYNCED, refund.reason
        [credit] = [c for c in credits if c["ref"] == services.refund_ref(refund.shopify_id)]
        assert credit["state"] == "posted" and credit["payment_state"] in ("paid", "in_payment")
        assert (refund.odoo_credit_note_id, refund.odoo_payment_id) == (
            credit["id"],
            credit["matched_payment_ids"][0],
        )
        assert refund.odoo_total == Decimal(str(credit["amount_total"]))


def test_refunds_of_invoiced_orders_become_credit_notes_paid_back_with_a_handful_of_calls(
    shop, odoo, django_capture_on_commit_callbacks
):
    orders = _orders_in_odoo(shop, odoo, 6, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks, shipping={2})
    odoo.server.reset_stats()

    assert batching.sync_refunds(shop.pk, ids) == {}

    calls = Counter(odoo.server.stats()["calls"])
    # sale orders with their lines, line ids, find, invoice headers, create, read, post, wizard, pay, payments,
    # read: 11 calls for 6 refunds (one at a time: 12 each)
    assert calls.total() == 11, calls
    assert calls["account.move:create"] == 1 and calls["account.move:action_post"] == 1
    _exactly_once(odoo, ids)
    totals = {c["ref"]: c["amount_total"] for c in _credit_notes(odoo)}
    assert totals == {
        "shopify:refund:77001": 25.88,
        "shopify:refund:78002": 31.87,  # the shirt and the shipping
        **{f"shopify:refund:7700{n}": 25.88 for n in range(3, 7)},
    }
    payment = odoo.execute(
        "account.payment",
        "read",
        _credit_notes(odoo)[0]["matched_payment_ids"],
        ["payment_type", "journal_id", "date"],
    )[0]
    assert (payment["payment_type"], payment["journal_id"][0], payment["date"]) == (
        "outbound",
        _bank_journal(odoo),
        "2026-11-23",
    )
    for refund in Refund.objects.filter(pk__in=ids).select_related("order"):
        [entry] = SyncAttempt.objects.filter(order=refund.order, operation="create_credit_note")
        assert entry.status == SyncAttempt.Status.SUCCESS
        assert entry.message.startswith(
            f"Credit note {refund.odoo_credit_note_name} (id {refund.odoo_credit_note_id})"
        )
        assert "Written in a batch of 6 refunds" in entry.message
        assert entry.odoo_model == "account.move" and entry.odoo_id == refund.odoo_credit_note_id
        assert 0 < entry.rpc_calls <= 2
        order = Order.objects.get(pk=refund.order_id)
        assert order.sync_status == SyncStatus.SYNCED  # Odoo's invoices net of credit notes = Shopify's


def test_refunds_before_invoicing_lower_every_sale_order_as_one_at_a_time(
    shop, odoo, django_capture_on_commit_callbacks
):
    orders = _orders_in_odoo(shop, odoo, 4, OrderRules.CreateAs.SALE_ORDER)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks, shipping={3})
    odoo.server.reset_stats()

    batching.sync_refunds(shop.pk, ids)

    calls = Counter(odoo.server.stats()["calls"])
    # sale orders with their lines, line ids, the lines' load, named lines, negative lines, sale orders, and
    # (Odoo's tax on the shirt left is a cent above Shopify's) the rounding lines and the orders read again; the
    # adjustment product's look-up and creation once; no credit note looked up (none invoiced, first attempt)
    assert calls["sale.order.line:load"] == 1 and calls["sale.order.line:create"] == 2, calls
    assert calls["account.move:search_read"] == 0
    assert calls.total() == 8 + 2, calls
    assert _credit_notes(odoo) == []
    for number, order in enumerate(orders, start=1):
        [sale] = odoo.sale_orders(order.origin)
        lines = odoo.execute(
            "sale.order.line", "read", sale["order_line"], fields=["name", "product_uom_qty", "price_unit"]
        )
        got = [(line["product_uom_qty"], line["price_unit"]) for line in lines]
        if number == 3:  # the shirt and the shipping back: a negative shipping line named after the refund
            assert got[:4] == [(1.0, 22.5), (1.0, 3.5), (1.0, 5.99), (1.0, -5.99)]
            assert lines[3]["name"] == "Refund 78003: Shipping refund"
        else:
            assert got == [(1.0, 22.5), (1.0, 3.5), (1.0, 5.99), (1.0, -0.01)]
            assert lines[-1]["name"] == f"Refund {77000 + number}: rounding to Shopify's total"
            assert sale["amount_total"] == 35.89  # Shopify's 61.77 less the refund's 25.88
        refund = Refund.objects.get(order=order)
        assert (refund.state, refund.reduced_sale_order) == (RefundState.SYNCED, True)
        order.refresh_from_db()
        assert order.odoo_total == Decimal(str(sale["amount_total"]))
        [entry] = SyncAttempt.objects.filter(order=order, operation="create_credit_note")
        assert entry.status == SyncAttempt.Status.SUCCESS
        assert entry.message.startswith(f"Not invoiced yet: lowered 1 line(s) of {sale['name']}")

    # Again (a duplicate task): absolute quantities and named lines, nothing changes.
    Refund.objects.filter(pk__in=ids).update(state=RefundState.PENDING)
    before = [(s["amount_total"], s["order_line"]) for o in orders for s in odoo.sale_orders(o.origin)]
    batching.sync_refunds(shop.pk, ids)
    assert [
        (s["amount_total"], s["order_line"]) for o in orders for s in odoo.sale_orders(o.origin)
    ] == before
    assert all(r.state == RefundState.SYNCED for r in Refund.objects.all())


def test_one_refused_credit_note_fails_alone_and_the_others_land(
    shop, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    orders = _orders_in_odoo(shop, odoo, 4, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks)
    bad = Refund.objects.get(order=orders[1])
    real = services.credit_note

    def with_a_deleted_product(order, refund, draft, invoice):
        values, lines = real(order, refund, draft, invoice)
        if refund.pk == bad.pk:
            lines = [{**lines[0], "product_id": 999999}]
        return values, lines

    monkeypatch.setattr(services, "credit_note", with_a_deleted_product)

    batching.sync_refunds(shop.pk, ids)

    bad.refresh_from_db()
    assert bad.state == RefundState.FAILED and bad.reason
    good = [i for i in ids if i != bad.pk]
    _exactly_once(odoo, good)
    [entry] = SyncAttempt.objects.filter(order=orders[1], operation="create_credit_note")
    assert entry.status == SyncAttempt.Status.FAILED and entry.message == bad.reason
    assert Order.objects.get(pk=orders[1].pk).sync_status == SyncStatus.NEEDS_REVIEW


@pytest.mark.parametrize("step", ["create_credit_notes", "post_invoices", "pay_invoices", "read_invoices"])
def test_an_answer_lost_mid_batch_is_retried_and_nothing_is_written_twice(
    shop, odoo, django_capture_on_commit_callbacks, monkeypatch, step
):
    orders = _orders_in_odoo(shop, odoo, 4, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks)
    real = getattr(odoo_batch, step)
    lost = []

    def done_then_lost(*args, **kwargs):
        result = real(*args, **kwargs)
        if not lost:
            lost.append(step)
            raise TransientGatewayError("Odoo's answer was lost.")
        return result

    monkeypatch.setattr(odoo_batch, step, done_then_lost)

    delays = batching.sync_refunds(shop.pk, ids)

    assert lost and set(delays) <= set(ids) and delays
    for refund_id in delays:
        refund = Refund.objects.get(pk=refund_id)
        assert refund.state == RefundState.PENDING and refund.reason == "Odoo's answer was lost."
    # The retries (one at a time, as the task sends them) find what the lost call wrote.
    for refund_id in delays:
        assert services.sync_refund(refund_id) is None
    _exactly_once(odoo, ids)


def test_odoo_down_leaves_every_refund_waiting_for_its_retry(shop, odoo, django_capture_on_commit_callbacks):
    orders = _orders_in_odoo(shop, odoo, 3, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks)
    odoo.control(down=True)
    try:
        delays = batching.sync_refunds(shop.pk, ids)
    finally:
        odoo.control(down=False)

    assert sorted(delays) == sorted(ids) and all(d > 0 for d in delays.values())
    assert all(r.state == RefundState.PENDING and r.claimed_until is None for r in Refund.objects.all())
    assert _credit_notes(odoo) == []
    for refund_id in ids:
        services.sync_refund(refund_id)
    _exactly_once(odoo, ids)


def test_an_orders_second_refund_follows_its_first(shop, odoo, django_capture_on_commit_callbacks):
    orders = _orders_in_odoo(shop, odoo, 3, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks, two={2})
    assert len(ids) == 4

    batching.sync_refunds(shop.pk, ids)

    _exactly_once(odoo, ids)
    second = Refund.objects.get(shopify_id=79002)
    [entry] = SyncAttempt.objects.filter(object_ref=services.object_ref(second))
    assert "Written in a batch" not in entry.message  # one at a time, after its order's first


def test_a_batch_of_orders_sends_its_refunds_as_one_task(
    shop, odoo, django_capture_on_commit_callbacks, monkeypatch
):
    OrderRules.objects.filter(shop=shop).update(
        create_as=OrderRules.CreateAs.PAID_INVOICE, payment_journals={"shopify_payments": _bank_journal(odoo)}
    )
    nodes = [{**_node(n), "refunds": [_refund(n)], "updatedAt": "2026-11-23T10:01:00Z"} for n in (1, 2, 3)]
    orders = [queued_order(shop, _node(n)) for n in (1, 2, 3)]
    for order, node in zip(orders, nodes, strict=True):
        with django_capture_on_commit_callbacks(execute=False):
            store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(services.queue, "delay_on_commit", lambda name, *args: sent.append((name, args)))
    from orders.batching import sync_order as sync_batch

    sync_batch(orders[0].pk)

    refunds = sorted(Refund.objects.values_list("pk", flat=True))
    assert [s for s in sent if s[0].startswith("refunds.")] == [
        ("refunds.tasks.sync_refunds_task", (shop.pk, refunds))
    ]


def test_a_refund_with_no_money_back_is_credited_and_left_unpaid_beside_paid_ones(
    shop, odoo, django_capture_on_commit_callbacks
):
    orders = _orders_in_odoo(shop, odoo, 3, OrderRules.CreateAs.PAID_INVOICE)
    for number, _ in enumerate(orders, start=1):
        refund = _refund(number)
        if number == 2:  # no transaction: nothing went back (a store credit, a refund without money)
            refund["transactions"]["nodes"] = []
            refund["totalRefundedSet"]["shopMoney"]["amount"] = "0.00"
        node = {**_node(number), "refunds": [refund], "updatedAt": "2026-11-23T10:01:00Z"}
        with django_capture_on_commit_callbacks(execute=False):
            store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    ids = list(Refund.objects.order_by("order_id").values_list("pk", flat=True))

    batching.sync_refunds(shop.pk, ids)

    credits = {c["ref"]: c for c in _credit_notes(odoo)}
    assert set(credits) == {"shopify:refund:77001", "shopify:refund:77002", "shopify:refund:77003"}
    unpaid = credits["shopify:refund:77002"]
    assert (unpaid["state"], unpaid["payment_state"], unpaid["matched_payment_ids"]) == (
        "posted",
        "not_paid",
        [],
    )
    for ref in ("shopify:refund:77001", "shopify:refund:77003"):
        assert (
            credits[ref]["payment_state"] in ("paid", "in_payment")
            and len(credits[ref]["matched_payment_ids"]) == 1
        )
    for refund in Refund.objects.all():
        assert refund.state == RefundState.SYNCED and refund.claimed_until is None
        [entry] = SyncAttempt.objects.filter(object_ref=services.object_ref(refund))
        assert entry.status == SyncAttempt.Status.SUCCESS and entry.finished_at is not None
    assert Refund.objects.get(shopify_id=77002).odoo_payment_id is None


def test_the_first_task_takes_the_shops_other_waiting_refunds_and_the_later_ones_make_no_call(
    shop, odoo, django_capture_on_commit_callbacks
):
    """While a backfill runs, the refund tasks of several batches of orders wait behind its lead: the first
    writes them all together."""
    orders = _orders_in_odoo(shop, odoo, 6, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks)
    first_batch, second_batch = ids[:3], ids[3:]
    odoo.server.reset_stats()

    assert batching.sync_refunds(shop.pk, first_batch) == {}

    _exactly_once(odoo, ids)
    assert Counter(odoo.server.stats()["calls"])["account.move:create"] == 1
    odoo.server.reset_stats()
    assert batching.sync_refunds(shop.pk, second_batch) == {}
    assert Counter(odoo.server.stats()["calls"]).total() == 0
    _exactly_once(odoo, ids)


def test_one_at_a_time_a_task_takes_only_its_own_refunds(
    shop, odoo, django_capture_on_commit_callbacks, settings
):
    orders = _orders_in_odoo(shop, odoo, 3, OrderRules.CreateAs.PAID_INVOICE)
    ids = _refunded(shop, orders, django_capture_on_commit_callbacks)
    settings.SYNCO_SYNC_BATCH_SIZE = 1

    batching.sync_refunds(shop.pk, ids[:1])

    assert list(Refund.objects.filter(state=RefundState.SYNCED).values_list("pk", flat=True)) == ids[:1]
