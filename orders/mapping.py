"""Pure mapping from a Shopify order to what Odoo receives: no ORM, no network, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from synco.odoo.client import OdooTax
from synco.shopify.types import LineItem, ShopifyOrder, TaxLine

CENT = Decimal("0.01")
XMLID_MODULE = "shopify"


class MappingError(ValueError):
    """The order cannot be written into Odoo until something is fixed; the message says what."""


@dataclass(frozen=True)
class MappingRules:
    order_prefix: str = ""
    use_shopify_order_number: bool = True
    sync_note: bool = True
    sync_note_attributes: bool = True
    sync_tags: bool = True
    discount_lines: bool = False  # False: each line's discount %; True: separate discount lines
    tax_field: str = "tax_id"


@dataclass(frozen=True)
class OdooRefs:
    """Odoo ids the mapping needs, looked up (or created) beforehand by the services."""

    partner_id: int
    invoice_partner_id: int
    shipping_partner_id: int
    # Shopify line item number -> product id
    product_ids: Mapping[str, int]
    delivery_product_id: int | None = None
    discount_product_id: int | None = None
    tip_product_id: int | None = None
    taxes: Sequence[OdooTax] = field(default_factory=tuple)
    pricelist_id: int | None = None
    payment_term_id: int | None = None


@dataclass(frozen=True)
class SaleLine:
    key: str  # external id name of the line
    product_id: int
    name: str
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal = Decimal("0")
    tax_ids: tuple[int, ...] = ()
    is_delivery: bool = False


@dataclass(frozen=True)
class SaleOrderDraft:
    """Everything Odoo will receive for one order."""

    key: str  # external id name of the order
    partner_id: int
    invoice_partner_id: int
    shipping_partner_id: int
    client_order_ref: str
    origin: str
    date_order: str
    lines: tuple[SaleLine, ...]
    name: str = ""
    note: str = ""
    pricelist_id: int | None = None
    payment_term_id: int | None = None

    @property
    def xmlid(self) -> str:
        return f"{XMLID_MODULE}.{self.key}"


def odoo_datetime(value: datetime) -> str:
    """Odoo accepts only 'YYYY-MM-DD HH:MM:SS' in UTC (ISO strings with 'T' are refused)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def origin_for(order: ShopifyOrder) -> str:
    return f"shopify:order:{order.id}"


def order_key(order: ShopifyOrder) -> str:
    return f"order_{order.id}"


def is_special(line: LineItem) -> bool:
    """Gift cards and custom items (no variant, no SKU) map to configured products, not by SKU."""
    return line.is_gift_card or (line.variant_id is None and not line.sku)


def find_tax_ids(
    tax_lines: Sequence[TaxLine], taxes_included: bool, taxes: Sequence[OdooTax]
) -> tuple[int, ...]:
    """Match each Shopify tax line to an Odoo sale tax by rate and price-included flag."""
    ids: list[int] = []
    for tax_line in tax_lines:
        if tax_line.rate == 0:
            continue
        percent = (tax_line.rate * 100).normalize()
        match = next(
            (
                tax
                for tax in taxes
                if tax.amount.normalize() == percent and tax.price_included == taxes_included
            ),
            None,
        )
        if match is None:
            kind = "included in the price" if taxes_included else "excluded from the price"
            raise MappingError(
                f"Odoo has no sale tax of {percent:f}% {kind} (for Shopify tax '{tax_line.title}'). "
                "Create it in Odoo under Invoicing > Configuration > Taxes, or turn on "
                "'create missing taxes' in the order rules, then retry."
            )
        if match.id not in ids:
            ids.append(match.id)
    return tuple(ids)


def required_tax_rates(order: ShopifyOrder) -> set[Decimal]:
    """Every tax percentage the order needs in Odoo."""
    tax_lines = [tax for line in order.line_items for tax in line.tax_lines]
    tax_lines += [tax for line in order.shipping_lines for tax in line.tax_lines]
    return {(tax.rate * 100).normalize() for tax in tax_lines if tax.rate}


def discount_percent(unit_price: Decimal, quantity: int, discount: Decimal) -> Decimal:
    gross = unit_price * quantity
    if gross <= 0 or discount <= 0:
        return Decimal("0")
    return (discount / gross * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def order_note(order: ShopifyOrder, rules: MappingRules) -> str:
    """The Odoo note (HTML): Shopify's note, note attributes and tags, as the rules ask."""
    parts: list[str] = []
    if rules.sync_note and order.note:
        parts.append(f"<p>{escape(order.note)}</p>".replace("\n", "<br>"))
    if rules.sync_note_attributes and order.note_attributes:
        items = "".join(f"<li>{escape(key)}: {escape(value)}</li>" for key, value in order.note_attributes)
        parts.append(f"<ul>{items}</ul>")
    if rules.sync_tags and order.tags:
        parts.append(f"<p>Tags: {escape(', '.join(order.tags))}</p>")
    return "".join(parts)


def _product_lines(order: ShopifyOrder, rules: MappingRules, refs: OdooRefs) -> list[SaleLine]:
    lines: list[SaleLine] = []
    discounts: dict[tuple[int, ...], Decimal] = {}
    for item in order.line_items:
        if item.quantity <= 0:
            continue
        product_id = refs.product_ids.get(item.number)
        if product_id is None:
            raise MappingError(f"No Odoo product is matched to line '{item.title}' (SKU '{item.sku}').")
        tax_ids = find_tax_ids(item.tax_lines, order.taxes_included, refs.taxes)
        discount = Decimal("0")
        if item.discount:
            if rules.discount_lines:
                discounts[tax_ids] = discounts.get(tax_ids, Decimal("0")) + item.discount
            else:
                discount = discount_percent(item.unit_price, item.quantity, item.discount)
        lines.append(
            SaleLine(
                key=f"line_{item.number}",
                product_id=product_id,
                name=item.title,
                quantity=Decimal(item.quantity),
                price_unit=item.unit_price,
                discount=discount,
                tax_ids=tax_ids,
            )
        )
    for index, (tax_ids, amount) in enumerate(sorted(discounts.items())):
        if refs.discount_product_id is None:
            raise MappingError("The discount product is missing in Odoo (see the order rules).")
        lines.append(
            SaleLine(
                key=f"discount_{order.id}_{index}",
                product_id=refs.discount_product_id,
                name="Discount",
                quantity=Decimal(1),
                price_unit=-amount,
                tax_ids=tax_ids,
            )
        )
    return lines


def _shipping_lines(order: ShopifyOrder, refs: OdooRefs) -> list[SaleLine]:
    lines: list[SaleLine] = []
    for index, shipping in enumerate(order.shipping_lines):
        if refs.delivery_product_id is None:
            raise MappingError(
                "Odoo has no delivery product (Internal Reference 'Delivery_007'): install Delivery."
            )
        lines.append(
            SaleLine(
                key=f"shipping_{order.id}_{index}",
                product_id=refs.delivery_product_id,
                name=f"Shipping: {shipping.title}",
                quantity=Decimal(1),
                price_unit=shipping.price,
                discount=discount_percent(shipping.price, 1, shipping.discount),
                tax_ids=find_tax_ids(shipping.tax_lines, order.taxes_included, refs.taxes),
                is_delivery=True,
            )
        )
    return lines


def sale_order_draft(order: ShopifyOrder, rules: MappingRules, refs: OdooRefs) -> SaleOrderDraft:
    """What Odoo receives for a Shopify order: header, product, discount, shipping and tip lines."""
    lines = _product_lines(order, rules, refs) + _shipping_lines(order, refs)
    if order.total_tip > 0:
        if refs.tip_product_id is None:
            raise MappingError("The tip product is missing in Odoo (see the order rules).")
        lines.append(
            SaleLine(
                key=f"tip_{order.id}",
                product_id=refs.tip_product_id,
                name="Tip",
                quantity=Decimal(1),
                price_unit=order.total_tip,
            )
        )
    if not lines:
        raise MappingError("The order has no line with a quantity to sync.")
    return SaleOrderDraft(
        key=order_key(order),
        name=f"{rules.order_prefix}{order.name}" if rules.use_shopify_order_number else "",
        partner_id=refs.partner_id,
        invoice_partner_id=refs.invoice_partner_id,
        shipping_partner_id=refs.shipping_partner_id,
        client_order_ref=order.name,
        origin=origin_for(order),
        date_order=odoo_datetime(order.created_at),
        note=order_note(order, rules),
        pricelist_id=refs.pricelist_id,
        payment_term_id=refs.payment_term_id,
        lines=tuple(lines),
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def load_table(draft: SaleOrderDraft, tax_field: str) -> tuple[list[str], list[list[str]]]:
    """The `sale.order.load()` columns and rows: the order and each line carry an external id."""
    header = {
        "id": draft.xmlid,
        "name": draft.name,
        "partner_id/.id": draft.partner_id,
        "partner_invoice_id/.id": draft.invoice_partner_id,
        "partner_shipping_id/.id": draft.shipping_partner_id,
        "client_order_ref": draft.client_order_ref,
        "origin": draft.origin,
        "date_order": draft.date_order,
        "note": draft.note,
        "pricelist_id/.id": draft.pricelist_id,
        "payment_term_id/.id": draft.payment_term_id,
    }
    line_columns = [
        "order_line/id",
        "order_line/product_id/.id",
        "order_line/name",
        "order_line/product_uom_qty",
        "order_line/price_unit",
        "order_line/discount",
        f"order_line/{tax_field}/.id",
        "order_line/is_delivery",
    ]
    fields = [*header, *line_columns]
    rows: list[list[str]] = []
    for index, line in enumerate(draft.lines):
        head = [_cell(value) for value in header.values()] if index == 0 else [""] * len(header)
        line_cells = [
            f"{XMLID_MODULE}.{line.key}",
            _cell(line.product_id),
            line.name,
            _cell(line.quantity),
            _cell(line.price_unit),
            _cell(line.discount),
            ",".join(str(t) for t in line.tax_ids),
            _cell(line.is_delivery),
        ]
        rows.append([*head, *line_cells])
    return fields, rows


def lines_to_untax(draft: SaleOrderDraft, taxed_products: set[int]) -> list[str]:
    """Untaxed lines whose product has default taxes: Odoo's import would apply those, so clear them after."""
    return [line.key for line in draft.lines if not line.tax_ids and line.product_id in taxed_products]


@dataclass(frozen=True)
class TotalsCheck:
    odoo_total: Decimal
    shopify_total: Decimal
    tolerance: Decimal

    @property
    def difference(self) -> Decimal:
        return self.odoo_total - self.shopify_total

    @property
    def within_tolerance(self) -> bool:
        return abs(self.difference) <= self.tolerance

    def describe(self) -> str:
        if not self.difference:
            return f"Totals match ({self.odoo_total})."
        return (
            f"Odoo total {self.odoo_total} differs from Shopify total {self.shopify_total} "
            f"by {self.difference:+} (tolerance {self.tolerance})."
        )
