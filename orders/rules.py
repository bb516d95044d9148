"""Which orders are eligible for sync, and which are risky: pure functions of an order and the shop's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from synco.shopify.types import ShopifyOrder

if TYPE_CHECKING:
    from synco.models import OrderRules

RISK_LEVELS = {"LOW": 1, "MEDIUM": 2, "HIGH": 3}


@dataclass(frozen=True)
class EligibilityRules:
    financial_statuses: Sequence[str] = ()  # empty: any
    fulfillment_statuses: Sequence[str] = ()
    sources: Sequence[str] = ()
    created_after: datetime | None = None
    exclude_test: bool = True
    include_tags: Sequence[str] = ()  # any of these
    exclude_tags: Sequence[str] = field(default_factory=tuple)
    risk_threshold: str = "HIGH"  # HIGH or MEDIUM


def eligibility_rules(rules: OrderRules) -> EligibilityRules:
    """The shop's stored order rules as the pure rules the functions below apply."""
    return EligibilityRules(
        financial_statuses=tuple(rules.financial_statuses or ()),
        fulfillment_statuses=tuple(rules.fulfillment_statuses or ()),
        sources=tuple(rules.sources or ()),
        created_after=rules.created_after,
        exclude_test=rules.exclude_test_orders,
        include_tags=tuple(rules.include_tags or ()),
        exclude_tags=tuple(rules.exclude_tags or ()),
        risk_threshold=rules.risk_threshold,
    )


def _norm(values: Sequence[str]) -> set[str]:
    return {value.strip().lower() for value in values if value.strip()}


def ineligibility_reason(order: ShopifyOrder, rules: EligibilityRules) -> str:
    """Why the order is not eligible ('' when it is)."""
    if order.cancelled_at is not None:
        return "cancelled in Shopify"
    if rules.exclude_test and order.test:
        return "a test order"
    if rules.created_after and order.created_at < rules.created_after:
        return f"created before {rules.created_after:%Y-%m-%d}"
    if rules.financial_statuses and order.financial_status.lower() not in _norm(rules.financial_statuses):
        return f"payment status {order.financial_status.lower().replace('_', ' ') or 'unknown'}"
    if rules.fulfillment_statuses and order.fulfillment_status.lower() not in _norm(
        rules.fulfillment_statuses
    ):
        return f"fulfilment status {order.fulfillment_status.lower().replace('_', ' ') or 'unknown'}"
    if rules.sources and order.source_name.lower() not in _norm(rules.sources):
        return f"source '{order.source_name or 'unknown'}'"
    tags = _norm(order.tags)
    excluded = tags & _norm(rules.exclude_tags)
    if excluded:
        return f"tagged {', '.join(sorted(excluded))}"
    if rules.include_tags and not tags & _norm(rules.include_tags):
        return f"not tagged {' or '.join(sorted(_norm(rules.include_tags)))}"
    return ""


def risk_reason(order: ShopifyOrder, threshold: str) -> str:
    """Shopify's risk assessment when it reaches the threshold ('' otherwise)."""
    worst = max((RISK_LEVELS.get(level, 0) for level in order.risk_levels), default=0)
    if worst < RISK_LEVELS.get(threshold, 3) and order.risk_recommendation != "CANCEL":
        return ""
    level = next(name for name, rank in RISK_LEVELS.items() if rank == worst) if worst else "HIGH"
    facts = "; ".join(order.risk_facts)
    return f"Shopify rates this order {level.lower()} risk" + (f": {facts}" if facts else ".")
