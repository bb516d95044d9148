"""Odoo's tax arithmetic (account.tax ``_get_tax_details`` and ``_round_base_lines_tax_details``), 18 and 19.

Per line: the base is price x (1 - discount) x quantity. The line's taxes, by (sequence, id), fall into batches
(consecutive taxes of one amount type, all price-included or all excluded). Fixed taxes come first; then the
price-included batches from the last (a percent tax takes ``base x rate / (1 + sum of its batch's rates)``,
on the base less the included taxes of other batches already computed); then the excluded taxes in order, on
the base less every included tax. The untaxed amount is the base less the included taxes.

With the company's ``tax_calculation_rounding_method``:
- ``round_per_line`` (Odoo's default before 19): the base is rounded to the currency first and each tax as it
  is computed; the document sums the rounded figures;
- ``round_globally``: nothing is rounded on the line; the document rounds the sum of each tax once, and the
  sum of the untaxed amounts once. 19 (not 18) keeps a price-included total: when no tax of the document is
  price-excluded, it rounds the sum of the lines' totals once and the untaxed amount is what the rounded taxes
  leave of it (3 x 19.99 at 20 % included: 19 says 49.97 + 10.00 = 59.97, 18 49.98 + 10.00 = 59.98).
A line's price_total is its rounded total (18) or its rounded untaxed amount plus its rounded taxes (19).
Monetary fields are rounded to the currency's rounding.
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
    price_included_only: bool = True  # no price-excluded tax on the line
    keeps_included_total: bool = False  # 19: round_globally keeps a price-included document's total

    @property
    def raw_total(self) -> float:
        return self.raw_subtotal + sum(raw for _tid, raw in self.raw_tax_amounts)


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


def _batches(taxes: list[dict[str, Any]]) -> list[int]:
    """Each tax's batch: runs of consecutive taxes of one amount type, all price-included or all excluded."""
    batches: list[int] = []
    for index, tax in enumerate(taxes):
        before = taxes[index - 1] if index else None
        same = before is not None and (
            tax.get("amount_type") == before.get("amount_type")
            and tax_is_price_included(tax) == tax_is_price_included(before)
        )
        batches.append(batches[-1] if same else (batches[-1] + 1 if batches else 0))
    return batches


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
    batch_of = _batches(taxes)
    # What the included taxes of other batches take from a tax's base before it is computed.
    taken = [0.0] * len(taxes)
    amounts: dict[int, float] = {}

    def batch_percent(index: int) -> float:
        return sum(float(t["amount"]) for j, t in enumerate(taxes) if batch_of[j] == batch_of[index]) / 100.0

    def record(index: int, raw: float) -> None:
        amounts[index] = line_round(raw)
        if tax_is_price_included(taxes[index]):
            for other in range(len(taxes)):
                if batch_of[other] != batch_of[index] and other not in amounts:
                    taken[other] += amounts[index]

    sign = -1.0 if float(price_unit) < 0 else 1.0
    for index in reversed(range(len(taxes))):
        if taxes[index].get("amount_type") == "fixed":
            record(index, sign * float(quantity) * float(taxes[index]["amount"]))
    for index in reversed(range(len(taxes))):
        tax = taxes[index]
        if index in amounts or not tax_is_price_included(tax):
            continue
        base = raw_base - taken[index]
        if tax.get("amount_type") == "division":
            record(index, base * float(tax["amount"]) / 100.0)
        else:
            total = batch_percent(index)
            record(index, base * (1 / (1 + total) if total != -1 else 0.0) * float(tax["amount"]) / 100.0)
    for index, tax in enumerate(taxes):
        if index in amounts:
            continue
        base = raw_base - taken[index]
        if tax.get("amount_type") == "division":
            total = batch_percent(index)
            record(index, base * float(tax["amount"]) / 100.0 / (1.0 if total == 1.0 else 1 - total))
        else:
            record(index, base * float(tax["amount"]) / 100.0)
    untaxed = raw_base - sum(amounts[i] for i, t in enumerate(taxes) if tax_is_price_included(t))
    ordered = tuple((int(t["id"]), amounts[i]) for i, t in enumerate(taxes))
    keeps_included_total = env.version >= 19
    subtotal_rounded = float_round(untaxed, rounding)
    taxes_rounded = tuple((tid, float_round(raw, rounding)) for tid, raw in ordered)
    if keeps_included_total:
        total_rounded = float_round(
            subtotal_rounded + sum(amount for _tid, amount in taxes_rounded), rounding
        )
    else:
        total_rounded = float_round(untaxed + sum(amount for _tid, amount in ordered), rounding)
    return LineAmounts(
        price_subtotal=subtotal_rounded,
        price_total=total_rounded,
        price_tax=total_rounded - subtotal_rounded,
        tax_amounts=taxes_rounded,
        raw_subtotal=untaxed,
        raw_tax_amounts=ordered,
        rounding=rounding,
        method=method,
        price_included_only=all(tax_is_price_included(t) for t in taxes),
        keeps_included_total=keeps_included_total,
    )


def document_totals(lines: list[LineAmounts]) -> tuple[float, float, float]:
    """(untaxed, tax, total) of an order or invoice.

    Round per line: the lines' rounded amounts, summed. Round globally: each tax's raw sum rounded once; the
    untaxed amount is the raw untaxed amounts' sum rounded once, or (19, every tax price-included) the lines'
    raw totals' sum rounded once less the taxes. Odoo spreads the deltas over the lines; the totals are these.
    """
    if not lines:
        return 0.0, 0.0, 0.0
    rounding = lines[0].rounding
    # Section and note lines come as LineAmounts() with the defaults: the product lines say how to round.
    if any(line.method == ROUND_GLOBALLY for line in lines):
        per_tax: dict[int, float] = {}
        for line in lines:
            for tid, raw in line.raw_tax_amounts:
                per_tax[tid] = per_tax.get(tid, 0.0) + raw
        tax = float_round(sum(float_round(raw, rounding) for raw in per_tax.values()), rounding)
        keeps = any(line.keeps_included_total for line in lines)
        if keeps and all(line.price_included_only for line in lines):
            untaxed = float_round(
                float_round(sum(line.raw_total for line in lines), rounding) - tax, rounding
            )
        else:
            untaxed = float_round(sum(line.raw_subtotal for line in lines), rounding)
        return untaxed, tax, float_round(untaxed + tax, rounding)
    untaxed = float_round(sum(line.price_subtotal for line in lines), rounding)
    tax = float_round(sum(amount for line in lines for _tid, amount in line.tax_amounts), rounding)
    return untaxed, tax, float_round(untaxed + tax, rounding)
