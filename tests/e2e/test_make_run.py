"""Start what `make run` starts (honcho + Procfile), log in, sync an order, see it Synced."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import Browser, syncable_order_ids, wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[str]:
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
        yield base
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
        log.close()
        print((tmp_path / "honcho.log").read_text()[-5000:])


def test_it_serves_the_orders_page_and_syncs_an_order_end_to_end(running_app):
    browser = Browser(running_app)

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
