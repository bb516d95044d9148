"""Schemathesis against the generated schema's log, webhook, health and me operations: no 500s, answers as the
schema says. Bounded (a few examples per operation), on a shop with attempts and webhooks of every state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.keys import create_key
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, Shop
from tests.api.fuzzing import RECORDS, bounded, check_answer
from tests.synclogs.helpers import NOW, attempt

# Schema conformance: CI's first pass (SQLite) runs it; the PostgreSQL pass leaves it (tests/conftest.py).
pytestmark = pytest.mark.schema_fuzz


@pytest.fixture
def read_key(db: None, shared_connection: None) -> str:
    shop = Shop.objects.create(
        domain="fuzz-logs.myshopify.com", access_token="shpat_fuzz", iana_timezone="Asia/Tokyo"
    )
    OdooConnection.objects.create(
        shop=shop, url="https://odoo.example.com", database="prod", login="api@example.com", secret="s3cret"
    )
    for n, status in enumerate(SyncAttempt.Status.values):
        attempt(
            shop,
            f"#{1000 + n}",
            status=status,
            started_at=NOW - timedelta(minutes=n),
            summary={
                "sale_order": {"id": n + 1, "amount_total": "10.5", "currency": "JPY"},
                "email": "a@b.co",
            },
            odoo_model="sale.order",
            odoo_id=n + 1,
        )
    for n, status in enumerate(WebhookReceipt.Status.values):
        WebhookReceipt.objects.create(
            shop=shop, shop_domain=shop.domain, topic="orders/updated", event_id=f"fuzz-{n}", status=status
        )
    _, key = create_key(shop, "fuzz", "read")
    return key


@RECORDS.parametrize()
@bounded(8)
def test_the_log_api_answers_every_generated_request_as_its_schema_says(case: Any, read_key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {read_key}"})

    check_answer(case, response)
