"""Schemathesis against the generated schema's settings operations: no 500s, every answer (and its status code) as
the schema says. Bounded (a few examples per operation), with a write key of a shop connected to the Odoo sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.keys import create_key
from synco.models import Shop

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
def write_key(shop: Shop, shared_connection: None) -> str:
    api_key, key = create_key(shop, "fuzz", "write")
    # The rate limit counts in the shared cache, by key id: an id the database gives again starts afresh.
    cache.delete(f"throttle_api_key-{api_key.prefix}")
    return key


@schema.include(path_regex="^/api/v1/settings/").parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_settings_api_answers_every_generated_request_as_its_schema_says(
    case: Any, write_key: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {write_key}"})

    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
