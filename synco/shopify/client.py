"""ShopifyClient: GraphQL Admin API calls on ShopifyAPI's Session and GraphQL, with timeouts and throttling."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import shopify

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import queries
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


@dataclass
class _Bucket:
    """The shop's leaky bucket as Shopify last reported it."""

    maximum: float
    available: float
    restore_rate: float
    at: float

    def available_now(self) -> float:
        return min(self.maximum, self.available + (time.monotonic() - self.at) * self.restore_rate)


# Per process and shop: the bucket, and what each query cost last time (so we wait *before* a query that
# would not fit instead of being throttled).
_buckets: dict[str, _Bucket] = {}
_query_costs: dict[tuple[str, str], float] = {}
_bucket_lock = threading.Lock()


def _cost_key(document: str, variables: dict[str, Any] | None) -> tuple[str, str]:
    sizes = sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int))
    return document, json.dumps(sizes)


class _TimedGraphQL(shopify.GraphQL):
    """ShopifyAPI's GraphQL builds the request; we send it with a timeout and without printing errors."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        super().__init__()
        # ShopifyAPI hands out its live header dict, which the session's exit clears: keep our own copy.
        self.headers: dict[str, str] = dict(shopify.ShopifyResource.get_headers())
        self.endpoint = endpoint
        self.timeout = timeout

    def send(self, query: str, variables: dict[str, Any] | None) -> tuple[int, bytes, dict[str, str]]:
        headers = self.merge_headers(
            {"Accept": "application/json", "Content-Type": "application/json"}, self.headers
        )
        data = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(self.endpoint, data, headers)  # noqa: S310 - https or the sandbox
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers or {})


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
        try:
            with urllib.request.urlopen(url, timeout=self.settings.timeout) as response:  # noqa: S310
                yield from group_rows(response, child_connections)
        except (urllib.error.URLError, OSError) as exc:
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

    def _graphql(self) -> _TimedGraphQL:
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
        key = _cost_key(document, variables)
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            self._wait_for_capacity(key)
            self.requests += 1
            try:
                status, raw, headers = graphql.send(document, variables)
            except TimeoutError as exc:
                raise TransientGatewayError(
                    f"Shopify ({self.settings.domain}) did not answer in time."
                ) from exc
            except (urllib.error.URLError, OSError) as exc:
                raise TransientGatewayError(
                    f"Cannot reach Shopify for {self.settings.domain}: {getattr(exc, 'reason', exc)}"
                ) from exc
            body = self._decode(status, raw)
            self._remember_cost(key, body)
            wait = self._throttle_wait(status, body, headers)
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

    def _wait_for_capacity(self, key: tuple[str, str]) -> None:
        with _bucket_lock:
            bucket = _buckets.get(self.settings.domain)
            cost = _query_costs.get(key)
        if bucket is None or cost is None or bucket.restore_rate <= 0:
            return
        missing = cost - bucket.available_now()
        if missing > 0:
            self.waited += missing / bucket.restore_rate
            time.sleep(missing / bucket.restore_rate)

    def _remember_cost(self, key: tuple[str, str], body: dict[str, Any]) -> None:
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        try:
            bucket = _Bucket(
                maximum=float(status["maximumAvailable"]),
                available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
                at=time.monotonic(),
            )
        except (KeyError, TypeError, ValueError):
            return
        with _bucket_lock:
            _buckets[self.settings.domain] = bucket
            if cost.get("requestedQueryCost") is not None:
                _query_costs[key] = float(cost["requestedQueryCost"])

    def _decode(self, status: int, raw: bytes) -> dict[str, Any]:
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
