"""Pure mapping from a Shopify order to the values of an Odoo sale order: no ORM, no network, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from synco.odoo.client import SALE_LINE_TAX_FIELD, OdooTax
from synco.shopify.types import ShopifyOrder, TaxLine

CENT = Decimal("0.01")


class MappingError(ValueError):
    """The order cannot be written into Odoo until something is fixed; the message says what."""


@dataclass(frozen=True)
class MappingRules:
    order_prefix: str = ""
    use_shopify_order_number: bool = True


@dataclass(frozen=True)
class OdooRefs:
    """Odoo ids the mapping needs, looked up beforehand by the service."""

    partner_id: int
    invoice_partner_id: int
    shipping_partner_id: int
    product_ids: Mapping[str, int]
    delivery_product_id: int | None
    taxes: Sequence[OdooTax] = field(default_factory=tuple)


def odoo_datetime(value: Any) -> str:
    """Odoo accepts only 'YYYY-MM-DD HH:MM:SS' in UTC (ISO strings with 'T' are refused)."""
    return str(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))


def origin_for(order: ShopifyOrder) -> str:
    return f"shopify:order:{order.id}"


def order_skus(order: ShopifyOrder) -> list[str]:
    return sorted({line.sku for line in order.line_items if line.sku and line.quantity > 0})


def find_tax_ids(tax_lines: Sequence[TaxLine], taxes_included: bool, taxes: Sequence[OdooTax]) -> list[int]:
    """Match each Shopify tax line to an Odoo sale tax by rate and price-included flag."""
    ids: list[int] = []
    for tax_line in tax_lines:
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
                "Create it in Odoo under Invoicing > Configuration > Taxes, then retry."
            )
        if match.id not in ids:
            ids.append(match.id)
    return ids


def discount_percent(unit_price: Decimal, quantity: int, discount: Decimal) -> Decimal:
    gross = unit_price * quantity
    if gross <= 0 or discount <= 0:
        return Decimal("0")
    return (discount / gross * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def sale_order_values(order: ShopifyOrder, rules: MappingRules, refs: OdooRefs) -> dict[str, Any]:
    """The `sale.order.create` values for a Shopify order."""
    lines: list[tuple[int, int, dict[str, Any]]] = []
    for item in order.line_items:
        if item.quantity <= 0:
            continue
        if not item.sku:
            raise MappingError(f"Line '{item.title}' has no SKU, so it cannot be matched to an Odoo product.")
        product_id = refs.product_ids.get(item.sku)
        if product_id is None:
            raise MappingError(f"No Odoo product has the SKU '{item.sku}' (line '{item.title}').")
        lines.append(
            (
                0,
                0,
                {
                    "product_id": product_id,
                    "name": item.title,
                    "product_uom_qty": item.quantity,
                    "price_unit": item.unit_price,
                    "discount": discount_percent(item.unit_price, item.quantity, item.discount),
                    SALE_LINE_TAX_FIELD: [
                        (6, 0, find_tax_ids(item.tax_lines, order.taxes_included, refs.taxes))
                    ],
                },
            )
        )
    for shipping in order.shipping_lines:
        if refs.delivery_product_id is None:
            raise MappingError(
                "Odoo has no delivery product (default code 'Delivery_007'): install the Delivery module."
            )
        lines.append(
            (
                0,
                0,
                {
                    "product_id": refs.delivery_product_id,
                    "name": f"Shipping: {shipping.title}",
                    "product_uom_qty": 1,
                    "price_unit": shipping.price,
                    "discount": discount_percent(shipping.price, 1, shipping.discount),
                    SALE_LINE_TAX_FIELD: [
                        (6, 0, find_tax_ids(shipping.tax_lines, order.taxes_included, refs.taxes))
                    ],
                    "is_delivery": True,
                },
            )
        )
    if not lines:
        raise MappingError("The order has no line with a quantity to sync.")

    values: dict[str, Any] = {
        "partner_id": refs.partner_id,
        "partner_invoice_id": refs.invoice_partner_id,
        "partner_shipping_id": refs.shipping_partner_id,
        "client_order_ref": order.name,
        "origin": origin_for(order),
        "date_order": odoo_datetime(order.created_at),
        "order_line": lines,
    }
    if rules.use_shopify_order_number:
        values["name"] = f"{rules.order_prefix}{order.name}"
    if order.note:
        values["note"] = f"<p>{escape(order.note)}</p>"
    return values
