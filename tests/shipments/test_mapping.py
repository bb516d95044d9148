"""Pure shipment mapping: keys -> Shopify lines, tracking URLs, fulfilment plans and their refusals, recognising
Synco's own fulfilment after a lost answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shipments import mapping
from synco.odoo.client import OdooDelivery, OdooDeliveryMove
from synco.shopify.fulfillments import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfilmentState,
    Tracking,
)

LINE_A = "gid://shopify/LineItem/11"
LINE_B = "gid://shopify/LineItem/12"
ACTIONS = ("CREATE_FULFILLMENT", "HOLD", "MOVE")


def fo(
    number: int,
    lines: dict[str, int],
    *,
    status: str = "OPEN",
    location: str = "gid://shopify/Location/1",
    actions: tuple[str, ...] = ACTIONS,
    holds: tuple[str, ...] = (),
) -> FulfillmentOrder:
    return FulfillmentOrder(
        id=f"gid://shopify/FulfillmentOrder/{number}",
        status=status,
        location_id=location,
        location_name="Main warehouse",
        actions=actions,
        holds=holds,
        lines=tuple(
            FulfillmentOrderLine(f"gid://shopify/FulfillmentOrderLineItem/{number}{i}", gid, "SKU", qty, qty)
            for i, (gid, qty) in enumerate(lines.items())
        ),
    )


def state(*orders: FulfillmentOrder, fulfillments: tuple[Fulfillment, ...] = ()) -> FulfilmentState:
    return FulfilmentState("gid://shopify/Order/1", "#1", "UNFULFILLED", orders, fulfillments)


def test_it_reads_the_shopify_line_from_a_sale_line_key():
    assert mapping.line_item_gid("line_11") == LINE_A
    assert mapping.line_item_gid("line_11_2") == LINE_A
    assert mapping.line_item_gid("line_1_discounts") is None
    assert mapping.line_item_gid("shipping_1_0") is None


def test_it_builds_a_tracking_url_for_known_carriers_only():
    assert mapping.tracking_for("UPS Ground", " 1Z 9 ") == Tracking(
        "UPS Ground", "1Z 9", "https://www.ups.com/track?tracknum=1Z%209"
    )
    assert mapping.tracking_for("Local courier", "77").url == ""
    assert mapping.tracking_for("FedEx", "").url == ""


def test_it_counts_done_moves_per_shopify_line_and_names_unknown_products():
    delivery = OdooDelivery(
        1,
        "WH/OUT/1",
        "done",
        "",
        0,
        "",
        "",
        (
            OdooDeliveryMove(1, 10, 100, Decimal(3), Decimal(2), True, "done"),
            OdooDeliveryMove(2, 10, 101, Decimal(1), Decimal(1), True, "done"),
            OdooDeliveryMove(3, 20, 102, Decimal(1), Decimal(1), True, "done"),
            OdooDeliveryMove(4, 30, 0, Decimal(1), Decimal(1), True, "done"),
            OdooDeliveryMove(5, 40, 103, Decimal(1), Decimal(0), True, "cancel"),
        ),
    )
    shipped = mapping.shipped_by_line(delivery, {100: "line_11", 101: "line_11_2", 102: "line_12"})
    assert shipped.by_line == {LINE_A: 3, LINE_B: 1}
    assert shipped.unknown == (30,)


def test_it_spreads_units_over_fulfilment_orders_synco_may_fulfil():
    plan = mapping.plan_fulfilment({LINE_A: 2, LINE_B: 1}, state(fo(1, {LINE_A: 3, LINE_B: 1})))
    assert plan.ok
    assert [(line.line_id.rsplit("/", 1)[-1], line.quantity) for line in plan.lines] == [("10", 2), ("11", 1)]


def test_it_refuses_with_shopify_s_reason_on_hold_closed_or_a_service_s():
    held = mapping.plan_fulfilment(
        {LINE_A: 1},
        state(fo(1, {LINE_A: 1}, status="ON_HOLD", actions=("RELEASE_HOLD",), holds=("OTHER: fraud",))),
    )
    assert not held.ok and "on hold (OTHER: fraud)" in held.refusals[0]
    service = mapping.plan_fulfilment(
        {LINE_A: 1}, state(fo(1, {LINE_A: 1}, actions=("REQUEST_FULFILLMENT",)))
    )
    assert "fulfilment service" in service.refusals[0]
    hidden = mapping.plan_fulfilment({LINE_A: 1}, state())
    assert "fulfilment service (3PL)" in hidden.refusals[0]
    short = mapping.plan_fulfilment({LINE_A: 5}, state(fo(1, {LINE_A: 3})))
    assert not short.ok and "fewer units left" in short.refusals[0]


LOC_1, LOC_2 = "gid://shopify/Location/1", "gid://shopify/Location/2"


def test_lines_at_two_locations_make_one_group_per_location():
    plan = mapping.plan_fulfilment(
        {LINE_A: 1, LINE_B: 1},
        state(fo(1, {LINE_A: 1}), fo(2, {LINE_B: 1}, location=LOC_2)),
    )
    assert plan.ok
    assert {location: [line.quantity for line in lines] for location, lines in plan.groups().items()} == {
        LOC_1: [1],
        LOC_2: [1],
    }


def test_a_line_split_over_two_locations_prefers_the_delivery_s_warehouse_then_the_fewest_fulfilments():
    split = state(fo(1, {LINE_A: 2, LINE_B: 1}), fo(2, {LINE_A: 3}, location=LOC_2))
    # no preference: the location taking most of the shipment first (one fulfilment when it can take it all)
    plan = mapping.plan_fulfilment({LINE_A: 2, LINE_B: 1}, split)
    assert list(plan.groups()) == [LOC_1]
    # the warehouse mapped to LOC_2 shipped: LOC_2 first, the rest where it remains
    plan = mapping.plan_fulfilment({LINE_A: 4, LINE_B: 1}, split, preferred=[LOC_2])
    assert [
        (loc, [(line.line_id[-2:], line.quantity) for line in lines]) for loc, lines in plan.groups().items()
    ] == [
        (LOC_2, [("20", 3)]),
        (LOC_1, [("10", 1), ("11", 1)]),
    ]
    # more than both hold: a reason, nothing guessed
    over = mapping.plan_fulfilment({LINE_A: 6}, split)
    assert not over.ok and "fewer units left" in over.refusals[0]


def test_pending_groups_are_the_stored_lines_without_a_fulfilment_per_location():
    stored = [
        {"line_item": LINE_A, "quantity": 1, "location": LOC_1, "fulfillment": "gid://shopify/Fulfillment/1"},
        {"line_item": LINE_A, "quantity": 2, "location": LOC_2, "fulfillment": ""},
        {"line_item": LINE_B, "quantity": 1, "location": LOC_2, "fulfillment": ""},
    ]
    [group] = mapping.pending_groups(stored)
    assert mapping.plan_by_line(group) == {LINE_A: 2, LINE_B: 1}
    group[0]["fulfillment"] = "gid://shopify/Fulfillment/2"
    assert stored[1]["fulfillment"] == "gid://shopify/Fulfillment/2"  # the caller marks its own lines


def test_a_held_row_is_looked_at_again_with_a_doubling_backoff_up_to_a_day():
    from datetime import timedelta as td

    from shipments.services import held_backoff

    assert [held_backoff(n) for n in (1, 2, 3)] == [td(minutes=15), td(minutes=30), td(hours=1)]
    assert held_backoff(8) == held_backoff(50) == td(days=1)


def test_it_recognises_its_own_fulfilment_only_when_made_after_the_request_unclaimed_and_identical():
    asked = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    def made(gid: str, at: datetime, qty: int, number: str = "1Z") -> Fulfillment:
        return Fulfillment(
            gid,
            "#1.1",
            "SUCCESS",
            at.isoformat().replace("+00:00", "Z"),
            (Tracking("UPS", number, ""),),
            (FulfillmentLine(LINE_A, qty),),
        )

    ours = made("F/3", asked + timedelta(seconds=1), 2)
    candidates = [
        made("F/1", asked - timedelta(hours=1), 2),  # older: someone else's
        made("F/2", asked + timedelta(seconds=1), 2),  # another row's
        made("F/4", asked, 1),  # other quantities
        made("F/5", asked, 2, "OTHER"),  # other tracking
        ours,
    ]
    assert mapping.recognise({LINE_A: 2}, "1Z", asked, candidates, ["F/2"]) == ours
    assert mapping.recognise({LINE_A: 2}, "1Z", asked, candidates[:4], ["F/2"]) is None
