"""Schemathesis against the generated schema's stock, product, refund, shipment and customer operations: no
500s, answers as the schema says. Bounded (a few examples per operation), on a shop with rows of every kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from api.keys import create_key
from customers.models import CustomerLink
from orders.models import Order
from products.models import CatalogueRun, ProductMapping
from refunds.models import Refund, RefundState
from shipments.models import Shipment
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush
from synco.models import OdooConnection, Shop
from tests.api.fuzzing import OPERATIONS_READS, OPERATIONS_WRITES, bounded, check_answer

# Schema conformance: CI's first pass (SQLite) runs it; the PostgreSQL pass leaves it (tests/conftest.py).
pytestmark = pytest.mark.schema_fuzz


@pytest.fixture
def read_key(db: None, shared_connection: None) -> str:
    shop = Shop.objects.create(domain="fuzz-ops.myshopify.com", access_token="shpat_fuzz", currency="JPY")
    OdooConnection.objects.create(
        shop=shop, url="https://odoo.example.com", database="prod", login="api@example.com", secret="s3cret"
    )
    report = DriftReport.objects.create(shop=shop, status=DriftReport.Status.DONE, drifted=1)
    DriftRow.objects.create(
        report=report,
        inventory_item_gid="gid://shopify/InventoryItem/1",
        location_gid="gid://shopify/Location/1",
        sku="SKU-1",
        odoo_product_id=1,
        shopify_available=None,
        odoo_figure=Decimal("2.5"),
        desired=2,
        difference=2,
    )
    for outcome in StockPush.Outcome.values:
        StockPush.objects.create(
            shop=shop,
            inventory_item_gid="gid://shopify/InventoryItem/1",
            location_gid="gid://shopify/Location/1",
            quantity=1,
            outcome=outcome,
            idempotency_key=outcome,
        )
    InventoryLink.objects.create(shop=shop, inventory_item_gid="gid://x/1", unmatched_reason="No product")
    LocationMapping.objects.create(shop=shop, shopify_location_gid="gid://shopify/Location/1")
    for n, state in enumerate(ProductMapping.State.values, start=1):
        ProductMapping.objects.create(
            shop=shop, shopify_product_id=n, shopify_variant_id=n, sku="TWIN", state=state, price=Decimal("1")
        )
    for kind in CatalogueRun.Kind.values:
        CatalogueRun.objects.create(shop=shop, kind=kind, status=CatalogueRun.Status.DONE)
    order = Order.objects.create(
        shop=shop,
        shopify_id=1,
        gid="gid://shopify/Order/1",
        name="#1001",
        created_at=timezone.now(),
        updated_at=timezone.now(),
        currency="JPY",
    )
    for n, state in enumerate(RefundState.values, start=1):
        Refund.objects.create(
            shop=shop,
            order=order,
            shopify_id=n,
            gid=f"gid://shopify/Refund/{n}",
            state=state,
            created_at=timezone.now(),
        )
    for n, state in enumerate(Shipment.State.values, start=1):
        Shipment.objects.create(
            shop=shop, order=order, direction=Shipment.Direction.TO_SHOPIFY, odoo_picking_id=n, state=state
        )
    CustomerLink.objects.create(shop=shop, shopify_customer_id=7001, odoo_partner_id=9, addresses={"a": 1})
    _, key = create_key(shop, "fuzz", "read")
    return key


@OPERATIONS_READS.parametrize()
@bounded(6)
def test_the_operations_api_answers_every_generated_read_as_its_schema_says(case: Any, read_key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {read_key}"})

    check_answer(case, response)


@pytest.fixture
def write_key(read_key: str) -> str:
    _, key = create_key(Shop.objects.get(domain="fuzz-ops.myshopify.com"), "fuzz-write", "write")
    return key


@OPERATIONS_WRITES.parametrize()
@bounded(4)
def test_the_operations_api_answers_every_generated_write_as_its_schema_says(
    case: Any, write_key: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {write_key}"})

    check_answer(case, response)
