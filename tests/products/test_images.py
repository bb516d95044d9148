"""Product images in the catalogue import: Shopify's image reaches the Odoo template through the real path (the
Shopify sandbox's CDN route, then a write to the Odoo sandbox), only when the merchant asks for it, only when it
changed, never over the size limit."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from products.imports import import_products
from products.models import CatalogueSettings, ProductMapping
from sandboxes.shopify import cdn
from synclogs.models import SyncAttempt
from synco import xmlids
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import Shop
from synco.shopify import catalog
from synco.shopify.catalog import ShopifyProduct
from tests.conftest import SHOP_DOMAIN

pytestmark = pytest.mark.django_db
CDN = cdn.STORED_PREFIX


@pytest.fixture
def demo_shop(shop: Shop, shopify: Any) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    return shop


@pytest.fixture
def add_product(shopify: Any) -> Iterator[Callable[..., int]]:
    """A one-variant product in the Shopify sandbox with the given image (removed after the test)."""
    from sandboxes.shopify import products

    store = shopify.server.store
    added: list[int] = []

    def add(title: str, image_url: str | None) -> int:
        sku = title.upper().replace(" ", "-")
        product = store.transact(
            lambda s: products.add_product(
                s, SHOP_DOMAIN, title, [], [{"sku": sku, "price": "10.00"}], image_url=image_url
            )
        )
        added.append(int(product["id"]))
        return int(product["id"])

    yield add
    for product_id in added:
        store.transact(
            lambda s, pid=product_id: (
                products.delete_product(s, SHOP_DOMAIN, pid)
                if products.product(s, SHOP_DOMAIN, pid) is not None
                else None
            )
        )


def settings_of(shop: Shop, **values: Any) -> CatalogueSettings:
    settings, _ = CatalogueSettings.objects.get_or_create(shop=shop)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def fetch(shop: Shop, product_id: int) -> ShopifyProduct:
    product = catalog.fetch_product(shopify_client_for(shop), product_id)
    assert product is not None
    return product


def run(shop: Shop, product: ShopifyProduct) -> int:
    """Import one product; the Odoo calls it made."""
    client = odoo_client_for(shop)
    try:
        import_products(shop, client, [product])
        return client.rpc_calls
    finally:
        client.close()


def downloads(shopify: Any) -> int:
    """Requests the Shopify sandbox answered outside its Admin API (its CDN route: image downloads)."""
    stats = shopify.server.stats()
    return int(stats["requests"]) - int(stats["graphql_requests"])


def template_image(odoo: Any, shop: Shop, product_id: int) -> dict[str, Any]:
    name = xmlids.product_xmlid(shop.domain, product_id)
    rows = odoo.execute(
        "ir.model.data", "search_read", [["module", "=", "shopify"], ["name", "=", name]], fields=["res_id"]
    )
    assert len(rows) == 1, f"no template for {name}"
    template = odoo.execute(
        "product.template", "read", [int(rows[0]["res_id"])], fields=["image_1920", "image_128"]
    )[0]
    return {"image_1920": template["image_1920"], "image_128": template["image_128"]}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_image_reaches_the_template_when_the_shop_copies_images(demo_shop, odoo, add_product, shopify):
    settings_of(demo_shop, import_images=True)
    product = fetch(demo_shop, add_product("Img Mug", f"{CDN}img-mug.jpg"))
    assert product.image_url == f"{shopify.base_url}/sandbox/cdn/img-mug.jpg"  # the sandbox serves it

    run(demo_shop, product)

    expected = b64(cdn.png("img-mug.jpg"))
    assert template_image(odoo, demo_shop, product.id) == {"image_1920": expected, "image_128": expected}
    row = ProductMapping.objects.get(shop=demo_shop, shopify_product_id=product.id)
    assert (row.state, row.problem) == ("linked", "")
    assert row.written["image"] == {"url": product.image_url, "templates": [row.odoo_template_id]}
    log = SyncAttempt.objects.filter(shop=demo_shop, operation="import_images").get()
    assert (log.status, log.message) == ("success", "Product images: 1 copied to Odoo, 0 cleared.")


def test_an_unchanged_rerun_downloads_nothing_and_writes_nothing(demo_shop, odoo, add_product, shopify):
    settings_of(demo_shop, import_images=True)
    product_id = add_product("Img Bowl", f"{CDN}img-bowl.jpg")
    run(demo_shop, fetch(demo_shop, product_id))
    product = fetch(demo_shop, product_id)
    before, logs = downloads(shopify), SyncAttempt.objects.count()

    calls = run(demo_shop, product)

    assert (calls, downloads(shopify) - before) == (0, 0)
    assert SyncAttempt.objects.count() == logs


def test_a_variant_linked_to_another_odoo_product_brings_the_image_there(
    demo_shop, odoo, add_product, shopify
):
    settings_of(demo_shop, import_images=True)
    product_id = add_product("Img Jug", f"{CDN}img-jug.jpg")
    run(demo_shop, fetch(demo_shop, product_id))
    # the merchant links the variant to another Odoo product on the mapping page
    other = odoo.execute("product.template", "create", {"name": "Merchant's own jug"})
    variant = odoo.execute("product.product", "search", [["product_tmpl_id", "=", other]])[0]
    ProductMapping.objects.filter(shop=demo_shop, shopify_product_id=product_id).update(
        odoo_product_id=variant, odoo_template_id=other, matched_by="manual"
    )
    before = downloads(shopify)

    run(demo_shop, fetch(demo_shop, product_id))

    assert downloads(shopify) - before == 1
    image = odoo.execute("product.template", "read", [other], fields=["image_1920"])[0]["image_1920"]
    assert image == b64(cdn.png("img-jug.jpg"))
    assert run(demo_shop, fetch(demo_shop, product_id)) == 0


def test_a_changed_image_is_downloaded_again_and_a_removed_one_cleared(demo_shop, odoo, add_product, shopify):
    settings_of(demo_shop, import_images=True)
    product_id = add_product("Img Plate", f"{CDN}img-plate.jpg")
    run(demo_shop, fetch(demo_shop, product_id))

    shopify.server.update_product(product_id, emit=False, image_url=f"{CDN}img-plate-v2.jpg")
    before = downloads(shopify)
    run(demo_shop, fetch(demo_shop, product_id))
    assert downloads(shopify) - before == 1
    assert template_image(odoo, demo_shop, product_id)["image_1920"] == b64(cdn.png("img-plate-v2.jpg"))

    shopify.server.update_product(product_id, emit=False, image_url="")
    run(demo_shop, fetch(demo_shop, product_id))
    assert template_image(odoo, demo_shop, product_id) == {"image_1920": False, "image_128": False}


def test_an_image_over_the_limit_is_noted_and_the_product_imported(demo_shop, odoo, add_product, shopify):
    settings = settings_of(demo_shop, import_images=True, image_max_kb=100)
    product_id = add_product("Img Poster", f"{CDN}img-poster.png?noise=300")  # 300 x 300 random pixels
    size = len(cdn.png("img-poster.png", noise=300))
    product = fetch(demo_shop, product_id)

    run(demo_shop, product)

    row = ProductMapping.objects.get(shop=demo_shop, shopify_product_id=product_id)
    reason = f"the image is {size // 1024} KB, over the 100 KB limit set in Products > Settings."
    assert (row.state, row.odoo_product_id is not None) == ("linked", True)
    assert row.problem == f"Image not copied to Odoo: {reason}"
    assert template_image(odoo, demo_shop, product_id) == {"image_1920": False, "image_128": False}
    log = SyncAttempt.objects.filter(shop=demo_shop, operation="import_images").get()
    assert (log.status, log.message) == (
        "failed",
        f"Image of 'Img Poster' not copied to Odoo: {reason} The product itself is imported.",
    )

    # a re-run neither downloads it again nor forgets the note
    before = downloads(shopify)
    assert run(demo_shop, fetch(demo_shop, product_id)) == 0
    assert downloads(shopify) == before
    assert ProductMapping.objects.get(pk=row.pk).problem == f"Image not copied to Odoo: {reason}"

    # a larger limit copies it, and the note goes
    settings.image_max_kb = 1024
    settings.save()
    run(demo_shop, fetch(demo_shop, product_id))
    assert template_image(odoo, demo_shop, product_id)["image_1920"] == b64(
        cdn.png("img-poster.png", noise=300)
    )
    assert ProductMapping.objects.get(pk=row.pk).problem == ""


def test_images_owned_by_odoo_are_never_written(demo_shop, odoo, add_product, shopify):
    settings_of(demo_shop, import_images=True, images_owner=CatalogueSettings.Owner.ODOO)
    product_id = add_product("Img Vase", f"{CDN}img-vase.jpg")
    before = downloads(shopify)

    run(demo_shop, fetch(demo_shop, product_id))

    assert downloads(shopify) == before
    assert template_image(odoo, demo_shop, product_id) == {"image_1920": False, "image_128": False}
    assert "image" not in ProductMapping.objects.get(shop=demo_shop, shopify_product_id=product_id).written


def test_images_are_not_copied_unless_the_merchant_turns_it_on(demo_shop, odoo, add_product, shopify):
    assert CatalogueSettings(shop=demo_shop).import_images is False
    product_id = add_product("Img Lamp", f"{CDN}img-lamp.jpg")
    before = downloads(shopify)

    run(demo_shop, fetch(demo_shop, product_id))

    assert downloads(shopify) == before
    assert template_image(odoo, demo_shop, product_id) == {"image_1920": False, "image_128": False}


def test_an_image_off_shopifys_cdn_is_noted_never_downloaded_and_the_product_kept(
    demo_shop, odoo, add_product, shopify
):
    settings_of(demo_shop, import_images=True)
    # not on Shopify's CDN: Synco does not download it
    product_id = add_product("Img Rug", "https://images.example.com/rug.jpg")

    run(demo_shop, fetch(demo_shop, product_id))

    row = ProductMapping.objects.get(shop=demo_shop, shopify_product_id=product_id)
    assert row.state == "linked"
    assert row.problem == (
        "Image not copied to Odoo: the image is not on Shopify's CDN (images.example.com), so Synco does not "
        "download it."
    )
    assert run(demo_shop, fetch(demo_shop, product_id)) == 0


def test_the_full_import_copies_the_demo_catalogue_images_through_the_bulk_file(demo_shop, odoo, shopify):
    from products.imports import run_product_import, start_product_import

    settings_of(demo_shop, import_images=True)

    def drive() -> None:
        run_id = start_product_import(demo_shop.pk).pk
        for _ in range(600):
            if run_product_import(run_id) is None:
                return
        raise AssertionError("the import did not finish")

    drive()

    rows = ProductMapping.objects.filter(shop=demo_shop, state=ProductMapping.State.LINKED)
    products = {row.shopify_product_id: row for row in rows}
    assert products and all("image" in row.written for row in products.values())
    # a product whose variants were matched by SKU to flat Odoo products: each of them shows its image
    hoodie = rows.filter(product_title="Merino Hoodie")
    assert hoodie.values("odoo_template_id").distinct().count() > 1
    for template in odoo.execute(
        "product.template", "read", sorted({row.odoo_template_id for row in hoodie}), fields=["image_1920"]
    ):
        assert template["image_1920"] == b64(cdn.png("merino-hoodie.jpg"))
    runner = rows.filter(product_title="Trail Runner").first()
    assert runner is not None
    template = odoo.execute("product.template", "read", [runner.odoo_template_id], fields=["image_1920"])[0]
    assert template["image_1920"] == b64(cdn.png("trail-runner.jpg"))
    assert not rows.exclude(problem="").filter(problem__contains="Image not copied").exists()

    # the same catalogue again: nothing downloaded (as many requests outside the Admin API, i.e. the bulk file,
    # as a run that copies no image)
    before = downloads(shopify)
    drive()
    with_images = downloads(shopify) - before
    settings_of(demo_shop, import_images=False)
    before = downloads(shopify)
    drive()
    assert with_images == downloads(shopify) - before
