"""Measure RPC calls per order and time per order and per call, for each mode and each transport.

Runs Synco's real sync service in-process against the Odoo sandbox (default: the Odoo 19 sandbox, which speaks
both XML-RPC and JSON-2) or a real Odoo:

    .venv/bin/python bench/odoo_sync.py --orders 40
    .venv/bin/python bench/odoo_sync.py --odoo-url https://odoo.example.com --db prod --login me \
        --password PASSWORD --api-key KEY --transports xmlrpc,json2

Each transport runs every mode against the same server; the JSON-2 runs use the API key (JSON-2 accepts only
keys), the XML-RPC runs the password (or the key when no password is given). Target: JSON-2 no slower than
XML-RPC per call. The bench exits 1 when a mode synced nothing (nothing was measured there).

Orders come from the Shopify sandbox's generator, imported through the GraphQL gateway. Each mode syncs the
orders twice: first with customers and products new to Synco ("new"), then copies of the same orders under
new Shopify ids ("known": customers, addresses, products, taxes already matched).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")  # the Odoo sandbox is http://127.0.0.1
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import import_orders, sync_order  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from sandboxes.shopify.store import seed_demo  # noqa: E402
from synclogs.models import SyncAttempt  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402
from synco.odoo import cache  # noqa: E402
from synco.odoo.client import forget_sessions  # noqa: E402

MODES = (
    ("quotation", OrderRules.CreateAs.QUOTATION),
    ("confirmed order", OrderRules.CreateAs.SALE_ORDER),
    ("order + draft invoice", OrderRules.CreateAs.DRAFT_INVOICE),
    ("order + posted invoice", OrderRules.CreateAs.POSTED_INVOICE),
    ("order + posted invoice + payment", OrderRules.CreateAs.PAID_INVOICE),
)


def _copy(order: Order, shop: Shop, offset: int, suffix: str) -> Order:
    """The same Shopify order under a new id (and new line ids), in `shop`."""
    node = copy.deepcopy(order.payload)
    new_id = order.shopify_id + offset
    node["id"] = f"gid://shopify/Order/{new_id}"
    node["name"] = f"{order.name}{suffix}"
    for line in node["lineItems"]["nodes"]:
        line["id"] = f"{line['id']}{offset}"
    return Order.objects.create(
        shop=shop,
        shopify_id=new_id,
        gid=node["id"],
        name=node["name"],
        created_at=order.created_at,
        updated_at=order.updated_at,
        total_price=order.total_price,
        currency=order.currency,
        payload=node,
        eligible=True,  # every copy is synced (the worker refuses ineligible orders, as the Sync button does)
    )


def _sync_all(orders: list[Order]) -> tuple[float, list[int], int]:
    """(seconds, RPC calls of each order synced, orders failed)."""
    # Queued, as the Sync button leaves them: sync_order takes only Queued orders (it claims them itself).
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(sync_status=SyncStatus.QUEUED)
    started = time.perf_counter()
    for order in orders:
        sync_order(order.pk)
    elapsed = time.perf_counter() - started
    attempts = SyncAttempt.objects.filter(order__in=orders, operation="create_sale_order")
    ok = attempts.filter(status=SyncAttempt.Status.SUCCESS)
    return elapsed, list(ok.values_list("rpc_calls", flat=True)), attempts.count() - ok.count()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--api-key", default="", help="API key of --login (JSON-2); the sandbox's own by default"
    )
    parser.add_argument(
        "--transports", default="xmlrpc,json2", help="comma-separated: xmlrpc, jsonrpc, json2"
    )
    parser.add_argument("--version", type=int, default=19, choices=(17, 18, 19), help="sandbox only")
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox only: latency added to every call")
    args = parser.parse_args()
    transports = [name.strip() for name in args.transports.split(",") if name.strip()]
    unknown = sorted(set(transports) - {"xmlrpc", "jsonrpc", "json2"})
    if unknown or not transports:
        parser.error(f"unknown transport(s): {', '.join(unknown) or '(none)'}")

    call_command("migrate", verbosity=0)
    shopify_state = Path(settings.VAR_DIR) / "shopify.json"
    token = seed_demo(shopify_state, n_orders=args.orders)
    shopify_server, shopify_url = start_shopify(state_path=shopify_state, port=0)
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    odoo_server = None
    odoo_url = args.odoo_url
    if not odoo_url:
        from sandboxes.odoo.seed import DEFAULT_API_KEY
        from sandboxes.odoo.server import start_in_thread as start_odoo

        odoo_server, odoo_url = start_odoo(state_path=None, port=0, version=args.version)
        odoo_server.control(latency_ms=args.latency_ms)
        api_key = args.api_key or DEFAULT_API_KEY
        # The demo orders use a 6 % US tax a fresh Odoo does not have: let Synco create it.
    else:
        api_key = args.api_key
    if "json2" in transports and not api_key:
        parser.error("--api-key is needed for the json2 transport against a real Odoo")
    where = f"Odoo {args.version} sandbox" if odoo_server else odoo_url
    print(f"Odoo: {where}; {args.orders} Shopify orders per run\n")
    print(
        f"{'transport':<9} {'mode':<34} {'customers/products':<19} {'RPC/order':>10} {'min-max':>8} "
        f"{'ms/order':>9} {'ms/call':>8} {'orders/s':>9} {'failed':>7}"
    )
    empty: list[str] = []  # modes and phases in which no order was synced: nothing measured there
    per_call: dict[str, list[float]] = {name: [] for name in transports}
    try:
        source = Shop.objects.create(domain="synco-demo.myshopify.com", access_token=token)
        import_orders(source.pk)
        originals = list(Order.objects.filter(shop=source, parse_error="").order_by("pk"))
        run = 0
        for transport in transports:
            secret = api_key if transport == "json2" else (args.password or api_key)
            for label, create_as in MODES:
                run += 1
                shop = Shop.objects.create(domain=f"bench-{run}.myshopify.com")
                OdooConnection.objects.create(
                    shop=shop,
                    url=odoo_url,
                    database=args.db,
                    login=args.login,
                    secret=secret,
                    protocol=transport,
                )
                # A real Odoo has none of the generator's products: let Synco create them (the "new" phase).
                OrderRules.objects.create(
                    shop=shop, create_as=create_as, auto_create_taxes=True, auto_create_products=True
                )
                if odoo_server:
                    odoo_server.control(reset=True)
                cache.forget()
                forget_sessions()
                # A real Odoo keeps what earlier runs wrote: new Shopify ids per run keep "new" new.
                base = int(time.time()) * 10**6 + run * 10**5
                new = [_copy(o, shop, base, f"-{run}a") for o in originals]
                known = [_copy(o, shop, base + 5 * 10**4, f"-{run}b") for o in originals]
                for phase, batch in (("new", new), ("known", known)):
                    elapsed, calls, failed = _sync_all(batch)
                    if not calls:
                        empty.append(f"{transport} {label} ({phase})")
                    rate = len(batch) / elapsed if elapsed else 0.0
                    spread = f"{min(calls)}-{max(calls)}" if calls else "-"
                    ms_order = elapsed * 1000 / len(batch) if batch else 0.0
                    # Failed orders' calls are counted too: time per call over every call the batch made.
                    all_calls = sum(
                        SyncAttempt.objects.filter(order__in=batch).values_list("rpc_calls", flat=True)
                    )
                    ms_call = elapsed * 1000 / all_calls if all_calls else 0.0
                    if all_calls:
                        per_call[transport].append(ms_call)
                    print(
                        f"{transport:<9} {label:<34} {phase:<19} {mean(calls) if calls else 0:>10.1f} "
                        f"{spread:>8} {ms_order:>9.1f} {ms_call:>8.2f} {rate:>9.1f} {failed:>7}"
                    )
    finally:
        shopify_server.shutdown_sandbox()
        if odoo_server:
            odoo_server.shutdown_and_save()
    reasons = Counter(
        SyncAttempt.objects.filter(operation="create_sale_order")
        .exclude(status=SyncAttempt.Status.SUCCESS)
        .values_list("message", flat=True)
    )
    if reasons:
        print("\nWhy orders failed (the generator makes some bad on purpose, e.g. an unknown SKU):")
        for message, count in reasons.most_common(5):
            print(f"  {count:>4} x {message[:160]}")
    for transport, figures in per_call.items():
        if figures:
            print(f"{transport}: {mean(figures):.2f} ms per call (mean over modes and phases)")
    if "json2" in per_call and "xmlrpc" in per_call and per_call["json2"] and per_call["xmlrpc"]:
        ratio = mean(per_call["json2"]) / mean(per_call["xmlrpc"])
        verdict = "no slower" if ratio <= 1.05 else "SLOWER"
        print(f"JSON-2 / XML-RPC per call: {ratio:.2f} ({verdict}; target: no slower, 5 % noise allowed)")
    if empty:
        print(f"Nothing was measured (no order synced) in: {', '.join(empty)}.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
