from __future__ import annotations

import json
import re
import resource
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, OperationType, parse, validate

from sandboxes.shopify.generator import SandboxDataset, generate_dataset
from sandboxes.shopify.graphql_api import AdminGraphQL
from sandboxes.shopify.ratelimit import PlanLimits
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

# The app's documents (see the brief of the bulk backfill).
RUN_BULK = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""
RUN_BULK_GROUPED = RUN_BULK.replace("groupObjects: false", "groupObjects: true")
ORDERS_SINCE = (
    "{ orders(query: \"updated_at:>='%s'\", sortKey: UPDATED_AT) { edges { node { id name updatedAt createdAt "
    "totalPriceSet { shopMoney { amount currencyCode } } lineItems { edges { node { id sku quantity "
    "originalUnitPriceSet { shopMoney { amount currencyCode } } } } } } } } }"
)
APP_QUERY = ORDERS_SINCE % "2026-01-01T00:00:00Z"
POLL = """
query Poll($id: ID!) {
  node(id: $id) {
    ... on BulkOperation {
      id status errorCode objectCount rootObjectCount fileSize url partialDataUrl createdAt completedAt query type
    }
  }
}
"""
CANCEL = """
mutation Cancel($id: ID!) {
  bulkOperationCancel(id: $id) { bulkOperation { id status url } userErrors { field message } }
}
"""
TERMINAL = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _start(gql: Any, base: str, inner: str, document: str = RUN_BULK, **kw: Any) -> dict[str, Any]:
    status, body, _ = gql(base, document, {"query": inner}, **kw)
    assert status == 200 and "errors" not in body, body
    return body["data"]["bulkOperationRunQuery"]  # type: ignore[no-any-return]


def _started_id(gql: Any, base: str, inner: str = APP_QUERY, **kw: Any) -> str:
    payload = _start(gql, base, inner, **kw)
    assert payload["userErrors"] == [], payload
    assert payload["bulkOperation"]["status"] == "CREATED"
    return str(payload["bulkOperation"]["id"])


def _poll(
    gql: Any, base: str, gid: str, *, until: set[str] = TERMINAL, timeout: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, body, _ = gql(base, POLL, {"id": gid})
        assert status == 200 and "errors" not in body, body
        op = body["data"]["node"]
        if op["status"] in until or time.monotonic() > deadline:
            return op  # type: ignore[no-any-return]
        time.sleep(0.02)


def _download(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _lines(url: str) -> list[dict[str, Any]]:
    status, raw, headers = _download(url)
    assert status == 200 and headers["Content-Type"] == "application/jsonl"
    text = raw.decode("utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def _run_to_end(gql: Any, base: str, inner: str = APP_QUERY, **kw: Any) -> dict[str, Any]:
    op = _poll(gql, base, _started_id(gql, base, inner, **kw))
    assert op["status"] in TERMINAL
    return op


def _expected(dataset: SandboxDataset, since: str = "2026-01-01T00:00:00+00:00") -> list[dict[str, Any]]:
    cutoff = datetime.fromisoformat(since)
    return [o for o in dataset.orders if datetime.fromisoformat(o["updated_at"]) >= cutoff]


def _assert_parents_first(lines: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] in seen, line
        seen.add(line["id"])


# ------------------------------------------------------------------------------------ documents


def test_it_validates_the_apps_bulk_documents_against_the_schema(schema: GraphQLSchema) -> None:
    for document in (RUN_BULK, POLL, CANCEL, APP_QUERY):
        assert validate(schema, parse(document)) == [], document
    assert parse(RUN_BULK).definitions[0].operation == OperationType.MUTATION  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- happy path


def test_it_runs_the_apps_bulk_query_and_serves_shopifys_jsonl(
    sandbox: tuple[SandboxServer, str], gql: Any, dataset: SandboxDataset
) -> None:
    server, base = sandbox
    # when
    status, body, _ = gql(base, RUN_BULK, {"query": APP_QUERY})
    # then: the mutation answers at once with a CREATED operation
    assert status == 200
    payload = body["data"]["bulkOperationRunQuery"]
    assert payload["userErrors"] == []
    assert payload["bulkOperation"]["status"] == "CREATED"
    gid = payload["bulkOperation"]["id"]
    assert re.fullmatch(r"gid://shopify/BulkOperation/\d+", gid)

    op = _poll(gql, base, gid)
    assert op["status"] == "COMPLETED"
    assert op["errorCode"] is None and op["partialDataUrl"] is None
    assert op["type"] == "QUERY" and op["query"] == APP_QUERY
    assert STAMP.match(op["createdAt"]) and STAMP.match(op["completedAt"])
    assert op["createdAt"] <= op["completedAt"]
    number = gid.rsplit("/", 1)[1]
    assert op["url"] == f"{base}/sandbox/bulk/{number}.jsonl"

    status, raw, _ = _download(op["url"])
    assert status == 200
    assert op["fileSize"] == str(len(raw))
    assert b'"id":"gid:\\/\\/shopify\\/Order\\/' in raw  # Shopify escapes forward slashes
    lines = [json.loads(line) for line in raw.decode().splitlines()]

    orders = _expected(dataset)
    items = [li for o in orders for li in o["line_items"]]
    assert op["objectCount"] == str(len(orders) + len(items)) == str(len(lines))
    assert op["rootObjectCount"] == str(len(orders))

    order_lines = [line for line in lines if "__parentId" not in line]
    item_lines = [line for line in lines if "__parentId" in line]
    assert Counter(line["id"] for line in order_lines) == Counter(
        f"gid://shopify/Order/{o['id']}" for o in orders
    )
    assert Counter(line["id"] for line in item_lines) == Counter(
        f"gid://shopify/LineItem/{li['id']}" for li in items
    )
    assert max(Counter(line["id"] for line in lines).values()) == 1
    _assert_parents_first(lines)
    parent_of = {
        f"gid://shopify/LineItem/{li['id']}": f"gid://shopify/Order/{o['id']}"
        for o in orders
        for li in o["line_items"]
    }
    assert all(line["__parentId"] == parent_of[line["id"]] for line in item_lines)

    # Root objects follow the sort key, and a parent line never inlines its nested connection.
    updated = [line["updatedAt"] for line in order_lines]
    assert updated == sorted(updated)
    by_name = {o["name"]: o for o in orders}
    first = order_lines[0]
    rest = by_name[first["name"]]
    assert first == {
        "id": f"gid://shopify/Order/{rest['id']}",
        "name": rest["name"],
        "updatedAt": first["updatedAt"],
        "createdAt": first["createdAt"],
        "totalPriceSet": {
            "shopMoney": {"amount": first["totalPriceSet"]["shopMoney"]["amount"], "currencyCode": "USD"}
        },
    }
    line = next(x for x in item_lines if x["__parentId"] == first["id"])
    rest_line = next(li for li in rest["line_items"] if f"gid://shopify/LineItem/{li['id']}" == line["id"])
    assert list(line) == ["id", "sku", "quantity", "originalUnitPriceSet", "__parentId"]
    assert line["sku"] == rest_line["sku"] and line["quantity"] == rest_line["quantity"]
    assert set(line["originalUnitPriceSet"]) == {"shopMoney"}
    assert server.stats()["by_status"].get("200", 0) >= 1


def test_it_matches_what_the_paginated_query_returns(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    _server, base = sandbox
    op = _run_to_end(gql, base)
    lines = _lines(op["url"])
    page_query = APP_QUERY.replace("sortKey: UPDATED_AT)", "sortKey: UPDATED_AT, first: 250)").replace(
        "lineItems {", "lineItems(first: 250) {"
    )
    status, body, _ = gql(base, page_query)
    assert status == 200 and "errors" not in body, body
    expected: list[dict[str, Any]] = []
    for edge in body["data"]["orders"]["edges"]:
        node = dict(edge["node"])
        children = node.pop("lineItems")["edges"]
        expected.append(node)
        expected.extend({**c["node"], "__parentId": node["id"]} for c in children)
    assert sorted(lines, key=json.dumps) == sorted(expected, key=json.dumps)


def test_it_applies_the_search_filter_of_the_bulk_query(
    sandbox: tuple[SandboxServer, str], gql: Any, dataset: SandboxDataset
) -> None:
    _server, base = sandbox
    stamps = sorted(o["updated_at"] for o in dataset.orders)
    cutoff = datetime.fromisoformat(stamps[len(stamps) // 2]).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    op = _run_to_end(gql, base, ORDERS_SINCE % cutoff)
    assert op["status"] == "COMPLETED"
    lines = _lines(op["url"])
    wanted = _expected(dataset, cutoff.replace("Z", "+00:00"))
    assert 0 < len(wanted) < len(dataset.orders)
    roots = [line for line in lines if "__parentId" not in line]
    assert {line["id"] for line in roots} == {f"gid://shopify/Order/{o['id']}" for o in wanted}
    assert all(line["updatedAt"] >= cutoff for line in roots)
    assert op["rootObjectCount"] == str(len(wanted))


def test_it_completes_without_a_url_when_nothing_matches(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    _server, base = sandbox
    op = _run_to_end(gql, base, ORDERS_SINCE % "2031-01-01T00:00:00Z")
    assert op["status"] == "COMPLETED"
    assert (op["objectCount"], op["rootObjectCount"], op["fileSize"], op["url"]) == ("0", "0", None, None)


def test_it_places_children_directly_under_their_parent_when_grouping(
    sandbox: tuple[SandboxServer, str], gql: Any, dataset: SandboxDataset
) -> None:
    _server, base = sandbox
    op = _run_to_end(gql, base, APP_QUERY, document=RUN_BULK_GROUPED)
    lines = _lines(op["url"])
    current = None
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] == current
        else:
            current = line["id"]
    assert op["objectCount"] == str(len(lines))
    assert {line["id"] for line in lines} == {line["id"] for line in _lines(_run_to_end(gql, base)["url"])}


def test_it_writes_ungrouped_children_after_their_chunk_of_parents(
    sandbox: tuple[SandboxServer, str], gql: Any, dataset: SandboxDataset
) -> None:
    server, base = sandbox
    server.api.bulk_operations.chunk_size = 7  # root objects per chunk (250 by default)
    op = _run_to_end(gql, base)
    lines = _lines(op["url"])
    _assert_parents_first(lines)
    # blocks of [7 orders][their line items], the last block shorter
    kinds = "".join("c" if "__parentId" in line else "p" for line in lines)
    blocks = re.findall(r"p+c*", kinds)
    assert [len(b.rstrip("c")) for b in blocks[:-1]] == [7] * (len(blocks) - 1)
    assert len(blocks) == -(-len(_expected(dataset)) // 7)
    roots = [line["id"] for line in lines if "__parentId" not in line]
    for i, block in enumerate(re.finditer(r"p+c*", kinds)):
        chunk = set(roots[i * 7 : i * 7 + 7])
        assert all(
            lines[j]["__parentId"] in chunk for j in range(block.start(), block.end()) if kinds[j] == "c"
        )
    assert len(set(roots)) == len(roots) == len(_expected(dataset))


def test_it_reads_nodes_only_when_the_sandbox_is_told_to(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any
) -> None:
    _server, base = sandbox
    via_nodes = "{ orders { nodes { id name lineItems { nodes { id sku } } } } }"
    payload = _start(gql, base, via_nodes)
    assert payload == {
        "bulkOperation": None,
        "userErrors": [
            {
                "field": ["query"],
                "message": "All connection fields in a bulk query must select their contents using 'edges' > "
                "'node', e.g: 'orders { edges { node {'. Selecting via 'nodes' is not supported. "
                "Invalid connection fields: 'orders', 'lineItems'.",
                "code": "INVALID",
            }
        ],
    }
    status, raw, _ = post(f"{base}/sandbox/control", {"bulk_allow_nodes": True})
    assert status == 200 and json.loads(raw)["bulk"]["allow_nodes"] is True
    by_nodes = _lines(_run_to_end(gql, base, via_nodes)["url"])
    by_edges = _lines(
        _run_to_end(
            gql, base, "{ orders { edges { node { id name lineItems { edges { node { id sku } } } } } } }"
        )["url"]
    )
    assert by_nodes == by_edges and len(by_nodes) > 60


# ---------------------------------------------------------------------------------- userErrors

SIX_CONNECTIONS = (
    "{ orders { edges { node { id lineItems { edges { node { id } } } shippingLines { edges { node { id } } } "
    "fulfillmentOrders { edges { node { id } } } events { edges { node { id } } } "
    "metafields { edges { node { id } } } } } } }"
)


@pytest.mark.parametrize(
    ("inner", "messages"),
    [
        ("", ["Invalid bulk query: syntax error, unexpected end of file"]),
        ("{ orders { edges { node { id", ["Invalid bulk query: syntax error, unexpected end of file"]),
        (
            "{ orders { edges { node { idx } } } }",
            ["Invalid bulk query: Field 'idx' doesn't exist on type 'Order'"],
        ),
        (
            'mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["x"]) { userErrors { message } } }',
            ["Invalid operation type. Only `query` operations are supported."],
        ),
        ("{ shop { name } }", ["Bulk queries must contain at least one connection."]),
        (
            '{ node(id: "gid://shopify/Order/5550001001") { id } }',
            [
                "Bulk queries cannot contain a top level `node` field.",
                "Bulk queries must contain at least one connection.",
            ],
        ),
        (
            "{ orders { edges { node { id lineItems { edges { node { id variant { product { variants "
            "{ edges { node { id } } } } } } } } } } } }",
            ["Bulk queries cannot contain connections with a nesting depth greater than 2."],
        ),
        (SIX_CONNECTIONS, ["Bulk queries cannot contain more than 5 connections."]),
        (
            "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }",
            [
                "The parent 'node' field for a nested connection must select the 'id' field without an alias and "
                "must be of 'ID' return type. Connection fields without 'id': orders."
            ],
        ),
        (
            "{ orders { edges { node { orderId: id lineItems { edges { node { id } } } } } } }",
            [
                "The parent 'node' field for a nested connection must select the 'id' field without an alias and "
                "must be of 'ID' return type. Connection fields without 'id': orders."
            ],
        ),
        (
            "{ orders { edges { node { id refunds { refundLineItems { edges { node { id } } } } } } } }",
            ["Queries that contain a connection field within a list field are not currently supported."],
        ),
    ],
)
def test_it_refuses_queries_shopify_refuses(
    sandbox: tuple[SandboxServer, str], gql: Any, inner: str, messages: list[str]
) -> None:
    _server, base = sandbox
    payload = _start(gql, base, inner)
    assert payload == {
        "bulkOperation": None,
        "userErrors": [{"field": ["query"], "message": m, "code": "INVALID"} for m in messages],
    }
    # and nothing was created
    _status, body, _ = gql(base, "{ currentBulkOperation { id } bulkOperations(first: 5) { nodes { id } } }")
    assert body["data"] == {"currentBulkOperation": None, "bulkOperations": {"nodes": []}}


def test_it_accepts_five_connections_two_levels_deep(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    _server, base = sandbox
    five = SIX_CONNECTIONS.replace(" metafields { edges { node { id } } }", "")
    payload = _start(gql, base, five)
    assert payload["userErrors"] == [] and payload["bulkOperation"]["status"] == "CREATED"
    # Two sibling connections under the root, both written as children of their order.
    op = _run_to_end(
        gql,
        base,
        "{ orders { edges { node { id lineItems { edges { node { id } } } "
        "shippingLines { edges { node { id title } } } } } } }",
    )
    assert op["status"] == "COMPLETED"
    lines = _lines(op["url"])
    _assert_parents_first(lines)
    kinds = Counter(line["id"].split("/")[3] for line in lines)
    assert kinds["Order"] == int(op["rootObjectCount"]) == 60
    assert kinds["LineItem"] > 60 and kinds["ShippingLine"] > 0
    assert all(
        line["__parentId"].startswith("gid://shopify/Order/") for line in lines if "__parentId" in line
    )


# ---------------------------------------------------------------------------------- concurrency


def test_it_runs_up_to_five_bulk_queries_at_once(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any
) -> None:
    _server, base = sandbox
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 30})
    running = [_started_id(gql, base) for _ in range(5)]
    # when
    sixth = _start(gql, base, APP_QUERY)
    # then
    assert sixth == {
        "bulkOperation": None,
        "userErrors": [
            {
                "field": None,
                "message": f"A bulk query operation for this app and shop is already in progress: {', '.join(running)}.",
                "code": "OPERATION_IN_PROGRESS",
            }
        ],
    }
    assert all(_poll(gql, base, gid, until={"RUNNING"})["status"] == "RUNNING" for gid in running)
    # A canceling operation still counts; a canceled one does not.
    gql(base, CANCEL, {"id": running[0]})
    assert _poll(gql, base, running[0])["status"] == "CANCELED"
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 0})
    replacement = _started_id(gql, base)
    assert _poll(gql, base, replacement)["status"] == "COMPLETED"


def test_it_runs_one_bulk_query_at_a_time_before_2026_01(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any
) -> None:
    _server, base = sandbox
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 30})
    first = _started_id(gql, base, version="2025-10")
    second = _start(gql, base, APP_QUERY, version="2025-10")
    assert second["bulkOperation"] is None
    assert second["userErrors"] == [
        {
            "field": None,
            "message": f"A bulk query operation for this app and shop is already in progress: {first}.",
            "code": "OPERATION_IN_PROGRESS",
        }
    ]
    assert _start(gql, base, APP_QUERY, version="2026-01")["userErrors"] == []


def test_it_keeps_each_apps_operations_to_itself(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    server, base = sandbox
    other = "shpat_" + "1" * 32
    server.store.add_shop(DEMO_SHOP_DOMAIN, [DEMO_ACCESS_TOKEN, other])
    gid = _started_id(gql, base)
    _status, body, _ = gql(
        base,
        "query($id: ID!) { bulkOperation(id: $id) { id } currentBulkOperation { id } }",
        {"id": gid},
        token=other,
    )
    assert body["data"] == {"bulkOperation": None, "currentBulkOperation": None}
    _status, body, _ = gql(base, CANCEL, {"id": gid}, token=other)
    assert body["data"]["bulkOperationCancel"] == {
        "bulkOperation": None,
        "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
    }


# -------------------------------------------------------------------------------------- polling


def test_it_answers_every_way_of_polling(sandbox: tuple[SandboxServer, str], gql: Any, post: Any) -> None:
    _server, base = sandbox
    done = _run_to_end(gql, base)
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 30})
    running = _started_id(gql, base)
    _poll(gql, base, running, until={"RUNNING"})
    fields = "id status type objectCount url"
    status, body, _ = gql(
        base,
        f"""query($done: ID!, $missing: ID!) {{
          byId: bulkOperation(id: $done) {{ {fields} }}
          missing: bulkOperation(id: $missing) {{ id }}
          current: currentBulkOperation(type: QUERY) {{ {fields} }}
          defaultType: currentBulkOperation {{ id }}
          mutations: currentBulkOperation(type: MUTATION) {{ id }}
          newest: bulkOperations(first: 5) {{ edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage }} }}
          oldest: bulkOperations(first: 1, reverse: true) {{ nodes {{ id }} pageInfo {{ hasNextPage }} }}
          completed: bulkOperations(first: 5, query: "status:completed") {{ nodes {{ id status }} }}
          running: bulkOperations(first: 5, query: "status:running operation_type:query") {{ nodes {{ id }} }}
          mutationOps: bulkOperations(first: 5, query: "operation_type:mutation") {{ nodes {{ id }} }}
        }}""",
        {"done": done["id"], "missing": "gid://shopify/BulkOperation/999999"},
    )
    assert status == 200 and "errors" not in body, body
    data = body["data"]
    assert data["byId"] == {
        "id": done["id"],
        "status": "COMPLETED",
        "type": "QUERY",
        "objectCount": done["objectCount"],
        "url": done["url"],
    }
    assert data["missing"] is None
    assert data["current"] == {
        "id": running,
        "status": "RUNNING",
        "type": "QUERY",
        "objectCount": "0",
        "url": None,
    }
    assert data["defaultType"] == {"id": running}
    assert data["mutations"] is None
    assert [e["node"]["id"] for e in data["newest"]["edges"]] == [running, done["id"]]
    assert data["newest"]["pageInfo"] == {"hasNextPage": False}
    assert data["oldest"] == {"nodes": [{"id": done["id"]}], "pageInfo": {"hasNextPage": True}}
    assert data["completed"] == {"nodes": [{"id": done["id"], "status": "COMPLETED"}]}
    assert data["running"] == {"nodes": [{"id": running}]}
    assert data["mutationOps"] == {"nodes": []}
    # The result file does not exist until the operation ends.
    number = running.rsplit("/", 1)[1]
    assert _download(f"{base}/sandbox/bulk/{number}.jsonl")[0] == 404


def test_it_answers_404_for_unknown_result_files(sandbox: tuple[SandboxServer, str]) -> None:
    _server, base = sandbox
    for path in ("/sandbox/bulk/424242.jsonl", "/sandbox/bulk/x.jsonl", "/sandbox/bulk/"):
        assert _download(base + path)[0] == 404


# ------------------------------------------------------------------------------ cancel, faults


def test_it_cancels_a_running_bulk_operation(sandbox: tuple[SandboxServer, str], gql: Any, post: Any) -> None:
    server, base = sandbox
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 30})
    gid = _started_id(gql, base)
    # when
    _status, body, _ = gql(base, CANCEL, {"id": gid})
    # then
    assert body["data"]["bulkOperationCancel"] == {
        "bulkOperation": {"id": gid, "status": "CANCELING", "url": None},
        "userErrors": [],
    }
    assert body["extensions"]["cost"]["actualQueryCost"] == 10
    op = _poll(gql, base, gid)
    assert op["status"] == "CANCELED"
    assert (op["url"], op["partialDataUrl"], op["completedAt"], op["errorCode"]) == (None, None, None, None)
    assert list(server.api.bulk_operations.results_dir.iterdir()) == []
    _status, body, _ = gql(base, CANCEL, {"id": gid})
    assert body["data"]["bulkOperationCancel"]["userErrors"] == [
        {"field": None, "message": "A bulk operation cannot be canceled when it is canceled"}
    ]


def test_it_refuses_to_cancel_finished_or_unknown_operations(
    sandbox: tuple[SandboxServer, str], gql: Any
) -> None:
    _server, base = sandbox
    done = _run_to_end(gql, base)
    _status, body, _ = gql(base, CANCEL, {"id": done["id"]})
    assert body["data"]["bulkOperationCancel"] == {
        "bulkOperation": {"id": done["id"], "status": "COMPLETED", "url": done["url"]},
        "userErrors": [
            {"field": None, "message": "A bulk operation cannot be canceled when it is completed"}
        ],
    }
    _status, body, _ = gql(base, CANCEL, {"id": "gid://shopify/BulkOperation/999999"})
    assert body["data"]["bulkOperationCancel"] == {
        "bulkOperation": None,
        "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
    }


def test_it_injects_bulk_failures_with_partial_data(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any, dataset: SandboxDataset
) -> None:
    _server, base = sandbox
    status, raw, _ = post(f"{base}/sandbox/control", {"bulk_fail_next": 1})
    assert status == 200 and json.loads(raw)["bulk"]["fail_next"] == 1
    # when
    failed = _run_to_end(gql, base)
    # then
    assert failed["status"] == "FAILED" and failed["errorCode"] == "INTERNAL_SERVER_ERROR"
    assert failed["url"] is None and failed["completedAt"] is None
    partial = _lines(failed["partialDataUrl"])
    roots = [line for line in partial if "__parentId" not in line]
    assert len(roots) == len(_expected(dataset)) // 2 == int(failed["rootObjectCount"])
    assert str(len(partial)) == failed["objectCount"]
    _assert_parents_first(partial)
    # The next operation runs normally.
    assert _run_to_end(gql, base)["status"] == "COMPLETED"


def test_it_slows_bulk_operations_down_on_request(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any
) -> None:
    _server, base = sandbox
    post(f"{base}/sandbox/control", {"bulk_delay_seconds": 0.6})
    started = time.monotonic()
    gid = _started_id(gql, base)
    running = _poll(gql, base, gid, until={"RUNNING"})
    assert running["status"] == "RUNNING"
    assert (running["objectCount"], running["url"], running["completedAt"]) == ("0", None, None)
    assert _poll(gql, base, gid)["status"] == "COMPLETED"
    assert time.monotonic() - started >= 0.6
    # reset clears the bulk faults
    _status, raw, _ = post(f"{base}/sandbox/control", {"reset": True})
    assert json.loads(raw)["bulk"] == {"fail_next": 0, "delay_seconds": 0.0, "allow_nodes": False}


# ------------------------------------------------------------------------------------- pricing


def test_it_charges_ten_points_for_the_mutation(api: AdminGraphQL, run: Any, clock: Any) -> None:
    body = run(api, RUN_BULK, {"query": APP_QUERY})
    assert body["data"]["bulkOperationRunQuery"]["userErrors"] == []
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 10,
        "actualQueryCost": 10,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0},
    }
    # The background run is not charged to the app's bucket.
    deadline = time.monotonic() + 10
    while api.bulk_operations.views(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN)[0]["status"] != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    refused = run(api, RUN_BULK, {"query": "{ shop { name } }"})
    assert refused["extensions"]["cost"]["actualQueryCost"] == 10
    assert refused["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1980
    api.bulk_operations.close()


def test_it_throttles_the_mutation_without_starting_an_operation(api: AdminGraphQL, run: Any) -> None:
    api.limiter.override(DEMO_SHOP_DOMAIN, PlanLimits(15.0, 1.0))
    assert run(api, RUN_BULK, {"query": APP_QUERY})["data"]["bulkOperationRunQuery"]["userErrors"] == []
    throttled = run(api, RUN_BULK, {"query": APP_QUERY})
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["requestedQueryCost"] == 10
    assert len(api.bulk_operations.views(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN)) == 1
    api.bulk_operations.close()


def test_it_still_refuses_mutations_it_does_not_implement(api: AdminGraphQL, run: Any) -> None:
    body = run(
        api, 'mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["x"]) { userErrors { message } } }'
    )
    assert body == {
        "errors": [
            {
                "message": "The Shopify sandbox does not implement mutations yet (tagsAdd)",
                "extensions": {"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
            }
        ]
    }
    assert run(api, "{ shop { name } }")["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1999
    api.bulk_operations.close()


# ----------------------------------------------------------------------------------- big shops


def test_it_streams_ten_thousand_orders_in_flat_memory(gql: Any) -> None:
    server, base = start_in_thread()
    try:
        data = generate_dataset(10_000, seed=7)
        server.add_orders(data.orders, transactions=data.transactions, risks=data.risks)
        expected_items = sum(len(o["line_items"]) for o in data.orders)
        expected_ids = {f"gid://shopify/Order/{o['id']}" for o in data.orders}
        del data
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        # when
        op = _poll(
            gql,
            base,
            _started_id(
                gql, base, "{ orders { edges { node { id lineItems { edges { node { id sku } } } } } } }"
            ),
            timeout=120,
        )
        # then
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert op["status"] == "COMPLETED"
        assert op["rootObjectCount"] == "10000"
        assert op["objectCount"] == str(10_000 + expected_items)
        # Building all 10 000 order views at once takes several hundred MiB; a chunk takes a few.
        assert grown_mib < 120, grown_mib
        status, raw, _ = _download(op["url"])
        assert status == 200 and len(raw) == int(op["fileSize"])
        roots = {json.loads(line)["id"] for line in raw.splitlines() if b"__parentId" not in line}
        assert roots == expected_ids
    finally:
        server.shutdown_sandbox()


def test_it_keeps_result_files_next_to_the_state_file(tmp_path: Path, gql: Any) -> None:
    state = tmp_path / "shopify.json"
    server, base = start_in_thread(state, seed_orders=5)
    try:
        op = _run_to_end(gql, base, "{ orders { edges { node { id } } } }")
        number = int(op["id"].rsplit("/", 1)[1])
        assert (tmp_path / "shopify-bulk" / f"{number}.jsonl").exists()
    finally:
        server.shutdown_sandbox()
    # A restarted sandbox numbers new operations after the files it finds, and keeps the old files.
    server, base = start_in_thread(state)
    try:
        again = _run_to_end(gql, base, "{ orders { edges { node { id } } } }")
        assert int(again["id"].rsplit("/", 1)[1]) == number + 1
        assert (tmp_path / "shopify-bulk" / f"{number}.jsonl").exists()
    finally:
        server.shutdown_sandbox()
