"""Schemathesis against the generated schema's /api/v1/orders/ operations: no 500s, answers as the schema says.

Bounded (a few examples per operation): the demo shop connected to the Odoo sandbox (previews read it), orders in
several states, a write key, and a broker that takes every task without running it. Syncing is not paused and
Odoo's circuit is closed: the 503s those states answer are tested in test_orders_actions.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.keys import create_key
from orders import tasks
from orders.models import ImportRun, SyncBatch, SyncStatus
from synco.models import Shop
from tests.api.fuzzing import ORDERS, bounded, check_answer
from tests.factories import order_node
from tests.orders.helpers import stored_order

# Schema conformance: CI's first pass (SQLite) runs it; the PostgreSQL pass leaves it (tests/conftest.py).
pytestmark = pytest.mark.schema_fuzz


@pytest.fixture
def write_key(shop: Shop, shared_connection: None, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(tasks.sync_order_task, "apply_async", lambda *args, **kwargs: None)
    monkeypatch.setattr(tasks.sync_shop_task, "apply_async", lambda *args, **kwargs: None)
    Shop.objects.filter(pk=shop.pk).update(iana_timezone="Asia/Tokyo")
    for n, status in enumerate(
        [SyncStatus.NOT_SYNCED, SyncStatus.FAILED, SyncStatus.SYNCED, SyncStatus.QUEUED]
    ):
        node = order_node(id=f"gid://shopify/Order/{100 + n}", name=f"#{100 + n}")
        stored_order(shop, node, status)
    SyncBatch.objects.create(shop=shop, total=0)
    order = shop.orders.first()
    assert order is not None
    ImportRun.objects.create(shop=shop, created_from=order.created_at, created_to=order.created_at)
    _, key = create_key(shop, "fuzz", "write")
    return key


@ORDERS.parametrize()
@bounded(8)
def test_the_orders_api_answers_every_generated_request_as_its_schema_says(case: Any, write_key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {write_key}"})

    check_answer(case, response)
