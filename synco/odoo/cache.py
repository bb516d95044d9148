"""Per-process cache of slow-changing Odoo lookups (taxes, countries, currency, payment term), per database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from synco.odoo.client import OdooClient

T = TypeVar("T")
TTL_SECONDS = 300.0
_entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
_lock = threading.Lock()


def cached(client: OdooClient, name: str, load: Callable[[], T]) -> T:
    key = (client.settings.session_key, name)
    with _lock:
        hit = _entries.get(key)
    if hit and time.monotonic() - hit[0] < TTL_SECONDS:
        value: T = hit[1]
        return value
    value = load()
    store(client, name, value)
    return value


def store(client: OdooClient, name: str, value: Any) -> None:
    with _lock:
        _entries[(client.settings.session_key, name)] = (time.monotonic(), value)


def forget(client: OdooClient | None = None) -> None:
    """Drop what is cached for the client's database (for every database without one)."""
    with _lock:
        if client is None:
            _entries.clear()
            return
        for key in [key for key in _entries if key[0] == client.settings.session_key]:
            del _entries[key]
