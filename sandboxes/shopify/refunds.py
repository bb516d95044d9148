"""Refunds as Shopify's `refundCreate` makes them: amounts computed from the order's lines and taxes, the
order's current quantities and totals updated, a refund transaction recorded and `refunds/create` sent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .generator import money_set, q

Json = dict[str, Any]
ZERO = Decimal("0")
MONIES = ("shop_money", "presentment_money")
RESTOCK_TYPES = {"NO_RESTOCK", "CANCEL", "RETURN", "LEGACY_RESTOCK"}


class RefundError(ValueError):
    """A refund Shopify would refuse (a userError): `field` names the input."""

    def __init__(self, message: str, field: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _amount(bag: Json | None, money: str) -> Decimal:
    return Decimal(str(((bag or {}).get(money) or {}).get("amount") or 0))


def _line_net(line: Json, money: str) -> Decimal:
    gross = _amount(line["price_set"], money) * int(line["quantity"])
    return gross - sum(
        (_amount(a.get("amount_set"), money) for a in line.get("discount_allocations") or []), ZERO
    )


def _line_tax(line: Json, money: str) -> Decimal:
    return sum((_amount(t.get("price_set"), money) for t in line.get("tax_lines") or []), ZERO)


def _share(total: Decimal, done: Decimal, qty: int, done_qty: int, line_qty: int) -> Decimal:
    """Shopify's share of a line's amount for `qty` units: proportional, and the rest on the last units."""
    if done_qty + qty >= line_qty:
        return total - done
    return q(total * qty / line_qty)


def build_refund(
    order: Json,
    *,
    refund_id: int,
    lines: list[Json],
    shipping: Json | None = None,
    note: str = "",
    transaction_status: str = "success",
    discrepancy: Decimal | None = None,
    at: datetime | None = None,
    transactions: list[Json] | None = None,
) -> Json:
    """The refund Shopify would record for `order` (REST shape, as the generator stores refunds).

    `lines`: [{"line_item_id", "quantity", "restock_type"}]; `shipping`: {"full_refund": bool} or
    {"amount": Decimal}; `discrepancy`: an extra amount given back (an order adjustment, REFUND_DISCREPANCY).
    """
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    included = bool(order.get("taxes_included"))
    when = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    by_id = {int(li["id"]): li for li in order.get("line_items") or []}
    refunded_before: dict[int, tuple[int, dict[str, Decimal], dict[str, Decimal]]] = {}
    for earlier in order.get("refunds") or []:
        for rli in earlier.get("refund_line_items") or []:
            qty, sub, tax = refunded_before.get(int(rli["line_item_id"]), (0, {}, {}))
            refunded_before[int(rli["line_item_id"])] = (
                qty + int(rli["quantity"]),
                {m: sub.get(m, ZERO) + _amount(rli.get("subtotal_set"), m) for m in MONIES},
                {m: tax.get(m, ZERO) + _amount(rli.get("total_tax_set"), m) for m in MONIES},
            )
    totals = dict.fromkeys(MONIES, ZERO)
    refund_lines = []
    for index, wanted in enumerate(lines):
        line = by_id.get(int(wanted["line_item_id"]))
        if line is None:
            raise RefundError("Line item does not exist on this order.", ["refundLineItems", str(index)])
        qty = int(wanted["quantity"])
        restock = str(wanted.get("restock_type") or "NO_RESTOCK").upper()
        if restock not in RESTOCK_TYPES:
            raise RefundError(
                f"Invalid restock type {restock}.", ["refundLineItems", str(index), "restockType"]
            )
        done_qty, done_sub, done_tax = refunded_before.get(int(line["id"]), (0, {}, {}))
        if qty <= 0 or done_qty + qty > int(line["quantity"]):
            raise RefundError(
                "Quantity cannot refund more items than were purchased.",
                ["refundLineItems", str(index), "quantity"],
            )
        sub = {
            m: _share(_line_net(line, m), done_sub.get(m, ZERO), qty, done_qty, int(line["quantity"]))
            for m in MONIES
        }
        tax = {
            m: _share(_line_tax(line, m), done_tax.get(m, ZERO), qty, done_qty, int(line["quantity"]))
            for m in MONIES
        }
        refunded_before[int(line["id"])] = (
            done_qty + qty,
            {m: done_sub.get(m, ZERO) + sub[m] for m in MONIES},
            {m: done_tax.get(m, ZERO) + tax[m] for m in MONIES},
        )
        for m in MONIES:
            totals[m] += sub[m] + (ZERO if included else tax[m])
        refund_lines.append(
            {
                "id": refund_id + 10 + index,
                "line_item_id": int(line["id"]),
                "location_id": 71_000_000_001 if restock != "NO_RESTOCK" else None,
                "quantity": qty,
                "restock_type": restock.lower(),
                "subtotal": float(sub["shop_money"]),
                "subtotal_set": money_set(sub["shop_money"], shop_ccy, sub["presentment_money"], pres_ccy),
                "total_tax": float(tax["shop_money"]),
                "total_tax_set": money_set(tax["shop_money"], shop_ccy, tax["presentment_money"], pres_ccy),
            }
        )
    shipping_lines = []
    if shipping and (shipping.get("full_refund") or shipping.get("amount")):
        ship = (order.get("shipping_lines") or [None])[0]
        if ship is None:
            raise RefundError("The order has no shipping to refund.", ["shipping"])
        price = {m: _amount(ship.get("discounted_price_set") or ship["price_set"], m) for m in MONIES}
        tax_full = {m: _line_tax(ship, m) for m in MONIES}
        if shipping.get("full_refund"):
            sub, tax = price, tax_full
        else:
            wanted_amount = Decimal(str(shipping["amount"]))
            if wanted_amount > price["shop_money"]:
                raise RefundError("Shipping refund amount exceeds the refundable amount.", ["shipping"])
            ratio = wanted_amount / price["shop_money"] if price["shop_money"] else ZERO
            sub = {m: q(price[m] * ratio) for m in MONIES}
            tax = {m: q(tax_full[m] * ratio) for m in MONIES}
        for m in MONIES:
            totals[m] += sub[m] + (ZERO if included else tax[m])
        shipping_lines.append(
            {
                "id": refund_id + 5,
                "shipping_line_id": int(ship["id"]),
                "subtotal_amount_set": money_set(
                    sub["shop_money"], shop_ccy, sub["presentment_money"], pres_ccy
                ),
                "tax_amount_set": money_set(tax["shop_money"], shop_ccy, tax["presentment_money"], pres_ccy),
            }
        )
    adjustments = []
    if discrepancy:
        amount = Decimal(str(discrepancy))
        adjustments.append(
            {
                "id": refund_id + 6,
                "order_id": order["id"],
                "refund_id": refund_id,
                "kind": "refund_discrepancy",
                "reason": "Refund discrepancy",
                # Shopify signs the adjustment against the refund: more money back is negative.
                "amount_set": money_set(-amount, shop_ccy, -amount, pres_ccy),
                "tax_amount_set": money_set(ZERO, shop_ccy, ZERO, pres_ccy),
            }
        )
        for m in MONIES:
            totals[m] += amount
    sale = next(
        (
            t
            for t in transactions or []
            if t.get("kind") in ("sale", "capture") and t.get("status") == "success"
        ),
        None,
    )
    gateway = sale["gateway"] if sale else (order.get("payment_gateway_names") or ["manual"])[0]
    transaction_id = refund_id + 1
    transaction = {
        "id": transaction_id,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{transaction_id}",
        "order_id": order["id"],
        "kind": "refund",
        "gateway": gateway,
        "status": transaction_status,
        "amount": str(q(totals["presentment_money"])),
        "currency": pres_ccy,
        "amount_set": money_set(totals["shop_money"], shop_ccy, totals["presentment_money"], pres_ccy),
        "created_at": when,
        "processed_at": when,
        "test": bool(order.get("test")),
        "parent_id": sale["id"] if sale else None,
        "authorization": None,
        "source_name": "web",
    }
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "created_at": when,
        "processed_at": when,
        "note": note,
        "order_id": order["id"],
        "restock": any(rl["restock_type"] != "no_restock" for rl in refund_lines),
        "user_id": None,
        "order_adjustments": adjustments,
        "refund_shipping_lines": shipping_lines,
        "transactions": [transaction],
        "refund_line_items": refund_lines,
        "duties": [],
        "additional_fees": [],
    }


def apply_refund(order: Json, refund: Json) -> Json:
    """The order after the refund: current quantities, current total, financial status, updatedAt."""
    order = copy.deepcopy(order)
    order.setdefault("refunds", []).append(refund)
    by_id = {int(li["id"]): li for li in order.get("line_items") or []}
    for rli in refund["refund_line_items"]:
        line = by_id[int(rli["line_item_id"])]
        line["current_quantity"] = int(line.get("current_quantity", line["quantity"])) - int(rli["quantity"])
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    succeeded = [
        t for r in order["refunds"] for t in r.get("transactions") or [] if t.get("status") == "success"
    ]
    refunded = {m: sum((_amount(t["amount_set"], m) for t in succeeded), ZERO) for m in MONIES}
    # The current total before this refund (after edits: totalPriceSet still counts the units an edit
    # removed), less what this refund gave back.
    before = {m: _amount(order.get("current_total_price_set") or order["total_price_set"], m) for m in MONIES}
    returned = {
        m: sum(
            (
                _amount(t["amount_set"], m)
                for t in refund.get("transactions") or []
                if t.get("status") == "success"
            ),
            ZERO,
        )
        for m in MONIES
    }
    current = {m: before[m] - returned[m] for m in MONIES}
    order["current_total_price"] = str(q(current["shop_money"]))
    order["current_total_price_set"] = money_set(
        current["shop_money"], shop_ccy, current["presentment_money"], pres_ccy
    )
    if refunded["shop_money"] > 0:
        order["financial_status"] = "refunded" if current["shop_money"] <= 0 else "partially_refunded"
    order["updated_at"] = refund["processed_at"]
    return order


def record_refund(store: Any, domain: str, order_id: int, **options: Any) -> tuple[Json, Json]:
    """Create a refund on a stored order (see `build_refund` for the options); returns (refund, order)."""
    order = store.order(domain, order_id)
    if order is None:
        raise RefundError("Order does not exist.", ["orderId"])
    transactions = store.transactions(domain, order_id)
    refund_id = int(order["id"]) * 1000 + 900 + 20 * len(order.get("refunds") or [])
    refund = build_refund(order, refund_id=refund_id, transactions=transactions, **options)
    updated = apply_refund(order, refund)
    store.upsert_orders(
        domain, [updated], transactions={int(order["id"]): transactions + refund["transactions"]}
    )
    return refund, updated
