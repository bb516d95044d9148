"""Shopify's own published example orders, through Synco's real import and sync paths, compared to the cent.

The examples are the `order` / `orders` bodies of Shopify's REST reference (shopify-app-js, order.test.ts,
2026-07, MIT; tests/fixtures/shopify/examples/, see NOTICE.md there): 29 complete orders (26 distinct), most of
them versions of order 450789469 "#1001" (partially refunded, a discount code, state tax), the rest the "#1002"
orders the create examples return. Each is cloned with fresh ids into a bench shop of the Shopify sandbox
(which serves it over GraphQL as Shopify would), imported by GID (orders.services.import_order: the GraphQL
path webhooks use) and synced (orders.services.sync_order) into the Odoo sandbox (default) or a real Odoo:

    .venv/bin/python bench/shopify_examples.py
    .venv/bin/python bench/shopify_examples.py --odoo-url http://127.0.0.1:8069 --db synco18 \
        --login admin --password admin

Rules: the defaults (a confirmed sale order, totals held for review on any difference), with products and
taxes created in Odoo when missing (the examples' SKUs and "State Tax" exist in no Odoo); then, with
`--invoice` (default on), a second run of every example as sale order + posted invoice + payment.

Per order it prints Shopify's total_price / total_tax / current_total_price, Odoo's amount_total / amount_tax
(and the invoice's total in the invoice run), Synco's status and reason; then
`examples matched to the cent: N/M; synced with a difference: K`. An order matches when Odoo's total and tax
equal Shopify's total_price and total_tax (the order as placed: refunds reach Odoo later, as credit notes;
the invoice run also needs the invoice's total to equal total_price). Exits 1 if any order is Synced with a
difference, or if nothing was measured.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "shopify" / "examples"
CENT = Decimal("0.01")


def load_examples(distinct: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """(index in orders.json, order) for every complete example order, in file order (29; 26 distinct)."""
    orders = json.loads((EXAMPLES / "orders.json").read_text(encoding="utf-8"))
    sources = json.loads((EXAMPLES / "sources.json").read_text(encoding="utf-8"))["orders"]
    seen: set[str] = set()
    out = []
    for index, (order, source) in enumerate(zip(orders, sources, strict=True)):
        if not source["complete"]:
            continue  # a `fields=` answer: four fields, not an order
        key = json.dumps(order, sort_keys=True)
        if distinct and key in seen:
            continue
        seen.add(key)
        out.append((index, order))
    return out


def clone(order: dict[str, Any], new_id: int, label: str) -> dict[str, Any]:
    """The example with fresh ids wherever Synco or Odoo keys on them (order, lines, shipping, refunds and
    their lines, transactions and adjustments, fulfilments), every reference to a line kept pointing at it."""
    order = copy.deepcopy(order)
    counter = iter(range(1, 10_000))

    def fresh() -> int:
        return new_id * 1000 + next(counter)

    order["id"] = new_id
    order["admin_graphql_api_id"] = f"gid://shopify/Order/{new_id}"
    order["name"] = f"{order.get('name') or '#'}-{label}"
    lines: dict[int, int] = {}
    for line in order.get("line_items") or []:
        lines[line["id"]] = fresh()
        line["id"] = lines[line["id"]]
        line["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line['id']}"
    shipping: dict[int, int] = {}
    for line in order.get("shipping_lines") or []:
        shipping[line["id"]] = fresh()
        line["id"] = shipping[line["id"]]
    for refund in order.get("refunds") or []:
        refund["id"] = fresh()
        refund["admin_graphql_api_id"] = f"gid://shopify/Refund/{refund['id']}"
        refund["order_id"] = new_id
        for rli in refund.get("refund_line_items") or []:
            rli["id"] = fresh()
            rli["line_item_id"] = lines.get(rli["line_item_id"], rli["line_item_id"])
            if isinstance(rli.get("line_item"), dict):
                rli["line_item"]["id"] = rli["line_item_id"]
                rli["line_item"]["admin_graphql_api_id"] = f"gid://shopify/LineItem/{rli['line_item_id']}"
        for tx in refund.get("transactions") or []:
            tx["id"] = fresh()
            tx["admin_graphql_api_id"] = f"gid://shopify/OrderTransaction/{tx['id']}"
            tx["order_id"] = new_id
            tx["parent_id"] = None  # the examples' parents (801038806) are not transactions of this order
        for adjustment in refund.get("order_adjustments") or []:
            adjustment["id"] = fresh()
            adjustment["order_id"] = new_id
        for rsl in refund.get("refund_shipping_lines") or []:
            rsl["id"] = fresh()
            rsl["shipping_line_id"] = shipping.get(rsl.get("shipping_line_id"), rsl.get("shipping_line_id"))
    for fulfillment in order.get("fulfillments") or []:
        fulfillment["id"] = fresh()
        fulfillment["order_id"] = new_id
        for line in fulfillment.get("line_items") or []:
            line["id"] = lines.get(line["id"], line["id"])
    return order


class AddsOrders(Protocol):
    def add_orders(self, orders: list[dict[str, Any]], shop: str | None = None) -> int: ...


@dataclass
class Row:
    index: int
    example: str  # e.g. "#1001 [7]"
    financial_status: str
    total_price: Decimal
    total_tax: Decimal
    current_total_price: Decimal
    status: str = ""
    reason: str = ""
    odoo_total: Decimal | None = None
    odoo_tax: Decimal | None = None
    invoice_total: Decimal | None = None
    invoiced: bool = False
    # After the order's refunds went through Synco's refund path: Odoo's figure now (the sale order's total
    # before invoicing, else posted invoices minus posted credit notes) against Shopify's current_total_price.
    refunds: int = 0
    refund_states: str = ""
    refunds_synced: bool = True
    odoo_now: Decimal | None = None

    @property
    def placed_matched(self) -> bool:
        return (
            self.odoo_total == self.total_price
            and self.odoo_tax == self.total_tax
            and (not self.invoiced or self.invoice_total == self.total_price)
        )

    @property
    def now_matched(self) -> bool:
        return self.odoo_now == self.current_total_price

    @property
    def matched(self) -> bool:
        return self.placed_matched and self.now_matched

    @property
    def held(self) -> bool:
        """Visibly held for review: the order (Needs review) or one of its refunds (Held, with its reason)."""
        return self.status == "needs_review" or "held" in self.refund_states

    @property
    def synced_with_difference(self) -> bool:
        """Synced, yet Odoo differs: as placed, or now when every refund was synced (none held or failed)."""
        if self.status != "synced":
            return False
        return not self.placed_matched or (self.refunds_synced and not self.now_matched)

    def line(self) -> str:
        def text(value: Decimal | None) -> str:
            return "-" if value is None else str(value)

        invoice = f" {text(self.invoice_total):>8}" if self.invoiced else ""
        mark = "=" if self.matched else ("≠!" if self.synced_with_difference else "≠")
        refunds = f" refunds: {self.refund_states}" if self.refunds else ""
        return (
            f"{self.example:<12} {self.financial_status:<19} {self.total_price:>8} {self.total_tax:>6} "
            f"{self.current_total_price:>8} | {text(self.odoo_total):>8} {text(self.odoo_tax):>6}{invoice} "
            f"{text(self.odoo_now):>8} {mark:<2} {self.status:<12} {self.reason[:220]}{refunds}"
        )


def _q(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def run_examples(
    shop: Any,
    sandbox: AddsOrders,
    create_as: str,
    examples: list[tuple[int, dict[str, Any]]],
    first_id: int,
) -> list[Row]:
    """Every example into the Shopify sandbox, then Synco's import by GID and sync; Odoo's figures read back."""
    from orders.models import Order, SyncStatus
    from orders.services import import_order, sync_order
    from synco.gateways import odoo_client_for
    from synco.models import OrderRules

    OrderRules.objects.filter(shop=shop).update(create_as=create_as)
    rows: list[Row] = []
    stored_by_row: list[Order | None] = []
    for offset, (index, example) in enumerate(examples):
        order = clone(example, first_id + offset, f"e{index:02d}")
        row = Row(
            index=index,
            example=f"{example.get('name')} [{index}]",
            financial_status=str(example.get("financial_status")),
            total_price=_q(example["total_price"]),
            total_tax=_q(example["total_tax"]),
            current_total_price=_q(example.get("current_total_price") or example["total_price"]),
            invoiced=OrderRules(create_as=create_as).invoices,
        )
        rows.append(row)
        stored: Order | None = None
        try:
            sandbox.add_orders([order], shop=shop.domain)
            outcome = import_order(shop.pk, order["admin_graphql_api_id"])
            stored = Order.objects.filter(shop=shop, shopify_id=order["id"]).first()
            if stored is None:
                row.status, row.reason = "not stored", f"import said {outcome}"
            elif stored.parse_error:
                row.status, row.reason = "unreadable", stored.parse_error
            else:
                if not stored.eligible:
                    row.reason = (
                        f"(not eligible by the rules: {stored.ineligible_reason}; synced all the same) "
                    )
                Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
                sync_order(stored.pk)
                stored.refresh_from_db()
                row.status = str(stored.sync_status)
                row.reason += stored.review_reason or stored.sync_error
        except Exception as exc:  # the bench reports it per order instead of stopping
            row.status, row.reason = "bench error", f"{type(exc).__name__}: {exc}"
        stored_by_row.append(stored)
    ids = [s.odoo_id for s in stored_by_row if s is not None and s.odoo_id]
    if not ids:
        return rows
    client = odoo_client_for(shop)
    try:
        sales = {
            int(r["id"]): r
            for r in client.call("sale.order", "read", ids, ["amount_total", "amount_tax", "invoice_ids"])
        }
        invoice_ids = [max(r["invoice_ids"]) for r in sales.values() if r["invoice_ids"]]
        invoices = (
            {
                int(r["id"]): r
                for r in client.call("account.move", "read", invoice_ids, ["amount_total", "state"])
            }
            if invoice_ids
            else {}
        )
    finally:
        client.close()
    for row, stored in zip(rows, stored_by_row, strict=True):
        sale = sales.get(stored.odoo_id or 0) if stored is not None else None
        if sale is None:
            continue
        row.odoo_total, row.odoo_tax = _q(sale["amount_total"]), _q(sale["amount_tax"])
        if sale["invoice_ids"]:
            invoice = invoices.get(max(sale["invoice_ids"]))
            row.invoice_total = _q(invoice["amount_total"]) if invoice else None
    _refunds_then_now(shop, rows, stored_by_row)
    return rows


def _refunds_then_now(shop: Any, rows: list[Row], stored_by_row: list[Any]) -> None:
    """Each order's refunds (stored by the import) through refunds.services.sync_refund, as the worker runs
    them once the order is in Odoo; then Odoo's figure now, read from Odoo."""
    from refunds.models import Refund, RefundState
    from refunds.services import sync_refund
    from synco.gateways import odoo_client_for

    credit_notes: dict[int, list[int]] = {}
    for row, stored in zip(rows, stored_by_row, strict=True):
        if stored is None or not stored.odoo_id:
            continue
        for refund in Refund.objects.filter(order=stored).order_by("created_at", "pk"):
            try:
                sync_refund(refund.pk)
            except Exception as exc:  # reported with the order
                row.reason += f" [refund {refund.shopify_id}: {type(exc).__name__}: {exc}]"
        refunds = list(Refund.objects.filter(order=stored).order_by("created_at", "pk"))
        # The order's status after its refunds: one held, or Odoo off Shopify's current total, holds the order.
        stored.refresh_from_db()
        if str(stored.sync_status) != row.status:
            row.status = str(stored.sync_status)
            row.reason += f" {stored.review_reason}"
        row.refunds = len(refunds)
        row.refunds_synced = all(r.state == RefundState.SYNCED for r in refunds)
        row.refund_states = "; ".join(
            f"{r.state}{' (' + r.reason[:200] + ')' if r.reason else ''}" for r in refunds
        )
        credit_notes[stored.odoo_id] = [r.odoo_credit_note_id for r in refunds if r.odoo_credit_note_id]
    if not credit_notes:
        return
    client = odoo_client_for(shop)
    try:
        sales = {
            int(r["id"]): r
            for r in client.call("sale.order", "read", list(credit_notes), ["amount_total", "invoice_ids"])
        }
        ids = sorted(
            {i for r in sales.values() for i in r["invoice_ids"]}
            | {i for c in credit_notes.values() for i in c}
        )
        moves = (
            {
                int(m["id"]): m
                for m in client.call("account.move", "read", ids, ["move_type", "state", "amount_total"])
            }
            if ids
            else {}
        )
    finally:
        client.close()
    for row, stored in zip(rows, stored_by_row, strict=True):
        sale = sales.get(stored.odoo_id) if stored is not None and stored.odoo_id else None
        if sale is None:
            continue
        mine = [moves[i] for i in {*sale["invoice_ids"], *credit_notes[stored.odoo_id]} if i in moves]
        posted = [m for m in mine if m["state"] == "posted"]
        invoiced = [m for m in posted if m["move_type"] == "out_invoice"]
        if not invoiced:
            row.odoo_now = _q(sale["amount_total"])
            continue
        row.odoo_now = sum((_q(m["amount_total"]) for m in invoiced), Decimal(0)) - sum(
            (_q(m["amount_total"]) for m in posted if m["move_type"] == "out_refund"), Decimal(0)
        )


def summary(rows: list[Row]) -> str:
    matched = sum(row.matched for row in rows)
    different = sum(row.synced_with_difference for row in rows)
    held = sum(row.held and not row.matched for row in rows)
    return (
        f"examples matched to the cent: {matched}/{len(rows)}; synced with a difference: {different}; "
        f"different and held for review (order or refund, with the reason): {held}"
    )


HEADER = (
    f"{'example':<12} {'financial status':<19} {'total':>8} {'tax':>6} {'current':>8} | "
    f"{'Odoo tot':>8} {'tax':>6} [invoice] {'Odoo now':>8}    {'status':<12} reason"
)


def main() -> int:
    import argparse
    import os
    import sys
    import tempfile

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-examples-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
    os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sandboxes.shopify.server import start_in_thread as start_shopify
    from synco.gateways import odoo_client_for
    from synco.models import OdooConnection, OrderRules, Shop
    from synco.odoo import cache
    from synco.odoo.client import forget_sessions

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--distinct", action="store_true", help="each distinct example once (26, not 29)")
    parser.add_argument(
        "--no-invoice", action="store_true", help="skip the sale order + invoice + payment run"
    )
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    odoo_server = None
    odoo_url = args.odoo_url
    if not odoo_url:
        from sandboxes.odoo.server import start_in_thread as start_odoo

        odoo_server, odoo_url = start_odoo(state_path=None, port=0)
    shopify_server, shopify_url = start_shopify(port=0)
    shopify_server.api.on_refund = None
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    run = int(time.time())
    token = f"shpat_bench_examples_{run}"
    shop = Shop.objects.create(domain=f"bench-examples-{run}.myshopify.com", access_token=token)
    shopify_server.store.add_shop(shop.domain, [token])
    OdooConnection.objects.create(
        shop=shop, url=odoo_url, database=args.db, login=args.login, secret=args.password
    )
    OrderRules.objects.create(shop=shop, auto_create_products=True, auto_create_taxes=True)
    cache.forget()
    forget_sessions()
    examples = load_examples(distinct=args.distinct)
    runs = [OrderRules.CreateAs.SALE_ORDER] + ([] if args.no_invoice else [OrderRules.CreateAs.PAID_INVOICE])
    all_rows: list[Row] = []
    # Fresh Shopify ids per run: a real Odoo keeps the external ids of earlier runs.
    next_id = 7_000_000_000 + (run % 900_000) * 1000
    try:
        client = odoo_client_for(shop)
        try:
            journal = client.call("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
        finally:
            client.close()
        OrderRules.objects.filter(shop=shop).update(payment_journals={"*": journal})
        print(
            f"Odoo: {'sandbox' if odoo_server else odoo_url}; {len(examples)} example orders "
            f"({'distinct' if args.distinct else 'as published'}) from {EXAMPLES.relative_to(root)}\n"
        )
        for create_as in runs:
            rows = run_examples(shop, shopify_server, create_as, examples, next_id)
            next_id += len(examples) + 10
            print(f"-- create as {create_as}\n{HEADER}")
            for row in rows:
                print(row.line())
            print(f"{create_as}: {summary(rows)}\n")
            all_rows += rows
    finally:
        shopify_server.shutdown_sandbox()
        if odoo_server:
            odoo_server.shutdown_and_save()
    print(summary(all_rows))
    if not all_rows:
        print("Nothing was measured.")
        return 1
    return 1 if any(row.synced_with_difference for row in all_rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
