"""The catalogue import against both sandboxes: what Odoo holds afterwards, what Synco remembers, and the calls."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from products import imports
from products.imports import ImportRefusedError, import_products, run_product_import, start_product_import
from products.models import CatalogueRun, CatalogueSettings, ProductLink, ProductMapping
from synclogs.models import SyncAttempt
from synco import xmlids
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo import catalog as odoo_catalog
from synco.shopify import catalog
from synco.shopify.catalog import ShopifyProduct
from tests.conftest import SHOP_DOMAIN

pytestmark = pytest.mark.django_db
State = ProductMapping.State


@pytest.fixture
def demo_shop(shop: Shop, shopify: Any) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    return shop


@pytest.fixture
def add_product(shopify: Any) -> Iterator[Callable[..., int]]:
    """Add a product to the Shopify sandbox (shared by the session); removed again after the test."""
    from sandboxes.shopify import products

    store = shopify.server.store
    added: list[int] = []

    def add(
        title: str, options: list[tuple[str, list[str]]], variants: list[dict[str, Any]], **kw: Any
    ) -> int:
        product = store.transact(
            lambda s: products.add_product(s, SHOP_DOMAIN, title, options, variants, **kw)
        )
        added.append(int(product["id"]))
        return int(product["id"])

    yield add
    for product_id in added:
        store.transact(lambda s, pid=product_id: _delete_if_present(s, pid))


def _delete_if_present(state: Any, product_id: int) -> None:
    from sandboxes.shopify import products

    if products.product(state, SHOP_DOMAIN, product_id) is not None:
        products.delete_product(state, SHOP_DOMAIN, product_id)


def _edit(shopify: Any, fn: Callable[[Any], Any]) -> Any:
    return shopify.server.store.transact(fn)


def fetch(shop: Shop, product_id: int) -> ShopifyProduct:
    product = catalog.fetch_product(shopify_client_for(shop), product_id)
    assert product is not None
    return product


def run(shop: Shop, products: list[ShopifyProduct], **kw: Any) -> tuple[imports.ImportSummary, int]:
    client = odoo_client_for(shop)
    try:
        summary = import_products(shop, client, products, **kw)
        return summary, client.rpc_calls
    finally:
        client.close()


def tee(add_product: Callable[..., int], prefix: str = "TEE", **kw: Any) -> int:
    """Size x Color, additive prices (M +2, Blue +1), each variant with its SKU and barcode."""
    prices = {"S": 20, "M": 22}
    rows = [
        {
            "options": [size, color],
            "sku": f"{prefix}-{size}-{color}",
            "barcode": f"{prefix}{size}{color}"[:13] + str(n),
            "price": str(prices[size] + (1 if color == "Blue" else 0)),
            "cost": "8.00",
            "weight": 200,
            "weight_unit": "GRAMS",
        }
        for n, (size, color) in enumerate((s, c) for s in ("S", "M") for c in ("Red", "Blue"))
    ]
    return add_product(f"{prefix} Tee", [("Size", ["S", "M"]), ("Color", ["Red", "Blue"])], rows, **kw)


def template_of(odoo: Any, shop: Shop, product_id: int) -> int:
    name = xmlids.product_xmlid(shop.domain, product_id)
    rows = odoo.execute(
        "ir.model.data", "search_read", [["module", "=", "shopify"], ["name", "=", name]], fields=["res_id"]
    )
    assert len(rows) == 1, f"no template for {name}"
    return int(rows[0]["res_id"])


def variants_of(odoo: Any, template_id: int) -> list[dict[str, Any]]:
    return odoo.execute(
        "product.product",
        "search_read",
        [["product_tmpl_id", "=", template_id]],
        fields=["default_code", "barcode", "lst_price", "standard_price", "weight", "active", "display_name"],
        context={"active_test": False},
    )


def count(odoo: Any, model: str) -> int:
    return int(odoo.execute(model, "search_count", [], context={"active_test": False}))


# -- creating ------------------------------------------------------------------------------------------------


def test_it_creates_one_template_with_real_variants_codes_and_prices(demo_shop, odoo, add_product):
    product_id = tee(add_product, "CRT", description_html="<p>Soft &amp; <b>warm</b></p>")
    product = fetch(demo_shop, product_id)

    summary, _ = run(demo_shop, [product])

    template_id = template_of(odoo, demo_shop, product_id)
    [template] = odoo.execute(
        "product.template",
        "read",
        [template_id],
        fields=["name", "list_price", "description_sale", "attribute_line_ids", "active"],
    )
    assert (template["name"], template["list_price"], template["description_sale"]) == (
        "CRT Tee",
        20.0,
        "Soft & warm",
    )
    assert len(template["attribute_line_ids"]) == 2
    by_code = {v["default_code"]: v for v in variants_of(odoo, template_id)}
    assert sorted(by_code) == ["CRT-M-Blue", "CRT-M-Red", "CRT-S-Blue", "CRT-S-Red"]
    assert {code: v["lst_price"] for code, v in by_code.items()} == {
        "CRT-S-Red": 20.0,
        "CRT-S-Blue": 21.0,
        "CRT-M-Red": 22.0,
        "CRT-M-Blue": 23.0,
    }
    assert all(v["standard_price"] == 8.0 and v["weight"] == 0.2 and v["active"] for v in by_code.values())
    for variant in product.variants:
        assert by_code[variant.sku]["barcode"] == variant.barcode
        assert f"{variant.options[0][1]}, {variant.options[1][1]}" in by_code[variant.sku]["display_name"]
    rows = {m.sku: m for m in ProductMapping.objects.filter(shop=demo_shop)}
    assert {m.state for m in rows.values()} == {State.LINKED}
    assert {m.matched_by for m in rows.values()} == {"created"}
    assert {sku: m.odoo_product_id for sku, m in rows.items()} == {sku: v["id"] for sku, v in by_code.items()}
    links = dict(ProductLink.objects.filter(shop=demo_shop).values_list("sku", "odoo_product_id"))
    assert links == {sku: v["id"] for sku, v in by_code.items()}
    assert (summary.created, summary.linked, summary.failed) == (4, 0, 0)
    log = SyncAttempt.objects.get(shop=demo_shop, operation="import_products")
    assert log.status == SyncAttempt.Status.SUCCESS and "4 variants created" in log.message


def test_a_rerun_with_nothing_changed_makes_no_odoo_call_and_no_copy(demo_shop, odoo, add_product):
    product = fetch(demo_shop, tee(add_product, "RRN"))
    run(demo_shop, [product])
    templates, variants = count(odoo, "product.template"), count(odoo, "product.product")
    logs = SyncAttempt.objects.count()
    stamps = dict(ProductMapping.objects.values_list("pk", "updated_at"))

    summary, calls = run(demo_shop, [fetch(demo_shop, product.id)])

    assert calls == 0
    assert (summary.unchanged, summary.created, summary.updated) == (4, 0, 0)
    assert (count(odoo, "product.template"), count(odoo, "product.product")) == (templates, variants)
    assert SyncAttempt.objects.count() == logs  # an unchanged batch leaves no log row
    assert dict(ProductMapping.objects.values_list("pk", "updated_at")) == stamps  # nor a row write


def test_a_lost_mapping_finds_the_template_by_its_external_id(demo_shop, odoo, add_product):
    product = fetch(demo_shop, tee(add_product, "XID"))
    run(demo_shop, [product])
    before = {m.shopify_variant_id: m.odoo_product_id for m in ProductMapping.objects.all()}
    templates = count(odoo, "product.template")
    ProductMapping.objects.all().delete()

    summary, _ = run(demo_shop, [product])

    assert count(odoo, "product.template") == templates
    after = {m.shopify_variant_id: m.odoo_product_id for m in ProductMapping.objects.all()}
    assert after == before
    assert set(ProductMapping.objects.values_list("matched_by", flat=True)) == {"external id"}
    assert summary.linked == 4


def test_combinations_shopify_does_not_sell_are_archived_in_odoo(demo_shop, odoo, add_product):
    rows = [
        {"options": ["S", "Red"], "sku": "GAP-S-R", "price": "10"},
        {"options": ["M", "Red"], "sku": "GAP-M-R", "price": "12"},
        {"options": ["M", "Blue"], "sku": "GAP-M-B", "price": "13"},
    ]
    product_id = add_product("Gap Tee", [("Size", ["S", "M"]), ("Color", ["Red", "Blue"])], rows)

    run(demo_shop, [fetch(demo_shop, product_id)])

    variants = variants_of(odoo, template_of(odoo, demo_shop, product_id))
    assert len(variants) == 4
    assert sorted((v["default_code"] or "", v["active"], v["lst_price"]) for v in variants) == [
        ("", False, 11.0),  # S / Blue: Odoo made it, Shopify does not sell it
        ("GAP-M-B", True, 13.0),
        ("GAP-M-R", True, 12.0),
        ("GAP-S-R", True, 10.0),
    ]


def test_prices_that_are_not_additive_keep_the_lowest_and_say_why(demo_shop, odoo, add_product):
    rows = [
        {"options": ["S", "Red"], "sku": "NAD-S-R", "price": "10"},
        {"options": ["S", "Blue"], "sku": "NAD-S-B", "price": "11"},
        {"options": ["M", "Red"], "sku": "NAD-M-R", "price": "12"},
        {"options": ["M", "Blue"], "sku": "NAD-M-B", "price": "14"},
    ]
    product_id = add_product("Odd Tee", [("Size", ["S", "M"]), ("Color", ["Red", "Blue"])], rows)

    run(demo_shop, [fetch(demo_shop, product_id)])

    variants = variants_of(odoo, template_of(odoo, demo_shop, product_id))
    assert {v["lst_price"] for v in variants} == {10.0}
    mappings = ProductMapping.objects.filter(shop=demo_shop, shopify_product_id=product_id)
    assert {m.state for m in mappings} == {State.LINKED}
    assert all(m.problem.startswith("Prices differ per variant") for m in mappings)


def test_a_service_and_an_archived_product_arrive_as_such(demo_shop, odoo, add_product):
    service = add_product(
        "Engraving", [], [{"sku": "SRV-ENGRAVE", "price": "5", "tracked": False, "requires_shipping": False}]
    )
    archived = add_product("Old Tee", [], [{"sku": "SRV-OLD", "price": "9"}], status="ARCHIVED")

    run(demo_shop, [fetch(demo_shop, service), fetch(demo_shop, archived)])

    [engraving] = odoo.execute(
        "product.template", "read", [template_of(odoo, demo_shop, service)], fields=["type"]
    )
    assert engraving["type"] == "service"
    [old] = odoo.execute(
        "product.template", "read", [template_of(odoo, demo_shop, archived)], fields=["active", "type"]
    )
    assert old["active"] is False and old["type"] == "consu"


# -- matching what Odoo already has ----------------------------------------------------------------------------


def test_it_links_odoo_products_by_sku_archived_ones_included_and_creates_nothing(
    demo_shop, odoo, add_product
):
    [existing] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", "SKU-MUG"]], fields=["id", "product_tmpl_id"]
    )
    odoo.execute("product.product", "write", [existing["id"]], {"active": False})
    mug = add_product("Stoneware Mug (Shopify)", [], [{"sku": "SKU-MUG", "barcode": "", "price": "12.00"}])
    templates = count(odoo, "product.template")

    summary, _ = run(demo_shop, [fetch(demo_shop, mug)])

    assert count(odoo, "product.template") == templates
    mapping = ProductMapping.objects.get(shop=demo_shop, shopify_product_id=mug)
    assert (mapping.state, mapping.matched_by, mapping.odoo_product_id) == (
        State.LINKED,
        "sku",
        existing["id"],
    )
    assert ProductLink.objects.get(shop=demo_shop, sku="SKU-MUG").odoo_product_id == existing["id"]
    assert summary.linked == 1


def test_barcode_matches_when_the_sku_does_not(demo_shop, odoo, add_product):
    [cap] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", "SKU-CAP"]], fields=["barcode"]
    )
    product_id = add_product("Cap", [], [{"sku": "", "barcode": cap["barcode"], "price": "18"}])

    run(demo_shop, [fetch(demo_shop, product_id)])

    mapping = ProductMapping.objects.get(shopify_product_id=product_id)
    assert (mapping.state, mapping.matched_by, mapping.odoo_product_id) == (
        State.LINKED,
        "barcode",
        cap["id"],
    )
    assert ProductLink.objects.filter(shop=demo_shop, sku=f"barcode:{cap['barcode']}").exists()


def test_the_same_sku_on_two_odoo_products_is_a_conflict_not_a_guess(demo_shop, odoo, add_product):
    for name in ("Twin A", "Twin B"):
        odoo.execute("product.product", "create", {"name": name, "default_code": "TWIN-1"})
    templates = count(odoo, "product.template")
    product_id = add_product("Twin", [], [{"sku": "TWIN-1", "price": "5"}])

    summary, _ = run(demo_shop, [fetch(demo_shop, product_id)])

    mapping = ProductMapping.objects.get(shopify_product_id=product_id)
    assert mapping.state == State.CONFLICT and mapping.odoo_product_id is None
    assert mapping.problem.startswith("Several Odoo products have the SKU 'TWIN-1'")
    assert count(odoo, "product.template") == templates
    assert not ProductLink.objects.filter(shop=demo_shop, sku="TWIN-1").exists()
    assert summary.problems == 1


def test_the_same_sku_on_two_shopify_variants_is_a_conflict(demo_shop, odoo, add_product):
    first = add_product("Dup One", [], [{"sku": "DUP-SKU", "price": "5"}])
    second = add_product("Dup Two", [], [{"sku": "DUP-SKU", "price": "6"}])

    run(demo_shop, [fetch(demo_shop, first), fetch(demo_shop, second)])

    mappings = ProductMapping.objects.filter(shop=demo_shop, sku="DUP-SKU")
    assert {m.state for m in mappings} == {State.CONFLICT}
    assert all(
        "The SKU 'DUP-SKU' is on several Shopify variants: 'Dup One', 'Dup Two'" in m.problem
        for m in mappings
    )
    assert not ProductLink.objects.filter(shop=demo_shop, sku="DUP-SKU").exists()
    codes = odoo.execute("product.product", "search_read", [["default_code", "=", "DUP-SKU"]], fields=["id"])
    assert codes == []  # never written twice into Odoo


def test_create_missing_off_leaves_unmatched_variants_missing(demo_shop, odoo, add_product):
    CatalogueSettings.objects.update_or_create(shop=demo_shop, defaults={"create_missing": False})
    product_id = add_product("Nowhere", [], [{"sku": "NOWHERE-1", "price": "5"}])
    templates = count(odoo, "product.template")

    run(demo_shop, [fetch(demo_shop, product_id)])

    mapping = ProductMapping.objects.get(shopify_product_id=product_id)
    assert mapping.state == State.MISSING
    assert mapping.problem.startswith("No Odoo product has the SKU 'NOWHERE-1'")
    assert count(odoo, "product.template") == templates


# -- updates and ownership -------------------------------------------------------------------------------------


def test_an_update_writes_only_what_shopify_owns_and_changed(demo_shop, odoo, add_product, shopify):
    from sandboxes.shopify import products

    CatalogueSettings.objects.update_or_create(shop=demo_shop, defaults={"name_owner": "odoo"})
    product_id = tee(add_product, "UPD")
    run(demo_shop, [fetch(demo_shop, product_id)])
    template_id = template_of(odoo, demo_shop, product_id)
    # the merchant edits the description in Odoo; Shopify changes the title, the price and a cost
    odoo.execute("product.template", "write", [template_id], {"description_sale": "Written in Odoo"})
    product = fetch(demo_shop, product_id)
    first = product.variants[0]
    _edit(shopify, lambda s: products.update_product(s, SHOP_DOMAIN, product_id, title="Renamed Tee"))
    for variant in product.variants:
        _edit(
            shopify,
            lambda s, v=variant: products.update_variant(
                s, SHOP_DOMAIN, v.id, price=str(v.price + 5), **({"cost": "9.50"} if v.id == first.id else {})
            ),
        )

    summary, calls = run(demo_shop, [fetch(demo_shop, product_id)])

    [template] = odoo.execute(
        "product.template", "read", [template_id], fields=["name", "list_price", "description_sale"]
    )
    assert template == {
        "id": template_id,
        "name": "UPD Tee",
        "list_price": 25.0,
        "description_sale": "Written in Odoo",
    }
    by_code = {v["default_code"]: v for v in variants_of(odoo, template_id)}
    assert by_code[first.sku]["standard_price"] == 8.0  # cost belongs to Odoo by default
    assert by_code["UPD-M-Blue"]["lst_price"] == 28.0
    assert summary.updated == 4
    assert calls == 1  # one write_templates load: the extras did not change


def test_archiving_in_shopify_archives_the_template_when_shopify_owns_active(
    demo_shop, odoo, add_product, shopify
):
    from sandboxes.shopify import products

    product_id = tee(add_product, "ARC")
    run(demo_shop, [fetch(demo_shop, product_id)])
    _edit(shopify, lambda s: products.update_product(s, SHOP_DOMAIN, product_id, status="ARCHIVED"))

    run(demo_shop, [fetch(demo_shop, product_id)])

    template_id = template_of(odoo, demo_shop, product_id)
    [template] = odoo.execute("product.template", "read", [template_id], fields=["active"])
    assert template["active"] is False
    assert not any(v["active"] for v in variants_of(odoo, template_id))


def test_a_new_variant_in_shopify_is_added_to_the_template(demo_shop, odoo, add_product):
    import dataclasses

    rows = [
        {"options": [size], "sku": f"GROW-{size}", "price": str(price)}
        for size, price in (("S", 10), ("M", 11), ("L", 13))
    ]
    grown = fetch(demo_shop, add_product("Grow Tee", [("Size", ["S", "M", "L"])], rows))
    # as it was before Shopify gained the size L
    before = dataclasses.replace(
        grown,
        options=(dataclasses.replace(grown.options[0], values=("S", "M")),),
        variants=grown.variants[:2],
    )
    run(demo_shop, [before])
    template_id = template_of(odoo, demo_shop, grown.id)

    summary, _ = run(demo_shop, [grown])

    by_code = {v["default_code"]: v for v in variants_of(odoo, template_id)}
    assert sorted(by_code) == ["GROW-L", "GROW-M", "GROW-S"]
    assert by_code["GROW-L"]["lst_price"] == 13.0 and by_code["GROW-L"]["active"]
    assert ProductMapping.objects.get(sku="GROW-L").odoo_product_id == by_code["GROW-L"]["id"]
    # the new size's extra price is written on the template: its other variants count as updated
    assert (summary.linked, summary.created, summary.updated) == (1, 0, 2)


def test_a_variant_removed_in_shopify_is_archived_in_odoo(demo_shop, odoo, add_product):
    import dataclasses

    rows = [{"options": [size], "sku": f"SHRINK-{size}", "price": "10"} for size in ("S", "M", "L")]
    full = fetch(demo_shop, add_product("Shrink Tee", [("Size", ["S", "M", "L"])], rows))
    run(demo_shop, [full])
    shrunk = dataclasses.replace(
        full, options=(dataclasses.replace(full.options[0], values=("S", "M")),), variants=full.variants[:2]
    )

    run(demo_shop, [shrunk])

    by_code = {v["default_code"]: v for v in variants_of(odoo, template_of(odoo, demo_shop, full.id))}
    assert {code: v["active"] for code, v in by_code.items()} == {
        "SHRINK-S": True,
        "SHRINK-M": True,
        "SHRINK-L": False,
    }
    removed = ProductMapping.objects.get(sku="SHRINK-L")
    assert removed.state == State.DELETED
    assert removed.problem == "Removed from the product in Shopify; archived in Odoo."


# -- deletion -------------------------------------------------------------------------------------------------


def test_a_deleted_product_is_archived_never_deleted(demo_shop, odoo, add_product):
    product_id = tee(add_product, "DEL")
    run(demo_shop, [fetch(demo_shop, product_id)])
    template_id = template_of(odoo, demo_shop, product_id)

    client = odoo_client_for(demo_shop)
    _, text = imports.archive_deleted_product(demo_shop, client, product_id)

    [template] = odoo.execute("product.template", "read", [template_id], fields=["active"])
    assert template["active"] is False
    assert len(variants_of(odoo, template_id)) == 4
    assert set(
        ProductMapping.objects.filter(shopify_product_id=product_id).values_list("state", flat=True)
    ) == {State.DELETED}
    assert "archived 1 Odoo template(s)" in text


# -- Odoo refusing one product --------------------------------------------------------------------------------


def test_a_product_odoo_refuses_never_blocks_the_others(demo_shop, odoo, add_product):
    OrderRules.objects.filter(shop=demo_shop).update(product_match=OrderRules.ProductMatch.SKU_ONLY)
    [mug] = odoo.execute(
        "product.product", "search_read", [["default_code", "=", "SKU-MUG"]], fields=["barcode"]
    )
    good_1 = add_product("Fine One", [], [{"sku": "FINE-1", "barcode": "7700000000011", "price": "5"}])
    bad = add_product("Clash", [], [{"sku": "CLASH-1", "barcode": mug["barcode"], "price": "5"}])
    good_2 = add_product("Fine Two", [], [{"sku": "FINE-2", "barcode": "7700000000028", "price": "5"}])

    summary, _ = run(demo_shop, [fetch(demo_shop, good_1), fetch(demo_shop, bad), fetch(demo_shop, good_2)])

    states = dict(ProductMapping.objects.values_list("sku", "state"))
    assert states == {"FINE-1": State.LINKED, "FINE-2": State.LINKED, "CLASH-1": State.MISSING}
    clash = ProductMapping.objects.get(sku="CLASH-1")
    assert clash.problem.startswith("Odoo refused it: ") and "barcode" in clash.problem.lower()
    assert summary.failed == 1 and summary.created == 2
    failed = SyncAttempt.objects.get(status=SyncAttempt.Status.FAILED)
    assert failed.message.startswith("Product 'Clash' not imported: Odoo refused it")
    assert not ProductLink.objects.filter(sku="CLASH-1").exists()


def test_halving_isolates_a_refused_product_odoo_does_not_name(demo_shop, odoo, add_product, monkeypatch):
    ids = [add_product(f"Half {n}", [], [{"sku": f"HALF-{n}", "price": "5"}]) for n in range(5)]
    products = [fetch(demo_shop, pid) for pid in ids]
    original = odoo_catalog.create_templates
    batches: list[list[str]] = []

    def refuse_half_2(client, specs):
        batches.append([spec.values["name"] for spec in specs])
        if any(spec.values["name"] == "Half 2" for spec in specs):
            raise odoo_catalog.PermanentGatewayError("Odoo refused the product import: a constraint failed.")
        return original(client, specs)

    monkeypatch.setattr(odoo_catalog, "create_templates", refuse_half_2)

    summary, _ = run(demo_shop, products)

    states = dict(ProductMapping.objects.values_list("sku", "state"))
    assert states == {f"HALF-{n}": State.MISSING if n == 2 else State.LINKED for n in range(5)}
    assert (
        ProductMapping.objects.get(sku="HALF-2").problem
        == "Odoo refused the product import: a constraint failed."
    )
    assert batches[0] == [f"Half {n}" for n in range(5)] and ["Half 2"] in batches
    assert (summary.created, summary.failed) == (4, 1)


# -- full import -----------------------------------------------------------------------------------------------


def _drive(run_id: int, *, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        delay = run_product_import(run_id)
        if delay is None:
            return
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_the_full_import_brings_the_demo_catalogue_in(demo_shop, odoo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = start_product_import(demo_shop.pk)
    assert len(callbacks) == 1

    _drive(started.pk)

    run_row = CatalogueRun.objects.get(pk=started.pk)
    assert run_row.status == CatalogueRun.Status.DONE, run_row.error
    assert run_row.done == run_row.total > 0
    assert run_row.failed == 0
    assert not ProductMapping.objects.filter(state__in=(State.MISSING, State.CONFLICT)).exists()
    shopify_variants = sum(len(p.variants) for p in catalog.iter_products(shopify_client_for(demo_shop)))
    assert ProductMapping.objects.filter(shop=demo_shop).count() == shopify_variants
    assert run_row.created + run_row.linked == ProductMapping.objects.filter(state=State.LINKED).count()
    # the demo's catalogue items are linked to Odoo's products by SKU; the Shopify-only ones were created
    assert ProductMapping.objects.get(sku="SKU-MUG").matched_by == "sku"
    trail = ProductMapping.objects.filter(product_title="Trail Runner")
    assert trail.count() == 6 and {m.matched_by for m in trail} == {"created"}
    assert CatalogueSettings.objects.get(shop=demo_shop).products_swept_until == run_row.started_at

    again = start_product_import(demo_shop.pk)
    client_calls: list[int] = []
    original = imports.import_products

    def counted(*args, **kw):
        summary = original(*args, **kw)
        client_calls.append(summary.odoo_calls)
        return summary

    imports.import_products = counted  # type: ignore[assignment]
    try:
        _drive(again.pk)
    finally:
        imports.import_products = original  # type: ignore[assignment]
    assert CatalogueRun.objects.get(pk=again.pk).created == 0
    assert client_calls == [0]


def test_a_second_concurrent_run_is_refused(demo_shop):
    start_product_import(demo_shop.pk)

    with pytest.raises(ImportRefusedError, match="already under way"):
        start_product_import(demo_shop.pk)


def test_a_run_whose_worker_and_task_were_lost_blocks_no_new_run(demo_shop):
    from datetime import timedelta

    from django.utils import timezone

    lost = CatalogueRun.objects.create(
        shop=demo_shop, status=CatalogueRun.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    fresh = start_product_import(demo_shop.pk)

    lost.refresh_from_db()
    assert lost.status == CatalogueRun.Status.FAILED
    assert lost.error.startswith("The import stopped responding (its worker was lost).")
    assert fresh.status == CatalogueRun.Status.QUEUED


def test_an_unexpected_error_fails_the_run_instead_of_leaving_it_running(demo_shop, odoo, monkeypatch):
    started = start_product_import(demo_shop.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(imports, "import_products", broken)
    _drive(started.pk)

    failed = CatalogueRun.objects.get(pk=started.pk)
    assert failed.status == CatalogueRun.Status.FAILED
    assert failed.error == f"Unexpected error in Synco (import #{started.pk}); it has been logged."


def test_a_run_resumes_from_its_checkpoint_after_a_worker_death(demo_shop, odoo, add_product, monkeypatch):
    for n in range(4):
        add_product(f"Resume {n}", [], [{"sku": f"RES-{n}", "price": "5"}])
    monkeypatch.setattr(imports, "BATCH_VARIANTS", 5)
    started = start_product_import(demo_shop.pk)
    processed: list[int] = []
    original = imports._import_batch
    deaths = {"left": 1}

    def dies_on_the_third_batch(context, products):
        if len(processed) >= 2 and deaths["left"]:
            deaths["left"] -= 1
            raise SystemExit("worker killed")
        processed.append(len(products))
        return original(context, products)

    monkeypatch.setattr(imports, "_import_batch", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        _drive(started.pk)
    stalled = CatalogueRun.objects.get(pk=started.pk)
    assert stalled.status == CatalogueRun.Status.RUNNING and 0 < stalled.done < stalled.total
    handled = ProductMapping.objects.count()

    processed.clear()
    _drive(started.pk)  # the task again, as the broker redelivers it

    finished = CatalogueRun.objects.get(pk=started.pk)
    assert finished.status == CatalogueRun.Status.DONE
    shopify_products = list(catalog.iter_products(shopify_client_for(demo_shop)))
    # the products before the checkpoint were not read into a batch again
    assert ProductMapping.objects.count() == sum(len(p.variants) for p in shopify_products)
    assert ProductMapping.objects.count() > handled
    assert sum(processed) < len(shopify_products)
    assert (
        sorted(ProductMapping.objects.filter(sku__startswith="RES-").values_list("state", flat=True))
        == [State.LINKED] * 4
    )


def test_a_stopped_run_ends_after_its_batch_and_resumes(demo_shop, odoo, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_VARIANTS", 5)
    started = start_product_import(demo_shop.pk)
    original = imports._import_batch

    def stop_during_the_first_batch(context, products):
        imports.stop_product_import(CatalogueRun.objects.get(pk=started.pk))
        return original(context, products)

    monkeypatch.setattr(imports, "_import_batch", stop_during_the_first_batch)
    # start and poll until Shopify's file is ready, then the first batch asks to stop
    _drive(started.pk)

    stopped = CatalogueRun.objects.get(pk=started.pk)
    assert stopped.status == CatalogueRun.Status.STOPPED
    assert 0 < stopped.done < stopped.total
    monkeypatch.setattr(imports, "_import_batch", original)

    assert imports.resume_product_import(stopped)
    _drive(started.pk)

    done = CatalogueRun.objects.get(pk=started.pk)
    assert done.status == CatalogueRun.Status.DONE and done.done == done.total


def test_a_long_file_is_written_over_several_steps_from_the_checkpoint(demo_shop, odoo, monkeypatch):
    """A step writes for at most STEP_SECONDS, then hands over (the task is queued again at once): one task never
    holds a long file for hours, past the broker's visibility timeout."""
    monkeypatch.setattr(imports, "BATCH_VARIANTS", 5)
    monkeypatch.setattr(imports, "STEP_SECONDS", 0.0)  # every batch uses the step's time
    started = start_product_import(demo_shop.pk)
    answers: list[float | None] = []
    checkpoints: list[int] = []
    for _ in range(200):
        answer = run_product_import(started.pk)
        answers.append(answer)
        run = CatalogueRun.objects.get(pk=started.pk)
        if run.status == CatalogueRun.Status.RUNNING:
            checkpoints.append(run.done)
        if answer is None:
            break
        time.sleep(0.05)

    finished = CatalogueRun.objects.get(pk=started.pk)
    assert finished.status == CatalogueRun.Status.DONE and finished.done == finished.total
    assert answers.count(0.0) >= 3  # handed over after each batch
    assert checkpoints == sorted(checkpoints) and len(set(checkpoints)) >= 3
    shopify_products = list(catalog.iter_products(shopify_client_for(demo_shop)))
    assert ProductMapping.objects.count() == sum(len(p.variants) for p in shopify_products)
    assert finished.created + finished.linked == ProductMapping.objects.count()


def test_calls_per_hundred_variants(demo_shop, odoo, add_product, capsys):
    ids = [
        add_product(
            f"Bench {n}",
            [("Size", ["XS", "S", "M", "L", "XL"])],
            [
                {
                    "options": [size],
                    "sku": f"BEN-{n}-{size}",
                    "barcode": f"88{n:04}{i:07}",
                    "price": str(10 + i),
                }
                for i, size in enumerate(["XS", "S", "M", "L", "XL"])
            ],
        )
        for n in range(100)
    ]
    products = [fetch(demo_shop, pid) for pid in ids]
    client = odoo_client_for(demo_shop)
    odoo_catalog.ensure_attributes(client, {"Size": ["XS", "S", "M", "L", "XL"]})  # attributes exist

    client.rpc_calls = 0
    began = time.monotonic()
    summary = import_products(demo_shop, client, products)
    seconds = time.monotonic() - began
    first = client.rpc_calls
    client.rpc_calls = 0
    rerun = import_products(demo_shop, client, [fetch(demo_shop, pid) for pid in ids])

    per_100 = Decimal(first) * 100 / 500
    with capsys.disabled():
        print(
            f"\n500 variants: {first} Odoo calls ({per_100} per 100 variants) in {seconds:.2f} s; "
            f"unchanged re-run: {client.rpc_calls} calls"
        )
    assert summary.created == 500 and rerun.unchanged == 500
    assert per_100 <= 5
    assert client.rpc_calls == 0


# -- sweep ------------------------------------------------------------------------------------------------------


def test_the_sweep_imports_what_changed_since_the_watermark_and_moves_it(demo_shop, odoo, add_product):
    from datetime import timedelta

    from django.utils import timezone

    assert imports.shops_to_sweep() == []  # never imported: nothing to catch up with
    watermark = timezone.now() - timedelta(minutes=1)
    CatalogueSettings.objects.update_or_create(shop=demo_shop, defaults={"products_swept_until": watermark})
    fresh = add_product("Swept Tee", [], [{"sku": "SWEPT-1", "price": "9"}])
    assert imports.shops_to_sweep() == [demo_shop.pk]

    summary = imports.sweep_products(demo_shop.pk)

    assert summary is not None and summary.created == 1
    assert list(ProductMapping.objects.values_list("shopify_product_id", flat=True)) == [fresh]
    assert CatalogueSettings.objects.get(shop=demo_shop).products_swept_until > watermark
    start_product_import(demo_shop.pk)
    assert imports.shops_to_sweep() == []  # a full import under way sweeps for it


# -- Odoo versions -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[17, 18, 19])
def versioned_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    from sandboxes.odoo.server import start_in_thread as start_odoo
    from tests.conftest import OdooSandbox

    server, base_url = start_odoo(state_path=None, port=0, version=request.param)
    yield OdooSandbox(server, base_url)
    server.shutdown_and_save()


def test_it_imports_on_odoo_17_18_and_19_over_their_transports(
    demo_shop, odoo, versioned_server, add_product
):
    from sandboxes.odoo.seed import DEFAULT_API_KEY
    from synco.models import OdooConnection
    from synco.odoo import cache
    from synco.odoo.client import forget_sessions

    versioned_server.control(reset=True)
    cache.forget()
    forget_sessions()
    major = int(versioned_server.server.odoo_version)
    # 19 with an API key: JSON-2; the others over XML-RPC
    OdooConnection.objects.filter(shop=demo_shop).update(
        url=versioned_server.base_url, secret=DEFAULT_API_KEY if major == 19 else "admin"
    )
    service = add_product(
        "Versioned Gift",
        [],
        [{"sku": f"VER-GIFT-{major}", "price": "5", "tracked": False, "requires_shipping": False}],
    )
    products = [fetch(demo_shop, tee(add_product, f"V{major}")), fetch(demo_shop, service)]

    summary, _ = run(demo_shop, products)
    _, calls = run(demo_shop, products)

    assert (summary.created, summary.failed, calls) == (5, 0, 0)
    template_id = template_of(versioned_server, demo_shop, products[0].id)
    [template] = versioned_server.execute("product.template", "read", [template_id], fields=["type"])
    assert template["type"] == ("product" if major == 17 else "consu")
    prices = sorted(v["lst_price"] for v in variants_of(versioned_server, template_id))
    assert prices == [20.0, 21.0, 22.0, 23.0]
    [gift] = versioned_server.execute(
        "product.template", "read", [template_of(versioned_server, demo_shop, service)], fields=["type"]
    )
    assert gift["type"] == "service"
    if major == 19:
        assert odoo_client_for(demo_shop).transport == "json2"


# -- through a real Celery worker ------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_full_import_runs_through_a_celery_worker(demo_shop, odoo, shopify, tmp_path):
    from tests.celery_worker import celery_worker

    with celery_worker(tmp_path / "worker.log", {"SHOPIFY_ADMIN_ORIGIN": shopify.base_url}) as worker:
        started = start_product_import(demo_shop.pk)  # queued once committed (autocommit here)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            worker.assert_alive()
            status = CatalogueRun.objects.get(pk=started.pk).status
            if status not in CatalogueRun.ACTIVE:
                break
            time.sleep(0.2)
        finished = CatalogueRun.objects.get(pk=started.pk)
        assert finished.status == CatalogueRun.Status.DONE, (finished.error, worker.log()[-4000:])
    assert finished.done == finished.total > 0
    assert ProductMapping.objects.filter(shop=demo_shop, product_title="Linen Shirt").count() == 12
    trail = ProductMapping.objects.filter(shop=demo_shop, product_title="Trail Runner")
    assert [m.state for m in trail] == [State.LINKED] * 6


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_new_product_at_once_make_one_template(demo_shop, odoo, add_product):
    import threading

    from django.db import connection

    product = fetch(demo_shop, tee(add_product, "RACE"))
    odoo_client_for(demo_shop).authenticate()  # both threads then start from their first catalogue call
    odoo.control(latency_ms=150)  # every Odoo call slow: both imports overlap
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def import_once() -> None:
        try:
            barrier.wait()
            outcomes.append(run(Shop.objects.get(pk=demo_shop.pk), [product])[0])
        except Exception as exc:  # shown by the assertion below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=import_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert all(isinstance(outcome, imports.ImportSummary) for outcome in outcomes), outcomes
    assert sorted((o.created, o.unchanged) for o in outcomes) == [(0, 4), (4, 0)]
    template_id = template_of(odoo, demo_shop, product.id)  # exactly one external id
    assert len(variants_of(odoo, template_id)) == 4
    assert ProductMapping.objects.filter(shop=demo_shop).count() == 4


# -- orders after the import ---------------------------------------------------------------------------------------


def test_orders_then_find_the_imported_variants_without_creating_any(demo_shop, odoo, add_product):
    import json

    from products.services import resolve_line_products
    from synco.shopify.types import parse_order
    from tests.factories import order_node

    product = fetch(demo_shop, tee(add_product, "ORD"))
    run(demo_shop, [product])
    OrderRules.objects.filter(shop=demo_shop).update(auto_create_products=True)
    node = json.loads(
        json.dumps(order_node()).replace("SKU-TSHIRT-M", "ORD-M-Blue").replace("SKU-GIFTWRAP", "ORD-S-Red")
    )
    order = parse_order(node)
    products_before = count(odoo, "product.product")
    client = odoo_client_for(demo_shop)

    resolved = resolve_line_products(client, demo_shop, OrderRules.objects.get(shop=demo_shop), order)

    linked = dict(ProductMapping.objects.values_list("sku", "odoo_product_id"))
    assert sorted(resolved.values()) == sorted([linked["ORD-M-Blue"], linked["ORD-S-Red"]])
    assert count(odoo, "product.product") == products_before
    assert client.rpc_calls == 0  # found through the links the import wrote


def test_an_odoo_attribute_that_makes_no_variants_fails_only_its_products(demo_shop, odoo, add_product):
    odoo.execute("product.attribute", "create", {"name": "Material", "create_variant": "no_variant"})
    wool = add_product(
        "Wool Scarf",
        [("Material", ["Wool", "Silk"])],
        [{"options": [m], "sku": f"SCARF-{m}", "price": "30"} for m in ("Wool", "Silk")],
    )
    fine = tee(add_product, "MAT")

    summary, _ = run(demo_shop, [fetch(demo_shop, wool), fetch(demo_shop, fine)])

    scarf = ProductMapping.objects.filter(shopify_product_id=wool)
    assert {m.state for m in scarf} == {State.MISSING}
    assert all(
        m.problem.startswith("Odoo's attribute 'Material' does not create a variant for each value")
        for m in scarf
    )
    assert set(ProductMapping.objects.filter(shopify_product_id=fine).values_list("state", flat=True)) == {
        State.LINKED
    }
    assert (summary.created, summary.failed) == (4, 2)
