"""Webhook intake under load: gunicorn (2 workers) on PostgreSQL + Redis, signed orders/create from loopback.

    .venv/bin/python bench/webhooks.py --requests 4000 --clients 8

Prints requests/s and p50/p99 latency for the webhook endpoint and, as the ceiling, for a trivial view on the
same server; then checks that every event was stored exactly once (10 % of the deliveries are duplicates).
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from statistics import median, quantiles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-webhook-secret-0123456789abcdef"
os.environ.update(
    {
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/synco_bench_webhooks"
        ),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"),
        "SYNCO_VAR_DIR": os.environ.get("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-")),
        "SHOPIFY_API_SECRET": SECRET,
        "DATABASE_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "synco.settings",
    }
)

from synco.shopify.auth import webhook_hmac  # noqa: E402

DOMAIN = "bench-shop.myshopify.com"


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


def _load(
    port: int, requests: list[tuple[str, bytes, dict[str, str]]], clients: int
) -> tuple[float, list[float], int]:
    """Send the requests from `clients` keep-alive connections; returns elapsed s, latencies (ms), errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [requests[i::clients] for i in range(clients)]

    def client(chunk: list[tuple[str, bytes, dict[str, str]]]) -> None:
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


def _webhooks(n: int) -> tuple[list[tuple[str, bytes, dict[str, str]]], int]:
    requests = []
    events = 0
    for number in range(n):
        duplicate = number % 10 == 9 and requests
        if duplicate:
            requests.append(requests[-1])  # the same event delivered again
            continue
        events += 1
        order_id = 7000000000 + number
        body = json.dumps(
            {
                "id": order_id,
                "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
                "name": f"#{number}",
                "line_items": [{"sku": "SKU-MUG", "quantity": 1}],
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": DOMAIN,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Hmac-Sha256": webhook_hmac(body, SECRET),
        }
        requests.append(("/webhooks/", body, headers))
    return requests, events


def _print(label: str, elapsed: float, latencies: list[float], errors: int) -> float:
    rate = len(latencies) / elapsed
    p99 = quantiles(latencies, n=100)[-1]
    print(f"{label:<22} {len(latencies):>8} {rate:>10.0f} {median(latencies):>8.1f} {p99:>8.1f} {errors:>7}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    _fresh_database()
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "synco.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
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
        webhooks, events = _webhooks(args.requests)
        _load(port, trivial[:200], args.clients)  # warm up both workers
        print(
            f"gunicorn 2 workers x 4 threads, PostgreSQL, Redis; {args.clients} keep-alive clients on loopback\n"
        )
        print(f"{'endpoint':<22} {'requests':>8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        ceiling = _print("trivial view /health/", *_load(port, trivial, args.clients))
        rate = _print("webhook orders/create", *_load(port, webhooks, args.clients))
        print(f"\nwebhook throughput = {rate / ceiling:.0%} of the trivial view")
        check = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from synclogs.models import WebhookReceipt as W; "
                "from django.db.models import Count; "
                "print(W.objects.count(), W.objects.values('event_id').annotate(n=Count('id')).filter(n__gt=1).count())",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        stored, doubled = (int(x) for x in check.stdout.split()[-2:])
        print(
            f"events sent {events} (+{args.requests - events} duplicate deliveries); stored {stored}; "
            f"lost {events - stored}; doubled {doubled}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["redis-cli", "-n", "13", "flushdb"], capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
