"""Click Sync through the test client; a real Celery worker on Redis writes the order into the Odoo sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from orders.models import SyncStatus
from synco.celery import app as celery_app
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def redis_worker() -> Iterator[subprocess.Popen[bytes]]:
    broker = settings.CELERY_BROKER_URL
    assert broker.startswith("redis://"), (
        f"the end-to-end test needs a Redis broker, got {broker!r}: run `make test` or set CELERY_BROKER_URL"
    )
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "SYNCO_VAR_DIR": str(settings.VAR_DIR),
        "SYNCO_ENCRYPTION_KEY": ",".join(settings.SYNCO_ENCRYPTION_KEYS),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "synco",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_it_syncs_an_order_through_a_real_celery_worker(shop, odoo, merchant_client, redis_worker):
    # given an order that is not synced
    order = stored_order(shop, order_node())

    # when the merchant clicks Sync
    clicked = merchant_client.post(reverse("orders:sync", args=[order.pk]), HTTP_HX_REQUEST="true")
    assert "Queued" in clicked.content.decode()

    # then the row turns Synced, as the page's polling would show it
    deadline = time.monotonic() + 60
    html = ""
    while time.monotonic() < deadline:
        html = merchant_client.get(
            reverse("orders:row", args=[order.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        if 'hx-trigger="every 1s"' not in html:
            break
        assert redis_worker.poll() is None, redis_worker.stdout.read().decode() if redis_worker.stdout else ""
        time.sleep(0.3)
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, html
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert order.odoo_id == sale["id"]
    assert f"(id {sale['id']})" in html and "SHOP#1001" in html
    assert 'hx-trigger="every 1s"' not in html
