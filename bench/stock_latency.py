"""Stock latency: an inventory adjustment in Odoo -> the Shopify level, through Odoo's webhook rule or the sweep.

    .venv/bin/python bench/stock_latency.py                         # notification path, 200 changes
    .venv/bin/python bench/stock_latency.py --sweep-only --sweep-interval 10

Everything runs on this machine, on loopback: the Shopify and Odoo sandboxes (real HTTP servers, threads of this
process), Synco's web app under gunicorn (a subprocess: the Odoo sandbox's automation rule POSTs to its real URL,
and the Shopify sandbox delivers its signed inventory_levels/update webhooks to it), `--workers` Celery workers
(subprocesses, solo pool) on Redis (`--broker`, default redis://127.0.0.1:6379/12: only that database is ever
emptied) and PostgreSQL (`--database`, default postgres://postgres@127.0.0.1:5432/synco_bench_stock_latency,
created by the bench and dropped at the end).

The shop has stock sync on (free quantity, no buffer, the default 1 s coalescing window), its two active Shopify
locations mapped to two Odoo warehouses, `--variants` bench variants (100: LAT-001...) matched in both sandboxes, every level
pushed once. In the notification mode Synco creates its Odoo automation rules itself
(`install_odoo_notifications`, base_automation installed through Odoo's RPC) pointing at gunicorn; with
`--sweep-only` there are no rules and only the sweep sees the changes.

The sweep runs every `--sweep-interval` seconds in both modes (the bench sends `sweep_all_stock_task` on a
timer, as beat does every 60 s in production: synco/celery.py; there is no setting for that interval).

Then `--changes` stock changes in Odoo, each an inventory count applied over XML-RPC (`stock.quant` create in
inventory mode + `action_apply_inventory`, as a warehouse worker does), on random variants and warehouses, `--gap`
milliseconds apart (random, 50-200 by default); every `--burst-every`th change is a burst of 5 counts of the same
variant and warehouse 10 ms apart (only the last count is expected in Shopify: coalescing). For each change the
clock runs from just before the (last) `action_apply_inventory` call until the Shopify sandbox's level equals the
count (its Python API polled every 20 ms). A variant and warehouse is not changed again while its last change is
not yet seen in Shopify (the change goes to another pair, drawn at random among the free ones).

Printed: p50 / p95 / max latency, how many changes were seen, what Odoo sent (webhook POSTs), what Synco wrote to
Shopify (inventorySetQuantities calls and levels set, per change), pushes by trigger, and the worker's errors.
The bench exits 1 if fewer than `--changes` changes were seen, or (notification mode) if p95 is not under
`--target` seconds (5).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "stock-latency-bench-secret-0123456789abcdef"
BURST = 5
TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--variants", type=int, default=100, help="bench variants (x 2 locations to change)")
    parser.add_argument("--sweep-only", action="store_true", help="no Odoo automation rules: the sweep alone")
    parser.add_argument(
        "--sweep-interval", type=float, default=60.0, help="seconds between sweeps (beat's 60 by default)"
    )
    parser.add_argument("--gap", default="50,200", help="milliseconds between changes: min,max")
    parser.add_argument("--burst-every", type=int, default=10, help="every n-th change is a burst of 5")
    parser.add_argument("--target", type=float, default=5.0, help="p95 target in seconds (notification mode)")
    parser.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait for a change (default: auto)"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_bench_stock_latency"
        ),
    )
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for the whole run")
    return parser.parse_args()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ARGS = _arguments()
VAR_DIR = tempfile.mkdtemp(prefix="synco-stock-latency-")
WEB_PORT = _free_port()
WEB_BASE = f"http://127.0.0.1:{WEB_PORT}"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": ARGS.database,
        "CELERY_BROKER_URL": ARGS.broker,
        "SYNCO_VAR_DIR": VAR_DIR,
        "SHOPIFY_API_SECRET": SECRET,
        "SYNCO_PUBLIC_URL": WEB_BASE,  # what Synco's automation rules tell Odoo to POST to
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "SYNCO_ODOO_ALLOW_LOOPBACK_HTTP": "true",
        "DATABASE_CONN_MAX_AGE": "60",
    }
)
for name in ("SYNCO_TEST_DB", "CELERY_TASK_ALWAYS_EAGER"):
    os.environ.pop(name, None)


def _database(action: str) -> None:
    url = ARGS.database
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        if action == "create":
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        raise SystemExit(f"--database must be a postgres:// or sqlite:/// URL, not {url!r}")


_database("create")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connections  # noqa: E402

from sandboxes.odoo.models import automation  # noqa: E402
from sandboxes.odoo.server import start_in_thread as start_odoo  # noqa: E402
from sandboxes.shopify.inventory import MAIN_WAREHOUSE, RETAIL_STORE  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN  # noqa: E402
from stock import services  # noqa: E402
from stock.models import InventoryLink, LocationMapping, StockPush  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402


@dataclass
class Change:
    number: int
    sku: str
    item: int  # Shopify inventory item id
    location: int  # Shopify location id
    odoo_location: int
    expected: int
    writes: int  # Odoo counts applied for it (5 for a burst)
    started: float = 0.0
    seen: float | None = None

    @property
    def latency(self) -> float | None:
        return None if self.seen is None else self.seen - self.started


class Processes:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.log_dir = Path(VAR_DIR) / "logs"
        self.log_dir.mkdir()

    def spawn(
        self, command: list[str], log_name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        with (self.log_dir / log_name).open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.children:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs(self, prefix: str) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.log_dir.glob(f"{prefix}*.log"))
        )


class Odoo:
    """XML-RPC as a warehouse worker's client: log in once, count stock."""

    def __init__(self, base: str) -> None:
        self.uid = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common").authenticate(
            "synco_demo", "admin", "admin", {}
        )
        self.proxy = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object", allow_none=True)

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.proxy.execute_kw("synco_demo", self.uid, "admin", model, method, list(args), kwargs)

    def count(self, product: int, location: int, quantity: int) -> float:
        """An inventory count applied; returns when the apply call started (the change's time zero)."""
        quant = self.execute(
            "stock.quant",
            "create",
            {"product_id": product, "location_id": location, "inventory_quantity": quantity},
            context={"inventory_mode": True},
        )
        started = time.monotonic()
        try:
            self.execute("stock.quant", "action_apply_inventory", [quant])
        except xmlrpc.client.Fault as fault:
            if "None" not in str(fault.faultString):  # Odoo returns None, which XML-RPC cannot marshal
                raise
        return started


def _wait_for(url: str, seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} does not answer after {seconds:.0f} s")


def _setup_sandboxes() -> tuple[Any, Any, str, dict[str, tuple[int, int]], dict[int, int]]:
    """Both sandboxes, the bench variants in each, a second Odoo warehouse. Returns the Shopify server, the Odoo
    server, its URL, {sku: (Shopify item id, Odoo product id)} and {Shopify location: Odoo stock location}."""
    shopify, shopify_base = start_shopify(state_path=None, port=0)
    shopify.control(app={"api_secret": SECRET, "application_url": WEB_BASE})
    os.environ["SHOPIFY_ADMIN_ORIGIN"] = shopify_base  # for gunicorn and the workers
    from django.conf import settings

    settings.SHOPIFY_ADMIN_ORIGIN = shopify_base
    skus = [f"LAT-{n:03d}" for n in range(1, ARGS.variants + 1)]
    added = shopify.add_inventory_items(
        [{"sku": sku, "title": f"Latency variant {sku}"} for sku in skus],
        quantities={MAIN_WAREHOUSE: 0, RETAIL_STORE: 0},
    )
    odoo, odoo_base = start_odoo(state_path=None, port=0)
    env = odoo.env()
    products: dict[str, int] = {}
    with odoo.db.transaction():
        warehouse = env["stock.warehouse"].create_record({"name": "Bench warehouse 2", "code": "BW2"})
        for sku in skus:
            products[sku] = env["product.product"].create_record(
                {"name": f"Latency variant {sku}", "default_code": sku, "type": "consu", "is_storable": True}
            )
    second_stock = int(odoo.db.table("stock.warehouse")[warehouse]["lot_stock_id"])
    by_sku = {str(item["sku"]): (int(item["id"]), products[str(item["sku"])]) for item in added}
    return shopify, odoo, odoo_base, by_sku, {MAIN_WAREHOUSE: 8, RETAIL_STORE: second_stock}


def _setup_shop(odoo_base: str, odoo_locations: dict[int, int]) -> Shop:
    shop = Shop.objects.create(
        domain=DEMO_SHOP_DOMAIN,
        name="Stock latency bench",
        access_token=DEMO_ACCESS_TOKEN,
        access_scopes="read_inventory,write_inventory,read_locations,read_products",
    )
    OdooConnection.objects.create(
        shop=shop, url=odoo_base, database="synco_demo", login="admin", secret="admin"
    )
    OrderRules.objects.create(shop=shop)
    settings = services.get_settings(shop)
    settings.enabled = True
    settings.save()
    services.refresh_locations(shop)
    odoo = services.odoo_for(shop)
    warehouse_of = {w.lot_stock_id: w.id for w in odoo.warehouses()}
    for location_id, stock_location in odoo_locations.items():
        mapping = LocationMapping.objects.get(
            shop=shop, shopify_location_gid=f"gid://shopify/Location/{location_id}"
        )
        services.map_location(shop, mapping, warehouse_id=warehouse_of[stock_location], location_ids=[])
    services.refresh_links(shop)
    services.push_all(shop.pk)  # Shopify shows Odoo's levels (and Synco knows them) before the changes
    return shop


def _observe(shopify: Any, pending: list[Change], lock: threading.Lock, stop: threading.Event) -> None:
    """Every 20 ms: each change not yet seen, is Shopify's level its count?"""
    while not stop.is_set():
        with lock:
            waiting = [c for c in pending if c.seen is None]
        for change in waiting:
            rows = shopify.levels(item=change.item, location=change.location)
            if rows and int(rows[0]["available"]) == change.expected:
                change.seen = time.monotonic()
        stop.wait(0.02)


def _sweeper(interval: float, stop: threading.Event, sent: list[float]) -> None:
    """What beat does: the stock sweep of every shop, every `interval` seconds (the first one at once)."""
    from stock.tasks import sweep_all_stock_task

    while True:
        try:
            sweep_all_stock_task.delay()
            sent.append(time.monotonic())
        except Exception as exc:  # the broker restarting: say so, carry on
            print(f"  sending the sweep failed: {exc!r}", flush=True)
        if stop.wait(interval):
            return


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 200 values: the 190th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the children are killed


def main() -> int:
    processes = Processes()
    atexit.register(processes.kill_all)
    signal.signal(signal.SIGTERM, _terminated)
    broker = redis.Redis.from_url(ARGS.broker)
    broker.flushdb()  # the bench's own Redis database only (--broker)
    call_command("migrate", verbosity=0)
    gap_min, gap_max = (float(v) / 1000 for v in ARGS.gap.split(","))
    wait = ARGS.wait or (ARGS.sweep_interval + 60 if ARGS.sweep_only else 60.0)

    posts: Counter[str] = Counter()
    original_post = automation.post

    post_times: list[float] = []

    def counting_post(url: str, body: str) -> None:
        posts["odoo webhook POSTs"] += 1
        started = time.perf_counter()
        original_post(url, body)
        post_times.append(time.perf_counter() - started)

    automation.post = counting_post  # the Odoo sandbox's sender thread looks it up at each call
    shopify, odoo_server, odoo_base, by_sku, odoo_locations = _setup_sandboxes()
    shop = _setup_shop(odoo_base, odoo_locations)
    linked = InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=False).count()
    rules = None
    if not ARGS.sweep_only:
        rules = services.install_odoo_notifications(shop, install_module=True)

    sets: list[int] = []  # levels per inventorySetQuantities call during the changes
    original_execute = shopify.api.execute

    def counting_execute(shop_domain: str, token: str, query: str, *rest: Any, **kw: Any) -> Any:
        response = original_execute(shop_domain, token, query, *rest, **kw)
        if "inventorySetQuantities" in (query or "") and not response.throttled:
            variables = rest[0] if rest else kw.get("variables")
            sets.append(len(((variables or {}).get("input") or {}).get("quantities") or []))
        return response

    shopify.api.execute = counting_execute
    levels_webhooks = Counter[str]()
    original_send = shopify.send_webhook

    def counting_send(topic: str, shop_domain: str | None = None, **options: Any) -> Any:
        levels_webhooks[topic] += 1
        return original_send(topic, shop_domain, **options)

    shopify.send_webhook = counting_send
    shopify.api.on_webhook = lambda shop_domain, topic, payload: counting_send(
        topic, shop_domain, payload=payload
    )

    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes.spawn(
        [
            gunicorn,
            "synco.wsgi",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{WEB_PORT}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        "gunicorn.log",
    )
    for number in range(ARGS.workers):
        processes.spawn(
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
                f"latency{number}@%h",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            f"worker-{number}.log",
            {"LOG_LEVEL": "INFO"},  # the worker's "Task ... succeeded in" lines: what it spent its time on
        )
    _wait_for(f"{WEB_BASE}/health/", 60)
    time.sleep(3)  # the workers boot
    close_old_connections()

    stop = threading.Event()
    sweeps: list[float] = []
    sweeper = threading.Thread(target=_sweeper, args=(ARGS.sweep_interval, stop, sweeps), daemon=True)
    sweeper.start()
    time.sleep(2)  # the first sweep (its cursor starts 5 minutes back) is done before the changes
    print(
        f"{'sweep only (no Odoo automation rules)' if ARGS.sweep_only else 'Odoo automation rules -> gunicorn'}"
        f"; sweep every {ARGS.sweep_interval:g} s; {ARGS.workers} Celery worker(s) on {ARGS.broker}; database "
        f"{connections['default'].vendor}; coalescing window {services.get_settings(shop).coalesce_seconds:g} s; "
        f"{linked} items linked, 2 locations; {ARGS.changes} changes, {ARGS.gap} ms apart, every "
        f"{ARGS.burst_every}th a burst of {BURST}"
        + (f"; rules {list(rules.rule_ids)} created" if rules else ""),
        flush=True,
    )
    load_before = os.getloadavg()

    odoo = Odoo(odoo_base)
    lock = threading.Lock()
    changes: list[Change] = []
    observer = threading.Thread(target=_observe, args=(shopify, changes, lock, stop), daemon=True)
    observer.start()
    rng = random.Random(ARGS.seed + 1)
    current: dict[tuple[str, int], int] = {}
    deadline = time.monotonic() + ARGS.timeout
    began = time.monotonic()
    before = Counter(
        StockPush.objects.filter(shop=shop).values_list("trigger", flat=True)
    )  # the initial push
    sets.clear()
    posts.clear()
    post_times.clear()
    levels_webhooks.clear()
    try:
        keys = [(sku, location) for sku in sorted(by_sku) for location in sorted(odoo_locations)]
        for number in range(1, ARGS.changes + 1):
            # A variant and warehouse whose last change is not seen yet is not changed again (the first value
            # could be skipped over): the change goes to another one, drawn at random among the others.
            while True:
                with lock:
                    busy = {(c.sku, c.location) for c in changes if c.seen is None}
                free = [key for key in keys if key not in busy]
                if free or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            sku, location = rng.choice(free or keys)
            burst = ARGS.burst_every > 0 and number % ARGS.burst_every == 0
            item, product = by_sku[sku]
            odoo_location = odoo_locations[location]
            previous = current.get((sku, location), 0)
            counts = []
            for _ in range(BURST if burst else 1):
                value = max(0, previous + rng.choice([-3, -2, -1, 1, 2, 3, 5, 8]))
                if value == previous:
                    value = previous + 1
                counts.append(value)
                previous = value
            started = 0.0
            for index, value in enumerate(counts):
                started = odoo.count(product, odoo_location, value)
                if index < len(counts) - 1:
                    time.sleep(0.01)
            current[(sku, location)] = counts[-1]
            with lock:
                changes.append(
                    Change(number, sku, item, location, odoo_location, counts[-1], len(counts), started)
                )
            time.sleep(rng.uniform(gap_min, gap_max))
        issued = time.monotonic() - began
        # Wait for the last changes (each at most `wait` seconds after it was made).
        last_start = max(c.started for c in changes)
        while time.monotonic() < min(deadline, last_start + wait):
            with lock:
                if all(c.seen is not None for c in changes):
                    break
            time.sleep(0.1)
        time.sleep(2)  # late writes (a second push of a level) are counted too
    finally:
        stop.set()
        observer.join(timeout=5)
        processes.kill_all()

    # -- what happened ------------------------------------------------------------------------------------------
    close_old_connections()
    seen = [c for c in changes if c.latency is not None and c.latency <= wait]
    latencies = [c.latency for c in seen if c.latency is not None]
    after = Counter(StockPush.objects.filter(shop=shop).values_list("trigger", flat=True))
    outcomes = Counter(
        StockPush.objects.filter(shop=shop).exclude(trigger="initial").values_list("outcome", flat=True)
    )
    by_trigger = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
    odoo_writes = sum(c.writes for c in changes)
    n = max(len(changes), 1)
    errors = [
        line
        for line in processes.logs("worker").splitlines()
        if "ERROR" in line or "Traceback" in line or "CRITICAL" in line
    ]
    load_after = os.getloadavg()
    print(
        f"changes seen in Shopify: {len(seen)} of {len(changes)} (waited up to {wait:.0f} s each); "
        f"changes issued in {issued:.1f} s"
    )
    if latencies:
        print(
            f"latency (Odoo's apply -> Shopify's level): p50 {statistics.median(latencies):.2f} s, "
            f"p95 {_percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s, min {min(latencies):.2f} s, "
            f"mean {statistics.fmean(latencies):.2f} s"
        )
        singles = [c.latency for c in seen if c.writes == 1 and c.latency is not None]
        bursts = [c.latency for c in seen if c.writes > 1 and c.latency is not None]
        if bursts:
            print(
                f"  single changes p50 {statistics.median(singles):.2f} s / p95 {_percentile(singles, 0.95):.2f} s;"
                f" bursts of {BURST} (measured from the last count) p50 {statistics.median(bursts):.2f} s / "
                f"p95 {_percentile(bursts, 0.95):.2f} s"
            )
    print(
        f"Odoo: {odoo_writes} inventory counts applied ({odoo_writes / n:.2f} per change); "
        f"{posts['odoo webhook POSTs']} webhook POSTs to Synco ({posts['odoo webhook POSTs'] / n:.2f} per change)"
        + (
            f"; each answered in {statistics.median(post_times) * 1000:.0f} ms (p50), "
            f"{_percentile(post_times, 0.95) * 1000:.0f} ms (p95); the sandbox's one sender thread was busy "
            f"{sum(post_times):.1f} s of the {issued:.1f} s of changes"
            if post_times
            else ""
        )
    )
    print(
        f"Synco -> Shopify: {len(sets)} inventorySetQuantities calls ({len(sets) / n:.2f} per change), "
        f"{sum(sets)} levels set ({sum(sets) / n:.2f} per change); pushes by trigger {by_trigger}; "
        f"outcomes {dict(outcomes)}"
    )
    print(
        f"Shopify -> Synco: {levels_webhooks.get('inventory_levels/update', 0)} inventory_levels/update webhooks "
        f"(Synco's own writes echoed back); sweeps sent {len(sweeps)}"
    )
    print(
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs; "
        f"worker log lines with an error: {len(errors)}"
        + (f" (first: {errors[0][:300]})" if errors else "")
        + f"; logs in {processes.log_dir}"
    )
    tasks: dict[str, list[float]] = {}
    for name, seconds in TASK_DONE.findall(processes.logs("worker")):
        tasks.setdefault(name.rsplit(".", 1)[-1], []).append(float(seconds))
    print(
        "worker tasks (count, total s, max s): "
        + ", ".join(
            f"{name} {len(times)}, {sum(times):.1f}, {max(times):.2f}"
            for name, times in sorted(tasks.items())
        )
    )
    ordered = sorted(changes, key=lambda c: c.started)
    quarter = max(1, len(ordered) // 4)
    print(
        "p50 by quarter of the run: "
        + ", ".join(
            f"{statistics.median([c.latency for c in ordered[i : i + quarter] if c.latency is not None] or [0]):.2f} s"
            for i in range(0, len(ordered), quarter)
        )
    )
    slow = sorted((c for c in changes if c.latency is None or c.latency > wait), key=lambda c: c.number)
    if slow:
        print(
            "not seen: "
            + "; ".join(f"#{c.number} {c.sku}@{c.location} expected {c.expected}" for c in slow[:10])
        )
    connections.close_all()
    shopify.shutdown_sandbox()
    odoo_server.shutdown_and_save()
    _database("drop")
    failed = len(seen) < ARGS.changes
    if not ARGS.sweep_only and latencies and _percentile(latencies, 0.95) >= ARGS.target:
        print(f"FAILED: p95 {_percentile(latencies, 0.95):.2f} s is not under the target {ARGS.target:g} s")
        failed = True
    if len(seen) < ARGS.changes:
        print(f"FAILED: {ARGS.changes - len(seen)} changes were not seen in Shopify")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
