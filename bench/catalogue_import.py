"""Full catalogue import: N Shopify products x V variants into Odoo through Synco's real import path.

    .venv/bin/python bench/catalogue_import.py                         # 2,000 x 5 = 10,000 variants
    .venv/bin/python bench/catalogue_import.py --products 200          # a quicker run
    .venv/bin/python bench/catalogue_import.py --quick                 # smoke run: 20 x 5
    .venv/bin/python bench/catalogue_import.py --products 200 --odoo-url http://127.0.0.1:8069 \
        --db synco18 --login admin --password admin [--api-key KEY] [--cleanup]

The Shopify sandbox (its own process) is given the products through `POST /sandbox/products` (options Size x
Color so that each product has V variants; unique SKUs, barcodes on every other variant, costs, weights,
prices additive over the options); the Odoo sandbox (its own process, `--version`) or a real Odoo is the
target. The bench creates the shop and its Odoo connection, calls `products.imports.start_product_import` and
then drives `products.imports.run_product_import` in-process the way the Celery task would (waiting the
countdown it returns) until the run is over. No Celery worker is needed: the task the import queues is not sent.

Printed: elapsed time; the Shopify bulk-operation floor (from the bulkOperationRunQuery until Shopify reports
COMPLETED, polled by the bench every 50 ms: what any import must wait for) and elapsed / floor; every Odoo call
the importing process made (counted where each call goes out, OdooClient._guard, whatever client made it: login
and version included), per 100 variants, with and without the attribute setup (product.attribute and
product.attribute.value calls); Odoo write calls by method; the peak memory of the importing process
(tracemalloc peak, and RSS growth: the process's high-water mark minus its RSS before the import; the sandboxes
run in other processes); the run's counters and the mappings' states. Then the import runs AGAIN with nothing
changed: it must make no Odoo write. Finally what Odoo holds is read back (not counted): N templates with
Synco's external ids, N x V variants with the SKUs, V variants per template.

Exit 1 when nothing was measured or something is wrong: no variant imported, a run not DONE, anything failed or
left unlinked, a read-back mismatch, or a write in the second run.

Against a real Odoo every run uses a new shop domain and new SKUs/barcodes (the real database keeps what earlier
runs made); `--cleanup` deletes the templates the run created afterwards (their variants and external ids go
with them).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")  # the Odoo sandbox is http://127.0.0.1
os.environ.setdefault("LOG_LEVEL", "ERROR")
# The bench drives the import itself: the task start_product_import queues is never sent anywhere.
os.environ["CELERY_BROKER_URL"] = "filesystem://"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count, QuerySet  # noqa: E402

from products import imports  # noqa: E402
from products.models import CatalogueRun, ProductMapping  # noqa: E402
from sandboxes.shopify.store import SandboxStore, write_state_file  # noqa: E402
from synco import queue, xmlids  # noqa: E402
from synco.gateways import odoo_client_for, shopify_client_for  # noqa: E402
from synco.models import OdooConnection, Shop  # noqa: E402
from synco.odoo import cache  # noqa: E402
from synco.odoo.client import OdooClient, forget_sessions  # noqa: E402

SIZES = ("XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL", "6XL")
COLORS = (
    "Black",
    "White",
    "Red",
    "Blue",
    "Green",
    "Yellow",
    "Orange",
    "Purple",
    "Pink",
    "Brown",
    "Grey",
    "Navy",
    "Teal",
    "Olive",
    "Maroon",
    "Beige",
    "Coral",
    "Mint",
    "Lavender",
    "Charcoal",
)
ATTRIBUTE_MODELS = ("product.attribute", "product.attribute.value")
# Odoo methods that change nothing; every other method counts as a write (unknown ones too, to be safe).
READ_METHODS = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "read_group",
        "web_search_read",
        "web_read",
        "fields_get",
        "name_search",
        "name_get",
        "check_access_rights",
        "has_group",
        "default_get",
        "login",
        "version",
        "detect JSON-2",
    }
)
POST_CHUNK = 250  # products per POST /sandbox/products
POLL_SECONDS = 0.05  # the bench's own bulk-status polling, for the floor


# -- counting every Odoo call at the one place each goes out ----------------------------------------------


@dataclass
class CallCounter:
    enabled: bool = False
    calls: Counter[str] = field(default_factory=Counter)  # "model.method" (or "login", "version")
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # waited on each

    def reset(self) -> None:
        self.calls = Counter()
        self.seconds = defaultdict(float)


COUNTER = CallCounter()
_original_guard = OdooClient._guard


def _counting_guard(self: OdooClient, action: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    if not COUNTER.enabled:
        return _original_guard(self, action, func, *args, **kwargs)
    COUNTER.calls[action] += 1
    started = time.perf_counter()
    try:
        return _original_guard(self, action, func, *args, **kwargs)
    finally:
        COUNTER.seconds[action] += time.perf_counter() - started


OdooClient._guard = _counting_guard  # type: ignore[method-assign]

# Synco's own database: the time the import spends in QuerySet.bulk_update / bulk_create (per model).
DB_SECONDS: defaultdict[str, float] = defaultdict(float)
DB_CALLS: Counter[str] = Counter()


def _timed(name: str, original: Any) -> Any:
    def wrapper(self: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            key = f"{self.model.__name__}.{name}"
            DB_SECONDS[key] += time.perf_counter() - started
            DB_CALLS[key] += 1

    return wrapper


QuerySet.bulk_update = _timed("bulk_update", QuerySet.bulk_update)  # type: ignore[method-assign]
QuerySet.bulk_create = _timed("bulk_create", QuerySet.bulk_create)  # type: ignore[method-assign]


# -- sandboxes ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _post(url: str, payload: dict[str, Any], timeout: float = 300) -> Any:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def _start(args: list[str], health: str, what: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(health, timeout=5).read()
            return process
        except OSError:
            if process.poll() is not None:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"the {what} did not start:\n{err[-2000:]}") from None
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the {what} did not answer within 120 s") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# -- the catalogue ------------------------------------------------------------------------------------------


def option_sizes(variants: int) -> tuple[int, int]:
    """(sizes, colors) per product with sizes x colors == variants: Size x Color, Color single-valued when
    `variants` has no other factorisation within the vocabularies (5 = 5 sizes x 1 colour)."""
    for sizes in range(min(len(SIZES), variants), 0, -1):
        if variants % sizes == 0 and variants // sizes <= len(COLORS):
            return sizes, variants // sizes
    raise SystemExit(
        f"--variants {variants}: must be sizes x colours with at most {len(SIZES)} sizes and "
        f"{len(COLORS)} colours"
    )


def product_specs(n: int, variants: int, tag: str, first: int = 0) -> Iterator[dict[str, Any]]:
    sizes, colors = option_sizes(variants)
    for p in range(first, n):
        base = 10 + p % 50
        size_values = list(SIZES[:sizes])
        color_values = [COLORS[(p * colors + k) % len(COLORS)] for k in range(colors)]
        rows = []
        for i, size in enumerate(size_values):
            for j, color in enumerate(color_values):
                k = i * colors + j
                price = base + 2 * i  # additive over the options: Size carries the extra
                rows.append(
                    {
                        "options": [size, color],
                        "sku": f"CB-{tag}-{p:05d}-{k:03d}",
                        "barcode": f"29{tag}{p:05d}{k:03d}" if k % 2 == 0 else "",
                        "price": f"{price}.00",
                        "cost": f"{price * 0.4:.2f}" if k % 3 != 2 else None,
                        "weight": 150 + 25 * i,
                        "weight_unit": "GRAMS",
                    }
                )
        yield {
            "title": f"Bench tee {tag} {p:05d}",
            "description_html": f"<p>Bench product <b>{p}</b>: a tee in {len(rows)} variants.</p>",
            "product_type": "Bench",
            "options": [["Size", size_values], ["Color", color_values]],
            "variants": rows,
        }


def seed_shopify(base: str, domain: str, n: int, variants: int, tag: str) -> int:
    """Add the products (no webhooks); returns the variants Shopify holds."""
    specs = product_specs(n, variants, tag)
    added = 0
    while True:
        chunk = [spec for _, spec in zip(range(POST_CHUNK), specs, strict=False)]
        if not chunk:
            break
        answer = _post(f"{base}/sandbox/products", {"shop": domain, "products": chunk, "emit": False})
        added += sum(len(p["variants"]) for p in answer["products"])
    return added


# -- one import, driven as the Celery task would --------------------------------------------------------


@dataclass
class Measured:
    elapsed: float = 0.0
    floor: float = 0.0
    steps: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    run: CatalogueRun | None = None
    peak_bytes: int = 0
    rss_growth: int = 0
    waited: float = 0.0  # sleeping the countdowns run_product_import returned
    cpu: float = 0.0  # user + system seconds of the importing process
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    db_seconds: dict[str, float] = field(default_factory=dict)
    db_calls: Counter[str] = field(default_factory=Counter)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_hwm() -> None:
    """Reset the RSS high-water mark (Linux: writing 5 to clear_refs); harmless where unsupported."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def run_import(shop: Shop, memory: bool) -> Measured:
    out = Measured()
    poller = shopify_client_for(shop)
    gc.collect()
    _reset_hwm()
    rss_before = _rss_kb()
    if memory:
        tracemalloc.start()
    COUNTER.reset()
    COUNTER.enabled = True
    DB_SECONDS.clear()
    DB_CALLS.clear()
    load_before = os.getloadavg()[0]
    cpu_before = _cpu()
    started = time.perf_counter()
    try:
        run = imports.start_product_import(shop.pk)
        completed_at: float | None = None
        countdown = imports.run_product_import(run.pk)
        out.steps = 1
        operation = CatalogueRun.objects.values_list("bulk_operation_id", flat=True).get(pk=run.pk)
        while countdown is not None:
            wake = time.perf_counter() + countdown
            while completed_at is None and operation and time.perf_counter() < wake:
                if poller.bulk_status(operation).finished:
                    completed_at = time.perf_counter()
                else:
                    time.sleep(POLL_SECONDS)
            time.sleep(max(0.0, wake - time.perf_counter()))
            out.waited += countdown
            step_started = time.perf_counter()
            countdown = imports.run_product_import(run.pk)
            out.steps += 1
            if (
                completed_at is None
                and CatalogueRun.objects.filter(pk=run.pk).exclude(result_url="").exists()
            ):
                completed_at = step_started  # finished between two polls of ours
        out.elapsed = time.perf_counter() - started
        out.floor = (completed_at or time.perf_counter()) - started
    finally:
        COUNTER.enabled = False
        if memory:
            _current, out.peak_bytes = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    out.rss_growth = max(0, _hwm_kb() - rss_before) * 1024
    out.cpu = _cpu() - cpu_before
    out.load = (load_before, os.getloadavg()[0])
    out.db_seconds, out.db_calls = dict(DB_SECONDS), Counter(DB_CALLS)
    out.calls = Counter(COUNTER.calls)
    out.seconds = dict(COUNTER.seconds)
    out.run = CatalogueRun.objects.get(pk=run.pk)
    return out


# -- what Odoo holds afterwards (not counted) ----------------------------------------------------------------


def read_back(shop: Shop, n: int, variants: int, tag: str) -> tuple[list[str], list[int]]:
    """Problems found in Odoo (empty: all as expected), and the templates found."""
    problems: list[str] = []
    product_ids = sorted(
        set(ProductMapping.objects.filter(shop=shop).values_list("shopify_product_id", flat=True))
    )
    names = [xmlids.product_xmlid(shop.domain, pid) for pid in product_ids]
    client = odoo_client_for(shop)
    try:
        data = client.call(
            "ir.model.data",
            "search_read",
            [["module", "=", xmlids.MODULE], ["model", "=", "product.template"], ["name", "in", names]],
            fields=["name", "res_id"],
        )
        template_ids = sorted({int(row["res_id"]) for row in data})
        templates = client.call("product.template", "search_count", [["id", "in", template_ids]])
        skus = [
            f"CB-{tag}-{p:05d}-{k:03d}" for p in range(n) for k in range(variants)
        ]  # what the bench gave Shopify
        rows = client.call(
            "product.product", "search_read", [["default_code", "in", skus]], fields=["product_tmpl_id"]
        )
        per_template = Counter(int(row["product_tmpl_id"][0]) for row in rows)
        all_variants = client.call(
            "product.product", "search_count", [["product_tmpl_id", "in", template_ids]]
        )
    finally:
        client.close()
    print(
        f"read back: {templates} product.template with Synco's external ids (expected {n}), "
        f"{len(rows)} product.product with the SKUs (expected {n * variants}), "
        f"{all_variants} variants on those templates, {len(per_template)} templates holding the SKUs"
    )
    if templates != n or len(data) != n:
        problems.append(f"{templates} templates with Synco's external ids, expected {n}")
    if len(rows) != n * variants:
        problems.append(f"{len(rows)} Odoo variants with the bench's SKUs, expected {n * variants}")
    if all_variants != n * variants:
        problems.append(f"the templates hold {all_variants} variants, expected {n * variants}")
    wrong = {t: c for t, c in per_template.items() if c != variants}
    if wrong:
        problems.append(f"{len(wrong)} templates without {variants} variants, e.g. {list(wrong.items())[:3]}")
    stray = set(per_template) - set(template_ids)
    if stray:
        problems.append(f"{len(stray)} templates hold the SKUs without Synco's external id")
    return problems, template_ids


def cleanup(shop: Shop, template_ids: list[int]) -> None:
    client = odoo_client_for(shop)
    try:
        for start in range(0, len(template_ids), 500):
            client.call("product.template", "unlink", template_ids[start : start + 500])
    finally:
        client.close()
    print(f"cleanup: deleted the {len(template_ids)} templates this run created")


# -- report --------------------------------------------------------------------------------------------------


def _per100(calls: int, variants: int) -> float:
    return calls * 100 / variants if variants else float("nan")


def report(label: str, m: Measured, variants: int, memory: bool) -> None:
    run = m.run
    assert run is not None
    total = sum(m.calls.values())
    attribute = sum(n for a, n in m.calls.items() if a.rsplit(".", 1)[0] in ATTRIBUTE_MODELS)
    session = sum(n for a, n in m.calls.items() if "." not in a)
    writes = Counter({a: n for a, n in m.calls.items() if a.rsplit(".", 1)[-1] not in READ_METHODS})
    by_method: Counter[str] = Counter()
    for a, n in writes.items():
        by_method[a.rsplit(".", 1)[-1]] += n
    ratio = m.elapsed / m.floor if m.floor else float("nan")
    print(f"\n== {label} ==")
    print(
        f"run {run.status}: total {run.total} objects in Shopify's file, done {run.done}; "
        f"created {run.created}, linked {run.linked}, updated {run.updated}, unchanged {run.unchanged}, "
        f"failed {run.failed}{'; error: ' + run.error if run.error else ''}"
    )
    print(
        f"elapsed {m.elapsed:.1f} s in {m.steps} task steps; Shopify bulk-operation floor {m.floor:.1f} s; "
        f"elapsed / floor {ratio:.2f}x"
    )
    print(
        f"Odoo calls: {total} in all = {_per100(total, variants):.2f} per 100 variants; attribute setup "
        f"{attribute}, login/version {session}; without the attribute setup {total - attribute} = "
        f"{_per100(total - attribute, variants):.2f} per 100 variants (target <= 5)"
    )
    print(
        "Odoo write calls: "
        + (
            f"{sum(writes.values())} ("
            + ", ".join(f"{method} {n}" for method, n in sorted(by_method.items()))
            + "): "
            + ", ".join(f"{a} {n}" for a, n in sorted(writes.items()))
            if writes
            else "0"
        )
    )
    print(
        "Odoo calls by model.method (count, seconds waited): "
        + ", ".join(f"{a} {n} ({m.seconds[a]:.1f} s)" for a, n in sorted(m.calls.items()))
    )
    waited = sum(m.seconds.values())
    print(
        f"time: {waited:.1f} s waiting on Odoo, {m.waited:.1f} s waiting the countdowns the import asked for, "
        f"{m.elapsed - waited - m.waited:.1f} s the rest (Synco's own work, its database, Shopify's file)"
    )
    print(
        "of which Synco's bulk database writes: "
        + (
            ", ".join(
                f"{key} {m.db_calls[key]} calls {seconds:.1f} s"
                for key, seconds in sorted(m.db_seconds.items())
            )
            or "none"
        )
    )
    print(
        f"CPU of the importing process {m.cpu:.1f} s; machine load average {m.load[0]:.1f} -> {m.load[1]:.1f} "
        f"on {os.cpu_count()} CPUs (timings above include waiting for the CPU when it is busy)"
    )
    if memory:
        print(
            f"memory of the importing process: tracemalloc peak {m.peak_bytes / 1e6:.1f} MB, "
            f"RSS growth {m.rss_growth / 1e6:.1f} MB"
        )
    else:
        print(f"memory of the importing process: RSS growth {m.rss_growth / 1e6:.1f} MB (tracemalloc off)")


def _not_sent(*args: Any, **kwargs: Any) -> None:
    """The bench runs the import's steps itself: what the import queues is dropped."""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--variants", type=int, default=5, help="variants per product")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 products x 5 variants")
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the Odoo sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--api-key", default="", help="use this API key (JSON-2 on 19+) instead of the password"
    )
    parser.add_argument("--version", type=int, default=18, choices=(17, 18, 19), help="Odoo sandbox only")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="time without tracemalloc's overhead (RSS only)"
    )
    parser.add_argument("--cleanup", action="store_true", help="delete the created templates afterwards")
    args = parser.parse_args()
    if args.quick:
        args.products, args.variants = 20, 5
    if args.products < 1 or args.variants < 1:
        parser.error("--products and --variants must be at least 1")
    option_sizes(args.variants)
    memory = not args.no_tracemalloc

    call_command("migrate", verbosity=0)
    var = Path(settings.VAR_DIR)
    tag = f"{int(time.time()) % 10**6:06d}"  # new SKUs, barcodes and shop per run (a real Odoo keeps them)
    domain = f"catbench-{tag}.myshopify.com"
    token = "shpat_" + secrets.token_hex(16)
    store = SandboxStore(None)
    store.add_shop(domain, [token])
    state = json.loads(store.state_json())
    # An empty catalogue (not the sandbox's demo one): the shop holds only the bench's products.
    state.setdefault("products", {})[domain] = {}
    shopify_state = var / f"shopify-catalogue-{tag}.json"
    write_state_file(shopify_state, json.dumps(state))

    shopify_port = _free_port()
    shopify_base = f"http://127.0.0.1:{shopify_port}"
    shopify = odoo = None
    exit_code = 0
    try:
        shopify = _start(
            ["sandboxes.shopify", "--port", str(shopify_port), "--state", str(shopify_state)],
            f"{shopify_base}/sandbox/health",
            "Shopify sandbox",
        )
        if args.odoo_url:
            odoo_url = args.odoo_url.rstrip("/")
            secret = args.api_key or args.password
            where = f"Odoo at {odoo_url} (db {args.db})"
        else:
            odoo_port = _free_port()
            odoo_url = f"http://127.0.0.1:{odoo_port}"
            from sandboxes.odoo.seed import DEFAULT_API_KEY

            odoo = _start(
                ["sandboxes.odoo", "--port", str(odoo_port), "--version", str(args.version)],
                f"{odoo_url}/sandbox/stats",
                "Odoo sandbox",
            )
            secret = DEFAULT_API_KEY if args.version >= 19 else "admin"
            where = f"Odoo {args.version} sandbox"
        settings.SHOPIFY_ADMIN_ORIGIN = shopify_base
        seeded_at = time.perf_counter()
        held = seed_shopify(shopify_base, domain, args.products, args.variants, tag)
        expected = args.products * args.variants
        print(
            f"{args.products} products x {args.variants} variants = {held} variants in the Shopify sandbox "
            f"(added in {time.perf_counter() - seeded_at:.1f} s); target: {where}"
        )
        if held != expected:
            print(f"the Shopify sandbox holds {held} variants, expected {expected}")
            return 1

        shop = Shop.objects.create(domain=domain, name="Catalogue bench", access_token=token)
        OdooConnection.objects.create(
            shop=shop, url=odoo_url, database=args.db, login=args.login, secret=secret
        )
        # The bench drives every step itself: the task start_product_import queues goes nowhere.
        queue.task("products.tasks.product_import_task").delay = _not_sent  # type: ignore[method-assign,assignment]
        cache.forget()
        forget_sessions()

        sandbox_before = _get(f"{odoo_url}/sandbox/stats")["total"] if odoo else None
        first = run_import(shop, memory)
        sandbox_first = _get(f"{odoo_url}/sandbox/stats")["total"] - sandbox_before if odoo else None
        report("first import", first, expected, memory)
        if sandbox_first is not None:
            print(f"(the Odoo sandbox counted {sandbox_first} object calls for this run)")
        states = dict(
            ProductMapping.objects.filter(shop=shop)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        by = dict(
            ProductMapping.objects.filter(shop=shop)
            .values_list("matched_by")
            .annotate(n=Count("pk"))
            .values_list("matched_by", "n")
        )
        products_created = (
            ProductMapping.objects.filter(shop=shop, matched_by="created")
            .values("shopify_product_id")
            .distinct()
            .count()
        )
        print(
            f"mappings: {sum(states.values())} variants, by state {states}, matched by {by}; "
            f"{products_created} products created as templates"
        )

        second = run_import(shop, memory)
        report("second import, nothing changed", second, expected, memory)
        second_writes = sum(n for a, n in second.calls.items() if a.rsplit(".", 1)[-1] not in READ_METHODS)

        problems, template_ids = read_back(shop, args.products, args.variants, tag)
        run1, run2 = first.run, second.run
        assert run1 is not None and run2 is not None
        if run1.created + run1.linked == 0:
            problems.append("the first import imported no variant: nothing was measured")
        for label, r in (("first", run1), ("second", run2)):
            if r.status != CatalogueRun.Status.DONE:
                problems.append(f"the {label} run ended {r.status}: {r.error or 'no error recorded'}")
            if r.failed:
                problems.append(f"the {label} run failed {r.failed} variants")
        unlinked = sum(n for state_name, n in states.items() if state_name != ProductMapping.State.LINKED)
        if unlinked or sum(states.values()) != expected:
            problems.append(
                f"{unlinked} of {sum(states.values())} mappings are not linked (expected {expected})"
            )
        if second_writes:
            problems.append(f"the second import (nothing changed) made {second_writes} Odoo write calls")
        if args.cleanup and args.odoo_url and template_ids:
            cleanup(shop, template_ids)
        print()
        if problems:
            for problem in problems:
                print(f"PROBLEM: {problem}")
            exit_code = 1
        else:
            print(
                f"OK: {expected} variants imported in {first.elapsed:.1f} s "
                f"({first.elapsed / first.floor:.2f}x the bulk floor), "
                f"{_per100(sum(first.calls.values()), expected):.2f} Odoo calls per 100 variants, "
                "no write on the unchanged re-run"
            )
    finally:
        _stop(shopify)
        _stop(odoo)
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
