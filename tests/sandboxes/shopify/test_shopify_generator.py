from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from sandboxes.catalogue import CATALOGUE
from sandboxes.shopify.catalog import variants_by_sku
from sandboxes.shopify.generator import SandboxDataset, generate_orders


def _amount(bag: dict, money: str) -> Decimal:
    return Decimal(bag[money]["amount"])


def test_it_keeps_totals_exactly_consistent_for_500_orders(now: datetime) -> None:
    orders = generate_orders(500, now=now, seed=7)
    assert len(orders) == 500
    for order in orders:
        for money in ("shop_money", "presentment_money"):
            lines = sum(
                (_amount(li["price_set"], money) * li["quantity"] for li in order["line_items"]), Decimal(0)
            )
            discounts = sum(
                (
                    _amount(a["amount_set"], money)
                    for li in order["line_items"]
                    for a in li["discount_allocations"]
                ),
                Decimal(0),
            )
            shipping = sum(
                (_amount(s["discounted_price_set"], money) for s in order["shipping_lines"]), Decimal(0)
            )
            taxes = sum(
                (_amount(t["price_set"], money) for li in order["line_items"] for t in li["tax_lines"]),
                Decimal(0),
            ) + sum(
                (_amount(t["price_set"], money) for s in order["shipping_lines"] for t in s["tax_lines"]),
                Decimal(0),
            )
            assert lines == _amount(order["total_line_items_price_set"], money), order["name"]
            assert discounts == _amount(order["total_discounts_set"], money), order["name"]
            assert taxes == _amount(order["total_tax_set"], money), order["name"]
            assert lines - discounts == _amount(order["subtotal_price_set"], money), order["name"]
            expected = lines - discounts + shipping + (0 if order["taxes_included"] else taxes)
            assert expected == _amount(order["total_price_set"], money), order["name"]
        assert order["total_price"] == order["total_price_set"]["shop_money"]["amount"]
        for li in order["line_items"]:
            for t in li["tax_lines"]:
                assert Decimal(t["price"]) == Decimal(t["price"]).quantize(Decimal("0.01"))


def test_it_is_deterministic_for_a_seed(now: datetime) -> None:
    assert generate_orders(80, now=now, seed=3) == generate_orders(80, now=now, seed=3)
    assert generate_orders(80, now=now, seed=3) != generate_orders(80, now=now, seed=4)


def test_it_covers_the_cases_the_sync_must_handle(dataset: SandboxDataset) -> None:
    orders = dataset.orders
    assert [o["name"] for o in orders[:3]] == ["#1001", "#1002", "#1003"]
    assert orders[0]["id"] == 5550001001 and orders[0]["order_number"] == 1001 and orders[0]["number"] == 1
    guests = [o for o in orders if o["customer"] is None]
    assert 15 <= len(guests) <= 25  # about a third
    assert sum(1 for o in orders if any(li["discount_allocations"] for li in o["line_items"])) >= 3
    assert [o["discount_codes"] for o in orders if o["discount_codes"]] == [
        [{"code": "WELCOME10", "amount": orders[3]["discount_codes"][0]["amount"], "type": "percentage"}]
    ]
    rates = Counter((o["line_items"][0]["tax_lines"][0]["rate"], o["taxes_included"]) for o in orders)
    assert set(rates) == {(0.08875, False), (0.06, False), (0.2, True), (0.19, True)}
    for o in orders:
        eu = o["taxes_included"]
        for s in o["shipping_lines"]:
            assert bool(s["tax_lines"]) == eu  # VAT on shipping in the EU only
    assert sum(1 for o in orders if o["shipping_lines"]) >= 50
    assert {len(o["line_items"]) for o in orders} <= {1, 2, 3, 4, 5}
    multi = [o for o in orders if o["presentment_currency"] != o["currency"]]
    assert [(o["currency"], o["presentment_currency"]) for o in multi] == [("USD", "EUR")]
    statuses = Counter(o["financial_status"] for o in orders)
    assert statuses["paid"] >= 40
    assert {"pending", "authorized", "partially_refunded", "refunded", "voided"} <= set(statuses)
    assert [(o["name"], o["cancel_reason"]) for o in orders if o["cancelled_at"]] == [
        ("#1009", "customer"),
        ("#1010", "inventory"),
    ]
    assert [o["name"] for o in orders if o["test"]] == ["#1006"]
    assert [oid for oid, r in dataset.risks.items() if r["assessments"][0]["riskLevel"] == "HIGH"] == [
        orders[6]["id"]
    ]
    unknown = [li for o in orders for li in o["line_items"] if li["sku"] == "SKU-DISCONTINUED"]
    assert len(unknown) == 1 and unknown[0]["variant_id"] is None and unknown[0]["product_exists"] is False
    names = {(o["customer"]["first_name"], o["customer"]["last_name"]) for o in orders if o["customer"]}
    assert {("José", "Müller"), ("花子", "佐藤")} <= names
    assert all(len(o["line_items"]) < 250 for o in orders)


def test_it_keeps_transactions_and_refunds_in_step(dataset: SandboxDataset) -> None:
    refunded = dataset.orders[10]
    kinds = [(t["kind"], t["status"], t["amount"]) for t in dataset.transactions[refunded["id"]]]
    assert kinds == [
        ("sale", "success", refunded["total_price"]),
        ("refund", "success", refunded["total_price"]),
    ]
    partial = dataset.orders[11]
    refund = partial["refunds"][0]
    assert refund["refund_line_items"][0]["quantity"] == 1
    assert partial["line_items"][0]["current_quantity"] == partial["line_items"][0]["quantity"] - 1
    voided = dataset.orders[8]
    assert [t["kind"] for t in dataset.transactions[voided["id"]]] == ["authorization", "void"]
    fulfilled = [o for o in dataset.orders if o["fulfillment_status"] == "fulfilled"]
    assert fulfilled and all(o["fulfillments"][0]["tracking_number"] for o in fulfilled)


def test_it_builds_a_250_line_order_only_when_asked(now: datetime) -> None:
    orders = generate_orders(3, now=now, big_order=True)
    assert [len(o["line_items"]) for o in orders][-1] == 250
    assert len({li["id"] for li in orders[-1]["line_items"]}) == 250


def test_it_derives_variant_ids_from_the_sku() -> None:
    lookup = variants_by_sku()
    assert set(lookup) == {item.sku for item in CATALOGUE}
    tshirt = lookup["SKU-TSHIRT-M"]
    assert (tshirt.product_title, tshirt.variant_title, tshirt.barcode) == (
        "Organic T-Shirt",
        "M",
        "0012345678912",
    )
    assert tshirt.product_id == lookup["SKU-TSHIRT-S"].product_id
    assert len({v.variant_id for v in lookup.values()}) == len(lookup)
