"""Initial stock push: N variants x 3 locations from Odoo to Shopify, against the floor of Shopify's rate limit.

    .venv/bin/python bench/stock_push.py                          # N = 2,500, 5,000 and 10,000
    .venv/bin/python bench/stock_push.py --counts 2500 --plan standard

For each N the bench builds both sandboxes in this process (real HTTP servers in threads): the Shopify sandbox
with a third active location ("Bench depot") and N extra inventory items (SKU PUSH-00001...) stocked at its three
active locations with 0 available, the Odoo sandbox with two more warehouses and N storable products of those
SKUs with a quant in each warehouse's stock location (1-60 units; written with the sandbox's own ORM, the fast
path, not 10,000 XML-RPC creates). The demo catalogue's 14 storable variants are in both too.

Synco runs in a child process (its own database, `--database`: a fresh SQLite file per N by default, or a
postgres:// URL whose database is created and dropped): the shop with stock sync on, its three Shopify locations
mapped to the three Odoo warehouses. Then, measured: `stock.services.start_sync` (what turning stock sync on
runs: match every Shopify inventory item to an Odoo product and push every level with inventorySetQuantities,
each chunk as soon as it is matched), through Synco's real gateways over HTTP.

Printed per N: wall time and where it went (GraphQL calls, waiting for the cost bucket, Odoo calls, the rest:
database and Python), Odoo RPC calls per 1,000 items (counted by the Odoo sandbox), GraphQL calls (counted by
the Shopify sandbox), the cost the Shopify sandbox charged, and the floor its leaky bucket sets:

    floor = max(0, total cost - bucket at start) / restore rate

Shopify takes a query's *requested* cost when it admits it and gives back the difference to the *actual* cost
right after, so a client that calls one query after the other drains the bucket by the actual cost: the floor on
actual cost is the one no client can beat; the floor on requested cost (the larger) is printed too. Memory: the
child's resident set before the push and at its peak (VmHWM), and tracemalloc's peak during the push (Python
allocations of Synco's process) from a second run of the same push on a fresh database (tracemalloc roughly
doubles the time, so the timed run goes without it; `--no-tracemalloc` skips the second run).

After each run every one of the N x 3 levels is read back from the Shopify sandbox and compared with Odoo's
quantity. The bench exits 1 if nothing was pushed, a level differs, a push failed or the child failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandboxes.shopify.ratelimit import PLANS  # noqa: E402

SKU_PREFIX = "PUSH-"
DEPOT = "Bench depot"
OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)", re.S)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="2500,5000,10000", help="comma-separated numbers of variants")
    parser.add_argument("--plan", default="standard", help="Shopify plan of the shop (its cost bucket)")
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres:// URL (database created and dropped per N); default: a fresh SQLite file per N",
    )
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="leave tracemalloc off (it slows Python allocations)"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per N")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shopify", help=argparse.SUPPRESS)
    parser.add_argument("--odoo", help=argparse.SUPPRESS)
    return parser.parse_args()


def quantity(n: int, location_index: int) -> int:
    """Odoo's quantity of variant `n` at the `location_index`th warehouse: 1-60, never Shopify's 0."""
    return 1 + (n * 7 + location_index * 13) % 60


def sku(n: int) -> str:
    return f"{SKU_PREFIX}{n:05d}"


# -- the child: Synco ---------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(args: argparse.Namespace) -> int:
    """Synco's side: set the shop up, say READY, wait for GO, run start_sync, print the figures as JSON."""
    import django

    django.setup()
    import tracemalloc

    from django.core.management import call_command

    from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN
    from stock import services
    from stock.models import LocationMapping, StockPush
    from synco.gateways import odoo_client_for
    from synco.models import OdooConnection, OrderRules, Shop
    from synco.odoo.client import OdooClient
    from synco.shopify.client import ShopifyClient

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(
        domain=DEMO_SHOP_DOMAIN,
        name="Stock push bench",
        access_token=DEMO_ACCESS_TOKEN,
        access_scopes="read_inventory,write_inventory,read_locations,read_products",
    )
    OdooConnection.objects.create(
        shop=shop, url=args.odoo, database="synco_demo", login="admin", secret="admin"
    )
    OrderRules.objects.create(shop=shop)
    settings = services.get_settings(shop)
    settings.enabled = True
    settings.save()
    services.refresh_locations(shop)
    warehouses = odoo_client_for(shop).warehouses()
    mappings = sorted(LocationMapping.objects.filter(shop=shop), key=lambda m: m.shopify_location_gid)
    for mapping, warehouse in zip(mappings, warehouses, strict=False):
        services.map_location(shop, mapping, warehouse_id=warehouse.id, location_ids=[])

    # Where the time goes: wrapped around Synco's own gateway methods (nothing else changes).
    spent = {"graphql": 0.0, "bucket_wait": 0.0, "odoo": 0.0, "match": 0.0, "push": 0.0}
    calls = {"graphql": 0, "odoo": 0}

    def timed(cls: Any, name: str, key: str, count: str | None = None) -> None:
        original = getattr(cls, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[key] += time.perf_counter() - started
                if count:
                    calls[count] += 1

        setattr(cls, name, wrapper)

    timed(ShopifyClient, "_wait_for_capacity", "bucket_wait")
    timed(ShopifyClient, "execute", "graphql", "graphql")
    timed(OdooClient, "_guard", "odoo", "odoo")
    timed(services, "refresh_links", "match")
    # The push of each matched chunk runs inside refresh_links (start_sync pipelines them): timed apart.
    timed(services._ChunkPusher, "_push", "push")

    print("READY", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return 1
    rss_before = _status_kb("VmRSS")
    if not args.no_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    outcome = services.start_sync(shop.pk)
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
    tracemalloc.stop()
    pushes = StockPush.objects.filter(shop=shop)
    result = {
        "wall": wall,
        "graphql_seconds": spent["graphql"] - spent["bucket_wait"],
        "bucket_wait": spent["bucket_wait"],
        "odoo_seconds": spent["odoo"],
        "match_seconds": spent["match"],
        "push_seconds": spent["push"],
        "graphql_calls": calls["graphql"],
        "odoo_calls": calls["odoo"],
        "sent": outcome.sent if outcome else 0,
        "failed": outcome.failed if outcome else 0,
        "set_calls": outcome.calls if outcome else 0,
        "errors": (outcome.errors if outcome else ["no outcome"])[:5],
        "pushes_set": pushes.filter(outcome=StockPush.Outcome.SET).count(),
        "pushes_other": pushes.exclude(outcome=StockPush.Outcome.SET).count(),
        "tracemalloc_peak": peak,
        "rss_before_kb": rss_before,
        "rss_after_kb": _status_kb("VmRSS"),
        "hwm_kb": _status_kb("VmHWM"),
    }
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# -- the parent: sandboxes, the run, the checks ----------------------------------------------------------------


class CostLog:
    """Every GraphQL request the Shopify sandbox answered: operation, requested and actual cost, throttled."""

    def __init__(self, server: Any) -> None:
        self.rows: list[tuple[str, int, int, bool]] = []
        self.server = server
        self.original = original = server.api.execute

        def execute(shop: str, token: str, query: str, *rest: Any, **kw: Any) -> Any:
            response = original(shop, token, query, *rest, **kw)
            cost = (response.body.get("extensions") or {}).get("cost") or {}
            found = OPERATION.match(query or "")
            name = found.group(2) if found else "?"
            self.rows.append(
                (
                    name,
                    int(cost.get("requestedQueryCost") or 0),
                    int(cost.get("actualQueryCost") or 0),
                    bool(response.throttled),
                )
            )
            return response

        server.api.execute = execute

    def detach(self) -> None:
        self.server.api.execute = self.original


def build_sandboxes(count: int, plan: str) -> tuple[Any, str, Any, str, list[int]]:
    """Both sandboxes with `count` extra variants; returns them and the Shopify location ids by warehouse."""
    from sandboxes.odoo.orm import Model
    from sandboxes.odoo.server import start_in_thread as start_odoo
    from sandboxes.shopify.server import start_in_thread as start_shopify

    shopify, shopify_base = start_shopify(state_path=None, port=0)
    shopify.control(plan=plan)
    depot = shopify.add_location(DEPOT)
    shopify.add_inventory_items(
        [{"sku": sku(n), "title": f"Bench variant {n}"} for n in range(1, count + 1)],
        quantities={int(loc["id"]): 0 for loc in shopify.locations()},
    )
    active = sorted(
        int(loc["id"]) for loc in shopify.locations() if loc["active"] and not loc["fulfillment_service"]
    )
    assert len(active) == 3 and int(depot["id"]) in active, active

    odoo, odoo_base = start_odoo(state_path=None, port=0)
    env = odoo.env()
    with odoo.db.transaction():
        for code in ("BD2", "BD3"):
            env["stock.warehouse"].create_record({"name": f"Bench warehouse {code}", "code": code})
    stocks = [int(row["lot_stock_id"]) for _, row in sorted(odoo.db.table("stock.warehouse").items())]
    with odoo.db.transaction():
        products = env["product.product"]
        quants = env["stock.quant"]
        for n in range(1, count + 1):
            product = products.create_record(
                {
                    "name": f"Bench variant {n}",
                    "default_code": sku(n),
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0,
                }
            )
            for index, location in enumerate(stocks):
                # The sandbox's internal create (Odoo's own _update_available_quantity), not an RPC.
                Model.create_record(
                    quants,
                    {"product_id": product, "location_id": location, "quantity": float(quantity(n, index))},
                )
    # Shopify location i (by id) is mapped to Odoo warehouse i (by id), as the child maps them.
    return shopify, shopify_base, odoo, odoo_base, active


def _database_for(base: str, label: str, tmp: Path) -> str:
    if base.startswith("postgres"):
        name = f"synco_bench_stock_push_{label.replace('-', '_')}"
        url = base.rsplit("/", 1)[0] + "/" + name
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        return url
    if base:
        raise SystemExit(f"--database must be a postgres:// URL (or nothing: SQLite), not {base!r}")
    return f"sqlite:///{tmp / f'push-{label}.sqlite3'}"


def _drop_database(url: str) -> None:
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=False)


def run_one(args: argparse.Namespace, count: int, tmp: Path) -> dict[str, Any]:
    """Build the sandboxes, run the timed push (tracemalloc off), check every level, then (unless
    --no-tracemalloc) the same push again from a fresh Synco database with tracemalloc on, for its peak."""
    setup_started = time.perf_counter()
    shopify, shopify_base, odoo, odoo_base, active = build_sandboxes(count, args.plan)
    try:
        result = run_child(args, count, tmp, shopify, shopify_base, odoo, odoo_base, trace=False)
        result["setup_seconds"] = time.perf_counter() - setup_started - result["child_seconds"]
        result["mismatches"], result["checked"] = verify(shopify, active, count)
        if not args.no_tracemalloc:
            traced = run_child(args, count, tmp, shopify, shopify_base, odoo, odoo_base, trace=True)
            result["tracemalloc_peak"] = traced["tracemalloc_peak"]
            result["traced_wall"] = traced["wall"]
        return result
    finally:
        shopify.shutdown_sandbox()
        odoo.shutdown_and_save()


def run_child(
    args: argparse.Namespace,
    count: int,
    tmp: Path,
    shopify: Any,
    shopify_base: str,
    odoo: Any,
    odoo_base: str,
    *,
    trace: bool,
) -> dict[str, Any]:
    """One Synco child on a fresh database: set up, then the measured start_sync; the sandboxes' counters."""
    started = time.perf_counter()
    costs = CostLog(shopify)
    # Shopify sends inventory_levels/update for every level the push changes; Synco's web endpoint is not part of
    # this bench (bench/stock_latency.py serves it): counted here, not delivered.
    webhooks: list[str] = []
    shopify.api.on_webhook = lambda shop, topic, payload: webhooks.append(topic)
    label = f"{count}-{'traced' if trace else 'timed'}"
    database = _database_for(args.database, label, tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": database,
        "SYNCO_VAR_DIR": str(tmp),
        "SHOPIFY_ADMIN_ORIGIN": shopify_base,
        "SYNCO_ODOO_ALLOW_LOOPBACK_HTTP": "true",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SYNCO_TEST_DB", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--shopify", shopify_base]
    command += ["--odoo", odoo_base] + ([] if trace else ["--no-tracemalloc"])
    log = (tmp / f"child-{label}.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
    )
    result: dict[str, Any] = {}
    try:
        assert process.stdout is not None and process.stdin is not None
        line = process.stdout.readline().strip()
        if line != "READY":
            raise RuntimeError(f"the child did not get ready: {line!r}; see {log.name}")
        # The measured window starts here: counters at zero, the shop's cost bucket full.
        shopify.control(reset=True)
        costs.rows.clear()
        webhooks.clear()
        odoo.reset_stats()
        limits = PLANS[args.plan]
        process.stdin.write("GO\n")
        process.stdin.flush()
        deadline = time.monotonic() + args.timeout
        for line in process.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"--timeout {args.timeout:.0f} s ran out")
        process.wait(timeout=60)
        if not result:
            raise RuntimeError(
                f"the child ended without a result (exit {process.returncode}); see {log.name}"
            )
        result["bucket"] = {"start": limits.maximum_available, "rate": limits.restore_rate}
        result["costs"] = list(costs.rows)
        result["webhooks"] = len(webhooks)
        stats = odoo.stats()
        result["odoo_rpc"] = int(stats["total"]) + sum(int(v) for v in stats["common"].values())
        result["odoo_rpc_by_method"] = stats["calls"]
        result["shopify_graphql_requests"] = int(shopify.stats()["graphql_requests"])
        result["child_seconds"] = time.perf_counter() - started
        return result
    finally:
        costs.detach()
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        _drop_database(database)


def verify(shopify: Any, active: list[int], count: int) -> tuple[list[str], int]:
    """Every bench variant's level at each of the three locations against Odoo's quantity there."""
    domain = shopify.default_shop()
    by_key = {(int(r["item_id"]), int(r["location_id"])): int(r["available"]) for r in shopify.levels()}
    items = {
        str(i["sku"]): int(i["id"])
        for i in shopify.store.transact(
            lambda s: list(s.get("inventory_items", {}).get(domain, [])), write=False
        )
    }
    mismatches = []
    checked = 0
    for n in range(1, count + 1):
        item = items.get(sku(n))
        for index, location in enumerate(active):
            checked += 1
            got = by_key.get((item or 0, location))
            if got != quantity(n, index):
                mismatches.append(f"{sku(n)} @ {location}: Shopify {got}, Odoo {quantity(n, index)}")
    return mismatches, checked


def report(count: int, r: dict[str, Any]) -> list[str]:
    start, rate = float(r["bucket"]["start"]), float(r["bucket"]["rate"])
    executed = [row for row in r["costs"] if not row[3]]
    throttled = len(r["costs"]) - len(executed)
    requested = sum(row[1] for row in executed)
    actual = sum(row[2] for row in executed)
    by_op: dict[str, list[int]] = {}
    for name, req, act, _ in executed:
        entry = by_op.setdefault(name, [0, 0, 0])
        entry[0] += 1
        entry[1] += req
        entry[2] += act
    floor_actual = max(0.0, actual - start) / rate
    floor_requested = max(0.0, requested - start) / rate
    wall = float(r["wall"])
    rest = wall - r["graphql_seconds"] - r["bucket_wait"] - r["odoo_seconds"]
    thousands = count / 1000
    levels = count * 3
    lines = [
        f"N = {count:,} variants x 3 locations ({levels:,} levels; {r['sent']:,} levels pushed in all, "
        f"the demo catalogue's too)",
        f"  setup, not measured: both sandboxes with {count:,} Shopify items and Odoo products, "
        f"{levels:,} Odoo quants: {r['setup_seconds']:.1f} s (then Synco's migrate, shop and location mapping)",
        f"  initial push (start_sync: match + push): {wall:.1f} s = GraphQL {r['graphql_seconds']:.1f} s "
        f"+ waiting for the cost bucket {r['bucket_wait']:.1f} s + Odoo calls {r['odoo_seconds']:.1f} s "
        f"+ database and Python {rest:.1f} s  (pushing the matched chunks {r['push_seconds']:.1f} s, "
        f"inside matching's {r['match_seconds']:.1f} s: pipelined)",
        f"  GraphQL: {r['shopify_graphql_requests']} requests ("
        + ", ".join(f"{name} {v[0]}" for name, v in sorted(by_op.items()))
        + f"; {throttled} throttled); cost requested {requested:,}, actual {actual:,} ("
        + ", ".join(f"{name} {v[1]:,}/{v[2]:,}" for name, v in sorted(by_op.items()))
        + ")",
        f"  cost bucket: {start:.0f} points (full) at the start, restores {rate:.0f} points/s",
        f"  floor = max(0, total cost - {start:.0f}) / {rate:.0f}/s:  on actual cost {_ratio(wall, floor_actual)}",
        f"  {'':>39}on requested cost {_ratio(wall, floor_requested)}",
        f"  inventory_levels/update webhooks the push caused in Shopify: {r['webhooks']:,} (counted, not delivered)",
        f"  Odoo RPC calls: {r['odoo_rpc']} ({r['odoo_rpc'] / thousands:.1f} per 1,000 items): "
        + ", ".join(f"{k} {v}" for k, v in sorted(r["odoo_rpc_by_method"].items())),
        f"  memory of Synco's process: RSS {r['rss_before_kb'] / 1024:.0f} MiB before the push, "
        f"{r['rss_after_kb'] / 1024:.0f} MiB after, peak (VmHWM) {r['hwm_kb'] / 1024:.0f} MiB "
        f"(+{(r['hwm_kb'] - r['rss_before_kb']) / 1024:.0f} MiB)"
        + (
            f"; tracemalloc peak {r['tracemalloc_peak'] / 2**20:.1f} MiB "
            f"({r['tracemalloc_peak'] / count / 1024:.2f} KiB per variant; measured in a second run of the same "
            f"push with tracemalloc on, which took {r['traced_wall']:.1f} s)"
            if "traced_wall" in r
            else ""
        ),
        f"  check: {r['checked']:,} levels read back from the Shopify sandbox, {len(r['mismatches'])} differ "
        f"from Odoo; pushes recorded: {r['pushes_set']:,} set, {r['pushes_other']} failed or blocked",
    ]
    if r["mismatches"]:
        lines.append("  first differences: " + "; ".join(r["mismatches"][:5]))
    if r["errors"]:
        lines.append("  errors: " + "; ".join(r["errors"]))
    return lines


def _ratio(wall: float, floor: float) -> str:
    if floor <= 0:
        return "0 s (the bucket holds it all: no floor)"
    return f"{floor:.1f} s -> time / floor = {wall / floor:.2f}x"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs"


def main() -> int:
    args = _arguments()
    if args.child:
        return child(args)
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="synco-stock-push-"))
    print(
        f"initial stock push, plan {args.plan}, database "
        f"{'PostgreSQL' if args.database.startswith('postgres') else 'SQLite'}, "
        f"times without tracemalloc{'' if args.no_tracemalloc else ', its peak from a second run'}; {_load()}; "
        f"logs in {tmp}",
        flush=True,
    )
    failed = False
    summary = []
    for count in counts:
        try:
            result = run_one(args, count, tmp)
        except Exception as exc:  # the child died, a timeout: say so and fail
            print(f"N = {count:,}: FAILED: {exc}", flush=True)
            failed = True
            continue
        for line in report(count, result):
            print(line, flush=True)
        print(f"  ({_load()})", flush=True)
        if result["sent"] == 0 or result["mismatches"] or result["failed"] or result["pushes_other"]:
            failed = True
        summary.append((count, result))
    if len(summary) > 1 and not args.no_tracemalloc:
        print("\nmemory as N grows (tracemalloc peak of the push / RSS growth to the peak):")
        for count, r in summary:
            print(
                f"  N = {count:>6,}: {r['tracemalloc_peak'] / 2**20:6.1f} MiB "
                f"({r['tracemalloc_peak'] / count / 1024:.2f} KiB per variant), "
                f"RSS +{(r['hwm_kb'] - r['rss_before_kb']) / 1024:.0f} MiB"
            )
    if failed:
        print("FAILED: nothing pushed, a level differs, a push failed or a run did not finish")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
