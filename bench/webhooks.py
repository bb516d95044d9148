"""Webhook intake under load: gunicorn (2 workers) on PostgreSQL + Redis, signed orders/create from loopback.

    .venv/bin/python bench/webhooks.py --requests 4000 --clients 8 --runs 3

Each run sends the same number of requests to a trivial view (`/health/`, the ceiling: same server, same
middleware) and then to the webhook endpoint, and prints requests/s, p50/p99 latency and the CPU each request
cost in the server, PostgreSQL, Redis and the load generator (all on one machine). Medians over the runs
follow. 10 % of the deliveries are duplicates (the same event again); at the end every event must be stored
exactly once and queued exactly once.

The server runs with `gunicorn.conf.py` (what production runs) and `DATABASE_CONN_MAX_AGE=60`; bodies are
realistic orders/create payloads from the Shopify sandbox's generator (`--payload small` for a 150-byte body).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median, quantiles

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-webhook-secret-0123456789abcdef"
os.environ.update(
    {
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_bench_webhooks"
        ),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/7"),
        "SYNCO_VAR_DIR": os.environ.get("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-")),
        "SHOPIFY_API_SECRET": SECRET,
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "synco.settings",
    }
)

from sandboxes.shopify.generator import generate_orders  # noqa: E402
from synco.shopify.auth import webhook_hmac  # noqa: E402

DOMAIN = "bench-shop.myshopify.com"
Request = tuple[str, bytes, dict[str, str]]
CPU_GROUPS = ("server", "postgres", "redis", "loadgen")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    requests: int
    rate: float
    p50: float
    p99: float
    errors: int
    cpu_ms: dict[str, float]  # CPU milliseconds per request, by process group
    machine_busy: float  # share of the machine's CPU in use during the phase (others' work included)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


def _cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _pids(server_pid: int) -> dict[str, list[int]]:
    """The processes whose CPU is counted: gunicorn and its workers, the PostgreSQL backends of the bench's
    database and the WAL writer (not other databases' backends), Redis."""
    groups: dict[str, list[int]] = {"server": [server_pid], "postgres": [], "redis": []}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == server_pid:
            groups["server"].append(int(entry))
        elif name == "redis-server":
            groups["redis"].append(int(entry))
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    backends = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"select pid from pg_stat_activity where datname = '{name}' or backend_type = 'walwriter'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    groups["postgres"] = [int(pid) for pid in backends.stdout.split()]
    return groups


def _cpu(pids: dict[str, list[int]]) -> dict[int, float]:
    """CPU seconds used so far by each counted process, and by this one (the load generator) under pid 0."""
    seconds = {pid: _cpu_seconds(pid) for group in pids.values() for pid in group}
    own = os.times()
    return {0: own.user + own.system} | {pid: value for pid, value in seconds.items() if value is not None}


def _machine() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _load(port: int, requests: list[Request], clients: int) -> tuple[float, list[float], int]:
    """Send the requests from `clients` keep-alive connections; returns elapsed s, latencies (ms), errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [requests[i::clients] for i in range(clients)]

    def client(chunk: list[Request]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for path, body, headers in chunk:
            started = time.perf_counter()
            connection.request("POST" if body else "GET", path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors[0]


def _measure(port: int, server_pid: int, requests: list[Request], clients: int) -> Phase:
    pids = _pids(server_pid)
    cpu_before, machine_before = _cpu(pids), _machine()
    elapsed, latencies, errors = _load(port, requests, clients)
    cpu_after, machine_after = _cpu(pids), _machine()
    busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
    used = {pid: cpu_after[pid] - cpu_before[pid] for pid in cpu_before if pid in cpu_after}
    cpu_ms = {group: sum(used.get(pid, 0.0) for pid in pids.get(group, [])) for group in CPU_GROUPS}
    cpu_ms["loadgen"] = used[0]
    return Phase(
        requests=len(latencies),
        rate=len(latencies) / elapsed,
        p50=median(latencies),
        p99=quantiles(latencies, n=100)[-1],
        errors=errors,
        cpu_ms={group: value * 1000 / len(latencies) for group, value in cpu_ms.items()},
        machine_busy=busy,
    )


def _bodies(n: int, kind: str, first_id: int) -> list[bytes]:
    if kind == "small":
        return [
            json.dumps(
                {
                    "id": first_id + i,
                    "admin_graphql_api_id": f"gid://shopify/Order/{first_id + i}",
                    "name": f"#{first_id + i}",
                    "line_items": [{"sku": "SKU-MUG", "quantity": 1}],
                }
            ).encode()
            for i in range(n)
        ]
    # Realistic orders/create bodies (customer, addresses, lines, taxes, discounts: ~5-17 KB, median ~10 KB).
    templates = generate_orders(100)
    bodies = []
    for i in range(n):
        order = dict(templates[i % len(templates)])
        order["id"] = first_id + i
        order["admin_graphql_api_id"] = f"gid://shopify/Order/{first_id + i}"
        bodies.append(json.dumps(order).encode())
    return bodies


def _webhooks(n: int, kind: str, first_id: int) -> tuple[list[Request], int]:
    """`n` signed orders/create deliveries, one in ten a repeat of the previous event; returns them and the
    number of distinct events."""
    requests: list[Request] = []
    events = 0
    for number, body in enumerate(_bodies(n, kind, first_id)):
        if number % 10 == 9 and requests:
            requests.append(requests[-1])  # the same event delivered again
            continue
        events += 1
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": DOMAIN,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-20T14:03:00.000Z",
            "X-Shopify-Hmac-Sha256": webhook_hmac(body, SECRET),
        }
        requests.append(("/webhooks/", body, headers))
    return requests, events


def _row(label: str, phase: Phase) -> str:
    cpu = " ".join(f"{phase.cpu_ms[group]:>8.2f}" for group in CPU_GROUPS)
    return (
        f"{label:<10} {phase.requests:>8} {phase.rate:>8.0f} {phase.p50:>7.1f} {phase.p99:>7.1f} "
        f"{phase.errors:>6} {cpu} {phase.machine_busy:>6.0%}"
    )


def _check_stored(broker: redis.Redis) -> tuple[int, int, int, int, int]:
    """(receipts stored, events stored more than once, messages queued, receipts never queued, receipts
    queued more than once) after the runs; the Celery messages are read from Redis as the worker would."""
    check = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from synclogs.models import WebhookReceipt as W; "
            "from django.db.models import Count; "
            "print(W.objects.values('event_id').annotate(n=Count('id')).filter(n__gt=1).count()); "
            "print(*W.objects.values_list('pk', flat=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    doubled_line, ids_line = check.stdout.strip().split("\n")[-2:]
    stored = {int(pk) for pk in ids_line.split()}
    messages = broker.lrange("celery", 0, -1)
    queued: Counter[int] = Counter()
    for raw in messages:
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        queued.update(
            args[0]
            if envelope["headers"]["task"] == "synco.shopify_app.tasks.process_webhooks_task"
            else args
        )
    never = len(stored - set(queued))
    twice = sum(1 for count in queued.values() if count > 1)
    return len(stored), int(doubled_line), len(messages), never, twice


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000, help="requests per endpoint and run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--payload", choices=("order", "small"), default="order")
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        help="extra gunicorn argument (repeatable), e.g. --gunicorn-arg=--threads=8",
    )
    args = parser.parse_args()
    # The bench reads the queue at the end, so nothing else may consume it: its own Redis database (7 by
    # default), of which it only ever empties the Celery queue.
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _fresh_database()
    broker.delete("celery")
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "synco.wsgi",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *args.gunicorn_arg,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        trivial = [("/health/", b"", {})] * args.requests
        plans = [
            _webhooks(args.requests, args.payload, 7_000_000_000 + run * 1_000_000)
            for run in range(args.runs)
        ]
        events = sum(count for _, count in plans)
        warmup, _ = _webhooks(200, "small", 6_000_000_000)
        _load(port, trivial[:400], args.clients)  # warm up every worker and thread
        _load(port, warmup, args.clients)
        events += sum(1 for i in range(200) if i % 10 != 9)
        sizes = sorted(len(body) for _, body, _ in plans[0][0])
        print(
            f"gunicorn.conf.py {' '.join(args.gunicorn_arg)}; PostgreSQL, Redis; {args.clients} keep-alive "
            f"clients on loopback; {args.payload} bodies, median {sizes[len(sizes) // 2]} bytes\n"
        )
        cpu_header = " ".join(f"{group:>8}" for group in CPU_GROUPS)
        print(f"{'':<10} {'':>8} {'':>8} {'':>7} {'':>7} {'':>6} {'CPU ms per request':^35}")
        print(
            f"{'endpoint':<10} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {cpu_header} {'busy':>6}"
        )
        results: list[tuple[Phase, Phase]] = []
        for run, (webhooks, _) in enumerate(plans, start=1):
            trivial_phase = _measure(port, server.pid, trivial, args.clients)
            webhook_phase = _measure(port, server.pid, webhooks, args.clients)
            results.append((trivial_phase, webhook_phase))
            print(_row("trivial", trivial_phase))
            print(_row("webhook", webhook_phase))
            print(
                f"  run {run}: webhook throughput = {webhook_phase.rate / trivial_phase.rate:.0%} of the trivial view"
            )
        if args.runs > 1:
            print("\nmedians")
            for label, index in (("trivial", 0), ("webhook", 1)):
                phases = [result[index] for result in results]
                print(
                    f"{label:<10} req/s {median(p.rate for p in phases):>6.0f}  p50 {median(p.p50 for p in phases):.1f} ms  "
                    f"p99 {median(p.p99 for p in phases):.1f} ms  server CPU {median(p.cpu_ms['server'] for p in phases):.2f} ms/request"
                )
        ratio = median(webhook.rate / trivial.rate for trivial, webhook in results)
        print(f"\nwebhook throughput = {ratio:.0%} of the trivial view (median of the runs' ratios)")
        time.sleep(1)  # receipts are queued after the answer
        deliveries = args.requests * args.runs + 200
        stored, doubled, messages, never, twice = _check_stored(broker)
        print(
            f"events sent {events} (+{deliveries - events} duplicate deliveries); stored {stored}; "
            f"lost {events - stored}; doubled {doubled}\n"
            f"queued in {messages} Celery messages ({stored / max(messages, 1):.1f} receipts each); "
            f"never queued {never}; queued twice {twice}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        broker.delete("celery")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
