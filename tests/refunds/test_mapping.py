from __future__ import annotations

from decimal import Decimal

import pytest

from refunds.mapping import (
    CreditLine,
    RefundMappingError,
    RefundRefs,
    SaleLineRef,
    credit_note_draft,
    reduced_quantities,
    sale_order_extras,
    split_cents,
)
from synco.shopify.types import parse_order
from tests.refunds.helpers import SHIRT, WRAP, one_shirt, refund_node, refunded_order

REFS = RefundRefs(
    lines={
        "9001": SaleLineRef(id=11, product_id=101, quantity=Decimal(2), tax_ids=(5,)),
        "9002": SaleLineRef(id=12, product_id=102, quantity=Decimal(1), tax_ids=(5,)),
    },
    shipping={0: SaleLineRef(id=13, product_id=103, quantity=Decimal(1), tax_ids=())},
    adjustment_product_id=104,
)


def _draft(*refunds, refs=REFS):
    order = parse_order(refunded_order(*refunds))
    return credit_note_draft(order, order.refunds[-1], refs)


def test_it_credits_one_refunded_unit_at_shopifys_amount_with_the_orders_tax():
    draft = _draft(one_shirt())

    assert draft.key == "refund_77001"
    assert draft.lines == (
        CreditLine(
            product_id=101,
            name="Organic T-Shirt - M",
            quantity=Decimal(1),
            price_unit=Decimal("22.50"),
            tax_ids=(5,),
            sale_line_id=11,
        ),
    )
    assert draft.settlement.expected_total == Decimal("25.88")
    assert draft.settlement.paid_amount == Decimal("25.88")
    assert (draft.settlement.gateway, draft.settlement.paid_on) == ("shopify_payments", "2026-11-23")


def test_it_credits_a_full_refund_line_by_line_with_shipping():
    refund = refund_node(
        lines=[(SHIRT, 2, "45.00", "6.75"), (WRAP, 1, "3.50", "0.53")],
        shipping=[("5.99", "0.00")],
        amount="61.77",
    )

    draft = _draft(refund)

    assert [(line.product_id, line.quantity, line.price_unit, line.tax_ids) for line in draft.lines] == [
        (101, Decimal(2), Decimal("22.50"), (5,)),
        (102, Decimal(1), Decimal("3.50"), (5,)),
        (103, Decimal(1), Decimal("5.99"), ()),
    ]
    assert draft.settlement.expected_total == Decimal("61.77")


def test_it_credits_a_shipping_refund_alone_on_the_delivery_product():
    draft = _draft(refund_node(shipping=[("5.99", "0.00")], amount="5.99"))

    assert [(line.product_id, line.name, line.price_unit) for line in draft.lines] == [
        (103, "Shipping refund", Decimal("5.99"))
    ]


def test_it_puts_an_order_adjustment_on_the_adjustment_product_without_tax():
    refund = refund_node(lines=[(SHIRT, 1, "22.50", "3.38")], adjustments=[("-2.00", "0.00")], amount="27.88")

    draft = _draft(refund)

    assert draft.lines[-1] == CreditLine(
        product_id=104,
        name="Refund adjustment (refund discrepancy)",
        quantity=Decimal(1),
        price_unit=Decimal("2.00"),
    )
    assert draft.settlement.expected_total == Decimal("27.88")


def test_it_splits_a_refunded_amount_that_units_cannot_carry_to_the_cent():
    assert split_cents(Decimal("56.65"), 3) == [(2, Decimal("18.88")), (1, Decimal("18.89"))]
    assert split_cents(Decimal("59.97"), 3) == [(3, Decimal("19.99"))]

    draft = _draft(refund_node(lines=[(SHIRT, 2, "44.99", "6.75")], amount="51.74"))

    assert [(line.quantity, line.price_unit) for line in draft.lines] == [
        (Decimal(1), Decimal("22.49")),
        (Decimal(1), Decimal("22.50")),
    ]
    assert sum(line.quantity * line.price_unit for line in draft.lines) == Decimal("44.99")


def test_before_invoicing_it_lowers_quantities_counting_earlier_refunds():
    first, second = (
        one_shirt(77001),
        refund_node(77002, lines=[(SHIRT, 1, "22.50", "3.37"), (WRAP, 1, "3.50", "0.53")], amount="29.90"),
    )
    order = parse_order(refunded_order(first, second))

    assert reduced_quantities(order, order.refunds[0], REFS) == {11: Decimal(1)}
    assert reduced_quantities(order, order.refunds[1], REFS) == {11: Decimal(0), 12: Decimal(0)}


def test_before_invoicing_shipping_and_adjustments_become_negative_lines():
    draft = _draft(refund_node(shipping=[("5.99", "0.00")], adjustments=[("-1.00", "0.00")], amount="6.99"))

    assert [(line.product_id, line.price_unit) for line in sale_order_extras(draft)] == [
        (103, Decimal("-5.99")),
        (104, Decimal("-1.00")),
    ]


def test_a_refund_whose_transaction_is_pending_is_held():
    with pytest.raises(RefundMappingError, match="still pending"):
        _draft(one_shirt(status="PENDING"))


def test_a_refund_of_a_line_the_order_does_not_have_is_held():
    refund = refund_node(lines=[("gid://shopify/LineItem/404", 1, "10.00", "1.50")], amount="11.50")

    with pytest.raises(RefundMappingError, match="LineItem/404"):
        _draft(refund)


def test_a_refund_whose_line_has_no_odoo_line_is_held():
    refs = RefundRefs(lines={}, shipping={})

    with pytest.raises(RefundMappingError, match="no line in Odoo"):
        _draft(one_shirt(), refs=refs)


def test_a_refund_whose_money_differs_from_its_lines_is_held():
    refund = refund_node(lines=[(SHIRT, 1, "22.50", "3.38")], amount="20.00")

    with pytest.raises(RefundMappingError, match=r"Shopify returned \$20\.00 but"):
        _draft(refund)


def test_a_refund_with_more_lines_than_the_query_reads_is_not_taken_as_complete():
    from synco.shopify.types import parse_refund

    node = one_shirt()
    assert parse_refund(node).detailed is True
    node["refundLineItems"]["pageInfo"] = {"hasNextPage": True}
    assert parse_refund(node).detailed is False
    assert parse_refund({"id": "gid://shopify/Refund/1", "totalRefundedSet": None}).detailed is False
