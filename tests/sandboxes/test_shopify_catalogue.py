"""The Shopify sandbox's product and customer catalogue: seeded products with options and variants, the
GraphQL roots over them (validated against the real 2026-10 schema), the limits, bulk JSONL, the signed
products/* and customers/* webhooks, the admin pages and the Python/HTTP API a bench uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sandboxes.catalogue import CATALOGUE, SHOPIFY_ONLY_PRODUCTS
from sandboxes.shopify import customers, products
from sandboxes.shopify.catalog import variants_by_sku
from sandboxes.shopify.generator import generate_dataset
from sandboxes.shopify.oauth import AppConfig
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

SECRET = "shpss_catalogue0123456789abcdef01234567"
PRODUCT_FIELDS = """id legacyResourceId title descriptionHtml productType vendor status updatedAt
  options { name position values optionValues { name } } featuredMedia { preview { image { url } } }
  featuredImage { url }
  variants(first: $variants, after: $variantsAfter) { pageInfo { hasNextPage endCursor } edges { node {
    id legacyResourceId title sku barcode price position selectedOptions { name value }
    inventoryItem { id legacyResourceId tracked requiresShipping unitCost { amount currencyCode }
      measurement { weight { value unit } } } } } }"""
PRODUCTS = (
    "query($first: Int!, $after: String, $query: String, $sortKey: ProductSortKeys, $variants: Int!, "
    "$variantsAfter: String) { products(first: $first, after: $after, query: $query, sortKey: $sortKey) { "
    "pageInfo { hasNextPage endCursor } edges { node { " + PRODUCT_FIELDS + " } } } }"
)
CUSTOMER_FIELDS = """id legacyResourceId firstName lastName email phone defaultEmailAddress { emailAddress }
  defaultPhoneNumber { phoneNumber } taxExempt taxExemptions note updatedAt
  emailMarketingConsent { marketingState } smsMarketingConsent { marketingState }
  defaultAddress { id address1 city }
  addressesV2(first: 10) { edges { node { id firstName lastName company address1 address2 city zip provinceCode
    countryCodeV2 phone } } }
  companyContactProfiles { company { id name locations(first: 5) { edges { node { name } } } } }"""


# ------------------------------------------------------------------------------------------ fixtures


class Hooks:
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.base = ""

    def wait(self, topic: str, n: int = 1) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self.lock:
                found = [(h, b) for h, b in self.got if h.get("X-Shopify-Topic") == topic]
            if len(found) >= n:
                for headers, body in found:
                    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
                    assert headers["X-Shopify-Hmac-Sha256"] == base64.b64encode(digest).decode()
                    assert headers["X-Shopify-Shop-Domain"] == DEMO_SHOP_DOMAIN
                return [json.loads(b) for _, b in found]
            time.sleep(0.02)
        raise AssertionError(f"no {topic} webhook; got {[h.get('X-Shopify-Topic') for h, _ in self.got]}")


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.got.append((dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sandbox(hooks: Hooks) -> Iterator[tuple[SandboxServer, str]]:
    server, base = start_in_thread(app=AppConfig(api_secret=SECRET, application_url=hooks.base))
    server.control(bucket={"maximum_available": 100_000, "restore_rate": 100_000})
    yield server, base
    server.shutdown_sandbox()


def _post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw, status, got = exc.read(), exc.code, dict(exc.headers)
    try:
        return status, json.loads(raw), got
    except ValueError:
        return status, raw, got


def gql(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body, _ = _post(
        f"{base}/admin/api/2026-10/graphql.json",
        {"query": query, "variables": variables or {}},
        {"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN},
    )
    assert status == 200, body
    return body


def all_products(base: str, query: str | None = None, sort_key: str = "ID") -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        body = gql(
            base,
            PRODUCTS,
            {
                "first": 7,
                "after": after,
                "query": query,
                "sortKey": sort_key,
                "variants": 250,
                "variantsAfter": None,
            },
        )
        assert "errors" not in body, body
        page = body["data"]["products"]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def variants_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in node["variants"]["edges"]]


# ------------------------------------------------------------------------------------------ products


def test_the_demo_catalogue_is_grouped_into_products_by_title_keeping_every_id(
    sandbox: tuple[SandboxServer, str],
) -> None:
    _, base = sandbox
    found = {p["title"]: p for p in all_products(base)}
    shirt = found["Organic T-Shirt"]
    assert shirt["options"] == [
        {
            "name": "Size",
            "position": 1,
            "values": ["S", "M", "L"],
            "optionValues": [{"name": "S"}, {"name": "M"}, {"name": "L"}],
        }
    ]
    rows = variants_of(shirt)
    assert [(v["sku"], v["title"], v["selectedOptions"]) for v in rows] == [
        (f"SKU-TSHIRT-{s}", s, [{"name": "Size", "value": s}]) for s in ("S", "M", "L")
    ]
    for v in rows:
        known = variants_by_sku()[v["sku"]]
        assert v["id"] == f"gid://shopify/ProductVariant/{known.variant_id}"
        assert v["inventoryItem"]["id"] == f"gid://shopify/InventoryItem/{known.inventory_item_id}"
        assert v["barcode"] == known.barcode and Decimal(v["price"]) == known.price
        assert shirt["id"] == f"gid://shopify/Product/{known.product_id}"
    mug = found["Stoneware Mug"]
    assert mug["options"][0]["name"] == "Title" and mug["options"][0]["values"] == ["Default Title"]
    assert variants_of(mug)[0]["title"] == "Default Title"
    # every catalogue SKU is a variant of exactly one product; gift wrap is neither tracked nor shipped
    skus = [v["sku"] for p in found.values() for v in variants_of(p)]
    assert {item.sku for item in CATALOGUE} <= set(skus)
    gift = variants_of(found["Gift wrap"])[0]["inventoryItem"]
    assert (gift["tracked"], gift["requiresShipping"]) == (False, False)


def test_the_shopify_only_products_have_several_options_additive_prices_costs_and_weights(
    sandbox: tuple[SandboxServer, str],
) -> None:
    _, base = sandbox
    found = {p["title"]: p for p in all_products(base)}
    runner = found["Trail Runner"]
    assert [(o["name"], o["values"]) for o in runner["options"]] == [
        ("Size", ["40", "41", "42"]),
        ("Color", ["Black", "Sand"]),
    ]
    prices = {v["title"]: Decimal(v["price"]) for v in variants_of(runner)}
    assert prices == {
        f"{size} / {color}": Decimal("125") if size == "42" else Decimal("120")
        for size in ("40", "41", "42")
        for color in ("Black", "Sand")
    }
    first = variants_of(runner)[0]
    assert first["sku"] == "SKU-TRAIL-40-BLACK" and first["position"] == 1
    assert first["inventoryItem"]["unitCost"] == {"amount": "48.0", "currencyCode": "USD"}
    assert first["inventoryItem"]["measurement"]["weight"] == {"value": 780.0, "unit": "GRAMS"}
    assert runner["productType"] == "Shoes" and runner["vendor"] == "Synco Outdoor"
    assert runner["descriptionHtml"].startswith("<p>A light <strong>trail running</strong>")
    assert runner["featuredImage"]["url"].endswith("trail-runner.jpg")
    assert runner["featuredMedia"]["preview"]["image"]["url"] == runner["featuredImage"]["url"]
    shirt = variants_of(found["Linen Shirt"])
    assert len(shirt) == 12 and len(found["Linen Shirt"]["options"]) == 3
    # The demo's mapping page starts clean: every variant has a SKU (a variant without one is tested in
    # tests/products/test_problems.py).
    assert [v["title"] for v in shirt if not v["sku"]] == []
    assert {v["title"]: Decimal(v["price"]) for v in shirt}["L / Navy / Regular"] == Decimal("70.00")
    assert found["Vintage Rain Jacket"]["status"] == "ARCHIVED"
    archived = all_products(base, "status:archived")
    assert [p["title"] for p in archived] == ["Vintage Rain Jacket"]
    # none of them is in the catalogue the Odoo sandbox seeds from
    only = {p.title for p in SHOPIFY_ONLY_PRODUCTS}
    assert not only & {item.title.rsplit(" - ", 1)[0] for item in CATALOGUE}


def test_the_odoo_sandbox_does_not_create_the_shopify_only_products() -> None:
    from sandboxes.odoo import start_in_thread as start_odoo

    odoo, _ = start_odoo()
    try:
        env = odoo.env()
        codes = {str(r.get("default_code")) for r in env["product.product"].search_read([], ["default_code"])}
    finally:
        odoo.shutdown_and_save()
    assert {item.sku for item in CATALOGUE} <= codes
    assert not {c for c in codes if c.startswith(("SKU-TRAIL", "SKU-LINEN", "SKU-PINS", "SKU-RAINJKT"))}


def test_products_page_without_gaps_filter_by_sku_status_and_updated_at_and_sort(
    sandbox: tuple[SandboxServer, str],
) -> None:
    server, base = sandbox
    every = all_products(base)
    ids = [int(p["legacyResourceId"]) for p in every]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == len(products.seed_products())
    titles = [p["title"] for p in all_products(base, sort_key="TITLE")]
    assert titles == sorted(titles, key=str.lower)
    assert [p["title"] for p in all_products(base, "sku:SKU-TRAIL-42-SAND")] == ["Trail Runner"]
    assert [p["title"] for p in all_products(base, "sku:SKU-HOODIE-*")] == ["Merino Hoodie"]
    mug = next(p for p in every if p["title"] == "Stoneware Mug")
    server.update_product(int(mug["legacyResourceId"]), title="Stoneware Mug 2.0", emit=False)
    changed = all_products(base, "updated_at:>'2025-06-01T00:00:00Z'")
    assert [p["title"] for p in changed] == ["Stoneware Mug 2.0"]
    assert changed[0]["updatedAt"] > "2025-06-01T00:00:00Z"
    assert len(all_products(base, "status:active")) == len(every) - 1


def test_product_variant_and_node_roots_read_the_same_store(sandbox: tuple[SandboxServer, str]) -> None:
    _, base = sandbox
    tee = variants_by_sku()["SKU-TSHIRT-M"]
    body = gql(
        base,
        """query($p: ID!, $v: ID!, $ids: [ID!]!) {
          product(id: $p) { title variants(first: 1) { edges { node { sku } } } }
          productVariant(id: $v) { sku title product { title } inventoryQuantity }
          nodes(ids: $ids) { __typename ... on Product { title } ... on ProductVariant { sku }
            ... on Customer { email } } }""",
        {
            "p": f"gid://shopify/Product/{tee.product_id}",
            "v": f"gid://shopify/ProductVariant/{tee.variant_id}",
            "ids": [
                f"gid://shopify/Product/{tee.product_id}",
                f"gid://shopify/ProductVariant/{tee.variant_id}",
                f"gid://shopify/Customer/{customers.customers_of({}, DEMO_SHOP_DOMAIN)[0]['id']}",
                "gid://shopify/Product/1",
            ],
        },
    )
    data = body["data"]
    assert data["product"]["title"] == "Organic T-Shirt"
    assert data["productVariant"]["product"]["title"] == "Organic T-Shirt"
    assert (data["productVariant"]["sku"], data["productVariant"]["title"]) == ("SKU-TSHIRT-M", "M")
    assert data["productVariant"]["inventoryQuantity"] > 0  # seeded stock at the two active locations
    assert [n["__typename"] if n else None for n in data["nodes"]] == [
        "Product",
        "ProductVariant",
        "Customer",
        None,
    ]


def test_a_product_added_in_python_has_stocked_inventory_items_and_is_in_product_variants(
    sandbox: tuple[SandboxServer, str],
) -> None:
    server, base = sandbox
    added = server.add_product(
        "Wool Scarf",
        [("Color", ["Grey", "Red"])],
        [
            {
                "options": ["Grey"],
                "sku": "SCARF-GREY",
                "price": "30",
                "cost": "11.5",
                "weight": 0.2,
                "weight_unit": "KILOGRAMS",
            },
            {"options": ["Red"], "sku": "SCARF-RED", "price": "32"},
        ],
        quantities={71_000_000_001: 9},
        emit=False,
    )
    body = gql(
        base,
        """{ productVariants(first: 5, query: "sku:SCARF-*") { nodes { sku price product { title }
          inventoryItem { id unitCost { amount } measurement { weight { value unit } }
          inventoryLevels(first: 5) { nodes { location { name } quantities(names: ["available"]) { quantity } } } } } }
          inventoryItems(first: 5, query: "sku:SCARF-RED") { nodes { sku variant { title product { title } } } } }""",
    )
    rows = body["data"]["productVariants"]["nodes"]
    assert [(r["sku"], r["price"], r["product"]["title"]) for r in rows] == [
        ("SCARF-GREY", "30.0", "Wool Scarf"),
        ("SCARF-RED", "32.0", "Wool Scarf"),
    ]
    grey = rows[0]["inventoryItem"]
    assert grey["id"] == f"gid://shopify/InventoryItem/{added['variants'][0]['inventory_item_id']}"
    assert grey["unitCost"] == {"amount": "11.5"}
    assert grey["measurement"]["weight"] == {"value": 0.2, "unit": "KILOGRAMS"}
    assert rows[1]["inventoryItem"]["unitCost"] is None
    stocked = {
        n["location"]["name"]: n["quantities"][0]["quantity"] for n in grey["inventoryLevels"]["nodes"]
    }
    assert stocked == {"Main warehouse": 9, "Retail store": 0}
    assert body["data"]["inventoryItems"]["nodes"] == [
        {"sku": "SCARF-RED", "variant": {"title": "Red", "product": {"title": "Wool Scarf"}}}
    ]


def test_limits_three_options_and_2048_variants_paged_250_at_a_time(
    sandbox: tuple[SandboxServer, str],
) -> None:
    server, base = sandbox
    sizes = [str(n) for n in range(32)]
    colors = [f"C{n}" for n in range(8)]
    fits = [f"F{n}" for n in range(8)]
    big = server.add_product("Huge", [("Size", sizes), ("Color", colors), ("Fit", fits)], emit=False)
    assert len(big["variants"]) == 2048
    seen: list[str] = []
    after = None
    while True:
        body = gql(
            base,
            "query($id: ID!, $after: String) { product(id: $id) { variants(first: 250, after: $after) { "
            "pageInfo { hasNextPage endCursor } edges { node { title position } } } } }",
            {"id": f"gid://shopify/Product/{big['id']}", "after": after},
        )
        page = body["data"]["product"]["variants"]
        seen += [e["node"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 2048 and seen[0] == "0 / C0 / F0"
    with pytest.raises(products.ProductError) as refused:
        server.add_product(
            "Too many", [("Size", [*sizes, "32"]), ("Color", colors), ("Fit", fits)], emit=False
        )
    assert refused.value.code == "VARIANTS_OVER_LIMIT"
    status, body, _ = _post(
        f"{base}/sandbox/products",
        {"products": [{"title": "Four", "options": [[f"O{n}", ["a"]] for n in range(4)]}]},
    )
    assert status == 422
    assert body == {
        "errors": "Options over limit.",
        "field": ["input", "productOptions"],
        "code": "OPTIONS_OVER_LIMIT",
    }
    assert not [p for p in server.products() if p["title"] in ("Too many", "Four")]


def test_scopes_are_required_for_products_and_customers(sandbox: tuple[SandboxServer, str]) -> None:
    server, base = sandbox
    server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_orders")
    for root, scope in (("products", "read_products"), ("customers", "read_customers")):
        body = gql(base, f"{{ {root}(first: 1) {{ nodes {{ id }} }} }}")
        assert body["data"] is None
        assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
            (f"Access denied for {root} field. Required access: `{scope}` access scope.", "ACCESS_DENIED")
        ]
    server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_products,read_customers")
    body = gql(base, "{ products(first: 1) { nodes { id } } customers(first: 1) { nodes { id } } }")
    assert "errors" not in body and len(body["data"]["customers"]["nodes"]) == 1


# ------------------------------------------------------------------------------------------ customers


def test_customers_are_the_generators_with_addresses_a_b2b_contact_and_tax_exemption(
    sandbox: tuple[SandboxServer, str],
) -> None:
    _, base = sandbox
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        body = gql(
            base,
            "query($after: String) { customers(first: 10, after: $after) { pageInfo { hasNextPage endCursor } "
            "edges { node { " + CUSTOMER_FIELDS + " } } } }",
            {"after": after},
        )
        page = body["data"]["customers"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    by_id = {int(c["legacyResourceId"]): c for c in seen}
    for order in generate_dataset(60).orders:
        person = order.get("customer")
        if person:
            assert by_id[int(person["id"])]["email"] == person["email"]
    jose = next(c for c in seen if c["email"] == "jose.mueller@example.de")
    assert (jose["firstName"], jose["lastName"]) == ("José", "Müller")
    assert jose["defaultAddress"]["id"] == jose["addressesV2"]["edges"][0]["node"]["id"]
    assert jose["emailMarketingConsent"] == {"marketingState": "SUBSCRIBED"}
    two = [c for c in seen if len(c["addressesV2"]["edges"]) > 1]
    assert two and all(c["addressesV2"]["edges"][0]["node"]["id"] == c["defaultAddress"]["id"] for c in two)
    dana = next(c for c in seen if c["email"] == "dana.whitfield@acme.example")
    assert dana["companyContactProfiles"] == [
        {
            "company": {
                "id": "gid://shopify/Company/3100000001",
                "name": "Acme Corp",
                "locations": {"edges": [{"node": {"name": "Acme HQ"}}, {"node": {"name": "Acme Warehouse"}}]},
            }
        }
    ]
    assert dana["defaultPhoneNumber"] == {"phoneNumber": "+12015550111"}
    school = next(c for c in seen if c["taxExempt"])
    assert school["taxExemptions"] == ["US_NY_RESELLER_EXEMPTION"]
    fan = next(c for c in seen if c["smsMarketingConsent"])
    assert fan["smsMarketingConsent"] == {"marketingState": "SUBSCRIBED"}
    body = gql(
        base, '{ customers(first: 5, query: "email:DANA.WHITFIELD@acme.example") { nodes { lastName } } }'
    )
    assert body["data"]["customers"]["nodes"] == [{"lastName": "Whitfield"}]
    body = gql(
        base,
        "query($id: ID!) { customer(id: $id) { email addresses(first: 1) { city } } }",
        {"id": dana["id"]},
    )
    assert body["data"]["customer"] == {
        "email": "dana.whitfield@acme.example",
        "addresses": [{"city": "Newark"}],
    }


def test_customers_updated_since_a_time_are_found_by_the_sweep_query(
    sandbox: tuple[SandboxServer, str],
) -> None:
    server, base = sandbox
    added = server.add_customer(
        "Ana",
        "Lima",
        "ana.lima@example.br",
        addresses=[{"address1": "Rua A 1", "city": "Recife", "country_code": "BR"}],
        emit=False,
    )
    body = gql(
        base, "{ customers(first: 50, query: \"updated_at:>'2025-06-01T00:00:00Z'\") { nodes { id email } } }"
    )
    assert body["data"]["customers"]["nodes"] == [
        {"id": f"gid://shopify/Customer/{added['id']}", "email": "ana.lima@example.br"}
    ]


# ------------------------------------------------------------------------------------------ bulk


def _bulk(base: str, query: str) -> list[dict[str, Any]]:
    body = gql(
        base,
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }",
        {"q": query},
    )
    assert body["data"]["bulkOperationRunQuery"]["userErrors"] == [], body
    op = body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        node = gql(
            base, "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }", {"id": op}
        )
        status = node["data"]["node"]
        if status["status"] == "COMPLETED":
            with urllib.request.urlopen(status["url"], timeout=30) as response:
                raw = response.read().decode()
            assert "gid:\\/\\/shopify" in raw  # Shopify escapes the slashes
            return [json.loads(line) for line in raw.splitlines()]
        assert status["status"] in ("CREATED", "RUNNING"), status
        time.sleep(0.05)
    raise AssertionError("the bulk operation did not finish")


def test_bulk_products_write_variants_as_child_lines(sandbox: tuple[SandboxServer, str]) -> None:
    server, base = sandbox
    server.add_products(
        [
            {
                "title": f"Bulk {n}",
                "options": [("Size", ["S", "M", "L", "XL", "XXL"])],
                "variants": [
                    {"options": [s], "sku": f"BULK-{n}-{s}", "price": "9.5"}
                    for s in ("S", "M", "L", "XL", "XXL")
                ],
            }
            for n in range(600)
        ]
    )
    lines = _bulk(
        base,
        "{ products { edges { node { id title status options { name values } variants { edges { node { id sku "
        "price selectedOptions { name value } inventoryItem { id unitCost { amount } } } } } } } } }",
    )
    roots = [line for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    stored = server.products()
    assert len(roots) == len(stored) and {r["id"] for r in roots} == {
        f"gid://shopify/Product/{p['id']}" for p in stored
    }
    assert len(children) == sum(len(p["variants"]) for p in stored)
    assert all("variants" not in r for r in roots)
    by_parent: dict[str, list[str]] = {}
    for child in children:
        by_parent.setdefault(child["__parentId"], []).append(child["sku"])
    bulk_7 = next(r["id"] for r in roots if r["title"] == "Bulk 7")
    assert by_parent[bulk_7] == [f"BULK-7-{s}" for s in ("S", "M", "L", "XL", "XXL")]
    flat = _bulk(base, "{ productVariants { edges { node { id sku product { id } } } } }")
    assert len(flat) == len(children) and all("__parentId" not in line for line in flat)
    assert {line["id"] for line in flat} == {child["id"] for child in children}


def test_bulk_customers_write_addresses_as_child_lines(sandbox: tuple[SandboxServer, str]) -> None:
    server, base = sandbox
    lines = _bulk(
        base,
        "{ customers { edges { node { id email taxExempt companyContactProfiles { company { name } } "
        "addressesV2 { edges { node { id address1 city countryCodeV2 } } } } } } }",
    )
    stored = server.customers()
    roots = [line for line in lines if "__parentId" not in line]
    assert len(roots) == len(stored)
    children = [line for line in lines if "__parentId" in line]
    assert len(children) == sum(len(c["addresses"]) for c in stored)
    dana = next(r for r in roots if r["email"] == "dana.whitfield@acme.example")
    assert dana["companyContactProfiles"] == [{"company": {"name": "Acme Corp"}}]
    assert [c["city"] for c in children if c["__parentId"] == dana["id"]] == ["Newark", "Elizabeth"]


# ------------------------------------------------------------------------------------------ webhooks and admin


def test_changes_send_signed_rest_shaped_product_webhooks(
    sandbox: tuple[SandboxServer, str], hooks: Hooks
) -> None:
    server, _ = sandbox
    added = server.add_product(
        "Desk Lamp",
        [("Color", ["Black", "Brass"])],
        [
            {"options": ["Black"], "sku": "LAMP-BLACK", "price": "49"},
            {"options": ["Brass"], "sku": "LAMP-BRASS", "price": "59"},
        ],
    )
    created = hooks.wait("products/create")[0]
    assert created["id"] == added["id"] and created["title"] == "Desk Lamp"
    assert created["admin_graphql_api_id"] == f"gid://shopify/Product/{added['id']}"
    assert [(v["sku"], v["price"], v["option1"]) for v in created["variants"]] == [
        ("LAMP-BLACK", "49.00", "Black"),
        ("LAMP-BRASS", "59.00", "Brass"),
    ]
    assert created["options"] == [
        {
            "id": added["options"][0]["id"],
            "product_id": added["id"],
            "name": "Color",
            "position": 1,
            "values": ["Black", "Brass"],
        }
    ]
    server.update_variant(added["variants"][1]["id"], price="61.50", barcode="4006381333931")
    updated = hooks.wait("products/update")[0]
    assert updated["variants"][1]["price"] == "61.50" and updated["variants"][1]["barcode"] == "4006381333931"
    assert updated["updated_at"] >= created["updated_at"]
    assert updated["status"] == "active"
    server.delete_product(added["id"])
    assert hooks.wait("products/delete") == [{"id": added["id"]}]


def test_customer_changes_send_customer_webhooks(sandbox: tuple[SandboxServer, str], hooks: Hooks) -> None:
    server, _ = sandbox
    dana = next(c for c in server.customers() if c["email"] == "dana.whitfield@acme.example")
    server.update_customer(dana["id"], note="Prefers invoices by post")
    body = hooks.wait("customers/update")[0]
    assert body["id"] == dana["id"] and body["note"] == "Prefers invoices by post"
    assert body["admin_graphql_api_id"] == f"gid://shopify/Customer/{dana['id']}"
    assert body["first_name"] == "Dana" and body["default_address"]["city"] == "Newark"
    added = server.add_customer("Mia", "Kovač", "mia@example.hr")
    created = hooks.wait("customers/create")[0]
    assert (created["id"], created["email"], created["addresses"]) == (added["id"], "mia@example.hr", [])


def _form(base: str, path: str, fields: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base}{path}",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers.get("Location") or ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location") or ""


def _page(base: str, path: str) -> str:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
        return response.read().decode()


def test_the_admin_products_page_edits_adds_and_deletes_with_webhooks(
    sandbox: tuple[SandboxServer, str], hooks: Hooks
) -> None:
    _, base = sandbox
    mug = variants_by_sku()["SKU-MUG"]
    status, location = _form(
        base,
        "/store/synco-demo/admin/products",
        {
            "action": "update_variant",
            "variant_id": str(mug.variant_id),
            "price": "13.25",
            "sku": "SKU-MUG",
            "barcode": "0012345678950",
            "cost": "4.20",
        },
    )
    assert status == 303 and location.startswith("/store/synco-demo/admin/products?message=Variant")
    body = hooks.wait("products/update")[0]
    assert body["id"] == mug.product_id and body["variants"][0]["price"] == "13.25"
    page = _page(base, "/store/synco-demo/admin/products?q=mug")
    assert "value='13.25'" in page and "value='4.20'" in page
    status, _ = _form(
        base,
        "/store/synco-demo/admin/products",
        {
            "action": "update_product",
            "product_id": str(mug.product_id),
            "title": "Stoneware Mug",
            "description_html": "<p>Now dishwasher safe</p>",
            "status": "DRAFT",
        },
    )
    assert status == 303 and hooks.wait("products/update", 2)[1]["status"] == "draft"
    _form(
        base,
        "/store/synco-demo/admin/products",
        {
            "action": "add_product",
            "title": "Canvas Apron",
            "option1_name": "Color",
            "option1_values": "Olive, Ink",
            "option2_name": "Size",
            "option2_values": "S, L",
            "price": "28",
            "sku_prefix": "APRON",
            "status": "ACTIVE",
        },
    )
    created = hooks.wait("products/create")[0]
    assert [v["sku"] for v in created["variants"]] == [
        "APRON-OLIVE-S",
        "APRON-OLIVE-L",
        "APRON-INK-S",
        "APRON-INK-L",
    ]
    status, location = _form(
        base, "/store/synco-demo/admin/products", {"action": "add_product", "title": "", "price": "1"}
    )
    assert status == 303 and "Refused" in urllib.parse.unquote_plus(location)
    _form(
        base,
        "/store/synco-demo/admin/products",
        {"action": "delete_product", "product_id": str(created["id"])},
    )
    assert hooks.wait("products/delete") == [{"id": created["id"]}]
    assert "Canvas Apron" not in _page(base, "/store/synco-demo/admin/products?q=apron")


def test_the_admin_customers_page_edits_a_customer_and_an_address(
    sandbox: tuple[SandboxServer, str], hooks: Hooks
) -> None:
    server, base = sandbox
    jose = next(c for c in server.customers() if c["email"] == "jose.mueller@example.de")
    address = jose["addresses"][0]
    status, _ = _form(
        base,
        "/store/synco-demo/admin/customers",
        {
            "action": "update_address",
            "customer_id": str(jose["id"]),
            "address_id": str(address["id"]),
            "address1": "Oderberger Straße 3",
            "city": "Berlin",
            "zip": "10435",
            "country_code": "DE",
        },
    )
    assert status == 303
    body = hooks.wait("customers/update")[0]
    assert body["default_address"]["address1"] == "Oderberger Straße 3"
    _form(
        base,
        "/store/synco-demo/admin/customers",
        {
            "action": "update_customer",
            "customer_id": str(jose["id"]),
            "first_name": "José",
            "last_name": "Müller",
            "email": "jose.mueller@example.de",
            "phone": "+4930555123",
            "note": "VIP",
            "tax_exempt": "on",
        },
    )
    second = hooks.wait("customers/update", 2)[1]
    assert second["tax_exempt"] is True and second["note"] == "VIP"
    page = _page(base, "/store/synco-demo/admin/customers?q=m%C3%BCller")
    assert "Oderberger Straße 3" in page and "value='VIP'" in page


def test_the_http_control_endpoints_add_products_and_customers(
    sandbox: tuple[SandboxServer, str], hooks: Hooks, tmp_path: Path
) -> None:
    server, base = sandbox
    status, body, _ = _post(
        f"{base}/sandbox/products",
        {
            "products": [
                {
                    "title": f"Http {n}",
                    "options": [{"name": "Size", "values": ["S", "M"]}],
                    "variants": [{"options": [s], "sku": f"HTTP-{n}-{s}", "price": "5"} for s in ("S", "M")],
                }
                for n in range(3)
            ],
            "quantities": {"71000000001": 4},
        },
    )
    assert status == 200 and body["created"] == 3
    item = body["products"][0]["variants"][0]["inventory_item_id"]
    assert [r["available"] for r in server.levels(item=item)] == [4, 0]
    status, body, _ = _post(
        f"{base}/sandbox/variants/update",
        {"variant_id": body["products"][0]["variants"][0]["id"], "price": "6"},
    )
    assert status == 200 and body["variants"][0]["price"] == "6.00"
    assert hooks.wait("products/update")[0]["variants"][0]["price"] == "6.00"
    status, body, _ = _post(
        f"{base}/sandbox/customers",
        {
            "customers": [
                {
                    "first_name": "Lea",
                    "last_name": "Roth",
                    "email": "lea@example.ch",
                    "addresses": [{"city": "Bern"}],
                }
            ]
        },
    )
    assert status == 200 and body["customers"][0]["default_address"]["city"] == "Bern"
    status, body, _ = _post(
        f"{base}/sandbox/customers", {"customers": [{"first_name": "X", "email": "lea@example.ch"}]}
    )
    assert (status, body["errors"]) == (422, "Email has already been taken")
    with urllib.request.urlopen(f"{base}/sandbox/products", timeout=10) as response:
        listed = json.loads(response.read())["products"]
    assert {"Http 0", "Trail Runner"} <= {p["title"] for p in listed}


def test_product_mutations_create_options_variants_update_and_delete_with_webhooks(
    sandbox: tuple[SandboxServer, str], hooks: Hooks
) -> None:
    server, base = sandbox
    server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_products")
    denied = gql(
        base, 'mutation { productDelete(input: {id: "gid://shopify/Product/1"}) { deletedProductId } }'
    )
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_products,write_products")
    body = gql(
        base,
        """mutation { productCreate(product: {title: "Field Jacket", productType: "Outerwear", status: ACTIVE,
          productOptions: [{name: "Size", values: [{name: "S"}, {name: "M"}]}, {name: "Color", values: [{name: "Olive"}]}]})
          { product { id options { name values optionValues { name hasVariants } } variants(first: 5) { nodes { title } } }
            userErrors { field message } } }""",
    )
    created = body["data"]["productCreate"]
    assert created["userErrors"] == []
    assert created["product"]["variants"]["nodes"] == [{"title": "S / Olive"}]
    assert created["product"]["options"][0] == {
        "name": "Size",
        "values": ["S"],
        "optionValues": [{"name": "S", "hasVariants": True}, {"name": "M", "hasVariants": False}],
    }
    product_id = created["product"]["id"]
    assert hooks.wait("products/create")[0]["admin_graphql_api_id"] == product_id
    body = gql(
        base,
        """mutation($id: ID!) { productVariantsBulkCreate(productId: $id, variants: [{optionValues: [
          {optionName: "Size", name: "M"}, {optionName: "Color", name: "Olive"}], price: "89.00",
          inventoryItem: {sku: "JACKET-M-OLIVE", cost: "30.00", measurement: {weight: {value: 1.1, unit: KILOGRAMS}}}}])
          { productVariants { id sku price inventoryItem { unitCost { amount } measurement { weight { value unit } } } }
            userErrors { field message code } } }""",
        {"id": product_id},
    )
    made = body["data"]["productVariantsBulkCreate"]
    assert made["userErrors"] == []
    assert made["productVariants"][0]["sku"] == "JACKET-M-OLIVE"
    assert made["productVariants"][0]["inventoryItem"] == {
        "unitCost": {"amount": "30.0"},
        "measurement": {"weight": {"value": 1.1, "unit": "KILOGRAMS"}},
    }
    again = gql(
        base,
        """mutation($id: ID!) { productVariantsBulkCreate(productId: $id, variants: [{optionValues: [
          {optionName: "Size", name: "M"}, {optionName: "Color", name: "Olive"}]}]) { userErrors { code } } }""",
        {"id": product_id},
    )
    assert again["data"]["productVariantsBulkCreate"]["userErrors"] == [{"code": "VARIANT_ALREADY_EXISTS"}]
    body = gql(
        base,
        """mutation($id: ID!, $v: ID!) {
          productVariantsBulkUpdate(productId: $id, variants: [{id: $v, price: "95.50", barcode: "123"}])
            { productVariants { price barcode } userErrors { message } }
          productUpdate(product: {id: $id, title: "Field Jacket II", descriptionHtml: "<p>Waxed</p>"})
            { product { title descriptionHtml } userErrors { message } } }""",
        {"id": product_id, "v": made["productVariants"][0]["id"]},
    )
    assert body["data"]["productVariantsBulkUpdate"]["productVariants"] == [
        {"price": "95.5", "barcode": "123"}
    ]
    assert body["data"]["productUpdate"]["product"] == {
        "title": "Field Jacket II",
        "descriptionHtml": "<p>Waxed</p>",
    }
    updates = hooks.wait("products/update", 3)
    assert "Field Jacket II" in {u["title"] for u in updates}  # deliveries run in parallel
    four = gql(
        base,
        """mutation { productCreate(product: {title: "Four", productOptions: [
          {name: "A", values: [{name: "1"}]}, {name: "B", values: [{name: "1"}]},
          {name: "C", values: [{name: "1"}]}, {name: "D", values: [{name: "1"}]}]})
          { product { id } userErrors { field message } } }""",
    )
    assert four["data"]["productCreate"] == {
        "product": None,
        "userErrors": [{"field": ["input", "productOptions"], "message": "Options over limit."}],
    }
    body = gql(
        base,
        "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId userErrors { message } } }",
        {"id": product_id},
    )
    assert body["data"]["productDelete"] == {"deletedProductId": product_id, "userErrors": []}
    assert hooks.wait("products/delete") == [{"id": int(product_id.rsplit("/", 1)[1])}]
    assert (
        gql(base, "query($id: ID!) { product(id: $id) { id } }", {"id": product_id})["data"]["product"]
        is None
    )


def test_an_order_line_of_a_product_added_to_the_shop_reads_its_variant(
    sandbox: tuple[SandboxServer, str],
) -> None:
    server, base = sandbox
    order = generate_dataset(1, seed=5).orders[0]
    runner = next(p for p in server.products() if p["title"] == "Trail Runner")
    variant = runner["variants"][5]  # 42 / Sand
    line = dict(order["line_items"][0])
    line |= {
        "variant_id": variant["id"],
        "product_id": runner["id"],
        "sku": variant["sku"],
        "title": "Trail Runner",
    }
    order = dict(order, line_items=[line])
    server.add_orders([order])
    body = gql(
        base,
        "query($id: ID!) { order(id: $id) { lineItems(first: 5) { nodes { sku variant { id sku selectedOptions "
        "{ name value } } product { title } } } } }",
        {"id": f"gid://shopify/Order/{order['id']}"},
    )
    assert body["data"]["order"]["lineItems"]["nodes"] == [
        {
            "sku": "SKU-TRAIL-42-SAND",
            "variant": {
                "id": f"gid://shopify/ProductVariant/{variant['id']}",
                "sku": "SKU-TRAIL-42-SAND",
                "selectedOptions": [{"name": "Size", "value": "42"}, {"name": "Color", "value": "Sand"}],
            },
            "product": {"title": "Trail Runner"},
        }
    ]
