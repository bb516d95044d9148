"""Measure RPC calls per order and orders per second for each way of writing orders into Odoo.

Runs Synco's real sync service in-process against the Odoo sandbox (default) or a real Odoo:

    .venv/bin/python bench/odoo_sync.py --orders 40
    .venv/bin/python bench/odoo_sync.py --odoo-url https://odoo.example.com --db prod --login me --password KEY

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
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox only: latency added to every call")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    shopify_state = Path(settings.VAR_DIR) / "shopify.json"
    token = seed_demo(shopify_state, n_orders=args.orders)
    shopify_server, shopify_url = start_shopify(state_path=shopify_state, port=0)
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    odoo_server = None
    odoo_url = args.odoo_url
    if not odoo_url:
        from sandboxes.odoo.server import start_in_thread as start_odoo

        odoo_server, odoo_url = start_odoo(state_path=None, port=0)
        odoo_server.control(latency_ms=args.latency_ms)
        # The demo orders use a 6 % US tax a fresh Odoo does not have: let Synco create it.
    print(f"Odoo: {'sandbox' if odoo_server else odoo_url}; {args.orders} Shopify orders per run\n")
    print(
        f"{'mode':<34} {'customers/products':<19} {'RPC/order':>10} {'min-max':>8} {'orders/s':>9} {'failed':>7}"
    )
    empty: list[str] = []  # modes and phases in which no order was synced: nothing measured there
    try:
        source = Shop.objects.create(domain="synco-demo.myshopify.com", access_token=token)
        import_orders(source.pk)
        originals = list(Order.objects.filter(shop=source, parse_error="").order_by("pk"))
        for offset, (label, create_as) in enumerate(MODES, start=1):
            shop = Shop.objects.create(domain=f"bench-{offset}.myshopify.com")
            OdooConnection.objects.create(
                shop=shop, url=odoo_url, database=args.db, login=args.login, secret=args.password
            )
            OrderRules.objects.create(shop=shop, create_as=create_as, auto_create_taxes=True)
            if odoo_server:
                odoo_server.control(reset=True)
            cache.forget()
            forget_sessions()
            # A real Odoo keeps what earlier runs wrote: new Shopify ids per run keep "new" new.
            base = int(time.time()) * 10**6 + offset * 10**5
            new = [_copy(o, shop, base, f"-{offset}a") for o in originals]
            known = [_copy(o, shop, base + 5 * 10**4, f"-{offset}b") for o in originals]
            for phase, batch in (("new", new), ("known", known)):
                elapsed, calls, failed = _sync_all(batch)
                if not calls:
                    empty.append(f"{label} ({phase})")
                rate = len(batch) / elapsed if elapsed else 0.0
                spread = f"{min(calls)}-{max(calls)}" if calls else "-"
                print(
                    f"{label:<34} {phase:<19} {mean(calls) if calls else 0:>10.1f} {spread:>8} {rate:>9.1f} {failed:>7}"
                )
    finally:
        shopify_server.shutdown_sandbox()
        if odoo_server:
            odoo_server.shutdown_and_save()
    print(
        "\nFailed orders are the generator's deliberate bad ones (unknown SKU); see the sync log for reasons."
    )
    if empty:
        print(f"Nothing was measured (no order synced) in: {', '.join(empty)}.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
