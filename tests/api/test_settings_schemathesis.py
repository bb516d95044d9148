"""Schemathesis against the generated schema's settings operations: no 500s, every answer (and its status code) as
the schema says. Bounded (a few examples per operation), with a write key of a shop connected to the Odoo sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from api.keys import create_key
from synco.models import Shop
from tests.api.fuzzing import SETTINGS, bounded, check_answer

# Schema conformance: CI's first pass (SQLite) runs it; the PostgreSQL pass leaves it (tests/conftest.py).
pytestmark = pytest.mark.schema_fuzz


@pytest.fixture
def write_key(shop: Shop, shared_connection: None) -> str:
    api_key, key = create_key(shop, "fuzz", "write")
    # The rate limit counts in the shared cache, by key id: an id the database gives again starts afresh.
    cache.delete(f"throttle_api_key-{api_key.prefix}")
    return key


@SETTINGS.parametrize()
@bounded(8)
def test_the_settings_api_answers_every_generated_request_as_its_schema_says(
    case: Any, write_key: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {write_key}"})

    check_answer(case, response)
