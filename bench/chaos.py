"""Chaos bench: orders synced through worker kills, dropped responses, an Odoo outage, double clicks and webhooks.

    .venv/bin/python bench/chaos.py                                  # 200 orders, 3 workers, a 20 s outage
    .venv/bin/python bench/chaos.py --orders 60 --workers 2 --outage 15

Everything runs on this machine, on loopback: the Shopify and Odoo sandboxes (threads of this process), the web
app under gunicorn (a subprocess, for the webhooks), `--workers` Celery workers (subprocesses, solo pool) on Redis
(`--broker`, default redis://127.0.0.1:6379/14: only that database is ever emptied) and PostgreSQL
(`--database`, default postgres://postgres@127.0.0.1:5432/synco_chaos, created by the bench and dropped at the
end unless `--keep-database`; a sqlite:/// URL works too). What happens, in order:

1. The Shopify sandbox holds `--orders` orders; Synco imports them (automatic sync off), then forgets half of
   them: those will arrive by webhook. Automatic sync is switched on (every payment status is eligible, orders
   become sale order + posted invoice + payment in Odoo).
2. Odoo drops the response of its next `--drops` writes (the write is done, the answer lost) and answers every
   call `--latency-ms` late (none by default).
3. Duplicate clicks: each imported order gets three Sync clicks at once (the view's own `request_sync`, from
   threads). Duplicate webhooks: each forgotten order gets orders/create twice and orders/updated twice (each
   pair one event delivered twice), signed, POSTed to gunicorn.
4. When a tenth of the orders is done, one worker is killed with SIGKILL in the middle of its work and a new one
   started. When a quarter is done, Odoo goes down (connections dropped) for `--outage` seconds; meanwhile the
   synced orders get another webhook and more clicks (they must not be synced again).
5. From Odoo's return, the clock runs until no order is left Queued or In progress: the drain time. It is
   how soon the return is noticed (also printed: the first order synced after it) plus the time to sync the
   backlog at the rate this machine manages (printed, with the rate before the outage for comparison).

The watchdog (stuck orders) and the webhook re-queue run every `--periodic` seconds in the bench, as beat would
run them; the catch-up sweep does not run (it would hide a lost order). SYNCO_STUCK_SECONDS and
SYNCO_LEASE_SECONDS are `--stuck-seconds`; Redis redelivers an unacknowledged task after
`--visibility-timeout` seconds (CELERY_VISIBILITY_TIMEOUT).

At the end Odoo is read: duplicates are Shopify orders with more than one sale order, invoice or payment; lost
are orders to sync that are not Synced (or Needs review) and did not fail for a reason of their own (the
generator's deliberately bad orders fail, and are listed; a failure after retries ran out, or an unexpected
error, is chaos and counts as lost); stuck are orders still Queued or In progress. The bench exits 1 if
duplicates, lost or stuck are not 0, if the drain took longer than `--drain-target` seconds (15), if nothing was
synced, or if `--timeout` (600 s) ran out; every child process is killed on the way out.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import xmlrpc.client
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "chaos-bench-app-secret-0123456789abcdef"
DOMAIN = "synco-demo.myshopify.com"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds Odoo is down")
    parser.add_argument("--drops", type=int, default=5, help="Odoo writes whose response is dropped")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every Odoo call")
    parser.add_argument("--drain-target", type=float, default=15.0, help="seconds; a longer drain fails")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole run")
    parser.add_argument("--periodic", type=float, default=5.0, help="seconds between watchdog runs")
    parser.add_argument("--stuck-seconds", type=int, default=15)
    parser.add_argument("--visibility-timeout", type=int, default=30)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_chaos"),
    )
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-database", action="store_true", help="leave the database for a post-mortem")
    return parser.parse_args()


ARGS = _arguments()
VAR_DIR = tempfile.mkdtemp(prefix="synco-chaos-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": ARGS.database,
        "CELERY_BROKER_URL": ARGS.broker,
        "CELERY_VISIBILITY_TIMEOUT": str(ARGS.visibility_timeout),
        "SYNCO_VAR_DIR": VAR_DIR,
        "SHOPIFY_API_SECRET": SECRET,
        "SYNCO_STUCK_SECONDS": str(ARGS.stuck_seconds),
        "SYNCO_LEASE_SECONDS": str(ARGS.stuck_seconds),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        "SYNCO_ODOO_ALLOW_LOOPBACK_HTTP": "true",  # the Odoo sandbox is on loopback, over plain HTTP
    }
)
for name in ("SYNCO_TEST_DB", "CELERY_TASK_ALWAYS_EAGER"):
    os.environ.pop(name, None)


def _fresh_database() -> None:
    url = ARGS.database
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        raise SystemExit(f"--database must be a postgres:// or sqlite:/// URL, not {url!r}")


def _loopback_only() -> None:
    for url in (ARGS.database, ARGS.broker):
        host = url.split("@")[-1].split("://")[-1].split("/")[0].split(":")[0]
        if url.startswith("sqlite:///"):
            continue
        if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
            raise SystemExit(f"the chaos bench runs on loopback only, not on {host!r}")


_loopback_only()
_fresh_database()

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connections  # noqa: E402

from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import import_orders, request_sync  # noqa: E402
from sandboxes.odoo.server import start_in_thread as start_odoo  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from sandboxes.shopify.store import seed_demo  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402
from synco.shopify.auth import webhook_hmac  # noqa: E402

TERMINAL = (SyncStatus.SYNCED, SyncStatus.NEEDS_REVIEW, SyncStatus.FAILED)
PENDING = (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS)
# A failure that says retries ran out, or a bug, was caused by the chaos (the order itself was fine).
CHAOS_FAILURES = ("Gave up after", "Unexpected error", "Stopped:")


class Bench:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.children: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.events: list[tuple[float, str]] = []
        self.stop_periodic = threading.Event()
        self.log_dir = Path(VAR_DIR) / "logs"
        self.log_dir.mkdir()

    # -- time and processes --------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        return ARGS.timeout - self.elapsed()

    def note(self, what: str) -> None:
        self.events.append((self.elapsed(), what))
        print(f"  {self.elapsed():6.1f} s  {what}", flush=True)

    def spawn(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.log_dir / log_name).open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole on the way out
            )
        self.children.append(process)
        return process

    def start_worker(self) -> subprocess.Popen[bytes]:
        number = len(self.workers)
        process = self.spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "synco",
                "worker",
                "--pool",
                "solo",
                "--hostname",
                f"chaos{number}@%h",
                "--loglevel",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
            ],
            f"worker-{number}.log",
        )
        self.workers.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.children:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    # -- periodic services (beat's job, here on a timer) ---------------------------------------------------
    def periodic(self) -> None:
        from orders.tasks import watchdog_task
        from synco.shopify_app.tasks import requeue_webhooks_task

        while not self.stop_periodic.wait(ARGS.periodic):
            try:
                watchdog_task()
                requeue_webhooks_task()
            except Exception as exc:  # the database restarting etc.: say so, carry on
                print(f"  periodic services failed: {exc!r}", flush=True)
            finally:
                close_old_connections()
        connections.close_all()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _webhook(base: str, topic: str, shopify_id: int, event_id: str) -> int:
    body = json.dumps(
        {"id": shopify_id, "admin_graphql_api_id": f"gid://shopify/Order/{shopify_id}", "name": "#chaos"}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": DOMAIN,
        "X-Shopify-API-Version": settings.SHOPIFY_API_VERSION,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": "2026-11-20T14:03:00.000Z",
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, SECRET),
    }
    return _post(f"{base}/webhooks/", body, headers)


def _click(order_pk: int) -> bool:
    """What the Sync button does (orders.views.order_sync), from its own thread and database connection."""
    try:
        order = Order.objects.get(pk=order_pk)
        return request_sync(order)
    finally:
        connections.close_all()


def _odoo_documents(odoo_base: str) -> dict[str, Counter[str]]:
    """Per Shopify order (the sale order's origin): how many sale orders, invoices and payments Odoo holds."""
    common = xmlrpc.client.ServerProxy(f"{odoo_base}/xmlrpc/2/common")
    uid = common.authenticate("synco_demo", "admin", "admin", {})
    proxy = xmlrpc.client.ServerProxy(f"{odoo_base}/xmlrpc/2/object", allow_none=True)

    def read(model: str, fields: list[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = proxy.execute_kw(
            "synco_demo", uid, "admin", model, "search_read", [[]], {"fields": fields}
        )
        return rows

    counts: dict[str, Counter[str]] = {"sale": Counter(), "invoice": Counter(), "payment": Counter()}
    origin_of_invoice: dict[int, str] = {}
    # A refund's credit note (out_refund) and the money sent back (an outbound payment) are not second invoices
    # or payments of the order: only customer invoices and inbound payments are counted.
    invoices = {
        int(row["id"]) for row in read("account.move", ["move_type"]) if row["move_type"] == "out_invoice"
    }
    for sale in read("sale.order", ["origin", "invoice_ids"]):
        origin = str(sale.get("origin") or "")
        counts["sale"][origin] += 1
        for invoice_id in sale.get("invoice_ids") or []:
            if int(invoice_id) not in invoices:
                continue
            counts["invoice"][origin] += 1
            origin_of_invoice[int(invoice_id)] = origin
    for payment in read("account.payment", ["invoice_ids", "payment_type"]):
        if payment.get("payment_type") != "inbound":
            continue
        for origin in {
            origin_of_invoice.get(int(i), f"invoice {i}") for i in payment.get("invoice_ids") or []
        }:
            counts["payment"][origin] += 1
    return counts


def _out_of_time(signum: int, frame: Any) -> None:
    raise TimeoutError(f"--timeout {ARGS.timeout:.0f} s ran out")


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the children are killed


def _drop_database() -> None:
    connections.close_all()
    url = ARGS.database
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=False)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def main() -> int:
    bench = Bench()
    atexit.register(bench.kill_all)
    # The hard stop: whatever hangs, the children are killed (finally below) and the run fails.
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.signal(signal.SIGTERM, _terminated)
    signal.alarm(int(ARGS.timeout))
    broker = redis.Redis.from_url(ARGS.broker)
    broker.flushdb()  # the bench's own database only (--broker)
    call_command("migrate", verbosity=0)

    # -- the two sandboxes, the shop, its orders --------------------------------------------------------------
    state = Path(VAR_DIR) / "shopify.json"
    token = seed_demo(state, shop_domain=DOMAIN, n_orders=ARGS.orders, seed=ARGS.seed)
    shopify_server, shopify_base = start_shopify(state_path=state, port=0)
    shopify_server.control(plan="plus")
    odoo_server, odoo_base = start_odoo(state_path=None, port=0)
    os.environ["SHOPIFY_ADMIN_ORIGIN"] = shopify_base  # for the workers and the web server
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_base
    shop = Shop.objects.create(domain=DOMAIN, name="Chaos", access_token=token)
    OdooConnection.objects.create(
        shop=shop, url=odoo_base, database="synco_demo", login="admin", secret="admin"
    )
    rules = OrderRules.objects.create(
        shop=shop,
        auto_sync=False,
        financial_statuses=[],
        auto_create_taxes=True,
        create_as=OrderRules.CreateAs.PAID_INVOICE,
        payment_journals={"shopify_payments": 7, "*": 6},
    )
    import_orders(shop.pk)
    eligible = list(
        Order.objects.filter(shop=shop, eligible=True).order_by("pk").values_list("pk", "shopify_id")
    )
    random.Random(ARGS.seed).shuffle(eligible)
    half = len(eligible) // 2
    clicked = [pk for pk, _ in eligible[:half]]
    by_webhook = [shopify_id for _, shopify_id in eligible[half:]]
    Order.objects.filter(shop=shop, shopify_id__in=by_webhook).delete()  # Synco has not seen these yet
    rules.auto_sync = True
    rules.save()
    expected = {shopify_id for _, shopify_id in eligible}
    print(
        f"{len(expected)} eligible orders of {ARGS.orders}: {len(clicked)} clicked 3x each, {len(by_webhook)} by "
        f"webhook (orders/create twice, orders/updated twice); {ARGS.workers} workers; Odoo: {ARGS.drops} dropped "
        f"responses, {ARGS.latency_ms} ms per call, down {ARGS.outage:.0f} s; database "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, broker {ARGS.broker}; "
        f"SYNCO_STUCK_SECONDS={ARGS.stuck_seconds}, visibility timeout {ARGS.visibility_timeout} s; "
        f"circuit {settings.SYNCO_CIRCUIT_FAILURES} failures, open {settings.SYNCO_CIRCUIT_OPEN_SECONDS} s",
        flush=True,
    )

    web_port = _free_port()
    web_base = f"http://127.0.0.1:{web_port}"
    periodic = threading.Thread(target=bench.periodic, daemon=True)
    result: dict[str, Any] = {
        "drain": None,
        "first": None,
        "drained": 0,
        "timed_out": False,
        "backlog_at_outage": 0,
        "dropped": 0,
        "rate_before": 0.0,
    }
    try:
        bench.spawn(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "synco.wsgi",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            "gunicorn.log",
        )
        for _ in range(ARGS.workers):
            bench.start_worker()
        _wait_for_port(web_port, 60)
        time.sleep(3)  # the workers boot
        periodic.start()

        def done() -> int:
            return Order.objects.filter(shop=shop, shopify_id__in=expected, sync_status__in=TERMINAL).count()

        def wait_until(count: int, seconds: float) -> None:
            deadline = time.monotonic() + min(seconds, max(bench.left(), 0))
            while done() < count and time.monotonic() < deadline:
                time.sleep(0.2)

        # -- the storm ------------------------------------------------------------------------------------------
        odoo_server.control(drop_after_write=ARGS.drops, latency_ms=ARGS.latency_ms)
        bench.note(f"Odoo drops the responses of its next {ARGS.drops} writes")
        pool = ThreadPoolExecutor(max_workers=12)
        clicks = [pool.submit(_click, pk) for pk in clicked for _ in range(3)]
        deliveries = []
        for shopify_id in by_webhook:
            event = str(uuid.uuid4())
            deliveries.append(pool.submit(_webhook, web_base, "orders/create", shopify_id, event))
            deliveries.append(pool.submit(_webhook, web_base, "orders/create", shopify_id, event))
            event = str(uuid.uuid4())
            deliveries.append(pool.submit(_webhook, web_base, "orders/updated", shopify_id, event))
            deliveries.append(pool.submit(_webhook, web_base, "orders/updated", shopify_id, event))
        bench.note(f"{len(clicks)} clicks and {len(deliveries)} webhooks on their way")
        storm = time.monotonic()

        wait_until(max(1, len(expected) // 10), 120)
        victim = bench.workers[0]
        running = Order.objects.filter(shop=shop, sync_status=SyncStatus.IN_PROGRESS).count()
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        bench.start_worker()
        bench.note(
            f"worker 0 killed with SIGKILL at {done()} done, {running} orders in progress; "
            f"worker {len(bench.workers) - 1} started"
        )
        queued = sum(1 for click in clicks if click.result())
        statuses = Counter(delivery.result() for delivery in deliveries)
        bench.note(f"clicks queued {queued} orders (of {len(clicked)}); webhook answers {dict(statuses)}")

        wait_until(max(2, len(expected) // 4), 60)
        odoo_server.control(down=True)
        done_before = done()
        result["rate_before"] = done_before / max(time.monotonic() - storm, 0.001)
        result["backlog_at_outage"] = len(expected) - done_before
        bench.note(f"Odoo down, {result['backlog_at_outage']} orders not done yet")
        synced_ids = list(
            Order.objects.filter(shop=shop, sync_status=SyncStatus.SYNCED).values_list("pk", "shopify_id")[:5]
        )
        again = [pool.submit(_click, pk) for pk, _ in synced_ids]
        again += [
            pool.submit(_webhook, web_base, "orders/updated", shopify_id, str(uuid.uuid4()))
            for _, shopify_id in synced_ids
        ]
        bench.note(f"{len(synced_ids)} synced orders clicked and delivered again during the outage")
        time.sleep(max(0.0, min(ARGS.outage, bench.left())))
        odoo_server.control(down=False)
        back = time.monotonic()
        bench.note(f"Odoo back, {len(expected) - done()} orders not done yet")
        for future in again:
            future.result()
        pool.shutdown()

        # -- the drain ----------------------------------------------------------------------------------------
        done_at_return = done()
        while bench.left() > 0:
            present = Order.objects.filter(shop=shop, shopify_id__in=expected)
            if result["first"] is None and done() > done_at_return:
                result["first"] = time.monotonic() - back  # Odoo's return noticed: how soon
            if present.count() == len(expected) and not present.filter(sync_status__in=PENDING).exists():
                result["drain"] = time.monotonic() - back
                result["drained"] = len(expected) - done_at_return
                break
            time.sleep(0.25)
        else:
            result["timed_out"] = True
        bench.note(
            "backlog drained"
            if result["drain"] is not None
            else f"--timeout {ARGS.timeout:.0f} s ran out before the backlog drained"
        )
    except TimeoutError:
        result["timed_out"] = True
        bench.note(f"--timeout {ARGS.timeout:.0f} s ran out: what was reached so far")
        connections.close_all()  # the alarm may have cut a query short
    finally:
        bench.stop_periodic.set()
        bench.kill_all()
        if periodic.is_alive():
            periodic.join(timeout=30)
        signal.alarm(120)  # reading the outcome is bounded too

    # -- the verdict --------------------------------------------------------------------------------------------
    # Odoo is read as it is (up again, should the timeout have cut the outage short).
    result["dropped"] = ARGS.drops - int(odoo_server.control(down=False, latency_ms=0)["drop_after_write"])
    documents = _odoo_documents(odoo_base)
    odoo_server.shutdown_and_save()
    shopify_server.shutdown_sandbox()
    orders = {order.shopify_id: order for order in Order.objects.filter(shop=shop, shopify_id__in=expected)}
    origin = {shopify_id: f"shopify:order:{shopify_id}" for shopify_id in expected}
    duplicates = sorted(
        order.name
        for shopify_id, order in orders.items()
        if any(documents[kind][origin[shopify_id]] > 1 for kind in ("sale", "invoice", "payment"))
    )
    strays = sorted(key for key in documents["sale"] if key not in set(origin.values()))
    statuses = Counter(order.sync_status for order in orders.values())
    stuck = sorted(order.name for order in orders.values() if order.sync_status in PENDING)
    failed_own = Counter(
        order.sync_error[:80]
        for order in orders.values()
        if order.sync_status == SyncStatus.FAILED and not order.sync_error.startswith(CHAOS_FAILURES)
    )
    lost = sorted(
        [f"missing:{shopify_id}" for shopify_id in expected if shopify_id not in orders]
        + [
            order.name
            for order in orders.values()
            if order.sync_status == SyncStatus.NOT_SYNCED
            or (order.sync_status == SyncStatus.FAILED and order.sync_error.startswith(CHAOS_FAILURES))
        ]
    )
    synced = statuses.get(SyncStatus.SYNCED, 0) + statuses.get(SyncStatus.NEEDS_REVIEW, 0)
    drain = result["drain"]

    print()
    rows = [
        ("orders to sync", len(expected), ""),
        ("synced (or needs review)", synced, ""),
        ("failed for a reason of their own", sum(failed_own.values()), ""),
        ("duplicates in Odoo", len(duplicates) + len(strays), "must be 0"),
        ("lost", len(lost), "must be 0"),
        ("stuck (queued / in progress)", len(stuck), "must be 0"),
        ("backlog when Odoo went down", result["backlog_at_outage"], "must be > 0"),
        (
            "drain seconds after Odoo's return",
            "timeout" if drain is None else f"{drain:.1f}",
            f"target < {ARGS.drain_target:.0f}",
        ),
        (
            "first order synced after the return",
            "never" if result["first"] is None else f"{result['first']:.1f} s",
            "how soon Odoo's return is noticed",
        ),
        (
            "drain rate",
            f"{result['drained'] / drain:.1f}/s" if drain else "-",
            f"{result['drained']} orders; before the outage {result['rate_before']:.1f}/s (with the chaos)",
        ),
        ("Odoo responses dropped after a write", result["dropped"], f"of {ARGS.drops} asked"),
        ("whole run seconds", f"{bench.elapsed():.0f}", ""),
    ]
    for label, value, note in rows:
        print(f"{label:<36} {value!s:>8}  {note}")
    for reason, count in failed_own.most_common():
        print(f"  failed x{count}: {reason}")
    for title, names in (("duplicates", duplicates + strays), ("lost", lost), ("stuck", stuck)):
        if names:
            print(f"  {title}: {', '.join(map(str, names[:20]))}{' ...' if len(names) > 20 else ''}")
    print(f"logs: {bench.log_dir}")

    failures = []
    if duplicates or strays:
        failures.append("duplicates in Odoo")
    if lost:
        failures.append("lost orders")
    if stuck:
        failures.append("stuck orders")
    if synced == 0:
        failures.append("nothing was synced: nothing was measured")
    if result["backlog_at_outage"] == 0:
        failures.append("the outage found no backlog: nothing was measured (raise --orders)")
    if result["timed_out"] or drain is None:
        failures.append(f"the backlog did not drain within --timeout {ARGS.timeout:.0f} s")
    elif drain > ARGS.drain_target:
        failures.append(f"drain {drain:.1f} s > --drain-target {ARGS.drain_target:.0f} s")
    print("FAIL: " + "; ".join(failures) if failures else "OK")
    signal.alarm(0)
    broker.flushdb()
    if not ARGS.keep_database:
        _drop_database()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
