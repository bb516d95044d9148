"""Fulfilment push: Odoo RPC calls and Shopify GraphQL calls per shipped order, both directions.

    .venv/bin/python bench/fulfilments.py                    # 20 orders each way, Odoo sandbox
    .venv/bin/python bench/fulfilments.py --orders 50 --odoo-url http://127.0.0.1:8069 --db synco18

Everything on loopback: the Shopify sandbox (a thread of this process, its own shop and token) and the Odoo
sandbox (or a real Odoo). Orders are generated paid orders of the sandbox catalogue, imported by GID and synced
into Odoo as confirmed sale orders through Synco's real paths. Then:

* Odoo ships (`push_delivery`): for each order the warehouse validates its delivery, in full (half the orders,
  with a carrier tracking number) or partially (the others: one unit of the first line, a backorder for the rest,
  then the backorder too: two deliveries, two fulfilments). A push is counted from the call of
  `shipments.services.push_delivery` for one validated delivery to its return: Odoo RPC calls (the sync log's
  count for the push) and GraphQL requests the Shopify sandbox received meanwhile.
* Shopify ships (`apply_fulfillments`): the merchant fulfils in the Shopify admin (full, or one unit then the
  rest), and Synco validates the Odoo delivery (with a backorder for a partial one).

Printed per kind: shipments measured, RPC and GraphQL calls per shipment p50 / max, and per shipped order (the
sum over its shipments) p50 / max. The bench exits 1 if nothing was measured or a shipment did not land.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYNCO_VAR_DIR", tempfile.mkdtemp(prefix="synco-bench-fulfilments-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from orders.models import Order, SyncStatus  # noqa: E402
from orders.services import import_order, sync_order  # noqa: E402
from sandboxes.shopify.generator import generate_dataset  # noqa: E402
from sandboxes.shopify.server import start_in_thread as start_shopify  # noqa: E402
from shipments import services  # noqa: E402
from shipments.models import Shipment, ShipmentSettings  # noqa: E402
from synclogs.models import SyncAttempt  # noqa: E402
from synco.gateways import odoo_client_for  # noqa: E402
from synco.models import OdooConnection, OrderRules, Shop  # noqa: E402
from synco.odoo import cache  # noqa: E402
from synco.odoo.client import forget_sessions  # noqa: E402

TOKEN = "shpat_bench_fulfilments"


def _orders(count: int, seed: int) -> list[dict[str, Any]]:
    data = generate_dataset(count * 4, seed=seed, currency="USD")
    run = int(time.time()) % 100000
    picked: list[dict[str, Any]] = []
    for order in data.orders:
        if (
            order["financial_status"] != "paid"
            or order.get("cancelled_at")
            or order.get("refunds")
            or not any(line.get("variant_id") for line in order["line_items"])
        ):
            continue
        new_id = 7_700_000_000_000 + run * 10_000 + len(picked)
        order["id"] = new_id
        order["name"] = f"#F{new_id % 1_000_000}"
        order["line_items"] = [line for line in order["line_items"] if line.get("variant_id")]
        # unfulfilled, as placed (the generator makes some fulfilled already)
        order["fulfillments"], order["fulfillment_status"] = [], None
        for line in order["line_items"]:
            line["fulfillment_status"] = None
            line["fulfillable_quantity"] = line["quantity"]
        for index, line in enumerate(order["line_items"]):
            line["id"] = new_id * 100 + index
            line["admin_graphql_api_id"] = f"gid://shopify/LineItem/{line['id']}"
        picked.append(order)
        if len(picked) == count:
            break
    return picked


def _percentiles(values: list[int]) -> str:
    if not values:
        return "-"
    return f"p50 {statistics.median(values):g} / max {max(values)}"


def _push(server: Any, shop: Shop, order: Order, picking: int) -> tuple[int, int, str]:
    before = server.stats()["graphql_requests"]
    last = SyncAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outcome = services.push_delivery(order.pk, picking)
    graphql = server.stats()["graphql_requests"] - before
    rpc = sum(
        SyncAttempt.objects.filter(pk__gt=last, order=order, operation="push_fulfillment").values_list(
            "rpc_calls", flat=True
        )
    )
    return rpc, graphql, outcome


def _apply(server: Any, order: Order) -> tuple[int, int, list[str]]:
    before = server.stats()["graphql_requests"]
    last = SyncAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outcomes = services.apply_fulfillments(order.pk)
    graphql = server.stats()["graphql_requests"] - before
    rpc = sum(
        SyncAttempt.objects.filter(pk__gt=last, order=order, operation="validate_delivery").values_list(
            "rpc_calls", flat=True
        )
    )
    return rpc, graphql, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=20, help="orders per direction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--odoo-url", default="", help="a real Odoo instead of the sandbox")
    parser.add_argument("--db", default="synco_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    odoo_url = args.odoo_url
    if not odoo_url:
        from sandboxes.odoo.server import start_in_thread as start_odoo

        _odoo_server, odoo_url = start_odoo(state_path=None, port=0)
    server, shopify_url = start_shopify(port=0)
    run = int(time.time())
    shop = Shop.objects.create(domain=f"bench-fulfilments-{run}.myshopify.com", access_token=TOKEN)
    server.store.add_shop(shop.domain, [TOKEN])
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_url
    OdooConnection.objects.create(
        shop=shop, url=odoo_url, database=args.db, login=args.login, secret=args.password
    )
    OrderRules.objects.create(
        shop=shop, create_as=OrderRules.CreateAs.SALE_ORDER, auto_create_products=True, auto_create_taxes=True
    )
    settings_row = ShipmentSettings.objects.create(shop=shop)
    cache.forget()
    forget_sessions()
    odoo = odoo_client_for(shop)

    orders = _orders(args.orders * 2, args.seed)
    server.add_orders(orders, shop.domain)
    synced: list[Order] = []
    for placed in orders:
        import_order(shop.pk, f"gid://shopify/Order/{placed['id']}")
        stored = Order.objects.get(shop=shop, shopify_id=placed["id"])
        Order.objects.filter(pk=stored.pk).update(sync_status=SyncStatus.QUEUED, eligible=True)
        sync_order(stored.pk)
        stored.refresh_from_db()
        if stored.sync_status == SyncStatus.SYNCED:
            synced.append(stored)
    print(f"Odoo: {args.odoo_url or 'sandbox'}; {len(synced)} of {len(orders)} orders synced")
    to_shopify, to_odoo = synced[: len(synced) // 2], synced[len(synced) // 2 :]
    per_push: dict[str, list[tuple[int, int]]] = {"full": [], "partial": []}
    per_order: dict[str, list[tuple[int, int]]] = {"full": [], "partial": []}
    failures: list[str] = []

    for index, order in enumerate(to_shopify):
        kind = "full" if index % 2 == 0 else "partial"
        [delivery] = [d for d in odoo.deliveries(int(order.odoo_id or 0)) if d.state != "done"]
        totals = [0, 0]
        pickings = [delivery.id]
        if kind == "full":
            odoo.set_tracking_ref(delivery.id, f"1ZBENCH{order.pk:06d}")
            odoo.validate_delivery(
                delivery.id, {m.product_id: m.demand for m in delivery.moves}, backorder=True
            )
        else:
            first = delivery.moves[0]
            backorders = odoo.validate_delivery(delivery.id, {first.product_id: Decimal(1)}, backorder=True)
            pickings += backorders
        for position, picking in enumerate(pickings):
            if position:
                rest = next(d for d in odoo.deliveries(int(order.odoo_id or 0)) if d.id == picking)
                odoo.validate_delivery(picking, {m.product_id: m.demand for m in rest.moves}, backorder=False)
            rpc, graphql, outcome = _push(server, shop, order, picking)
            per_push[kind].append((rpc, graphql))
            totals[0] += rpc
            totals[1] += graphql
            if not Shipment.objects.filter(order=order, odoo_picking_id=picking, state="sent").exists():
                failures.append(f"{order.name} {picking}: {outcome}")
        per_order[kind].append((totals[0], totals[1]))

    ShipmentSettings.objects.filter(pk=settings_row.pk).update(shipper=ShipmentSettings.Shipper.SHOPIFY)
    back_push: dict[str, list[tuple[int, int]]] = {"full": [], "partial": []}
    for index, order in enumerate(to_odoo):
        kind = "full" if index % 2 == 0 else "partial"
        if kind == "full":
            server.fulfil_in_admin(order.shopify_id, shop.domain, emit=False)
        else:
            first = order.payload["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[-1]
            server.fulfil_in_admin(order.shopify_id, shop.domain, lines={int(first): 1}, emit=False)
        rpc, graphql, outcomes = _apply(server, order)
        back_push[kind].append((rpc, graphql))
        if not Shipment.objects.filter(order=order, state="validated").exists():
            failures.append(f"{order.name}: {outcomes}")

    print("\nOdoo ships -> Shopify fulfilments (push_delivery):")
    for kind in ("full", "partial"):
        pushes, whole = per_push[kind], per_order[kind]
        print(
            f"  {kind:8} {len(whole)} orders, {len(pushes)} pushes; per push RPC "
            f"{_percentiles([p[0] for p in pushes])}, GraphQL {_percentiles([p[1] for p in pushes])}; per order "
            f"RPC {_percentiles([o[0] for o in whole])}, GraphQL {_percentiles([o[1] for o in whole])}"
        )
    print("Shopify ships -> Odoo deliveries validated (apply_fulfillments):")
    for kind in ("full", "partial"):
        rows = back_push[kind]
        print(
            f"  {kind:8} {len(rows)} orders; per order RPC {_percentiles([r[0] for r in rows])}, GraphQL "
            f"{_percentiles([r[1] for r in rows])}"
        )
    for failure in failures[:10]:
        print("  not landed:", failure)
    measured = sum(len(v) for v in per_push.values()) + sum(len(v) for v in back_push.values())
    server.shutdown_sandbox()
    if not measured:
        print("nothing measured")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
