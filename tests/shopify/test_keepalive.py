"""Kept-alive connections to Shopify (synco/shopify/transport.py), counted by the sandbox's accepted connections.

Many GraphQL calls ride one connection; a query whose answer is lost is sent once more on a new connection; a
mutation whose answer is lost is reported, never sent twice; a redirect is never followed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sandboxes.shopify import cdn
from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import bucket, transport
from synco.shopify.client import ShopifyClient, ShopifySettings, is_mutation
from synco.shopify.media import fetch_image

DOMAIN = "synco-demo.myshopify.com"


@pytest.fixture
def sandbox(own_shopify_server: Any) -> Any:
    """The session's sandbox with no faults, no kept connections of earlier tests and its counters at zero."""
    own_shopify_server.control(reset=True)
    bucket.forget()
    transport.close_all()
    own_shopify_server.server.control(reset_stats=True)
    return own_shopify_server


def _gateway(sandbox: Any, timeout: float = 5) -> ShopifyClient:
    return ShopifyClient(
        ShopifySettings(domain=DOMAIN, token=sandbox.token, admin_origin=sandbox.base_url, timeout=timeout)
    )


def _stats(sandbox: Any) -> dict[str, Any]:
    return dict(sandbox.server.stats())


def test_it_sends_many_queries_over_one_connection(sandbox: Any) -> None:
    gateway = _gateway(sandbox)

    for _ in range(12):
        gateway.fetch_orders_page(after=None, query=None, first=3)

    stats = _stats(sandbox)
    assert stats["graphql_requests"] == 12
    assert stats["connections"] == 1


def test_clients_of_the_same_shop_share_the_connection(sandbox: Any) -> None:
    for _ in range(5):
        _gateway(sandbox).fetch_shop_timezone()

    assert _stats(sandbox)["connections"] == 1


def test_threads_share_the_pool_without_mixing_answers(sandbox: Any) -> None:
    expected = _gateway(sandbox).fetch_orders_page(after=None, query=None, first=4).results
    transport.close_all()
    sandbox.server.control(reset_stats=True)
    answers: list[list[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        gateway = _gateway(sandbox)
        try:
            for _ in range(5):
                page = gateway.fetch_orders_page(after=None, query=None, first=4)
                answers.append([r.gid for r in page.results])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert answers == [[r.gid for r in expected]] * 20
    stats = _stats(sandbox)
    assert stats["graphql_requests"] == 20
    assert 1 <= stats["connections"] <= 4


def test_it_sends_a_query_again_on_a_new_connection_when_its_answer_is_lost(sandbox: Any) -> None:
    gateway = _gateway(sandbox)
    gateway.fetch_shop_timezone()
    sandbox.server.control(drop_next=1)

    page = gateway.fetch_orders_page(after=None, query=None, first=5)

    assert len(page.results) == 5
    stats = _stats(sandbox)
    assert stats["injected_drops"] == 1
    assert stats["graphql_requests"] == 3
    assert stats["connections"] == 2


def test_it_reports_a_query_whose_answer_is_lost_twice(sandbox: Any) -> None:
    gateway = _gateway(sandbox)
    sandbox.server.control(drop_next=2)

    with pytest.raises(TransientGatewayError, match=r"^Cannot reach Shopify for synco-demo\.myshopify\.com"):
        gateway.fetch_orders_page(after=None, query=None, first=5)

    assert _stats(sandbox)["graphql_requests"] == 2


def test_it_never_sends_a_mutation_again_when_its_answer_is_lost(sandbox: Any) -> None:
    gateway = _gateway(sandbox)
    operations = sandbox.server.api.bulk_operations
    started_before = len(operations._ops)
    sandbox.server.control(drop_next=1)

    with pytest.raises(TransientGatewayError, match=r"^Cannot reach Shopify for synco-demo\.myshopify\.com"):
        gateway.start_bulk_orders("updated_at:>=2026-01-01")

    # Shopify started the operation once; the lost answer is reported, not replayed.
    stats = _stats(sandbox)
    assert stats["injected_drops"] == 1
    assert stats["graphql_requests"] == 1
    assert len(operations._ops) == started_before + 1


def test_it_tells_mutations_from_queries() -> None:
    assert is_mutation("mutation RunBulk($query: String!) { x }")
    assert is_mutation("  # start one\n\n mutation { x }")
    assert not is_mutation("query OrdersPage { orders { nodes { id } } }")
    assert not is_mutation("{ shop { name } }")
    assert not is_mutation("query Mutations { mutationLog }")


class _RedirectServer(ThreadingHTTPServer):
    seen: list[tuple[str, str | None]]
    status: int
    location: str


class _Redirecting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RedirectServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.server.seen.append((self.path, self.headers.get("X-Shopify-Access-Token")))
        self.send_response(self.server.status)
        self.send_header("Location", self.server.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST


@pytest.fixture
def redirecting() -> Iterator[tuple[_RedirectServer, _RedirectServer]]:
    """Two servers: the first answers every request with a redirect to the second."""
    servers = []
    for _ in range(2):
        server = _RedirectServer(("127.0.0.1", 0), _Redirecting)
        server.seen = []
        server.status = 307
        server.location = ""
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
    first, second = servers
    first.location = f"http://127.0.0.1:{second.server_address[1]}/elsewhere"
    yield first, second
    for server in servers:
        server.shutdown()
        server.server_close()
    transport.close_all()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_it_does_not_follow_a_redirect_with_the_access_token(redirecting: Any, status: int) -> None:
    first, second = redirecting
    first.status = status
    gateway = ShopifyClient(
        ShopifySettings(
            domain=DOMAIN, token="shpat_secret", admin_origin=f"http://127.0.0.1:{first.server_address[1]}"
        )
    )

    with pytest.raises(PermanentGatewayError, match=rf"with a redirect \(HTTP {status}\)"):
        gateway.fetch_shop_timezone()

    assert len(first.seen) == 1
    assert second.seen == []


def test_it_does_not_follow_a_redirect_of_a_bulk_result_file(redirecting: Any) -> None:
    first, second = redirecting
    gateway = ShopifyClient(ShopifySettings(domain=DOMAIN, token="shpat_secret"))

    with pytest.raises(TransientGatewayError, match=r"bulk result failed: HTTP 307"):
        list(gateway.iter_bulk_orders(f"http://127.0.0.1:{first.server_address[1]}/result.jsonl"))

    assert second.seen == []


def test_it_downloads_bulk_results_over_the_kept_alive_connection(sandbox: Any) -> None:
    gateway = _gateway(sandbox)
    operation = gateway.start_bulk_orders("updated_at:>=2000-01-01")
    status = gateway.bulk_status(operation)
    for _ in range(200):
        if status.finished:
            break
        threading.Event().wait(0.05)
        status = gateway.bulk_status(operation)
    assert status.status == "COMPLETED"

    first = [r.gid for r in gateway.iter_bulk_orders(status.url)]
    again = [r.gid for r in gateway.iter_bulk_orders(status.url)]

    assert len(first) == len(sandbox.server.store.orders(DOMAIN))
    assert again == first
    assert _stats(sandbox)["connections"] == 1


def test_product_images_come_over_one_connection(sandbox: Any) -> None:
    urls = [f"{sandbox.base_url}{cdn.PATH_PREFIX}tee-{n}.png" for n in range(4)]

    images = [fetch_image(url, 1_000_000, admin_origin=sandbox.base_url) for url in urls]

    assert all(image.startswith(b"\x89PNG") for image in images)
    assert _stats(sandbox)["connections"] == 1


def test_a_forked_worker_opens_its_own_connection_and_leaves_the_parents_open(sandbox: Any) -> None:
    import os

    gateway = _gateway(sandbox)
    gateway.fetch_shop_timezone()

    pid = os.fork()  # as Celery's prefork pool does after the parent used the pool
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            _gateway(sandbox).fetch_shop_timezone()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    gateway.fetch_shop_timezone()

    assert os.waitstatus_to_exitcode(status) == 0
    stats = _stats(sandbox)
    assert stats["connections"] == 2
    assert stats["graphql_requests"] == 3
