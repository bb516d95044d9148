"""Bulk query operations (`bulkOperationRunQuery`), run the way Shopify runs them.

A bulk query is validated when it is submitted (the checks and wording of Shopify's userErrors,
below), then executed in a background thread with the ordinary resolvers, without page-size or
cost limits. The result is a JSONL file with one object per line: every node of a connection on
its own line, nested connections left out of their parent's line and their nodes written on later
lines with ``"__parentId"``. With ``groupObjects: true`` children follow their parent directly;
with ``false`` they come after their parent but not necessarily next to it (the sandbox writes the
parents of a chunk of root objects, then their children), which is what Shopify documents.

The root connection is executed one chunk of root objects at a time and every chunk is written
before the next is built, so memory stays flat however many orders the shop has.

Sources for the userError texts: Shopify's messages as recorded by public Admin API emulators that
replay captured responses (``Bulk queries cannot contain more than 5 connections.``, ``...a top
level `node` field.``, ``...connections with a nesting depth greater than 2.``, ``The parent 'node'
field for a nested connection must select the 'id' field...``, ``Queries that contain a connection
field within a list field...``, ``Bulk queries must contain at least one connection.``, ``All
connection fields in a bulk query must select their contents using 'edges' > 'node'...``,
``Invalid bulk query: ...``, ``Invalid operation type. Only `query` operations are supported.``,
``A bulk query operation for this app and shop is already in progress: <gids>.``, ``A bulk operation
cannot be canceled when it is <status>``, ``Bulk operation does not exist``). The one text that is a
paraphrase, not a recorded message, is marked where it is defined.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    get_named_type,
    parse,
    validate,
)

from sandboxes.shopify.cost import _Walker

Json = dict[str, Any]
logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2
CHUNK_SIZE = 250  # root objects built and written per execution of the inner query
ACTIVE = frozenset({"CREATED", "RUNNING", "CANCELING"})
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
CONCURRENT_QUERIES = 5  # from API version 2026-01; one at a time before
FIVE_AT_ONCE_SINCE = "2026-01"

NODES_NOT_SUPPORTED = (
    "All connection fields in a bulk query must select their contents using 'edges' > 'node', "
    "e.g: '{example} {{ edges {{ node {{'. Selecting via 'nodes' is not supported. "
    "Invalid connection fields: {fields}."
)
TOP_LEVEL_NODE = "Bulk queries cannot contain a top level `node` field."
TOO_DEEP = "Bulk queries cannot contain connections with a nesting depth greater than 2."
TOO_MANY = "Bulk queries cannot contain more than 5 connections."
PARENT_WITHOUT_ID = (
    "The parent 'node' field for a nested connection must select the 'id' field without an alias and "
    "must be of 'ID' return type. Connection fields without 'id': {fields}."
)
CONNECTION_IN_LIST = (
    "Queries that contain a connection field within a list field are not currently supported."
)
NO_CONNECTION = "Bulk queries must contain at least one connection."
NOT_A_QUERY = "Invalid operation type. Only `query` operations are supported."
# Paraphrase: Shopify documents that a bulk query has a single top-level field, but no recorded
# answer for two of them was found.
ONE_ROOT_FIELD = "Bulk queries must contain exactly one top-level field."
IN_PROGRESS = "A bulk query operation for this app and shop is already in progress: {ids}."
CANNOT_CANCEL = "A bulk operation cannot be canceled when it is {status}"
DOES_NOT_EXIST = "Bulk operation does not exist"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def operation_gid(number: int) -> str:
    return f"gid://shopify/BulkOperation/{number}"


def query_error(message: str) -> Json:
    return {"field": ["query"], "message": message, "code": "INVALID"}


def jsonl_line(obj: Json) -> str:
    """One line as Shopify writes it: compact UTF-8 JSON with forward slashes escaped (`gid:\\/\\/`)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/") + "\n"


# ---------------------------------------------------------------------------------- validation


class _Shapes(_Walker):
    """Fragment flattening and connection detection, shared with the cost calculation."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        super().__init__(schema, fragments, {}, "shopify")

    def fields_of(
        self, named: GraphQLNamedType, selections: list[SelectionNode]
    ) -> dict[str, list[FieldNode]]:
        """Selected fields by response key, merged over the possible object types of `named`."""
        merged: dict[str, list[FieldNode]] = {}
        for obj in self.possible(named):
            for key, nodes in self.collect(obj, selections).items():
                merged.setdefault(key, nodes)
        return merged

    def field_type(self, named: GraphQLNamedType, name: str) -> GraphQLOutputType | None:
        for obj in self.possible(named):
            if name in obj.fields:
                return obj.fields[name].type
        return None

    def node_selections(
        self, conn: GraphQLObjectType, nodes: list[FieldNode]
    ) -> tuple[dict[str, list[FieldNode]], list[SelectionNode], list[SelectionNode], GraphQLNamedType]:
        inner = self.collect(conn, self.sub_selections(nodes))
        node_type, via_nodes, via_edges = self.connection_node_selections(conn, nodes)
        return inner, via_nodes, via_edges, node_type


def _is_list(t: GraphQLOutputType) -> bool:
    inner = t.of_type if isinstance(t, GraphQLNonNull) else t
    return isinstance(inner, GraphQLList)


def _composite(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


@dataclass
class _Analysis:
    connections: int = 0
    max_depth: int = 0
    top_level_node: bool = False
    within_list: bool = False
    via_nodes: list[str] = field(default_factory=list)
    parents_without_id: list[str] = field(default_factory=list)


def _analyze(
    shapes: _Shapes,
    named: GraphQLNamedType,
    selections: list[SelectionNode],
    analysis: _Analysis,
    depth: int,
    in_list: bool,
    parent_connection: str | None,
    parent_has_id: bool,
) -> None:
    for _key, nodes in shapes.fields_of(named, selections).items():
        name = nodes[0].name.value
        if name.startswith("__"):
            continue
        field_type = shapes.field_type(named, name)
        if field_type is None:
            continue
        inner = get_named_type(field_type)
        if shapes.is_connection(inner):
            assert isinstance(inner, GraphQLObjectType)
            analysis.connections += 1
            analysis.max_depth = max(analysis.max_depth, depth + 1)
            analysis.within_list = analysis.within_list or in_list
            if (
                parent_connection is not None
                and not parent_has_id
                and parent_connection not in (analysis.parents_without_id)
            ):
                analysis.parents_without_id.append(parent_connection)
            selected, via_nodes, via_edges, node_type = shapes.node_selections(inner, nodes)
            if "nodes" in {n[0].name.value for n in selected.values()} and name not in analysis.via_nodes:
                analysis.via_nodes.append(name)
            node_selections = via_edges + via_nodes
            has_id = any(
                n.name.value == "id" and n.alias is None
                for ns in shapes.fields_of(node_type, node_selections).values()
                for n in ns
            )
            _analyze(shapes, node_type, node_selections, analysis, depth + 1, in_list, name, has_id)
        elif _composite(inner):
            _analyze(
                shapes,
                inner,
                shapes.sub_selections(nodes),
                analysis,
                depth,
                in_list or _is_list(field_type),
                parent_connection,
                parent_has_id,
            )


@dataclass
class CheckedQuery:
    document: DocumentNode | None
    user_errors: list[Json]


def check_bulk_query(schema: GraphQLSchema, query: str, *, allow_nodes: bool = False) -> CheckedQuery:
    """Parse, validate and shape-check a bulk query; userErrors in Shopify's wording when it fails."""
    from sandboxes.shopify.graphql_api import shopify_error  # late: graphql_api imports this module

    try:
        document = parse(query)
    except GraphQLError as exc:
        detail = (
            "syntax error, unexpected end of file"
            if "<EOF>" in exc.message
            else exc.message.replace("Syntax Error: ", "syntax error, ")
        )
        return CheckedQuery(None, [query_error(f"Invalid bulk query: {detail}")])
    errors = validate(schema, document)
    if errors:
        return CheckedQuery(
            None, [query_error(f"Invalid bulk query: {shopify_error(e)['message']}") for e in errors]
        )
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return CheckedQuery(
            None,
            [
                query_error(
                    "Invalid bulk query: An operation name is required when sending multiple operations."
                )
            ],
        )
    operation = operations[0]
    if operation.operation != OperationType.QUERY:
        return CheckedQuery(None, [query_error(NOT_A_QUERY)])

    root = schema.query_type
    assert root is not None
    shapes = _Shapes(schema, document)
    selections = list(operation.selection_set.selections)
    roots = [k for k, ns in shapes.collect(root, selections).items() if not ns[0].name.value.startswith("__")]
    analysis = _Analysis()
    analysis.top_level_node = any(
        ns[0].name.value == "node" for ns in shapes.collect(root, selections).values()
    )
    _analyze(shapes, root, selections, analysis, 0, False, None, True)

    user_errors: list[Json] = []
    if analysis.via_nodes and not allow_nodes:
        user_errors.append(
            query_error(
                NODES_NOT_SUPPORTED.format(
                    example=analysis.via_nodes[0], fields=", ".join(f"'{n}'" for n in analysis.via_nodes)
                )
            )
        )
    if analysis.top_level_node:
        user_errors.append(query_error(TOP_LEVEL_NODE))
    if analysis.max_depth > MAX_CONNECTION_DEPTH:
        user_errors.append(query_error(TOO_DEEP))
    if analysis.connections > MAX_CONNECTIONS:
        user_errors.append(query_error(TOO_MANY))
    if analysis.parents_without_id:
        user_errors.append(
            query_error(PARENT_WITHOUT_ID.format(fields=", ".join(analysis.parents_without_id)))
        )
    if analysis.within_list:
        user_errors.append(query_error(CONNECTION_IN_LIST))
    if analysis.connections == 0 and (not user_errors or (analysis.top_level_node and len(user_errors) == 1)):
        user_errors.append(query_error(NO_CONNECTION))
    if not user_errors and len(roots) > 1:
        user_errors.append(query_error(ONE_ROOT_FIELD))
    return CheckedQuery(None if user_errors else document, user_errors)


# ------------------------------------------------------------------------------- JSONL shaping


@dataclass
class ObjectPlan:
    """Which response keys of an object are connections (written as child lines) or objects."""

    connections: dict[str, ConnectionPlan] = field(default_factory=dict)
    objects: dict[str, ObjectPlan] = field(default_factory=dict)


@dataclass
class ConnectionPlan:
    node: ObjectPlan
    edges_key: str | None = None
    node_key: str | None = None
    nodes_key: str | None = None


def build_plan(schema: GraphQLSchema, document: DocumentNode) -> ObjectPlan:
    """The shape of the (already checked) bulk query's result, from the root down."""
    shapes = _Shapes(schema, document)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = schema.query_type
    assert root is not None
    return _object_plan(shapes, root, list(operation.selection_set.selections))


def _object_plan(shapes: _Shapes, named: GraphQLNamedType, selections: list[SelectionNode]) -> ObjectPlan:
    plan = ObjectPlan()
    for key, nodes in shapes.fields_of(named, selections).items():
        name = nodes[0].name.value
        field_type = None if name.startswith("__") else shapes.field_type(named, name)
        if field_type is None:
            continue
        inner = get_named_type(field_type)
        if shapes.is_connection(inner):
            assert isinstance(inner, GraphQLObjectType)
            selected, via_nodes, via_edges, node_type = shapes.node_selections(inner, nodes)
            conn = ConnectionPlan(_object_plan(shapes, node_type, via_edges + via_nodes))
            for inner_key, inner_nodes in selected.items():
                if inner_nodes[0].name.value == "edges" and conn.edges_key is None:
                    conn.edges_key = inner_key
                    edge_type = get_named_type(inner.fields["edges"].type)
                    assert isinstance(edge_type, GraphQLObjectType)
                    for edge_key, edge_nodes in shapes.collect(
                        edge_type, shapes.sub_selections(inner_nodes)
                    ).items():
                        if edge_nodes[0].name.value == "node":
                            conn.node_key = edge_key
                            break
                elif inner_nodes[0].name.value == "nodes" and conn.nodes_key is None:
                    conn.nodes_key = inner_key
            plan.connections[key] = conn
        elif _composite(inner):
            plan.objects[key] = _object_plan(shapes, inner, shapes.sub_selections(nodes))
    return plan


def _nodes_of(value: Any, plan: ConnectionPlan) -> list[Json]:
    if not isinstance(value, dict):
        return []
    if plan.edges_key is not None and plan.node_key is not None and value.get(plan.edges_key) is not None:
        return [
            e[plan.node_key]
            for e in value[plan.edges_key]
            if isinstance(e, dict) and isinstance(e.get(plan.node_key), dict)
        ]
    if plan.nodes_key is not None:
        return [n for n in value.get(plan.nodes_key) or [] if isinstance(n, dict)]
    return []


Children = list[tuple[Any, ConnectionPlan]]


def _split(value: Any, plan: ObjectPlan | None, children: Children) -> Any:
    """`value` without its nested connections, which are collected into `children`."""
    if plan is None or value is None:
        return value
    if isinstance(value, list):
        return [_split(v, plan, children) for v in value]
    if not isinstance(value, dict):
        return value
    out: Json = {}
    for key, item in value.items():
        if key in plan.connections:
            children.append((item, plan.connections[key]))
        else:
            out[key] = _split(item, plan.objects.get(key), children)
    return out


def _line(node: Json, plan: ConnectionPlan, parent_id: str | None, children: Children) -> Json:
    line: Json = _split(node, plan.node, children)
    if parent_id is not None:
        line["__parentId"] = parent_id
    return line


def _grouped(
    value: Any, plan: ConnectionPlan, parent_id: str | None, root: bool
) -> Iterator[tuple[Json, bool]]:
    for node in _nodes_of(value, plan):
        children: Children = []
        yield _line(node, plan, parent_id, children), root
        for child_value, child_plan in children:
            yield from _grouped(child_value, child_plan, node.get("id"), False)


def _ungrouped(level: list[tuple[Any, ConnectionPlan, str | None]]) -> Iterator[tuple[Json, bool]]:
    root = True
    while level:
        next_level: list[tuple[Any, ConnectionPlan, str | None]] = []
        for value, plan, parent_id in level:
            for node in _nodes_of(value, plan):
                children: Children = []
                yield _line(node, plan, parent_id, children), root
                next_level.extend((cv, cp, node.get("id")) for cv, cp in children)
        level, root = next_level, False


def result_lines(data: Json | None, plan: ObjectPlan, group_objects: bool) -> Iterator[tuple[Json, bool]]:
    """(line, is_root_object) for one executed chunk of the bulk query."""
    roots: list[tuple[Any, ConnectionPlan, str | None]] = []
    for key, value in (data or {}).items():
        if key in plan.connections:
            roots.append((value, plan.connections[key], None))
        elif key in plan.objects and value is not None:
            # A single object at the root (`order(id:) { lineItems {...} }`): its connections are the
            # root objects of the file.
            children: Children = []
            _split(value, plan.objects[key], children)
            roots.extend((cv, cp, None) for cv, cp in children)
    if group_objects:
        for value, conn, parent in roots:
            yield from _grouped(value, conn, parent, True)
    else:
        yield from _ungrouped(roots)


# -------------------------------------------------------------------------------- operations


@dataclass
class BulkRun:
    """Execution state shared by the chunked executions of one bulk query (see `resolve_orders`)."""

    size: int = CHUNK_SIZE
    offset: int = 0
    fail_halfway: bool = False  # failure injection: stop after half of the root objects
    matched: list[tuple[Any, Json]] | None = None  # (sort key, order), filled by the root resolver

    @property
    def total(self) -> int:
        count = len(self.matched or [])
        return count // 2 if self.fail_halfway else count

    def window(self) -> list[tuple[Any, Json]]:
        return (self.matched or [])[self.offset : min(self.offset + self.size, self.total)]


Executor = Callable[[BulkRun], ExecutionResult]


@dataclass
class BulkOperation:
    number: int
    shop: str
    app: str
    query: str
    group_objects: bool
    created_at: str
    type: str = "QUERY"
    status: str = "CREATED"
    error_code: str | None = None
    completed_at: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    partial_data_url: str | None = None
    fail: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def gid(self) -> str:
        return operation_gid(self.number)

    def view(self) -> Json:
        return {
            "__typename": "BulkOperation",
            "id": self.gid,
            "status": self.status,
            "errorCode": self.error_code,
            "createdAt": self.created_at,
            "completedAt": self.completed_at,
            "objectCount": str(self.object_count),
            "rootObjectCount": str(self.root_object_count),
            "fileSize": None if self.file_size is None else str(self.file_size),
            "url": self.url,
            "partialDataUrl": self.partial_data_url,
            "query": self.query,
            "type": self.type,
        }


class BulkOperations:
    """The bulk operations of every shop and app, their worker threads and result files."""

    def __init__(self, results_dir: Path | None = None, base_url: str = "http://127.0.0.1:8701") -> None:
        self._results_dir = Path(results_dir) if results_dir is not None else None
        self._owns_dir = results_dir is None  # a temporary directory, made on first use
        self.base_url = base_url
        self.fail_next = 0
        self.delay_seconds = 0.0
        self.allow_nodes = False
        self.chunk_size = CHUNK_SIZE
        self._ops: dict[int, BulkOperation] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        existing = (
            [int(p.name.split(".")[0]) for p in self._results_dir.glob("*.jsonl") if p.name[0].isdigit()]
            if self._results_dir is not None and self._results_dir.is_dir()
            else []
        )
        self._numbers = itertools.count(max(existing, default=0) + 1)

    @property
    def results_dir(self) -> Path:
        if self._results_dir is None:
            self._results_dir = Path(tempfile.mkdtemp(prefix="synco-shopify-bulk-"))
        self._results_dir.mkdir(parents=True, exist_ok=True)
        return self._results_dir

    # ------------------------------------------------------------------------------- queries

    def file_path(self, number: int) -> Path:
        return self.results_dir / f"{number}.jsonl"

    def get(self, shop: str, app: str, number: int) -> Json | None:
        with self._lock:
            op = self._ops.get(number)
            return op.view() if op is not None and (op.shop, op.app) == (shop, app) else None

    def views(self, shop: str, app: str) -> list[Json]:
        """Views of the app's operations, oldest first."""
        with self._lock:
            return [op.view() for op in self._ops.values() if (op.shop, op.app) == (shop, app)]

    def current(self, shop: str, app: str, op_type: str) -> Json | None:
        mine = [v for v in self.views(shop, app) if v["type"] == op_type]
        return mine[-1] if mine else None

    def downloadable(self, number: int) -> Path | None:
        """The result file of a finished operation (complete or partial), None while it runs."""
        with self._lock:
            op = self._ops.get(number)
            if op is None or (op.url is None and op.partial_data_url is None):
                return None
        path = self.file_path(number)
        return path if path.exists() else None

    # ------------------------------------------------------------------------------ mutations

    def start(
        self,
        shop: str,
        app: str,
        query: str,
        group_objects: bool,
        plan: ObjectPlan,
        executor: Executor,
        *,
        concurrency: int = CONCURRENT_QUERIES,
    ) -> tuple[Json | None, list[Json]]:
        with self._lock:
            running = [
                op
                for op in self._ops.values()
                if (op.shop, op.app, op.type) == (shop, app, "QUERY") and op.status in ACTIVE
            ]
            if len(running) >= concurrency:
                ids = ", ".join(op.gid for op in running)
                return None, [
                    {"field": None, "message": IN_PROGRESS.format(ids=ids), "code": "OPERATION_IN_PROGRESS"}
                ]
            op = BulkOperation(next(self._numbers), shop, app, query, group_objects, now_utc())
            if self.fail_next > 0:
                self.fail_next -= 1
                op.fail = True
            delay = self.delay_seconds
            self._ops[op.number] = op
            created = op.view()
        op.thread = threading.Thread(
            target=self._run, args=(op, plan, executor, delay), name=f"shopify-bulk-{op.number}", daemon=True
        )
        op.thread.start()
        return created, []

    def cancel(self, shop: str, app: str, number: int) -> tuple[Json | None, list[Json]]:
        with self._lock:
            op = self._ops.get(number)
            if op is None or (op.shop, op.app) != (shop, app):
                return None, [{"field": ["id"], "message": DOES_NOT_EXIST}]
            if op.status in TERMINAL:
                return op.view(), [{"field": None, "message": CANNOT_CANCEL.format(status=op.status.lower())}]
            op.status = "CANCELING"
            op.cancel.set()
            return op.view(), []

    # ---------------------------------------------------------------------------------- worker

    def _update(self, op: BulkOperation, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(op, key, value)

    def _run(self, op: BulkOperation, plan: ObjectPlan, executor: Executor, delay: float) -> None:
        with self._lock:
            if op.status == "CREATED":
                op.status = "RUNNING"
        part = self.file_path(op.number).with_suffix(".jsonl.part")
        try:
            if delay > 0:
                op.cancel.wait(delay)
            with part.open("w", encoding="utf-8", newline="\n") as out:
                failed = self._write(op, plan, executor, out)
        except Exception:  # any crash of the run is Shopify's INTERNAL_SERVER_ERROR
            logger.exception("bulk operation crashed", extra={"bulk_operation": op.number})
            failed = True
        if op.cancel.is_set() or self._stopping.is_set():
            part.unlink(missing_ok=True)
            self._update(op, status="CANCELED")
            return
        final = self.file_path(op.number)
        if failed:
            has_data = part.exists() and part.stat().st_size > 0
            if has_data:
                os.replace(part, final)
            else:
                part.unlink(missing_ok=True)
            self._update(
                op,
                status="FAILED",
                error_code="INTERNAL_SERVER_ERROR",
                partial_data_url=self.url_for(op.number) if has_data else None,
            )
            return
        os.replace(part, final)
        size = final.stat().st_size
        # Shopify answers a null url (and fileSize) when the query matched no object.
        self._update(
            op,
            status="COMPLETED",
            completed_at=now_utc(),
            file_size=size if size else None,
            url=self.url_for(op.number) if size else None,
        )

    def _write(self, op: BulkOperation, plan: ObjectPlan, executor: Executor, out: TextIO) -> bool:
        """Execute the query chunk by chunk, writing lines as they come; True when the run failed."""
        run = BulkRun(size=self.chunk_size, fail_halfway=op.fail)
        while not (op.cancel.is_set() or self._stopping.is_set()):
            result = executor(run)
            if result.errors:
                # Shopify reports only INTERNAL_SERVER_ERROR; the log says which field the sandbox lacks.
                logger.warning(
                    "bulk operation failed",
                    extra={"bulk_operation": op.number, "error": result.errors[0].message},
                )
                return True
            objects = roots = 0
            for line, is_root in result_lines(result.data, plan, op.group_objects):
                out.write(jsonl_line(line))
                objects += 1
                roots += int(is_root)
            with self._lock:
                op.object_count += objects
                op.root_object_count += roots
            run.offset += run.size
            # A root field that is not chunked (anything but `orders`) wrote everything at once.
            if run.matched is None or run.offset >= run.total:
                break
        return op.fail

    def url_for(self, number: int) -> str:
        return f"{self.base_url}/sandbox/bulk/{number}.jsonl"

    # ------------------------------------------------------------------------------- lifecycle

    def reset_faults(self) -> None:
        with self._lock:
            self.fail_next = 0
            self.delay_seconds = 0.0
            self.allow_nodes = False

    def settings(self) -> Json:
        with self._lock:
            return {
                "fail_next": self.fail_next,
                "delay_seconds": self.delay_seconds,
                "allow_nodes": self.allow_nodes,
            }

    def close(self) -> None:
        """Stop running operations (they end CANCELED) and remove a temporary results directory."""
        self._stopping.set()
        with self._lock:
            threads = [op.thread for op in self._ops.values() if op.thread is not None]
            for op in self._ops.values():
                op.cancel.set()
        for thread in threads:
            thread.join(timeout=5)
        if self._owns_dir and self._results_dir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self._results_dir)
