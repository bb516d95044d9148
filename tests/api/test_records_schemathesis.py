"""Schemathesis against the generated schema's log, webhook, health and me operations: no 500s, answers as the
schema says. Bounded (a few examples per operation), on a shop with attempts and webhooks of every state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.keys import create_key
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, Shop
from tests.synclogs.helpers import NOW, attempt

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def shared_connection() -> Iterator[None]:
    """In-process requests share the test's database connection (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


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


@schema.include(path_regex="^/api/v1/(logs|webhooks|health|me)/").parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_log_api_answers_every_generated_request_as_its_schema_says(case: Any, read_key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {read_key}"})

    case.validate_response(
        response, checks=[not_a_server_error, content_type_conformance, response_schema_conformance]
    )
