"""Tenancy on every endpoint, read from the generated OpenAPI schema so that a new endpoint is covered (or fails
here until it is): shop A has a row in every area, shop B holds a write key.

- every GET with a path id: B asking for A's object gets 404 (A itself does not);
- every list and export, bare and with each of its filters set to A's values: B's answer holds none of A's ids,
  names or messages (A's own answer does hold them, for every paginated list);
- every POST/PUT/PATCH/DELETE with a path id: B gets 404; every write without one (shop-wide actions, settings,
  with A's ids wherever a body takes Synco ids): B's own answer, and in both cases none of A's rows changed and
  no task was sent for A.

A parameter or body field this test does not know how to fill fails it, naming the operation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from celery.app.task import Task
from celery.result import AsyncResult
from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.keys import create_key
from customers.models import CustomerLink
from orders.models import ImportRun, Order, ProposedChange, SyncBatch, SyncStatus
from products.models import CatalogueRun, ProductLink, ProductMapping
from refunds.models import Refund, RefundState
from shipments.models import Shipment
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import Shop
from synco.shopify.types import parse_order
from tests.api.conftest import Keyed, client_with
from tests.factories import order_node

pytestmark = pytest.mark.django_db

# Everything of shop A carries this word or a number 7070700…7070920 ending in 0, which appear nowhere else (new
# rows of B get the next id of their table on SQLite: A's + 1, never a multiple of ten).
MARK = "Quillfeather"
A_ID = re.compile(r"(?<![\d.])70(?:707|708|709)\d0(?![\d])")
ORDER_NAME = "#7070710"
EMAIL = "zelda.quillfeather@a.example"
SKU = "SKU-QUILLFEATHER"
DAY = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
METHODS = ("get", "post", "put", "patch", "delete")

# A path parameter -> which of A's objects fills it: (the paths it is in, its name, the object); first match wins.
PATH_OBJECTS: tuple[tuple[str, str, str], ...] = (
    (r"^/api/v1/orders/batches/\{id\}/", "id", "batch"),
    (r"^/api/v1/orders/imports/\{id\}/", "id", "order_import"),
    (r"^/api/v1/orders/\{id\}/changes/\{change_pk\}/", "change_pk", "proposed_change"),
    (r"^/api/v1/orders/\{id\}/", "id", "order"),
    (r"^/api/v1/logs/\{id\}/", "id", "attempt"),
    (r"^/api/v1/webhooks/\{id\}/", "id", "webhook"),
    (r"^/api/v1/stock/drift-reports/\{id\}/", "id", "drift_report"),
    (r"^/api/v1/stock/locations/\{id\}/", "id", "location"),
    (r"^/api/v1/products/mappings/\{id\}/", "id", "product_mapping"),
    (r"^/api/v1/products/imports/\{id\}/", "id", "product_import"),
    (r"^/api/v1/refunds/\{id\}/", "id", "refund"),
    (r"^/api/v1/shipments/orders/\{order_pk\}/", "order_pk", "order"),
    (r"^/api/v1/shipments/\{id\}/", "id", "shipment"),
    (r"^/api/v1/customers/links/\{id\}/", "id", "customer_link"),
    (r"^/api/v1/customers/imports/\{id\}/", "id", "customer_import"),
)
# Query parameters that only page or shape the answer.
PAGING = {"cursor", "limit", "page", "after", "format"}
# Query parameters naming one of A's objects (or a value of A's) -> what fills them.
QUERY_OBJECTS = {"order": "order", "report": "drift_report"}
SEARCHES = {"q", "ref", "location", "reference"}
OPERATIONS = {"operation": ["create_sale_order"]}
DATES_FROM = {"date_from", "created_from"}
DATES_TO = {"date_to", "created_to"}
# Request body fields that take Synco ids -> A's objects put there by B. Other integers in bodies are Odoo ids
# (warehouses, locations, journals...) or figures, never a Synco row.
BODY_IDS = {"order_ids": "order", "rows": "drift_row"}
BODY_ODOO_IDS = {"warehouse", "locations"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    _operations.components = schema.get("components", {}).get("schemas", {})  # type: ignore[attr-defined]
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _params(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(_operations.components[ref.split("/")[-1]])  # type: ignore[attr-defined]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


@dataclass
class World:
    shop: Shop
    ids: dict[str, int]
    values: dict[str, Any]
    read: APIClient
    write: APIClient
    theirs: APIClient
    sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)


def _shop_a() -> Shop:
    return Shop.objects.create(
        pk=7070700,
        domain="quillfeather-a.myshopify.com",
        name=f"{MARK} Stationers",
        access_token="shpat_quillfeather",
        iana_timezone="Europe/Paris",
    )


def _seed_a(shop: Shop) -> dict[str, int]:
    """A row of A in every area the API shows, each with an id of A_ID's."""
    node = order_node(id="gid://shopify/Order/7070710", name=ORDER_NAME, email=EMAIL)
    parsed = parse_order(node)
    batch = SyncBatch.objects.create(pk=7070720, shop=shop, total=1)
    order = Order.objects.create(
        pk=7070710,
        shop=shop,
        shopify_id=7070710,
        gid=parsed.gid,
        name=ORDER_NAME,
        created_at=DAY,
        updated_at=DAY,
        total_price=parsed.total,
        customer_name=f"Zelda {MARK}",
        email=EMAIL,
        payload=node,
        financial_status="PAID",
        sync_status=SyncStatus.FAILED,
        sync_error=f"{MARK}: Odoo refused the order.",
        sync_attempts=1,
        batch=batch,
    )
    ProposedChange.objects.create(
        pk=7070890,
        order=order,
        shopify_updated_at=DAY,
        before={"lines": [], "total": "10.00"},
        after={"lines": [], "total": "12.00"},
        reason=f"{MARK}: the order is already invoiced in Odoo.",
    )
    ImportRun.objects.create(
        pk=7070730,
        shop=shop,
        status=ImportRun.Status.RUNNING,
        created_from=DAY,
        created_to=DAY,
        message=f"{MARK} import",
    )
    SyncAttempt.objects.create(
        pk=7070740,
        shop=shop,
        order=order,
        object_ref=ORDER_NAME,
        operation="create_sale_order",
        status=SyncAttempt.Status.FAILED,
        message=f"{MARK}: Odoo refused the order.",
        started_at=DAY,
        duration_ms=812,
    )
    receipt = WebhookReceipt.objects.create(
        pk=7070750,
        shop=shop,
        shop_domain=shop.domain,
        topic="orders/updated",
        event_id=f"event-{MARK}",
        status="failed",
        message=f"{MARK} webhook failed",
        payload={"id": 7070710, "email": EMAIL},
        headers={"X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl"},
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(received_at=DAY)
    report = DriftReport.objects.create(
        pk=7070760, shop=shop, status=DriftReport.Status.DONE, drifted=1, message=f"{MARK} drift"
    )
    DriftRow.objects.create(
        pk=7070770,
        report=report,
        inventory_item_gid="gid://shopify/InventoryItem/7070790",
        location_gid="gid://shopify/Location/7070800",
        sku=SKU,
        location_name=f"{MARK} depot",
        odoo_product_id=7070900,
        shopify_available=3,
        odoo_figure=Decimal("20.5"),
        desired=20,
        difference=17,
    )
    StockPush.objects.create(
        pk=7070780,
        shop=shop,
        inventory_item_gid="gid://shopify/InventoryItem/7070790",
        location_gid="gid://shopify/Location/7070800",
        sku=SKU,
        location_name=f"{MARK} depot",
        quantity=4,
        outcome=StockPush.Outcome.FAILED,
        error=f"{MARK} push failed",
        idempotency_key=f"{MARK}-push",
    )
    InventoryLink.objects.create(
        pk=7070790,
        shop=shop,
        inventory_item_gid="gid://shopify/InventoryItem/7070790",
        sku=SKU,
        title=f"{MARK} pen",
        unmatched_reason=f"No Odoo product has the SKU {SKU}.",
    )
    LocationMapping.objects.create(
        pk=7070800,
        shop=shop,
        shopify_location_gid="gid://shopify/Location/7070800",
        shopify_location_name=f"{MARK} depot",
        odoo_warehouse_id=7070910,
        odoo_warehouse_name=f"{MARK} warehouse",
        odoo_location_ids=[7070920],
        odoo_location_names=[f"{MARK}/Stock"],
    )
    ProductMapping.objects.create(
        pk=7070810,
        shop=shop,
        shopify_product_id=7070810,
        shopify_variant_id=7070810,
        product_title=f"{MARK} pen",
        sku=SKU,
        price=Decimal("12.50"),
        state=ProductMapping.State.MISSING,
        problem=f"No Odoo product has the SKU {SKU}.",
    )
    ProductLink.objects.create(pk=7070880, shop=shop, sku=SKU, odoo_product_id=7070900)
    CatalogueRun.objects.create(
        pk=7070820, shop=shop, kind=CatalogueRun.Kind.PRODUCTS, status=CatalogueRun.Status.RUNNING, total=7
    )
    CatalogueRun.objects.create(
        pk=7070830, shop=shop, kind=CatalogueRun.Kind.CUSTOMERS, status=CatalogueRun.Status.RUNNING, total=7
    )
    Refund.objects.create(
        pk=7070840,
        shop=shop,
        order=order,
        shopify_id=7070840,
        gid="gid://shopify/Refund/7070840",
        state=RefundState.FAILED,
        reason=f"{MARK} refund failed",
        amount=Decimal("5.00"),
        created_at=DAY,
    )
    Shipment.objects.create(
        pk=7070850,
        shop=shop,
        order=order,
        direction=Shipment.Direction.TO_SHOPIFY,
        state=Shipment.State.FAILED,
        reason=f"{MARK} shipment failed",
        odoo_picking_id=7070850,
        odoo_picking_name=f"WH/OUT/{MARK}",
        tracking_number="QUILL7070850",
    )
    CustomerLink.objects.create(pk=7070860, shop=shop, shopify_customer_id=7070860, odoo_partner_id=7070870)
    return {
        "order": 7070710,
        "batch": 7070720,
        "order_import": 7070730,
        "attempt": 7070740,
        "webhook": 7070750,
        "drift_report": 7070760,
        "drift_row": 7070770,
        "location": 7070800,
        "product_mapping": 7070810,
        "product_import": 7070820,
        "customer_import": 7070830,
        "refund": 7070840,
        "shipment": 7070850,
        "customer_link": 7070860,
        "proposed_change": 7070890,
    }


def _seed_b(shop: Shop) -> int:
    """B's own rows, so that an unscoped query has both shops' rows to mix."""
    node = order_node(id="gid://shopify/Order/2001", name="#2001")
    parsed = parse_order(node)
    order = Order.objects.create(
        shop=shop,
        shopify_id=2001,
        gid=parsed.gid,
        name="#2001",
        created_at=DAY,
        updated_at=DAY,
        total_price=parsed.total,
        customer_name="Bea Other",
        email="bea@b.example",
        payload=node,
        sync_status=SyncStatus.FAILED,
        sync_error="Odoo refused the order.",
    )
    SyncAttempt.objects.create(
        shop=shop,
        order=order,
        object_ref="#2001",
        operation="create_sale_order",
        status=SyncAttempt.Status.FAILED,
        message="Odoo refused the order.",
        started_at=DAY,
    )
    ProductMapping.objects.create(shop=shop, shopify_product_id=2, shopify_variant_id=2, sku="SKU-B")
    return order.pk


@pytest.fixture
def world(db: None, other_shop: Keyed, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    shop = _shop_a()
    ids = _seed_a(shop)
    b_order = _seed_b(other_shop.shop)
    _, read_key = create_key(shop, f"{MARK} monitoring", "read")
    _, write_key = create_key(shop, f"{MARK} n8n", "write")
    world = World(
        shop=shop,
        ids=ids,
        values={"customer": 7070860, "partner": 7070870, "b_order": b_order},
        read=client_with(read_key),
        write=client_with(write_key),
        theirs=other_shop.write,
    )

    def record(task: Task, args: Any = None, kwargs: Any = None, **options: Any) -> AsyncResult:
        world.sent.append((task.name, tuple(args or ()), dict(kwargs or {})))
        return AsyncResult(str(uuid4()))

    # A write of B may queue B's work; none of it may name A's shop or rows.
    monkeypatch.setattr(Task, "apply_async", record)
    yield world


def _objects_for(path: str) -> dict[str, str] | None:
    """Which of A's objects fills each path parameter of the path; None if one of them is unknown here."""
    filled = {}
    for name in re.findall(r"\{([a-z_]+)\}", path):
        kind = next(
            (kind for pattern, param, kind in PATH_OBJECTS if param == name and re.match(pattern, path)), None
        )
        if kind is None:
            return None
        filled[name] = kind
    return filled


def _urls(path: str, world: World) -> list[str]:
    """The path with A's objects; for a nested path also with B's own parent order and A's child in it (B must
    not reach A's row through an object of its own)."""
    objects = _objects_for(path)
    assert objects is not None
    urls = [re.sub(r"\{([a-z_]+)\}", lambda m: str(world.ids[objects[m[1]]]), path)]
    if len(objects) > 1:
        mixed = {
            name: (world.values["b_order"] if kind == "order" else world.ids[kind])
            for name, kind in objects.items()
        }
        urls.append(re.sub(r"\{([a-z_]+)\}", lambda m: str(mixed[m[1]]), path))
    return urls


def _query_variants(param: dict[str, Any], world: World) -> list[Any] | None:
    """The values a list's filter is tried with (None: this test does not know the parameter)."""
    name, schema = param["name"], _resolve(param.get("schema", {}))
    if name in PAGING:
        return []
    if "enum" in schema:
        return [value for value in schema["enum"] if value not in (None, "")]
    if name in QUERY_OBJECTS:
        return [world.ids[QUERY_OBJECTS[name]]]
    if name in world.values:
        return [world.values[name]]
    if name in OPERATIONS:
        return OPERATIONS[name]
    if name in SEARCHES:
        return [MARK, ORDER_NAME, SKU, EMAIL]
    if name in DATES_FROM:
        return ["2026-11-19"]
    if name in DATES_TO:
        return ["2026-11-21"]
    if schema.get("type") == "boolean" or name == "matched":
        return ["true", "false"]
    return None


def _value(schema: dict[str, Any], name: str, world: World) -> Any:
    """A plausible value for a body field: A's ids where it takes Synco ids."""
    schema = _resolve(schema)
    if name in BODY_IDS:
        object_id = world.ids[BODY_IDS[name]]
        return [object_id] if schema.get("type") == "array" else object_id
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        return _body(schema, world)
    return {"array": [], "integer": 1, "number": "1", "boolean": False}.get(str(kind), "1")


def _body(schema: dict[str, Any], world: World) -> dict[str, Any]:
    schema = _resolve(schema)
    properties = schema.get("properties", {})
    wanted = set(schema.get("required", ())) | (set(BODY_IDS) & set(properties))
    return {name: _value(properties[name], name, world) for name in sorted(wanted)}


def _request_body(operation: dict[str, Any], world: World) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _body(content["application/json"]["schema"], world)


def _unknown_body_ids(path: str, operation: dict[str, Any]) -> list[str]:
    """Integer fields of a request body this test does not know (a Synco id B could aim at A's rows)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content or path.startswith("/api/v1/settings/"):
        return []
    properties = _resolve(content["application/json"]["schema"]).get("properties", {})
    unknown = []
    for name, schema in properties.items():
        schema = _resolve(schema)
        kinds = schema.get("type")
        items = _resolve(schema.get("items", {})).get("type")
        if ("integer" in (kinds if isinstance(kinds, list) else [kinds]) or items == "integer") and (
            name not in BODY_IDS and name not in BODY_ODOO_IDS
        ):
            unknown.append(f"{path} body field {name!r}")
    return unknown


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _leaks(text: str) -> list[str]:
    found = sorted(set(A_ID.findall(text)))
    if MARK.lower() in text.lower():
        found.append(MARK)
    return found


def _call(client: APIClient, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _snapshot(shop: Shop) -> dict[str, list[dict[str, Any]]]:
    """Every row of the shop, to find any change: the shop, every model with a shop, and every model whose rows
    hang from one that has (an order's proposed changes, a drift report's rows)."""
    rows: dict[str, list[dict[str, Any]]] = {
        "synco.Shop": [dict(row) for row in Shop.objects.filter(pk=shop.pk).values()]
    }
    for model in apps.get_models():
        foreign_keys = [
            f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey | models.OneToOneField)
        ]
        if any(f.name == "shop" and f.related_model is Shop for f in foreign_keys):
            lookup = "shop"
        else:
            parent = next(
                (
                    f
                    for f in foreign_keys
                    if f.related_model is not Shop
                    and any(g.name == "shop" for g in f.related_model._meta.get_fields())  # type: ignore[union-attr]
                ),
                None,
            )
            if parent is None:
                continue
            lookup = f"{parent.name}__shop"
        # A key's last use is written by A's own calls (the positive checks); the rest of it must not change.
        columns = [f.attname for f in model._meta.concrete_fields if f.name != "last_used_at"]
        rows[model._meta.label] = [
            dict(row)
            for row in model._default_manager.filter(**{lookup: shop}).order_by("pk").values(*columns)
        ]
    return rows


def _changes(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]


def _tasks_for(world: World) -> list[str]:
    aimed = {world.shop.pk, *world.ids.values()}
    return [
        name
        for name, args, kwargs in world.sent
        if aimed & {value for value in (*args, *kwargs.values()) if isinstance(value, int)}
    ]


# -- the tests ----------------------------------------------------------------------------------------------


def test_the_schema_has_operations_of_every_area() -> None:
    paths = {path for path, _method, _operation in _operations()}

    for area in (
        "orders",
        "logs",
        "webhooks",
        "settings",
        "stock",
        "products",
        "refunds",
        "shipments",
        "customers",
    ):
        assert any(path.startswith(f"/api/v1/{area}/") for path in paths), area


def test_every_operation_is_one_this_test_knows_how_to_fill(world: World) -> None:
    unknown = []
    for path, method, operation in _operations():
        path_params = _params(operation, "path")
        if path_params and _objects_for(path) is None:
            unknown.append(f"{method.upper()} {path}: path parameters {[p['name'] for p in path_params]}")
        for param in _params(operation, "query"):
            if _query_variants(param, world) is None:
                unknown.append(f"{method.upper()} {path}: query parameter {param['name']!r}")
        unknown.extend(f"{method.upper()} {entry}" for entry in _unknown_body_ids(path, operation))

    assert unknown == [], "Teach this test the new parameters: " + "; ".join(unknown)


def test_another_shops_object_is_a_404_on_every_read_with_an_id(world: World) -> None:
    reads = [(path, op) for path, method, op in _operations() if method == "get" and _params(op, "path")]
    assert len(reads) >= 15
    wrong = []
    for path, _operation in reads:
        if _objects_for(path) is None:
            continue  # reported by the test above
        own_url, *mixed = _urls(path, world)
        # A's own key finds it (so the id is A's real object), B's gets 404 and learns nothing.
        own = world.read.get(own_url)
        if own.status_code == 404:
            wrong.append(f"GET {own_url}: A's own key got 404, the test's id is wrong")
        for url in (own_url, *mixed):
            theirs = world.theirs.get(url)
            if theirs.status_code != 404:
                wrong.append(f"GET {url}: B got {theirs.status_code}, not 404")
            elif theirs.json()["error"]["code"] != "not_found" or _leaks(_text(theirs)):
                wrong.append(f"GET {url}: B's 404 says {_text(theirs)[:200]}")

    assert wrong == []


def test_no_list_or_export_shows_another_shops_rows_whatever_its_filters(world: World) -> None:
    lists = [(path, op) for path, method, op in _operations() if method == "get" and not _params(op, "path")]
    assert len(lists) >= 20
    leaks, unseen, calls = [], [], 0
    for path, operation in lists:
        query_params = _params(operation, "query")
        if any(p["name"] == "cursor" for p in query_params):
            # Every paginated list shows A's row to A: the data covers it, so B seeing none of it means something.
            own = world.read.get(path)
            if own.status_code != 200 or not _leaks(_text(own)):
                unseen.append(f"{path} ({own.status_code})")
        variants: list[dict[str, Any]] = [{}]
        for param in query_params:
            variants += [{param["name"]: value} for value in _query_variants(param, world) or []]
        if any(p["name"] == "limit" for p in query_params):
            variants.append({"limit": 200})
        for query in variants:
            answer = world.theirs.get(path, query)
            calls += 1
            if answer.status_code >= 500 and answer.status_code not in (502, 503):
                leaks.append(f"GET {path} {query}: {answer.status_code}")
            found = _leaks(_text(answer))
            if found:
                leaks.append(f"GET {path} {query}: B sees {found}")

    assert unseen == [], f"paginated lists without A's row (seed it in _seed_a): {unseen}"
    assert leaks == []
    assert calls > len(lists)


def test_a_write_on_another_shops_object_is_a_404_and_changes_nothing(world: World) -> None:
    writes = [
        (path, method, op) for path, method, op in _operations() if method != "get" and _params(op, "path")
    ]
    assert len(writes) >= 15
    before = _snapshot(world.shop)
    wrong = []
    for path, method, operation in writes:
        if _objects_for(path) is None:
            continue
        for url in _urls(path, world):
            answer = _call(world.theirs, method, url, _request_body(operation, world))
            if answer.status_code != 404:
                wrong.append(f"{method.upper()} {url}: B got {answer.status_code} {_text(answer)[:200]}")
            elif _leaks(_text(answer)):
                wrong.append(f"{method.upper()} {url}: B's 404 says {_text(answer)[:200]}")
            changed = _changes(before, _snapshot(world.shop))
            if changed:
                wrong.append(f"{method.upper()} {url}: A's {changed} changed")
                before = _snapshot(world.shop)

    assert wrong == []
    assert _tasks_for(world) == []


def test_shop_wide_writes_of_another_shop_leave_this_shop_alone(world: World) -> None:
    writes = [
        (path, method, op)
        for path, method, op in _operations()
        if method != "get" and not _params(op, "path")
    ]
    assert len(writes) >= 15
    before = _snapshot(world.shop)
    wrong = []
    for path, method, operation in writes:
        body = _request_body(operation, world)
        answer = _call(world.theirs, method, path, body)
        if answer.status_code >= 500 and answer.status_code not in (502, 503):
            wrong.append(f"{method.upper()} {path} {body}: {answer.status_code}")
        found = _leaks(_text(answer))
        if found:
            wrong.append(f"{method.upper()} {path} {body}: B's answer holds {found}")
        changed = _changes(before, _snapshot(world.shop))
        if changed:
            wrong.append(f"{method.upper()} {path} {body}: A's {changed} changed")
            before = _snapshot(world.shop)

    assert wrong == []
    assert _tasks_for(world) == []


def test_the_snapshot_sees_a_change_of_shop_a(world: World) -> None:
    # The checks above can fail: a change of any of A's rows is seen.
    before = _snapshot(world.shop)
    Order.objects.filter(pk=world.ids["order"]).update(sync_status=SyncStatus.QUEUED)
    DriftRow.objects.filter(pk=world.ids["drift_row"]).update(repaired_at=DAY)

    ProposedChange.objects.filter(pk=world.ids["proposed_change"]).update(
        state=ProposedChange.State.DISMISSED
    )

    assert sorted(_changes(before, _snapshot(world.shop))) == [
        "orders.Order",
        "orders.ProposedChange",
        "stock.DriftRow",
    ]


def test_a_write_of_shop_a_itself_is_found_and_seen(world: World) -> None:
    # The same calls with A's own write key reach A's objects: the ids and bodies of the tests above are real.
    before = _snapshot(world.shop)

    answer = world.write.post(f"/api/v1/orders/imports/{world.ids['order_import']}/stop/")

    assert answer.status_code == 200, answer.content
    assert _changes(before, _snapshot(world.shop)) == ["orders.ImportRun"]
