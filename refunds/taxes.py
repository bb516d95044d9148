"""Refunded tax as Shopify refunded it (pure): the correction lines that bring Odoo's tax on a credit note, or on
the lines that lower a sale order before invoicing, to Shopify's figure.

Odoo computes a refunded line's tax from the sale line's taxes (rate x price). Shopify refunds the tax it
charged for those units, which is not always rate x price (a tax entered by hand, a tax computed before an
order discount, per-jurisdiction rounding): the sale order got a tax correction for it (orders/mapping.py
`_tax_corrections`), and the refund gets the same, per Odoo tax: one line taxed only by that tax at the price
that brings Odoo's tax to Shopify's refunded tax, and one untaxed counterpart of the opposite price. The
correction lands on the tax's own account; the two lines cancel out in revenue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orders.money import LineInput, TaxRate, correction_base, document_figures
from synco.shopify.types import Refund, ShopifyOrder

ZERO = Decimal("0")


@dataclass(frozen=True)
class TaxContext:
    """What the corrections need from Odoo: its taxes' rates, their names, rounding, the rounding product."""

    rates: Mapping[int, TaxRate]
    names: Mapping[int, str]
    unit: Decimal
    method: str
    correction_product_id: int | None


@dataclass(frozen=True)
class Correction:
    product_id: int
    name: str
    price_unit: Decimal
    tax_ids: tuple[int, ...]


def _spread(
    amount: Decimal, tax_ids: Sequence[int], rates: Mapping[int, TaxRate], unit: Decimal
) -> dict[int, Decimal]:
    """A line's refunded tax over its Odoo taxes: all of it for one tax; by rate for several (the last takes the
    rest, so the parts add up to Shopify's figure)."""
    known = [tax_id for tax_id in sorted(tax_ids) if tax_id in rates and rates[tax_id].percent]
    if not known or not amount:
        return {}
    if len(known) == 1:
        return {known[0]: amount}
    total_rate = sum((rates[tax_id].percent for tax_id in known), ZERO)
    parts: dict[int, Decimal] = {}
    left = amount
    for tax_id in known[:-1]:
        part = (amount * rates[tax_id].percent / total_rate / unit).quantize(Decimal(1)) * unit
        parts[tax_id] = part
        left -= part
    parts[known[-1]] = left
    return parts


def refunded_tax_by_id(
    order: ShopifyOrder,
    refund: Refund,
    line_taxes: Mapping[str, tuple[int, ...]],
    shipping_taxes: Sequence[tuple[int, ...]],
    context: TaxContext,
) -> dict[int, Decimal]:
    """What Shopify refunded per Odoo tax: each refunded line's and shipping's tax, on its sale line's taxes.

    `line_taxes`: Shopify line GID -> the sale line's tax ids; `shipping_taxes`: per refunded shipping (in the
    refund's order), the shipping sale line's tax ids."""
    charged: dict[int, Decimal] = {}
    for line in refund.lines:
        if line.quantity <= 0:
            continue
        for tax_id, amount in _spread(
            line.tax, line_taxes.get(line.line_item_id, ()), context.rates, context.unit
        ).items():
            charged[tax_id] = charged.get(tax_id, ZERO) + amount
    for shipping, tax_ids in zip(refund.shipping, shipping_taxes, strict=False):
        for tax_id, amount in _spread(shipping.tax, tax_ids, context.rates, context.unit).items():
            charged[tax_id] = charged.get(tax_id, ZERO) + amount
    return charged


def tax_corrections(
    lines: Sequence[LineInput], charged: Mapping[int, Decimal], context: TaxContext
) -> list[Correction]:
    """The correction lines (with their untaxed counterpart) that make Odoo's tax per tax id on `lines` equal
    `charged`; none when Odoo already computes Shopify's figures. Raises LookupError when a correction is
    needed but the rounding product is missing."""
    corrections: list[Correction] = []
    inputs = list(lines)
    counterpart = ZERO
    for tax_id in sorted(charged):
        if tax_id not in context.rates:
            continue
        base = correction_base(inputs, context.rates, context.unit, context.method, tax_id, charged[tax_id])
        if base is None:
            continue
        if context.correction_product_id is None:
            raise LookupError("The rounding product is missing in Odoo (see the order rules).")
        counterpart -= base
        inputs.append(LineInput(Decimal(1), base, ZERO, (tax_id,)))
        corrections.append(
            Correction(
                context.correction_product_id,
                f"Tax correction: {context.names.get(tax_id, tax_id)}",
                base,
                (tax_id,),
            )
        )
    if corrections:
        assert context.correction_product_id is not None
        corrections.append(
            Correction(context.correction_product_id, "Tax correction: untaxed counterpart", counterpart, ())
        )
    return corrections


def predicted_tax(lines: Sequence[LineInput], context: TaxContext) -> Decimal:
    return document_figures(lines, context.rates, context.unit, context.method).tax
