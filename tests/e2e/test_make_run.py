"""Start what `make run` starts (honcho + Procfile), log in, sync an order, see it Synced; change a quantity in
the Odoo sandbox and see the Shopify sandbox's level follow (Odoo's automation rule -> web -> worker)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandboxes.catalogue import CATALOGUE
from sandboxes.shopify.catalog import variants_by_sku
from tests.e2e.helpers import Browser, syncable_order_ids, wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningApp:
    base: str
    shopify: str
    odoo: str


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """One `make run` (migrate, seed_demo, honcho) for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("make_run")
    web, shopify, odoo = _free_port(), _free_port(), _free_port()
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
        },
        "SYNCO_VAR_DIR": str(tmp_path / "var"),
        "SYNCO_CACHE_DIR": os.environ.get("SYNCO_CACHE_DIR", str(ROOT / "var" / "cache")),
        "SYNCO_PORT": str(web),
        "SANDBOX_SHOPIFY_PORT": str(shopify),
        "SANDBOX_ODOO_PORT": str(odoo),
        "SHOPIFY_ADMIN_ORIGIN": f"http://127.0.0.1:{shopify}",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo", "--orders", "12"], cwd=ROOT, env=env, check=True)
    log = (tmp_path / "honcho.log").open("wb")
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{web}"
    try:
        wait_for(lambda: Browser(base).get("/health/") == '{"status": "ok"}', 60, "the web process")
        yield RunningApp(base, f"http://127.0.0.1:{shopify}", f"http://127.0.0.1:{odoo}")
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
        log.close()
        print((tmp_path / "honcho.log").read_text()[-5000:])


def test_it_serves_the_orders_page_and_syncs_an_order_end_to_end(running_app):
    browser = Browser(running_app.base)

    page = browser.login("demo", "synco-demo")

    assert "<h1>Orders</h1>" in page
    assert "#1001" in page
    # The demo deliberately holds a few orders Odoo cannot take (an unknown SKU): the first good one must sync.
    for order_id in syncable_order_ids(page)[:3]:
        row = browser.post(f"/orders/{order_id}/sync/", headers={"HX-Request": "true"})
        assert 'data-status="queued"' in row

        def settled(order_id: int = order_id) -> bool:
            html = browser.get(f"/orders/{order_id}/row/", headers={"HX-Request": "true"})
            return 'aria-busy="true"' not in html  # neither queued nor in progress any more

        wait_for(settled, 60, "the worker to sync the order")
        row = browser.get(f"/orders/{order_id}/row/", headers={"HX-Request": "true"})
        if 'data-status="synced"' in row:
            assert re.search(r"\(id \d+\)", row)
            return
        assert 'data-status="failed"' in row and 'class="reason"' in row, row
    raise AssertionError("none of the first three orders synced")


def _shopify_available(app: RunningApp, item: int, location: int) -> int | None:
    with urllib.request.urlopen(f"{app.shopify}/sandbox/inventory", timeout=5) as response:
        body = json.load(response)
    levels = [lvl for lvl in body["levels"] if (lvl["item_id"], lvl["location_id"]) == (item, location)]
    return int(levels[0]["available"]) if levels else None


def _set_shopify_available(app: RunningApp, item: int, location: int, available: int) -> None:
    """The merchant changes the level in Shopify's admin (the sandbox sends inventory_levels/update)."""
    data = json.dumps({"inventory_item_id": item, "location_id": location, "available": available}).encode()
    request = urllib.request.Request(
        f"{app.shopify}/sandbox/inventory", data=data, headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=5).close()


def _wait_level(app: RunningApp, item: int, location: int, wanted: int, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if _shopify_available(app, item, location) == wanted:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"Shopify's level is {_shopify_available(app, item, location)}, not {wanted}")


def test_an_odoo_quantity_change_reaches_shopify_within_seconds(running_app):
    # given the demo shop as `make run` seeds it: Main warehouse mapped to Odoo's warehouse, rules installed
    sku = next(item.sku for item in CATALOGUE if item.storable)
    item = variants_by_sku()[sku].inventory_item_id
    with urllib.request.urlopen(f"{running_app.shopify}/sandbox/inventory", timeout=5) as response:
        main = next(loc["id"] for loc in json.load(response)["locations"] if loc["name"] == "Main warehouse")
    common = xmlrpc.client.ServerProxy(f"{running_app.odoo}/xmlrpc/2/common", allow_none=True)
    uid = common.authenticate("synco_demo", "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{running_app.odoo}/xmlrpc/2/object", allow_none=True)

    def odoo(model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return models.execute_kw("synco_demo", uid, "admin", model, method, list(args), kwargs)

    product = odoo("product.product", "search", [["default_code", "=", sku]])[0]
    stock = odoo("stock.warehouse", "search_read", [], fields=["lot_stock_id"], order="id", limit=1)[0]
    counted = (_shopify_available(running_app, item, main) or 0) + 7

    # when a warehouse worker counts the item in Odoo
    quant = odoo(
        "stock.quant",
        "create",
        {"product_id": product, "location_id": stock["lot_stock_id"][0], "inventory_quantity": counted},
        context={"inventory_mode": True},
    )
    try:
        odoo("stock.quant", "action_apply_inventory", [quant])
    except xmlrpc.client.Fault as exc:  # it returns None, which XML-RPC cannot carry back: it ran
        assert "None" in str(exc)

    # then Shopify's level follows within seconds
    latency = _wait_level(running_app, item, main, counted, 10)
    print(f"make run: Odoo quantity -> Shopify level in {latency:.2f} s")

    # and a change made in Shopify is put back to Odoo's figure (Odoo is the stock master)
    _set_shopify_available(running_app, item, main, counted - 3)
    latency = _wait_level(running_app, item, main, counted, 10)
    print(f"make run: Shopify change -> Odoo's figure re-asserted in {latency:.2f} s")
    time.sleep(2)
    assert _shopify_available(running_app, item, main) == counted  # no write loop moving it again
