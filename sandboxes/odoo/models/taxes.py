"""Odoo 18's tax arithmetic (account.tax ``_get_tax_details`` and ``_round_base_lines_tax_details``).

Per line, with the company's ``tax_calculation_rounding_method``:
- ``round_per_line`` (Odoo's default): the line's base (price after discount x quantity) is rounded to the
  currency first, each tax is rounded on the line, and the document sums the rounded figures;
- ``round_globally``: nothing is rounded on the line; the document rounds the sum of each tax, and the sum of
  the untaxed bases, once.
Price-included taxes of a line form one batch: each takes ``base x rate / (1 + sum of the batch's rates)`` and
the untaxed amount is the base minus those taxes. Monetary fields are rounded to the currency's rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..tools import float_round

if TYPE_CHECKING:
    from ..orm import Environment

ROUND_PER_LINE = "round_per_line"
ROUND_GLOBALLY = "round_globally"


@dataclass(frozen=True)
class LineAmounts:
    price_subtotal: float  # rounded, like a Monetary field
    price_total: float  # rounded, like a Monetary field
    price_tax: float  # total - subtotal, left unrounded (sale.order.line.price_tax is a plain Float)
    tax_amounts: tuple[tuple[int, float], ...]  # per tax, rounded on the line
    raw_subtotal: float = 0.0  # unrounded under round_globally
    raw_tax_amounts: tuple[tuple[int, float], ...] = ()
    rounding: float = 0.01  # the currency's rounding
    method: str = ROUND_PER_LINE


def tax_is_price_included(tax: dict[str, Any]) -> bool:
    # The company default (account_price_include) is 'tax_excluded' in a generic US setup. Odoo 17 stores the
    # boolean price_include itself (18 computes it from price_include_override).
    return tax.get("price_include_override") == "tax_included" or tax.get("price_include") is True


def rounding_method(env: Environment) -> str:
    company = env.db.get("res.company", 1) or {}
    return str(company.get("tax_calculation_rounding_method") or ROUND_PER_LINE)


def currency_rounding(env: Environment, currency_id: Any) -> float:
    currency = env.db.get("res.currency", int(currency_id)) if currency_id else None
    if currency is None:
        company = env.db.get("res.company", 1) or {}
        currency = env.db.get("res.currency", int(company.get("currency_id") or 1)) or {}
    return float(currency.get("rounding") or 0.01)


def compute_line(
    env: Environment,
    price_unit: float,
    quantity: float,
    discount: float,
    tax_ids: list[int],
    currency_id: Any = None,
) -> LineAmounts:
    rounding = currency_rounding(env, currency_id)
    method = rounding_method(env)
    per_line = method == ROUND_PER_LINE

    def line_round(value: float) -> float:
        return float_round(value, rounding) if per_line else value

    raw_base = line_round(float(price_unit) * (1.0 - float(discount or 0.0) / 100.0) * float(quantity))
    found = [env.db.get("account.tax", tid) for tid in tax_ids]
    taxes: list[dict[str, Any]] = sorted(
        (t for t in found if t), key=lambda t: (t.get("sequence", 1), t["id"])
    )
    included = [t for t in taxes if tax_is_price_included(t)]
    excluded = [t for t in taxes if not tax_is_price_included(t)]
    amounts: dict[int, float] = {}
    for tax in included:
        if tax.get("amount_type") == "fixed":
            amounts[int(tax["id"])] = line_round(float(tax["amount"]) * float(quantity))
    percent_included = sum((float(t["amount"]) for t in included if t.get("amount_type") != "fixed"), 0.0)
    for tax in included:
        if tax.get("amount_type") == "fixed":
            continue
        if tax.get("amount_type") == "division":
            raw = raw_base * float(tax["amount"]) / 100.0
        else:
            raw = raw_base / (1.0 + percent_included / 100.0) * float(tax["amount"]) / 100.0
        amounts[int(tax["id"])] = line_round(raw)
    untaxed = raw_base - sum(amounts.values())
    for tax in excluded:
        amount = float(tax["amount"])
        kind = tax.get("amount_type")
        if kind == "fixed":
            raw = amount * float(quantity)
        elif kind == "division" and amount < 100:
            raw = raw_base / (1.0 - amount / 100.0) - raw_base
        else:
            raw = raw_base * amount / 100.0
        amounts[int(tax["id"])] = line_round(raw)
    ordered = tuple((int(t["id"]), amounts[int(t["id"])]) for t in [*included, *excluded])
    total = untaxed + sum(amount for _tid, amount in ordered)
    subtotal_rounded = float_round(untaxed, rounding)
    total_rounded = float_round(total, rounding)
    return LineAmounts(
        price_subtotal=subtotal_rounded,
        price_total=total_rounded,
        price_tax=total_rounded - subtotal_rounded,
        tax_amounts=tuple((tid, float_round(raw, rounding)) for tid, raw in ordered),
        raw_subtotal=untaxed,
        raw_tax_amounts=ordered,
        rounding=rounding,
        method=method,
    )


def document_totals(lines: list[LineAmounts]) -> tuple[float, float, float]:
    """(untaxed, tax, total) of an order or invoice.

    Round per line: the lines' rounded amounts, summed. Round globally: each tax's raw sum rounded once, and
    the raw untaxed bases' sum rounded once (Odoo spreads the deltas over the lines; the totals are these).
    """
    if not lines:
        return 0.0, 0.0, 0.0
    rounding = lines[0].rounding
    if lines[0].method == ROUND_GLOBALLY:
        untaxed = float_round(sum(line.raw_subtotal for line in lines), rounding)
        per_tax: dict[int, float] = {}
        for line in lines:
            for tid, raw in line.raw_tax_amounts:
                per_tax[tid] = per_tax.get(tid, 0.0) + raw
        tax = float_round(sum(float_round(raw, rounding) for raw in per_tax.values()), rounding)
        return untaxed, tax, float_round(untaxed + tax, rounding)
    untaxed = float_round(sum(line.price_subtotal for line in lines), rounding)
    tax = float_round(sum(amount for line in lines for _tid, amount in line.tax_amounts), rounding)
    return untaxed, tax, float_round(untaxed + tax, rounding)
