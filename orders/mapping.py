"""Pure mapping from a Shopify order to what Odoo receives: no ORM, no network, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from html import escape

from orders.money import (
    ROUND_PER_LINE,
    LineInput,
    TaxRate,
    correction_base,
    currency_unit,
    document_figures,
    split_price,
)
from synco.formatting import format_money
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
    # False: each line's discount is netted into its unit price (Odoo's 2-digit discount % cannot hold every
    # amount); True: the lines keep Shopify's price and each tax group gets one discount line.
    discount_lines: bool = False
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
    # The product of the tax correction lines (the rounding product) and the company's
    # tax_calculation_rounding_method, which decides what Odoo's tax per tax will be.
    correction_product_id: int | None = None
    tax_rounding: str = ROUND_PER_LINE
    # Under round_globally, whether the server keeps a price-included document's total (19; its dialect says).
    keeps_included_total: bool = False
    # The Odoo warehouse of the Shopify location the order ships from (None: Odoo's default warehouse).
    warehouse_id: int | None = None
    warehouse_name: str = ""


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
    # Which Shopify figure this line stands for (a key of SaleOrderDraft.figures): explanations only.
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class ShopifyFigure:
    """One Shopify line's own figures (untaxed after discounts, and tax), to explain a difference line by line."""

    source: str
    label: str
    subtotal: Decimal | None
    tax: Decimal | None


@dataclass(frozen=True)
class TaxFigure:
    """One Odoo tax: what Shopify charged for it, and what Odoo computes once the corrections are in."""

    tax_id: int
    name: str
    shopify: Decimal
    odoo: Decimal


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
    warehouse_id: int | None = None
    warehouse_name: str = field(default="", compare=False)
    figures: tuple[ShopifyFigure, ...] = field(default=(), compare=False)
    taxes: tuple[TaxFigure, ...] = field(default=(), compare=False)
    # What Odoo will compute for these lines (orders/money.py): untaxed, tax, total.
    expected_untaxed: Decimal = field(default=Decimal(0), compare=False)
    expected_tax: Decimal = field(default=Decimal(0), compare=False)

    @property
    def expected_total(self) -> Decimal:
        return self.expected_untaxed + self.expected_tax

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


def match_tax(tax_line: TaxLine, taxes_included: bool, taxes: Sequence[OdooTax]) -> OdooTax:
    """The Odoo sale tax of a Shopify tax line: same rate, same price-included flag."""
    percent = (tax_line.rate * 100).normalize()
    match = next(
        (tax for tax in taxes if tax.amount.normalize() == percent and tax.price_included == taxes_included),
        None,
    )
    if match is None:
        kind = "included in the price" if taxes_included else "excluded from the price"
        raise MappingError(
            f"Odoo has no sale tax of {percent:f}% {kind} (for Shopify tax '{tax_line.title}'). "
            "Create it in Odoo under Invoicing > Configuration > Taxes, or turn on "
            "'create missing taxes' in the order rules, then retry."
        )
    return match


def find_tax_ids(
    tax_lines: Sequence[TaxLine], taxes_included: bool, taxes: Sequence[OdooTax]
) -> tuple[int, ...]:
    """Match each Shopify tax line to an Odoo sale tax by rate and price-included flag."""
    ids: list[int] = []
    for tax_line in tax_lines:
        if tax_line.rate == 0:
            continue
        match = match_tax(tax_line, taxes_included, taxes)
        if match.id not in ids:
            ids.append(match.id)
    return tuple(ids)


def required_tax_rates(order: ShopifyOrder) -> set[Decimal]:
    """Every tax percentage the order needs in Odoo."""
    tax_lines = [tax for line in order.line_items for tax in line.tax_lines]
    tax_lines += [tax for line in order.shipping_lines for tax in line.tax_lines]
    return {(tax.rate * 100).normalize() for tax in tax_lines if tax.rate}


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


def _charged(tax_lines: Sequence[TaxLine]) -> tuple[TaxLine, ...]:
    """The tax lines that charged something: a line exempted in Shopify (0.00 at its rate) gets no tax."""
    return tuple(tax_line for tax_line in tax_lines if tax_line.amount)


def _line_figure(
    source: str, label: str, net: Decimal, tax_lines: Sequence[TaxLine], taxes_included: bool
) -> ShopifyFigure:
    tax = sum((tax_line.amount for tax_line in tax_lines), Decimal(0))
    return ShopifyFigure(source, label, net - tax if taxes_included else net, tax)


def _product_lines(
    order: ShopifyOrder, rules: MappingRules, refs: OdooRefs, figures: list[ShopifyFigure]
) -> list[SaleLine]:
    unit = currency_unit(order.currency)
    lines: list[SaleLine] = []
    discounts: dict[tuple[int, ...], Decimal] = {}
    for item in order.line_items:
        if item.quantity <= 0:
            continue
        product_id = refs.product_ids.get(item.number)
        if product_id is None:
            raise MappingError(f"No Odoo product is matched to line '{item.title}' (SKU '{item.sku}').")
        tax_ids = find_tax_ids(_charged(item.tax_lines), order.taxes_included, refs.taxes)
        source = f"line_{item.number}"
        gross = item.unit_price * item.quantity
        if rules.discount_lines:
            if item.discount:
                discounts[tax_ids] = discounts.get(tax_ids, Decimal("0")) + item.discount
            parts = [(item.quantity, item.unit_price)]
        else:
            parts = split_price(gross - item.discount, item.quantity, unit)
        if rules.discount_lines:
            # Odoo holds the line at its full price and the discount on the tax group's line: Shopify's
            # figure for the line alone is its gross price (its tax is Shopify's after the discount).
            figures.append(ShopifyFigure(source, item.title, None if order.taxes_included else gross, None))
        else:
            figures.append(
                _line_figure(source, item.title, gross - item.discount, item.tax_lines, order.taxes_included)
            )
        for index, (quantity, price) in enumerate(parts):
            lines.append(
                SaleLine(
                    key=source if index == 0 else f"{source}_{index + 1}",
                    product_id=product_id,
                    name=item.title,
                    quantity=Decimal(quantity),
                    price_unit=price,
                    tax_ids=tax_ids,
                    source=source,
                )
            )
    if discounts:
        total = sum(discounts.values(), Decimal(0))
        figures.append(
            ShopifyFigure(
                f"line_{order.id}_discounts", "Discounts", None if order.taxes_included else -total, None
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
                source=f"line_{order.id}_discounts",
            )
        )
    return lines


def _shipping_lines(order: ShopifyOrder, refs: OdooRefs, figures: list[ShopifyFigure]) -> list[SaleLine]:
    lines: list[SaleLine] = []
    for index, shipping in enumerate(order.shipping_lines):
        if refs.delivery_product_id is None:
            raise MappingError(
                "Odoo has no delivery product (Internal Reference 'Delivery_007'): install Delivery."
            )
        key = f"shipping_{order.id}_{index}"
        net = shipping.price - shipping.discount
        figures.append(
            _line_figure(key, f"Shipping: {shipping.title}", net, shipping.tax_lines, order.taxes_included)
        )
        lines.append(
            SaleLine(
                key=key,
                product_id=refs.delivery_product_id,
                name=f"Shipping: {shipping.title}",
                quantity=Decimal(1),
                price_unit=net,
                tax_ids=find_tax_ids(_charged(shipping.tax_lines), order.taxes_included, refs.taxes),
                is_delivery=True,
                source=key,
            )
        )
    return lines


def _shopify_tax_by_id(order: ShopifyOrder, taxes: Sequence[OdooTax]) -> dict[int, Decimal]:
    """What Shopify charged per Odoo tax (its tax lines summed over the order's lines and shipping)."""
    charged: dict[int, Decimal] = {}
    tax_lines = [tax for item in order.line_items if item.quantity > 0 for tax in item.tax_lines]
    tax_lines += [tax for shipping in order.shipping_lines for tax in shipping.tax_lines]
    for tax_line in tax_lines:
        if tax_line.rate == 0:
            continue
        tax_id = match_tax(tax_line, order.taxes_included, taxes).id
        charged[tax_id] = charged.get(tax_id, Decimal(0)) + tax_line.amount
    return charged


def _inputs(lines: Sequence[SaleLine]) -> list[LineInput]:
    return [LineInput(line.quantity, line.price_unit, line.discount, line.tax_ids) for line in lines]


def _tax_corrections(
    order: ShopifyOrder, refs: OdooRefs, lines: list[SaleLine]
) -> tuple[list[SaleLine], tuple[TaxFigure, ...]]:
    """Per Odoo tax whose computed amount is not what Shopify charged (manual tax edits, taxes computed
    before an order-level discount, per-jurisdiction rounding): one line taxed by it, at the price that
    brings Odoo's tax to Shopify's figure, and one untaxed counterpart of the opposite price. The tax lands
    on the tax's own account; the two lines cancel out in revenue."""
    rates = {tax.id: TaxRate(tax.id, tax.amount, tax.price_included, tax.sequence) for tax in refs.taxes}
    charged = _shopify_tax_by_id(order, refs.taxes)
    unit = currency_unit(order.currency)
    names = {tax.id: tax.name for tax in refs.taxes}
    corrections: list[SaleLine] = []
    counterpart = Decimal(0)
    for tax_id in sorted(charged):
        base = correction_base(
            _inputs([*lines, *corrections]), rates, unit, refs.tax_rounding, tax_id, charged[tax_id]
        )
        if base is None:
            continue
        if refs.correction_product_id is None:
            raise MappingError("The rounding product is missing in Odoo (see the order rules).")
        counterpart -= base
        corrections.append(
            SaleLine(
                key=f"taxfix_{order.id}_{tax_id}",
                product_id=refs.correction_product_id,
                name=f"Tax correction: {names[tax_id]}",
                quantity=Decimal(1),
                price_unit=base,
                tax_ids=(tax_id,),
                source="tax_correction",
            )
        )
    if corrections:
        assert refs.correction_product_id is not None
        corrections.append(
            SaleLine(
                key=f"taxfix_{order.id}_base",
                product_id=refs.correction_product_id,
                name="Tax correction: untaxed counterpart",
                quantity=Decimal(1),
                price_unit=counterpart,
                source="tax_correction",
            )
        )
    expected = document_figures(_inputs([*lines, *corrections]), rates, unit, refs.tax_rounding)
    taxes = tuple(
        TaxFigure(tax_id, names.get(tax_id, str(tax_id)), charged.get(tax_id, Decimal(0)), amount)
        for tax_id, amount in sorted({**dict.fromkeys(charged, Decimal(0)), **expected.tax_by_id}.items())
    )
    return corrections, taxes


def sale_order_draft(order: ShopifyOrder, rules: MappingRules, refs: OdooRefs) -> SaleOrderDraft:
    """What Odoo receives for a Shopify order: header, product, discount, shipping, tip and tax corrections."""
    figures: list[ShopifyFigure] = []
    lines = _product_lines(order, rules, refs, figures) + _shipping_lines(order, refs, figures)
    if order.total_tip > 0:
        if refs.tip_product_id is None:
            raise MappingError("The tip product is missing in Odoo (see the order rules).")
        figures.append(ShopifyFigure(f"tip_{order.id}", "Tip", order.total_tip, Decimal(0)))
        lines.append(
            SaleLine(
                key=f"tip_{order.id}",
                product_id=refs.tip_product_id,
                name="Tip",
                quantity=Decimal(1),
                price_unit=order.total_tip,
                source=f"tip_{order.id}",
            )
        )
    if not lines:
        raise MappingError("The order has no line with a quantity to sync.")
    corrections, taxes = _tax_corrections(order, refs, lines)
    lines += corrections
    rates = {tax.id: TaxRate(tax.id, tax.amount, tax.price_included, tax.sequence) for tax in refs.taxes}
    expected = document_figures(
        _inputs(lines), rates, currency_unit(order.currency), refs.tax_rounding, refs.keeps_included_total
    )
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
        warehouse_id=refs.warehouse_id,
        warehouse_name=refs.warehouse_name if refs.warehouse_id else "",
        lines=tuple(lines),
        figures=tuple(figures),
        taxes=taxes,
        expected_untaxed=expected.untaxed,
        expected_tax=expected.tax,
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
    header: dict[str, object] = {
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
    if not draft.name:
        # Odoo names the order from its sequence only when no name is given: an empty cell is refused
        # ("Missing required value for the field 'Order Reference'").
        del header["name"]
    if draft.warehouse_id:
        # Odoo's deliveries of the order then leave from this warehouse (its outgoing picking type).
        header["warehouse_id/.id"] = draft.warehouse_id
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
    # Odoo's amount_tax against Shopify's total tax; None when not compared (an existing order read back).
    odoo_tax: Decimal | None = None
    shopify_tax: Decimal | None = None
    # The order's currency: the messages write amounts as the pages do ("$307.30", "+$0.40").
    currency: str = ""

    def money(self, amount: Decimal | None, *, signed: bool = False) -> str:
        """An amount of this comparison as a message writes it ("$307.30"); as is without a currency."""
        if not self.currency:
            return f"{amount:+}" if signed and amount is not None else str(amount)
        return format_money(amount, self.currency, signed=signed)

    @property
    def difference(self) -> Decimal:
        return self.odoo_total - self.shopify_total

    @property
    def tax_difference(self) -> Decimal:
        if self.odoo_tax is None or self.shopify_tax is None:
            return Decimal(0)
        return self.odoo_tax - self.shopify_tax

    @property
    def matches(self) -> bool:
        """To the cent: the total and the tax."""
        return not self.difference and not self.tax_difference

    @property
    def within_tolerance(self) -> bool:
        return abs(self.difference) <= self.tolerance and abs(self.tax_difference) <= self.tolerance

    def describe(self) -> str:
        money = self.money
        if self.matches:
            return f"Totals match ({money(self.odoo_total)})."
        parts = []
        if self.difference:
            parts.append(
                f"Odoo total {money(self.odoo_total)} differs from Shopify total {money(self.shopify_total)} "
                f"by {money(self.difference, signed=True)}"
            )
        if self.tax_difference:
            parts.append(
                f"Odoo tax {money(self.odoo_tax)} differs from Shopify tax {money(self.shopify_tax)} "
                f"by {money(self.tax_difference, signed=True)}"
            )
        return f"{'; '.join(parts)} (tolerance {money(self.tolerance)})."


@dataclass(frozen=True)
class LineComparison:
    """One row of the explanation: a Shopify line (or a line Synco added) and what Odoo computed for it."""

    label: str
    odoo_subtotal: Decimal
    odoo_tax: Decimal
    shopify_subtotal: Decimal | None = None
    shopify_tax: Decimal | None = None

    @property
    def differs(self) -> bool:
        return (self.shopify_subtotal is not None and self.shopify_subtotal != self.odoo_subtotal) or (
            self.shopify_tax is not None and self.shopify_tax != self.odoo_tax
        )

    def as_json(self) -> dict[str, str | bool | None]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "label": self.label,
            "shopify_subtotal": text(self.shopify_subtotal),
            "odoo_subtotal": str(self.odoo_subtotal),
            "shopify_tax": text(self.shopify_tax),
            "odoo_tax": str(self.odoo_tax),
            "differs": self.differs,
        }


def compare_lines(
    draft: SaleOrderDraft | None, odoo_lines: Sequence[tuple[str, Decimal, Decimal]]
) -> list[LineComparison]:
    """Odoo's lines (name, subtotal, tax, in Odoo's order) summed per Shopify line and set beside Shopify's
    figures. Odoo creates the draft's lines in the draft's order; lines beyond them were added later (a
    rounding line) or by someone in Odoo. Without the draft (an order found on a retry): Odoo's lines alone."""
    if draft is None:
        return [LineComparison(name, subtotal, tax) for name, subtotal, tax in odoo_lines]
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    for line, (_name, subtotal, tax) in zip(draft.lines, odoo_lines, strict=False):
        have = sums.get(line.source, (Decimal(0), Decimal(0)))
        sums[line.source] = (have[0] + subtotal, have[1] + tax)
    rows = [
        LineComparison(
            figure.label,
            *sums.get(figure.source, (Decimal(0), Decimal(0))),
            shopify_subtotal=figure.subtotal,
            shopify_tax=figure.tax,
        )
        for figure in draft.figures
    ]
    if "tax_correction" in sums:
        corrections = ", ".join(f"{t.name} {t.shopify}" for t in draft.taxes)
        rows.append(LineComparison(f"Tax corrections (to Shopify's {corrections})", *sums["tax_correction"]))
    rows += [LineComparison(name, subtotal, tax) for name, subtotal, tax in odoo_lines[len(draft.lines) :]]
    return rows
