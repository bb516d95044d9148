"""Odoo 18's arithmetic for a sale order's lines, in Decimal: what Odoo will compute for what Synco sends.

Pure (no ORM, no network). The mapping uses it to choose prices Odoo can hold exactly and to add the tax
corrections that make Odoo's tax per tax equal Shopify's; the Odoo sandbox implements the same rules on
its own (sandboxes/odoo/models/taxes.py) and the contract tests hold both to a real Odoo 18.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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


def currency_unit(currency: str) -> Decimal:
    """The smallest amount of a currency (0.01, 1, 0.001): Odoo's res.currency rounding."""
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency.upper(), 2))


def round_to(value: Decimal, unit: Decimal) -> Decimal:
    """Odoo's float_round (half-up) to a rounding unit."""
    return (value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


@dataclass(frozen=True)
class TaxRate:
    id: int
    percent: Decimal  # 20 for 20 %
    price_included: bool


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    tax_ids: tuple[int, ...]


@dataclass(frozen=True)
class LineFigures:
    subtotal: Decimal  # price_subtotal, rounded to the currency
    taxes: tuple[tuple[int, Decimal], ...]  # per tax, rounded on the line (Odoo's price_tax is their sum)
    raw_subtotal: Decimal
    raw_taxes: tuple[tuple[int, Decimal], ...]

    @property
    def tax(self) -> Decimal:
        return sum((amount for _tax, amount in self.taxes), Decimal(0))


@dataclass(frozen=True)
class DocumentFigures:
    lines: tuple[LineFigures, ...]
    untaxed: Decimal
    tax_by_id: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def tax(self) -> Decimal:
        return sum(self.tax_by_id.values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.untaxed + self.tax


def line_figures(
    line: LineInput, taxes: Mapping[int, TaxRate], unit: Decimal, method: str = ROUND_PER_LINE
) -> LineFigures:
    """One line as Odoo 18 computes it (``account.tax._get_tax_details``)."""
    per_line = method == ROUND_PER_LINE

    def on_line(value: Decimal) -> Decimal:
        return round_to(value, unit) if per_line else value

    base = on_line(line.price_unit * (1 - line.discount / 100) * line.quantity)
    applied = [taxes[tax_id] for tax_id in sorted(line.tax_ids) if tax_id in taxes]
    included = [tax for tax in applied if tax.price_included]
    batch = sum((tax.percent for tax in included), Decimal(0))
    amounts: dict[int, Decimal] = {}
    for tax in included:
        amounts[tax.id] = on_line(base / (1 + batch / 100) * tax.percent / 100)
    untaxed = base - sum(amounts.values(), Decimal(0))
    for tax in applied:
        if not tax.price_included:
            amounts[tax.id] = on_line(base * tax.percent / 100)
    ordered = tuple(
        (tax.id, amounts[tax.id]) for tax in [*included, *(t for t in applied if not t.price_included)]
    )
    return LineFigures(
        subtotal=round_to(untaxed, unit),
        taxes=tuple((tax_id, round_to(amount, unit)) for tax_id, amount in ordered),
        raw_subtotal=untaxed,
        raw_taxes=ordered,
    )


def document_figures(
    lines: Sequence[LineInput], taxes: Mapping[int, TaxRate], unit: Decimal, method: str = ROUND_PER_LINE
) -> DocumentFigures:
    """A whole order (or invoice): per line, then the totals per the company's rounding method."""
    figures = tuple(line_figures(line, taxes, unit, method) for line in lines)
    tax_by_id: dict[int, Decimal] = {}
    if method == ROUND_GLOBALLY:
        for figure in figures:
            for tax_id, raw in figure.raw_taxes:
                tax_by_id[tax_id] = tax_by_id.get(tax_id, Decimal(0)) + raw
        untaxed = round_to(sum((f.raw_subtotal for f in figures), Decimal(0)), unit)
        return DocumentFigures(figures, untaxed, {k: round_to(v, unit) for k, v in tax_by_id.items()})
    for figure in figures:
        for tax_id, amount in figure.taxes:
            tax_by_id[tax_id] = tax_by_id.get(tax_id, Decimal(0)) + amount
    return DocumentFigures(figures, sum((f.subtotal for f in figures), Decimal(0)), tax_by_id)


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
    """
    tax = taxes[tax_id]
    rate = tax.percent / 100
    current = document_figures(lines, taxes, unit, method).tax_by_id.get(tax_id, Decimal(0))
    delta = target - current
    if not delta:
        return None
    factor = rate / (1 + rate) if tax.price_included else rate
    guess = round_to(delta / factor, unit)
    for step in range(0, 400):
        for candidate in (guess + unit * step, guess - unit * step) if step else (guess,):
            if not candidate:
                continue
            extra = LineInput(Decimal(1), candidate, Decimal(0), (tax_id,))
            figures = document_figures([*lines, extra], taxes, unit, method)
            if figures.tax_by_id.get(tax_id, Decimal(0)) == target:
                return candidate
    return None
