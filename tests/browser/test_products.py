"""Products in Chromium: the mapping page's problems fixed in place (link, a refused reference, ignore), the
summary following along, and a full catalogue import from the Shopify sandbox with its progress."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from products.models import CatalogueRun, ProductLink, ProductMapping
from synco.models import Shop
from tests.browser.conftest import PHONE, WORKER_TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
State = ProductMapping.State


def _odoo_id(odoo: Any, code: str) -> int:
    [row] = odoo.execute("product.product", "search_read", [["default_code", "=", code]], fields=["id"])
    return int(row["id"])


def _row(page: Page, text: str):
    return page.locator("s-table-row[id^=mapping-]").filter(has_text=text)


def test_the_merchant_fixes_the_mappings_problems_in_place(page, shop, odoo, screenshot, new_page):
    # given a catalogue with one variant linked, one Odoo does not have, and one SKU on two Shopify variants
    def add(variant: int, title: str, sku: str, **fields: Any) -> None:
        ProductMapping.objects.create(
            shop=shop,
            shopify_product_id=variant // 10,
            shopify_variant_id=variant,
            product_title=title,
            sku=sku,
            price="12.00",
            **fields,
        )

    add(10, "Stoneware Mug", "SKU-MUG", state=State.LINKED, odoo_product_id=_odoo_id(odoo, "SKU-MUG"))
    add(20, "Brass Lamp", "LAMP-S", state=State.MISSING, problem="No Odoo product has the SKU 'LAMP-S'.")
    add(30, "Twin Socks", "TWIN", state=State.LINKED, odoo_product_id=_odoo_id(odoo, "SKU-SOCKS-3"))
    add(40, "Twin Socks (old)", "TWIN", state=State.LINKED, odoo_product_id=_odoo_id(odoo, "SKU-SOCKS-3"))

    page.goto("/products/")
    expect(page.get_by_role("heading", name="Products", exact=True)).to_be_visible()
    summary = page.locator("#product-summary")
    expect(summary).to_contain_text("3 of 4 Shopify variants linked")
    expect(summary).to_contain_text("3 problems")
    screenshot(page, "products-mapping")

    # the problems tab lists the three variants to fix, each with its reason
    page.get_by_role("navigation", name="Filter variants").get_by_role(
        "link", name=re.compile("^Problems")
    ).click()
    expect(page.locator("s-table-row[id^=mapping-]")).to_have_count(3)
    lamp = _row(page, "Brass Lamp")
    expect(lamp).to_contain_text("No Odoo product has the SKU 'LAMP-S'.")

    # a reference Odoo does not know is refused in the row, nothing changes
    lamp.get_by_placeholder("Odoo product id or reference").fill("NO-SUCH-REF")
    lamp.get_by_role("button", name="Link").click()
    expect(lamp.get_by_role("alert")).to_have_text(
        "No Odoo product has the internal reference 'NO-SUCH-REF'."
    )
    assert ProductMapping.objects.get(sku="LAMP-S").state == State.MISSING
    # the swapped-in row is live once htmx has processed it (it drops `htmx-added` as it does): text typed before
    # that would send no request (a person cannot type within those milliseconds; under load a test can)
    expect(lamp).not_to_have_class(re.compile(r"\bhtmx-added\b"))

    # typing offers Odoo's products; linking to one by its internal reference
    lamp.get_by_placeholder("Odoo product id or reference").fill("canvas")
    expect(lamp.locator("datalist option")).to_have_count(1)
    expect(lamp.locator("datalist option")).to_have_attribute("value", str(_odoo_id(odoo, "SKU-CAP")))
    lamp.get_by_placeholder("Odoo product id or reference").fill("SKU-CAP")
    lamp.get_by_role("button", name="Link").click()
    expect(lamp.locator("s-badge")).to_have_text("Linked")
    expect(lamp).to_contain_text("matched by manual")
    expect(page.locator("#toasts")).to_contain_text("Linked to the Odoo product")
    assert ProductLink.objects.get(shop=shop, sku="LAMP-S").odoo_product_id == _odoo_id(odoo, "SKU-CAP")

    # ignoring the old twin resolves the duplicate SKU; the summary follows
    _row(page, "Twin Socks (old)").get_by_role("button", name="Ignore").click()
    expect(_row(page, "Twin Socks (old)").locator("s-badge")).to_have_text("Ignored")
    expect(summary).to_contain_text("No problem")
    expect(summary).to_contain_text("3 of 4 Shopify variants linked to an Odoo product (1 ignored)")
    screenshot(page, "products-fixed")

    # the same page on a phone
    phone = new_page(PHONE)
    log_in(phone)
    phone.goto("/products/?state=all")
    expect(phone.locator("s-table-row[id^=mapping-]")).to_have_count(4)
    screenshot(phone, "products-mapping")


def test_a_full_import_shows_its_progress_then_lists_the_catalogue(
    page, shop, shopify, redis_worker, screenshot
):
    # given the shop's real token for the Shopify sandbox, and nothing imported yet
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    page.goto("/products/")
    expect(page.get_by_role("heading", name="No Shopify product imported yet")).to_be_visible()

    # when the merchant imports the catalogue
    panel = page.get_by_role("region", name="Import products from Shopify")
    panel.get_by_role("button", name="Import products from Shopify").click()

    # then the run shows while it runs (and a second start is not offered), then its outcome
    expect(panel.get_by_role("button", name="Import products from Shopify")).to_be_disabled()
    expect(panel).to_contain_text(re.compile(r"Last import done"), timeout=WORKER_TIMEOUT_MS * 2)
    run = CatalogueRun.objects.get(shop=shop)
    assert run.status == CatalogueRun.Status.DONE and run.total > 0 and run.done == run.total
    expect(panel).to_contain_text(f"{run.created} created · {run.linked} linked")
    # and the table reloads by itself with the demo catalogue
    expect(_row(page, "Stoneware Mug")).to_be_visible()
    expect(_row(page, "Stoneware Mug").locator("s-badge")).to_have_text("Linked")
    screenshot(page, "products-imported")
