"""Pure: Shopify demand Odoo does not hold yet, and the figure Synco sets (Odoo's - buffer - that demand)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from stock import mapping
from stock.mapping import DemandLine, ItemRef, LocationRef, OpenOrder
from synco.shopify.types import LineItem, ShopifyOrder

MAIN, RETAIL, UNSYNCED = "gid://shopify/Location/1", "gid://shopify/Location/2", "gid://shopify/Location/3"
PRODUCTS = {"TEE": 7, "MUG": 8, "barcode:0042": 9}


def order(*lines: DemandLine, **kw: object) -> OpenOrder:
    return OpenOrder(lines=lines, **kw)  # type: ignore[arg-type]


def demand(*orders: OpenOrder, default: str = MAIN) -> dict[tuple[int, str], int]:
    return mapping.unheld_demand(orders, PRODUCTS, [MAIN, RETAIL], default)


def test_orders_not_in_odoo_count_per_product_and_location() -> None:
    assert demand(
        order(DemandLine("TEE", "", 2), DemandLine("MUG", "", 1), location_gid=MAIN),
        order(DemandLine("TEE", "", 3), location_gid=RETAIL),
        order(DemandLine("TEE", "", 1), location_gid=MAIN, odoo_id=None, odoo_state=""),
    ) == {(7, MAIN): 3, (8, MAIN): 1, (7, RETAIL): 3}


def test_a_quotation_counts_a_confirmed_sale_order_does_not() -> None:
    tee = DemandLine("TEE", "", 2)
    assert demand(order(tee, odoo_id=5, odoo_state="draft")) == {(7, MAIN): 2}
    assert demand(order(tee, odoo_id=5, odoo_state="sent")) == {(7, MAIN): 2}
    assert demand(order(tee, odoo_id=5, odoo_state="cancel")) == {(7, MAIN): 2}  # Odoo holds nothing
    assert demand(order(tee, odoo_id=5, odoo_state="sale")) == {}
    assert demand(order(tee, odoo_id=5, odoo_state="done")) == {}


def test_cancelled_and_restocked_orders_count_nothing() -> None:
    tee = DemandLine("TEE", "", 2)
    assert demand(order(tee, cancelled=True)) == {}
    assert demand(order(tee, fulfillment_status="RESTOCKED")) == {}
    assert demand(order(tee, fulfillment_status="PARTIALLY_FULFILLED")) == {(7, MAIN): 2}


def test_units_shipped_in_shopify_count_until_odoo_holds_the_order() -> None:
    """Shipped in Shopify before Odoo has a confirmed sale order for them: Odoo's on hand still counts them (no
    delivery of its own took them), Shopify's available does not: they stay kept back."""
    tee = DemandLine("TEE", "", 3, unfulfilled=1)  # 2 of 3 shipped in Shopify
    shipped = DemandLine("TEE", "", 2, unfulfilled=0)
    # not in Odoo yet, Synco will sync it: all of them
    assert demand(order(tee, fulfillment_status="PARTIALLY_FULFILLED")) == {(7, MAIN): 3}
    assert demand(order(shipped, fulfillment_status="FULFILLED")) == {(7, MAIN): 2}
    # a quotation in Odoo (or cancelled there only): no delivery exists, all of them
    for state in ("draft", "sent", "cancel"):
        assert demand(order(tee, shipped, odoo_id=5, odoo_state=state, eligible=False)) == {(7, MAIN): 5}
    # confirmed in Odoo: its delivery reserves what is left, or was validated for what shipped: nothing
    assert demand(order(tee, shipped, odoo_id=5, odoo_state="sale")) == {}
    assert demand(order(tee, shipped, odoo_id=5, odoo_state="done")) == {}


def test_an_order_synco_will_not_put_in_odoo_keeps_back_only_what_is_not_shipped() -> None:
    """Ineligible and not in Odoo: no Odoo delivery will ever take its shipped units (Odoo's count of them is the
    merchant's own), but its unshipped units are still committed in Shopify."""
    tee = DemandLine("TEE", "", 3, unfulfilled=1)
    assert demand(order(tee, eligible=False, fulfillment_status="PARTIALLY_FULFILLED")) == {(7, MAIN): 1}
    assert demand(order(DemandLine("TEE", "", 2, unfulfilled=0), eligible=False)) == {}
    # Shopify did not say: all of them, the safe side
    assert demand(order(DemandLine("TEE", "", 2), eligible=False)) == {(7, MAIN): 2}


def test_no_location_is_the_default_an_unmapped_one_counts_nowhere() -> None:
    tee = DemandLine("TEE", "", 1)
    assert demand(order(tee), default=RETAIL) == {(7, RETAIL): 1}
    assert demand(order(tee, location_gid=UNSYNCED)) == {}
    assert demand(order(tee), default="") == {}


def test_lines_match_by_sku_else_barcode_unmatched_lines_count_nowhere() -> None:
    assert demand(
        order(DemandLine("", "0042", 2), DemandLine("NOPE", "0042", 1), DemandLine("NOPE", "", 5))
    ) == {(9, MAIN): 3}


def test_the_default_location_fulfils_online_orders() -> None:
    main = LocationRef(MAIN, (1,), "A main", fulfills_online_orders=False)
    retail = LocationRef(RETAIL, (2,), "B retail")
    assert mapping.default_order_location([main, retail]) == RETAIL
    assert mapping.default_order_location([main]) == MAIN
    assert mapping.default_order_location([]) == ""


def _line(gid: str, quantity: int, current: int | None, **kw: object) -> LineItem:
    return LineItem(
        id=gid,
        sku="TEE",
        title="Tee",
        quantity=quantity,
        unit_price=Decimal(10),
        discount=Decimal(0),
        tax_lines=(),
        current_quantity=current,
        **kw,  # type: ignore[arg-type]
    )


def _shopify_order(*lines: LineItem, **kw: object) -> ShopifyOrder:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    values: dict[str, object] = dict(
        id=1,
        gid="gid://shopify/Order/1",
        name="#1",
        created_at=now,
        updated_at=now,
        processed_at=now,
        cancelled_at=None,
        financial_status="PAID",
        fulfillment_status="UNFULFILLED",
        source_name="web",
        currency="USD",
        presentment_currency="USD",
        taxes_included=False,
        test=False,
        email="",
        note="",
        tags=(),
        note_attributes=(),
        subtotal=Decimal(0),
        total_discounts=Decimal(0),
        total_shipping=Decimal(0),
        total_tax=Decimal(0),
        total=Decimal(0),
        total_tip=Decimal(0),
        presentment_total=Decimal(0),
        presentment_tax=Decimal(0),
        customer=None,
        billing_address=None,
        shipping_address=None,
        line_items=lines,
    )
    values.update(kw)
    return ShopifyOrder(**values)  # type: ignore[arg-type]


def test_an_order_has_each_lines_current_quantity_and_what_is_not_shipped_of_it() -> None:
    parsed = _shopify_order(
        _line("L/1", 3, 1),  # edited or refunded down to 1
        _line("L/2", 2, None),  # Shopify sent no currentQuantity: the quantity
        _line("L/3", 4, 4, unfulfilled_quantity=1),  # 3 of 4 fulfilled
        _line("L/4", 2, 0),  # removed
        _line("L/5", 1, 1, is_gift_card=True),
        _line("L/6", 2, 2),  # an older payload: unfulfilledQuantity from the stored node
        location_id=RETAIL,
    )
    shaped = mapping.open_order(parsed, odoo_id=None, odoo_state="", unfulfilled={"L/6": 0})
    assert [(line.units, line.unfulfilled, line.unshipped) for line in shaped.lines] == [
        (1, None, 1),
        (2, None, 2),
        (4, 1, 1),
        (2, 0, 0),
    ]
    assert shaped.location_gid == RETAIL and not shaped.cancelled and shaped.eligible
    cancelled = replace(parsed, cancelled_at=parsed.created_at)
    assert mapping.open_order(cancelled, odoo_id=3, odoo_state="draft").cancelled
    # a fully fulfilled order whose payload does not say per line: nothing left to ship
    fulfilled = mapping.open_order(
        _shopify_order(_line("L/7", 2, 2), fulfillment_status="FULFILLED"), odoo_id=None, odoo_state=""
    )
    assert [(line.units, line.unshipped) for line in fulfilled.lines] == [(2, 0)]


def test_the_figure_set_is_odoos_less_buffer_less_demand_never_below_zero() -> None:
    items = [ItemRef("gid://shopify/InventoryItem/1", 7, "TEE")]
    locations = [LocationRef(MAIN, (1,), "Main"), LocationRef(RETAIL, (2,), "Retail")]
    figures = {(7, MAIN): Decimal("10.5"), (7, RETAIL): Decimal(2)}
    levels = mapping.desired_levels(items, locations, figures, 1, {(7, MAIN): 3, (7, RETAIL): 5})
    assert [(level.location_gid, level.quantity, level.pending) for level in levels] == [
        (MAIN, 6, 3),
        (RETAIL, 0, 5),
    ]
    # without demand: as before
    assert [level.quantity for level in mapping.desired_levels(items, locations, figures, 1)] == [9, 1]
