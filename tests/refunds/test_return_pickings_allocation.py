"""allocate_returns: the restocked units of a refund spread over the order's done deliveries, newest first,
never more than a delivery delivered minus what its returns already took back."""

from __future__ import annotations

from decimal import Decimal

from refunds.mapping import ReturnAllocation, Unreturned, allocate_returns, unreturned_note

SHIRT, WRAP, MUG = 11, 12, 13


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def test_it_takes_everything_from_the_newest_delivery_that_holds_it() -> None:
    allocation = allocate_returns({SHIRT: D(1)}, [(2, {SHIRT: D(1)}), (1, {SHIRT: D(1), WRAP: D(1)})], {})

    assert allocation == ReturnAllocation(by_delivery={2: {SHIRT: D(1)}}, unreturned=())


def test_it_spreads_over_several_deliveries_newest_first() -> None:
    allocation = allocate_returns(
        {SHIRT: D(3), WRAP: D(1)},
        [(3, {SHIRT: D(1)}), (2, {WRAP: D(1)}), (1, {SHIRT: D(4), WRAP: D(2)})],
        {},
    )

    assert allocation.by_delivery == {3: {SHIRT: D(1)}, 2: {WRAP: D(1)}, 1: {SHIRT: D(2)}}
    assert list(allocation.by_delivery) == [3, 2, 1]
    assert allocation.unreturned == ()


def test_it_takes_off_what_each_delivery_already_had_returned() -> None:
    allocation = allocate_returns(
        {SHIRT: D(2)},
        [(2, {SHIRT: D(2)}), (1, {SHIRT: D(2)})],
        {2: {SHIRT: D(1)}, 1: {SHIRT: D(1), WRAP: D(5)}},
    )

    assert allocation.by_delivery == {2: {SHIRT: D(1)}, 1: {SHIRT: D(1)}}
    assert allocation.unreturned == ()


def test_it_reports_what_is_left_when_the_deliveries_run_out() -> None:
    allocation = allocate_returns({SHIRT: D(3)}, [(2, {SHIRT: D(1)}), (1, {SHIRT: D(2)})], {1: {SHIRT: D(1)}})

    assert allocation.by_delivery == {2: {SHIRT: D(1)}, 1: {SHIRT: D(1)}}
    assert allocation.unreturned == (
        Unreturned(product_id=SHIRT, quantity=D(1), delivered=D(3), already_returned=D(1)),
    )


def test_it_returns_nothing_when_everything_delivered_is_already_back() -> None:
    allocation = allocate_returns({SHIRT: D(1)}, [(1, {SHIRT: D(2)})], {1: {SHIRT: D(2)}})

    assert allocation.by_delivery == {}
    assert allocation.unreturned == (
        Unreturned(product_id=SHIRT, quantity=D(1), delivered=D(2), already_returned=D(2)),
    )


def test_an_over_return_made_by_hand_leaves_nothing_and_takes_nothing_from_other_deliveries() -> None:
    allocation = allocate_returns({SHIRT: D(2)}, [(2, {SHIRT: D(1)}), (1, {SHIRT: D(1)})], {2: {SHIRT: D(3)}})

    assert allocation.by_delivery == {1: {SHIRT: D(1)}}
    assert allocation.unreturned == (
        Unreturned(product_id=SHIRT, quantity=D(1), delivered=D(2), already_returned=D(1)),
    )


def test_a_product_never_delivered_is_reported_and_the_others_are_returned() -> None:
    allocation = allocate_returns({SHIRT: D(1), MUG: D(2)}, [(1, {SHIRT: D(2)})], {})

    assert allocation.by_delivery == {1: {SHIRT: D(1)}}
    assert allocation.unreturned == (
        Unreturned(product_id=MUG, quantity=D(2), delivered=D(0), already_returned=D(0)),
    )


def test_no_delivery_at_all() -> None:
    assert allocate_returns({SHIRT: D(1)}, [], {}) == ReturnAllocation(
        by_delivery={},
        unreturned=(Unreturned(product_id=SHIRT, quantity=D(1), delivered=D(0), already_returned=D(0)),),
    )


def test_the_note_says_which_quantities_were_not_returned_and_why() -> None:
    note = unreturned_note(
        [
            Unreturned(product_id=SHIRT, quantity=D("1.0"), delivered=D("2.0"), already_returned=D("2.0")),
            Unreturned(product_id=WRAP, quantity=D(1), delivered=D(3), already_returned=D(1)),
            Unreturned(product_id=MUG, quantity=D(2), delivered=D(0), already_returned=D(0)),
            Unreturned(product_id=99, quantity=D(1), delivered=D(1), already_returned=D(0)),
        ],
        {SHIRT: "T-shirt", WRAP: "Gift wrap", MUG: "Mug"},
    )

    assert note == (
        "Not returned in Odoo: 1 x T-shirt (the 2 Odoo delivered are already returned); "
        "1 x Gift wrap (Odoo delivered 3, 1 of them already returned); "
        "2 x Mug (Odoo has no validated delivery of it); 1 x product 99 (Odoo delivered only 1)."
    )
    assert unreturned_note([], {}) == ""
