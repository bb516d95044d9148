"""Pure mapping of a Shopify refund to what Odoo receives: credit-note lines, or sale-order reductions.

No ORM, no settings, no network: the refs (Odoo ids) are looked up by the service and passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from orders.money import LineInput
from refunds.taxes import TaxContext, refunded_tax_by_id, tax_corrections
from synco.formatting import format_money
from synco.shopify.types import Refund, ShopifyOrder

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Transactions whose money has not moved yet: the refund waits (held) until Shopify settles them.
UNSETTLED = {"PENDING", "AWAITING_RESPONSE", "UNKNOWN"}
FAILED = {"FAILURE", "ERROR"}
REFUND_KINDS = {"REFUND"}


class RefundMappingError(ValueError):
    """The refund cannot be mapped as it is: the message says why (shown as the reason it is held)."""


@dataclass(frozen=True)
class SaleLineRef:
    """One line of the order's Odoo sale order, as the refund needs it."""

    id: int
    product_id: int
    quantity: Decimal
    tax_ids: tuple[int, ...]
    price_unit: Decimal = ZERO
    discount: Decimal = ZERO


@dataclass(frozen=True)
class RefundRefs:
    # Shopify line number -> its sale order line; shipping line index -> its sale order line.
    lines: dict[str, SaleLineRef]
    shipping: dict[int, SaleLineRef]
    adjustment_product_id: int | None = None
    # Odoo's taxes and rounding, for the tax corrections (None: Odoo's computed tax is taken as it is).
    tax_context: TaxContext | None = None


@dataclass(frozen=True)
class CreditLine:
    product_id: int
    name: str
    quantity: Decimal
    price_unit: Decimal
    tax_ids: tuple[int, ...] = ()
    # The sale order line it refunds, if any (lowered before invoicing).
    sale_line_id: int | None = None


@dataclass(frozen=True)
class Settlement:
    # What Shopify's refund amounts to, tax included: the credit note must total this to the cent.
    expected_total: Decimal
    # Money that went back (successful refund transactions), its gateway and date; zero: nothing to pay.
    paid_amount: Decimal
    gateway: str
    paid_on: str  # YYYY-MM-DD


@dataclass(frozen=True)
class CreditNoteDraft:
    key: str  # external id name of the credit note
    lines: tuple[CreditLine, ...]
    settlement: Settlement


def refund_key(refund: Refund) -> str:
    return f"refund_{refund.number}"


def split_cents(total: Decimal, quantity: int) -> list[tuple[int, Decimal]]:
    """`total` over `quantity` units as at most two (quantity, unit price) pairs that add up to the cent.

    19.99 x 3 = 59.97 stays one line; 56.65 over 3 units becomes 2 x 18.88 + 1 x 18.89.
    """
    if quantity <= 0:
        return []
    cents = int((total / CENT).to_integral_value())
    base = (Decimal(cents) / quantity).to_integral_value(rounding=ROUND_FLOOR)
    extra = cents - int(base) * quantity
    pairs = []
    if quantity - extra:
        pairs.append((quantity - extra, base * CENT))
    if extra:
        pairs.append((extra, (base + 1) * CENT))
    return pairs


def refund_problem(order: ShopifyOrder, refund: Refund) -> str:
    """Why the refund cannot be mapped now ("" if it can): a pending or failed transaction, an unknown line."""
    if any(t.status in UNSETTLED for t in refund.transactions):
        return "Its refund transaction is still pending in Shopify: it is synced once Shopify settles it."
    if refund.transactions and all(t.status in FAILED for t in refund.transactions):
        return "Its refund transaction failed in Shopify: no money went back."
    known = {line.id for line in order.line_items}
    for line in refund.lines:
        if line.line_item_id not in known:
            return f"It refunds a line ({line.line_item_id or 'no id'}) that the order does not have."
    return ""


def expected_total(order: ShopifyOrder, refund: Refund) -> Decimal:
    """The refund's total as Shopify computed it: lines and shipping with their taxes, and its adjustments."""
    tax_on_top = not order.taxes_included
    total = sum((line.subtotal + (line.tax if tax_on_top else ZERO) for line in refund.lines), ZERO)
    total += sum((s.subtotal + (s.tax if tax_on_top else ZERO) for s in refund.shipping), ZERO)
    # Shopify signs an adjustment against the refund: -5.00 means five more went back.
    total -= sum((adj.amount + adj.tax for adj in refund.adjustments), ZERO)
    return total.quantize(CENT)


def money_returned(refund: Refund) -> Decimal:
    return sum(
        (t.amount for t in refund.transactions if t.status == "SUCCESS" and t.kind in REFUND_KINDS), ZERO
    )


def credit_note_draft(order: ShopifyOrder, refund: Refund, refs: RefundRefs) -> CreditNoteDraft:
    """The credit note for one refund: refunded quantities at Shopify's refunded amounts, with the order's
    taxes; shipping on the order's delivery product; adjustments on a service product without tax."""
    problem = refund_problem(order, refund)
    if problem:
        raise RefundMappingError(problem)
    items = {line.id: line for line in order.line_items}
    lines: list[CreditLine] = []
    for refunded in refund.lines:
        if refunded.quantity <= 0:
            continue
        item = items[refunded.line_item_id]
        sale_line = refs.lines.get(item.number)
        if sale_line is None:
            raise RefundMappingError(f"Line '{item.title}' has no line in Odoo's sale order.")
        # Taxes included: Shopify's subtotal holds the tax, and so does Odoo's price (a price-included tax).
        for quantity, price in split_cents(refunded.subtotal, refunded.quantity):
            lines.append(
                CreditLine(
                    product_id=sale_line.product_id,
                    name=item.title,
                    quantity=Decimal(quantity),
                    price_unit=price,
                    tax_ids=sale_line.tax_ids,
                    sale_line_id=sale_line.id,
                )
            )
    shipping_ids = {line_id: index for index, line_id in enumerate(_shipping_gids(order))}
    shipping_taxes: list[tuple[int, ...]] = []
    for shipping in refund.shipping:
        if not shipping.subtotal:
            shipping_taxes.append(())
            continue
        index = shipping_ids.get(shipping.shipping_line_id, 0 if len(refs.shipping) == 1 else -1)
        sale_line = refs.shipping.get(index)
        if sale_line is None:
            raise RefundMappingError("It refunds shipping that has no line in Odoo's sale order.")
        shipping_taxes.append(sale_line.tax_ids)
        lines.append(
            CreditLine(
                product_id=sale_line.product_id,
                name="Shipping refund",
                quantity=Decimal(1),
                price_unit=shipping.subtotal,
                tax_ids=sale_line.tax_ids,
            )
        )
    lines += _refunded_tax_corrections(order, refund, refs, lines, shipping_taxes)
    for adjustment in refund.adjustments:
        amount = -(adjustment.amount + adjustment.tax)
        if not amount:
            continue
        if refs.adjustment_product_id is None:
            raise RefundMappingError("The refund adjustment product is missing in Odoo.")
        lines.append(
            CreditLine(
                product_id=refs.adjustment_product_id,
                name=f"Refund adjustment ({_label(adjustment.reason)})",
                quantity=Decimal(1),
                price_unit=amount,
            )
        )
    if not lines:
        raise RefundMappingError("The refund has no line, shipping or adjustment to credit.")
    return CreditNoteDraft(key=refund_key(refund), lines=tuple(lines), settlement=settlement(order, refund))


def _refunded_tax_corrections(
    order: ShopifyOrder,
    refund: Refund,
    refs: RefundRefs,
    lines: Sequence[CreditLine],
    shipping_taxes: Sequence[tuple[int, ...]],
) -> list[CreditLine]:
    """Correction lines that bring Odoo's tax on the refunded lines and shipping to the tax Shopify refunded."""
    context = refs.tax_context
    if context is None:
        return []
    items = {line.id: line for line in order.line_items}
    line_taxes = {
        gid: refs.lines[item.number].tax_ids for gid, item in items.items() if item.number in refs.lines
    }
    charged = refunded_tax_by_id(order, refund, line_taxes, shipping_taxes, context)
    inputs = [LineInput(line.quantity, line.price_unit, ZERO, line.tax_ids) for line in lines]
    try:
        corrections = tax_corrections(inputs, charged, context)
    except LookupError as exc:
        raise RefundMappingError(str(exc)) from None
    return [
        CreditLine(
            product_id=fix.product_id,
            name=fix.name,
            quantity=Decimal(1),
            price_unit=fix.price_unit,
            tax_ids=fix.tax_ids,
        )
        for fix in corrections
    ]


def settlement(order: ShopifyOrder, refund: Refund) -> Settlement:
    """What the credit note must total and what was paid back, when and through which gateway."""
    total = expected_total(order, refund)
    paid = money_returned(refund)
    if paid and paid != total:
        raise RefundMappingError(
            f"Shopify returned {format_money(paid, order.currency)} but the refund's lines, shipping and "
            f"adjustments add up to {format_money(total, order.currency)}."
        )
    settled = next((t for t in refund.transactions if t.status == "SUCCESS" and t.kind in REFUND_KINDS), None)
    when = (
        settled.processed_at if settled and settled.processed_at else refund.created_at
    ) or order.created_at
    return Settlement(
        expected_total=total,
        paid_amount=paid,
        gateway=settled.gateway if settled else "",
        paid_on=when.strftime("%Y-%m-%d"),
    )


def reduced_quantities(order: ShopifyOrder, refund: Refund, refs: RefundRefs) -> dict[int, Decimal]:
    """Before invoicing: each sale line this refund touches gets Shopify's quantity minus every refund of it
    up to and including this one (absolute figures, so applying them twice changes nothing)."""
    items = {line.id: line for line in order.line_items}
    touched = {items[line.line_item_id].number for line in refund.lines if line.line_item_id in items}
    refunded: dict[str, int] = {}
    for earlier in order.refunds:
        for line in earlier.lines:
            item = items.get(line.line_item_id)
            if item is not None and item.number in touched:
                refunded[item.number] = refunded.get(item.number, 0) + line.quantity
        if earlier.number == refund.number:
            break
    return {
        refs.lines[item.number].id: Decimal(max(item.quantity - refunded.get(item.number, 0), 0))
        for item in order.line_items
        if item.number in touched and item.number in refs.lines
    }


def _shipping_gids(order: ShopifyOrder) -> list[str]:
    return [line.id or f"#{index}" for index, line in enumerate(order.shipping_lines)]


def _label(reason: str) -> str:
    return reason.replace("_", " ").lower() or "other"


def sale_order_extras(draft: CreditNoteDraft) -> list[CreditLine]:
    """Before invoicing, what quantities cannot express (shipping, adjustments): negative sale order lines."""
    return [
        CreditLine(
            product_id=line.product_id,
            name=line.name,
            quantity=line.quantity,
            price_unit=-line.price_unit,
            tax_ids=line.tax_ids,
        )
        for line in draft.lines
        if line.sale_line_id is None
    ]


# Shopify's RefundLineItemRestockType: RETURN and LEGACY_RESTOCK put goods that reached the customer back in
# stock (a return through Odoo's wizard); CANCEL is for goods never shipped (the sale quantity falls and Odoo
# lowers the open delivery itself); NO_RESTOCK keeps them out of stock.
RETURNED_RESTOCK_TYPES = frozenset({"RETURN", "LEGACY_RESTOCK"})


def returns_goods(refund: Refund) -> bool:
    return any(line.restock_type in RETURNED_RESTOCK_TYPES and line.quantity > 0 for line in refund.lines)


def returned_quantities(order: ShopifyOrder, refund: Refund, refs: RefundRefs) -> dict[int, Decimal]:
    """Odoo product id -> quantity the customer sent back with this refund (restocked as returned)."""
    items = {line.id: line for line in order.line_items}
    wanted: dict[int, Decimal] = {}
    for line in refund.lines:
        item = items.get(line.line_item_id)
        if line.restock_type not in RETURNED_RESTOCK_TYPES or line.quantity <= 0 or item is None:
            continue
        ref = refs.lines.get(item.number)
        if ref is None:
            continue
        wanted[ref.product_id] = wanted.get(ref.product_id, Decimal("0")) + Decimal(line.quantity)
    return wanted


@dataclass(frozen=True)
class Unreturned:
    """Units of one product a refund restocked that no delivery can take back: what Odoo delivered of it in
    all and how much of that its earlier returns already took back."""

    product_id: int
    quantity: Decimal
    delivered: Decimal
    already_returned: Decimal


@dataclass(frozen=True)
class ReturnAllocation:
    # Delivery id -> product id -> quantity to return from it, newest delivery first (only those involved).
    by_delivery: dict[int, dict[int, Decimal]]
    unreturned: tuple[Unreturned, ...]


def allocate_returns(
    wanted: Mapping[int, Decimal],
    deliveries: Sequence[tuple[int, Mapping[int, Decimal]]],
    returned: Mapping[int, Mapping[int, Decimal]],
) -> ReturnAllocation:
    """Spread the wanted quantities (product id -> units) over the done deliveries, newest first (delivery
    id, delivered quantities by product), taking from each no more than it delivered minus what its returns
    (`returned`: delivery id -> product id -> units, cancelled returns left out) already took back.
    What no delivery can take is reported per product."""
    by_delivery: dict[int, dict[int, Decimal]] = {}
    unreturned = []
    for product, quantity in wanted.items():
        left = quantity
        delivered = already = ZERO
        for delivery_id, quantities in deliveries:
            shipped = quantities.get(product, ZERO)
            taken = returned.get(delivery_id, {}).get(product, ZERO)
            delivered += shipped
            already += min(taken, shipped)
            share = min(left, max(shipped - taken, ZERO))
            if share > 0:
                by_delivery.setdefault(delivery_id, {})[product] = share
                left -= share
        if left > 0:
            unreturned.append(
                Unreturned(product_id=product, quantity=left, delivered=delivered, already_returned=already)
            )
    order = [delivery_id for delivery_id, _ in deliveries if delivery_id in by_delivery]
    return ReturnAllocation(
        by_delivery={delivery_id: by_delivery[delivery_id] for delivery_id in order},
        unreturned=tuple(unreturned),
    )


def _units(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def unreturned_note(unreturned: Sequence[Unreturned], names: Mapping[int, str]) -> str:
    """Which restocked quantities no return picking takes back, and why ("" when none)."""
    parts = []
    for item in unreturned:
        if item.delivered <= 0:
            why = "Odoo has no validated delivery of it"
        elif item.already_returned >= item.delivered:
            why = f"the {_units(item.delivered)} Odoo delivered are already returned"
        elif item.already_returned > 0:
            why = f"Odoo delivered {_units(item.delivered)}, {_units(item.already_returned)} of them already returned"
        else:
            why = f"Odoo delivered only {_units(item.delivered)}"
        name = names.get(item.product_id) or f"product {item.product_id}"
        parts.append(f"{_units(item.quantity)} x {name} ({why})")
    return f"Not returned in Odoo: {'; '.join(parts)}." if parts else ""
