"""Shared fixtures: the two sandboxes on ephemeral ports, reached over real HTTP."""

from __future__ import annotations

import json
import os
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synco.models import OdooConnection, OrderRules, Shop
from tests.celery_worker import WorkerProcess, celery_worker

ODOO_DB = "synco_demo"
ODOO_LOGIN = "admin"
ODOO_PASSWORD = "admin"
SHOP_DOMAIN = "synco-demo.myshopify.com"
MERCHANT_USERNAME = "merchant"
MERCHANT_PASSWORD = "pw-merchant-1"


def post_json(url: str, payload: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


class OdooSandbox:
    """Test handle on the Odoo sandbox: fault injection and direct reads over XML-RPC."""

    def __init__(self, server: Any, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self.port = int(base_url.rsplit(":", 1)[1])

    def control(self, **payload: Any) -> Any:
        return post_json(f"{self.base_url}/sandbox/control", payload)

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        uid = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/common").authenticate(
            ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, {}
        )
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(ODOO_DB, uid, ODOO_PASSWORD, model, method, list(args), kwargs)

    def sale_orders(self, origin: str) -> list[dict[str, Any]]:
        return self.execute(
            "sale.order",
            "search_read",
            [["origin", "=", origin]],
            fields=[
                "name",
                "state",
                "amount_untaxed",
                "amount_tax",
                "amount_total",
                "order_line",
                "date_order",
                "partner_id",
                "partner_invoice_id",
                "partner_shipping_id",
                "client_order_ref",
            ],
        )


# What gives a test the database (pytest-django refuses it to every other test in this process).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "django_db_setup",
        "_django_db_helper",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (CI's second pass, on PostgreSQL: the rest does not "
        "depend on which database is configured and already ran in the first)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether the test can reach the database: a django_db mark or a fixture that opens it, however deep."""
    if item.get_closest_marker("django_db") is not None:
        return True
    if not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())):
        return True
    # pytest-django's own autouse fixtures hold django_db_blocker in every test; ours unblock with it.
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    if "django_db_blocker" in info.argnames:
        return True
    return any(
        "django_db_blocker" in definition.argnames
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
        if not getattr(definition.func, "__module__", "").startswith("pytest_django")
    )


def in_database_pass(item: pytest.Item) -> bool:
    """Kept by CI's PostgreSQL pass: it uses the database, and is not marked `schema_fuzz` (schemathesis against
    the API's schema checks the schema and the views, which the first pass does; the endpoints' own tests, which
    run in both passes, check what PostgreSQL does differently)."""
    return uses_database(item) and item.get_closest_marker("schema_fuzz") is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_tests_only"):
        return
    kept = [item for item in items if in_database_pass(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not in_database_pass(item)])
        items[:] = kept


# The sandboxes listen on http://127.0.0.1:<port>: the development setting that lets loopback http through,
# for this process (the fixture below) and the processes tests start (Celery worker, web server).
os.environ.setdefault("SYNCO_ODOO_ALLOW_LOOPBACK_HTTP", "true")


@pytest.fixture(autouse=True)
def odoo_loopback_allowed(settings: Any) -> None:
    settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = True


@pytest.fixture(autouse=True)
def shopify_bucket_per_process(settings: Any) -> None:
    """In this process a test's Shopify calls keep the rate-limit bucket to themselves (no database or Redis
    needed); tests/shopify/test_shared_bucket.py picks the shared backends, the Celery workers use theirs."""
    settings.SYNCO_SHOPIFY_BUCKET_BACKEND = "process"


@pytest.fixture(autouse=True)
def shopify_app_secret(settings: Any) -> None:
    """Tests sign webhooks and session tokens with their own secret (as Shopify would with the app's)."""
    settings.SHOPIFY_API_SECRET = "synco-test-app-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2's million rounds cost about 0.3 s per create_user and per login: minutes per run over the ~900
    tests with a merchant. The login flows under test are the same with a fast hasher; production keeps Django's."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def odoo_server() -> Iterator[OdooSandbox]:
    from sandboxes.odoo.server import start_in_thread as start_odoo

    server, base_url = start_odoo(state_path=None, port=0)
    yield OdooSandbox(server, base_url)
    server.shutdown_and_save()


@pytest.fixture
def odoo(odoo_server: OdooSandbox) -> OdooSandbox:
    """A freshly seeded Odoo for each test (and no per-process Odoo caches left from the last one)."""
    from synco.odoo import cache
    from synco.odoo.client import forget_sessions

    # Faults too: a test that left Odoo down or slow must not slow or break the next one.
    odoo_server.control(reset=True, fail_next=0, latency_ms=0, drop_after_write=0, down=False)
    cache.forget()
    forget_sessions()
    return odoo_server


class ShopifySandbox:
    def __init__(self, server: Any, base_url: str, token: str) -> None:
        self.server = server
        self.base_url = base_url
        self.token = token

    def control(self, **payload: Any) -> Any:
        return post_json(f"{self.base_url}/sandbox/control", payload)


@pytest.fixture(scope="session")
def shopify_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopifySandbox]:
    from sandboxes.shopify.server import start_in_thread as start_shopify
    from sandboxes.shopify.store import seed_demo

    state = Path(tmp_path_factory.mktemp("shopify")) / "shopify.json"
    token = seed_demo(state, shop_domain=SHOP_DOMAIN, n_orders=60)
    server, base_url = start_shopify(state_path=state, port=0)
    yield ShopifySandbox(server, base_url, token)
    server.shutdown_sandbox()


@pytest.fixture
def shopify(shopify_server: ShopifySandbox, settings: Any) -> ShopifySandbox:
    settings.SHOPIFY_ADMIN_ORIGIN = shopify_server.base_url
    return shopify_server


@pytest.fixture
def added_shopify_orders_removed(shopify: ShopifySandbox) -> Iterator[None]:
    """The orders a test adds to the Shopify sandbox (shared by the session) are taken out again after it."""
    store = shopify.server.store
    before = {int(o["id"]) for o in store.orders(SHOP_DOMAIN)}
    yield
    store.remove_orders(
        SHOP_DOMAIN, [int(o["id"]) for o in store.orders(SHOP_DOMAIN) if int(o["id"]) not in before]
    )


@pytest.fixture
def shop(db: None, odoo: OdooSandbox) -> Shop:
    """The demo shop connected to the Odoo sandbox (and, through the `shopify` fixture, the Shopify one)."""
    shop = Shop.objects.create(domain=SHOP_DOMAIN, name="Synco Demo", access_token="shpat_unused")
    OdooConnection.objects.create(
        shop=shop,
        url=f"http://127.0.0.1:{odoo.port}",
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=ODOO_PASSWORD,
    )
    OrderRules.objects.create(shop=shop)
    return shop


@pytest.fixture
def merchant(db: None, shop: Shop, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(MERCHANT_USERNAME, password=MERCHANT_PASSWORD)
    shop.users.add(user)
    return user


@pytest.fixture
def merchant_client(client: Any, merchant: Any) -> Any:
    client.force_login(merchant)
    return client


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_worker(transactional_db: None, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A real Celery worker on Redis sharing the test database (hence a transactional test)."""
    with celery_worker(tmp_path / "celery-worker.log") as worker:
        yield worker
    # pytest shows this only for a failed test: what the worker did, in its own words
    print(f"--- Celery worker log ({worker.log_path}) ---\n{worker.log()[-6000:]}")
