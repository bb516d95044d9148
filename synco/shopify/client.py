"""ShopifyClient: GraphQL Admin API calls on ShopifyAPI's Session and GraphQL, with timeouts and throttling.

ShopifyAPI builds the session (endpoint, access-token header); the requests go through the process's kept-alive
connections (synco.shopify.transport). A query whose connection dropped before its answer is sent once more on
a new connection; a mutation never is (it may have run): its lost answer is reported as a transient failure,
and the caller checks what Shopify holds before trying again, as it always did.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import shopify

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import bucket, queries, transport
from synco.shopify.bulk import CHILD_CONNECTIONS, group_rows
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order

logger = logging.getLogger(__name__)

MAX_THROTTLE_RETRIES = 6
# 25 orders with up to 100 lines each: 830 points requested (sandboxes/shopify/cost.py), under Shopify's 1,000.
PAGE_SIZE = 25
PAGE_LINES = 100


class AccessDeniedError(PermanentGatewayError):
    """Shopify refused a field for a missing access scope (`ACCESS_DENIED`): the merchant must grant it again."""

    def __init__(self, message: str, scope: str = "") -> None:
        super().__init__(message)
        self.scope = scope


_REQUIRED_SCOPE = re.compile(r"`([a-z_]+)` access scope")


@dataclass(frozen=True)
class ShopifySettings:
    domain: str
    token: str
    api_version: str = "2026-10"
    # "" for the real Shopify; the sandbox's http://host:port otherwise.
    admin_origin: str = ""
    timeout: float = 20.0


@dataclass(frozen=True)
class OrderResult:
    """One order from a page: parsed, or the reason it could not be."""

    gid: str
    node: dict[str, Any]
    order: ShopifyOrder | None
    error: str = ""


@dataclass(frozen=True)
class OrdersPage:
    results: list[OrderResult]
    end_cursor: str | None
    has_next_page: bool


# The connection closed (or was reset) before the answer came: on a kept-alive connection, Shopify's edge may
# close it just as a request leaves. Timeouts are not among them: a slow Shopify is not asked twice.
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
_MUTATION = re.compile(r"\A(?:\s|,|#[^\n]*(?:\n|\Z))*mutation\b")


def is_mutation(document: str) -> bool:
    """Whether a GraphQL document is a mutation (it may change the shop, so it is never sent twice blindly)."""
    return _MUTATION.match(document) is not None


class _TimedGraphQL(shopify.GraphQL):
    """ShopifyAPI's GraphQL builds the request; we send it with a timeout and without printing errors."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        super().__init__()
        # ShopifyAPI hands out its live header dict, which the session's exit clears: keep our own copy.
        self.headers: dict[str, str] = dict(shopify.ShopifyResource.get_headers())
        self.endpoint = endpoint
        self.timeout = timeout

    def send(self, query: str, variables: dict[str, Any] | None) -> tuple[int, bytes, dict[str, str]]:
        """POST the document on a kept-alive connection; a query is sent once more if the connection dropped
        before its answer, a mutation is not. Raises httpx's errors (the client classifies them)."""
        headers = self.merge_headers(
            {"Accept": "application/json", "Content-Type": "application/json"}, self.headers
        )
        data = json.dumps({"query": query, "variables": variables}).encode()
        client = transport.shared_client()
        attempts = 1 if is_mutation(query) else 2
        for attempt in range(attempts):
            try:
                response = client.post(
                    self.endpoint, content=data, headers=headers, timeout=transport.timeout(self.timeout)
                )
            except _DROPPED as exc:
                if attempt + 1 == attempts:
                    raise
                logger.info(
                    "shopify connection dropped before the answer; sending the query again on a new one",
                    extra={"error": type(exc).__name__},
                )
                continue
            return response.status_code, response.content, dict(response.headers)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


@dataclass(frozen=True)
class BulkStatus:
    id: str
    status: str
    error_code: str
    object_count: int
    url: str

    @property
    def finished(self) -> bool:
        return self.status in ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")


class _BulkMixin:
    """Bulk operations for large backfills: start, poll, then stream the JSONL result."""

    execute: Any
    settings: ShopifySettings

    def start_bulk_orders(self, search: str) -> str:
        return self.run_bulk_query(queries.bulk_orders_query(search))

    def run_bulk_query(self, inner: str, what: str = "") -> str:
        """Start a bulk query (`bulkOperationRunQuery`) and return its BulkOperation GID; userErrors refuse it."""
        data = self.execute(queries.RUN_BULK_QUERY, {"query": inner})
        payload = data.get("bulkOperationRunQuery") or {}
        errors = payload.get("userErrors") or []
        label = f"bulk {what} import" if what else "bulk import"
        if errors:
            text = "; ".join(str(error.get("message")) for error in errors)
            raise PermanentGatewayError(f"Shopify refused the {label}: {text}")
        operation = (payload.get("bulkOperation") or {}).get("id")
        if not operation:
            raise TransientGatewayError(f"Shopify started no {label} and gave no reason; it will be retried.")
        return str(operation)

    def bulk_status(self, operation_id: str) -> BulkStatus:
        node = self.execute(queries.BULK_OPERATION, {"id": operation_id}).get("node") or {}
        return BulkStatus(
            id=operation_id,
            status=str(node.get("status") or ""),
            error_code=str(node.get("errorCode") or ""),
            object_count=int(node.get("objectCount") or 0),
            url=str(node.get("url") or ""),
        )

    def iter_bulk_orders(self, url: str) -> Iterator[OrderResult]:
        """Stream the result file row by row (it can be gigabytes) and yield parsed orders."""
        for node in self.iter_bulk_nodes(url, CHILD_CONNECTIONS):
            yield _parse(node)

    def iter_bulk_nodes(self, url: str, child_connections: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Stream a bulk result file row by row and yield each root node with its children grouped
        (`synco.shopify.bulk.group_rows`); download and file failures are transient."""
        client = transport.shared_client()
        try:
            with client.stream("GET", url, timeout=transport.timeout(self.settings.timeout)) as response:
                if response.status_code != 200:
                    raise TransientGatewayError(
                        f"Downloading Shopify's bulk result failed: HTTP {response.status_code}"
                    )
                yield from group_rows(response.iter_lines(), child_connections)
        except (httpx.HTTPError, OSError) as exc:
            raise TransientGatewayError(f"Downloading Shopify's bulk result failed: {exc}") from exc
        except ValueError as exc:
            raise TransientGatewayError(f"Shopify's bulk result file is damaged: {exc}") from exc


class ShopifyClient(_BulkMixin):
    """GraphQL Admin API access for one shop."""

    def __init__(self, settings: ShopifySettings) -> None:
        self.settings = settings
        self.requests = 0
        self.throttled = 0
        self.waited = 0.0  # seconds spent waiting for the bucket to refill before a query
        self._endpoint: _TimedGraphQL | None = None

    def _graphql(self) -> _TimedGraphQL:
        """ShopifyAPI's session for the shop, built once per client (its endpoint and token header)."""
        if self._endpoint is None:
            self._endpoint = self._session_graphql()
        return self._endpoint

    def _session_graphql(self) -> _TimedGraphQL:
        session = shopify.Session(self.settings.domain, self.settings.api_version, self.settings.token)
        with shopify.Session.temp(self.settings.domain, self.settings.api_version, self.settings.token):
            endpoint = f"{session.site}/graphql.json"
            if self.settings.admin_origin:
                endpoint = endpoint.replace(
                    f"https://{session.url}", self.settings.admin_origin.rstrip("/"), 1
                )
            return _TimedGraphQL(endpoint, self.settings.timeout)

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one GraphQL document; returns `data`, waits out throttling, classifies failures."""
        graphql = self._graphql()
        key = bucket.query_key(document, variables)
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            reserved = self._wait_for_capacity(key)
            self.requests += 1
            try:
                status, raw, headers = graphql.send(document, variables)
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
                raise TransientGatewayError(
                    f"Shopify ({self.settings.domain}) did not answer in time."
                ) from exc
            except (httpx.TransportError, OSError) as exc:
                raise TransientGatewayError(
                    f"Cannot reach Shopify for {self.settings.domain}: {exc or type(exc).__name__}"
                ) from exc
            body = self._decode(status, raw)
            wait = self._throttle_wait(status, body, headers)
            self._remember_cost(key, reserved, body, throttled=wait is not None)
            if wait is not None:
                self.throttled += 1
                if attempt == MAX_THROTTLE_RETRIES:
                    raise TransientGatewayError("Shopify kept throttling the request; it will be retried.")
                logger.info("shopify throttled, waiting", extra={"seconds": round(wait, 2)})
                time.sleep(wait)
                continue
            self._raise_for_errors(status, body)
            return dict(body.get("data") or {})
        raise TransientGatewayError("Shopify kept throttling the request; it will be retried.")

    def _wait_for_capacity(self, key: str) -> float:
        """Reserve the query's expected cost in the shop's bucket (shared by every worker) and wait until the
        bucket holds it; returns the cost reserved."""
        reserved, wait = bucket.reserve(self.settings.domain, key)
        if wait > 0:
            self.waited += wait
            time.sleep(wait)
        return reserved

    def _remember_cost(self, key: str, reserved: float, body: dict[str, Any], *, throttled: bool) -> None:
        """Tell the shared bucket what Shopify said: its level, and what the query cost."""
        report = bucket.parse_report(body, throttled=throttled)
        if report is not None:
            bucket.settle(self.settings.domain, key, reserved, report)

    def _decode(self, status: int, raw: bytes) -> dict[str, Any]:
        if 300 <= status < 400:
            # Never followed: the request carries the shop's access token, which must not go to another host.
            raise PermanentGatewayError(
                f"Shopify answered the API call for {self.settings.domain} with a redirect (HTTP {status}), "
                "which Synco does not follow: check the shop's domain."
            )
        if status in (401, 403):
            raise PermanentGatewayError(
                f"Shopify refused the access token for {self.settings.domain} (HTTP {status}): reinstall or "
                "reconnect the app."
            )
        if status >= 500:
            raise TransientGatewayError(f"Shopify answered HTTP {status}; it will be retried.")
        try:
            body = json.loads(raw.decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if status >= 400:
                raise PermanentGatewayError(f"Shopify answered HTTP {status}.") from exc
            raise TransientGatewayError("Shopify sent a response that is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise TransientGatewayError("Shopify sent a response of an unexpected shape.")
        return body

    @staticmethod
    def _throttle_wait(status: int, body: dict[str, Any], headers: dict[str, str]) -> float | None:
        errors = body.get("errors")
        throttled = isinstance(errors, list) and any(
            (error.get("extensions") or {}).get("code") == "THROTTLED"
            for error in errors
            if isinstance(error, dict)
        )
        if not throttled and status != 429:
            return None
        cost = (body.get("extensions") or {}).get("cost") or {}
        bucket = cost.get("throttleStatus") or {}
        try:
            needed = float(cost["requestedQueryCost"]) - float(bucket["currentlyAvailable"])
            return max(needed / float(bucket["restoreRate"]), 0.05)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            return float(retry_after) if retry_after else 1.0

    def _raise_for_errors(self, status: int, body: dict[str, Any]) -> None:
        errors = body.get("errors")
        if status >= 400:
            raise PermanentGatewayError(f"Shopify answered HTTP {status}: {errors}")
        denied = [
            error
            for error in (errors if isinstance(errors, list) else [])
            if isinstance(error, dict) and (error.get("extensions") or {}).get("code") == "ACCESS_DENIED"
        ]
        if denied:
            text = "; ".join(str(error.get("message", "")) for error in denied)
            match = _REQUIRED_SCOPE.search(text)
            raise AccessDeniedError(f"Shopify denied access: {text}", scope=match.group(1) if match else "")
        if errors:
            messages = (
                "; ".join(str(error.get("message", error)) for error in errors if isinstance(error, dict))
                if isinstance(errors, list)
                else str(errors)
            )
            raise PermanentGatewayError(f"Shopify rejected the query: {messages}")

    # -- orders -----------------------------------------------------------------------------

    def fetch_orders_page(
        self,
        *,
        after: str | None,
        query: str | None,
        first: int = PAGE_SIZE,
        line_count: int = PAGE_LINES,
        sort_key: str = "UPDATED_AT",
    ) -> OrdersPage:
        """One page of orders (oldest first by `sort_key`); each order parsed or carrying its parse error."""
        variables = {
            "first": first,
            "after": after,
            "query": query,
            "lineCount": line_count,
            "sortKey": sort_key,
        }
        data = self.execute(queries.ORDERS_PAGE, variables)
        connection = data.get("orders") or {}
        info = connection.get("pageInfo") or {}
        nodes = [self._with_all_lines(node) for node in connection.get("nodes") or []]
        return OrdersPage(
            results=[_parse(node) for node in nodes],
            end_cursor=info.get("endCursor"),
            has_next_page=bool(info.get("hasNextPage")),
        )

    def iter_orders(self, *, query: str | None, first: int = PAGE_SIZE) -> Iterator[OrderResult]:
        """Every order matching `query`, page by page (streamed, not loaded whole)."""
        after: str | None = None
        while True:
            page = self.fetch_orders_page(after=after, query=query, first=first)
            yield from page.results
            if not page.has_next_page:
                return
            after = page.end_cursor

    def fetch_order(self, gid: str) -> OrderResult:
        """One order by GID, with all its lines."""
        data = self.execute(queries.ORDER_BY_ID, {"id": gid, "lineCount": PAGE_LINES})
        node = data.get("order")
        if not node:
            raise PermanentGatewayError(f"Shopify has no order {gid} (deleted, or outside the app's access).")
        return _parse(self._with_all_lines(node))

    def fetch_shop_timezone(self) -> str:
        """The shop's IANA time zone (`shop { ianaTimezone }`): its invoice dates and pages are in it."""
        data = self.execute(queries.SHOP_INFO)
        zone = str((data.get("shop") or {}).get("ianaTimezone") or "")
        if not zone:
            raise PermanentGatewayError("Shopify did not say the shop's time zone.")
        return zone

    def _with_all_lines(self, node: dict[str, Any]) -> dict[str, Any]:
        """Orders with more lines than a page holds: fetch the rest (250 at a time) and merge them in."""
        lines = node.get("lineItems") or {}
        info = lines.get("pageInfo") or {}
        after = info.get("endCursor")
        while info.get("hasNextPage") and node.get("id"):
            data = self.execute(queries.ORDER_LINES, {"id": node["id"], "after": after})
            more = (data.get("order") or {}).get("lineItems") or {}
            lines.setdefault("nodes", []).extend(more.get("nodes") or [])
            info = more.get("pageInfo") or {}
            after = info.get("endCursor")
        lines["pageInfo"] = {"hasNextPage": False, "endCursor": after}
        return node


def _parse(node: dict[str, Any]) -> OrderResult:
    gid = str(node.get("id") or "")
    try:
        return OrderResult(gid=gid, node=node, order=parse_order(node))
    except OrderParseError as exc:
        return OrderResult(gid=gid, node=node, order=None, error=str(exc))
