"""Measure money fidelity: how many orders land in Odoo with Shopify's total and tax to the cent, per kind.

Generates Shopify orders (GraphQL-shaped nodes, the OrderFields fragment's shape) covering taxes included and
excluded, multiple rates, line-level and order-level discounts, taxes computed before an order discount,
shipping taxes, tax-exempt lines, manual tax amounts and several currencies; stores each through Synco's
import path (parse_order + store_order) and syncs it through the real sync service into the Odoo sandbox
(default) or a real Odoo:

    .venv/bin/python bench/money.py                 # 420 orders as placed + 14 per refund/edit kind = 504
    .venv/bin/python bench/money.py --orders 100 --odoo-url http://127.0.0.1:8069 --db synco18 \
        --login admin --password admin

Then reads every sale order (and invoice) back from Odoo in a few batched reads and prints, per kind: orders
whose Odoo total and tax equal Shopify's to the cent / orders, orders held as Needs review, orders failed,
and orders marked Synced with a difference.

Then (bench/money_life.py, `--life N` orders per kind, 6 by default) the order's later life, made in the
Shopify sandbox and brought to Odoo through Synco's import, refund and edit paths: a partial line refund after
invoicing, a full refund with shipping, a refund with an order adjustment, a refund before invoicing (confirmed
sale order), a quantity lowered and a line added by an order edit (confirmed sale order). Each is compared with
Shopify's currentTotalPriceSet: Odoo's posted invoices minus posted credit notes, or the sale order's total
before invoicing and for edits; RPC calls per refund (p50/max) are printed.

Exits 1 if any order or refund is Synced with a difference, or if nothing was measured.

Adding a kind: write a function `(rng, index) -> OrderSpec` and add it to KINDS.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-money-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")  # the Odoo sandbox is http://127.0.0.1
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.money_life import percentile, run_life  # noqa: E402
from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import store_order, sync_order  # noqa: E402
from sandboxes.catalogue import CATALOGUE  # noqa: E402
from synco.gateways import odoo_client_for  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402
from synco.odoo import cache  # noqa: E402
from synco.odoo.client import forget_sessions  # noqa: E402
from synco.shopify.client import OrderResult  # noqa: E402
from synco.shopify.types import parse_order  # noqa: E402
from tests.factories import order_node  # noqa: E402

SKUS = [item for item in CATALOGUE if item.sku != "SKU-GIFTWRAP"]


def unit_of(currency: str) -> Decimal:
    return Decimal(1) if currency == "JPY" else Decimal("0.01")


def rounded(value: Decimal, unit: Decimal) -> Decimal:
    return (value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


@dataclass
class TaxSpec:
    title: str
    rate: Decimal  # 0.2 for 20 %
    amount: Decimal | None = None  # None: Shopify's own rounding of rate x net (per line)


@dataclass
class LineSpec:
    unit_price: Decimal
    quantity: int
    taxes: list[TaxSpec]
    discount: Decimal = Decimal(0)
    taxed_on_gross: bool = False  # Shopify computed the tax before an order-level discount


@dataclass
class OrderSpec:
    lines: list[LineSpec]
    taxes_included: bool = False
    currency: str = "USD"
    shipping: Decimal = Decimal(0)
    shipping_discount: Decimal = Decimal(0)
    shipping_taxes: list[TaxSpec] = field(default_factory=list)


def _price(rng: random.Random, currency: str = "USD") -> Decimal:
    if currency == "JPY":
        return Decimal(rng.randint(3, 400) * 10 + rng.choice((0, 1, 3, 7)))
    return Decimal(rng.randint(99, 25000)) / 100


def _lines(rng: random.Random, rates: list[TaxSpec], currency: str = "USD", count: int = 0) -> list[LineSpec]:
    return [
        LineSpec(_price(rng, currency), rng.randint(1, 5), [TaxSpec(t.title, t.rate) for t in rates])
        for _ in range(count or rng.randint(1, 4))
    ]


US_RATES = [Decimal("0.06"), Decimal("0.0725"), Decimal("0.0875"), Decimal("0.15"), Decimal("0.04712")]
VAT_RATES = [Decimal("0.2"), Decimal("0.1"), Decimal("0.055"), Decimal("0.21"), Decimal("0.07")]


def taxes_excluded(rng: random.Random, index: int) -> OrderSpec:
    return OrderSpec(
        _lines(rng, [TaxSpec("Sales tax", rng.choice(US_RATES))]),
        shipping=rounded(_price(rng) / 10, Decimal("0.01")),
    )


def taxes_included(rng: random.Random, index: int) -> OrderSpec:
    rate = rng.choice(VAT_RATES)
    return OrderSpec(
        _lines(rng, [TaxSpec("VAT", rate)]),
        taxes_included=True,
        currency="EUR",
        shipping=Decimal("4.90"),
        shipping_taxes=[TaxSpec("VAT", rate)],
    )


def multiple_rates(rng: random.Random, index: int) -> OrderSpec:
    gst, pst = TaxSpec("GST", Decimal("0.05")), TaxSpec("PST", rng.choice([Decimal("0.07"), Decimal("0.06")]))
    lines = _lines(rng, [gst, pst], count=rng.randint(2, 4))
    lines[0].taxes = [TaxSpec("GST", Decimal("0.05"))]  # a line under one jurisdiction only
    return OrderSpec(lines, currency="CAD", shipping=Decimal("9.99"), shipping_taxes=[gst])


def line_discounts(rng: random.Random, index: int) -> OrderSpec:
    spec = OrderSpec(_lines(rng, [TaxSpec("Sales tax", rng.choice(US_RATES))]))
    for line in spec.lines:
        gross = line.unit_price * line.quantity
        line.discount = min(gross, Decimal(rng.randint(1, 3000)) / 100)
    spec.lines[0].unit_price, spec.lines[0].quantity, spec.lines[0].discount = (
        Decimal("199.00"),
        rng.choice([1, 3]),
        Decimal("3.33"),
    )
    return spec


def _allocate(spec: OrderSpec, percent: Decimal, unit: Decimal) -> None:
    """An order-level discount spread over the lines by Shopify: rounded per line, the rest on the last."""
    grosses = [line.unit_price * line.quantity for line in spec.lines]
    total = rounded(sum(grosses) * percent / 100, unit)
    given = Decimal(0)
    for line, gross in zip(spec.lines[:-1], grosses[:-1], strict=True):
        line.discount = rounded(total * gross / sum(grosses), unit)
        given += line.discount
    spec.lines[-1].discount = total - given


def order_discount(rng: random.Random, index: int) -> OrderSpec:
    included = rng.random() < 0.4
    rates = VAT_RATES if included else US_RATES
    spec = OrderSpec(
        _lines(rng, [TaxSpec("Tax", rng.choice(rates))], count=rng.randint(2, 4)),
        taxes_included=included,
        currency="EUR" if included else "USD",
    )
    _allocate(spec, Decimal(rng.choice([5, 10, 15, 12.5, 33])), Decimal("0.01"))
    return spec


def tax_before_discount(rng: random.Random, index: int) -> OrderSpec:
    spec = order_discount(rng, index)
    for line in spec.lines:
        line.taxed_on_gross = True
    return spec


def shipping_taxes(rng: random.Random, index: int) -> OrderSpec:
    rate = rng.choice(US_RATES)
    spec = OrderSpec(
        _lines(rng, [TaxSpec("Sales tax", rate)]), shipping=rounded(_price(rng) / 5, Decimal("0.01"))
    )
    spec.shipping_taxes = [TaxSpec("Sales tax", rate)]
    if rng.random() < 0.3:
        spec.shipping_discount = rounded(spec.shipping / 3, Decimal("0.01"))
    return spec


def tax_exempt_lines(rng: random.Random, index: int) -> OrderSpec:
    spec = OrderSpec(_lines(rng, [TaxSpec("Sales tax", rng.choice(US_RATES))], count=rng.randint(2, 4)))
    for line in spec.lines[: rng.randint(1, len(spec.lines) - 1)]:
        line.taxes = []
    return spec


def manual_tax_amounts(rng: random.Random, index: int) -> OrderSpec:
    spec = taxes_excluded(rng, index) if rng.random() < 0.6 else taxes_included(rng, index)
    for line in spec.lines:
        net = line.unit_price * line.quantity - line.discount
        for tax in line.taxes:
            factor = tax.rate / (1 + tax.rate) if spec.taxes_included else tax.rate
            nudge = Decimal(rng.choice([-50, -7, -3, -1, 1, 2, 5, 40])) / 100
            tax.amount = max(Decimal(0), rounded(net * factor, Decimal("0.01")) + nudge)
    return spec


def multi_currency(rng: random.Random, index: int) -> OrderSpec:
    currency = rng.choice(["EUR", "GBP", "JPY", "CAD"])
    included = currency in ("EUR", "GBP", "JPY")
    rate = {"EUR": rng.choice(VAT_RATES), "GBP": Decimal("0.2"), "JPY": Decimal("0.1")}.get(
        currency, Decimal("0.13")
    )
    spec = OrderSpec(
        _lines(rng, [TaxSpec("Tax", rate)], currency),
        taxes_included=included,
        currency=currency,
        shipping=Decimal(500) if currency == "JPY" else Decimal("5.95"),
        shipping_taxes=[TaxSpec("Tax", rate)],
    )
    if rng.random() < 0.5:
        _allocate(spec, Decimal(10), unit_of(currency))
    return spec


KINDS: dict[str, Callable[[random.Random, int], OrderSpec]] = {
    "taxes excluded": taxes_excluded,
    "taxes included": taxes_included,
    "multiple rates": multiple_rates,
    "line discounts": line_discounts,
    "order discount": order_discount,
    "tax before discount": tax_before_discount,
    "shipping taxes": shipping_taxes,
    "tax-exempt lines": tax_exempt_lines,
    "manual tax amounts": manual_tax_amounts,
    "multi-currency": multi_currency,
}


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    text = format(amount, "f")
    return {
        "shopMoney": {"amount": text, "currencyCode": currency},
        "presentmentMoney": {"amount": text, "currencyCode": currency},
    }


def _tax_lines(
    taxes: list[TaxSpec], base: Decimal, included: bool, currency: str
) -> tuple[list[Any], Decimal]:
    unit = unit_of(currency)
    rows, total = [], Decimal(0)
    for tax in taxes:
        factor = tax.rate / (1 + tax.rate) if included else tax.rate
        amount = tax.amount if tax.amount is not None else rounded(base * factor, unit)
        total += amount
        rows.append(
            {
                "title": tax.title,
                "rate": float(tax.rate),
                "ratePercentage": float(tax.rate * 100),
                "priceSet": _money(amount, currency),
            }
        )
    return rows, total


def build_node(spec: OrderSpec, shopify_id: int, line_base: int) -> dict[str, Any]:
    """A GraphQL Order node whose totals are Shopify's own for these lines."""
    currency, included = spec.currency, spec.taxes_included
    subtotal, total_tax, discounts = Decimal(0), Decimal(0), Decimal(0)
    nodes = []
    for index, line in enumerate(spec.lines):
        item = CATALOGUE[(line_base + index) % len(SKUS)]
        gross = line.unit_price * line.quantity
        net = gross - line.discount
        tax_rows, tax = _tax_lines(line.taxes, gross if line.taxed_on_gross else net, included, currency)
        subtotal, total_tax, discounts = subtotal + net, total_tax + tax, discounts + line.discount
        nodes.append(
            {
                "id": f"gid://shopify/LineItem/{shopify_id}{index:02d}",
                "sku": item.sku,
                "name": item.title,
                "title": item.title,
                "quantity": line.quantity,
                "currentQuantity": line.quantity,
                "taxable": bool(line.taxes),
                "requiresShipping": True,
                "originalUnitPriceSet": _money(line.unit_price, currency),
                "discountedUnitPriceSet": _money(line.unit_price, currency),
                "discountAllocations": [{"allocatedAmountSet": _money(line.discount, currency)}]
                if line.discount
                else [],
                "taxLines": tax_rows,
                "variant": {
                    "id": f"gid://shopify/ProductVariant/{900 + CATALOGUE.index(item)}",
                    "legacyResourceId": str(900 + CATALOGUE.index(item)),
                    "sku": item.sku,
                    "barcode": item.barcode,
                },
            }
        )
    shipping_nodes = []
    shipping_net = spec.shipping - spec.shipping_discount
    if spec.shipping:
        rows, tax = _tax_lines(spec.shipping_taxes, shipping_net, included, currency)
        total_tax += tax
        shipping_nodes.append(
            {
                "title": "Standard",
                "code": "STANDARD",
                "source": "shopify",
                "originalPriceSet": _money(spec.shipping, currency),
                "discountedPriceSet": _money(shipping_net, currency),
                "taxLines": rows,
                "discountAllocations": [{"allocatedAmountSet": _money(spec.shipping_discount, currency)}]
                if spec.shipping_discount
                else [],
            }
        )
    total = subtotal + shipping_net + (Decimal(0) if included else total_tax)
    gid = f"gid://shopify/Order/{shopify_id}"
    node = order_node(
        id=gid,
        legacyResourceId=str(shopify_id),
        name=f"#M{shopify_id}",
        currencyCode=currency,
        presentmentCurrencyCode=currency,
        taxesIncluded=included,
        totalPriceSet=_money(total, currency),
        subtotalPriceSet=_money(subtotal, currency),
        totalTaxSet=_money(total_tax, currency),
        totalDiscountsSet=_money(discounts + spec.shipping_discount, currency),
        totalShippingPriceSet=_money(shipping_net, currency),
    )
    node["lineItems"]["nodes"] = nodes
    node["shippingLines"]["nodes"] = shipping_nodes
    node["transactions"][0]["amountSet"] = _money(total, currency)
    return node


@dataclass
class Tally:
    orders: int = 0
    exact: int = 0
    invoice_exact: int = 0
    invoices: int = 0
    review: int = 0
    failed: int = 0
    synced_with_difference: int = 0
    examples: list[str] = field(default_factory=list)


def _read_back(shop: Shop, orders: list[Order]) -> tuple[dict[int, dict[str, Any]], dict[int, Decimal]]:
    """Odoo's own figures for every synced order, in two batched reads (never Synco's copy)."""
    client = odoo_client_for(shop)
    try:
        ids = [o.odoo_id for o in orders if o.odoo_id]
        sales = {}
        for start in range(0, len(ids), 200):
            rows = client.call(
                "sale.order",
                "read",
                ids[start : start + 200],
                ["amount_total", "amount_tax", "invoice_ids"],
            )
            sales.update({int(row["id"]): row for row in rows})
        invoice_ids = [max(row["invoice_ids"]) for row in sales.values() if row["invoice_ids"]]
        invoices = {}
        for start in range(0, len(invoice_ids), 200):
            rows = client.call("account.move", "read", invoice_ids[start : start + 200], ["amount_total"])
            invoices.update({int(row["id"]): Decimal(str(row["amount_total"])) for row in rows})
        return sales, invoices
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=420)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--kinds", default="", help="comma-separated subset of: " + ", ".join(KINDS))
    parser.add_argument(
        "--create-as", default=OrderRules.CreateAs.PAID_INVOICE, choices=list(OrderRules.CreateAs.values)
    )
    parser.add_argument("--discount-lines", action="store_true", help="discounts as separate lines per tax")
    parser.add_argument(
        "--round-globally", action="store_true", help="sandbox only: the company rounds globally"
    )
    parser.add_argument(
        "--life",
        type=int,
        default=14,
        help="orders per refund/edit kind (made in the Shopify sandbox); 0: none. The defaults measure 504 "
        "orders: 420 as placed, 84 through refunds and edits",
    )
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")

    call_command("migrate", verbosity=0)
    odoo_server = None
    odoo_url = args.odoo_url
    if not odoo_url:
        from sandboxes.odoo.server import start_in_thread as start_odoo

        odoo_server, odoo_url = start_odoo(state_path=None, port=0)
    rng = random.Random(args.seed)
    run = int(time.time())
    shop = Shop.objects.create(domain=f"bench-money-{run}.myshopify.com")
    OdooConnection.objects.create(
        shop=shop, url=odoo_url, database=args.db, login=args.login, secret=args.password
    )
    OrderRules.objects.create(
        shop=shop,
        create_as=args.create_as,
        auto_create_taxes=True,
        auto_create_products=True,
        discount_mode=OrderRules.DiscountMode.DISCOUNT_LINE
        if args.discount_lines
        else OrderRules.DiscountMode.LINE,
    )
    cache.forget()
    forget_sessions()
    if args.round_globally:
        client = odoo_client_for(shop)
        client.call("res.company", "write", [1], {"tax_calculation_rounding_method": "round_globally"})
        client.close()
    print(
        f"Odoo: {'sandbox' if odoo_server else odoo_url}; {args.orders} orders; create as {args.create_as}; "
        f"discounts {'as lines' if args.discount_lines else 'netted into prices'}"
        f"{'; taxes rounded globally' if args.round_globally else ''}\n"
    )
    by_kind: dict[str, list[Order]] = {kind: [] for kind in kinds}
    started = time.perf_counter()
    try:
        for index in range(args.orders):
            kind = kinds[index % len(kinds)]
            shopify_id = run * 1000 + index
            node = build_node(KINDS[kind](rng, index), shopify_id, index)
            store_order(shop, OrderResult(node["id"], node, parse_order(node)))
            order = Order.objects.get(shop=shop, shopify_id=shopify_id)
            Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
            sync_order(order.pk)
            by_kind[kind].append(Order.objects.get(pk=order.pk))
        elapsed = time.perf_counter() - started
        everything = [order for orders in by_kind.values() for order in orders]
        sales, invoices = _read_back(shop, everything)
        life = run_life(shop, args.life, args.seed) if args.life > 0 else {}
    finally:
        if odoo_server:
            odoo_server.shutdown_and_save()

    print(f"{'kind':<22} {'to the cent':>12} {'invoice':>9} {'review':>7} {'failed':>7} {'synced≠':>8}")
    totals = Tally()
    for kind, orders in by_kind.items():
        tally = Tally(orders=len(orders))
        for order in orders:
            sale = sales.get(order.odoo_id or 0)
            shopify_total = Decimal(str(order.total_price)).quantize(Decimal("0.01"))
            shopify_tax = parse_order(order.payload).total_tax
            exact = sale is not None and (
                Decimal(str(sale["amount_total"])).quantize(Decimal("0.01")),
                Decimal(str(sale["amount_tax"])).quantize(Decimal("0.01")),
            ) == (shopify_total, shopify_tax)
            if sale is not None and sale["invoice_ids"]:
                tally.invoices += 1
                invoice_total = invoices.get(max(sale["invoice_ids"]), Decimal(-1)).quantize(Decimal("0.01"))
                tally.invoice_exact += invoice_total == shopify_total
            tally.exact += exact
            tally.review += order.sync_status == SyncStatus.NEEDS_REVIEW
            tally.failed += order.sync_status == SyncStatus.FAILED
            if order.sync_status == SyncStatus.SYNCED and not exact:
                tally.synced_with_difference += 1
            if not exact and len(tally.examples) < 2:
                odoo = f"{sale['amount_total']} / tax {sale['amount_tax']}" if sale else "nothing"
                reason = order.review_reason or order.sync_error
                tally.examples.append(
                    f"{order.name} ({order.sync_status}): Shopify {shopify_total} / tax {shopify_tax}, "
                    f"Odoo {odoo}. {reason[:160]}"
                )
        for name in (
            "orders",
            "exact",
            "invoice_exact",
            "invoices",
            "review",
            "failed",
            "synced_with_difference",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(tally, name))
        print(
            f"{kind:<22} {tally.exact:>5}/{tally.orders:<6} {tally.invoice_exact:>4}/{tally.invoices:<4} "
            f"{tally.review:>7} {tally.failed:>7} {tally.synced_with_difference:>8}"
        )
        for example in tally.examples:
            print(f"    e.g. {example}")
    share = 100 * totals.exact / totals.orders if totals.orders else 0.0
    print(
        f"{'all':<22} {totals.exact:>5}/{totals.orders:<6} {totals.invoice_exact:>4}/{totals.invoices:<4} "
        f"{totals.review:>7} {totals.failed:>7} {totals.synced_with_difference:>8}"
    )
    print(
        f"\n{share:.1f}% of orders have Odoo's total and tax equal to Shopify's to the cent "
        f"({totals.orders / elapsed if elapsed else 0:.1f} orders/s). "
        f"Needs review: {totals.review}. Synced with a difference: {totals.synced_with_difference}."
    )
    life_orders = sum(t.orders for t in life.values())
    life_difference = sum(t.synced_with_difference for t in life.values())
    if life:
        print(
            f"\nRefunds and edits (Shopify sandbox -> Synco's refund and edit paths -> Odoo), compared with "
            f"Shopify's current total:\n{'kind':<26} {'to the cent':>12} {'review':>7} {'failed':>7} "
            f"{'synced≠':>8} {'refunds':>8} {'RPC/refund p50/max':>19}"
        )
        calls: list[int] = []
        for kind, tally in life.items():
            calls += tally.rpc_calls
            rpc = f"{percentile(tally.rpc_calls, 0.5)}/{max(tally.rpc_calls)}" if tally.rpc_calls else "-"
            print(
                f"{kind:<26} {tally.exact:>5}/{tally.orders:<6} {tally.review:>7} {tally.failed:>7} "
                f"{tally.synced_with_difference:>8} {tally.refunds:>8} {rpc:>19}"
            )
            for example in tally.examples:
                print(f"    e.g. {example}")
        life_exact = sum(t.exact for t in life.values())
        print(
            f"{'all':<26} {life_exact:>5}/{life_orders:<6} {sum(t.review for t in life.values()):>7} "
            f"{sum(t.failed for t in life.values()):>7} {life_difference:>8} "
            f"{sum(t.refunds for t in life.values()):>8} "
            f"{(f'{percentile(calls, 0.5)}/{max(calls)}' if calls else '-'):>19}"
        )
        print(
            f"\nOrders measured in all: {totals.orders + life_orders}; to the cent: {totals.exact + life_exact} "
            f"({100 * (totals.exact + life_exact) / (totals.orders + life_orders):.1f}%)."
        )
    if not totals.orders and not life_orders:
        print("Nothing was measured.")
        return 1
    return 1 if totals.synced_with_difference or life_difference else 0


if __name__ == "__main__":
    raise SystemExit(main())
