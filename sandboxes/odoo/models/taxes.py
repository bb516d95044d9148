"""Odoo 18's tax arithmetic for one line, with the default "round per line" method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..tools import float_round

if TYPE_CHECKING:
    from ..orm import Environment


@dataclass(frozen=True)
class LineAmounts:
    price_subtotal: float  # rounded, like a Monetary field
    price_total: float  # rounded, like a Monetary field
    price_tax: float  # total - subtotal, left unrounded (sale.order.line.price_tax is a plain Float)
    tax_amounts: tuple[tuple[int, float], ...]  # per tax, rounded per line


def tax_is_price_included(tax: dict[str, Any]) -> bool:
    # The company default (account_price_include) is 'tax_excluded' in a generic US setup.
    return tax.get("price_include_override") == "tax_included"


def compute_line(
    env: Environment, price_unit: float, quantity: float, discount: float, tax_ids: list[int]
) -> LineAmounts:
    base = float(price_unit) * (1.0 - float(discount or 0.0) / 100.0) * float(quantity)
    found = [env.db.get("account.tax", tid) for tid in tax_ids]
    taxes: list[dict[str, Any]] = sorted(
        (t for t in found if t), key=lambda t: (t.get("sequence", 1), t["id"])
    )
    included = [t for t in taxes if tax_is_price_included(t)]
    excluded = [t for t in taxes if not tax_is_price_included(t)]
    fixed_included = sum(
        (float(t["amount"]) * float(quantity) for t in included if t.get("amount_type") == "fixed"), 0.0
    )
    percent_included = sum((float(t["amount"]) for t in included if t.get("amount_type") != "fixed"), 0.0)
    untaxed = (base - fixed_included) / (1.0 + percent_included / 100.0)
    amounts: list[tuple[int, float]] = []
    for tax in [*included, *excluded]:
        amount = float(tax["amount"])
        kind = tax.get("amount_type")
        if kind == "fixed":
            raw = amount * float(quantity)
        elif kind == "division" and amount < 100:
            raw = untaxed / (1.0 - amount / 100.0) - untaxed
        else:
            raw = untaxed * amount / 100.0
        amounts.append((int(tax["id"]), raw))
    total = untaxed + sum(raw for _tid, raw in amounts)
    subtotal_rounded = float_round(untaxed)
    total_rounded = float_round(total)
    return LineAmounts(
        price_subtotal=subtotal_rounded,
        price_total=total_rounded,
        price_tax=total_rounded - subtotal_rounded,
        tax_amounts=tuple((tid, float_round(raw)) for tid, raw in amounts),
    )


def document_totals(lines: list[LineAmounts]) -> tuple[float, float, float]:
    """(untaxed, tax, total) of an order or invoice: per-line rounded amounts, summed."""
    untaxed = float_round(sum(line.price_subtotal for line in lines))
    tax = float_round(sum(amount for line in lines for _tid, amount in line.tax_amounts))
    return untaxed, tax, float_round(untaxed + tax)
