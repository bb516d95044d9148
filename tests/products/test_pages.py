"""The product mapping page: rows and problems, fixes that write what Odoo confirmed, the import panel, the
catalogue settings, the home checklist's matching step; a shop only ever sees its own rows."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products.models import CatalogueRun, CatalogueSettings, ProductLink, ProductMapping
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, Shop
from tests.conftest import SHOP_DOMAIN

pytestmark = pytest.mark.django_db
State = ProductMapping.State
HTMX = {"HTTP_HX_REQUEST": "true"}


def _mapping(shop, variant, **fields):
    values = {
        "shopify_product_id": 100 + variant // 10,
        "product_title": f"Product {variant:03d}",
        "variant_title": f"Size {variant}",
        "sku": f"SKU-{variant:03d}",
        "barcode": f"BAR{variant:03d}",
        "price": Decimal("12.50"),
        "state": State.LINKED,
        "odoo_product_id": 500 + variant,
        "matched_by": "sku",
    }
    return ProductMapping.objects.create(shop=shop, shopify_variant_id=variant, **{**values, **fields})


def _odoo_product(odoo, code):
    [row] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", code]], fields=["id", "product_tmpl_id"]
    )
    return row


def _row(html, mapping):
    match = re.search(rf'<s-table-row id="mapping-{mapping.pk}".*?</s-table-row>', html, re.S)
    assert match, f"no row for mapping {mapping.pk}"
    return match.group(0)


def _page(client, **params):
    response = client.get(reverse("products:page"), params)
    assert response.status_code == 200
    return response.content.decode()


# -- the page -------------------------------------------------------------------------------------------------


def test_the_page_lists_each_variant_with_its_odoo_product_and_state(merchant_client, shop, odoo):
    linked = _mapping(shop, 1, price=Decimal("25.00"))
    missing = _mapping(
        shop,
        2,
        state=State.MISSING,
        odoo_product_id=None,
        matched_by="",
        problem="No Odoo product has the SKU.",
    )

    html = _page(merchant_client)

    row = _row(html, linked)
    assert "Product 001" in row and "Size 1" in row and "<code>SKU-001</code>" in row and "BAR001" in row
    assert ">$25.00</s-table-cell>" in row
    assert f'href="http://127.0.0.1:{odoo.port}/odoo/product.product/501"' in row
    assert '<s-badge tone="success" class="state-badge state-synced">Linked</s-badge>' in row
    row = _row(html, missing)
    assert '<s-badge tone="critical" class="state-badge state-failed">Missing</s-badge>' in row
    assert "No Odoo product has the SKU." in row
    assert ">Create in Odoo</s-button>" in row and ">Link</s-button>" in row and ">Ignore</s-button>" in row
    assert "1 of 2</strong> Shopify variants linked" in html


def test_the_problems_filter_shows_only_the_variants_to_fix_with_their_reasons(merchant_client, shop):
    fine = _mapping(shop, 1)
    twin_a = _mapping(shop, 2, sku="TWIN")
    twin_b = _mapping(shop, 3, sku="TWIN")
    conflict = _mapping(
        shop,
        4,
        state=State.CONFLICT,
        odoo_product_id=None,
        problem="Several Odoo products have the SKU 'SKU-004'.",
    )
    no_code = _mapping(shop, 5, sku="", barcode="")
    ignored = _mapping(shop, 6, state=State.MISSING, odoo_product_id=None)
    ignored.state = State.IGNORED
    ignored.save()

    html = _page(merchant_client, state="problems")

    assert f'id="mapping-{fine.pk}"' not in html and f'id="mapping-{ignored.pk}"' not in html
    assert "Another Shopify variant has the SKU &#x27;TWIN&#x27; too" in _row(html, twin_a)
    assert "Another Shopify variant has the SKU &#x27;TWIN&#x27; too" in _row(html, twin_b)
    conflict_row = _row(html, conflict)
    assert "Several Odoo products have the SKU &#x27;SKU-004&#x27;." in conflict_row
    assert ">Create in Odoo</s-button>" not in conflict_row and ">Link</s-button>" in conflict_row
    assert "Neither a SKU nor a barcode in Shopify" in _row(html, no_code)
    assert "4 problems</s-badge>" in html
    assert "1 conflict · 2 SKUs on several Shopify variants · 1 variant without SKU" in html


@pytest.mark.parametrize(
    "search", ["café", "CAFÉ", "cafe", "CAFE CREME", "sku-candle", "0012345679032", "crème"]
)
def test_the_search_finds_titles_skus_and_barcodes_whatever_the_case(merchant_client, shop, search):
    candle = _mapping(
        shop,
        1,
        product_title="Café Crème Candle",
        variant_title="",
        sku="SKU-CANDLE",
        barcode="0012345679032",
    )
    other = _mapping(shop, 2)

    html = _page(merchant_client, q=search)

    assert f'id="mapping-{candle.pk}"' in html and f'id="mapping-{other.pk}"' not in html


def test_a_search_that_matches_nothing_says_so(merchant_client, shop):
    _mapping(shop, 1)

    html = _page(merchant_client, q="nothing-like-it")

    assert "No variant matches “nothing-like-it”" in html


def test_a_page_costs_the_same_queries_for_3_or_10000_variants(merchant_client, shop):
    for variant in range(3):
        _mapping(shop, variant, sku="TWIN" if variant < 2 else f"S{variant}")
    with CaptureQueriesContext(connection) as few:
        _page(merchant_client)
    ProductMapping.objects.bulk_create(
        ProductMapping(
            shop=shop,
            shopify_product_id=variant // 5,
            shopify_variant_id=variant,
            product_title=f"Product {variant // 5:04d}",
            sku=f"SKU-{variant}" if variant % 97 else "",
            barcode=f"{variant:013d}",
            state=State.MISSING if variant % 50 == 0 else State.LINKED,
            odoo_product_id=None if variant % 50 == 0 else variant,
        )
        for variant in range(3, 10_000)
    )
    with CaptureQueriesContext(connection) as many:
        html = _page(merchant_client)
    with CaptureQueriesContext(connection) as deep:
        deep_html = _page(merchant_client, page="200", state="all")
    with CaptureQueriesContext(connection) as problems:
        problems_html = _page(merchant_client, state="problems", q="product 01")
    with CaptureQueriesContext(connection) as fragment:
        merchant_client.get(
            reverse("products:page"), {"state": "problems"}, HTTP_HX_TARGET="product-table", **HTMX
        )

    counts = {len(c.captured_queries) for c in (few, many, deep, problems)}
    assert len(counts) == 1, counts
    assert len(fragment.captured_queries) < len(many.captured_queries)
    assert "1\u201350 of 10,000" in html and "Page 1 of 200" in html
    assert "9,951\u201310,000 of 10,000" in deep_html and "Page 200 of 200" in deep_html
    # "Product 01xx" is variants 500-999: every 50th is missing; those without a SKU have a barcode
    assert "1\u201310 of 10" in problems_html


def test_the_state_tabs_and_pages_are_polaris_link_buttons_loaded_by_htmx(merchant_client, shop):
    for variant in range(51):
        _mapping(shop, variant)
    _mapping(shop, 99, state=State.MISSING, odoo_product_id=None)

    html = _page(merchant_client, q="product", page="2")

    tabs = html.split('<nav class="p-tabs orders-tabs" aria-label="Filter variants">')[1].split("</nav>")[0]
    found = re.findall(r'<s-button variant="tertiary" href="([^"]+)"\s+hx-get="([^"]+)" hx-target="#product-table" '
                       r'hx-push-url="true" hx-indicator="#product-table"\s+data-state="(\w+)"( aria-current="page")?>',
                       tabs)  # fmt: skip
    assert len(found) >= 3 and all(href == loads for href, loads, _, _ in found)
    assert [state for _, _, state, current in found if current] == ["all"]
    assert ("?state=problems&amp;q=product", "problems") in [(href, state) for href, _, state, _ in found]
    pages = html.split('<nav class="p-pagination" aria-label="Pages">')[1].split("</nav>")[0]
    [previous] = re.findall(r'<s-button href="([^"]+)" hx-get="([^"]+)" hx-target="#product-table" '
                            r'hx-push-url="true" hx-indicator="#product-table" data-rel="prev"', pages)  # fmt: skip
    assert previous[0] == previous[1] == "?state=all&amp;q=product&amp;page=1"
    assert 'data-rel="next"' not in pages and "Page 2 of 2" in pages


def test_a_page_past_the_end_shows_the_last_page(merchant_client, shop):
    for variant in range(3):
        _mapping(shop, variant)

    assert "1\u20133 of 3" in _page(merchant_client, page="99")
    assert "1\u20133 of 3" in _page(merchant_client, page="x")


# -- fixes ----------------------------------------------------------------------------------------------------


def test_link_by_internal_reference_links_the_variant_after_odoo_confirmed_it(merchant_client, shop, odoo):
    mug = _odoo_product(odoo, "SKU-MUG")
    mapping = _mapping(
        shop, 1, sku="MUG-IN-SHOPIFY", state=State.MISSING, odoo_product_id=None, matched_by=""
    )

    response = merchant_client.post(
        reverse("products:link", args=[mapping.pk]), {"reference": "SKU-MUG"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<s-badge tone="success" class="state-badge state-synced">Linked</s-badge>' in html
    assert f"/odoo/product.product/{mug['id']}" in html and "matched by manual" in html
    assert (
        "Linked to the Odoo product" in response["HX-Trigger"] and "productsChanged" in response["HX-Trigger"]
    )
    mapping.refresh_from_db()
    assert (mapping.state, mapping.odoo_product_id, mapping.odoo_template_id, mapping.matched_by) == (
        State.LINKED,
        mug["id"],
        mug["product_tmpl_id"][0],
        "manual",
    )
    assert ProductLink.objects.get(shop=shop, sku="MUG-IN-SHOPIFY").odoo_product_id == mug["id"]
    assert SyncAttempt.objects.get(shop=shop, operation="link_product").message.startswith(
        "merchant linked the Shopify variant 'Product 001 / Size 1'"
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "Type the Odoo product&#x27;s id or its internal reference."),
        ("987654", "No Odoo product has the id or internal reference &#x27;987654&#x27;."),
        ("NO-SUCH-CODE", "No Odoo product has the internal reference &#x27;NO-SUCH-CODE&#x27;."),
    ],
)
def test_link_to_an_unknown_product_says_why_and_changes_nothing(
    merchant_client, shop, odoo, reference, message
):
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)

    response = merchant_client.post(
        reverse("products:link", args=[mapping.pk]), {"reference": reference}, **HTMX
    )

    assert response.status_code == 200
    assert f'<p class="error" role="alert">{message}</p>' in response.content.decode()
    assert '"level": "error"' in response["HX-Trigger"]
    mapping.refresh_from_db()
    assert mapping.state == State.MISSING and mapping.odoo_product_id is None
    assert not ProductLink.objects.filter(shop=shop).exists()
    assert not SyncAttempt.objects.filter(shop=shop).exists()


def test_link_while_odoo_is_down_is_a_message_not_an_error_page(merchant_client, shop, odoo):
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)
    odoo.control(down=True)

    response = merchant_client.post(
        reverse("products:link", args=[mapping.pk]), {"reference": "SKU-MUG"}, **HTMX
    )

    assert response.status_code == 200
    assert "Odoo could not be asked:" in response.content.decode()
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.MISSING


def test_link_without_an_odoo_connection_is_a_message(merchant_client, shop):
    OdooConnection.objects.filter(shop=shop).delete()
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)

    response = merchant_client.post(reverse("products:link", args=[mapping.pk]), {"reference": "1"}, **HTMX)

    assert response.status_code == 200
    assert "Odoo is not connected yet" in response.content.decode()


@pytest.fixture
def shopify_product(shop, shopify):
    """A two-variant product added to the Shopify sandbox (shared by the session), removed after the test."""
    from sandboxes.shopify import products

    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    store = shopify.server.store
    variants = [
        {"options": ["Small"], "sku": "LAMP-S", "price": "40.00"},
        {"options": ["Large"], "sku": "LAMP-L", "price": "55.00"},
    ]
    product = store.transact(
        lambda state: products.add_product(
            state, SHOP_DOMAIN, "Brass Lamp", [("Size", ["Small", "Large"])], variants
        )
    )
    product_id = int(product["id"])
    yield product_id
    store.transact(
        lambda state: (
            products.delete_product(state, SHOP_DOMAIN, product_id)
            if products.product(state, SHOP_DOMAIN, product_id) is not None
            else None
        )
    )


def test_create_makes_the_missing_product_in_odoo_even_when_creating_is_off(
    merchant_client, shop, odoo, shopify_product
):
    from products.imports import import_product_ids

    CatalogueSettings.objects.update_or_create(shop=shop, defaults={"create_missing": False})
    import_product_ids(shop.pk, [shopify_product])
    small = ProductMapping.objects.get(shop=shop, sku="LAMP-S")
    assert small.state == State.MISSING
    assert not odoo.execute(
        "product.product", "search_read", [["default_code", "=", "LAMP-S"]], fields=["id"]
    )

    response = merchant_client.post(reverse("products:create", args=[small.pk]), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<s-badge tone="success" class="state-badge state-synced">Linked</s-badge>' in html
        and "matched by created" in html
    )
    assert "Created in Odoo" in response["HX-Trigger"]
    [created] = odoo.execute(
        "product.product",
        "search_read",
        [["default_code", "=", "LAMP-S"]],
        fields=["id", "product_tmpl_id", "lst_price"],
    )
    small.refresh_from_db()
    assert (small.state, small.odoo_product_id, small.matched_by) == (State.LINKED, created["id"], "created")
    assert created["product_tmpl_id"][1] == "Brass Lamp" and Decimal(str(created["lst_price"])) == Decimal(
        "40"
    )
    # one template for the product, the other variant with it: never a second copy
    assert ProductMapping.objects.get(shop=shop, sku="LAMP-L").state == State.LINKED
    assert (
        len(odoo.execute("product.template", "search_read", [["name", "=", "Brass Lamp"]], fields=["id"]))
        == 1
    )


def test_create_while_odoo_is_down_is_a_message(merchant_client, shop, odoo, shopify_product):
    mapping = _mapping(shop, 1, shopify_product_id=shopify_product, state=State.MISSING, odoo_product_id=None)
    odoo.control(down=True)

    response = merchant_client.post(reverse("products:create", args=[mapping.pk]), **HTMX)

    assert response.status_code == 200
    assert "Not created:" in response.content.decode()
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.MISSING


def test_ignore_and_unignore(merchant_client, shop):
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None, problem="No Odoo product has it.")

    response = merchant_client.post(reverse("products:ignore", args=[mapping.pk]), **HTMX)

    assert (
        '<s-badge tone="neutral" class="state-badge state-soft">Ignored</s-badge>'
        in response.content.decode()
    )
    assert ">Unignore</s-button>" in response.content.decode()
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.IGNORED
    assert "0 problems" not in _page(merchant_client) and "No problem" in _page(merchant_client)

    response = merchant_client.post(reverse("products:unignore", args=[mapping.pk]), **HTMX)

    assert (
        '<s-badge tone="critical" class="state-badge state-failed">Missing</s-badge>'
        in response.content.decode()
    )
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.MISSING


def test_a_fix_that_does_not_apply_says_so(merchant_client, shop):
    linked = _mapping(shop, 1)
    deleted = _mapping(shop, 2, state=State.DELETED)

    create = merchant_client.post(reverse("products:create", args=[linked.pk]), **HTMX)
    unignore = merchant_client.post(reverse("products:unignore", args=[linked.pk]), **HTMX)
    ignore = merchant_client.post(reverse("products:ignore", args=[deleted.pk]), **HTMX)

    assert "Only a missing product can be created; this variant is linked." in create.content.decode()
    assert "This variant is not ignored." in unignore.content.decode()
    assert "This variant was deleted in Shopify" in ignore.content.decode()
    assert {r.status_code for r in (create, unignore, ignore)} == {200}


def test_the_odoo_only_check_lists_odoo_products_shopify_does_not_have(merchant_client, shop, odoo):
    _mapping(shop, 1, sku="SKU-MUG")

    response = merchant_client.get(reverse("products:odoo_only"), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<code>SKU-TOTE</code>" in html and "<code>SKU-MUG</code>" not in html
    assert f"http://127.0.0.1:{odoo.port}/odoo/product.product/" in html


def test_the_odoo_only_check_with_odoo_down_says_so(merchant_client, shop, odoo):
    odoo.control(down=True)

    response = merchant_client.get(reverse("products:odoo_only"), **HTMX)

    assert response.status_code == 200 and "Odoo could not be asked:" in response.content.decode()


# -- the import panel -------------------------------------------------------------------------------------------


def test_import_queues_a_run_and_the_panel_shows_it(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("products:import"), **HTMX)

    run = CatalogueRun.objects.get(shop=shop)
    assert run.status == CatalogueRun.Status.QUEUED and len(callbacks) == 1
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and "Queued: waiting for the product count" in html
    assert f'hx-post="{reverse("products:import_stop", args=[run.pk])}"' in html
    assert "Importing the products from Shopify" in response["HX-Trigger"]


def test_a_second_import_is_refused_while_one_runs(merchant_client, shop):
    run = CatalogueRun.objects.create(
        shop=shop, status=CatalogueRun.Status.RUNNING, total=200, done=50, created=7
    )

    page = _page(merchant_client)
    response = merchant_client.post(reverse("products:import"), **HTMX)

    assert '<progress max="100" value="25"' in page and "50 of 200 products and variants (25%)" in page
    assert "7 created" in page and ">Stop</s-button>" in page
    assert "Not started: A product import is already under way" in response["HX-Trigger"]
    assert CatalogueRun.objects.filter(shop=shop).count() == 1
    assert run.pk


def test_the_panel_is_polled_while_a_run_is_active_and_announces_its_end(merchant_client, shop):
    run = CatalogueRun.objects.create(shop=shop, status=CatalogueRun.Status.STARTING)

    polled = merchant_client.get(reverse("products:import_status"), {"polling": "1"}, **HTMX)
    assert 'hx-trigger="every 2s"' in polled.content.decode() and "HX-Trigger" not in polled

    CatalogueRun.objects.filter(pk=run.pk).update(
        status=CatalogueRun.Status.DONE, total=3, done=3, created=2, linked=1
    )
    finished = merchant_client.get(reverse("products:import_status"), {"polling": "1"}, **HTMX)

    html = finished.content.decode()
    assert 'hx-trigger="every 2s"' not in html
    assert "Last import done" in html and "2 created · 1 linked" in html
    assert finished["HX-Trigger"] == "productsImported"


def test_stop_asks_the_running_import_to_stop(merchant_client, shop):
    run = CatalogueRun.objects.create(shop=shop, status=CatalogueRun.Status.RUNNING, total=10)

    response = merchant_client.post(reverse("products:import_stop", args=[run.pk]), **HTMX)

    assert response.status_code == 200
    run.refresh_from_db()
    assert run.stop_requested and run.status == CatalogueRun.Status.STOPPING
    assert "Stopping the import" in response["HX-Trigger"]
    again = merchant_client.post(reverse("products:import_stop", args=[run.pk]), **HTMX)
    assert again.status_code == 200 and "Stopping the import" in again["HX-Trigger"]


def test_a_stopped_import_can_be_resumed(merchant_client, shop, django_capture_on_commit_callbacks):
    run = CatalogueRun.objects.create(shop=shop, status=CatalogueRun.Status.STOPPED, total=10, done=4)
    assert ">Resume</s-button>" in _page(merchant_client)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("products:import_resume", args=[run.pk]), **HTMX)

    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.QUEUED and len(callbacks) == 1
    assert "Resuming the import" in response["HX-Trigger"]
    again = merchant_client.post(reverse("products:import_resume", args=[run.pk]), **HTMX)
    assert again.status_code == 200 and "nothing to resume" in again["HX-Trigger"]


# -- settings ---------------------------------------------------------------------------------------------------


def test_the_catalogue_settings_save_each_fields_owner(merchant_client, shop):
    data = {
        "name_owner": "odoo",
        "description_owner": "shopify",
        "sale_price_owner": "shopify",
        "cost_owner": "odoo",
        "barcode_owner": "shopify",
        "weight_owner": "odoo",
        "product_type_owner": "shopify",
        "images_owner": "shopify",
        "active_owner": "odoo",
        "import_images": "on",
        "image_max_kb": "512",
    }

    response = merchant_client.post(reverse("products:settings"), data)

    assert response.status_code == 200 and "Saved." in response.content.decode()
    saved = CatalogueSettings.objects.get(shop=shop)
    assert (saved.name_owner, saved.weight_owner, saved.active_owner, saved.cost_owner) == (
        "odoo",
        "odoo",
        "odoo",
        "odoo",
    )
    assert saved.import_images and saved.image_max_kb == 512 and not saved.create_missing
    assert saved.saved_at is not None


@pytest.mark.parametrize(
    ("field", "value"), [("image_max_kb", "0"), ("image_max_kb", "999999"), ("name_owner", "both")]
)
def test_bad_catalogue_settings_are_refused_with_the_field_marked(merchant_client, shop, field, value):
    data = {
        "name_owner": "shopify",
        "description_owner": "shopify",
        "sale_price_owner": "shopify",
        "cost_owner": "odoo",
        "barcode_owner": "shopify",
        "weight_owner": "shopify",
        "product_type_owner": "shopify",
        "images_owner": "shopify",
        "active_owner": "shopify",
        "image_max_kb": "1024",
        "create_missing": "on",
        field: value,
    }

    response = merchant_client.post(reverse("products:settings"), data)

    assert response.status_code == 422
    assert "Nothing was saved" in response.content.decode()
    assert CatalogueSettings.objects.get(shop=shop).saved_at is None


def test_settings_link_to_the_catalogue(merchant_client, shop):
    html = merchant_client.get(reverse("settings:index")).content.decode()

    assert f'href="{reverse("products:settings")}"' in html and f'href="{reverse("products:page")}"' in html


# -- the home checklist -----------------------------------------------------------------------------------------


def _matching_step(client):
    html = client.get(reverse("home")).content.decode()
    match = re.search(r'<li class="setup-step (is-done|is-todo)" data-step="matching">(.*?)</li>', html, re.S)
    assert match
    return match.group(1) == "is-done", re.sub(r"\s+", " ", match.group(2))


def test_the_home_checklist_counts_linked_variants_and_problems(merchant_client, shop):
    for variant in range(148):
        _mapping(shop, variant)
    _mapping(shop, 200, state=State.MISSING, odoo_product_id=None)
    _mapping(shop, 201, state=State.CONFLICT, odoo_product_id=None)

    done, text = _matching_step(merchant_client)

    assert not done
    assert "148 of 150 variants linked to Odoo products; 2 problems to fix on the product mapping." in text
    assert f'href="{reverse("products:page")}"' in text

    ProductMapping.objects.filter(shop=shop, state__in=[State.MISSING, State.CONFLICT]).update(
        state=State.IGNORED
    )
    done, text = _matching_step(merchant_client)

    assert done and "148 of 150 variants linked to Odoo products (2 ignored); no problem." in text


# -- tenancy and the embedded admin ------------------------------------------------------------------------------


@pytest.fixture
def foreign(db):
    other = Shop.objects.create(domain="other.myshopify.com", access_token="shpat_other")
    mapping = ProductMapping.objects.create(
        shop=other,
        shopify_product_id=9,
        shopify_variant_id=99,
        product_title="THEIR PRODUCT",
        sku="THEIR-SKU",
        state=State.MISSING,
    )
    run = CatalogueRun.objects.create(shop=other, status=CatalogueRun.Status.RUNNING, total=5)
    return {"mapping": mapping, "run": run}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("products:link", "mapping"),
        ("products:create", "mapping"),
        ("products:ignore", "mapping"),
        ("products:unignore", "mapping"),
        ("products:import_stop", "run"),
        ("products:import_resume", "run"),
    ],
)
def test_actions_on_another_shops_rows_are_refused(merchant_client, shop, foreign, name, key):
    response = merchant_client.post(reverse(name, args=[foreign[key].pk]), {"reference": "1"}, **HTMX)

    assert response.status_code == 404
    assert ProductMapping.objects.get(pk=foreign["mapping"].pk).state == State.MISSING
    run = CatalogueRun.objects.get(pk=foreign["run"].pk)
    assert run.status == CatalogueRun.Status.RUNNING and not run.stop_requested


def test_pages_show_only_the_merchants_shop(merchant_client, shop, foreign):
    pages = [
        _page(merchant_client),
        _page(merchant_client, state="problems"),
        _page(merchant_client, q="their-sku"),
        merchant_client.get(reverse("products:import_status")).content.decode(),
        merchant_client.get(reverse("products:summary")).content.decode(),
    ]

    for html in pages:
        assert "THEIR" not in html
    assert "No Shopify product imported yet" in pages[0]
    assert "Import products from Shopify" in pages[3] and "Running" not in pages[3]


def _token(settings):
    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP_DOMAIN}/admin",
        "dest": f"https://{SHOP_DOMAIN}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": "s1",
    }
    return jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    ("name", "heading"), [("products:page", "Products"), ("products:settings", "Catalogue")]
)
def test_the_pages_render_inside_the_shopify_admin(client, settings, shop, name, heading):
    _mapping(shop, 1)

    response = client.get(reverse(name), {"id_token": _token(settings), "shop": SHOP_DOMAIN, "embedded": "1"})

    html = response.content.decode()
    assert response.status_code == 200 and f'<s-page heading="{heading}"' in html
    assert (
        f'<s-link href="{reverse("products:page")}">Products</s-link>' in html
    )  # the admin's own sidebar (s-app-nav)


def test_a_fix_works_inside_the_shopify_admin_with_the_bearer_token(client, settings, shop):
    client.handler.enforce_csrf_checks = True
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)

    response = client.post(
        reverse("products:ignore", args=[mapping.pk]), HTTP_AUTHORIZATION=f"Bearer {_token(settings)}", **HTMX
    )

    assert response.status_code == 200
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.IGNORED


@pytest.mark.parametrize("name", ["products:page", "products:settings"])
def test_a_visitor_without_a_session_goes_to_the_login(client, shop, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# -- bad input never makes an error page ---------------------------------------------------------------------

ODD = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "1e9",
    "²",
    "<script>x</script>",
    "' OR 1=1 --",
    "\x00",
    "é" * 300,
]


@pytest.mark.parametrize("value", ODD)
def test_odd_query_parameters_give_a_page_not_an_error(merchant_client, shop, value):
    _mapping(shop, 1)

    for params in (
        {"page": value},
        {"state": value},
        {"q": value},
        {"q": value, "state": "problems", "page": value},
    ):
        response = merchant_client.get(reverse("products:page"), params)
        assert response.status_code == 200, params
        assert "<script>x</script>" not in response.content.decode()
    assert merchant_client.get(reverse("products:odoo_only"), {"after": value}, **HTMX).status_code == 200


@pytest.mark.parametrize("value", ODD)
def test_odd_link_references_are_refused_with_a_message(merchant_client, shop, odoo, value):
    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)

    response = merchant_client.post(reverse("products:link", args=[mapping.pk]), {"reference": value}, **HTMX)

    assert response.status_code == 200
    assert '<p class="error" role="alert">' in response.content.decode()
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.MISSING


def test_the_admin_lists_the_catalogue(client, shop, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-1")
    client.force_login(admin)
    _mapping(shop, 1)
    CatalogueRun.objects.create(shop=shop)
    CatalogueSettings.objects.create(shop=shop)

    for model in ("productmapping", "cataloguerun", "cataloguesettings", "productlink"):
        response = client.get(f"/admin/products/{model}/", {"q": "SKU"} if model == "productmapping" else {})
        assert response.status_code == 200, model


def test_with_a_lost_encryption_key_the_pages_render_and_a_fix_says_what_to_reconnect(
    merchant_client, shop, settings
):
    from cryptography.fernet import Fernet

    mapping = _mapping(shop, 1, state=State.MISSING, odoo_product_id=None)
    settings.SYNCO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    for name in ("products:page", "products:settings"):
        response = merchant_client.get(reverse(name))
        assert response.status_code == 200 and b'id="unreadable-secrets"' in response.content
    response = merchant_client.post(
        reverse("products:link", args=[mapping.pk]), {"reference": "SKU-MUG"}, **HTMX
    )

    assert response.status_code == 200
    assert "Odoo could not be asked:" in response.content.decode()
    assert ProductMapping.objects.get(pk=mapping.pk).state == State.MISSING


def test_the_link_box_suggests_odoo_products_as_the_merchant_types(merchant_client, shop, odoo):
    mug = _odoo_product(odoo, "SKU-MUG")

    by_name = merchant_client.get(reverse("products:odoo_suggestions"), {"reference": "stoneware"}, **HTMX)
    by_code = merchant_client.get(reverse("products:odoo_suggestions"), {"reference": "sku-tshirt"}, **HTMX)
    too_short = merchant_client.get(reverse("products:odoo_suggestions"), {"reference": "s"}, **HTMX)

    assert by_name.content.decode().strip() == (
        f'<option value="{mug["id"]}">[SKU-MUG] Stoneware Mug · id {mug["id"]}</option>'
    )
    assert by_code.content.decode().count("<option") == 3
    assert too_short.status_code == 200 and "<option" not in too_short.content.decode()


def test_the_suggestions_say_when_odoo_is_down(merchant_client, shop, odoo):
    odoo.control(down=True)

    response = merchant_client.get(reverse("products:odoo_suggestions"), {"reference": "mug"}, **HTMX)

    assert response.status_code == 200
    assert '<option value="" disabled>Odoo could not be asked:' in response.content.decode()
