"""The product mapping endpoints: the page's rows, filters and problems; the fixes write what Odoo confirmed;
import runs; shop-scoped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from api.keys import create_key
from products.models import CatalogueRun, CatalogueSettings, ProductLink, ProductMapping
from synclogs.models import SyncAttempt
from synco.models import Shop
from tests.api.conftest import client_with
from tests.products.test_pages import shopify_product  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
State = ProductMapping.State


def mapping(shop: Shop, variant: int, **fields: Any) -> ProductMapping:
    values: dict[str, Any] = {
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


@pytest.fixture
def api(shop: Shop) -> tuple[Any, Any]:
    """Read and write clients of the demo shop (connected to the Odoo sandbox)."""
    Shop.objects.filter(pk=shop.pk).update(currency="EUR")
    _, read = create_key(shop, "read", "read")
    _, write = create_key(shop, "ops", "write")
    return client_with(read), client_with(write)


def test_the_mappings_list_each_variant_with_its_odoo_product_and_problems(shop, odoo, api, other_shop):
    read, _ = api
    linked = mapping(shop, 1)
    missing = mapping(
        shop,
        2,
        state=State.MISSING,
        odoo_product_id=None,
        matched_by="",
        problem="No Odoo product has the SKU.",
    )
    mapping(other_shop.shop, 1)

    answer = read.get("/api/v1/products/mappings/")

    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["id"] for row in rows] == [linked.pk, missing.pk]
    first = rows[0]
    assert first == {
        "id": linked.pk,
        "shopify_product_id": 100,
        "shopify_variant_id": 1,
        "product_title": "Product 001",
        "variant_title": "Size 1",
        "sku": "SKU-001",
        "barcode": "BAR001",
        "price": "12.50",
        "currency": "EUR",
        "odoo_product_id": 501,
        "odoo_template_id": None,
        "odoo_url": f"http://127.0.0.1:{odoo.port}/odoo/product.product/501",
        "state": "linked",
        "matched_by": "sku",
        "problem": "",
        "problems": [],
        "updated_at": first["updated_at"],
    }
    assert "+" in first["updated_at"] or first["updated_at"].endswith("Z")
    assert rows[1]["problems"][0]["kind"] == "missing"
    assert rows[1]["problems"][0]["blocking"] is True
    assert set(rows[1]["problems"][0]["fixes"]) == {"link", "create", "ignore"}


def test_the_problems_filter_and_the_search_are_the_pages(keyed):
    fine = mapping(keyed.shop, 1)
    twin_a = mapping(keyed.shop, 2, sku="TWIN")
    twin_b = mapping(keyed.shop, 3, sku="TWIN")
    cafe = mapping(keyed.shop, 4, product_title="Café crème", state=State.IGNORED)

    def ids(query: str) -> list[int]:
        answer = keyed.read.get(f"/api/v1/products/mappings/?{query}")
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert ids("state=problems") == [twin_a.pk, twin_b.pk]
    assert ids("state=ignored") == [cafe.pk]
    assert ids("q=CAFE") == [cafe.pk]
    assert ids("q=twin&state=linked") == [twin_a.pk, twin_b.pk]
    assert ids("") == [fine.pk, twin_a.pk, twin_b.pk, cafe.pk]
    twin = keyed.read.get(f"/api/v1/products/mappings/{twin_a.pk}/").json()
    assert [p["kind"] for p in twin["problems"]] == ["duplicate_sku"]


def test_bad_filters_are_400_with_field_errors(keyed):
    answer = keyed.read.get("/api/v1/products/mappings/", {"state": "broken", "q": "x" * 101})

    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"state", "q"}


def test_a_page_of_mappings_costs_the_same_queries_for_any_size(keyed, django_assert_max_num_queries):
    ProductMapping.objects.bulk_create(
        ProductMapping(
            shop=keyed.shop,
            shopify_product_id=n,
            shopify_variant_id=n,
            sku=f"SKU-{n % 150}",
            state=State.LINKED if n % 3 else State.MISSING,
        )
        for n in range(1, 401)
    )
    seen: list[int] = []
    url: str | None = "/api/v1/products/mappings/?limit=200&state=problems"
    while url:
        with django_assert_max_num_queries(8):
            body = keyed.read.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == ProductMapping.objects.filter(shop=keyed.shop).count()


def test_another_shops_mapping_is_404_for_reads_and_fixes(keyed, other_shop):
    theirs = mapping(other_shop.shop, 1, state=State.MISSING, odoo_product_id=None)

    assert keyed.read.get(f"/api/v1/products/mappings/{theirs.pk}/").status_code == 404
    for action in ("link", "create", "ignore", "unignore"):
        answer = keyed.write.post(
            f"/api/v1/products/mappings/{theirs.pk}/{action}/", {"reference": "1"}, format="json"
        )
        assert answer.status_code == 404, action
    assert ProductMapping.objects.get(pk=theirs.pk).state == State.MISSING


def test_a_read_key_cannot_fix(keyed):
    row = mapping(keyed.shop, 1, state=State.MISSING, odoo_product_id=None)

    for action in ("link", "create", "ignore", "unignore"):
        answer = keyed.read.post(
            f"/api/v1/products/mappings/{row.pk}/{action}/", {"reference": "1"}, format="json"
        )
        assert answer.status_code == 403, action
    assert keyed.read.post("/api/v1/products/imports/").status_code == 403
    assert ProductMapping.objects.get(pk=row.pk).state == State.MISSING
    assert not CatalogueRun.objects.exists()


def test_link_by_internal_reference_links_the_variant_after_odoo_confirmed_it(shop, odoo, api):
    _, write = api
    [mug] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", "SKU-MUG"]], fields=["id", "product_tmpl_id"]
    )
    row = mapping(shop, 1, sku="MUG-IN-SHOPIFY", state=State.MISSING, odoo_product_id=None, matched_by="")

    answer = write.post(f"/api/v1/products/mappings/{row.pk}/link/", {"reference": "SKU-MUG"}, format="json")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["message"].startswith("Linked to the Odoo product")
    assert (body["mapping"]["state"], body["mapping"]["odoo_product_id"], body["mapping"]["matched_by"]) == (
        "linked",
        mug["id"],
        "manual",
    )
    row.refresh_from_db()
    assert (row.state, row.odoo_product_id, row.odoo_template_id) == (
        State.LINKED,
        mug["id"],
        mug["product_tmpl_id"][0],
    )
    assert ProductLink.objects.get(shop=shop, sku="MUG-IN-SHOPIFY").odoo_product_id == mug["id"]
    assert SyncAttempt.objects.get(shop=shop, operation="link_product").message.startswith(
        "API key 'ops' linked the Shopify variant 'Product 001 / Size 1'"
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "Type the Odoo product's id or its internal reference."),
        ("NO-SUCH-CODE", "No Odoo product has the internal reference 'NO-SUCH-CODE'."),
    ],
)
def test_link_to_an_unknown_product_is_400_and_changes_nothing(shop, odoo, api, reference, message):
    _, write = api
    row = mapping(shop, 1, state=State.MISSING, odoo_product_id=None)

    answer = write.post(f"/api/v1/products/mappings/{row.pk}/link/", {"reference": reference}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"reference": [message]}
    row.refresh_from_db()
    assert row.state == State.MISSING and row.odoo_product_id is None
    assert not ProductLink.objects.filter(shop=shop).exists()
    assert not SyncAttempt.objects.filter(shop=shop).exists()


def test_link_while_odoo_is_down_is_503_with_retry_after(shop, odoo, api):
    _, write = api
    row = mapping(shop, 1, state=State.MISSING, odoo_product_id=None)
    odoo.control(down=True)

    answer = write.post(f"/api/v1/products/mappings/{row.pk}/link/", {"reference": "SKU-MUG"}, format="json")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "60"
    assert answer.json()["error"]["message"].startswith("Odoo could not be asked")
    assert ProductMapping.objects.get(pk=row.pk).state == State.MISSING


def test_create_makes_the_missing_product_in_odoo(shop, odoo, api, shopify_product):  # noqa: F811
    from products.imports import import_product_ids

    _, write = api
    CatalogueSettings.objects.update_or_create(shop=shop, defaults={"create_missing": False})
    import_product_ids(shop.pk, [shopify_product])
    small = ProductMapping.objects.get(shop=shop, sku="LAMP-S")
    assert small.state == State.MISSING

    answer = write.post(f"/api/v1/products/mappings/{small.pk}/create/")

    assert answer.status_code == 200, answer.content
    [created] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", "LAMP-S"]], fields=["id"]
    )
    assert answer.json()["message"] == f"Created in Odoo: Odoo product id {created['id']}."
    small.refresh_from_db()
    assert (small.state, small.odoo_product_id, small.matched_by) == (State.LINKED, created["id"], "created")


def test_fixes_that_do_not_apply_are_409(keyed):
    linked = mapping(keyed.shop, 1)
    deleted = mapping(keyed.shop, 2, state=State.DELETED)

    create = keyed.write.post(f"/api/v1/products/mappings/{linked.pk}/create/")
    unignore = keyed.write.post(f"/api/v1/products/mappings/{linked.pk}/unignore/")
    ignore = keyed.write.post(f"/api/v1/products/mappings/{deleted.pk}/ignore/")
    link = keyed.write.post(
        f"/api/v1/products/mappings/{deleted.pk}/link/", {"reference": "X"}, format="json"
    )

    assert [a.status_code for a in (create, unignore, ignore, link)] == [409] * 4
    assert (
        create.json()["error"]["message"] == "Only a missing product can be created; this variant is linked."
    )
    assert unignore.json()["error"]["message"] == "This variant is not ignored."
    assert ProductMapping.objects.get(pk=deleted.pk).state == State.DELETED


def test_ignore_and_unignore(keyed):
    row = mapping(keyed.shop, 1, state=State.MISSING, odoo_product_id=None, problem="No Odoo product has it.")

    ignored = keyed.write.post(f"/api/v1/products/mappings/{row.pk}/ignore/")

    assert ignored.status_code == 200
    assert ignored.json()["mapping"]["state"] == "ignored" and ignored.json()["mapping"]["problems"] == []
    assert ProductMapping.objects.get(pk=row.pk).state == State.IGNORED
    assert keyed.read.get("/api/v1/products/").json()["unresolved"] == 0

    unignored = keyed.write.post(f"/api/v1/products/mappings/{row.pk}/unignore/")

    assert unignored.json()["mapping"]["state"] == "missing"
    assert ProductMapping.objects.get(pk=row.pk).state == State.MISSING
    assert keyed.read.get("/api/v1/products/").json()["unresolved"] == 1


def test_the_summary_counts_this_shop_only(keyed, other_shop):
    mapping(keyed.shop, 1)
    mapping(keyed.shop, 2, state=State.MISSING, odoo_product_id=None)
    mapping(other_shop.shop, 1, state=State.MISSING, odoo_product_id=None)

    body = keyed.read.get("/api/v1/products/").json()

    assert (body["total"], body["linked"], body["missing"], body["unresolved"]) == (2, 1, 1, 1)


def test_odoo_only_and_suggestions_read_odoo(shop, odoo, api):
    read, _ = api
    mapping(shop, 1, sku="SKU-MUG")

    page = read.get("/api/v1/products/odoo-only/")
    suggestions = read.get("/api/v1/products/odoo-suggestions/", {"reference": "SKU-TO"})

    assert page.status_code == 200
    codes = [p["default_code"] for p in page.json()["products"]]
    assert "SKU-TOTE" in codes and "SKU-MUG" not in codes
    assert suggestions.status_code == 200
    assert "SKU-TOTE" in [p["default_code"] for p in suggestions.json()]
    assert read.get("/api/v1/products/odoo-only/", {"after": "-1"}).status_code == 400
    assert read.get("/api/v1/products/odoo-suggestions/", {"reference": "x"}).status_code == 400


def test_an_import_is_queued_once_stopped_and_resumed(keyed, other_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = keyed.write.post("/api/v1/products/imports/")

    assert started.status_code == 202
    run = CatalogueRun.objects.get(shop=keyed.shop)
    assert started.json()["run"]["id"] == run.pk and started.json()["run"]["status"] == "queued"
    assert len(callbacks) == 1
    again = keyed.write.post("/api/v1/products/imports/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "import_running"
    assert CatalogueRun.objects.filter(shop=keyed.shop).count() == 1

    stopped = keyed.write.post(f"/api/v1/products/imports/{run.pk}/stop/")
    assert stopped.status_code == 200
    run.refresh_from_db()
    assert run.stop_requested or run.status == CatalogueRun.Status.STOPPED

    assert [r["id"] for r in keyed.read.get("/api/v1/products/imports/").json()["results"]] == [run.pk]
    assert other_shop.read.get(f"/api/v1/products/imports/{run.pk}/").status_code == 404
    assert other_shop.write.post(f"/api/v1/products/imports/{run.pk}/stop/").status_code == 404
    assert other_shop.read.get("/api/v1/products/imports/").json()["results"] == []


def test_a_stopped_import_is_resumed(keyed, django_capture_on_commit_callbacks):
    run = CatalogueRun.objects.create(
        shop=keyed.shop, status=CatalogueRun.Status.STOPPED, total=10, done=4, result_url="http://x/file"
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resumed = keyed.write.post(f"/api/v1/products/imports/{run.pk}/resume/")

    assert resumed.status_code == 202, resumed.content
    assert len(callbacks) == 1
    assert CatalogueRun.objects.get(pk=run.pk).status == CatalogueRun.Status.QUEUED
    done = CatalogueRun.objects.create(shop=keyed.shop, status=CatalogueRun.Status.DONE)
    assert keyed.write.post(f"/api/v1/products/imports/{done.pk}/resume/").status_code == 409
