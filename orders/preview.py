"""Dry run: what Odoo would receive for an order under the current rules, computed with reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from customers.models import GUEST_CUSTOMER_ID, CustomerLink
from customers.services import matches_phone, partner_by_xmlid, partners_by_phone
from orders.documents import mapping_rules, order_warehouse
from orders.mapping import (
    MappingError,
    OdooRefs,
    required_tax_rates,
    sale_order_draft,
)
from orders.money import ROUND_PER_LINE, LineInput, TaxRate, currency_unit, document_figures
from products.services import WOULD_CREATE, delivery_product, ensure_service_product, resolve_line_products
from synco.formatting import format_money
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient, OdooTax
from synco.shopify.types import ShopifyOrder


@dataclass
class PreviewLine:
    name: str
    product: str
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    taxes: str
    subtotal: Decimal


@dataclass
class Preview:
    document: str
    customer: str
    addresses: list[str] = field(default_factory=list)
    lines: list[PreviewLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    amount_untaxed: Decimal = Decimal("0")
    amount_tax: Decimal = Decimal("0")
    amount_total: Decimal = Decimal("0")
    shopify_total: Decimal = Decimal("0")
    # Where the deliveries would leave from: the mapped warehouse of the order's Shopify location.
    warehouse: str = ""

    @property
    def difference(self) -> Decimal:
        return self.amount_total - self.shopify_total


def preview_order(
    client: OdooClient, shop: Shop, rules: OrderRules, order: ShopifyOrder, risk_reason: str
) -> Preview:
    """Everything Odoo would receive, without writing: matches, creations, lines, taxes and totals."""
    document = dict(OrderRules.CreateAs.choices)[rules.create_as]
    if risk_reason:
        document = f"Quotation (held: {risk_reason})"
    preview = Preview(document=str(document), customer="", shopify_total=order.total)
    partner_id = _preview_customer(client, shop, rules, order, preview)
    warehouse = order_warehouse(client, shop, order)
    preview.warehouse = (
        f"{warehouse[1] or f'Warehouse #{warehouse[0]}'} (the Shopify location's mapping)"
        if warehouse
        else "Odoo's default warehouse"
    )
    try:
        product_ids = resolve_line_products(client, shop, rules, order, dry_run=True, notes=preview.notes)
    except MappingError as exc:
        preview.problems.append(str(exc))
        return preview
    taxes = client.find_sale_taxes() if required_tax_rates(order) else []
    missing = [
        rate
        for rate in sorted(required_tax_rates(order))
        if not any(t.amount.normalize() == rate and t.price_included == order.taxes_included for t in taxes)
    ]
    for rate in missing if rules.auto_create_taxes else []:
        preview.notes.append(f"Would create the sale tax 'Shopify {rate:f}%'.")
        taxes.append(OdooTax(-len(taxes) - 1, f"Shopify {rate:f}%", rate, order.taxes_included))
    refs = OdooRefs(
        partner_id=partner_id,
        invoice_partner_id=partner_id,
        shipping_partner_id=partner_id,
        product_ids=product_ids,
        delivery_product_id=delivery_product(client, shop, dry_run=True) if order.shipping_lines else None,
        discount_product_id=ensure_service_product(
            client, shop, rules.discount_product_code, "", dry_run=True
        ),
        tip_product_id=ensure_service_product(client, shop, rules.tip_product_code, "", dry_run=True),
        taxes=taxes,
        correction_product_id=ensure_service_product(
            client, shop, rules.rounding_product_code, "", dry_run=True
        ),
        tax_rounding=client.company_tax_rounding() if taxes else ROUND_PER_LINE,
        keeps_included_total=client.keeps_included_total,
        warehouse_id=warehouse[0] if warehouse else None,
        warehouse_name=warehouse[1] if warehouse else "",
    )
    try:
        draft = sale_order_draft(order, mapping_rules(rules, client.sale_line_tax_field), refs)
    except MappingError as exc:
        preview.problems.append(str(exc))
        return preview
    by_id = {tax.id: tax for tax in taxes}
    names = _product_names(
        client, {line.product_id for line in draft.lines if line.product_id != WOULD_CREATE}
    )
    # Odoo's own arithmetic (orders/money.py): the figures Odoo will show, rounding method included.
    figures = document_figures(
        [LineInput(line.quantity, line.price_unit, line.discount, line.tax_ids) for line in draft.lines],
        {tax.id: TaxRate(tax.id, tax.amount, tax.price_included, tax.sequence) for tax in taxes},
        currency_unit(order.currency),
        refs.tax_rounding,
        refs.keeps_included_total,
    )
    for line, figure in zip(draft.lines, figures.lines, strict=True):
        preview.lines.append(
            PreviewLine(
                name=line.name,
                product=names.get(line.product_id, f"product #{line.product_id}")
                if line.product_id != WOULD_CREATE
                else "new (would be created)",
                quantity=line.quantity,
                price_unit=line.price_unit,
                discount=line.discount,
                taxes=", ".join(by_id[t].name for t in line.tax_ids if t in by_id) or "none",
                subtotal=figure.subtotal,
            )
        )
    preview.amount_untaxed, preview.amount_tax = figures.untaxed, figures.tax
    preview.amount_total = preview.amount_untaxed + preview.amount_tax
    if abs(preview.difference) > rules.totals_tolerance:
        action = dict(OrderRules.TotalsAction.choices)[rules.totals_action]
        preview.notes.append(
            f"Totals would differ by {format_money(preview.difference, order.currency, signed=True)} "
            f"(tolerance {format_money(rules.totals_tolerance, order.currency)}): {action}."
        )
    return preview


def _product_names(client: OdooClient, ids: set[int]) -> dict[int, str]:
    """Odoo's names of the matched products ("[SKU] Name"), in one read."""
    if not ids:
        return {}
    rows = client.call("product.product", "read", sorted(ids), ["display_name"])
    return {int(row["id"]): str(row["display_name"]) for row in rows}


def _preview_customer(
    client: OdooClient, shop: Shop, rules: OrderRules, order: ShopifyOrder, preview: Preview
) -> int:
    if rules.customer_match == OrderRules.CustomerMatch.SINGLE:
        chosen = f"#{rules.single_partner_id} {rules.single_partner_name}".strip()
        preview.customer = f"Partner {chosen}: every order goes on this one contact"
        return rules.single_partner_id or WOULD_CREATE
    customer = order.customer
    shopify_id = customer.id if customer else GUEST_CUSTOMER_ID
    link = CustomerLink.objects.filter(shop=shop, shopify_customer_id=shopify_id).first()
    if link is not None:
        preview.customer = f"Existing partner #{link.odoo_partner_id} (matched before)"
        return link.odoo_partner_id
    found = partner_by_xmlid(client, shop, shopify_id)
    by_email = rules.customer_match == OrderRules.CustomerMatch.EMAIL
    if found is None and by_email and customer is not None and (customer.email or order.email):
        found = client.find_partner_by_email(customer.email or order.email)
        if found is not None:
            preview.customer = f"Existing partner #{found} (same e-mail)"
            return found
    phone = customer.phone if customer is not None else ""
    if found is None and by_email and phone and matches_phone(shop):
        found = partners_by_phone(client, [phone]).get(phone)
        if found is not None:
            preview.customer = f"Existing partner #{found} (same phone number)"
            return found
    if found is not None:
        preview.customer = f"Existing partner #{found} (Synco's id)"
        return found
    name = rules.guest_customer_name if customer is None else customer.name or order.email
    preview.customer = f"New partner '{name}' would be created"
    for kind, address in (("invoice", order.billing_address), ("delivery", order.shipping_address)):
        if address is not None:
            preview.addresses.append(
                f"{kind.title()} address {address.address1}, {address.city} would be created"
            )
    return WOULD_CREATE
