"""Stock in Chromium: Settings > Stock (sync on, a Shopify location mapped to the Odoo warehouse, the live preview,
Synco's Odoo automation rules), an Odoo count reaching the Shopify sandbox through the real worker, and the Stock
page's drift report and repair, then the home page's Stock card."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from sandboxes.catalogue import CATALOGUE
from stock import services
from stock.models import DriftReport, DriftRow, LocationMapping, StockPush
from synco.gateways import odoo_client_for
from synco.models import Shop
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.celery_worker import WorkerProcess
from tests.conftest import ShopifySandbox
from tests.stock.conftest import (
    SKU,
    figure,
    item_gid,
    odoo_product,
    set_odoo_quantity,
    shopify_available,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN = "Main warehouse"


def _legacy(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def _until(condition: Callable[[], bool], worker: WorkerProcess, what: str) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000
    while not condition():
        worker.assert_alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{worker.log()[-4000:]}"
        time.sleep(0.1)


@pytest.fixture
def stock_levels_restored(shopify: ShopifySandbox) -> Iterator[None]:
    """The Shopify sandbox is shared by the session: its levels are put back after the test."""
    before = shopify.server.levels()
    yield
    for level in before:
        shopify.server.set_level(None, level["item_id"], level["location_id"], level["available"], emit=False)


@pytest.fixture
def inventory_shop(shop: Shop, shopify: ShopifySandbox, stock_levels_restored: None) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token, access_scopes="write_inventory")
    shop.refresh_from_db()
    return shop


def test_the_merchant_maps_a_location_and_an_odoo_count_reaches_shopify(
    page: Page, inventory_shop, shopify, odoo, redis_worker, live_url, settings, screenshot
):
    # Odoo's automation rules post to Synco's public URL: the live server here.
    settings.SYNCO_PUBLIC_URL = live_url
    log_start = len(redis_worker.log())
    warehouse = odoo_client_for(inventory_shop).warehouses()[0]

    page.goto("/stock/settings/")
    locations = page.locator("#stock-locations")
    expect(locations).to_contain_text("No Shopify locations read yet.")
    expect(page.locator("#stock-preview")).to_contain_text("Nothing to preview")

    # when the merchant reads Shopify's locations (the page reloads with one form per location)
    locations.get_by_role("button", name="Read Shopify's locations").click()
    main_form = page.locator("form.stock-location").filter(has=page.get_by_role("heading", name=MAIN))
    expect(main_form).to_contain_text("Not synced: Synco leaves its stock alone.")
    main = LocationMapping.objects.get(shop=inventory_shop, shopify_location_name=MAIN)

    # and turns stock sync on: Synco matches Shopify's items to Odoo products in the background
    page.get_by_label("Push Odoo's stock levels to Shopify").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert services.get_settings(inventory_shop).enabled
    _until(
        lambda: re.search(r"start_sync_task\[[^\]]+\] succeeded", redis_worker.log()[log_start:]) is not None,
        redis_worker,
        "the matching started by turning stock sync on",
    )
    # an item the preview lists (its first items), stocked in Odoo: 14 counted before the mapping
    storable = {item.sku for item in CATALOGUE if item.storable}
    sku = next(
        ref.sku for ref in services.item_refs(inventory_shop)[: services.PREVIEW_ITEMS] if ref.sku in storable
    )
    gid, product = item_gid(sku), odoo_product(odoo, sku)
    set_odoo_quantity(odoo, product, warehouse.lot_stock_id, 14)

    # when they map Main warehouse to the Odoo warehouse and save that row
    main_form.get_by_label("Odoo warehouse").select_option(label=services.record_label(warehouse))
    main_form.get_by_role("button", name=f"Save {MAIN}").click()

    # then the row says what it shows and the live preview lists what would be pushed there
    expect(page.locator(f"#stock-location-{main.pk} [data-mapping-source]")).to_contain_text(
        f"Shows warehouse {warehouse.name}"
    )
    preview_row = page.locator("#stock-preview [data-preview-row]").filter(
        has=page.get_by_role("cell", name=sku, exact=True)
    )
    expect(preview_row).to_contain_text(MAIN)
    assert figure(odoo, product, warehouse.lot_stock_id) == 14
    # Odoo figure, on orders not yet in Odoo, what Shopify would show
    expect(preview_row.locator("s-table-cell.num")).to_have_text(["14", "0", "14"])
    main.refresh_from_db()
    assert main.odoo_warehouse_id == warehouse.id
    screenshot(page, "stock-settings-mapped")

    # and let Synco create its Odoo automation rules (installing the app)
    page.get_by_label("Install Odoo's Automation Rules app if it is missing").first.check()
    page.get_by_role("button", name="Create the Odoo automation rules").click()
    expect(page.locator("#toasts")).to_contain_text("Odoo now notifies Synco of stock changes")

    # when a warehouse worker counts the item in Odoo
    location = main.shopify_location_gid
    counted = shopify_available(shopify, gid, location) + 9
    started = time.monotonic()
    set_odoo_quantity(odoo, product, warehouse.lot_stock_id, counted)

    # then Odoo notifies Synco, the worker pushes it, and the Shopify sandbox holds the new level
    _until(lambda: shopify_available(shopify, gid, location) == counted, redis_worker, "Shopify's level")
    print(f"Odoo count -> Shopify level (browser test, real worker): {time.monotonic() - started:.2f} s")

    # and the Stock page lists the push, with its reason
    page.goto("/stock/")
    push = page.locator("#stock-pushes [data-stock-push]").filter(has_text=sku).first
    expect(push).to_contain_text(MAIN)
    expect(push.locator("s-table-cell").nth(3)).to_have_text(str(counted))
    expect(push).to_contain_text("notification")
    expect(page.locator("#stock-failures")).to_contain_text("None.")
    screenshot(page, "stock-page-pushed")
    set_pushes = StockPush.objects.filter(
        shop=inventory_shop, sku=sku, quantity=counted, outcome=StockPush.Outcome.SET
    )
    assert set_pushes.count() == 1


def _mapped_and_in_step(shop: Shop, shopify: ShopifySandbox, odoo) -> tuple[LocationMapping, int]:
    """Main warehouse mapped to Odoo's warehouse, items matched, the item counted at 20, every level pushed once."""
    settings = services.get_settings(shop)
    settings.enabled = True
    settings.save()
    services.refresh_locations(shop)
    main = LocationMapping.objects.get(shop=shop, shopify_location_name=MAIN)
    warehouse = odoo_client_for(shop).warehouses()[0]
    services.map_location(shop, main, warehouse_id=warehouse.id, location_ids=[])
    services.refresh_links(shop)
    set_odoo_quantity(odoo, odoo_product(odoo), warehouse.lot_stock_id, 20)
    outcome = services.push_all(shop.pk)
    assert outcome is not None and outcome.failed == 0
    return main, 20


def test_the_drift_report_shows_a_shopify_change_and_repair_selected_puts_odoos_figure_back(
    page: Page, inventory_shop, shopify, odoo, redis_worker, screenshot
):
    # given a mapped shop where Shopify and Odoo agree, then someone sets a level by hand in the Shopify admin
    main, odoo_count = _mapped_and_in_step(inventory_shop, shopify, odoo)
    location = main.shopify_location_gid
    shopify.server.set_level(None, _legacy(item_gid()), _legacy(location), 3, emit=False)

    page.goto("/stock/")
    drift = page.locator("#stock-drift")
    expect(drift).to_contain_text("No drift report yet.")

    # when the merchant runs the drift report
    drift.get_by_role("button", name="Run now").click()
    expect(page.locator("#toasts")).to_contain_text("The drift report is running")
    _until(
        lambda: DriftReport.objects.filter(shop=inventory_shop, status=DriftReport.Status.DONE).exists(),
        redis_worker,
        "the drift report",
    )
    # the page updates itself when the report is done (it polls while the report runs)

    # then it lists the one level that differs, with both figures and the difference
    report = DriftReport.objects.get(shop=inventory_shop)
    assert report.drifted == 1
    expect(page.locator("[data-drift-summary]")).to_contain_text(
        f"1 of {report.levels_checked} stock levels differ"
    )
    rows = page.locator("#stock-drift [data-drift-row]")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("[data-label=Item]")).to_have_text(SKU)
    expect(row.locator("[data-label=Location]")).to_have_text(MAIN)
    expect(row.locator("[data-label=Shopify]")).to_have_text("3")
    expect(row.locator("[data-label=Odoo]")).to_have_text(str(odoo_count))
    expect(row.locator("[data-label='Should be']")).to_have_text(str(odoo_count))
    expect(row.locator("[data-label=Difference]")).to_have_text(str(odoo_count - 3))
    screenshot(page, "stock-drift-report")

    # and the home page's Stock card shows that report
    page.goto("/")
    card = page.locator("[data-home-stock]")
    expect(card).to_contain_text("1 difference")
    expect(card.locator("[data-stock-drifted]")).to_have_text("1")
    expect(card.locator("[data-stock-checked]")).to_contain_text(f"{report.levels_checked} stock levels")

    # when they select the row and repair it
    page.goto("/stock/")
    checkbox = page.get_by_role("checkbox", name=f"Repair {SKU} at {MAIN}")
    checkbox.uncheck()
    checkbox.check()
    page.get_by_role("button", name="Repair selected").click()
    expect(page.locator("#toasts")).to_contain_text("Repairing 1 stock level.")

    # then the Shopify sandbox holds Odoo's figure again and the row is marked repaired
    _until(lambda: shopify_available(shopify, item_gid(), location) == odoo_count, redis_worker, "the repair")
    _until(
        lambda: DriftRow.objects.filter(report=report, repaired_at__isnull=False).exists(),
        redis_worker,
        "the repaired row",
    )
    # the page updates itself once the row is repaired
    expect(page.locator("#stock-drift [data-drift-row]").first).to_contain_text("Repaired")
    expect(page.get_by_role("checkbox", name=f"Repair {SKU} at {MAIN}")).to_have_count(0)
    repair = page.locator("#stock-pushes [data-stock-push]").filter(has_text="repair").first
    expect(repair).to_contain_text(SKU)

    # and a new drift report is empty: its row is gone
    page.locator("#stock-drift").get_by_role("button", name="Run now").click()
    _until(
        lambda: DriftReport.objects.filter(shop=inventory_shop, status=DriftReport.Status.DONE).count() == 2,
        redis_worker,
        "the second drift report",
    )
    expect(page.locator("[data-drift-summary]")).to_contain_text(
        f"All {report.levels_checked} stock levels match Odoo."
    )
    expect(page.locator("#stock-drift [data-drift-row]")).to_have_count(0)
    expect(page.locator("[data-stock-polling]")).to_have_count(0)
    screenshot(page, "stock-drift-repaired")

    # and the home page's Stock card says so
    page.goto("/")
    card = page.locator("[data-home-stock]")
    expect(card).to_contain_text("Matches Odoo")
    expect(card.locator("[data-stock-drifted]")).to_have_text("0")
    assert Decimal(shopify_available(shopify, item_gid(), location)) == figure(
        odoo, odoo_product(odoo), odoo_client_for(inventory_shop).warehouses()[0].lot_stock_id
    )
