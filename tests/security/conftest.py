"""Shared fixtures for the attack tests: two shops full of data, ID tokens, and what shop B must never leak.

Shop A is the `shop` fixture (the demo shop, connected to the Odoo sandbox) and the merchant belongs to it.
Shop B ("the rival") has every kind of row a URL can take an id of (order, attempt, batch, import run, webhook
receipt, the shop itself), all with the same primary key `B_ID`, so one value fills any id parameter of any URL.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from orders.models import ImportRun, Order, SyncBatch, SyncStatus
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, OrderRules, Shop
from tests.factories import order_node

B_DOMAIN = "rival-store.myshopify.com"
B_ID = 4242  # the primary key of every row of shop B
B_SECRET = "rival-odoo-secret-9f8e7d"
# What shop B's pages would show: none of it may reach a response given to shop A.
B_MARKERS = (
    B_DOMAIN,
    "Rival Store",
    "#RIVAL-7001",
    "#RIVAL-7002",
    "rival.buyer@example.net",
    "Rivalina",
    "Buyerson",
    "RIVALSO0042",
    "RIVALINV0042",
    "rival attempt log",
    "rival webhook note",
    "rival import note",
    "odoo.rival.example",
    "rival_db",
    B_SECRET,
)
A_ORDER_NAME = "#ALPHA-1001"


@dataclass(frozen=True)
class TwoShops:
    a: Shop
    b: Shop
    a_order: Order
    b_order: Order


def _order(shop: Shop, pk: int | None, shopify_id: int, name: str, **fields: Any) -> Order:
    customer = {
        "id": f"gid://shopify/Customer/{shopify_id}",
        "legacyResourceId": str(shopify_id),
        "firstName": fields.pop("first_name", "Alpha"),
        "lastName": fields.pop("last_name", "Customer"),
        "defaultEmailAddress": {"emailAddress": fields.get("email", "alpha.customer@example.com")},
        "defaultPhoneNumber": None,
    }
    node = order_node(
        id=f"gid://shopify/Order/{shopify_id}",
        legacyResourceId=str(shopify_id),
        name=name,
        email=fields.get("email", "alpha.customer@example.com"),
        customer=customer,
    )
    return Order.objects.create(
        **({"pk": pk} if pk else {}),
        shop=shop,
        shopify_id=shopify_id,
        gid=node["id"],
        name=name,
        created_at="2026-11-20T14:03:00Z",
        updated_at="2026-11-20T14:05:00Z",
        financial_status="PAID",
        customer_name=f"{customer['firstName']} {customer['lastName']}",
        eligible=True,
        payload=node,
        **fields,
    )


@pytest.fixture
def two_shops(shop: Shop, merchant: Any) -> TwoShops:
    """Shop A (the merchant's) and shop B (a rival installed on the same Synco), each with data."""
    a_order = _order(shop, None, 1001, A_ORDER_NAME)
    _order(shop, None, 1002, "#ALPHA-1002", sync_status=SyncStatus.FAILED, sync_error="alpha failure")
    SyncAttempt.objects.create(
        shop=shop,
        order=a_order,
        object_ref=A_ORDER_NAME,
        operation="create_sale_order",
        message="alpha attempt log",
        started_at=timezone.now(),
    )
    SyncBatch.objects.create(shop=shop, total=1)
    ImportRun.objects.create(
        shop=shop,
        created_from=datetime(2026, 1, 1, tzinfo=UTC),
        created_to=datetime(2026, 2, 1, tzinfo=UTC),
        status=ImportRun.Status.STOPPED,
        message="alpha import note",
    )
    WebhookReceipt.objects.create(
        shop=shop,
        shop_domain=shop.domain,
        topic="orders/paid",
        event_id="alpha-event-1",
        message="alpha note",
    )

    rival = Shop.objects.create(pk=B_ID, domain=B_DOMAIN, name="Rival Store", access_token="shpat_rival")
    OdooConnection.objects.create(
        shop=rival, url="http://odoo.rival.example:8069", database="rival_db", login="rival", secret=B_SECRET
    )
    OrderRules.objects.create(shop=rival, order_prefix="RIVAL")
    batch = SyncBatch.objects.create(pk=B_ID, shop=rival, total=2)
    b_order = _order(
        rival,
        B_ID,
        7001,
        "#RIVAL-7001",
        email="rival.buyer@example.net",
        first_name="Rivalina",
        last_name="Buyerson",
        # Needs review: it has its Odoo documents and can be synced again, so a Sync that reached it would show.
        sync_status=SyncStatus.NEEDS_REVIEW,
        review_reason="rival totals differ",
        odoo_model="sale.order",
        odoo_id=42,
        odoo_name="RIVALSO0042",
        odoo_invoice_id=42,
        odoo_invoice_name="RIVALINV0042",
        batch=batch,
    )
    _order(
        rival,
        B_ID + 1,
        7002,
        "#RIVAL-7002",
        email="rival.buyer@example.net",
        first_name="Rivalina",
        last_name="Buyerson",
    )
    SyncAttempt.objects.create(
        pk=B_ID,
        shop=rival,
        order=b_order,
        object_ref="#RIVAL-7001",
        operation="create_sale_order",
        status=SyncAttempt.Status.FAILED,
        message="rival attempt log",
        started_at=timezone.now(),
    )
    ImportRun.objects.create(
        pk=B_ID,
        shop=rival,
        created_from=datetime(2026, 1, 1, tzinfo=UTC),
        created_to=datetime(2026, 2, 1, tzinfo=UTC),
        status=ImportRun.Status.STOPPED,
        message="rival import note",
    )
    WebhookReceipt.objects.create(
        pk=B_ID,
        shop=rival,
        shop_domain=B_DOMAIN,
        topic="orders/paid",
        event_id="rival-event-1",
        message="rival webhook note",
    )
    return TwoShops(a=shop, b=rival, a_order=a_order, b_order=b_order)


def shop_state(shop: Shop) -> dict[str, Any]:
    """Everything stored for a shop, comparable before and after an attack."""

    def rows(queryset: Any) -> list[dict[str, Any]]:
        return [model_to_dict(row) for row in queryset.order_by("pk")]

    refreshed = Shop.objects.get(pk=shop.pk)
    return {
        "shop": {**model_to_dict(refreshed), "users": sorted(user.pk for user in refreshed.users.all())},
        "odoo": rows(OdooConnection.objects.filter(shop=shop)),
        "rules": rows(OrderRules.objects.filter(shop=shop)),
        "orders": rows(Order.objects.filter(shop=shop)),
        "attempts": rows(SyncAttempt.objects.filter(shop=shop)),
        "batches": rows(SyncBatch.objects.filter(shop=shop)),
        "runs": rows(ImportRun.objects.filter(shop=shop)),
        "receipts": rows(WebhookReceipt.objects.filter(shop_domain=shop.domain)),
    }


def leaked_markers(text: str) -> list[str]:
    """Which of shop B's identifiers appear in a response."""
    return [marker for marker in B_MARKERS if marker.lower() in text.lower()]


def id_token_claims(shop_domain: str, api_key: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": f"https://{shop_domain}/admin",
        "dest": f"https://{shop_domain}",
        "aud": api_key,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "session-1",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def id_token(settings: Any, shop_domain: str, *, secret: str | None = None, **overrides: Any) -> str:
    """An App Bridge ID token as Shopify signs it (HS256 with the app's secret); None drops a claim."""
    claims = id_token_claims(shop_domain, settings.SHOPIFY_API_KEY, **overrides)
    return jwt.encode(claims, secret or settings.SHOPIFY_API_SECRET, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    """A token put together by hand (what an attacker can send that no library would sign)."""
    parts = [json.dumps(header).encode(), json.dumps(claims).encode()]
    return ".".join([*(b64url(part) for part in parts), b64url(signature)])
