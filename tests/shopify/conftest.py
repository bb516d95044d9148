"""A Shopify sandbox of the module's own, for tests that count what the sandbox saw (connections, requests,
THROTTLED answers): the session's shared sandbox may still be answering a request an earlier test held."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SHOP_DOMAIN, ShopifySandbox


@pytest.fixture(scope="module")
def own_shopify_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopifySandbox]:
    from sandboxes.shopify.server import start_in_thread
    from sandboxes.shopify.store import seed_demo

    state = Path(tmp_path_factory.mktemp("own-shopify")) / "shopify.json"
    token = seed_demo(state, shop_domain=SHOP_DOMAIN, n_orders=20)
    server, base_url = start_in_thread(state_path=state, port=0)
    yield ShopifySandbox(server, base_url, token)
    server.shutdown_sandbox()
