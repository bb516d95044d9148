"""The order's later life for bench/money.py: refunds and edits made in the Shopify sandbox, brought into Odoo
through Synco's own paths, then compared with Shopify's current total to the cent.

Orders come from the Shopify sandbox's generator (USD and EUR shops' orders, taxes included and excluded,
discounts, shipping taxes), each cloned with fresh ids into the bench shop, imported by GID (import_order) and
synced (sync_order). Then, per kind:

- refunds are made with the sandbox's `refundCreate` GraphQL mutation (an order adjustment, which that mutation
  cannot express, through the sandbox's own refund builder with a discrepancy), the order is imported again
  (its refunds are stored) and each refund goes through `refunds.services.sync_refund`; Odoo's posted invoices
  minus its posted credit notes (read from Odoo) are compared with Shopify's `currentTotalPriceSet`; before
  invoicing, the sale order's total is;
- edits are committed with the sandbox's order-edit API (`edit_order`: a quantity lowered, or a line added),
  the order is imported again and `orders.edits.apply_shopify_edit` runs; the sale order's total is compared
  with Shopify's edited current total.
"""

from __future__ import annotations

import copy
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from orders.edits import apply_shopify_edit
from orders.models import Order, ProposedChange, SyncStatus
from orders.services import import_order, sync_order
from refunds.models import Refund, RefundState
from refunds.services import sync_refund
from sandboxes.shopify.generator import generate_dataset
from sandboxes.shopify.server import start_in_thread as start_shopify
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop

CENT = Decimal("0.01")
TOKEN = "shpat_bench_money_life"

REFUND_CREATE = """
mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id }
    userErrors { field message }
  }
}
"""
CURRENT = """
query Current($id: ID!) {
  order(id: $id) {
    currentTotalPriceSet { shopMoney { amount } }
    totalPriceSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
  }
}
"""


@dataclass
class LifeTally:
    orders: int = 0
    exact: int = 0
    review: int = 0  # order Needs review, refund held, or edit proposed instead of applied
    failed: int = 0
    synced_with_difference: int = 0
    refunds: int = 0
    rpc_calls: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def _q(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _clone(base: dict[str, Any], transactions: list[dict[str, Any]], new_id: int) -> tuple[dict, list[dict]]:
    """The order with fresh ids everywhere Synco keys on them (order, lines, shipping, transactions)."""
    order = copy.deepcopy(base)
    order["id"] = new_id
    order["admin_graphql_api_id"] = f"gid://shopify/Order/{new_id}"
    order["name"] = f"#L{new_id % 1_000_000}"
    for index, line in enumerate(order["line_items"]):
        line["id"] = new_id * 100 + index
        line["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line['id']}"
    for index, line in enumerate(order.get("shipping_lines") or []):
        line["id"] = new_id * 100 + 90 + index
    copies = []
    for index, tx in enumerate(copy.deepcopy(transactions)):
        tx["id"] = new_id * 100 + 50 + index
        tx["admin_graphql_api_id"] = f"gid://shopify/OrderTransaction/{tx['id']}"
        tx["order_id"] = new_id
        copies.append(tx)
    return order, copies


class Life:
    def __init__(self, shop: Shop, seed: int) -> None:
        self.shop = shop
        self.rng = random.Random(seed)
        self.server, url = start_shopify(port=0)
        self.server.api.on_refund = None  # no refunds/create deliveries: the bench imports the order itself
        self.server.store.add_shop(shop.domain, [TOKEN])
        settings.SHOPIFY_ADMIN_ORIGIN = url
        Shop.objects.filter(pk=shop.pk).update(access_token=TOKEN)
        shop.refresh_from_db()
        self.pool: list[tuple[dict, list[dict]]] = []
        for currency in ("USD", "EUR"):
            data = generate_dataset(80, seed=seed, currency=currency)
            self.pool += [
                (o, data.transactions.get(int(o["id"]), []))
                for o in data.orders
                if o["financial_status"] == "paid"
                and not o.get("cancelled_at")
                and not o.get("refunds")
                and o.get("shipping_lines")
                and o["currency"] == o["presentment_currency"]
            ]
        self.extras = [line for o, _ in self.pool for line in o["line_items"] if line.get("variant_id")]
        client = odoo_client_for(shop)
        try:
            journal = client.call("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
        finally:
            client.close()
        OrderRules.objects.filter(shop=shop).update(payment_journals={"*": journal})
        # Fresh Shopify ids per run: a real Odoo keeps the external ids of earlier runs.
        self.next_id = 9_000_000_000 + (int(time.time()) % 900_000) * 1000

    def close(self) -> None:
        self.server.shutdown_sandbox()

    # -- steps -------------------------------------------------------------------------------

    def synced_order(self, create_as: str, wants_quantity: bool = False) -> tuple[Order, dict]:
        candidates = [
            pair
            for pair in self.pool
            if not wants_quantity or any(line["quantity"] > 1 for line in pair[0]["line_items"])
        ]
        base, transactions = self.rng.choice(candidates)
        self.next_id += 1
        order, copies = _clone(base, transactions, self.next_id)
        self.server.add_orders([order], shop=self.shop.domain, transactions={order["id"]: copies})
        OrderRules.objects.filter(shop=self.shop).update(create_as=create_as)
        import_order(self.shop.pk, order["admin_graphql_api_id"])
        stored = Order.objects.get(shop=self.shop, shopify_id=order["id"])
        Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
        sync_order(stored.pk)
        stored.refresh_from_db()
        return stored, order

    def refund_create(self, order: dict, lines: list[tuple[dict, int]], shipping: bool) -> None:
        data = shopify_client_for(self.shop).execute(
            REFUND_CREATE,
            {
                "key": str(uuid.uuid4()),
                "input": {
                    "orderId": order["admin_graphql_api_id"],
                    "refundLineItems": [
                        {
                            "lineItemId": line["admin_graphql_api_id"],
                            "quantity": qty,
                            "restockType": "NO_RESTOCK",
                        }
                        for line, qty in lines
                    ],
                    **({"shipping": {"fullRefund": True}} if shipping else {}),
                },
            },
        )["refundCreate"]
        if data["userErrors"]:
            raise RuntimeError(f"refundCreate refused: {data['userErrors']}")

    def current_total(self, order: dict) -> Decimal:
        node = shopify_client_for(self.shop).execute(CURRENT, {"id": order["admin_graphql_api_id"]})["order"]
        current = _q(node["currentTotalPriceSet"]["shopMoney"]["amount"])
        # Shopify's own identity, checked on every order: current = total - refunded (no edits here).
        return current

    def odoo_figures(self, stored: Order, credit_ids: list[int]) -> tuple[Decimal, Decimal | None]:
        """(sale order total, posted invoices minus posted credit notes or None when not invoiced)."""
        client = odoo_client_for(self.shop)
        try:
            [sale] = client.call("sale.order", "read", [stored.odoo_id], ["amount_total", "invoice_ids"])
            ids = sorted({*sale["invoice_ids"], *credit_ids})
            moves = (
                client.call("account.move", "read", ids, ["move_type", "state", "amount_total"])
                if ids
                else []
            )
        finally:
            client.close()
        posted = [m for m in moves if m["state"] == "posted"]
        invoiced = [m for m in posted if m["move_type"] == "out_invoice"]
        if not invoiced:
            return _q(sale["amount_total"]), None
        net = sum((_q(m["amount_total"]) for m in invoiced), Decimal(0)) - sum(
            (_q(m["amount_total"]) for m in posted if m["move_type"] == "out_refund"), Decimal(0)
        )
        return _q(sale["amount_total"]), net


# -- kinds --------------------------------------------------------------------------------------


def _refund_kind(create_as: str, how: str) -> Callable[[Life, LifeTally], None]:
    def run(life: Life, tally: LifeTally) -> None:
        stored, order = life.synced_order(create_as, wants_quantity=how in ("partial", "adjustment"))
        tally.orders += 1
        if stored.sync_status != SyncStatus.SYNCED:
            _not_synced(tally, stored)
            return
        lines = order["line_items"]
        if how == "full":
            life.refund_create(order, [(line, line["quantity"]) for line in lines], shipping=True)
        elif how == "adjustment":
            line = next(line for line in lines if line["quantity"] > 1)
            life.server.create_refund(
                order["id"],
                shop=life.shop.domain,
                lines=[{"line_item_id": line["id"], "quantity": 1}],
                discrepancy=Decimal(life.rng.choice([150, 275, 999, 1])) / 100,
                emit=False,
            )
        else:  # partial (after invoicing) or before invoicing: one unit back, sometimes the shipping too
            line = next((line for line in lines if line["quantity"] > 1), lines[0])
            life.refund_create(order, [(line, 1)], shipping=how == "before" and life.rng.random() < 0.4)
        import_order(life.shop.pk, order["admin_graphql_api_id"])
        refunds = list(Refund.objects.filter(order=stored))
        for refund in refunds:
            sync_refund(refund.pk)
        refunds = list(Refund.objects.filter(order=stored))
        tally.refunds += len(refunds)
        tally.rpc_calls += [r.rpc_calls for r in refunds if r.state == RefundState.SYNCED]
        current = life.current_total(order)
        sale_total, net = life.odoo_figures(
            stored, [r.odoo_credit_note_id for r in refunds if r.odoo_credit_note_id]
        )
        odoo = sale_total if how == "before" else net
        exact = odoo == current and bool(refunds)
        tally.exact += exact
        held = [r for r in refunds if r.state == RefundState.HELD]
        failed = [r for r in refunds if r.state in (RefundState.FAILED, RefundState.PENDING)]
        tally.review += bool(held)
        tally.failed += bool(failed)
        if not exact and all(r.state == RefundState.SYNCED for r in refunds):
            tally.synced_with_difference += 1
        if not exact and len(tally.examples) < 2:
            reasons = "; ".join(f"{r.state}: {r.reason[:120]}" for r in refunds) or "no refund stored"
            figure = "sale order" if how == "before" else "invoices - credit notes"
            tally.examples.append(
                f"{stored.name} ({stored.currency}, taxes {'incl.' if order.get('taxes_included') else 'excl.'}): "
                f"Shopify current {current}, Odoo {figure} {odoo}. {reasons}"
            )

    return run


def _edit_kind(how: str) -> Callable[[Life, LifeTally], None]:
    def run(life: Life, tally: LifeTally) -> None:
        stored, order = life.synced_order(OrderRules.CreateAs.SALE_ORDER, wants_quantity=how == "lower")
        tally.orders += 1
        if stored.sync_status != SyncStatus.SYNCED:
            _not_synced(tally, stored)
            return
        if how == "lower":
            line = next(line for line in order["line_items"] if line["quantity"] > 1)
            life.server.edit_order(
                order["id"],
                shop=life.shop.domain,
                set_quantities={line["id"]: line["quantity"] - 1},
                emit=False,
            )
        else:
            extra = life.rng.choice(life.extras)
            life.server.edit_order(
                order["id"],
                shop=life.shop.domain,
                add=[
                    {
                        "price": extra["price"],
                        "quantity": life.rng.randint(1, 3),
                        "title": extra["title"],
                        "sku": extra["sku"],
                        "variant_id": extra["variant_id"],
                        "product_id": extra.get("product_id"),
                    }
                ],
                emit=False,
            )
        import_order(life.shop.pk, order["admin_graphql_api_id"])
        apply_shopify_edit(stored.pk)
        stored.refresh_from_db()
        current = life.current_total(order)
        sale_total, _ = life.odoo_figures(stored, [])
        exact = sale_total == current
        tally.exact += exact
        proposed = ProposedChange.objects.filter(order=stored).exists()
        tally.review += proposed or stored.sync_status == SyncStatus.NEEDS_REVIEW
        if not exact and not proposed and stored.sync_status == SyncStatus.SYNCED:
            tally.synced_with_difference += 1
        if not exact and len(tally.examples) < 2:
            tally.examples.append(
                f"{stored.name} ({stored.currency}, taxes {'incl.' if order.get('taxes_included') else 'excl.'}): "
                f"Shopify edited total {current}, Odoo sale order {sale_total}"
                f"{' (proposed, not applied)' if proposed else ''}. {stored.review_reason[:120]}"
            )

    return run


def _not_synced(tally: LifeTally, stored: Order) -> None:
    tally.review += stored.sync_status == SyncStatus.NEEDS_REVIEW
    tally.failed += stored.sync_status != SyncStatus.NEEDS_REVIEW
    if len(tally.examples) < 2:
        tally.examples.append(
            f"{stored.name} not synced ({stored.sync_status}): {(stored.review_reason or stored.sync_error)[:160]}"
        )


LIFE_KINDS: dict[str, Callable[[Life, LifeTally], None]] = {
    "refund: partial, invoiced": _refund_kind(OrderRules.CreateAs.PAID_INVOICE, "partial"),
    "refund: full + shipping": _refund_kind(OrderRules.CreateAs.PAID_INVOICE, "full"),
    "refund: with adjustment": _refund_kind(OrderRules.CreateAs.PAID_INVOICE, "adjustment"),
    "refund: before invoice": _refund_kind(OrderRules.CreateAs.SALE_ORDER, "before"),
    "edit: quantity lowered": _edit_kind("lower"),
    "edit: line added": _edit_kind("add"),
}


def run_life(shop: Shop, per_kind: int, seed: int) -> dict[str, LifeTally]:
    """`per_kind` orders of every kind, round robin; the shop's create-as rule is restored afterwards."""
    create_as = OrderRules.objects.get(shop=shop).create_as
    life = Life(shop, seed)
    tallies = {kind: LifeTally() for kind in LIFE_KINDS}
    try:
        for _ in range(per_kind):
            for kind, run in LIFE_KINDS.items():
                tally = tallies[kind]
                before = tally.orders
                try:
                    run(life, tally)
                except Exception as exc:  # the bench reports it per kind instead of stopping
                    tally.orders = before + 1
                    tally.failed += 1
                    if len(tally.examples) < 2:
                        tally.examples.append(f"bench step failed: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        life.close()
        OrderRules.objects.filter(shop=shop).update(create_as=create_as)
    return tallies


def percentile(values: list[int], share: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
