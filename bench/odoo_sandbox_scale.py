"""How the Odoo sandbox's cost grows with what it holds: the batched floor at several database sizes.

    .venv/bin/python bench/odoo_sandbox_scale.py                                   # 300, 1000, 5000 orders
    .venv/bin/python bench/odoo_sandbox_scale.py --sizes 300 2000 --modes confirmed --version 19

For each mode and size N, a fresh in-process sandbox gets N orders written by bench/odoo_floor.py's minimal raw
calls, 50 orders per call (XML-RPC, the real client library, as bench/backfill.py's floor). Printed: ms per order
over the whole run, and over its last 500 orders (`tail`: what a call costs once the database holds N orders;
a sandbox whose cost depends on the records a call touches, as a real Odoo's, keeps `tail` near the 300-order
figure); the process's CPU time per order (sandbox and client: steadier than the clock on a shared machine); and
`lookup ms`, the mean time of the searches a retry or a click makes before writing (an order by external id, by
origin, by reference, its lines, their external ids), for 10 orders once the N are written. The orders are read back afterwards; it exits 1 when a run wrote nothing or a count differs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

from odoo_floor import (  # noqa: E402
    MODES,
    MODULE,
    FloorError,
    Odoo,
    _catalogue,
    _Order,
    _orders,
    _verify,
    _write_chunk,
)

from sandboxes.odoo.server import start_in_thread  # noqa: E402

CHUNK = 50
TAIL = 500


@dataclass
class Run:
    mode: str
    orders: int
    seconds: float = 0.0
    tail_seconds: float = 0.0
    tail_orders: int = 0
    cpu_seconds: float = (
        0.0  # this process's CPU (sandbox and client): steadier than time on a shared machine
    )
    calls: int = 0
    lookup_seconds: float = 0.0
    lookups: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ms_per_order(self) -> float:
        return self.seconds * 1000 / self.orders if self.orders else 0.0

    @property
    def cpu_ms_per_order(self) -> float:
        return self.cpu_seconds * 1000 / self.orders if self.orders else 0.0

    @property
    def lookup_ms(self) -> float:
        return self.lookup_seconds * 1000 / self.lookups if self.lookups else 0.0

    @property
    def tail_ms_per_order(self) -> float:
        return self.tail_seconds * 1000 / self.tail_orders if self.tail_orders else 0.0


def _run(url: str, mode: str, count: int) -> Run:
    odoo = Odoo(url, "synco_demo", "admin", "admin")
    odoo.connect()
    catalogue = _catalogue(odoo)
    last = odoo.call("account.payment", "search", [], limit=1, order="id desc")
    payments_before = int(last[0]) if last else 0
    tag = uuid.uuid4().hex[:8]
    documents = _orders(tag, count, catalogue)
    invoice = mode == "invoice+payment"
    run = Run(mode, count)
    odoo.calls = 0
    tail_from = max(0, count - TAIL)
    cpu_began = time.process_time()
    for start in range(0, count, CHUNK):
        began = time.perf_counter()
        _write_chunk(odoo, documents[start : start + CHUNK], catalogue, invoice)
        spent = time.perf_counter() - began
        run.seconds += spent
        if start >= tail_from:
            run.tail_seconds += spent
            run.tail_orders += len(documents[start : start + CHUNK])
    run.cpu_seconds = time.process_time() - cpu_began
    run.calls = odoo.calls
    run.problems = _verify(odoo, tag, count, invoice, payments_before)
    _look_up(odoo, documents, run)
    return run


def _look_up(odoo: Odoo, documents: list[_Order], run: Run) -> None:
    """What a retry or a click reads before it writes, for 10 orders spread over the run: the order's external
    id, the order by its origin and by its reference, its lines by order, their external ids by record. The
    last order's are read once first, not timed (an index the sandbox builds on its first use is then built)."""
    sample = documents[:: max(1, len(documents) // 10)][:10]
    for timed, order in [(False, documents[-1])] + [(True, order) for order in sample]:
        began = time.perf_counter()
        [data] = odoo.call(
            "ir.model.data",
            "search_read",
            [["module", "=", MODULE], ["name", "in", [order.key]]],
            fields=["res_id"],
        )
        by_origin = odoo.call("sale.order", "search", [["origin", "=", order.origin]], limit=1, order="id")
        by_reference = odoo.call("sale.order", "search", [["client_order_ref", "=", order.name]], limit=1)
        lines = odoo.call(
            "sale.order.line", "search_read", [["order_id", "=", data["res_id"]]], fields=["id"]
        )
        line_data = odoo.call(
            "ir.model.data",
            "search_read",
            [["model", "=", "sale.order.line"], ["res_id", "in", [line["id"] for line in lines]]],
            fields=["name"],
        )
        if timed:
            run.lookup_seconds += time.perf_counter() - began
            run.lookups += 5
        if by_origin != [data["res_id"]] or by_reference != by_origin or len(line_data) != len(order.lines):
            run.problems.append(
                f"the look-ups of {order.name} found {by_origin}, {by_reference}, {line_data}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--version", type=int, default=18, choices=(17, 18, 19))
    args = parser.parse_args()
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes must be at least 1")

    server, url = start_in_thread(version=args.version)
    print(
        f"Odoo {args.version} sandbox (in-process), the floor batched by {CHUNK}, a fresh database per run\n"
    )
    print(
        f"{'mode':<16} {'orders':>7} {'seconds':>8} {'ms/order':>9} {'tail ms/order':>14} {'cpu ms/order':>13} "
        f"{'calls':>6} {'lookup ms':>9}  check"
    )
    runs: list[Run] = []
    try:
        for mode in args.modes:
            for size in args.sizes:
                server.control(reset=True)
                try:
                    run = _run(url, mode, size)
                except (FloorError, xmlrpc.client.Fault, OSError) as error:
                    run = Run(mode, size, problems=[f"failed: {error}"[:300]])
                runs.append(run)
                check = "; ".join(run.problems) or "ok (read back)"
                print(
                    f"{mode:<16} {size:>7} {run.seconds:>8.2f} {run.ms_per_order:>9.2f} "
                    f"{run.tail_ms_per_order:>14.2f} {run.cpu_ms_per_order:>13.2f} {run.calls:>6} "
                    f"{run.lookup_ms:>9.2f}  {check}",
                    flush=True,
                )
    finally:
        server.shutdown_and_save()
    failed = [run for run in runs if run.problems or not run.calls or not run.seconds or not run.lookups]
    if failed:
        print(
            "FAIL: "
            + "; ".join(f"{r.mode} {r.orders}: {'; '.join(r.problems) or 'nothing measured'}" for r in failed)
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
