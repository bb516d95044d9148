"""Import N orders from the Shopify sandbox through Synco's gateway, under the standard plan's rate limit.

    .venv/bin/python bench/shopify_import.py --orders 10000
    .venv/bin/python bench/shopify_import.py --orders 1000 2000 4000     # is memory flat as N grows?

Prints orders/s, elapsed time against the rate-limit floor (what the bucket forces: total actual query cost
minus the initial bucket, divided by the restore rate), THROTTLED responses, and the importing process's peak
Python memory (tracemalloc). The sandbox runs in its own process, so its memory is not counted.

Then, per 1,000 orders: GraphQL calls, TCP connections the sandbox accepted for them (it counts accepts;
Synco keeps connections alive, so one connection carries every call), seconds in all and seconds inside the
calls. --bucket picks where the rate-limit bucket is kept (SYNCO_SHOPIFY_BUCKET_BACKEND; auto = the database
unless CELERY_BROKER_URL is redis://). After the import, --small-calls N sends N one-point queries
(`shop { ianaTimezone }`) to isolate what each call costs besides Shopify's work. With --tls the sandbox
serves https with a throwaway certificate, so every new connection costs a TLS handshake, as with Shopify.

    .venv/bin/python bench/shopify_import.py --orders 1000 --plan enterprise --tls
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from orders.models import Order  # noqa: E402
from orders.services import store_order  # noqa: E402
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN  # noqa: E402
from synco.models import Shop  # noqa: E402
from synco.shopify import bucket, transport  # noqa: E402
from synco.shopify import client as client_module  # noqa: E402
from synco.shopify.client import ShopifyClient, ShopifySettings  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_TLS: ssl.SSLContext | None = None


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10, context=_TLS) as response:
        return json.loads(response.read())


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10, context=_TLS).read()


def _certificate() -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, trusted by this process only (SSL_CERT_FILE)."""
    global _TLS
    folder = Path(tempfile.mkdtemp(prefix="synco-bench-tls-"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    os.environ["SSL_CERT_FILE"] = str(cert)  # httpx (trust_env) and urllib's default context read it
    _TLS = ssl.create_default_context(cafile=str(cert))
    return cert, key


def _reset_gateway_caches() -> None:
    transport.close_all()
    bucket.forget()


def _hook_costs(gateway: ShopifyClient, costs: list[float], reports: list[bucket.Report]) -> None:
    original = gateway._remember_cost

    def remember(key: str, reserved: float, body: dict, *, throttled: bool) -> None:  # what each page cost
        report = bucket.parse_report(body, throttled=throttled)
        if report is not None:
            reports.append(report)
            if report.actual is not None:
                costs.append(report.actual)
        original(key, reserved, body, throttled=throttled)

    gateway._remember_cost = remember  # type: ignore[method-assign]


def run(n: int, plan: str, tls: tuple[Path, Path] | None, small_calls: int) -> dict[str, float]:
    port = _free_port()
    state = Path(settings.VAR_DIR) / f"shopify-{n}.json"
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandboxes.shopify",
            "--port",
            str(port),
            "--state",
            str(state),
            "--seed-orders",
            str(n),
            *(["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                _get(f"{base}/sandbox/health")
                break
            except OSError:
                if time.monotonic() > deadline or sandbox.poll() is not None:
                    raise RuntimeError("the Shopify sandbox did not start") from None
                time.sleep(0.2)
        _post(f"{base}/sandbox/control", {"plan": plan})
        _reset_gateway_caches()
        shop, _ = Shop.objects.get_or_create(domain=DEMO_SHOP_DOMAIN)
        Order.objects.filter(shop=shop).delete()
        gateway = ShopifyClient(
            ShopifySettings(domain=DEMO_SHOP_DOMAIN, token=DEMO_ACCESS_TOKEN, admin_origin=base)
        )
        costs: list[float] = []
        reports: list[bucket.Report] = []
        _hook_costs(gateway, costs, reports)
        in_gateway: list[float] = []
        execute = gateway.execute

        def timed_execute(document: str, variables: dict | None = None) -> dict:  # time in Shopify calls
            began = time.perf_counter()
            try:
                return execute(document, variables)
            finally:
                in_gateway.append(time.perf_counter() - began)

        gateway.execute = timed_execute  # type: ignore[method-assign]
        _post(f"{base}/sandbox/control", {"reset_stats": True})
        tracemalloc.start()
        started = time.perf_counter()
        imported = 0
        for result in gateway.iter_orders(query=None):
            store_order(shop, result)
            imported += 1
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stats = _get(f"{base}/sandbox/stats")
        if not reports:
            raise SystemExit("Shopify reported no query cost: nothing measured")
        import_requests = gateway.requests
        small = {"small_calls": 0.0, "small_seconds": 0.0, "small_connections": 0.0}
        if small_calls:
            _post(f"{base}/sandbox/control", {"reset_stats": True})
            began = time.perf_counter()
            for _ in range(small_calls):
                gateway.fetch_shop_timezone()
            small["small_seconds"] = time.perf_counter() - began
            after = _get(f"{base}/sandbox/stats")
            small["small_calls"] = after["graphql_requests"]
            small["small_connections"] = after["connections"] - 1
        limits = reports[-1]
        floor = max(0.0, sum(costs) - limits.maximum) / limits.restore_rate
        return {
            "orders": imported,
            "elapsed": elapsed,
            "rate": imported / elapsed,
            "floor": floor,
            "cost": sum(costs),
            "throttled": gateway.throttled,
            "requests": import_requests,
            "waited": gateway.waited,
            "gateway": sum(in_gateway),
            "graphql": stats["graphql_requests"],
            # minus the one connection this script's own /sandbox/stats request opened
            "connections": stats["connections"] - 1,
            "peak_mb": peak / 1e6,
            "restore": limits.restore_rate,
            "bucket": limits.maximum,
            **small,
        }
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, nargs="+", default=[10000])
    parser.add_argument("--plan", default="standard")
    parser.add_argument("--bucket", default="auto", choices=bucket.BACKENDS)
    parser.add_argument("--small-calls", type=int, default=200)
    parser.add_argument(
        "--tls", action="store_true", help="the sandbox serves https (a handshake per connection)"
    )
    args = parser.parse_args()
    tls = _certificate() if args.tls else None
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = args.bucket
    call_command("migrate", verbosity=0)
    print(
        f"plan {args.plan}; page size {client_module.PAGE_SIZE} orders x {client_module.PAGE_LINES} lines; "
        f"rate-limit bucket: {bucket.backend()}; {'https' if tls else 'http'}\n"
    )
    print(
        f"{'orders':>7} {'elapsed s':>10} {'orders/s':>9} {'floor s':>8} {'vs floor':>9} {'requests':>9} "
        f"{'THROTTLED':>10} {'waited s':>9} {'in calls s':>11} {'conns':>6} {'peak MB':>8}"
    )
    results = []
    for n in args.orders:
        r = run(n, args.plan, tls, args.small_calls)
        results.append(r)
        ratio = r["elapsed"] / r["floor"] if r["floor"] else float("nan")
        print(
            f"{r['orders']:>7.0f} {r['elapsed']:>10.1f} {r['rate']:>9.1f} {r['floor']:>8.1f} {ratio:>8.2f}x "
            f"{r['requests']:>9.0f} {r['throttled']:>10.0f} {r['waited']:>9.1f} {r['gateway']:>11.2f} "
            f"{r['connections']:>6.0f} {r['peak_mb']:>8.1f}"
        )
    print("\nfloor = (total actualQueryCost - bucket size) / restore rate; 'vs floor' = elapsed / floor.")
    print(
        "in calls = seconds inside the gateway's GraphQL calls (waits included); conns = TCP connections the"
    )
    print("sandbox accepted for them.\n\nPer 1,000 orders imported:")
    print(f"{'orders':>7} {'calls':>7} {'connections':>12} {'seconds':>8} {'in calls s':>11}")
    for r in results:
        if not r["orders"]:
            raise SystemExit("nothing was imported: nothing measured")
        k = 1000 / r["orders"]
        print(
            f"{r['orders']:>7.0f} {r['graphql'] * k:>7.1f} {r['connections'] * k:>12.1f} "
            f"{r['elapsed'] * k:>8.2f} {r['gateway'] * k:>11.2f}"
        )
    for r in results:
        if r["small_calls"]:
            print(
                f"\n{r['small_calls']:.0f} one-point calls (shop {{ ianaTimezone }}): "
                f"{1000 * r['small_seconds'] / r['small_calls']:.2f} ms per call, "
                f"{r['small_connections']:.0f} connections"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
