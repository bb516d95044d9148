"""customers/create and customers/update: the body is only a trigger, the customer is read again from Shopify."""

from __future__ import annotations

from typing import Any

from customers.imports import write_customers
from synclogs.models import WebhookReceipt
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.shopify.catalog import fetch_customer

CUSTOMER_TOPICS = {"customers/create", "customers/update"}


def customer_notified(shop: Shop, topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    """Re-fetch the customer named by the body (in this shop) and bring it into Odoo: (receipt status, message)."""
    if shop.uninstalled_at is not None:
        return WebhookReceipt.Status.IGNORED, "The app is uninstalled from this shop."
    raw = payload.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        return WebhookReceipt.Status.FAILED, f"The body of {topic} is not a customer (no numeric id)."
    customer_id = int(raw)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    if rules.customer_match == OrderRules.CustomerMatch.SINGLE:
        return (
            WebhookReceipt.Status.IGNORED,
            "Customers are not sent to Odoo: every order goes on one chosen contact.",
        )
    record = fetch_customer(shopify_client_for(shop), customer_id)
    if record is None:
        return (
            WebhookReceipt.Status.IGNORED,
            f"Shopify has no customer {customer_id} in this shop (deleted since).",
        )
    result = write_customers(odoo_client_for(shop), shop, [record])
    if result.failed:
        return WebhookReceipt.Status.FAILED, " ".join(result.problems) or f"Customer {customer_id} failed."
    outcome = (
        "created in Odoo"
        if result.created
        else "linked to an existing Odoo contact"
        if result.linked
        else "updated in Odoo"
        if result.updated
        else "unchanged"
    )
    return WebhookReceipt.Status.PROCESSED, f"Customer {customer_id} re-fetched: {outcome}."
