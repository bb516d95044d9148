"""Rate limits per API key: 429 with Retry-After beyond the rate, counted in the shared cache (every process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from api.models import ApiKey
from api.throttling import PerKeyRateThrottle
from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def three_a_minute(monkeypatch):
    # DRF reads the rates when the throttle class is defined: the test's rate goes on the class.
    monkeypatch.setattr(PerKeyRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_beyond_the_rate_a_key_gets_429_with_retry_after(keyed):
    for _ in range(3):
        assert keyed.read.get("/api/v1/me/").status_code == 200

    answer = keyed.read.get("/api/v1/me/")

    assert answer.status_code == 429
    assert 1 <= int(answer["Retry-After"]) <= 60
    assert answer.json()["error"]["code"] == "throttled"
    assert answer.json()["error"]["message"].startswith("Request was throttled.")


def test_the_limit_is_per_key(keyed, other_shop):
    for _ in range(3):
        keyed.read.get("/api/v1/me/")
    assert keyed.read.get("/api/v1/me/").status_code == 429

    # another key of the same shop, and another shop's key, have their own counts
    assert keyed.write.get("/api/v1/me/").status_code == 200
    assert other_shop.read.get("/api/v1/me/").status_code == 200
    # and so does a new client with the throttled key: the count is the key's, not the connection's
    assert client_with(keyed.read_key).get("/api/v1/me/").status_code == 429


def test_the_count_lives_in_the_configured_shared_cache(keyed):
    key = ApiKey.objects.get(shop=keyed.shop, name="monitoring")
    for _ in range(3):
        keyed.read.get("/api/v1/me/")

    history = cache.get(f"throttle_api_key-{key.prefix}")

    assert isinstance(history, list) and len(history) == 3
    assert settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.skipif(
    not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"),
    reason="another process sees the test's cache only on Redis (the database cache is in the test's transaction)",
)
def test_another_process_sees_the_same_count(keyed):
    key = ApiKey.objects.get(shop=keyed.shop, name="monitoring")
    for _ in range(3):
        keyed.read.get("/api/v1/me/")

    # a separate Python process with the same environment, as a second web worker would be
    script = (
        "import django, json; django.setup(); from django.core.cache import cache; "
        f"print(json.dumps(len(cache.get('throttle_api_key-{key.prefix}') or [])))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "synco.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == 3


def test_clearing_the_cache_keeps_other_keys_of_its_redis_database():
    if not settings.CACHES["default"]["BACKEND"].endswith("PrefixedRedisCache"):
        pytest.skip("the cache is not on Redis")
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    client.set("synco-test-not-a-cache-key", "queued task", ex=60)
    cache.set("something", 1, 60)

    cache.clear()

    assert cache.get("something") is None
    assert client.get("synco-test-not-a-cache-key") == b"queued task"
    client.delete("synco-test-not-a-cache-key")


def _caches_with(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("SYNCO_CACHE_URL", "CELERY_BROKER_URL")
    }
    env.update(variables, DJANGO_SETTINGS_MODULE="synco.settings")
    script = "import json; from django.conf import settings; print(json.dumps(settings.CACHES['default']))"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("variables", "backend", "location"),
    [
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/3"},
            "api.cache.PrefixedRedisCache",
            "redis://redis:6379/3",
        ),
        (
            {"CELERY_BROKER_URL": "filesystem://"},
            "django.core.cache.backends.db.DatabaseCache",
            "synco_cache",
        ),
        (
            {"CELERY_BROKER_URL": "amqp://rabbit//", "SYNCO_CACHE_URL": "rediss://cache:6380/0"},
            "api.cache.PrefixedRedisCache",
            "rediss://cache:6380/0",
        ),
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/0", "SYNCO_CACHE_URL": "database"},
            "django.core.cache.backends.db.DatabaseCache",
            "synco_cache",
        ),
    ],
)
def test_the_cache_follows_the_environment(variables, backend, location):
    done = _caches_with(**variables)

    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout.strip().splitlines()[-1])
    assert (chosen["BACKEND"], chosen["LOCATION"], chosen["KEY_PREFIX"]) == (backend, location, "synco")


def test_an_unknown_cache_url_stops_the_start():
    done = _caches_with(SYNCO_CACHE_URL="memcached://x")

    assert done.returncode != 0
    assert "SYNCO_CACHE_URL must be redis://" in done.stderr
