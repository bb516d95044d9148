"""Write a Shopify order into Odoo as the shop's rules ask: sale order, invoice, payment — idempotently."""

from __future__ import annotations

import copy
import dataclasses
import logging
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.utils import timezone

from customers.models import CustomerLink
from customers.services import customer_links, ensure_partner, forget_missing_contacts
from orders.dates import accounting_dates, shop_zone
from orders.mapping import (
    XMLID_MODULE,
    LineComparison,
    MappingRules,
    OdooRefs,
    SaleOrderDraft,
    TaxFigure,
    TotalsCheck,
    compare_lines,
    lines_to_untax,
    load_table,
    odoo_datetime,
    order_key,
    origin_for,
    required_tax_rates,
    sale_order_draft,
)
from orders.money import ROUND_PER_LINE
from products.services import (
    delivery_product,
    ensure_service_product,
    product_links,
    products_with_default_taxes,
    resolve_line_products,
)
from stock.models import LocationMapping, StockSettings
from synco.formatting import format_money, plain_money
from synco.models import OrderRules, Shop
from synco.odoo.cache import cached, forget, store
from synco.odoo.client import OdooClient, OdooInvoice, OdooSaleOrder, OdooTax
from synco.odoo.errors import OdooMissingRecordError
from synco.xmlids import pricelist_xmlid

logger = logging.getLogger(__name__)

PAID_STATUSES = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}


@dataclass
class WriteResult:
    sale_order: OdooSaleOrder
    created: bool
    totals: TotalsCheck
    invoice: OdooInvoice | None = None
    payment_id: int | None = None
    review_reason: str = ""
    notes: list[str] = field(default_factory=list)
    # The warehouse Synco gave the sale order (the Shopify location's mapping); None: Odoo's default.
    warehouse_id: int | None = None
    warehouse_name: str = ""
    # Shopify's figures beside Odoo's, line by line and per tax (kept in the attempt's summary).
    lines: list[LineComparison] = field(default_factory=list)
    taxes: tuple[TaxFigure, ...] = ()

    def log_summary(self) -> dict[str, Any]:
        """What the sync log keeps of the exchange: ids, states and amounts (no customer data)."""
        sale = self.sale_order
        return {
            "sale_order": {
                "id": sale.id,
                "name": sale.name,
                "state": sale.state,
                "created": self.created,
                "amount_untaxed": plain_money(sale.amount_untaxed, sale.currency),
                "amount_tax": plain_money(sale.amount_tax, sale.currency),
                "amount_total": plain_money(sale.amount_total, sale.currency),
                "currency": sale.currency,
                "warehouse": {"id": self.warehouse_id, "name": self.warehouse_name}
                if self.warehouse_id
                else None,
            },
            "totals": {
                # Fixed to the currency's decimals ("307.30", never Shopify's "307.3"): the raw view shows these.
                "shopify": plain_money(self.totals.shopify_total, sale.currency),
                "odoo": plain_money(self.totals.odoo_total, sale.currency),
                "difference": plain_money(self.totals.difference, sale.currency),
                "tolerance": str(self.totals.tolerance),
                "shopify_tax": plain_money(self.totals.shopify_tax, sale.currency) or None,
                "odoo_tax": plain_money(self.totals.odoo_tax, sale.currency) or None,
            },
            "lines": [line.as_json() for line in self.lines],
            "taxes": [
                {"name": tax.name, "shopify": str(tax.shopify), "odoo": str(tax.odoo)} for tax in self.taxes
            ],
            "invoice": {
                "id": self.invoice.id,
                "name": self.invoice.name,
                "state": self.invoice.state,
                "payment_state": self.invoice.payment_state,
            }
            if self.invoice
            else None,
            "payment_id": self.payment_id,
            "review_reason": self.review_reason,
        }

    def summary(self) -> str:
        sale = self.sale_order
        kind = "confirmed sale order" if sale.state == "sale" else "quotation"
        parts = [
            f"{'Created' if self.created else 'Found existing'} {kind} {sale.name} (id {sale.id}) in Odoo; "
            f"total {format_money(sale.amount_total, sale.currency, with_code=True)}. {self.totals.describe()}"
        ]
        if self.invoice:
            paid = " and paid" if self.invoice.is_paid else ""
            parts.append(f"Invoice {self.invoice.name or self.invoice.id} is {self.invoice.state}{paid}.")
        parts.extend(self.notes)
        if self.review_reason:
            parts.append(f"Held for review: {self.review_reason}")
        return " ".join(parts)


def mapping_rules(rules: OrderRules, tax_field: str) -> MappingRules:
    return MappingRules(
        order_prefix=rules.order_prefix,
        use_shopify_order_number=rules.use_shopify_order_number,
        sync_note=rules.sync_note,
        sync_note_attributes=rules.sync_note_attributes,
        sync_tags=rules.sync_tags,
        discount_lines=rules.discount_mode == OrderRules.DiscountMode.DISCOUNT_LINE,
        tax_field=tax_field,
    )


def sale_taxes(client: OdooClient, order: Any, auto_create: bool) -> list[OdooTax]:
    """Odoo's sale taxes, creating the ones the order needs when the rules allow it."""
    taxes: list[OdooTax] = cached(client, "taxes", client.find_sale_taxes)
    needed = {(rate, order.taxes_included) for rate in required_tax_rates(order)}
    have = {(tax.amount.normalize(), tax.price_included) for tax in taxes}
    if needed - have:
        taxes = client.find_sale_taxes()  # someone may just have created them in Odoo
        have = {(tax.amount.normalize(), tax.price_included) for tax in taxes}
        if auto_create:
            taxes = taxes + [
                client.create_sale_tax(rate, included) for rate, included in sorted(needed - have)
            ]
        store(client, "taxes", taxes)
    return taxes


@dataclass
class Lookups:
    """What a batch of orders refers to in Synco's own tables (customer and product links, the stock settings and
    location mappings), read in a few queries for the whole batch; build_draft then makes none for what is
    known. The links the batch makes meanwhile are added as they are made (so a later order of the same
    customer or product finds them)."""

    customers: dict[int, CustomerLink]
    products: dict[str, int]
    stock_enabled: bool
    locations: dict[str, LocationMapping]

    @classmethod
    def read(cls, shop: Shop, rules: OrderRules, orders: list[Any]) -> Lookups:
        stock_enabled = StockSettings.objects.filter(shop=shop, enabled=True).exists()
        gids = sorted({order.location_id for order in orders if getattr(order, "location_id", "")})
        locations = (
            {
                mapping.shopify_location_gid: mapping
                for mapping in LocationMapping.objects.filter(shop=shop, shopify_location_gid__in=gids).only(
                    "shopify_location_gid", "odoo_warehouse_id", "odoo_warehouse_name", "odoo_location_ids"
                )
            }
            if stock_enabled and gids
            else {}
        )
        return cls(
            customers=customer_links(shop, orders),
            products=product_links(shop, orders, rules),
            stock_enabled=stock_enabled,
            locations=locations,
        )


def order_warehouse(
    client: OdooClient, shop: Shop, order: Any, lookups: Lookups | None = None
) -> tuple[int, str] | None:
    """The Odoo warehouse (id, name) the order's deliveries leave from, per the shop's location mapping.

    The Shopify location the order ships from (`ShopifyOrder.location_id`) mapped to a warehouse: that one;
    mapped to a set of internal locations: the warehouse of the first of them that belongs to one (Odoo's
    stock.location warehouse_id). None, so Odoo's default warehouse, when the location is unknown, not
    mapped or unsynced, or stock sync is off for the shop.
    """
    location_gid = getattr(order, "location_id", "")
    if not location_gid:
        return None
    if lookups is not None:
        if not lookups.stock_enabled:
            return None
        mapping = lookups.locations.get(location_gid)
    else:
        if not StockSettings.objects.filter(shop=shop, enabled=True).exists():
            return None
        mapping = (
            LocationMapping.objects.filter(shop=shop, shopify_location_gid=location_gid)
            .only("odoo_warehouse_id", "odoo_warehouse_name", "odoo_location_ids")
            .first()
        )
    if mapping is None:
        return None
    if mapping.odoo_warehouse_id:
        return mapping.odoo_warehouse_id, mapping.odoo_warehouse_name
    if not mapping.odoo_location_ids:
        return None
    locations = {
        location.id: location for location in cached(client, "internal_locations", client.internal_locations)
    }
    for location_id in mapping.odoo_location_ids:
        location = locations.get(int(location_id))
        if location is not None and location.warehouse_id:
            names = {
                warehouse.id: warehouse.name for warehouse in cached(client, "warehouses", client.warehouses)
            }
            return location.warehouse_id, names.get(location.warehouse_id, "")
    return None


def build_draft(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Any,
    risk_reason: str = "",
    lookups: Lookups | None = None,
) -> SaleOrderDraft:
    """Look up (or create) everything the order refers to, then map it: no sale order is written here.
    `lookups`: Synco's links read once for a batch (Lookups.read) instead of a few queries per order."""
    known = lookups.products if lookups is not None else None
    partner = ensure_partner(client, shop, order, rules, lookups.customers if lookups is not None else None)
    product_ids = resolve_line_products(client, shop, rules, order, known=known)
    pricelist_id = None
    if order.currency and order.currency != cached(client, "company_currency", client.company_currency):
        # One pricelist per shop and currency: two shops on one Odoo never share it (nor its cache entry).
        key = pricelist_xmlid(shop.domain, order.currency)
        pricelist_id = cached(client, key, lambda: client.ensure_pricelist(order.currency, key))
    warehouse = order_warehouse(client, shop, order, lookups)
    refs = OdooRefs(
        partner_id=partner.partner_id,
        invoice_partner_id=partner.invoice_id,
        shipping_partner_id=partner.shipping_id,
        product_ids=product_ids,
        delivery_product_id=delivery_product(client, shop, known=known) if order.shipping_lines else None,
        discount_product_id=ensure_service_product(
            client, shop, rules.discount_product_code, "Shopify discount", known=known
        )
        if rules.discount_mode == OrderRules.DiscountMode.DISCOUNT_LINE
        and any(line.discount for line in order.line_items)
        else None,
        tip_product_id=ensure_service_product(
            client, shop, rules.tip_product_code, "Shopify tip", known=known
        )
        if order.total_tip > 0
        else None,
        taxes=sale_taxes(client, order, rules.auto_create_taxes) if required_tax_rates(order) else (),
        # Tax corrections (when Shopify's tax is not what Odoo computes) go on the rounding product.
        correction_product_id=ensure_service_product(
            client, shop, rules.rounding_product_code, "Shopify rounding", known=known
        )
        if required_tax_rates(order)
        else None,
        tax_rounding=cached(client, "tax_rounding", client.company_tax_rounding)
        if required_tax_rates(order)
        else ROUND_PER_LINE,
        keeps_included_total=client.keeps_included_total,
        pricelist_id=pricelist_id,
        # With a payment term, the invoice wizard answers with the invoice id instead of a None fault.
        payment_term_id=cached(client, "immediate_term", client.find_immediate_payment_term)
        if rules.invoices
        else None,
        warehouse_id=warehouse[0] if warehouse else None,
        warehouse_name=warehouse[1] if warehouse else "",
    )
    draft = sale_order_draft(order, mapping_rules(rules, client.sale_line_tax_field), refs)
    if risk_reason:
        draft = dataclasses.replace(
            draft, note=f"<p><strong>Held as a quotation:</strong> {escape(risk_reason)}</p>{draft.note}"
        )
    return draft


def _create_sale_order(client: OdooClient, shop: Shop, draft: SaleOrderDraft) -> tuple[int, SaleOrderDraft]:
    tax_field = client.sale_line_tax_field
    fields, rows = load_table(draft, tax_field)
    [order_id] = client.load("sale.order", fields, rows)
    untaxed = lines_to_untax(
        draft, products_with_default_taxes(shop, {line.product_id for line in draft.lines})
    )
    if untaxed:
        line_ids = list(client.xmlid_targets(XMLID_MODULE, untaxed).values())
        client.call("sale.order.line", "write", line_ids, {tax_field: [(5, 0, 0)]})
    return order_id, draft


def _create_with_fresh_lookups(
    client: OdooClient, shop: Shop, rules: OrderRules, order: Any, risk_reason: str
) -> tuple[int, SaleOrderDraft]:
    """Create the sale order (and say what was sent); if a record the cached lookups gave (a tax) was deleted in Odoo meanwhile, the
    import is refused as a whole: forget the cache and look everything up again, once."""
    try:
        return _create_sale_order(client, shop, build_draft(client, shop, rules, order, risk_reason))
    except OdooMissingRecordError as exc:
        logger.info("a cached odoo record was deleted: looking up again", extra={"error": exc.message})
        forget(client)
        forget_missing_contacts(client, shop, order)  # a linked contact merged away or deleted in Odoo
        return _create_sale_order(client, shop, build_draft(client, shop, rules, order, risk_reason))


def write_order(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Any,
    *,
    first_attempt: bool,
    risk_reason: str = "",
) -> WriteResult:
    """Create (or find, on a retry) the Odoo documents for one Shopify order, then check the totals.

    A risky order always comes in as a quotation with the risk in its note, whatever the rules say.
    """
    if risk_reason:
        rules = copy.copy(rules)
        rules.create_as = OrderRules.CreateAs.QUOTATION
    existing_id: int | None = None
    if not first_attempt:
        # A previous attempt may have written before it died: find its work instead of redoing it.
        existing_id = client.xmlid_targets(XMLID_MODULE, [order_key(order)]).get(order_key(order))
        if existing_id is None:
            existing_id = client.find_sale_order_by_origin(origin_for(order))
    created = existing_id is None
    draft: SaleOrderDraft | None = None
    if existing_id is not None:
        order_id = existing_id
    else:
        order_id, draft = _create_with_fresh_lookups(client, shop, rules, order, risk_reason)
    date_order = odoo_datetime(order.created_at)

    # Synco just wrote the lines and Odoo's arithmetic (orders/money.py, held to a real Odoo 18 by the contract
    # tests) gives Shopify's total and tax to the cent: the read after confirming is the check (one round trip
    # fewer). Otherwise check before confirming (one read: totals and each line's amounts), so an order held for
    # review stays a quotation the merchant can fix, never confirmed, invoiced or paid.
    expected = (draft.expected_total, draft.expected_tax) if draft is not None else None
    predicted = expected == (order.total, order.total_tax)
    notes: list[str] = []
    rounded = False
    if not predicted:
        sale = client.read_sale_order(order_id)
        totals = _totals(sale, order, rules)
        if not totals.matches:
            if not _accepts(rules, totals):
                return _held(WriteResult(sale, created, totals), draft)
            if rules.totals_action == OrderRules.TotalsAction.ROUNDING_LINE and totals.difference:
                _add_rounding_line(client, shop, rules, order_id, totals)
                notes.append(f"Added a rounding line of {totals.money(-totals.difference, signed=True)}.")
                rounded = True
            else:
                notes.append(f"Accepted within the tolerance: {totals.describe()}")
    if rules.confirms:
        client.confirm_sale_order(order_id)
        sale = client.read_sale_order(order_id, restore_date=date_order)
    elif predicted or rounded:
        sale = client.read_sale_order(order_id)
    result = _with_warehouse(WriteResult(sale, created, _totals(sale, order, rules), notes=notes), draft)
    if not result.totals.matches and not _accepts(rules, result.totals):
        # Only when Odoo computed otherwise than predicted: confirmed, but neither invoiced nor paid.
        return _held(result, draft)
    result.taxes = draft.taxes if draft else ()
    result.lines = _compare(draft, sale)
    if rules.invoices:
        _invoice_and_pay(client, rules, order, result, shop)
    return result


def _totals(sale: OdooSaleOrder, order: Any, rules: OrderRules) -> TotalsCheck:
    return TotalsCheck(
        sale.amount_total,
        order.total,
        rules.totals_tolerance,
        odoo_tax=sale.amount_tax,
        shopify_tax=order.total_tax,
        currency=order.currency,
    )


def _with_warehouse(result: WriteResult, draft: SaleOrderDraft | None) -> WriteResult:
    """The warehouse the draft gave the sale order, kept in the result (its log summary and message)."""
    if draft is not None and draft.warehouse_id and result.warehouse_id is None:
        result.warehouse_id, result.warehouse_name = draft.warehouse_id, draft.warehouse_name
        result.notes.insert(0, f"Delivery from warehouse {draft.warehouse_name or draft.warehouse_id}.")
    return result


def _held(result: WriteResult, draft: SaleOrderDraft | None) -> WriteResult:
    """Needs review: the difference, and the lines that make it, Shopify's figures beside Odoo's."""
    _with_warehouse(result, draft)
    result.taxes = draft.taxes if draft else ()
    result.lines = _compare(draft, result.sale_order)
    result.review_reason = result.totals.describe() + _worst_line(result.lines, result.totals)
    return result


def _compare(draft: SaleOrderDraft | None, sale: OdooSaleOrder) -> list[LineComparison]:
    return compare_lines(draft, [(line.name, line.price_subtotal, line.price_tax) for line in sale.lines])


def _accepts(rules: OrderRules, totals: TotalsCheck) -> bool:
    """Within the tolerance, the rules may accept a difference (as is, or with a rounding line); beyond it, or
    when they say hold (the default), the order is held for review."""
    return totals.within_tolerance and rules.totals_action in (
        OrderRules.TotalsAction.ACCEPT,
        OrderRules.TotalsAction.ROUNDING_LINE,
    )


def _worst_line(lines: list[LineComparison], totals: TotalsCheck) -> str:
    differing = [line for line in lines if line.differs]
    if not differing:
        return ""
    money = totals.money
    shown = "; ".join(
        f"{line.label}: Shopify {money(line.shopify_subtotal)} + tax {money(line.shopify_tax)}, "
        f"Odoo {money(line.odoo_subtotal)} + tax {money(line.odoo_tax)}"
        for line in differing[:3]
    )
    return f" Lines that differ: {shown}."


def _add_rounding_line(
    client: OdooClient, shop: Shop, rules: OrderRules, order_id: int, totals: TotalsCheck
) -> None:
    product_id = ensure_service_product(client, shop, rules.rounding_product_code, "Shopify rounding")
    client.add_order_line(
        order_id,
        {
            "product_id": product_id,
            "name": "Rounding to the Shopify total",
            "product_uom_qty": 1,
            "price_unit": -totals.difference,
            client.sale_line_tax_field: [(6, 0, [])],
        },
    )


def _invoice_and_pay(
    client: OdooClient, rules: OrderRules, order: Any, result: WriteResult, shop: Shop
) -> None:
    """Invoice, post and pay as the rules say; each step checks what Odoo already has, so retries are safe.

    The invoice is dated per the shop's setting and the payment on its transaction's day, both in the shop's
    time zone (never the sync's UTC day)."""
    dates = accounting_dates(order, rules.invoice_date_source, shop_zone(shop.iana_timezone), timezone.now())
    invoice_date = dates.invoice_date.isoformat()
    sale = result.sale_order
    # What Odoo holds of the invoice, as long as no later call changes it: then it needs no read at the end.
    known: OdooInvoice | None = None
    current: OdooInvoice | None = None
    if sale.invoice_ids:
        # A retry: an earlier attempt invoiced (and maybe dated, posted or paid) before it died.
        invoice_id = max(sale.invoice_ids)
        known = current = client.read_invoice(invoice_id)
        state, already_paid = current.state, current.is_paid
    else:
        # Odoo cannot date it at creation (its sudo() drops a default_invoice_date): dated just after.
        invoice_id, state, already_paid = client.create_invoice(sale.id), "draft", False
    if state == "draft" and (current is None or current.invoice_date != invoice_date):
        if rules.posts_invoice:
            client.set_invoice_date(invoice_id, invoice_date)
            known = None
        else:
            # It stays a draft: dated and read back in one round trip.
            known = client.date_invoice(invoice_id, invoice_date)
    if rules.posts_invoice and state == "draft":
        client.post_invoice(invoice_id)  # Odoo numbers it now: read at the end
        known = None
    if rules.pays:
        if already_paid:
            # An earlier attempt paid it but lost Odoo's answer: keep the payment's id all the same.
            result.payment_id = max(current.payment_ids) if current and current.payment_ids else None
            result.notes.append("The invoice was already paid: no second payment.")
        elif order.financial_status not in PAID_STATUSES:
            result.notes.append(
                f"No payment registered: the order is {order.financial_status.lower()} in Shopify."
            )
        else:
            gateway = next(
                (
                    t.gateway
                    for t in order.transactions
                    if t.kind in ("SALE", "CAPTURE") and t.status == "SUCCESS"
                ),
                "",
            )
            result.payment_id = client.register_payment(
                invoice_id, rules.journal_for(gateway), dates.payment_date.isoformat()
            )
            known = None  # its payment_state is Odoo's to say (paid, or in_payment until reconciled)
            if dates.payment_note:
                result.notes.append(dates.payment_note)
    result.invoice = known or client.read_invoice(invoice_id)
