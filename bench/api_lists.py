"""Server time and SQL queries of the REST API's lists: GET /api/v1/orders/ and GET /api/v1/logs/ with an API key.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/api_lists.py --orders 100000 --logs 300000

The same data as bench/orders_page.py (its seed, imported from it, in its own database: `--database-url`, by
default postgres://…/synco_bench_api; the same options). Requests go in-process through Django's test client with
`Authorization: Bearer <a read key>` made for the run (no login, no session), so each one pays for the key lookup
and the per-key rate limit (Django's cache: Redis from CELERY_BROKER_URL / SYNCO_CACHE_URL; SYNCO_API_RATE is
raised so the bench is never throttled). Measured: the orders list (first page, status tabs, searches, a date
range, the next cursor page and a cursor half-way back) and the log list (first page, filters, the next and a deep
cursor page, the NDJSON and CSV exports' first byte).

Prints orders_page's table (p50/p95/max, queries, CPU, EXPLAIN ANALYZE, idle estimate), then the query count of
the first page against later pages and a one-row answer. Exits 1 if a case measured nothing (an error, no
timings, or no rows), if a p95 is over 100 ms (on the wall clock; with `--judge idle` on the idle estimate, for a
machine other work keeps busy: `load` in the table), or if a later page or a full page needs more or fewer
queries than the first page.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
# Its own option; the others are orders_page's, parsed when it is imported.
_own = argparse.ArgumentParser(add_help=False)
_own.add_argument("--judge", choices=("wall", "idle"), default="wall")
OWN, _rest = _own.parse_known_args()
sys.argv = [sys.argv[0], *_rest]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_bench_api")
# The bench measures the API, it must not be throttled by it (the throttle's cache round trip is still paid).
os.environ["SYNCO_API_RATE"] = os.environ.get("BENCH_API_RATE", "1000000/min")

from datetime import timedelta  # noqa: E402

import orders_page as pages  # noqa: E402  (parses the options, creates the database, sets Django up)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from rest_framework.pagination import Cursor, CursorPagination  # noqa: E402

from api.keys import create_key  # noqa: E402
from api.models import ApiKey  # noqa: E402
from api.orders.views import OrderCursorPagination  # noqa: E402
from api.records.views import AttemptCursorPagination  # noqa: E402
from orders.models import Order, SyncStatus  # noqa: E402
from synclogs.models import SyncAttempt  # noqa: E402
from synco.models import Shop  # noqa: E402

ARGS = pages.ARGS
KEY_NAME = "bench/api_lists.py"
# The key's last use is written at most once a minute (api.keys.touch): not a query of the list itself.
TOUCH_SQL = 'UPDATE "api_apikey"'


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _cursor_at(paginator: CursorPagination, url: str, position: object) -> str:
    """The URL of the page that starts just after `position` (the first ordering field's value), as DRF writes it."""
    paginator.base_url = url
    # DRF's Cursor is typed with an int position; it holds the field's value as a string.
    cursor = Cursor(offset=0, reverse=False, position=str(position))  # type: ignore[arg-type]
    return _path(paginator.encode_cursor(cursor))


def build_cases(
    client: Client, shop: Shop, auth: dict[str, str], requests: int
) -> tuple[list[pages.Case], list[tuple[str, str, str]], list[str]]:
    """The calls to measure, the (first page, other page) pairs whose query counts must be equal, and notes."""
    cases: list[pages.Case] = []
    notes: list[str] = []

    def add(group: str, label: str, url: str, **extra: object) -> None:
        cases.append(pages.Case(group, label, url, dict(auth), **extra))  # type: ignore[arg-type]

    def next_page(url: str) -> str | None:
        response = client.get(url, headers=auth)
        if response.status_code != 200:
            notes.append(f"{url}: HTTP {response.status_code}, its next page not measured")
            return None
        following = response.json().get("next")
        return _path(following) if following else None

    orders_url = reverse("v1:orders")
    orders = Order.objects.filter(shop=shop)
    total = orders.count()
    single = orders.order_by("created_at")[total // 2 : total // 2 + 1].first()
    frequent_email = (
        orders.exclude(email="")
        .values("email")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("email", flat=True)
        .first()
    )
    add("orders", "first page", orders_url)
    add("orders", "first page, limit 200", f"{orders_url}?limit=200")
    for tab in ("failed", "needs_review", "synced", "in_progress"):
        add("orders", f"tab {tab}", f"{orders_url}?status={tab}")
    if single is not None:
        add("orders", f"search number {single.name} (1 row)", pages._url("v1:orders", q=single.name) or "")
    if frequent_email:
        add("orders", "search e-mail (a frequent buyer)", pages._url("v1:orders", q=frequent_email) or "")
    add("orders", "search customer name 'Garcia'", f"{orders_url}?q=Garcia")
    newest = orders.order_by("-created_at").values_list("created_at", flat=True).first()
    if newest is not None:
        month_start = (newest - timedelta(days=60)).date()
        add(
            "orders",
            "failed + date range (30 days)",
            pages._url(
                "v1:orders",
                status="failed",
                created_from=month_start.isoformat(),
                created_to=(month_start + timedelta(days=29)).isoformat(),
            )
            or "",
        )
    second = next_page(orders_url)
    if second:
        add("orders", "page 2 (next cursor)", second)
    middle = orders.order_by("-created_at", "-pk")[total // 2 : total // 2 + 1].first()
    if middle is not None:
        add(
            "orders",
            "cursor half-way back",
            _cursor_at(OrderCursorPagination(), orders_url, middle.created_at),
        )
    failed_second = next_page(f"{orders_url}?status=failed")
    if failed_second:
        add("orders", "tab failed, page 2 (next cursor)", failed_second)

    logs_url = reverse("v1:logs")
    attempts = SyncAttempt.objects.filter(shop=shop)
    newest_log = attempts.order_by("-started_at").values_list("started_at", flat=True).first()
    one_attempt = (
        attempts.filter(order__isnull=False)
        .values("order")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .order_by("order")
        .values_list("order", flat=True)
        .first()
    )
    add("logs", "first page", logs_url)
    add("logs", "status failed", f"{logs_url}?status=failed")
    add("logs", "object customer", f"{logs_url}?object_type=customer")
    add("logs", "operation cancel_sale_order", f"{logs_url}?operation=cancel_sale_order")
    if single is not None:
        add("logs", f"order number {single.name}", pages._url("v1:logs", ref=single.name) or "")
    if one_attempt:
        add("logs", "one order's attempts (1 row)", f"{logs_url}?order={one_attempt}")
    if newest_log is not None:
        week_end = newest_log.date()
        add(
            "logs",
            "date range (7 days)",
            f"{logs_url}?date_from={(week_end - timedelta(days=6)).isoformat()}&date_to={week_end.isoformat()}",
        )
    second = next_page(logs_url)
    if second:
        add("logs", "page 2 (next cursor)", second)
    half = attempts.count() // 2
    deep = attempts.order_by("-started_at", "-pk")[half : half + 1].first()
    if deep is not None:
        add("logs", "cursor half-way back", _cursor_at(AttemptCursorPagination(), logs_url, deep.started_at))
    failed_second = next_page(f"{logs_url}?status=failed")
    if failed_second:
        add("logs", "status failed, page 2 (next cursor)", failed_second)
    exports = min(requests, 10)
    add(
        "logs",
        "NDJSON export: status failed (first byte)",
        f"{reverse('v1:logs-export-ndjson')}?status=failed",
        requests=exports,
        streamed=True,
    )
    add(
        "logs",
        "CSV export: status failed (first byte)",
        f"{reverse('v1:logs-export-csv')}?status=failed",
        requests=exports,
        streamed=True,
    )

    pairs = [
        ("orders: page 2", "orders / first page", "orders / page 2 (next cursor)"),
        ("orders: half-way back", "orders / first page", "orders / cursor half-way back"),
        ("orders: failed page 2", "orders / tab failed", "orders / tab failed, page 2 (next cursor)"),
        ("orders: 200 rows", "orders / first page", "orders / first page, limit 200"),
        ("orders: 1 row", "orders / first page", "orders / search number"),
        ("logs: page 2", "logs / first page", "logs / page 2 (next cursor)"),
        ("logs: half-way back", "logs / first page", "logs / cursor half-way back"),
        ("logs: failed page 2", "logs / status failed", "logs / status failed, page 2 (next cursor)"),
        ("logs: 1 row", "logs / first page", "logs / one order's attempts (1 row)"),
    ]
    return cases, pairs, notes


def _counted(result: pages.Result) -> int:
    return sum(1 for query in result.queries if not query["sql"].startswith(TOUCH_SQL))


def compare_query_counts(results: list[pages.Result], pairs: list[tuple[str, str, str]]) -> list[str]:
    """Print each pair's query counts; the labels of the pairs that differ or were not measured."""

    def find(prefix: str) -> pages.Result | None:
        return next((r for r in results if r.name.startswith(prefix)), None)

    failures = []
    print(
        "\nQuery count of the first page against a later page or another page size (the key's touch left out):"
    )
    for label, first_name, other_name in pairs:
        first, other = find(first_name), find(other_name)
        if first is None or other is None or not first.measured or not other.measured:
            print(f"  {label:<24} not measured")
            failures.append(f"{label} (not measured)")
            continue
        same = _counted(first) == _counted(other)
        print(
            f"  {label:<24} {first.rows:>4} rows: {_counted(first):>2} queries; {other.rows:>4} rows: "
            f"{_counted(other):>2} queries  {'OK' if same else 'DIFFERS'}"
        )
        if not same:
            failures.append(label)
    return failures


def main() -> int:
    applied = MigrationRecorder(connection).applied_migrations()
    call_command("migrate", verbosity=0)
    migrated = set(MigrationRecorder(connection).applied_migrations()) - set(applied)
    if ARGS.reseed or not pages._seeded(ARGS.orders, ARGS.logs):
        print(f"Seeding {ARGS.orders:,} orders and {ARGS.logs:,} log rows (plus a second, small shop)...")
        timings = pages.seed(ARGS.orders, ARGS.logs)
        print("Seeded in " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
    else:
        print("Seed already in place (--reseed to load it again).")
        if migrated:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    shop = Shop.objects.get(domain=pages.MAIN_DOMAIN)
    counts = Order.objects.filter(shop=shop).values("sync_status").annotate(n=Count("pk")).order_by("-n")
    print(
        f"Code at {pages._code_version()}. {Order.objects.filter(shop=shop).count():,} orders ("
        + ", ".join(f"{row['sync_status']} {row['n']:,}" for row in counts)
        + f"), {SyncAttempt.objects.filter(shop=shop).count():,} log rows; failed orders "
        f"{Order.objects.filter(shop=shop, sync_status=SyncStatus.FAILED).count():,}."
    )

    ApiKey.objects.filter(shop=shop, name=KEY_NAME).delete()
    _key, plain = create_key(shop, KEY_NAME, ApiKey.Scope.READ, created_by=KEY_NAME)
    auth = {"Authorization": f"Bearer {plain}"}
    client = Client()
    cases, pairs, notes = build_cases(client, shop, auth, ARGS.requests)
    cases = [case for case in cases if ARGS.only in f"{case.group} / {case.label}"]
    load_before = os.getloadavg()
    results = []
    for case in cases:
        result = pages.measure(client, case, ARGS.warmup, ARGS.requests)
        if result.measured and result.rows == 0:
            result.error = "answered no rows"
        results.append(result)
        state = result.error or f"p95 {result.p95:.1f} ms, {len(result.queries)} queries, {result.rows} rows"
        print(f"  measured {case.group} / {case.label}: {state}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    pages._print_table(results, notes)
    differing = compare_query_counts(
        results, [p for p in pairs if any(r.name.startswith(p[1]) for r in results)]
    )
    nothing = [r.name for r in results if not r.measured]
    measured = [r for r in results if r.measured]
    print()
    verdicts = {}
    for judge, label, figure in (
        ("wall", "wall clock", "p95"),
        ("idle", "idle machine (idle p95)", "idle_p95"),
    ):
        late = [r for r in measured if getattr(r, figure) >= pages.TARGET_MS]
        verdicts[judge] = late
        print(
            f"VERDICT p95 < {pages.TARGET_MS:.0f} ms, {label}: {'MISSED' if late else 'MET'}, "
            f"{len(measured) - len(late)} of {len(results)} calls under it"
            + ("; over: " + "; ".join(f"{r.name} ({getattr(r, figure):.0f})" for r in late) if late else "")
        )
    over = verdicts[OWN.judge]
    print(
        f"VERDICT constant query count: {'MISSED' if differing else 'MET'}"
        + (f"; {', '.join(differing)}" if differing else "")
    )
    if nothing:
        print(f"VERDICT measured nothing for: {', '.join(nothing)}")
    if not ARGS.no_explain:
        pages._print_plans(results)
    print(
        f"\nMachine: {os.cpu_count()} cores shared with other work (load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after). In-process (Django's test client: authentication by key, throttle, view, "
        f"queries, JSON rendering; no network, no gunicorn); {ARGS.warmup} warm-up requests, then "
        f"{ARGS.requests} timed ones per call (exports: up to 10)."
    )
    ApiKey.objects.filter(shop=shop, name=KEY_NAME).delete()
    return 1 if nothing or over or differing or not results else 0


if __name__ == "__main__":
    raise SystemExit(main())
