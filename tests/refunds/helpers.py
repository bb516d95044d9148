"""Refund nodes in the exact shape Shopify returns for Synco's REFUNDS selection (order #1001 of
tests.factories: 2 x T-shirt at 22.50 after discount + 15 %, 1 x gift wrap 3.50 + 15 %, shipping 5.99)."""

from __future__ import annotations

from typing import Any

from tests.factories import money, order_node

SHIRT = "gid://shopify/LineItem/9001"
WRAP = "gid://shopify/LineItem/9002"


def refund_node(
    number: int = 77001,
    *,
    lines: list[tuple[str, int, str, str]] = (),  # type: ignore[assignment]
    shipping: list[tuple[str, str]] = (),  # type: ignore[assignment]
    adjustments: list[tuple[str, str]] = (),  # type: ignore[assignment]
    amount: str | None = None,
    status: str = "SUCCESS",
    gateway: str = "shopify_payments",
    restock: str = "NO_RESTOCK",
) -> dict[str, Any]:
    """`lines`: (line gid, quantity, subtotal, tax); `shipping`: (subtotal, tax); `adjustments`: (amount, tax)."""
    total = amount or "0.00"
    return {
        "id": f"gid://shopify/Refund/{number}",
        "createdAt": "2026-11-23T10:00:00Z",
        "note": "Arrived damaged",
        "totalRefundedSet": money(total if status == "SUCCESS" else "0.00"),
        "refundLineItems": {
            "nodes": [
                {
                    "lineItem": {"id": gid},
                    "quantity": quantity,
                    "restockType": restock,
                    "subtotalSet": money(subtotal),
                    "totalTaxSet": money(tax),
                }
                for gid, quantity, subtotal, tax in lines
            ]
        },
        "refundShippingLines": {
            "nodes": [
                {
                    "shippingLine": {"id": "gid://shopify/ShippingLine/1"},
                    "subtotalAmountSet": money(s),
                    "taxAmountSet": money(t),
                }
                for s, t in shipping
            ]
        },
        "orderAdjustments": {
            "nodes": [
                {
                    "id": f"gid://shopify/OrderAdjustment/{number}{index}",
                    "reason": "REFUND_DISCREPANCY",
                    "amountSet": money(a),
                    "taxAmountSet": money(t),
                }
                for index, (a, t) in enumerate(adjustments)
            ]
        },
        "transactions": {
            "nodes": [
                {
                    "id": f"gid://shopify/OrderTransaction/{number}",
                    "kind": "REFUND",
                    "status": status,
                    "gateway": gateway,
                    "processedAt": "2026-11-23T10:00:05Z",
                    "amountSet": money(total),
                }
            ]
            if amount is not None
            else []
        },
    }


def one_shirt(number: int = 77001, **options: Any) -> dict[str, Any]:
    """One T-shirt back: 22.50 + 3.38 tax = 25.88."""
    return refund_node(number, lines=[(SHIRT, 1, "22.50", "3.38")], amount="25.88", **options)


def refunded_order(*refunds: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Order #1001 with these refunds (its updatedAt moved past them)."""
    node = order_node(**{"refunds": list(refunds), "updatedAt": "2026-11-23T10:01:00Z", **overrides})
    node["shippingLines"]["nodes"][0]["id"] = "gid://shopify/ShippingLine/1"
    return node
