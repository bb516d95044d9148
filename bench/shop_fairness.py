"""Per-shop fairness: how long a quick shop's orders wait while another shop's slow Odoo has a backlog.

    .venv/bin/python bench/shop_fairness.py                  # 2 workers, shop A: 10 orders at 300 ms per call
    .venv/bin/python bench/shop_fairness.py --slow-ms 500 --a-orders 12 --b-orders 4

Two Odoo sandboxes (threads of this process): shop A's answers every call `--slow-ms` late, shop B's at once.
Shop A's orders are queued first, then shop B's; `--workers` Celery workers (subprocesses, solo pool) on Redis
(`--broker`, only that database is emptied) and a SQLite database sync them. The run is done twice: with
SYNCO_SHOP_CONCURRENCY=1, and with a cap above the number of workers (no fairness). Printed: when the last of
B's orders and the last of A's were synced, in seconds from the start.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="synco-fairness-")
DATABASE = f"sqlite:///{VAR_DIR}/fairness.sqlite3"
os.environ["SYNCO_VAR_DIR"] = VAR_DIR
os.environ["DATABASE_URL"] = DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")  # the Odoo sandboxes are http://127.0.0.1
os.environ.setdefault("LOG_LEVEL", "ERROR")
for name in ("SYNCO_TEST_DB", "CELERY_TASK_ALWAYS_EAGER"):
    os.environ.pop(name, None)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--a-orders", type=int, default=10)
parser.add_argument("--b-orders", type=int, default=4)
parser.add_argument("--slow-ms", type=int, default=300, help="added to every call to shop A's Odoo")
parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
parser.add_argument("--timeout", type=float, default=300.0)
ARGS = parser.parse_args()
os.environ["CELERY_BROKER_URL"] = ARGS.broker

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import publish_sync  # noqa: E402
from sandboxes.odoo.server import start_in_thread as start_odoo  # noqa: E402
from synco.celery import app  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402
from synco.shopify.types import parse_order  # noqa: E402
from tests.factories import order_node  # noqa: E402


def _shop(domain: str, odoo_url: str) -> Shop:
    shop = Shop.objects.create(domain=domain, name=domain, access_token="shpat_bench")
    OdooConnection.objects.create(
        shop=shop, url=odoo_url, database="synco_demo", login="admin", secret="admin"
    )
    OrderRules.objects.create(shop=shop)
    return shop


def _queue(shop: Shop, count: int, first_id: int) -> list[int]:
    ids = []
    for number in range(count):
        shopify_id = first_id + number
        node = order_node(
            id=f"gid://shopify/Order/{shopify_id}", legacyResourceId=str(shopify_id), name=f"#{shopify_id}"
        )
        parsed = parse_order(node)
        order = Order.objects.create(
            shop=shop,
            shopify_id=parsed.id,
            gid=parsed.gid,
            name=parsed.name,
            created_at=parsed.created_at,
            updated_at=parsed.updated_at,
            total_price=parsed.total,
            payload=node,
            sync_status=SyncStatus.QUEUED,
            eligible=True,  # as the import stores this paid order: the worker refuses ineligible ones
        )
        ids.append(order.pk)
    return ids


def _workers(cap: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SYNCO_SHOP_CONCURRENCY": str(cap),
        "SYNCO_ENCRYPTION_KEY": ",".join(settings.SYNCO_ENCRYPTION_KEYS),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "synco",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "ERROR",
    ]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    return [
        subprocess.Popen(
            [*command, "--hostname", f"fair{index}@%h"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index in range(ARGS.workers)
    ]


def _run(cap: int) -> tuple[float | None, float | None]:
    """Seconds until the last of B's orders, and the last of A's, were synced (None: not within the timeout)."""
    call_command("flush", interactive=False, verbosity=0)
    slow, slow_url = start_odoo(state_path=None, port=0)
    quick, quick_url = start_odoo(state_path=None, port=0)
    slow.control(latency_ms=ARGS.slow_ms)
    a_ids = _queue(_shop("slow-odoo.myshopify.com", slow_url), ARGS.a_orders, 7_100_000_000)
    b_ids = _queue(_shop("quick-odoo.myshopify.com", quick_url), ARGS.b_orders, 7_200_000_000)
    app.control.purge()
    workers = _workers(cap)
    try:
        time.sleep(3)  # the workers start
        started = time.monotonic()
        for pk in a_ids + b_ids:  # shop A's backlog is in the queue first
            publish_sync(pk)
        done: dict[str, float | None] = {"a": None, "b": None}
        while time.monotonic() - started < ARGS.timeout and None in done.values():
            for key, ids in (("a", a_ids), ("b", b_ids)):
                synced = Order.objects.filter(pk__in=ids, sync_status=SyncStatus.SYNCED).count()
                if done[key] is None and synced == len(ids):
                    done[key] = time.monotonic() - started
            time.sleep(0.2)
        return done["b"], done["a"]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        slow.shutdown_and_save()
        quick.shutdown_and_save()


def main() -> None:
    call_command("migrate", verbosity=0)
    print(
        f"{ARGS.workers} workers; shop A: {ARGS.a_orders} orders, Odoo {ARGS.slow_ms} ms per call, queued first; "
        f"shop B: {ARGS.b_orders} orders, quick Odoo"
    )
    print(f"{'per-shop cap':<28}{'last B order synced':>22}{'last A order synced':>22}")
    for label, cap in (
        ("1 (SYNCO_SHOP_CONCURRENCY)", 1),
        (f"{ARGS.workers * 10} (no fairness)", ARGS.workers * 10),
    ):
        last_b, last_a = _run(cap)
        print(
            f"{label:<28}"
            + "".join(f"{'timeout' if value is None else f'{value:.1f} s':>22}" for value in (last_b, last_a))
        )


if __name__ == "__main__":
    main()
