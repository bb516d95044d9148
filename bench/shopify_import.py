"""Import N orders from the Shopify sandbox through Synco's gateway, under the standard plan's rate limit.

    .venv/bin/python bench/shopify_import.py --orders 10000
    .venv/bin/python bench/shopify_import.py --orders 1000 2000 4000     # is memory flat as N grows?

Prints orders/s, elapsed time against the rate-limit floor (what the bucket forces: total actual query cost
minus the initial bucket, divided by the restore rate), THROTTLED responses, and the importing process's peak
Python memory (tracemalloc). The sandbox runs in its own process, so its memory is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
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
from synco.shopify import client as client_module  # noqa: E402
from synco.shopify.client import ShopifyClient, ShopifySettings  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


def run(n: int, plan: str) -> dict[str, float]:
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
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
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
        client_module._buckets.clear()
        client_module._query_costs.clear()
        shop, _ = Shop.objects.get_or_create(domain=DEMO_SHOP_DOMAIN)
        Order.objects.filter(shop=shop).delete()
        gateway = ShopifyClient(
            ShopifySettings(domain=DEMO_SHOP_DOMAIN, token=DEMO_ACCESS_TOKEN, admin_origin=base)
        )
        costs: list[float] = []
        original = gateway._remember_cost

        def remember(key, body):  # count what each page really cost
            cost = (body.get("extensions") or {}).get("cost") or {}
            if cost.get("actualQueryCost") is not None:
                costs.append(float(cost["actualQueryCost"]))
            original(key, body)

        gateway._remember_cost = remember  # type: ignore[method-assign]
        tracemalloc.start()
        started = time.perf_counter()
        imported = 0
        for result in gateway.iter_orders(query=None):
            store_order(shop, result)
            imported += 1
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        bucket = client_module._buckets[DEMO_SHOP_DOMAIN]
        floor = max(0.0, sum(costs) - bucket.maximum) / bucket.restore_rate
        return {
            "orders": imported,
            "elapsed": elapsed,
            "rate": imported / elapsed,
            "floor": floor,
            "cost": sum(costs),
            "throttled": gateway.throttled,
            "requests": gateway.requests,
            "waited": gateway.waited,
            "peak_mb": peak / 1e6,
            "restore": bucket.restore_rate,
            "bucket": bucket.maximum,
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
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(
        f"plan {args.plan}; page size {client_module.PAGE_SIZE} orders x {client_module.PAGE_LINES} lines\n"
    )
    print(
        f"{'orders':>7} {'elapsed s':>10} {'orders/s':>9} {'floor s':>8} {'vs floor':>9} {'requests':>9} "
        f"{'THROTTLED':>10} {'waited s':>9} {'peak MB':>8}"
    )
    for n in args.orders:
        r = run(n, args.plan)
        ratio = r["elapsed"] / r["floor"] if r["floor"] else float("nan")
        print(
            f"{r['orders']:>7.0f} {r['elapsed']:>10.1f} {r['rate']:>9.1f} {r['floor']:>8.1f} {ratio:>8.2f}x "
            f"{r['requests']:>9.0f} {r['throttled']:>10.0f} {r['waited']:>9.1f} {r['peak_mb']:>8.1f}"
        )
    print("\nfloor = (total actualQueryCost - bucket size) / restore rate; 'vs floor' = elapsed / floor.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
