"""A merchant reaches only their own shop's data: every view that takes an id refuses another shop's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import ImportRun, Order, SyncBatch
from products.models import CatalogueRun, ProductMapping
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, OrderRules, Shop
from tests.factories import order_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(db):
    other = Shop.objects.create(domain="other.myshopify.com", access_token="shpat_other")
    OdooConnection.objects.create(
        shop=other, url="http://odoo.other:8069", database="theirs", login="x", secret="their-secret"
    )
    OrderRules.objects.create(shop=other, order_prefix="THEIRS")
    node = order_node(id="gid://shopify/Order/99", name="#THEIRS")
    order = Order.objects.create(
        shop=other,
        shopify_id=99,
        gid=node["id"],
        name="#THEIRS",
        created_at="2026-11-20T14:03:00Z",
        updated_at="2026-11-20T14:05:00Z",
        payload=node,
    )
    run = ImportRun.objects.create(
        shop=other,
        created_from=datetime(2026, 1, 1, tzinfo=UTC),
        created_to=datetime(2026, 2, 1, tzinfo=UTC),
        status=ImportRun.Status.STOPPED,
    )
    batch = SyncBatch.objects.create(shop=other, total=1)
    SyncAttempt.objects.create(
        shop=other, order=order, operation="create_sale_order", message="their log", started_at=timezone.now()
    )
    mapping = ProductMapping.objects.create(
        shop=other, shopify_product_id=9, shopify_variant_id=99, product_title="#THEIRS", state="missing"
    )
    catalogue_run = CatalogueRun.objects.create(shop=other, status=CatalogueRun.Status.RUNNING)
    return {
        "shop": other,
        "order": order,
        "run": run,
        "batch": batch,
        "mapping": mapping,
        "catalogue_run": catalogue_run,
    }


@pytest.mark.parametrize(
    ("method", "name", "key"),
    [
        ("get", "orders:row", "order"),
        ("post", "orders:sync", "order"),
        ("get", "orders:preview", "order"),
        ("post", "orders:import_stop", "run"),
        ("post", "orders:import_resume", "run"),
        ("get", "orders:batch", "batch"),
        ("post", "products:link", "mapping"),
        ("post", "products:create", "mapping"),
        ("post", "products:ignore", "mapping"),
        ("post", "products:unignore", "mapping"),
        ("post", "products:import_stop", "catalogue_run"),
        ("post", "products:import_resume", "catalogue_run"),
    ],
)
def test_views_taking_an_id_refuse_another_shops(merchant_client, shop, foreign, method, name, key):
    response = getattr(merchant_client, method)(reverse(name, args=[foreign[key].pk]))

    assert response.status_code == 404
    foreign["order"].refresh_from_db()
    foreign["run"].refresh_from_db()
    assert foreign["order"].sync_status == "not_synced"
    assert foreign["run"].status == ImportRun.Status.STOPPED
    assert ProductMapping.objects.get(pk=foreign["mapping"].pk).state == "missing"
    assert CatalogueRun.objects.get(pk=foreign["catalogue_run"].pk).status == CatalogueRun.Status.RUNNING


def test_lists_and_settings_show_only_the_merchants_shop(merchant_client, shop, foreign):
    pages = [
        merchant_client.get(reverse("orders:list")).content.decode(),
        merchant_client.get(reverse("synclogs:list"), {"order": foreign["order"].pk}).content.decode(),
        merchant_client.get(reverse("orders:import_runs")).content.decode(),
        merchant_client.get(reverse("settings:rules")).content.decode(),
        merchant_client.get(reverse("settings:odoo")).content.decode(),
        merchant_client.get(reverse("products:page")).content.decode(),
        merchant_client.get(reverse("products:page"), {"state": "problems"}).content.decode(),
        merchant_client.get(reverse("products:import_status")).content.decode(),
    ]

    for html in pages:
        assert "#THEIRS" not in html and "their log" not in html and "THEIRS" not in html
        assert "odoo.other" not in html and "their-secret" not in html


def test_bulk_sync_ignores_ids_of_another_shop(merchant_client, shop, foreign):
    merchant_client.post(reverse("orders:bulk_sync"), {"order": [foreign["order"].pk]})

    foreign["order"].refresh_from_db()
    assert foreign["order"].sync_status == "not_synced"


def test_a_merchant_cannot_switch_to_another_shop(merchant_client, shop, foreign):
    response = merchant_client.post(reverse("switch_shop"), {"shop": foreign["shop"].pk})

    assert response.status_code == 404
    assert "#THEIRS" not in merchant_client.get(reverse("orders:list")).content.decode()


def test_staff_can_switch_between_shops(client, shop, foreign, django_user_model):
    staff = django_user_model.objects.create_user("support", password="pw-support-1", is_staff=True)
    client.force_login(staff)

    client.post(reverse("switch_shop"), {"shop": foreign["shop"].pk})

    assert "#THEIRS" in client.get(reverse("orders:list")).content.decode()


def test_the_odoo_secret_never_reaches_a_page(merchant_client, shop):
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "S3cret-Odoo-Key-7f3c"
    connection.save()

    html = merchant_client.get(reverse("settings:odoo")).content.decode()

    assert '<s-password-field id="id_secret" name="secret"' in html  # a write-only field: never a value
    assert "A secret is stored (not shown)." in html
    assert "S3cret-Odoo-Key-7f3c" not in html
