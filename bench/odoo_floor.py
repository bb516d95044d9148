"""The floor: Synco's documents written by the minimal raw Odoo calls, straight over XML-RPC (no Synco).

    .venv/bin/python bench/odoo_floor.py --orders 500                       # Odoo 18 sandbox, in-process
    .venv/bin/python bench/odoo_floor.py --orders 500 --version 19 --latency-ms 30
    .venv/bin/python bench/odoo_floor.py --url http://127.0.0.1:8069 --db mydb --login admin --password PW
    .venv/bin/python bench/odoo_floor.py --orders 1000 --refunds 44          # 44 of the orders refunded

For `--orders` N sale orders (1 to 4 lines each; the partner, products, tax, payment term and journal already
exist in Odoo), each mode writes, per chunk of orders:

  confirmed          load(sale.order with its lines, external ids on all) + action_confirm(chunk)
                     + load(.id, date_order) restoring the order dates (action_confirm overwrites them)
  invoice+payment    the above + the invoicing wizard (sale.advance.payment.inv, consolidated_billing False:
                     one invoice per order) create + create_invoices, [a read of the orders' invoice_ids when
                     the wizard's answer does not name them], load(.id, invoice_date), action_post(invoices),
                     and per payment date: account.payment.register (group_payment False: one payment per
                     invoice) create + action_create_payments

With `--refunds` R (0 by default), R of the orders, spread evenly (every N/R-th), are refunded ONE unit of their
first line (whose quantity is made at least 2, so that something is left), as Synco writes a Shopify refund;
written per chunk AFTER the chunk's orders (and their invoices and payments), for all the chunk's refunds at once:

  confirmed          [a read of the refunded lines' ids (ir.model.data search_read by their external ids): the
                     calls above do not give them] + load(sale.order.line: .id, product_uom_qty, price_unit,
                     discount) lowering every refunded line by one (price and discount with it, as Synco:
                     Odoo 18 reprices a line whose quantity alone is loaded)
  invoice+payment    [the same read of the refunded lines' ids] + create(account.move: a list of credit notes,
                     out_refund, one per refund: partner, ref, invoice_date, one line of the product, quantity 1,
                     its price and tax, sale_line_ids the refunded line) + action_post(credit notes)
                     + account.payment.register (active_ids the credit notes, group_payment False: one outbound
                     payment per credit note) create + action_create_payments

once with chunks of 1 order (one order at a time) and once with chunks of `--chunk` (50): ms per order and calls
per order. Setup calls (authentication, finding the partner and products) are not counted. Afterwards it reads
Odoo back: every order confirmed, one posted and paid invoice and one payment per order; for the refunds, every
refunded line one unit lower and no other line changed (confirmed), or one posted and paid credit note per
refunded order, linked to it, and one outbound payment per credit note (invoice+payment); it exits 1 when it
wrote nothing or a count differs. Reference (issue 17, a real Odoo 18 on loopback): confirmed, batched 59 ms per
order against 192 ms one at a time.

`measure()` is what bench/backfill.py calls for its "time / floor" column.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
import xmlrpc.client
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODULE = "synco_floor"
MODES = ("confirmed", "invoice+payment")
LINES_PER_ORDER = (1, 1, 2, 2, 3, 4)  # the Shopify sandbox generator's mix: 2.2 lines per order
NONE_FAULT = "cannot marshal None"


class FloorError(Exception):
    pass


@dataclass
class Odoo:
    """A bare XML-RPC session that counts its calls (setup calls are counted apart)."""

    url: str
    db: str
    login: str
    password: str
    calls: int = 0
    uid: int = 0
    proxy: Any = None

    def connect(self) -> None:
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        uid: Any = common.authenticate(self.db, self.login, self.password, {})
        if not uid:
            raise FloorError(f"Odoo refused {self.login!r} on database {self.db!r}")
        self.uid = int(uid)
        self.proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def call_allowing_none(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """A method that returns None faults over XML-RPC after it ran and committed (odoo18 notes §0.1)."""
        try:
            return self.call(model, method, *args, **kwargs)
        except xmlrpc.client.Fault as fault:
            if NONE_FAULT in str(fault.faultCode) or NONE_FAULT in str(fault.faultString):
                return None
            raise

    def load(self, model: str, fields: list[str], rows: list[list[str]]) -> list[int]:
        result = self.call(model, "load", fields, rows)
        errors = [m for m in result.get("messages") or [] if m.get("type") == "error"]
        if errors or not result.get("ids"):
            raise FloorError(f"{model}.load refused: {errors[:3] or result}")
        return [int(i) for i in result["ids"]]


@dataclass
class Catalogue:
    partner_id: int
    product_ids: list[int]
    prices: dict[int, float]
    tax_ids: list[int]
    tax_field: str
    payment_term_id: int | None
    journal_id: int | None


@dataclass
class FloorResult:
    mode: str
    chunk: int
    orders: int
    seconds: float
    calls: int
    problems: list[str] = field(default_factory=list)
    refunds: int = 0  # orders refunded one unit of a line

    @property
    def ms_per_order(self) -> float:
        return self.seconds * 1000 / self.orders if self.orders else 0.0

    @property
    def calls_per_order(self) -> float:
        return self.calls / self.orders if self.orders else 0.0


def _catalogue(odoo: Odoo) -> Catalogue:
    """The partner, products, tax, payment term and journal the orders use: found, or created once."""
    # Looked up first (a read): loading it again writes it, which fails ("could not serialize access") while
    # another floor run on the same Odoo posts its invoices.
    known = odoo.call(
        "ir.model.data",
        "search_read",
        [["module", "=", MODULE], ["name", "=", "customer"], ["model", "=", "res.partner"]],
        fields=["res_id"],
    )
    [partner_id] = (
        [int(known[0]["res_id"])]
        if known
        else odoo.load(
            "res.partner",
            ["id", "name", "email"],
            [[f"{MODULE}.customer", "Synco floor bench customer", "floor-bench@example.com"]],
        )
    )
    products = odoo.call(
        "product.product",
        "search_read",
        [["sale_ok", "=", True], ["type", "in", ["consu", "service"]]],
        fields=["id", "list_price"],
        limit=4,
        order="id",
    )
    if len(products) < 4:
        ids = odoo.load(
            "product.product",
            ["id", "name", "list_price", "sale_ok"],
            [
                [f"{MODULE}.product_{k}", f"Synco floor product {k}", f"{10 + 7 * k}.50", "1"]
                for k in range(4)
            ],
        )
        products = odoo.call("product.product", "read", ids, fields=["id", "list_price"])
    line_fields = odoo.call("sale.order.line", "fields_get", attributes=["type"])
    tax_field = "tax_ids" if "tax_ids" in line_fields else "tax_id"
    taxes = odoo.call(
        "account.tax",
        "search",
        [["type_tax_use", "=", "sale"], ["amount_type", "=", "percent"], ["price_include", "=", False]],
        limit=1,
        order="id",
    )
    terms = odoo.call("account.payment.term", "search", [["name", "=", "Immediate Payment"]], limit=1)
    journals = odoo.call("account.journal", "search", [["type", "=", "bank"]], limit=1, order="id")
    return Catalogue(
        partner_id=partner_id,
        product_ids=[int(p["id"]) for p in products],
        prices={int(p["id"]): float(p.get("list_price") or 10.0) for p in products},
        tax_ids=[int(t) for t in taxes],
        tax_field=tax_field,
        payment_term_id=int(terms[0]) if terms else None,
        journal_id=int(journals[0]) if journals else None,
    )


@dataclass
class _Order:
    key: str
    name: str
    origin: str
    date: str  # 'YYYY-MM-DD HH:MM:SS' (UTC)
    lines: list[tuple[int, int]]  # (product id, quantity)
    refunded: bool = False  # one unit of its first line refunded


def _refunded(count: int, refunds: int) -> set[int]:
    """Which of `count` orders are refunded: `refunds` of them, spread evenly (every count/refunds-th)."""
    refunds = max(0, min(refunds, count))
    return {int((k + 0.5) * count / refunds) for k in range(refunds)} if refunds else set()


def _orders(run: str, count: int, catalogue: Catalogue, refunds: int = 0) -> list[_Order]:
    """`count` orders spread over 45 days, oldest first (a backfill's shape), 1 to 4 lines each; `refunds` of
    them (spread evenly) refunded one unit of their first line, whose quantity is at least 2."""
    now = datetime.now(UTC).replace(microsecond=0)
    products = catalogue.product_ids
    refunded = _refunded(count, refunds)
    out = []
    for i in range(count):
        when = now - timedelta(days=45) * (count - i) / max(count, 1)
        lines = [(products[(i + k) % len(products)], 1 + (i + k) % 3) for k in range(LINES_PER_ORDER[i % 6])]
        if i in refunded and lines[0][1] < 2:
            lines[0] = (lines[0][0], 2)  # a unit is left on the line after its refund
        out.append(
            _Order(
                key=f"o_{run}_{i}",
                name=f"FLOOR-{run}-{i}",
                origin=f"floor:{run}:{i}",
                date=when.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S"),
                lines=lines,
                refunded=i in refunded,
            )
        )
    return out


def _order_rows(orders: list[_Order], catalogue: Catalogue) -> tuple[list[str], list[list[str]]]:
    """The same columns as Synco's orders.mapping.load_table."""
    header = [
        "id",
        "name",
        "partner_id/.id",
        "partner_invoice_id/.id",
        "partner_shipping_id/.id",
        "client_order_ref",
        "origin",
        "date_order",
        "payment_term_id/.id",
    ]
    lines = [
        "order_line/id",
        "order_line/product_id/.id",
        "order_line/name",
        "order_line/product_uom_qty",
        "order_line/price_unit",
        "order_line/discount",
        f"order_line/{catalogue.tax_field}/.id",
    ]
    partner = str(catalogue.partner_id)
    term = str(catalogue.payment_term_id or "")
    taxes = ",".join(str(t) for t in catalogue.tax_ids)
    rows = []
    for order in orders:
        head = [f"{MODULE}.{order.key}", order.name, partner, partner, partner, order.name]
        head += [order.origin, order.date, term]
        for k, (product, quantity) in enumerate(order.lines):
            cells = [f"{MODULE}.{order.key}_l{k}", str(product), f"Line {k + 1} of {order.name}"]
            cells += [str(quantity), f"{catalogue.prices[product]:.2f}", "0", taxes]
            rows.append([*(head if k == 0 else [""] * len(head)), *cells])
    return [*header, *lines], rows


def _invoice_ids(odoo: Odoo, order_ids: list[int], action: Any) -> list[int]:
    """The wizard's new invoices: named by its answer (res_id / domain), else read from the orders."""
    if isinstance(action, dict):
        if action.get("res_id") and len(order_ids) == 1:
            return [int(action["res_id"])]
        for term in action.get("domain") or []:
            named = isinstance(term, list | tuple) and len(term) == 3 and list(term[:2]) == ["id", "in"]
            if named and len(term[2]) == len(order_ids):
                return [int(i) for i in term[2]]
    rows = odoo.call("sale.order", "read", order_ids, fields=["invoice_ids"])
    return [max(row["invoice_ids"]) for row in rows if row["invoice_ids"]]


def _write_chunk(odoo: Odoo, orders: list[_Order], catalogue: Catalogue, invoice: bool) -> None:
    _write_orders(odoo, orders, catalogue, invoice)
    if any(o.refunded for o in orders):
        _write_refunds(odoo, orders, catalogue, invoice)


def _write_orders(odoo: Odoo, orders: list[_Order], catalogue: Catalogue, invoice: bool) -> None:
    fields, rows = _order_rows(orders, catalogue)
    ids = odoo.load("sale.order", fields, rows)
    if len(ids) != len(orders):
        raise FloorError(f"sale.order.load returned {len(ids)} ids for {len(orders)} orders")
    odoo.call("sale.order", "action_confirm", ids)
    odoo.load(
        "sale.order", [".id", "date_order"], [[str(i), o.date] for i, o in zip(ids, orders, strict=True)]
    )
    if not invoice:
        return
    context = {"active_model": "sale.order", "active_ids": ids, "active_id": ids[0]}
    wizard = odoo.call(
        "sale.advance.payment.inv",
        "create",
        {"advance_payment_method": "delivered", "consolidated_billing": False},
        context=context,
    )
    action = odoo.call_allowing_none("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    invoices = _invoice_ids(odoo, ids, action)
    if len(invoices) != len(ids):
        raise FloorError(f"the invoicing wizard made {len(invoices)} invoices for {len(ids)} orders")
    # Invoices come back in the orders' order (Odoo creates them order by order); dated as their order.
    dates = [o.date[:10] for o in orders]
    odoo.load(
        "account.move", [".id", "invoice_date"], [[str(i), d] for i, d in zip(invoices, dates, strict=True)]
    )
    odoo.call("account.move", "action_post", invoices)
    by_date: dict[str, list[int]] = defaultdict(list)
    for invoice_id, day in zip(invoices, dates, strict=True):
        by_date[day].append(invoice_id)
    for day, group in sorted(by_date.items()):
        pay_context = {"active_model": "account.move", "active_ids": group}
        values: dict[str, Any] = {"payment_date": day, "group_payment": False}
        if catalogue.journal_id:
            values["journal_id"] = catalogue.journal_id
        payment_wizard = odoo.call("account.payment.register", "create", values, context=pay_context)
        odoo.call_allowing_none(
            "account.payment.register", "action_create_payments", [payment_wizard], context=pay_context
        )


def _write_refunds(odoo: Odoo, orders: list[_Order], catalogue: Catalogue, invoice: bool) -> None:
    """The chunk's refunds, all at once: one unit of each refunded order's first line."""
    refunded = [o for o in orders if o.refunded]
    # The refunded lines' ids: none of the calls above gave them (load answers the orders' ids alone).
    names = [f"{o.key}_l0" for o in refunded]
    rows = odoo.call(
        "ir.model.data",
        "search_read",
        [["module", "=", MODULE], ["name", "in", names]],
        fields=["name", "res_id"],
    )
    line_ids = {str(row["name"]): int(row["res_id"]) for row in rows}
    if len(line_ids) != len(names):
        raise FloorError(f"found {len(line_ids)} of the {len(names)} refunded lines by their external ids")
    if not invoice:
        # Before invoicing: the refunded lines lowered by one, price and discount with them (absolute figures).
        odoo.load(
            "sale.order.line",
            [".id", "product_uom_qty", "price_unit", "discount"],
            [
                [
                    str(line_ids[f"{o.key}_l0"]),
                    str(o.lines[0][1] - 1),
                    f"{catalogue.prices[o.lines[0][0]]:.2f}",
                    "0",
                ]
                for o in refunded
            ],
        )
        return
    notes = []
    for order in refunded:
        product = order.lines[0][0]
        line = {
            "product_id": product,
            "name": f"Refund of line 1 of {order.name}",
            "quantity": 1,
            "price_unit": catalogue.prices[product],
            "tax_ids": [(6, 0, catalogue.tax_ids)],
            "sale_line_ids": [(6, 0, [line_ids[f"{order.key}_l0"]])],
        }
        notes.append(
            {
                "move_type": "out_refund",
                "partner_id": catalogue.partner_id,
                "ref": f"{order.origin}:refund",
                "invoice_date": order.date[:10],
                "invoice_line_ids": [(0, 0, line)],
            }
        )
    created = odoo.call("account.move", "create", notes, context={"default_move_type": "out_refund"})
    credit_notes = [int(i) for i in (created if isinstance(created, list) else [created])]
    if len(credit_notes) != len(notes):
        raise FloorError(
            f"account.move.create answered {len(credit_notes)} ids for {len(notes)} credit notes"
        )
    odoo.call("account.move", "action_post", credit_notes)
    # Paid back: one outbound payment per credit note, dated the chunk's last refund.
    pay_context = {"active_model": "account.move", "active_ids": credit_notes}
    values: dict[str, Any] = {"payment_date": max(o.date[:10] for o in refunded), "group_payment": False}
    if catalogue.journal_id:
        values["journal_id"] = catalogue.journal_id
    wizard = odoo.call("account.payment.register", "create", values, context=pay_context)
    odoo.call_allowing_none(
        "account.payment.register", "action_create_payments", [wizard], context=pay_context
    )


def _verify(
    odoo: Odoo, run: str, documents: list[_Order], catalogue: Catalogue, invoice: bool, payments_before: int
) -> list[str]:
    """What Odoo holds for this run, read back: the problems (none when every count is right)."""
    count = len(documents)
    refunds = sum(1 for o in documents if o.refunded)
    by_origin = {o.origin: o for o in documents}
    rows = odoo.call(
        "sale.order",
        "search_read",
        [["origin", "=like", f"floor:{run}:%"]],
        fields=["origin", "state", "invoice_ids", "order_line"],
    )
    problems = []
    origins = {r["origin"] for r in rows}
    if len(rows) != count or len(origins) != count:
        problems.append(f"{len(rows)} sale orders ({len(origins)} distinct) for {count} written")
    unconfirmed = sum(1 for r in rows if r["state"] != "sale")
    if unconfirmed:
        problems.append(f"{unconfirmed} sale orders not confirmed")
    if not invoice:
        # Every line as written, the refunded ones one unit lower (and still at their price).
        line_ids = [i for r in rows for i in r["order_line"]]
        lines = (
            odoo.call(
                "sale.order.line", "read", line_ids, fields=["product_id", "product_uom_qty", "price_unit"]
            )
            if line_ids
            else []
        )
        held: dict[int, tuple[int, int, float]] = {}
        for line in lines:
            product = line["product_id"]
            product_id = int(product[0] if isinstance(product, list | tuple) else product)
            held[int(line["id"])] = (
                product_id,
                round(float(line["product_uom_qty"])),
                float(line["price_unit"]),
            )
        lowered = wrong = 0
        for r in rows:
            order = by_origin.get(r["origin"])
            if order is None:
                continue
            expected = [
                (p, q - (1 if order.refunded and k == 0 else 0)) for k, (p, q) in enumerate(order.lines)
            ]
            found = [held[int(i)] for i in r["order_line"] if int(i) in held]
            repriced = any(abs(price - catalogue.prices.get(p, -1.0)) > 0.005 for p, _, price in found)
            if repriced or sorted((p, q) for p, q, _ in found) != sorted(expected):
                wrong += 1
            elif order.refunded:
                lowered += 1
        if wrong:
            problems.append(
                f"{wrong} sale orders whose lines are not as written (refunded lines one unit lower)"
            )
        if lowered != refunds:
            problems.append(f"{lowered} refunded lines lowered for {refunds} refunds")
        return problems
    move_ids = [i for r in rows for i in r["invoice_ids"]]
    moves = {
        int(m["id"]): m
        for m in (
            odoo.call("account.move", "read", move_ids, fields=["move_type", "state", "payment_state"])
            if move_ids
            else []
        )
    }
    invoices = [m for m in moves.values() if m["move_type"] == "out_invoice"]
    per_order = [
        sum(1 for i in r["invoice_ids"] if moves.get(int(i), {}).get("move_type") == "out_invoice")
        for r in rows
    ]
    if len(invoices) != count or any(n != 1 for n in per_order):
        problems.append(f"{len(invoices)} invoices for {count} orders (one each expected)")
    unposted = sum(1 for m in invoices if m["state"] != "posted")
    unpaid = sum(1 for m in invoices if m["payment_state"] not in ("paid", "in_payment"))
    if unposted or unpaid:
        problems.append(f"{unposted} invoices not posted, {unpaid} not paid")
    # The credit notes: one per refunded order, linked to it (through its line), posted and paid back.
    notes = odoo.call(
        "account.move",
        "search_read",
        [["move_type", "=", "out_refund"], ["ref", "=like", f"floor:{run}:%"]],
        fields=["ref", "state", "payment_state"],
    )
    linked = {int(m["id"]) for m in moves.values() if m["move_type"] == "out_refund"}
    expected_refs = {f"{o.origin}:refund" for o in documents if o.refunded}
    if len(notes) != refunds or {n["ref"] for n in notes} != expected_refs:
        problems.append(f"{len(notes)} credit notes for {refunds} refunds (one each expected)")
    if {int(n["id"]) for n in notes} != linked:
        problems.append(f"{len(linked)} credit notes linked to the sale orders for {len(notes)} made")
    unposted = sum(1 for n in notes if n["state"] != "posted")
    unpaid = sum(1 for n in notes if n["payment_state"] not in ("paid", "in_payment"))
    if unposted or unpaid:
        problems.append(f"{unposted} credit notes not posted, {unpaid} not paid back")
    # One payment per invoice and per credit note: the floor's partner's new payments, by what they reconcile
    # (other writers on the same Odoo have payments of their own meanwhile).
    payments = odoo.call(
        "account.payment",
        "search_read",
        [["id", ">", payments_before], ["partner_id", "=", catalogue.partner_id]],
        fields=["payment_type", "reconciled_invoice_ids"],
    )
    paying: dict[int, int] = defaultdict(int)
    for payment in payments:
        for move_id in payment.get("reconciled_invoice_ids") or []:
            paying[int(move_id)] += 1
    invoice_ids = {int(m["id"]) for m in invoices}
    note_ids = {int(n["id"]) for n in notes}
    for kind, ids, direction in (("invoices", invoice_ids, "received"), ("credit notes", note_ids, "sent")):
        once = sum(1 for i in ids if paying[i] == 1)
        if once != len(ids):
            problems.append(f"{once} of {len(ids)} {kind} with one payment {direction} each")
    kinds = {"inbound": invoice_ids, "outbound": note_ids}
    stray = [
        p
        for p in payments
        if not {int(i) for i in p.get("reconciled_invoice_ids") or []} & kinds.get(p["payment_type"], set())
    ]
    run_payments = len(payments) - len(stray)
    if run_payments != count + refunds:
        problems.append(f"{run_payments} payments for {count} invoices and {refunds} credit notes")
    return problems


def measure(
    url: str,
    db: str,
    login: str,
    password: str,
    orders: int,
    mode: str,
    chunk: int,
    refunds: int = 0,
) -> FloorResult:
    """Write `orders` orders in `mode` by chunks of `chunk`, `refunds` of them refunded (one unit of a line), timed;
    then read them back (not timed)."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    refunds = max(0, min(refunds, orders))
    odoo = Odoo(url, db, login, password)
    odoo.connect()
    catalogue = _catalogue(odoo)
    last = odoo.call("account.payment", "search", [], limit=1, order="id desc")
    payments_before = int(last[0]) if last else 0
    run = uuid.uuid4().hex[:8]
    documents = _orders(run, orders, catalogue, refunds)
    invoice = mode == "invoice+payment"
    odoo.calls = 0
    started = time.perf_counter()
    for start in range(0, len(documents), chunk):
        _write_chunk(odoo, documents[start : start + chunk], catalogue, invoice)
    seconds = time.perf_counter() - started
    calls = odoo.calls
    problems = _verify(odoo, run, documents, catalogue, invoice, payments_before)
    return FloorResult(
        mode=mode,
        chunk=chunk,
        orders=orders,
        seconds=seconds,
        calls=calls,
        problems=problems,
        refunds=refunds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--chunk", type=int, default=50, help="orders per batched call (default 50)")
    parser.add_argument(
        "--refunds", type=int, default=0, help="orders refunded one unit of a line, spread evenly (default 0)"
    )
    parser.add_argument("--version", type=int, default=18, choices=(17, 18, 19), help="sandbox only")
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox only: added to every call")
    parser.add_argument("--url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    if args.orders < 1 or args.chunk < 1:
        parser.error("--orders and --chunk must be at least 1")
    if not 0 <= args.refunds <= args.orders:
        parser.error("--refunds must be between 0 and --orders")

    server = None
    url = args.url.rstrip("/")
    if not url:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("LOG_LEVEL", "ERROR")
        from sandboxes.odoo.server import start_in_thread

        server, url = start_in_thread(version=args.version)
        server.control(latency_ms=args.latency_ms)
        where = f"Odoo {args.version} sandbox (in-process), {args.latency_ms} ms added to every call"
    else:
        where = f"{url} database {args.db}"
    print(f"Floor: {args.orders} orders per run ({args.refunds} refunded), raw XML-RPC calls; {where}\n")
    print(
        f"{'mode':<16} {'chunk':>5} {'orders':>7} {'seconds':>8} {'ms/order':>9} {'calls/order':>12}  check"
    )
    results = []
    try:
        for mode in args.modes:
            for chunk in (1, args.chunk):
                try:
                    result = measure(
                        url, args.db, args.login, args.password, args.orders, mode, chunk, args.refunds
                    )
                except (FloorError, xmlrpc.client.Fault, OSError) as exc:
                    result = FloorResult(
                        mode, chunk, args.orders, 0.0, 0, [f"failed: {exc}"[:300]], args.refunds
                    )
                results.append(result)
                check = "; ".join(result.problems) or "ok (read back)"
                print(
                    f"{mode:<16} {chunk:>5} {result.orders:>7} {result.seconds:>8.2f} "
                    f"{result.ms_per_order:>9.1f} {result.calls_per_order:>12.2f}  {check}",
                    flush=True,
                )
                if server is not None:
                    server.control(reset=True)  # each run on a fresh database
    finally:
        if server is not None:
            server.shutdown_and_save()
    by_mode = {(r.mode, r.chunk): r for r in results}
    for mode in args.modes:
        single, batched = by_mode.get((mode, 1)), by_mode.get((mode, args.chunk))
        if single and batched and single.seconds and batched.seconds and args.chunk != 1:
            print(
                f"{mode}: batched by {args.chunk} is {single.ms_per_order / batched.ms_per_order:.1f}x "
                f"one at a time"
            )
    failed = [r for r in results if r.problems or not r.calls]
    if failed:
        print("FAIL: " + "; ".join(f"{r.mode} chunk {r.chunk}: {'; '.join(r.problems)}" for r in failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
