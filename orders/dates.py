"""An order's accounting dates, in the shop's time zone: pure functions of the order, the setting and a clock.

Odoo's `invoice_date` and a payment's `date` are dates without a time: the day is the one the merchant lives
in, not UTC's (an order paid at 09:30 in Auckland is paid on that day, which is still the day before in UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from synco.shopify.types import ShopifyOrder, Transaction

ORDER_DATE = "order_date"
PAID_DATE = "paid_date"
SYNC_DATE = "sync_date"
PAYMENT_KINDS = ("SALE", "CAPTURE")


def shop_zone(name: str) -> ZoneInfo:
    """The shop's zone; UTC for an empty or unknown name (Shopify always sends one; older rows may lack it)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def shop_clock(moment: datetime, zone_name: str, pattern: str = "%H:%M:%S %Z") -> str:
    """A moment as the shop's clock shows it, its zone's abbreviation after it ("16:02:03 JST")."""
    return moment.astimezone(shop_zone(zone_name)).strftime(pattern)


def shop_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of an instant in the shop's time zone."""
    return moment.astimezone(zone).date()


def payment_transaction(order: ShopifyOrder) -> Transaction | None:
    """The first successful sale or capture: the money the invoice's payment stands for."""
    paid = [t for t in order.transactions if t.kind in PAYMENT_KINDS and t.status == "SUCCESS"]
    dated = [t for t in paid if t.processed_at is not None]
    if dated:
        return min(dated, key=lambda t: t.processed_at or datetime.max)
    return paid[0] if paid else None


def paid_at(order: ShopifyOrder) -> datetime:
    """When Shopify took the money: the payment transaction's processedAt, else the order's processing time."""
    transaction = payment_transaction(order)
    if transaction is not None and transaction.processed_at is not None:
        return transaction.processed_at
    return order.processed_at or order.created_at


@dataclass(frozen=True)
class AccountingDates:
    invoice_date: date
    payment_date: date
    # Why the payment is not on its transaction's day (only when the invoice is dated later: the sync date).
    payment_note: str = ""


def accounting_dates(order: ShopifyOrder, source: str, zone: ZoneInfo, now: datetime) -> AccountingDates:
    """The invoice date per the shop's setting and the payment date (the transaction's day), both in `zone`.

    A payment never predates its invoice: with the sync date as invoice date, a payment Shopify took earlier is
    dated on the invoice's day, and the note says so.
    """
    if source == ORDER_DATE:
        invoice_day = shop_date(order.processed_at or order.created_at, zone)
    elif source == SYNC_DATE:
        invoice_day = shop_date(now, zone)
    else:
        invoice_day = shop_date(paid_at(order), zone)
    payment_day = shop_date(paid_at(order), zone)
    if payment_day < invoice_day:
        return AccountingDates(
            invoice_day,
            invoice_day,
            f"Payment dated {invoice_day:%Y-%m-%d}, the invoice's date, not {payment_day:%Y-%m-%d} when "
            "Shopify took it (invoices are dated on the sync date).",
        )
    return AccountingDates(invoice_day, payment_day)
