"""Shared API fixtures: two shops, a read key and a write key for the first, a key for the other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core import signals
from django.db import close_old_connections
from rest_framework.test import APIClient

from api.keys import create_key
from synco.models import Shop


@dataclass
class Keyed:
    shop: Shop
    read: APIClient
    write: APIClient
    read_key: str
    write_key: str


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def keyed(db) -> Keyed:
    shop = Shop.objects.create(
        domain="api-shop.myshopify.com", access_token="shpat_api", iana_timezone="Europe/Paris"
    )
    _, read_key = create_key(shop, "monitoring", "read")
    _, write_key = create_key(shop, "n8n", "write")
    return Keyed(shop, client_with(read_key), client_with(write_key), read_key, write_key)


@pytest.fixture
def other_shop(db) -> Keyed:
    shop = Shop.objects.create(domain="other-api.myshopify.com", access_token="shpat_other")
    _, read_key = create_key(shop, "theirs", "read")
    _, write_key = create_key(shop, "theirs-w", "write")
    return Keyed(shop, client_with(read_key), client_with(write_key), read_key, write_key)


@pytest.fixture
def shared_connection() -> Iterator[None]:
    """In-process requests (schemathesis' WSGI calls) share the test's database connection: the end of a request
    must not close it (as Django's test client does too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
