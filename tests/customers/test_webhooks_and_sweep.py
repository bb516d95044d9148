"""customers/create|update webhooks (re-fetched from Shopify) and the periodic sweep, into the Odoo sandbox."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from customers.imports import sweep_customers
from customers.models import CustomerLink, CustomerSettings
from customers.webhooks import customer_notified
from sandboxes.shopify.customers import add_customer, update_customer
from synclogs.models import WebhookReceipt
from synco.shopify_app.webhook_handlers import process_webhook

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


@pytest.fixture
def shop_with_shopify(shop, shopify):
    shop.access_token = shopify.token
    shop.save(update_fields=["access_token"])
    return shop


@pytest.fixture
def store(shopify):
    """The Shopify sandbox's store, its customers put back as they were after the test."""
    store = shopify.server.store

    def snapshot(state):
        return copy.deepcopy(state.get("customers", {}).get(DOMAIN)), state.get("customer_seq", 0)

    saved, seq = store.transact(snapshot, write=False)
    yield store

    def restore(state):
        if saved is None:
            state.get("customers", {}).pop(DOMAIN, None)  # seeded again, lazily, as before the test
        else:
            state["customers"][DOMAIN] = saved
        state["customer_seq"] = seq

    store.transact(restore)


def _new_customer(store, email: str = "webhook.buyer@example.com", **fields) -> dict:
    address = {
        "address1": "12 Webhook Lane",
        "city": "Austin",
        "zip": "73301",
        "province_code": "TX",
        "country_code": "US",
    }
    return store.transact(
        lambda state: add_customer(state, DOMAIN, "Wendy", "Hook", email, addresses=[address], **fields)
    )


def _partner(odoo, shop, customer_id: int) -> dict:
    link = CustomerLink.objects.get(shop=shop, shopify_customer_id=customer_id)
    return odoo.execute(
        "res.partner", "read", [link.odoo_partner_id], fields=["name", "email", "phone", "street"]
    )[0]


def test_customers_create_refetches_the_customer_and_creates_the_partner(shop_with_shopify, store, odoo):
    created = _new_customer(store, phone="+15125550123")

    status, message = customer_notified(shop_with_shopify, "customers/create", {"id": created["id"]})

    assert status == WebhookReceipt.Status.PROCESSED and message.endswith("created in Odoo.")
    partner = _partner(odoo, shop_with_shopify, created["id"])
    assert partner["name"] == "Wendy Hook" and partner["street"] == "12 Webhook Lane"
    assert partner["email"] == "webhook.buyer@example.com" and partner["phone"] == "+15125550123"


def test_the_body_is_only_a_trigger(shop_with_shopify, store, odoo):
    created = _new_customer(store)
    # a body claiming other data: what Shopify holds now is written
    status, _ = customer_notified(
        shop_with_shopify, "customers/update", {"id": created["id"], "email": "forged@example.com"}
    )
    assert status == WebhookReceipt.Status.PROCESSED
    assert _partner(odoo, shop_with_shopify, created["id"])["email"] == "webhook.buyer@example.com"
    # an id this shop does not have: nothing is created
    status, message = customer_notified(shop_with_shopify, "customers/update", {"id": 999999})
    assert status == WebhookReceipt.Status.IGNORED and "no customer 999999" in message
    status, message = customer_notified(shop_with_shopify, "customers/update", {"id": "x"})
    assert status == WebhookReceipt.Status.FAILED and "no numeric id" in message


def test_customers_update_through_the_webhook_pipeline_updates_the_partner(shop_with_shopify, store, odoo):
    created = _new_customer(store)
    customer_notified(shop_with_shopify, "customers/create", {"id": created["id"]})
    store.transact(lambda state: update_customer(state, DOMAIN, created["id"], phone="+15125550999"))
    receipt = WebhookReceipt.objects.create(
        shop=shop_with_shopify,
        shop_domain=DOMAIN,
        topic="customers/update",
        webhook_id="wh-customers-update-1",
        payload={"id": created["id"]},
    )

    process_webhook(receipt.pk)

    receipt.refresh_from_db()
    assert receipt.status == WebhookReceipt.Status.PROCESSED, receipt.message
    assert _partner(odoo, shop_with_shopify, created["id"])["phone"] == "+15125550999"


def test_the_sweep_brings_customers_changed_since_its_watermark(shop_with_shopify, store, odoo):
    shop = shop_with_shopify
    first = sweep_customers(shop)  # never swept: it only sets the watermark (the full import brings everyone)
    assert first.created == 0
    CustomerSettings.objects.filter(shop=shop).update(swept_until=datetime.now(UTC) - timedelta(minutes=1))
    created = _new_customer(store, email="missed.webhook@example.com")

    result = sweep_customers(shop)

    assert result.created == 1 and result.failed == 0
    assert _partner(odoo, shop, created["id"])["email"] == "missed.webhook@example.com"
    settings = CustomerSettings.objects.get(shop=shop)
    assert settings.swept_until >= datetime.now(UTC) - timedelta(minutes=1)


def test_the_beat_sweeps_only_installed_shops_that_import_customers(shop, db):
    from customers.imports import shops_to_sweep
    from products.models import CatalogueRun
    from synco.models import Shop

    assert shops_to_sweep() == []
    CatalogueRun.objects.create(shop=shop, kind=CatalogueRun.Kind.PRODUCTS)
    assert shops_to_sweep() == []  # a product import is not a customer import
    CatalogueRun.objects.create(shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)
    CatalogueRun.objects.create(shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)
    assert shops_to_sweep() == [shop.pk]
    Shop.objects.filter(pk=shop.pk).update(uninstalled_at="2026-12-01T00:00:00Z")
    assert shops_to_sweep() == []
