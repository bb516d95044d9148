"""products/create|update|delete webhooks: the stored receipt is handled through the webhook pipeline; the
product is read again from the Shopify sandbox and the Odoo sandbox holds the outcome."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from products.models import CatalogueSettings, ProductMapping
from synclogs.models import WebhookReceipt
from synco.models import Shop
from synco.shopify_app.webhook_handlers import process_webhook
from tests.conftest import SHOP_DOMAIN
from tests.products import test_imports
from tests.products.test_imports import tee, template_of, variants_of

pytestmark = pytest.mark.django_db
_events = itertools.count(1)
# The import tests' fixtures: the demo shop on both sandboxes, products added to the Shopify sandbox.
demo_shop = test_imports.demo_shop
add_product = test_imports.add_product


@pytest.fixture
def imported_once(demo_shop: Shop) -> Shop:
    """The shop's catalogue was imported once: webhooks keep it in step from then on."""
    CatalogueSettings.objects.update_or_create(
        shop=demo_shop, defaults={"products_swept_until": timezone.now()}
    )
    return demo_shop


def deliver(shop: Shop, topic: str, payload: dict[str, Any]) -> WebhookReceipt:
    receipt = WebhookReceipt.objects.create(
        shop=shop, shop_domain=shop.domain, topic=topic, event_id=f"evt-{next(_events)}", payload=payload
    )
    process_webhook(receipt.pk)
    receipt.refresh_from_db()
    return receipt


def rest_body(shopify: Any, product_id: int) -> dict[str, Any]:
    from sandboxes.shopify import products

    product = shopify.server.store.transact(
        lambda s: products.product(s, SHOP_DOMAIN, product_id), write=False
    )
    return dict(products.rest_product(product))


def test_products_create_imports_the_product_read_again(
    demo_shop, imported_once, odoo, add_product: Callable[..., int], shopify
):
    product_id = tee(add_product, "WHC")

    receipt = deliver(demo_shop, "products/create", rest_body(shopify, product_id))

    assert receipt.status == WebhookReceipt.Status.PROCESSED, receipt.message
    assert receipt.message.startswith("Product 'WHC Tee' re-fetched: 1 product: 4 variants created")
    codes = sorted(v["default_code"] for v in variants_of(odoo, template_of(odoo, demo_shop, product_id)))
    assert codes == ["WHC-M-Blue", "WHC-M-Red", "WHC-S-Blue", "WHC-S-Red"]


def test_products_update_writes_what_changed_and_nothing_when_nothing_did(
    demo_shop, imported_once, odoo, add_product, shopify
):
    from sandboxes.shopify import products

    product_id = tee(add_product, "WHU")
    deliver(demo_shop, "products/create", rest_body(shopify, product_id))
    # the body is only a trigger: a stale or forged title in it is never written
    body = {**rest_body(shopify, product_id), "title": "Not what Shopify holds"}
    shopify.server.store.transact(
        lambda s: products.update_product(s, SHOP_DOMAIN, product_id, title="WHU Tee v2")
    )

    receipt = deliver(demo_shop, "products/update", body)

    assert receipt.status == WebhookReceipt.Status.PROCESSED
    assert "4 updated" in receipt.message
    [template] = odoo.execute(
        "product.template", "read", [template_of(odoo, demo_shop, product_id)], fields=["name"]
    )
    assert template["name"] == "WHU Tee v2"
    again = deliver(demo_shop, "products/update", body)
    assert "0 updated, 4 unchanged" in again.message


def test_products_delete_archives_in_odoo(demo_shop, imported_once, odoo, add_product, shopify):
    product_id = tee(add_product, "WHD")
    deliver(demo_shop, "products/create", rest_body(shopify, product_id))

    receipt = deliver(demo_shop, "products/delete", {"id": product_id})

    assert receipt.status == WebhookReceipt.Status.PROCESSED
    assert (
        receipt.message
        == "'WHD Tee' was deleted in Shopify: archived 1 Odoo template(s) and 0 variant(s) (nothing deleted)."
    )
    template_id = template_of(odoo, demo_shop, product_id)
    [template] = odoo.execute("product.template", "read", [template_id], fields=["active"])
    assert template["active"] is False and len(variants_of(odoo, template_id)) == 4
    assert set(ProductMapping.objects.values_list("state", flat=True)) == {ProductMapping.State.DELETED}


def test_a_product_shopify_no_longer_has_is_ignored(demo_shop, imported_once, odoo, shopify):
    receipt = deliver(demo_shop, "products/update", {"id": 4242, "title": "Gone"})

    assert receipt.status == WebhookReceipt.Status.IGNORED
    assert receipt.message == "Product 4242 no longer exists in Shopify."
    assert not ProductMapping.objects.exists()


def test_a_body_without_a_product_id_fails_clearly(demo_shop, odoo, shopify):
    receipt = deliver(demo_shop, "products/update", {"title": "no id"})

    assert receipt.status == WebhookReceipt.Status.FAILED
    assert receipt.message == "The body of products/update is not a product (no id, or ids that differ)."


def test_an_uninstalled_shop_is_ignored(demo_shop, odoo, add_product, shopify):
    product_id = tee(add_product, "WHX")
    Shop.objects.filter(pk=demo_shop.pk).update(uninstalled_at=timezone.now())

    receipt = deliver(demo_shop, "products/create", rest_body(shopify, product_id))

    assert receipt.status == WebhookReceipt.Status.IGNORED
    assert receipt.message == "The app is uninstalled from this shop."
    assert not ProductMapping.objects.exists()


def test_before_the_first_import_only_products_already_imported_are_kept_in_step(
    demo_shop, odoo, add_product, shopify
):
    from products.imports import import_product_ids

    unknown = tee(add_product, "WHN")
    known = tee(add_product, "WHK")
    import_product_ids(demo_shop.pk, [known], create=True)  # the mapping page's "create it"

    ignored = deliver(demo_shop, "products/update", rest_body(shopify, unknown))
    handled = deliver(demo_shop, "products/update", rest_body(shopify, known))

    assert ignored.status == WebhookReceipt.Status.IGNORED
    assert ignored.message.startswith(
        f"Product {unknown} not imported: the catalogue has not been imported yet"
    )
    assert not ProductMapping.objects.filter(shopify_product_id=unknown).exists()
    assert handled.status == WebhookReceipt.Status.PROCESSED and "4 unchanged" in handled.message
