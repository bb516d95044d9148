"""Order edits as Shopify commits them (orderEditBegin / orderEditSetQuantity / orderEditAddVariant /
orderEditCommit), applied to a stored order in one step.

What changes, as in Shopify (2026-10 schema: LineItem.quantity, taxLines and discountAllocations include "refunded
and removed" units; Order.totalPriceSet is "before returns"): a line's `current_quantity` (its `quantity` only
grows: removed units stay counted there, and in its taxes), new lines for added variants, `current_total_price`
and the outstanding amount by every change, `total_price`, `subtotal_price` and `total_tax` by added units only,
and `updated_at`. The
return value is the `orders/edited` webhook body: `{"order_edit": {..., "line_items": {"additions", "removals"}}}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Json = dict[str, Any]
CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(rest_set: Json | None, side: str = "shop_money") -> Decimal:
    return Decimal(str(((rest_set or {}).get(side) or {}).get("amount") or "0"))


def _set(shop: Decimal, shop_ccy: str, pres: Decimal, pres_ccy: str) -> Json:
    return {
        "shop_money": {"amount": str(_q(shop)), "currency_code": shop_ccy},
        "presentment_money": {"amount": str(_q(pres)), "currency_code": pres_ccy},
    }


def _tax(net: Decimal, rate: Decimal, included: bool) -> Decimal:
    return _q(net * rate / (1 + rate)) if included else _q(net * rate)


def _line_net(line: Json, units: int) -> Decimal:
    """The line's price after its discounts for `units` of its ordered quantity (discounts spread per unit)."""
    quantity = int(line.get("quantity") or 0)
    gross = _amount(line["price_set"]) * quantity
    discount = sum((_amount(a.get("amount_set")) for a in line.get("discount_allocations") or []), Decimal(0))
    return _q((gross - discount) * units / quantity) if quantity else Decimal(0)


def _line_tax(line: Json, units: int, included: bool) -> Decimal:
    net = _line_net(line, units)
    return sum(
        (_tax(net, Decimal(str(t.get("rate") or 0)), included) for t in line.get("tax_lines") or []),
        Decimal(0),
    )


class EditError(ValueError):
    """The edit is not one Shopify would commit (unknown line, negative quantity, nothing to change)."""


def edit_order(
    order: Json,
    *,
    set_quantities: dict[int, int] | None = None,
    add: list[Json] | None = None,
    now: datetime | None = None,
    edit_id: int = 1,
) -> Json:
    """Commit an edit on `order` (changed in place); returns the `orders/edited` webhook body."""
    set_quantities = {int(k): int(v) for k, v in (set_quantities or {}).items()}
    add = list(add or [])
    if not set_quantities and not add:
        raise EditError("an edit changes a quantity or adds a line")
    if order.get("cancelled_at"):
        raise EditError("a cancelled order cannot be edited")
    lines = {int(line["id"]): line for line in order.get("line_items") or []}
    included = bool(order.get("taxes_included"))
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    total = _amount(order["total_price_set"])
    fx = _amount(order["total_price_set"], "presentment_money") / total if total else Decimal(1)
    delta_net = Decimal(0)  # the current figures: every change
    delta_tax = Decimal(0)
    ordered_net = Decimal(
        0
    )  # totalPriceSet, subtotal, totalTax: units added only (removed ones stay counted)
    ordered_tax = Decimal(0)
    additions: list[Json] = []
    removals: list[Json] = []
    for line_id, wanted in sorted(set_quantities.items()):
        line = lines.get(line_id)
        if line is None:
            raise EditError(f"order {order['id']} has no line item {line_id}")
        if wanted < 0:
            raise EditError("a quantity cannot be negative")
        current = int(line.get("current_quantity", line.get("quantity") or 0))
        if wanted == current:
            continue
        ordered = int(line["quantity"])
        net_before, tax_before = _line_net(line, current), _line_tax(line, current, included)
        ordered_net_before = _line_net(line, ordered)
        ordered_tax_before = sum(
            (_amount(t.get("price_set")) for t in line.get("tax_lines") or []), Decimal(0)
        )
        if wanted > ordered:
            # Units added to a line: Shopify's ordered quantity grows with them, and so do the line's taxes
            # (taxLines are for every unit ordered). Removed units stay in both: only currentQuantity drops.
            line["quantity"] = wanted
            for tax_line in line.get("tax_lines") or []:
                rate = Decimal(str(tax_line.get("rate") or 0))
                amount = _tax(_line_net(line, wanted), rate, included)
                tax_line["price"] = str(amount)
                tax_line["price_set"] = _set(amount, shop_ccy, amount * fx, pres_ccy)
        delta_net += _line_net(line, wanted) - net_before
        delta_tax += _line_tax(line, wanted, included) - tax_before
        ordered_net += _line_net(line, int(line["quantity"])) - ordered_net_before
        ordered_tax += (
            sum((_amount(t.get("price_set")) for t in line.get("tax_lines") or []), Decimal(0))
            - ordered_tax_before
        )
        line["current_quantity"] = wanted
        line["fulfillable_quantity"] = max(0, min(int(line.get("fulfillable_quantity") or 0), wanted))
        change = {"id": line_id, "delta": abs(wanted - current)}
        (additions if wanted > current else removals).append(change)
    next_id = max([*lines, int(order["id"]) * 100]) + 1
    rate = next(
        (Decimal(str(t.get("rate") or 0)) for line in lines.values() for t in line.get("tax_lines") or []),
        Decimal(0),
    )
    title_tax = next(
        (t.get("title") for line in lines.values() for t in line.get("tax_lines") or []), "Sales tax"
    )
    for index, item in enumerate(add):
        quantity = int(item.get("quantity") or 1)
        price = Decimal(str(item["price"]))
        if quantity <= 0 or price < 0:
            raise EditError("an added line needs a positive quantity and a price")
        line_id = next_id + index
        net = _q(price * quantity)
        tax = _tax(net, rate, included) if item.get("taxable", True) and rate else Decimal(0)
        order.setdefault("line_items", []).append(
            {
                "id": line_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
                "current_quantity": quantity,
                "fulfillable_quantity": quantity,
                "fulfillment_status": None,
                "gift_card": False,
                "name": item.get("title") or "Added item",
                "title": item.get("title") or "Added item",
                "price": str(_q(price)),
                "price_set": _set(price, shop_ccy, price * fx, pres_ccy),
                "product_exists": item.get("variant_id") is not None,
                "product_id": item.get("product_id"),
                "quantity": quantity,
                "requires_shipping": bool(item.get("requires_shipping", True)),
                "sku": item.get("sku") or "",
                "taxable": bool(item.get("taxable", True)),
                "total_discount": "0.00",
                "total_discount_set": _set(Decimal(0), shop_ccy, Decimal(0), pres_ccy),
                "variant_id": item.get("variant_id"),
                "tax_lines": [
                    {
                        "price": str(tax),
                        "price_set": _set(tax, shop_ccy, tax * fx, pres_ccy),
                        "rate": float(rate),
                        "title": title_tax,
                    }
                ]
                if tax
                else [],
                "duties": [],
                "discount_allocations": [],
            }
        )
        additions.append({"id": line_id, "delta": quantity})
        delta_net += net
        delta_tax += tax
        ordered_net += net
        ordered_tax += tax
    delta_total = delta_net + (Decimal(0) if included else delta_tax)
    ordered_total = ordered_net + (Decimal(0) if included else ordered_tax)
    current_total = _amount(order.get("current_total_price_set") or order["total_price_set"])
    for key, base, delta in (
        ("total_price", _amount(order["total_price_set"]), ordered_total),
        ("current_total_price", current_total, delta_total),
        ("subtotal_price", _amount(order.get("subtotal_price_set")), ordered_net),
        ("total_tax", _amount(order.get("total_tax_set")), ordered_tax),
    ):
        value = base + delta
        order[key] = str(_q(value))
        order[f"{key}_set"] = _set(value, shop_ccy, value * fx, pres_ccy)
    if delta_total:
        outstanding = Decimal(str(order.get("total_outstanding") or "0")) + delta_total
        order["total_outstanding"] = str(_q(outstanding))
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    order["updated_at"] = stamp
    return {
        "order_edit": {
            "id": edit_id,
            "app_id": None,
            "created_at": stamp,
            "notify_customer": False,
            "order_id": int(order["id"]),
            "staff_note": "",
            "user_id": None,
            "line_items": {"additions": additions, "removals": removals},
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "shipping_lines": {"additions": [], "removals": []},
        }
    }
