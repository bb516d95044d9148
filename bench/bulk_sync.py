"""Bulk-sync N orders with 1, 2 and 4 Celery worker processes against the Odoo sandbox with injected latency.

    .venv/bin/python bench/bulk_sync.py --orders 1000 --workers 1 2 4 --latency-ms 20

Uses PostgreSQL and Redis as production does (DATABASE_URL / CELERY_BROKER_URL, defaults below). Prints
orders/s, RPC calls per order, duplicates found in Odoo (must be 0), and p50/p95 time from click to Synced.
Each run starts from a fresh Odoo and forgets what Synco had matched, so customers and products are new.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client
from collections import Counter
from pathlib import Path
from statistics import median, quantiles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")  # the Odoo sandbox is http://127.0.0.1
os.environ.setdefault("LOG_LEVEL", "ERROR")


def _ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        # A fresh database per run: the bench's encryption key lives in a temporary var dir.
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


_ensure_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import CustomerLink  # noqa: E402
from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import bulk_sync, import_orders  # noqa: E402
from products.models import ProductLink  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from sandboxes.shopify.store import DEMO_SHOP_DOMAIN, seed_demo  # noqa: E402
from synclogs.models import SyncAttempt  # noqa: E402
from synco.celery import app as celery_app  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402

DONE = (SyncStatus.SYNCED, SyncStatus.FAILED, SyncStatus.NEEDS_REVIEW)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _control(base: str, **payload: object) -> None:
    request = urllib.request.Request(
        f"{base}/sandbox/control", json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).read()


def _duplicates(base: str) -> int:
    common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
    uid = common.authenticate("synco_demo", "admin", "admin", {})
    proxy = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
    rows = proxy.execute_kw(
        "synco_demo", uid, "admin", "sale.order", "search_read", [[]], {"fields": ["origin"]}
    )
    return sum(n - 1 for n in Counter(r["origin"] for r in rows).values() if n > 1)


def run(shop: Shop, odoo_base: str, workers: int, latency_ms: int) -> dict[str, float]:
    _control(odoo_base, reset=True, latency_ms=latency_ms)
    CustomerLink.objects.filter(shop=shop).delete()
    ProductLink.objects.filter(shop=shop).delete()
    SyncAttempt.objects.filter(shop=shop).delete()
    Order.objects.filter(shop=shop).update(sync_status=SyncStatus.NOT_SYNCED, sync_attempts=0, batch=None)
    celery_app.control.purge()
    env = {**os.environ, "SYNCO_CIRCUIT_FAILURES": "1000"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "synco",
            "worker",
            "--concurrency",
            str(workers),
            "--pool",
            "prefork",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the worker processes boot before the clock starts
        clicked = timezone.now()
        started = time.perf_counter()
        batch = bulk_sync(shop, None)
        while Order.objects.filter(batch=batch).exclude(sync_status__in=DONE).exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    done = Order.objects.filter(batch=batch)
    latencies = [(o.status_changed_at - clicked).total_seconds() for o in done if o.status_changed_at]
    attempts = SyncAttempt.objects.filter(shop=shop, status=SyncAttempt.Status.SUCCESS)
    calls = list(attempts.values_list("rpc_calls", flat=True))
    return {
        "orders": batch.total,
        "synced": done.filter(sync_status=SyncStatus.SYNCED).count(),
        "elapsed": elapsed,
        "rate": batch.total / elapsed,
        "rpc": sum(calls) / len(calls) if calls else 0.0,
        "duplicates": _duplicates(odoo_base),
        "p50": median(latencies),
        "p95": quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    state = Path(settings.VAR_DIR) / "shopify.json"
    token = seed_demo(state, n_orders=args.orders)
    shopify_server, shopify_url = start_shopify(state_path=state, port=0)
    shopify_server.control(plan="plus")
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    Shop.objects.filter(domain=DEMO_SHOP_DOMAIN).delete()
    shop = Shop.objects.create(domain=DEMO_SHOP_DOMAIN, access_token=token)
    port = _free_port()
    odoo = subprocess.Popen(
        [sys.executable, "-m", "sandboxes.odoo", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    odoo_base = f"http://127.0.0.1:{port}"
    try:
        OdooConnection.objects.create(
            shop=shop, url=odoo_base, database="synco_demo", login="admin", secret="admin"
        )
        # Every order is eligible for the bench, whatever its payment status; taxes are created when missing.
        OrderRules.objects.create(shop=shop, auto_create_taxes=True, financial_statuses=[])
        import_orders(shop.pk)
        shopify_server.shutdown_sandbox()
        eligible = Order.objects.filter(shop=shop, eligible=True).count()
        print(
            f"{eligible} eligible orders (of {args.orders}); Odoo sandbox latency {args.latency_ms} ms per call;"
            f" database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, broker {settings.CELERY_BROKER_URL}\n"
        )
        print(
            f"{'workers':>7} {'orders':>7} {'synced':>7} {'seconds':>8} {'orders/s':>9} {'RPC/order':>10} "
            f"{'duplicates':>11} {'p50 s':>7} {'p95 s':>7}"
        )
        for workers in args.workers:
            r = run(shop, odoo_base, workers, args.latency_ms)
            print(
                f"{workers:>7} {r['orders']:>7.0f} {r['synced']:>7.0f} {r['elapsed']:>8.1f} {r['rate']:>9.1f} "
                f"{r['rpc']:>10.1f} {r['duplicates']:>11.0f} {r['p50']:>7.1f} {r['p95']:>7.1f}"
            )
    finally:
        odoo.terminate()
        odoo.wait(timeout=30)
    print("\nFailed orders are the generator's deliberate bad ones (unknown SKU, cancelled ...).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
