"""What the orders page and the REST API read, one copy for both: the tabs and search, the dry run, Odoo's
live documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from orders import services
from orders.models import (
    ELIGIBLE,
    FAILED,
    IN_ODOO_AS_SALE_ORDER,
    IN_ODOO_WITH_INVOICE,
    RISKY,
    Order,
    SyncStatus,
)
from orders.preview import Preview, preview_order
from synco.filters import search_text
from synco.gateways import odoo_client_for
from synco.models import OdooConnection, Shop
from synco.odoo.client import OdooInvoice, OdooSaleOrder
from synco.shopify.types import parse_order

# The orders page's tabs (key: label, condition); the API's `status` filter takes the same keys.
FILTERS: dict[str, tuple[str, Q]] = {
    "all": ("All", Q()),
    "synced": ("Synced", Q(sync_status=SyncStatus.SYNCED)),
    # An unreadable order is listed as Failed (with its reason), never as waiting to be synced.
    "not_synced": ("Not Synced", Q(sync_status=SyncStatus.NOT_SYNCED, parse_error="")),
    "eligible": ("Eligible", ELIGIBLE),
    "sale_order": ("Sale Order", IN_ODOO_AS_SALE_ORDER),
    "invoice": ("Invoice", IN_ODOO_WITH_INVOICE),
    "failed": ("Failed", FAILED),
    "needs_review": ("Needs review", Q(sync_status=SyncStatus.NEEDS_REVIEW)),
    "in_progress": ("In progress", Q(sync_status__in=(SyncStatus.QUEUED, SyncStatus.IN_PROGRESS))),
    "risky": ("Risky", RISKY),
}


def filtered_orders(
    shop: Shop,
    status_filter: str,
    search: str,
    created_from: Any = None,
    created_to: Any = None,
) -> QuerySet[Order]:
    """The shop's orders under one tab, a search (number, customer or e-mail) and [created_from, created_to)."""
    orders = searched_orders(shop, search, created_from, created_to)
    return orders.filter(FILTERS.get(status_filter, FILTERS["all"])[1])


def searched_orders(shop: Shop, search: str, created_from: Any, created_to: Any) -> QuerySet[Order]:
    """The shop's orders matching a search and created within [created_from, created_to), every tab."""
    orders = Order.objects.filter(shop=shop)
    if search:
        # Number, customer or e-mail, whatever the case and accents ("LÉA" finds "Léa"): one substring match on
        # the stored, normalized search_text (trigram-indexed on PostgreSQL), the same on every database.
        orders = orders.filter(search_text__contains=search_text(search.lstrip("#")))
    if created_from is not None:
        orders = orders.filter(created_at__gte=created_from)
    if created_to is not None:
        orders = orders.filter(created_at__lt=created_to)
    return orders


def odoo_connection(shop: Shop) -> OdooConnection | None:
    """The shop's connection without its secret (a page needs its URL and state, never the password)."""
    return OdooConnection.objects.filter(shop=shop).defer("secret").first()


def attach_shop(rows: list[Order], shop: Shop, odoo: OdooConnection | None) -> list[Order]:
    """Give every row the one shop and connection already read, for its Odoo links (no query or decryption per row)."""
    # Cached even when there is none, so that no row asks the database again.
    Shop.odoo.related.set_cached_value(shop, odoo)
    for order in rows:
        order.shop = shop
    return rows


def dry_run(order: Order) -> Preview:
    """What Odoo would receive for the order under the current rules (reads only); GatewayError if Odoo fails."""
    client = None
    try:
        client = odoo_client_for(order.shop)
        return preview_order(
            client,
            order.shop,
            services.rules_for(order.shop),
            parse_order(order.payload),
            order.risk_reason,
        )
    finally:
        if client is not None:
            client.close()


@dataclass(frozen=True)
class LiveDocuments:
    sale_order: OdooSaleOrder
    invoice: OdooInvoice | None


def read_live_documents(order: Order) -> LiveDocuments:
    """The order's sale order and invoice as Odoo has them now (reads only); GatewayError if Odoo fails."""
    if order.odoo_id is None:
        raise ValueError("Nothing has been written to Odoo for this order yet.")
    client = None
    try:
        client = odoo_client_for(order.shop)
        sale_order = client.read_sale_order(order.odoo_id)
        invoice = client.read_invoice(order.odoo_invoice_id) if order.odoo_invoice_id else None
        return LiveDocuments(sale_order, invoice)
    finally:
        if client is not None:
            client.close()
