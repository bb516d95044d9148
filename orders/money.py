"""Odoo's arithmetic for a sale order's lines, in Decimal: what Odoo will compute for what Synco sends.

Pure (no ORM, no network). The mapping uses it to choose prices Odoo can hold exactly and to add the tax
corrections that make Odoo's tax per tax equal Shopify's; the Odoo sandbox implements the same rules on
its own (sandboxes/odoo/models/taxes.py) and the contract tests hold both to a real Odoo 18 and 19.

The rule, as Odoo's ``account.tax`` applies it to percent taxes (``_add_tax_details_in_base_line``,
``_round_base_lines_tax_details``, ``_get_tax_totals_summary``):

- A line's base is price_unit x (1 - discount / 100) x quantity. Its taxes, in Odoo's order (sequence, id),
  fall into batches: runs of consecutive taxes that are all price-included or all price-excluded.
- Price-included batches, from the last: each tax is (base minus the included taxes of the batches already
  done) x rate / (1 + the sum of its batch's rates). Price-excluded taxes: (base minus every included tax)
  x rate. The line's untaxed amount is the base minus its included taxes.
- ``round_per_line``: the base is rounded to the currency first and each tax as it is computed; the document
  adds the rounded figures.
- ``round_globally``: nothing is rounded on the line; each tax's sum over the document is rounded once. The
  untaxed amount is the sum of the lines' untaxed amounts, rounded once; except, where the Odoo version keeps
  a price-included total (19; ``keeps_included_total``), on a document none of whose taxes is price-excluded:
  there the sum of the lines' totals (their prices) is rounded once and the untaxed amount is that total minus
  the rounded taxes, so the total is the sum of the prices. 3 x 19.99 at 20 % included: Odoo 19 gives
  49.97 + 10.00 = 59.97, Odoo 18 49.98 + 10.00 = 59.98 (10.00 being 3 x 3.331666... = 9.995 rounded).

Odoo computes in floats and rounds half away from zero with a tolerance of a few ulps, so an amount that is a
half cent in decimal (9.995) rounds up even when its float is 9.99499999...; Synco computes the same amounts
exactly (60 digits, settled to 30 decimals before rounding), which gives the same cents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

ROUND_PER_LINE = "round_per_line"
ROUND_GLOBALLY = "round_globally"

# ISO 4217 minor units where they are not 2: Odoo ships its currencies with the same rounding.
_MINOR_UNITS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF"),
        0,
    ),
    **dict.fromkeys(("XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}

# Unrounded amounts are quotients (a price over 1.2): 60 digits keep them exact far beyond any cent, and
# settling them to 30 decimals turns 9.99499999...98 (3 x 19.99 / 1.2 x 0.2) back into the 9.995 it is.
_EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)
_SETTLED = Decimal("1e-30")
ZERO = Decimal(0)


def currency_unit(currency: str) -> Decimal:
    """The smallest amount of a currency (0.01, 1, 0.001): Odoo's res.currency rounding."""
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency.upper(), 2))


def round_to(value: Decimal, unit: Decimal) -> Decimal:
    """Odoo's float_round (half away from zero) to a rounding unit."""
    with localcontext(_EXACT):
        settled = value.quantize(_SETTLED)
        return (settled / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


@dataclass(frozen=True)
class TaxRate:
    id: int
    percent: Decimal  # 20 for 20 %
    price_included: bool
    sequence: int = 1  # Odoo orders a line's taxes by (sequence, id); 1 is its default


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    tax_ids: tuple[int, ...]


@dataclass(frozen=True)
class LineFigures:
    subtotal: Decimal  # price_subtotal, rounded to the currency
    taxes: tuple[tuple[int, Decimal], ...]  # per tax in Odoo's order, rounded on the line
    raw_subtotal: Decimal  # unrounded under round_globally
    raw_taxes: tuple[tuple[int, Decimal], ...]
    price_included_only: bool = True  # no price-excluded tax on the line

    @property
    def tax(self) -> Decimal:
        return sum((amount for _tax, amount in self.taxes), ZERO)

    @property
    def raw_total(self) -> Decimal:
        return self.raw_subtotal + sum((amount for _tax, amount in self.raw_taxes), ZERO)


@dataclass(frozen=True)
class DocumentFigures:
    lines: tuple[LineFigures, ...]
    untaxed: Decimal
    tax_by_id: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def tax(self) -> Decimal:
        return sum(self.tax_by_id.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return self.untaxed + self.tax


def _batches(ordered: Sequence[TaxRate]) -> dict[int, int]:
    """Tax id -> its batch: runs of consecutive taxes that are all price-included or all price-excluded."""
    batch_of: dict[int, int] = {}
    batch = -1
    for index, tax in enumerate(ordered):
        if index == 0 or tax.price_included != ordered[index - 1].price_included:
            batch += 1
        batch_of[tax.id] = batch
    return batch_of


def line_figures(
    line: LineInput, taxes: Mapping[int, TaxRate], unit: Decimal, method: str = ROUND_PER_LINE
) -> LineFigures:
    """One line as Odoo computes it (``account.tax._get_tax_details``)."""
    per_line = method == ROUND_PER_LINE

    def on_line(value: Decimal) -> Decimal:
        return round_to(value, unit) if per_line else value

    with localcontext(_EXACT):
        base = on_line(line.price_unit * (1 - line.discount / 100) * line.quantity)
        ordered = sorted(
            (taxes[tax_id] for tax_id in set(line.tax_ids) if tax_id in taxes),
            key=lambda tax: (tax.sequence, tax.id),
        )
        batch_of = _batches(ordered)
        amounts: dict[int, Decimal] = {}
        # What the included taxes of other batches take from a tax's base before it is computed.
        taken = dict.fromkeys(batch_of, ZERO)
        for tax in reversed(ordered):
            if not tax.price_included:
                continue
            batch_rate = sum((t.percent for t in ordered if batch_of[t.id] == batch_of[tax.id]), ZERO) / 100
            share = 1 / (1 + batch_rate) if batch_rate != -1 else ZERO
            amounts[tax.id] = on_line((base - taken[tax.id]) * share * tax.percent / 100)
            for other in ordered:
                if batch_of[other.id] != batch_of[tax.id] and other.id not in amounts:
                    taken[other.id] += amounts[tax.id]
        for tax in ordered:
            if not tax.price_included:
                amounts[tax.id] = on_line((base - taken[tax.id]) * tax.percent / 100)
        untaxed = base - sum((amounts[tax.id] for tax in ordered if tax.price_included), ZERO)
        raw_taxes = tuple((tax.id, amounts[tax.id]) for tax in ordered)
    return LineFigures(
        subtotal=round_to(untaxed, unit),
        taxes=tuple((tax_id, round_to(amount, unit)) for tax_id, amount in raw_taxes),
        raw_subtotal=untaxed,
        raw_taxes=raw_taxes,
        price_included_only=all(tax.price_included for tax in ordered),
    )


def document_figures(
    lines: Sequence[LineInput],
    taxes: Mapping[int, TaxRate],
    unit: Decimal,
    method: str = ROUND_PER_LINE,
    keeps_included_total: bool = False,
) -> DocumentFigures:
    """A whole order (or invoice): per line, then the totals per the company's rounding method.

    ``keeps_included_total``: under round_globally, a document whose taxes are all price-included keeps the sum
    of its prices as its total (Odoo 19; the Odoo dialect says which server does).
    """
    figures = tuple(line_figures(line, taxes, unit, method) for line in lines)
    if method != ROUND_GLOBALLY:
        per_tax: dict[int, Decimal] = {}
        for figure in figures:
            for tax_id, amount in figure.taxes:
                per_tax[tax_id] = per_tax.get(tax_id, ZERO) + amount
        return DocumentFigures(figures, sum((f.subtotal for f in figures), ZERO), per_tax)
    with localcontext(_EXACT):
        raw_per_tax: dict[int, Decimal] = {}
        for figure in figures:
            for tax_id, raw in figure.raw_taxes:
                raw_per_tax[tax_id] = raw_per_tax.get(tax_id, ZERO) + raw
        tax_by_id = {tax_id: round_to(raw, unit) for tax_id, raw in raw_per_tax.items()}
        if keeps_included_total and all(f.price_included_only for f in figures):
            raw_total = sum((f.raw_total for f in figures), ZERO)
            untaxed = round_to(raw_total, unit) - sum(tax_by_id.values(), ZERO)
        else:
            untaxed = round_to(sum((f.raw_subtotal for f in figures), ZERO), unit)
    return DocumentFigures(figures, untaxed, tax_by_id)


def split_price(net: Decimal, quantity: int, unit: Decimal) -> list[tuple[int, Decimal]]:
    """(quantity, unit price) pairs whose sum is exactly `net`, each price held by `unit`.

    One pair when the net divides evenly; otherwise quantity - 1 at the lower price and 1 at the rest,
    so Odoo's price_unit (2 digits, "Product Price") never has to carry a fraction of a cent.
    """
    exact = net / quantity
    if round_to(exact, unit) == exact:
        return [(quantity, exact)]
    lower = (exact / unit).quantize(Decimal(1), rounding="ROUND_FLOOR") * unit
    return [(quantity - 1, lower), (1, net - lower * (quantity - 1))]


def correction_base(
    lines: Sequence[LineInput],
    taxes: Mapping[int, TaxRate],
    unit: Decimal,
    method: str,
    tax_id: int,
    target: Decimal,
) -> Decimal | None:
    """The price of one line taxed only by `tax_id` that brings Odoo's total of that tax to `target`.

    The line comes with an untaxed counterpart of the opposite price, so only the tax moves (for a
    price-included tax, only the split between untaxed and tax). None when no price in reach does it.
    Only the tax per tax is searched, which every Odoo version computes alike.
    """
    tax = taxes[tax_id]
    rate = tax.percent / 100
    current = document_figures(lines, taxes, unit, method).tax_by_id.get(tax_id, ZERO)
    delta = target - current
    if not delta:
        return None
    factor = rate / (1 + rate) if tax.price_included else rate
    guess = round_to(delta / factor, unit)
    for step in range(0, 400):
        for candidate in (guess + unit * step, guess - unit * step) if step else (guess,):
            if not candidate:
                continue
            extra = LineInput(Decimal(1), candidate, ZERO, (tax_id,))
            figures = document_figures([*lines, extra], taxes, unit, method)
            if figures.tax_by_id.get(tax_id, ZERO) == target:
                return candidate
    return None
