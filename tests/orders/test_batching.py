"""Batched order writes (issue 17): many queued orders of a shop written with a handful of Odoo calls, each
order with its own documents, results and log, exactly once whatever fails."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from orders import batching, services, tasks
from orders.batching import sync_order
from orders.models import Order, SyncStatus
from orders.services import Lease, claim_batch, claim_to_run
from synclogs.models import SyncAttempt
from synco.errors import TransientGatewayError
from synco.models import OdooConnection, OrderRules, Shop
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db


def _node(number: int, customer: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A distinct order (its own id, name and line ids), of its own customer unless told whose."""
    shopify_id = 5551000000 + number
    buyer = number if customer is None else customer
    node = order_node(
        id=f"gid://shopify/Order/{shopify_id}",
        legacyResourceId=str(shopify_id),
        name=f"#{3000 + number}",
        email=f"buyer{buyer}@example.com",
        **overrides,
    )
    node["customer"] = {
        **node["customer"],
        "id": f"gid://shopify/Customer/{8000 + buyer}",
        "legacyResourceId": str(8000 + buyer),
        "defaultEmailAddress": {"emailAddress": f"buyer{buyer}@example.com"},
    }
    for line in node["lineItems"]["nodes"]:
        line["id"] = f"{line['id']}{number:04d}"
    return node


def _queued(shop: Shop, count: int, start: int = 1) -> list[Order]:
    return [queued_order(shop, _node(n)) for n in range(start, start + count)]


def _documents(odoo, order: Order) -> dict[str, Any]:
    """What Odoo holds for the order: its sale orders, their invoices and the invoices' payments."""
    sales = odoo.execute(
        "sale.order",
        "search_read",
        [["origin", "=", order.origin]],
        fields=["name", "state", "amount_total", "invoice_ids", "date_order"],
    )
    invoice_ids = [i for sale in sales for i in sale["invoice_ids"]]
    invoices = (
        odoo.execute("account.move", "read", invoice_ids, ["state", "payment_state", "amount_total"])
        if invoice_ids
        else []
    )
    return {"sales": sales, "invoices": invoices}


def _paid_invoices(shop: Shop) -> None:
    OrderRules.objects.filter(shop=shop).update(create_as=OrderRules.CreateAs.PAID_INVOICE)


# The calls that write and read back the orders, one (or two) per step for the whole batch.
BATCH_STEPS = {
    "sale.order:load": 2,  # the orders with their lines, then their dates after confirming
    "sale.order:action_confirm": 1,
    "sale.order:web_read": 1,
    "sale.advance.payment.inv:create": 1,
    "sale.advance.payment.inv:create_invoices": 1,
    "sale.order:read": 1,  # which invoice is whose
    "account.move:load": 1,  # the invoice dates
    "account.move:action_post": 1,
    "account.payment.register:create": 1,
    "account.payment.register:action_create_payments": 1,
    "account.move:read": 1,  # which payment is whose
    "account.move:web_read": 1,
}


def _check_synced(odoo, orders: list[Order], batch_of: int) -> None:
    payment_ids = set()
    for order in orders:
        order.refresh_from_db()
        assert order.sync_status == SyncStatus.SYNCED, order.sync_error
        docs = _documents(odoo, order)
        [sale] = docs["sales"]
        assert sale["id"] == order.odoo_id and sale["state"] == "sale" and sale["name"] == order.odoo_name
        assert Decimal(str(sale["amount_total"])) == order.total_price == Decimal("61.77")
        assert sale["date_order"] == "2026-11-20 14:03:00"
        [invoice] = docs["invoices"]
        assert invoice["id"] == order.odoo_invoice_id
        assert invoice["state"] == "posted" and invoice["payment_state"] in ("paid", "in_payment")
        assert Decimal(str(invoice["amount_total"])) == Decimal("61.77")
        [attempt] = SyncAttempt.objects.filter(order=order)
        assert attempt.status == SyncAttempt.Status.SUCCESS
        assert f"Written in a batch of {batch_of} orders" in attempt.message
        assert order.odoo_payment_id is not None
        payment_ids.add(order.odoo_payment_id)
    # one payment per invoice, never grouped across orders
    assert len(payment_ids) == len(orders)
    paid = Order.objects.filter(odoo_payment_id__isnull=False).count()
    assert odoo.execute("account.payment", "search_count", []) == paid


def test_one_run_writes_fifty_orders_with_a_handful_of_calls(shop, odoo, settings):
    settings.SYNCO_SYNC_BATCH_SIZE = 50
    _paid_invoices(shop)
    orders = _queued(shop, 50)
    odoo.server.reset_stats()

    delay = sync_order(orders[0].pk)

    assert delay is None
    calls = Counter(odoo.server.stats()["calls"])
    _check_synced(odoo, orders, 50)
    # One call per step for the batch, whatever its size; new customers cost their own lookups and creations
    # (e-mail search, contact, addresses), and the first run of a process looks up taxes, products, terms.
    assert {key: calls[key] for key in BATCH_STEPS} == BATCH_STEPS
    print("50 orders, 50 new customers:", calls.total(), "calls", dict(calls))

    # The same customers order again: 50 more orders in 14 calls.
    again = [queued_order(shop, _node(n + 100, customer=n)) for n in range(1, 51)]
    odoo.server.reset_stats()
    sync_order(again[0].pk)
    calls = Counter(odoo.server.stats()["calls"])
    print("50 orders, known customers:", calls.total(), "calls", dict(calls))
    assert calls.total() <= 15, calls
    _check_synced(odoo, again, 50)
