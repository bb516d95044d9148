"""The `query:` argument of `orders`: Shopify's search syntax, for the fields the sandbox can answer.

Terms are ``field:value`` (value optionally quoted, optionally prefixed by ``>``, ``>=``, ``<``,
``<=``), separated by spaces (AND) or ``OR``; ``-field:value`` or ``NOT field:value`` negates a
term. Dates take an instant (``2026-09-01T00:00:00Z``), a day (``2026-09-01``, in the shop's time
zone), a year (``2024``) or ``now``. A term without a field searches name, email and customer name.
Unknown fields are ignored and reported as a warning, as Shopify does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

Order = dict[str, Any]

_TOKEN = re.compile(r"""(?:-|NOT\s+)?[\w.]+:\s*(?:[<>]=?)?(?:'[^']*'|"[^"]*"|\S+)|'[^']*'|"[^"]*"|\S+""")


@dataclass
class Term:
    negate: bool
    field: str | None
    op: str
    value: str


@dataclass
class ParsedQuery:
    groups: list[list[Term]]  # OR of ANDs
    warnings: list[dict[str, str]] = field(default_factory=list)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse(query: str) -> ParsedQuery:
    groups: list[list[Term]] = [[]]
    for raw in _TOKEN.findall(query or ""):
        if raw == "OR":
            groups.append([])
            continue
        if raw == "AND":
            continue
        negate = False
        text = raw
        if text.startswith("-"):
            negate, text = True, text[1:]
        elif text.startswith("NOT "):
            negate, text = True, text[4:].lstrip()
        name, sep, rest = text.partition(":")
        if not sep or name.startswith(("'", '"')):
            groups[-1].append(Term(negate, None, "=", _unquote(text)))
            continue
        rest = rest.strip()
        op = "="
        for candidate in (">=", "<=", ">", "<"):
            if rest.startswith(candidate):
                op, rest = candidate, rest[len(candidate) :]
                break
        groups[-1].append(Term(negate, name.lower(), op, _unquote(rest)))
    return ParsedQuery([g for g in groups if g] or [[]])


def _time_range(value: str, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) covered by a search value: one second for an instant, a day or a year otherwise."""
    text = value.strip()
    if text.lower() == "now":
        return now, now + timedelta(seconds=1)
    if re.fullmatch(r"\d{4}", text):
        start = datetime(int(text), 1, 1, tzinfo=tz)
        return start, datetime(int(text) + 1, 1, 1, tzinfo=tz)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.fromisoformat(text).replace(tzinfo=tz)
        return day, day + timedelta(days=1)
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=tz)
    return instant, instant + timedelta(seconds=1)


def _compare_range(t: datetime, op: str, start: datetime, end: datetime) -> bool:
    if op == ">":
        return t >= end
    if op == ">=":
        return t >= start
    if op == "<":
        return t < start
    if op == "<=":
        return t < end
    return start <= t < end


def _compare_number(actual: Decimal, op: str, wanted: Decimal) -> bool:
    return {">": actual > wanted, ">=": actual >= wanted, "<": actual < wanted, "<=": actual <= wanted}.get(
        op, actual == wanted
    )


FULFILLMENT: dict[str, set[str | None]] = {
    "shipped": {"fulfilled"},
    "fulfilled": {"fulfilled"},
    "unshipped": {None},
    "unfulfilled": {None},
    "partial": {"partial"},
}


class OrderMatcher:
    def __init__(
        self,
        query: str | None,
        *,
        timezone: str,
        risk_level: Callable[[Order], str],
        now: datetime | None = None,
    ) -> None:
        self.parsed = parse(query or "")
        self.tz = ZoneInfo(timezone)
        self.now = now or datetime.now(UTC)
        self.risk_level = risk_level
        self._checked_fields: set[str] = set()
        for group in self.parsed.groups:
            for term in group:
                if (
                    term.field is not None
                    and term.field not in self.FIELDS
                    and term.field not in self._checked_fields
                ):
                    self._checked_fields.add(term.field)
                    self.parsed.warnings.append(
                        {"field": term.field, "message": "Invalid search field for this query."}
                    )

    FIELDS = frozenset(
        {
            "created_at",
            "updated_at",
            "processed_at",
            "financial_status",
            "fulfillment_status",
            "status",
            "test",
            "name",
            "id",
            "customer_id",
            "email",
            "tag",
            "tag_not",
            "source_name",
            "sku",
            "risk_level",
            "gateway",
            "discount_code",
            "current_total_price",
        }
    )

    def __call__(self, order: Order) -> bool:
        return any(all(self._term(order, t) != t.negate for t in group) for group in self.parsed.groups)

    def _term(self, order: Order, term: Term) -> bool:
        f, op, v = term.field, term.op, term.value
        low = v.lower()
        if f is None:
            customer = order.get("customer") or {}
            haystack = " ".join(
                str(x)
                for x in (
                    order.get("name"),
                    order.get("email"),
                    customer.get("first_name"),
                    customer.get("last_name"),
                )
                if x
            ).lower()
            return low in haystack
        if f in ("created_at", "updated_at", "processed_at"):
            stamp = order.get(f)
            if not stamp:
                return False
            start, end = _time_range(v, self.tz, self.now)
            return _compare_range(datetime.fromisoformat(stamp), op, start, end)
        if f == "financial_status":
            return str(order.get("financial_status") or "").lower() == low
        if f == "fulfillment_status":
            return order.get("fulfillment_status") in FULFILLMENT.get(low, {"__none__"})
        if f == "status":
            cancelled, closed = order.get("cancelled_at") is not None, order.get("closed_at") is not None
            return {
                "any": True,
                "open": not cancelled and not closed,
                "closed": closed,
                "cancelled": cancelled,
                "not_closed": not closed,
            }.get(low, False)
        if f == "test":
            return bool(order.get("test")) == (low == "true")
        if f == "name":
            return str(order.get("name") or "").lower().lstrip("#") == low.lstrip("#")
        if f in ("id", "customer_id"):
            actual = order.get("id") if f == "id" else (order.get("customer") or {}).get("id")
            if actual is None or not low.lstrip("-").isdigit():
                return False
            return _compare_number(Decimal(actual), op, Decimal(low))
        if f == "current_total_price":
            return _compare_number(
                Decimal(order.get("current_total_price") or order["total_price"]), op, Decimal(v)
            )
        if f == "email":
            return str(order.get("email") or "").lower() == low
        if f in ("tag", "tag_not"):
            tags = {t.strip().lower() for t in (order.get("tags") or "").split(",") if t.strip()}
            return (low in tags) == (f == "tag")
        if f == "source_name":
            return str(order.get("source_name") or "").lower() == low
        if f == "sku":
            return any(str(li.get("sku") or "").lower() == low for li in order.get("line_items") or [])
        if f == "gateway":
            return low in [g.lower() for g in order.get("payment_gateway_names") or []]
        if f == "discount_code":
            codes = order.get("discount_codes") or []
            return bool(codes) and str(codes[0].get("code") or "").lower() == low
        if f == "risk_level":
            return self.risk_level(order).lower() == low
        return True  # unknown field: ignored (and reported as a warning)
