"""Orders as the import stores them, and locators the browser tests share."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import Locator, Page, expect

from orders.models import Order
from orders.services import store_order
from synco.models import Shop
from synco.shopify.client import OrderResult
from synco.shopify.types import parse_order
from tests.factories import order_node

BASE_DATE = datetime(2026, 11, 20, 14, 3)


def imported_order(
    shop: Shop,
    number: int,
    *,
    first_name: str = "Jane",
    last_name: str = "Doe",
    email: str = "",
    days_ago: int = 0,
    financial_status: str = "PAID",
    skus: tuple[str, ...] = ("SKU-TSHIRT-M", "SKU-GIFTWRAP"),
    **fields: Any,
) -> Order:
    """Shopify order #<number> stored through the import's own code (so eligibility is the real one).

    Every id is unique per order (order, line items, customer by e-mail), as in Shopify: Synco's external ids
    in Odoo are derived from them. `fields` then sets sync state directly (Synced, Failed, ...).
    """
    shopify_id = 5550000000 + number
    email = email or f"{first_name}.{last_name}@example.com".lower()
    created = (BASE_DATE - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = order_node()
    lines = []
    for index, sku in enumerate(skus):
        line = dict(base["lineItems"]["nodes"][index % len(base["lineItems"]["nodes"])])
        line["id"] = f"gid://shopify/LineItem/{shopify_id}{index}"
        line["sku"] = sku
        if sku != line["variant"]["sku"]:
            # Another product: the base line's barcode would match the base product in Odoo.
            line["variant"] = {**line["variant"], "sku": sku, "barcode": None}
            line["title"] = line["name"] = f"Product {sku}"
        lines.append(line)
    customer_id = 7000 + sum(map(ord, email))
    node = order_node(
        id=f"gid://shopify/Order/{shopify_id}",
        legacyResourceId=str(shopify_id),
        name=f"#{number}",
        createdAt=created,
        processedAt=created,
        updatedAt=created,
        email=email,
        displayFinancialStatus=financial_status,
        customer={
            **base["customer"],
            "id": f"gid://shopify/Customer/{customer_id}",
            "legacyResourceId": str(customer_id),
            "firstName": first_name,
            "lastName": last_name,
            "defaultEmailAddress": {"emailAddress": email},
        },
        lineItems={"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": lines},
    )
    store_order(shop, OrderResult(gid=node["id"], node=node, order=parse_order(node)))
    order = Order.objects.get(shop=shop, shopify_id=shopify_id)
    if fields:
        Order.objects.filter(pk=order.pk).update(**fields)
        order.refresh_from_db()
    return order


# The Synced status, not "Not Synced" (expect's to_contain_text matches substrings).
SYNCED = re.compile(r"(?<!Not )Synced")
ORDER_NUMBER = re.compile(r"(?:^|\s)(#\d+)\b")


def order_row(page: Page, order: Order) -> Locator:
    """The order's row in the orders table: the row showing exactly its number (not Odoo's "SHOP#1001")."""
    return page.get_by_role("row").filter(has=page.get_by_text(order.name, exact=True))


def order_rows(page: Page) -> Locator:
    """Every row of the orders table that shows a Shopify order number (not the header)."""
    return page.get_by_role("row").filter(has_text=ORDER_NUMBER)


def expect_listed(page: Page, names: list[str]) -> None:
    """The orders table lists exactly these orders (auto-waiting: the table is swapped in by HTMX)."""
    expect(order_rows(page)).to_have_count(len(names))
    for name in names:
        expect(page.get_by_role("row").filter(has=page.get_by_text(name, exact=True))).to_have_count(1)


def filter_tab(page: Page, label: str) -> Locator:
    """An orders tab (a Polaris link button): its name is its label, then its count when it has one."""
    name = re.compile(rf"^{re.escape(label)}( \S+ orders?)?$")
    return page.get_by_role("navigation", name="Filter orders").get_by_role("link", name=name)
