"""Locations, inventory levels and inventorySetQuantities of the Shopify sandbox, over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import shopify

from sandboxes.shopify.inventory import MAIN_WAREHOUSE, RETAIL_STORE
from sandboxes.shopify.oauth import body_hmac
from sandboxes.shopify.server import SandboxServer
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

SET = """mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { code field message } } }"""
MAIN = f"gid://shopify/Location/{MAIN_WAREHOUSE}"
RETAIL = f"gid://shopify/Location/{RETAIL_STORE}"


def _item(server: SandboxServer, sku: str = "SKU-MUG") -> tuple[int, str]:
    from sandboxes.shopify.catalog import variants_by_sku

    number = variants_by_sku()[sku].inventory_item_id
    return number, f"gid://shopify/InventoryItem/{number}"


def _input(item: str, quantity: int, change_from: int | None = None, location: str = MAIN) -> dict[str, Any]:
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://synco/StockQuant/1",
        "quantities": [
            {
                "inventoryItemId": item,
                "locationId": location,
                "quantity": quantity,
                "changeFromQuantity": change_from,
            }
        ],
    }


@pytest.fixture
def hooks() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            got.append((dict(self.headers), self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", got
    httpd.shutdown()
    httpd.server_close()


def _wait(got: list[Any], topic: str, n: int = 1) -> list[tuple[dict[str, str], bytes]]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [g for g in got if g[0].get("X-Shopify-Topic") == topic]
        if len(found) >= n:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no {topic} webhook; got {[g[0].get('X-Shopify-Topic') for g in got]}")


def test_locations_are_listed_with_the_inactive_and_legacy_ones_on_request(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    _server, base = sandbox
    query = """query($inactive: Boolean, $legacy: Boolean) { locations(first: 10, includeInactive: $inactive,
      includeLegacy: $legacy) { nodes { id name isActive fulfillsOnlineOrders isFulfillmentService
      address { address1 city zip countryCode } } pageInfo { hasNextPage } } }"""
    _, body, _ = gql(base, query)
    nodes = body["data"]["locations"]["nodes"]
    assert [n["name"] for n in nodes] == ["Main warehouse", "Retail store"]
    assert nodes[0] == {
        "id": MAIN,
        "name": "Main warehouse",
        "isActive": True,
        "fulfillsOnlineOrders": True,
        "isFulfillmentService": False,
        "address": {"address1": "1 Sandbox Way", "city": "New York", "zip": "10001", "countryCode": "US"},
    }
    _, body, _ = gql(base, query, {"inactive": True, "legacy": True})
    assert [n["name"] for n in body["data"]["locations"]["nodes"]] == [
        "Acme Fulfillment",
        "Main warehouse",
        "Pop-up (inactive)",
        "Retail store",
    ]


def test_skus_and_barcodes_map_to_inventory_items_and_levels_read_in_pages(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    server, base = sandbox
    number, item = _item(server)
    _, body, _ = gql(base, '{ inventoryItems(first: 5, query: "sku:SKU-MUG") { nodes { id sku tracked } } }')
    assert body["data"]["inventoryItems"]["nodes"] == [{"id": item, "sku": "SKU-MUG", "tracked": True}]
    _, body, _ = gql(
        base,
        '{ productVariants(first: 5, query: "barcode:0012345678950") { nodes { sku barcode inventoryItem { id tracked } } } }',
    )
    assert body["data"]["productVariants"]["nodes"] == [
        {"sku": "SKU-MUG", "barcode": "0012345678950", "inventoryItem": {"id": item, "tracked": True}}
    ]
    # every variant, page by page
    seen, after = [], None
    while True:
        _, body, _ = gql(
            base,
            "query($after: String) { productVariants(first: 6, after: $after) { nodes { sku inventoryItem { id } } "
            "pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )
        page = body["data"]["productVariants"]
        seen += [n["sku"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    from sandboxes.shopify.products import seed_items

    assert (
        len(seen) == len(set(seen)) == len(seed_items())
    )  # the demo catalogue and the Shopify-only products
    # levels of one item, and of a whole location in pages
    expected = {r["location_id"]: r for r in server.levels(item=number)}
    _, body, _ = gql(
        base,
        """query($id: ID!) { inventoryItem(id: $id) { inventoryLevels(first: 10) { nodes { location { id }
        quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } } }""",
        {"id": item},
    )
    for node in body["data"]["inventoryItem"]["inventoryLevels"]["nodes"]:
        row = expected[int(node["location"]["id"].rsplit("/", 1)[1])]
        assert {q["name"]: q["quantity"] for q in node["quantities"]} == {
            "available": row["available"],
            "on_hand": row["on_hand"],
            "committed": row["committed"],
        }
    _, body, _ = gql(
        base,
        """query($id: ID) { location(id: $id) { inventoryLevels(first: 10) { nodes { item { sku }
        quantities(names: ["available"]) { quantity } } pageInfo { hasNextPage endCursor } } } }""",
        {"id": RETAIL},
    )
    page = body["data"]["location"]["inventoryLevels"]
    assert len(page["nodes"]) == 10 and page["pageInfo"]["hasNextPage"] is True


def test_a_location_added_stocks_the_items_added_after_it_and_inventory_items_page_by_id(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    server, base = sandbox
    added = server.add_location("Bench depot")
    server.add_inventory_items(
        [{"sku": f"PAGED-{n:02d}"} for n in range(7)], quantities={MAIN_WAREHOUSE: 3, added["id"]: 4}
    )
    _, body, _ = gql(base, "{ locations(first: 10) { nodes { name isActive } } }")
    assert {"name": "Bench depot", "isActive": True} in body["data"]["locations"]["nodes"]
    seen, after = [], None
    while True:
        _, body, _ = gql(
            base,
            """query($after: String) { inventoryItems(first: 4, after: $after, query: "sku:PAGED-*") {
            edges { cursor node { id sku inventoryLevels(first: 5) { nodes { location { id }
            quantities(names: ["available"]) { quantity } } } } } pageInfo { hasNextPage endCursor } } }""",
            {"after": after},
        )
        page = body["data"]["inventoryItems"]
        seen += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    ids = [int(node["id"].rsplit("/", 1)[1]) for node in seen]
    assert ids == sorted(ids) and len(ids) == 7
    assert sorted(node["sku"] for node in seen) == [f"PAGED-{n:02d}" for n in range(7)]
    levels = {
        level["location"]["id"]: level["quantities"][0]["quantity"]
        for level in seen[0]["inventoryLevels"]["nodes"]
    }
    assert levels == {MAIN: 3, RETAIL: 0, f"gid://shopify/Location/{added['id']}": 4}


def test_set_quantities_changes_available_and_on_hand_and_sends_the_level_webhook(
    sandbox: tuple[SandboxServer, str], gql: Any, hooks: tuple[str, list[Any]]
) -> None:
    server, base = sandbox
    address, got = hooks
    server.control(app={"application_url": address})
    number, item = _item(server)
    before = server.levels(item=number, location=MAIN_WAREHOUSE)[0]
    status, body, _ = gql(
        base, SET, {"key": "push-1", "input": _input(item, before["available"] + 5, before["available"])}
    )
    assert status == 200
    answer = body["data"]["inventorySetQuantities"]
    assert answer["userErrors"] == []
    group = answer["inventoryAdjustmentGroup"]
    assert group["reason"] == "correction" and group["referenceDocumentUri"] == "gid://synco/StockQuant/1"
    assert [(c["name"], c["delta"], c["quantityAfterChange"]) for c in group["changes"]] == [
        ("available", 5, before["available"] + 5),
        ("on_hand", 5, before["on_hand"] + 5),
    ]
    assert group["changes"][0]["item"] == {"id": item} and group["changes"][0]["location"] == {"id": MAIN}
    after = server.levels(item=number, location=MAIN_WAREHOUSE)[0]
    assert (after["available"], after["on_hand"], after["committed"]) == (
        before["available"] + 5,
        before["on_hand"] + 5,
        before["committed"],
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    ((headers, raw),) = _wait(got, "inventory_levels/update")
    assert headers["X-Shopify-Hmac-Sha256"] == body_hmac(raw, server.app.api_secret)
    payload = json.loads(raw)
    assert payload == {
        "inventory_item_id": number,
        "location_id": MAIN_WAREHOUSE,
        "available": before["available"] + 5,
        "updated_at": payload["updated_at"],
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{MAIN_WAREHOUSE}?inventory_item_id={number}",
    }


def test_the_same_key_replays_and_changes_nothing_twice_and_a_reused_key_with_new_input_is_refused(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    server, base = sandbox
    number, item = _item(server, "SKU-CAP")
    _, first, _ = gql(base, SET, {"key": "same", "input": _input(item, 40)})
    server.set_level(None, number, MAIN_WAREHOUSE, 12, emit=False)  # a sale in between
    _, again, _ = gql(base, SET, {"key": "same", "input": _input(item, 40)})
    assert again["data"] == first["data"]
    assert server.levels(item=number, location=MAIN_WAREHOUSE)[0]["available"] == 12  # not applied twice
    _, other, _ = gql(base, SET, {"key": "same", "input": _input(item, 41)})
    assert other["data"]["inventorySetQuantities"] == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                "field": ["input"],
                "message": "The same idempotency key cannot be used with different operation parameters.",
            }
        ],
    }


def test_the_documented_refusals(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    number, item = _item(server, "SKU-TOTE")
    current = server.levels(item=number, location=MAIN_WAREHOUSE)[0]["available"]
    # no @idempotent directive (required from 2026-04)
    unkeyed = SET.replace("@idempotent(key: $key)", "").replace(", $key: String!", "")
    _, body, _ = gql(base, unkeyed, {"input": _input(item, 1)})
    assert (
        body["errors"][0]["message"]
        == "The @idempotent directive is required for this mutation but was not provided."
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # changeFromQuantity left out
    no_cas = _input(item, 1)
    del no_cas["quantities"][0]["changeFromQuantity"]
    _, body, _ = gql(base, SET, {"key": "k-cas", "input": no_cas})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    assert "changeFromQuantity" in body["errors"][0]["message"]
    # more than 250 quantities
    many = _input(item, 1)
    many["quantities"] = many["quantities"] * 251
    _, body, _ = gql(base, SET, {"key": "k-many", "input": many})
    assert (
        body["errors"][0]["message"]
        == "The input array size of 251 is greater than the maximum allowed of 250."
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    # stale compare-and-set, unknown item, unknown location: userErrors, nothing applied
    _, body, _ = gql(base, SET, {"key": "k-stale", "input": _input(item, 3, current + 1)})
    (error,) = body["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert error["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    _, body, _ = gql(base, SET, {"key": "k-item", "input": _input("gid://shopify/InventoryItem/1", 3)})
    assert body["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_INVENTORY_ITEM"
    _, body, _ = gql(
        base, SET, {"key": "k-loc", "input": _input(item, 3, location="gid://shopify/Location/71000000003")}
    )
    assert body["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_LOCATION"
    _, body, _ = gql(base, SET, {"key": "k-stale", "input": _input(item, 3, current + 1)})
    assert (
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
    )
    assert server.levels(item=number, location=MAIN_WAREHOUSE)[0]["available"] == current


def test_scopes_are_enforced_with_shopifys_access_denied(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    server, base = sandbox
    _number, item = _item(server)
    server.store.set_token_scope(
        DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_orders,read_products,read_inventory"
    )
    _, body, _ = gql(base, SET, {"key": "denied", "input": _input(item, 1)})
    (error,) = body["errors"]
    assert error["message"] == (
        "Access denied for inventorySetQuantities field. Required access: `write_inventory` access scope. "
        "Also: The user must have a permission to update an inventory."
    )
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    _, body, _ = gql(base, "{ locations(first: 5) { nodes { id } } }")
    assert body["errors"][0]["message"] == (
        "Access denied for locations field. Required access: `read_locations` access scope."
    )
    server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, None)  # back to the app's scopes
    _, body, _ = gql(base, "{ locations(first: 5) { nodes { id } } }")
    assert "errors" not in body


def test_throttled_like_any_query_and_reachable_with_shopifyapi(sandbox: tuple[SandboxServer, str]) -> None:
    server, base = sandbox
    _number, item = _item(server, "SKU-BEANIE")

    class SandboxGraphQL(shopify.GraphQL):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.endpoint = self.endpoint.replace(f"https://{DEMO_SHOP_DOMAIN}", base)

    session = shopify.Session(DEMO_SHOP_DOMAIN, "2026-10", DEMO_ACCESS_TOKEN)
    shopify.ShopifyResource.activate_session(session)
    try:
        client = SandboxGraphQL()
        raw = client.execute(SET, variables={"key": "lib-1", "input": _input(item, 9)}, operation_name="Set")
        server.control(bucket={"maximum_available": 5, "restore_rate": 1})
        throttled = client.execute(
            SET, variables={"key": "lib-2", "input": _input(item, 8)}, operation_name="Set"
        )
    finally:
        shopify.ShopifyResource.clear_session()
        server.control(bucket=None)
    assert json.loads(raw)["data"]["inventorySetQuantities"]["userErrors"] == []
    body = json.loads(throttled)
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


def test_set_level_in_the_admin_and_the_stock_page(
    sandbox: tuple[SandboxServer, str], post: Any, hooks: tuple[str, list[Any]]
) -> None:
    server, base = sandbox
    address, got = hooks
    server.control(app={"application_url": address})
    number, _item_gid = _item(server, "SKU-SOCKS-3")
    status, raw, _ = post(
        f"{base}/sandbox/inventory",
        {"inventory_item_id": number, "location_id": RETAIL_STORE, "available": 4},
    )
    assert status == 200 and json.loads(raw)["available"] == 4
    assert json.loads(_wait(got, "inventory_levels/update")[0][1])["available"] == 4
    import urllib.request

    page = urllib.request.urlopen(f"{base}/store/synco-demo/admin/stock", timeout=10).read().decode()
    assert "Main warehouse" in page and "SKU-SOCKS-3" in page and "Set" in page
    form = f"action=set_level&inventory_item_id={number}&location_id={RETAIL_STORE}&available=6".encode()
    request = urllib.request.Request(f"{base}/store/synco-demo/admin/stock", data=form, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # follows the 303 back to the page
        assert answer.status == 200 and "Set available to 6" in answer.read().decode()
    assert server.levels(item=number, location=RETAIL_STORE)[0]["available"] == 6
