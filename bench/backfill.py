"""Backfill bench: thousands of orders already known in Odoo, bulk-synced by real Celery workers; the floor ratio
and a Sync click's latency on the side.

    .venv/bin/python bench/backfill.py                                   # 5,000 orders, every combination below
    .venv/bin/python bench/backfill.py --orders 200 --modes confirmed --workers 1 --latency-ms 0
    .venv/bin/python bench/backfill.py --odoo-url http://127.0.0.1:8069 --db mydb --login admin --password PW

One run per (mode, workers, latency): `--modes` confirmed and invoice+payment (sale order + posted invoice +
payment), `--workers` 1 and 4 (Celery prefork processes), `--latency-ms` 0 and 30 (the Odoo sandbox waits that
long before answering every call; a hosted Odoo is ~30 ms away). Everything runs on loopback as production does:
PostgreSQL (`--database`, created fresh, default synco_bench_backfill) and Redis (`--broker`, default db 9, only
that db is emptied); the Odoo sandbox (`--version`, a subprocess; reset before each run) or a real Odoo by URL;
the Shopify sandbox (a thread of this process).

Each run, for a new shop:
1. The Shopify sandbox holds `--distinct` generated orders (the generator's mix: customers, guests, taxes,
   discounts, a few bad on purpose). The workers import them with the bulk-operation import (the backfill path)
   and sync them (a bulk sync): now Synco and Odoo know every customer, address, product and tax ("warm").
2. Shopify then gets `--orders` copies of the orders that synced (new ids and names, same customers and lines),
   plus probe copies; the workers import them the same way.
3. Measured: the bulk sync of the `--orders` copies (the Sync-all path, `orders.services.bulk_sync`), from the
   click until every order is Synced, Needs review or Failed. Meanwhile, every `--probe-every` seconds a probe
   copy is clicked through the orders page's Sync view (`orders:sync`, in this process with a logged-in client):
   click -> Synced latency, p50/p95 (target p95 < 2 s).

Printed per run: orders/s; Odoo calls per order (the sandbox's own count of every call it answered, probes
included; with a real Odoo, Synco's count from the sync log); duplicates in Odoo (a Shopify order with more than
one sale order, invoice or payment: must be 0); and time / floor: Synco's time per order over the floor's, the
same number of orders in the same mode written by bench/odoo_floor.py's minimal raw calls, 50 orders per call,
against the same Odoo at the same latency (or `--floor-ms`), measured after the run (on a fresh sandbox) with as
many of its orders refunded as Synco wrote refunds into Odoo in the run (the measured orders' refunds Synced,
counted once the refunds still pending are written, up to 120 s, not timed): the floor lowers the refunded
lines (confirmed) or makes, posts and pays back a credit note per refund (invoice+payment), as Synco does.

Workers consume every queue settings.CELERY_TASK_QUEUES declares (if any); the shop's concurrency cap
(SYNCO_SHOP_CONCURRENCY, and OdooConnection.max_concurrency where it exists) is raised to the number of workers;
SYNCO_SYNC_BATCH_SIZE is `--batch-size` when given (Synco's default otherwise). With `--interactive-worker`, one
more worker process consumes the interactive queue alone (the README's deployment) and the pool the others. Exits 1 if a run synced nothing,
left an order Queued or In progress at `--timeout`, or wrote a duplicate.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import copy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import xmlrpc.client
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median, quantiles
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MODES = ("confirmed", "invoice+payment")
TOKEN = "shpat_backfill_bench_0123456789abcdef"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5000, help="orders bulk-synced per run")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 30], help="sandbox only")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="SYNCO_SYNC_BATCH_SIZE for the workers (Synco's default)"
    )
    parser.add_argument("--distinct", type=int, default=60, help="generated orders the copies are made of")
    parser.add_argument("--probe-every", type=float, default=2.0, help="seconds between two probe clicks")
    parser.add_argument(
        "--floor-ms", type=float, default=None, help="the floor's ms per order (else measured)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds for one run's bulk sync")
    parser.add_argument("--version", type=int, default=18, choices=(17, 18, 19), help="Odoo sandbox version")
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/synco_bench_backfill")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--interactive-worker",
        action="store_true",
        help="one more worker process for the interactive queue alone (the README's deployment)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="1 worker only: run it under cProfile (solo pool) and print where its time went, per run",
    )
    args = parser.parse_args()
    if args.orders < 1 or args.distinct < 12 or min(args.workers) < 1:
        parser.error("--orders >= 1, --distinct >= 12 and --workers >= 1")
    if re.search(r"/1[45]$", args.broker):
        parser.error("Redis databases 14 and 15 belong to bench/chaos.py and CI")
    if not args.database.rsplit("/", 1)[-1].startswith("synco_bench_backfill"):
        parser.error("--database must be a PostgreSQL database named synco_bench_backfill*")
    if args.profile and args.workers != [1]:
        parser.error("--profile profiles one worker process: use it with --workers 1")
    if args.odoo_url:
        args.latency_ms = [0]
    return args


ARGS = _arguments()
VAR_DIR = tempfile.mkdtemp(prefix="synco-backfill-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": ARGS.database,
        "CELERY_BROKER_URL": ARGS.broker,
        "SYNCO_VAR_DIR": VAR_DIR,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        "SYNCO_ODOO_ALLOW_LOOPBACK_HTTP": "true",  # the Odoo sandbox is http://127.0.0.1
        "SYNCO_CIRCUIT_FAILURES": "1000",  # a bench measures throughput, not the circuit breaker
    }
)
if ARGS.batch_size is not None:
    os.environ["SYNCO_SYNC_BATCH_SIZE"] = str(ARGS.batch_size)
for _name in ("SYNCO_TEST_DB", "CELERY_TASK_ALWAYS_EAGER"):
    os.environ.pop(_name, None)
_DB_NAME = ARGS.database.rsplit("/", 1)[1]
subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", _DB_NAME], check=True)
subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", _DB_NAME], check=True)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from odoo_floor import measure as measure_floor  # noqa: E402

from orders.imports import start_bulk_import  # noqa: E402
from orders.models import ImportRun, Order, SyncStatus  # noqa: E402
from orders.services import bulk_sync  # noqa: E402
from refunds.models import Refund, RefundState  # noqa: E402
from sandboxes.shopify.generator import generate_dataset  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from synclogs.models import SyncAttempt  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402

DONE = (SyncStatus.SYNCED, SyncStatus.NEEDS_REVIEW, SyncStatus.FAILED)
PENDING = (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS)
CREATE_AS = {"confirmed": OrderRules.CreateAs.SALE_ORDER, "invoice+payment": OrderRules.CreateAs.PAID_INVOICE}


def _cpu_seconds(root: int | None) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants still alive (Linux /proc)."""
    if root is None:
        return 0.0
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in times and pid not in tree:
            tree.add(pid)
            todo.extend(child for child, parent in parents.items() if parent == pid)
    return sum(times[pid] for pid in tree)


class RunError(Exception):
    """A run that could not measure anything (the bench goes on with the next one, and fails at the end)."""


# -- processes ---------------------------------------------------------------------------------------------------
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
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def _queues() -> list[str]:
    """The queues the workers must consume: settings.CELERY_TASK_QUEUES' names ([] when none is declared)."""
    declared: Any = getattr(settings, "CELERY_TASK_QUEUES", None) or []
    names = [str(getattr(q, "name", q)) for q in declared]
    default = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "")
    if names and default and default not in names:
        names.append(str(default))
    return names


class Children:
    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_dir = Path(VAR_DIR) / "logs"
        self.log_dir.mkdir(exist_ok=True)

    def spawn(self, command: list[str], log_name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.log_dir / log_name).open("ab") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()  # the main process only: a Celery worker's warm shutdown ends its pool itself
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


CHILDREN = Children()


def _profile_path(run: int) -> Path:
    return Path(VAR_DIR) / f"worker-{run}.prof"


def _start_workers(workers: int, run: int) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "celery", "-A", "synco", "worker", "--pool", "prefork"]
    if ARGS.profile:  # cProfile writes its file when the worker exits (warm shutdown)
        command = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(_profile_path(run)),
            "-m",
            "celery",
            "-A",
            "synco",
        ]
        command += ["worker", "--pool", "solo"]
    command += ["--concurrency", str(workers), "--hostname", f"backfill{run}@%h", "--loglevel", "WARNING"]
    command += ["--without-mingle", "--without-gossip"]
    queues = _queues()
    separate = ARGS.interactive_worker and "interactive" in queues
    if queues:
        command += ["-Q", ",".join(q for q in queues if not (separate and q == "interactive"))]
    env = {**os.environ, "SYNCO_SHOP_CONCURRENCY": str(workers)}
    started = [CHILDREN.spawn(command, f"workers-{run}.log", env)]
    if separate:
        # The README's deployment: one more worker process for the interactive queue alone.
        clicks = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "synco",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
        ]
        clicks += ["1", "--hostname", f"interactive{run}@%h", "--loglevel", "WARNING", "--without-mingle"]
        clicks += ["--without-gossip", "-Q", "interactive"]
        started.append(CHILDREN.spawn(clicks, f"interactive-{run}.log", env))
    return started


# -- the Odoo side ---------------------------------------------------------------------------------------------
@dataclass
class OdooTarget:
    url: str
    db: str
    login: str
    password: str
    sandbox: bool
    pid: int | None = None

    def control(self, **payload: object) -> dict[str, Any]:
        return self._post("/sandbox/control", payload)

    def _post(self, path: str, payload: object) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}{path}", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer

    def reset_stats(self) -> None:
        if self.sandbox:
            self._post("/sandbox/stats/reset", {})

    def calls(self) -> int:
        """Every call the sandbox answered since the last reset_stats (object and common services)."""
        with urllib.request.urlopen(f"{self.url}/sandbox/stats", timeout=60) as response:
            stats = json.loads(response.read())
        return int(stats["total"]) + sum(int(n) for n in stats.get("common", {}).values())

    def documents(self, origins: set[str]) -> dict[str, Counter[str]]:
        """Per Shopify order (its sale order's origin): how many sale orders, invoices and payments Odoo holds."""
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        uid = common.authenticate(self.db, self.login, self.password, {})
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)

        def read(model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
            answer: Any = proxy.execute_kw(
                self.db, uid, self.password, model, "search_read", [domain], {"fields": fields}
            )
            return list(answer)

        # Customer invoices and the payments received for them: a refund's credit note and the money paid back
        # (written later by refunds/, for the generator's refunded orders) are not second copies.
        counts: dict[str, Counter[str]] = {"sale": Counter(), "invoice": Counter(), "payment": Counter()}
        origin_of_move: dict[int, str] = {}
        for sale in read("sale.order", [["origin", "in", sorted(origins)]], ["origin", "invoice_ids"]):
            origin = str(sale.get("origin") or "")
            counts["sale"][origin] += 1
            for move_id in sale.get("invoice_ids") or []:
                origin_of_move[int(move_id)] = origin
        if not origin_of_move:
            return counts
        invoices = read("account.move", [["id", "in", sorted(origin_of_move)]], ["move_type"])
        invoice_ids = {int(m["id"]) for m in invoices if m.get("move_type") == "out_invoice"}
        for invoice_id in invoice_ids:
            counts["invoice"][origin_of_move[invoice_id]] += 1
        for payment in read("account.payment", [["payment_type", "=", "inbound"]], ["invoice_ids"]):
            for origin in {
                origin_of_move[int(i)] for i in payment.get("invoice_ids") or [] if int(i) in invoice_ids
            }:
                counts["payment"][origin] += 1
        return counts


# -- the Shopify side: generated orders and their copies --------------------------------------------------------
def _renumbered(
    order: dict[str, Any], txs: list[dict[str, Any]], new_id: int, number: int
) -> tuple[Any, Any]:
    """The same order (and its transactions) under a new id and number: every id derived from the order's id
    (line items, refunds, fulfilments, transactions: the order id followed by up to 3 digits) follows it."""
    old = str(order["id"])
    old_number = str(order["order_number"])
    pattern = re.compile(rf"(?<!\d){old}(\d{{0,3}})(?!\d)")

    def swap(text: str) -> Any:
        text = pattern.sub(lambda m: f"{new_id}{m.group(1)}", text)
        return json.loads(text.replace(f'"#{old_number}', f'"#{number}'))

    moved = swap(json.dumps(order))
    moved.update(order_number=number, number=number - 1000, name=f"#{number}")
    return moved, swap(json.dumps(txs))


@dataclass
class Shopify:
    server: Any
    url: str
    dataset: Any
    stamp: int

    def id_base(self, run: int) -> int:
        # New Shopify ids for every run and every invocation: a real Odoo keeps what earlier runs wrote.
        return 10**12 + (self.stamp % 10**5) * 10**7 + run * 10**6

    def add_shop(self, domain: str, token: str) -> None:
        # A token per shop: the sandbox finds the shop by its token.
        self.server.store.add_shop(domain, [token])
        self.server.control(plan="plus", shop=domain)

    def put(self, domain: str, sources: list[dict[str, Any]], base: int, start_number: int) -> list[int]:
        orders, transactions, risks = [], {}, {}
        for k, source in enumerate(sources):
            new_id = base + k
            moved, txs = _renumbered(
                source, self.dataset.transactions[source["id"]], new_id, start_number + k
            )
            orders.append(moved)
            transactions[new_id] = txs
            risks[new_id] = copy.deepcopy(self.dataset.risks[source["id"]])
        self.server.store.upsert_orders(domain, orders, transactions=transactions, risks=risks)
        return [int(o["id"]) for o in orders]


def _import(shop: Shop, deadline: float) -> None:
    """The bulk-operation import (the backfill path), run by the workers."""
    run = start_bulk_import(shop.pk, datetime(2000, 1, 1, tzinfo=UTC), timezone.now() + timedelta(days=365))
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED, ImportRun.Status.STOPPED):
            break
        time.sleep(0.5)
    if run.status != ImportRun.Status.DONE:
        raise RunError(f"the import ended {run.status}: {run.message or 'timeout'}")


def _wait(order_ids: list[int], deadline: float) -> bool:
    """Until none of the orders is pending (True), or the deadline (False)."""
    while time.monotonic() < deadline:
        if not Order.objects.filter(pk__in=order_ids, sync_status__in=PENDING).exists():
            return True
        time.sleep(0.5)
    return False


# -- the interactive probe ----------------------------------------------------------------------------------------
@dataclass
class Probe:
    user: Any
    order_ids: list[int]
    every: float
    clicks: dict[int, datetime] = field(default_factory=dict)
    refused: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        client = Client()
        client.force_login(self.user)
        try:
            for order_id in self.order_ids:
                if self.stop.wait(self.every):
                    return
                clicked = timezone.now()
                response = client.post(reverse("orders:sync", args=[order_id]), HTTP_HX_REQUEST="true")
                if response.status_code == 200:
                    self.clicks[order_id] = clicked
                else:
                    self.refused += 1
        finally:
            connections.close_all()

    def latencies(self) -> list[float]:
        done = Order.objects.filter(pk__in=list(self.clicks), sync_status=SyncStatus.SYNCED)
        return sorted(
            (o.status_changed_at - self.clicks[o.pk]).total_seconds() for o in done if o.status_changed_at
        )


# -- one run ------------------------------------------------------------------------------------------------------
@dataclass
class Result:
    mode: str
    workers: int
    latency: int
    orders: int = 0
    synced: int = 0
    review: int = 0
    failed: int = 0
    pending: int = 0
    seconds: float = 0.0
    calls: float = 0.0
    duplicates: int = 0
    missing: int = 0
    floor_ms: float | None = None
    clicks: list[float] = field(default_factory=list)
    clicked: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    error: str = ""
    refused: int = 0  # probe clicks the Sync view did not answer with 200
    duplicated: Counter[str] = field(default_factory=Counter)  # kind of document -> orders with several
    examples: list[str] = field(default_factory=list)
    queue_seconds: float = 0.0  # bulk_sync() itself: claiming the orders and sending their tasks
    # Refunds of the measured orders Synco wrote into Odoo (Synced): the floor writes as many.
    refunds: int = 0
    worker_cpu: float = 0.0  # CPU seconds of the worker processes during the run
    odoo_cpu: float = 0.0  # CPU seconds of the Odoo sandbox during the run

    @property
    def rate(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float | None:
        if not self.floor_ms or not self.orders:
            return None
        return (self.seconds * 1000 / self.orders) / self.floor_ms


FLOORS: dict[tuple[str, int, int], float] = {}


def _floor(odoo: OdooTarget, mode: str, latency: int, orders: int, refunds: int) -> float:
    """The floor's ms per order: `orders` orders in `mode`, `refunds` of them refunded, 50 per call."""
    if ARGS.floor_ms is not None:
        return float(ARGS.floor_ms)
    refunds = min(refunds, orders)
    if (mode, latency, refunds) not in FLOORS:
        if odoo.sandbox:
            odoo.control(reset=True)  # a fresh database, as Synco's run had
        floor = measure_floor(odoo.url, odoo.db, odoo.login, odoo.password, orders, mode, 50, refunds)
        if floor.problems:
            print(f"  floor ({mode}, {latency} ms): {'; '.join(floor.problems)}", flush=True)
        FLOORS[(mode, latency, refunds)] = floor.ms_per_order
        print(
            f"  floor {mode}, {latency} ms: {floor.ms_per_order:.1f} ms/order, {floor.calls_per_order:.2f} "
            f"calls/order ({orders} orders, {floor.refunds} refunds, 50 per call)",
            flush=True,
        )
        if odoo.sandbox:
            odoo.control(reset=True)
    return FLOORS[(mode, latency, refunds)]


def _refunds_written(order_ids: list[int], deadline: float) -> int:
    """The refunds of these orders Synco wrote into Odoo (Synced), once none is pending (or at the deadline):
    the orders' sync hands its refunds to a task of their own, which may still run when the orders are done."""
    refunds = Refund.objects.filter(order_id__in=order_ids)
    while time.monotonic() < deadline and refunds.filter(state=RefundState.PENDING).exists():
        time.sleep(0.5)
    pending = refunds.filter(state=RefundState.PENDING).count()
    if pending:
        print(
            f"  {pending} refunds of the measured orders still pending (not counted for the floor)",
            flush=True,
        )
    return refunds.filter(state=RefundState.SYNCED).count()


def run_one(run: int, mode: str, workers: int, latency: int, odoo: OdooTarget, shopify: Shopify) -> Result:
    result = Result(mode, workers, latency)
    redis.Redis.from_url(ARGS.broker).flushdb()  # the bench's own Redis database only
    if odoo.sandbox:
        odoo.control(reset=True, latency_ms=latency)
    domain = f"backfill-{shopify.stamp}-{run}.myshopify.com"
    token = f"{TOKEN}_{run}"
    shopify.add_shop(domain, token)
    shop = Shop.objects.create(domain=domain, name=f"Backfill {run}", access_token=token)
    user = get_user_model().objects.create_user(f"backfill-bench-{run}", password=TOKEN)
    shop.users.add(user)  # the only shop of the probe's user: the Sync view finds the order in it
    connection = OdooConnection(
        shop=shop, url=odoo.url, database=odoo.db, login=odoo.login, secret=odoo.password
    )
    if hasattr(connection, "max_concurrency"):
        connection.max_concurrency = workers  # the per-Odoo cap: this bench allows every worker
    connection.save()
    # The cap holds per Odoo server, the most careful of its shops' settings: the earlier runs' shops (same
    # Odoo, fewer workers) would hold this run to their cap.
    OdooConnection.objects.filter(url=odoo.url, database=odoo.db).update(max_concurrency=workers)
    OrderRules.objects.create(
        shop=shop,
        create_as=CREATE_AS[mode],
        auto_sync=False,
        financial_statuses=[],  # every payment status is eligible
        auto_create_taxes=True,
        auto_create_products=True,  # a real Odoo has none of the generator's products
    )
    processes = _start_workers(workers, run)
    try:
        time.sleep(4)  # the worker processes boot
        deadline = time.monotonic() + ARGS.timeout
        base = shopify.id_base(run)
        originals = shopify.put(domain, shopify.dataset.orders, base, 1001)
        _import(shop, deadline)
        warm = list(
            Order.objects.filter(shop=shop, shopify_id__in=originals, eligible=True).values_list(
                "pk", flat=True
            )
        )
        bulk_sync(shop, warm)
        if not _wait(warm, deadline):
            raise RunError("the warm-up did not finish within --timeout")
        good_ids = set(
            Order.objects.filter(pk__in=warm, sync_status=SyncStatus.SYNCED).values_list(
                "shopify_id", flat=True
            )
        )
        good = [o for o, new_id in zip(shopify.dataset.orders, originals, strict=True) if new_id in good_ids]
        if not good:
            raise RunError("no order synced in the warm-up: nothing to copy")
        probes = min(max(30, ARGS.orders // 5), 1000)  # a click every 2 s for the whole run
        # In blocks, oldest first: neighbouring orders share a day, as in a real history (~N/45 orders a day).
        good.sort(key=lambda o: str(o["created_at"]))
        total = ARGS.orders + probes
        sources = [good[k * len(good) // total] for k in range(total)]
        copies = shopify.put(domain, sources, base + len(originals), 100001)
        _import(shop, deadline)
        pks = dict(Order.objects.filter(shop=shop, shopify_id__in=copies).values_list("shopify_id", "pk"))
        bulk_ids = [pks[i] for i in copies[: ARGS.orders] if i in pks]
        probe = Probe(user, [pks[i] for i in copies[ARGS.orders :] if i in pks], ARGS.probe_every)
        attempts_before = set(SyncAttempt.objects.filter(shop=shop).values_list("pk", flat=True))

        odoo.reset_stats()
        cpu_before = (sum(_cpu_seconds(p.pid) for p in processes), _cpu_seconds(odoo.pid))
        thread = threading.Thread(target=probe.run, name="probe", daemon=True)
        started = time.perf_counter()
        batch = bulk_sync(shop, bulk_ids)
        result.queue_seconds = time.perf_counter() - started
        thread.start()
        _wait(bulk_ids, deadline)
        result.seconds = time.perf_counter() - started
        result.worker_cpu = sum(_cpu_seconds(p.pid) for p in processes) - cpu_before[0]
        result.odoo_cpu = _cpu_seconds(odoo.pid) - cpu_before[1]
        probe.stop.set()
        thread.join(timeout=30)
        _wait(list(probe.clicks), time.monotonic() + 60)  # the last clicks finish (not timed)
        result.refunds = _refunds_written(bulk_ids, time.monotonic() + 120)  # not timed
        batch_orders = Order.objects.filter(pk__in=bulk_ids)
        statuses = Counter(batch_orders.values_list("sync_status", flat=True))
        result.orders = len(bulk_ids)
        result.synced = statuses.get(SyncStatus.SYNCED, 0)
        result.review = statuses.get(SyncStatus.NEEDS_REVIEW, 0)
        result.failed = statuses.get(SyncStatus.FAILED, 0)
        result.pending = sum(statuses.get(s, 0) for s in PENDING)
        batch.refresh_from_db()
        if batch.total != len(bulk_ids):
            print(f"  only {batch.total} of {len(bulk_ids)} copies were queued", flush=True)
        result.failures = Counter(
            batch_orders.filter(sync_status=SyncStatus.FAILED).values_list("sync_error", flat=True)
        )
        result.clicks = probe.latencies()
        result.clicked = len(probe.clicks)
        result.refused = probe.refused
        written = result.synced + result.review + len(result.clicks)
        if odoo.sandbox:
            result.calls = odoo.calls() / written if written else 0.0
        else:
            new = SyncAttempt.objects.filter(shop=shop).exclude(pk__in=attempts_before)
            result.calls = sum(new.values_list("rpc_calls", flat=True)) / written if written else 0.0
        done = Order.objects.filter(pk__in=[*bulk_ids, *probe.clicks], sync_status__in=DONE)
        origins = {f"shopify:order:{sid}" for sid in done.values_list("shopify_id", flat=True)}
        documents = odoo.documents(origins)
        names = dict(done.values_list("shopify_id", "name"))
        for origin in sorted(origins):
            extra = {kind: documents[kind][origin] for kind in ("sale", "invoice", "payment")}
            if any(n > 1 for n in extra.values()):
                result.duplicates += 1
                for kind, n in extra.items():
                    if n > 1:
                        result.duplicated[kind] += 1
                if len(result.examples) < 5:
                    name = names.get(int(origin.rsplit(":", 1)[1]), origin)
                    result.examples.append(f"{name} ({', '.join(f'{n} {k}' for k, n in extra.items())})")
        synced_origins = {
            f"shopify:order:{sid}"
            for sid in done.filter(sync_status=SyncStatus.SYNCED).values_list("shopify_id", flat=True)
        }
        result.missing = sum(1 for origin in synced_origins if documents["sale"][origin] == 0)
    finally:
        for process in processes:
            CHILDREN.stop(process)
        shopify.server.store.clear_orders(domain)
    # The floor: the same orders in the same mode, with as many refunds as Synco wrote (after the run: their
    # number is known only now).
    result.floor_ms = _floor(odoo, mode, latency, ARGS.orders, result.refunds)
    return result


def _print_row(r: Result) -> None:
    if r.error:
        print(f"{r.mode:<16} {r.workers:>7} {r.latency:>7}  not measured: {r.error}", flush=True)
        return
    ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
    floor = f"{r.floor_ms:.1f}" if r.floor_ms else "-"
    p50 = f"{median(r.clicks):.2f}" if r.clicks else "-"
    p95 = (
        f"{quantiles(r.clicks, n=20)[-1]:.2f}"
        if len(r.clicks) > 1
        else (f"{r.clicks[0]:.2f}" if r.clicks else "-")
    )
    print(
        f"{r.mode:<16} {r.workers:>7} {r.latency:>7} {r.orders:>6} {r.synced:>6} {r.review:>6} {r.failed:>6} "
        f"{r.pending:>7} {r.seconds:>8.1f} {r.rate:>8.1f} {r.calls:>10.2f} {r.duplicates:>5} {floor:>9} "
        f"{ratio:>7} {p50:>7} {p95:>7} {len(r.clicks):>4}/{r.clicked:<4} {r.queue_seconds:>7.1f} "
        f"{100 * r.worker_cpu / r.seconds if r.seconds else 0:>7.0f} {100 * r.odoo_cpu / r.seconds if r.seconds else 0:>7.0f}",
        flush=True,
    )


HEADER = (
    f"{'mode':<16} {'workers':>7} {'lat ms':>7} {'orders':>6} {'synced':>6} {'review':>6} {'failed':>6} "
    f"{'pending':>7} {'seconds':>8} {'orders/s':>8} {'calls/ord':>10} {'dupl':>5} {'floor ms':>9} "
    f"{'/floor':>7} {'clk p50':>7} {'clk p95':>7} {'clicks':>9} {'queue s':>7} {'wrk cpu':>7} {'odoo cpu':>7}"
)


def _print_profile(path: Path) -> None:
    """Where the worker's time went (warm-up and imports included): Synco's own functions, by cumulative time."""
    import pstats

    if not path.exists():
        print(f"  no profile at {path}")
        return
    stats: Any = pstats.Stats(str(path))
    rows = []
    for (filename, line, name), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():
        relative = filename.removeprefix(str(ROOT) + "/")
        if relative != filename and not relative.startswith(("bench/", "sandboxes/")):
            rows.append((cumulative, calls, f"{relative}:{line} {name}"))
    print("  worker profile, Synco's functions by cumulative seconds (calls):")
    for cumulative, calls, where in sorted(rows, reverse=True)[:30]:
        print(f"    {cumulative:8.2f} s {calls:>8}  {where}")


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the children are stopped


def main() -> int:
    # SIGTERM, and SIGINT even when started in the background (where the shell ignores it), stop the children.
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, _terminated)
    atexit.register(CHILDREN.stop_all)
    call_command("migrate", verbosity=0)
    dataset = generate_dataset(ARGS.distinct, seed=1)
    shopify_server, shopify_url = start_shopify(state_path=None, port=0)
    os.environ["SHOPIFY_ADMIN_ORIGIN"] = shopify_url  # the workers import from it
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    shopify = Shopify(shopify_server, shopify_url, dataset, int(time.time()))
    if ARGS.odoo_url:
        odoo = OdooTarget(ARGS.odoo_url.rstrip("/"), ARGS.db, ARGS.login, ARGS.password, sandbox=False)
        where = f"{odoo.url} database {odoo.db}"
    else:
        port = _free_port()
        odoo_process = CHILDREN.spawn(
            [sys.executable, "-m", "sandboxes.odoo", "--port", str(port), "--version", str(ARGS.version)],
            "odoo.log",
            dict(os.environ),
        )
        _wait_for_port(port, 60)
        odoo = OdooTarget(
            f"http://127.0.0.1:{port}", "synco_demo", "admin", "admin", sandbox=True, pid=odoo_process.pid
        )
        where = f"Odoo {ARGS.version} sandbox (subprocess)"
    queues = _queues()
    print(
        f"Backfill bench: {ARGS.orders} orders per run (copies of the {ARGS.distinct} generated orders that synced "
        f"in the warm-up); Odoo: {where}; database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"broker {ARGS.broker}; worker queues {','.join(queues) if queues else '(Celery default)'}"
        f"{' (+ a worker for interactive alone)' if ARGS.interactive_worker else ''}; "
        f"SYNCO_SYNC_BATCH_SIZE {os.environ.get('SYNCO_SYNC_BATCH_SIZE', '(Synco default)')}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; commit {_commit()}\n",
        flush=True,
    )
    results: list[Result] = []
    run = 0
    try:
        for mode in ARGS.modes:
            for latency in ARGS.latency_ms:
                for workers in ARGS.workers:
                    run += 1
                    try:
                        results.append(run_one(run, mode, workers, latency, odoo, shopify))
                    except RunError as exc:
                        results.append(Result(mode, workers, latency, error=str(exc)))
                    print(HEADER)
                    _print_row(results[-1])
                    print(f"  load average {os.getloadavg()[0]:.1f}")
                    if ARGS.profile:
                        _print_profile(_profile_path(run))
                    print(flush=True)
    finally:
        CHILDREN.stop_all()
        shopify_server.shutdown_sandbox()
    print("\n" + HEADER)
    for r in results:
        _print_row(r)
    print(
        "\norders/s: the bulk sync's orders over the time from the click to the last one done; calls/ord: Odoo "
        "calls answered per order written (probes included); /floor: Synco's ms per order over the floor's "
        "(bench/odoo_floor.py, 50 orders per call, one stream); clk: Sync click -> Synced seconds, p50/p95, "
        "(synced/clicked) while the backfill ran (target p95 < 2 s); queue s: bulk_sync() claiming the orders and "
        "sending their tasks (inside the time); wrk cpu / odoo cpu: CPU used by the Celery worker processes / "
        "the Odoo sandbox over the run, % of one core."
    )
    reasons: Counter[str] = Counter()
    for r in results:
        reasons.update({k[:140]: v for k, v in r.failures.items()})
    for message, count in reasons.most_common(5):
        print(f"  failed x{count}: {message}")
    failures = []
    for r in results:
        label = f"{r.mode}/{r.workers}w/{r.latency}ms"
        if r.error:
            failures.append(f"{label}: {r.error}")
            continue
        if not r.synced:
            failures.append(f"{label}: nothing synced")
        if r.pending:
            failures.append(f"{label}: {r.pending} orders still queued or in progress at --timeout")
        if r.duplicates:
            kinds = ", ".join(f"{n} with several {kind} documents" for kind, n in r.duplicated.items())
            failures.append(
                f"{label}: {r.duplicates} orders duplicated in Odoo ({kinds}; e.g. {'; '.join(r.examples)})"
            )
        if r.refused:
            failures.append(f"{label}: the Sync view refused {r.refused} probe clicks")
        if r.missing:
            failures.append(f"{label}: {r.missing} synced orders missing in Odoo")
    print("FAIL: " + "; ".join(failures) if failures else "OK")
    print(f"logs: {CHILDREN.log_dir}")
    connections.close_all()
    if not ARGS.keep_database:
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", _DB_NAME], check=False)
    redis.Redis.from_url(ARGS.broker).flushdb()
    return 1 if failures else 0


def _commit() -> str:
    """The commit measured: HEAD, flagged when the working tree differs from it (an export: its .commit file)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        marker = ROOT / ".commit"
        return marker.read_text().strip() if marker.exists() else "unknown (not a git tree)"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    )
    return head.stdout.strip() + (" + uncommitted changes" if status.stdout.strip() else "")


if __name__ == "__main__":
    raise SystemExit(main())
