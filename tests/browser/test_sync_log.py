"""The sync log browser in Chromium: every filter, the detail of an attempt, and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from synclogs.models import SyncAttempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREATED = "Created SHOP#4001 in Odoo."
NO_PRODUCT = "No Odoo product has the SKU 'SKU-GONE' (line 'Mug'): create it in Odoo, then retry."
CUSTOMER = "Created the customer in Odoo as #55."
PRODUCT = "Created the product 'New mug' (SKU 'SKU-NEW-MUG') in Odoo as #77."
IMPORT = "Import stopped after 50 orders: Shopify did not answer in time."
RUNNING = "Writing #4003 into Odoo."
ALL = [CREATED, NO_PRODUCT, CUSTOMER, PRODUCT, IMPORT, RUNNING]


def _attempt(shop, when: str, message: str, **fields) -> SyncAttempt:
    started = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return SyncAttempt.objects.create(shop=shop, started_at=started, message=message, **fields)


@pytest.fixture
def attempts(shop):
    ok, failed, running = SyncAttempt.Status.SUCCESS, SyncAttempt.Status.FAILED, SyncAttempt.Status.RUNNING
    created = _attempt(
        shop,
        "2026-11-20T10:00:00",
        CREATED,
        object_ref="#4001",
        operation="create_sale_order",
        status=ok,
        odoo_model="sale.order",
        odoo_id=41,
        rpc_calls=3,
        duration_ms=412,
        summary={
            "sale_order": {
                "id": 41,
                "name": "SHOP#4001",
                "state": "sale",
                "amount_total": "61.77",
                "currency": "USD",
            },
            # Shopify's API writes amounts without trailing zeros; the page shows both sides to the cent
            "totals": {"shopify": "61.7", "odoo": "61.77", "difference": "0.07"},
            "customer_email": "jane.doe@example.com",
        },
    )
    failed_attempt = _attempt(
        shop,
        "2026-11-19T09:00:00",
        NO_PRODUCT,
        object_ref="#4002",
        operation="create_sale_order",
        status=failed,
        attempt=2,
    )
    _attempt(
        shop,
        "2026-11-20T09:59:00",
        CUSTOMER,
        object_type=SyncAttempt.Object.CUSTOMER,
        object_ref="customer 7001",
        operation="create_customer",
        status=ok,
    )
    _attempt(
        shop,
        "2026-11-10T08:00:00",
        PRODUCT,
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref="SKU-NEW-MUG",
        operation="create_product",
        status=ok,
    )
    _attempt(
        shop,
        "2026-11-18T07:00:00",
        IMPORT,
        object_type=SyncAttempt.Object.SHOP,
        object_ref=shop.domain,
        operation="import_orders",
        status=failed,
    )
    _attempt(
        shop,
        "2026-11-20T11:00:00",
        RUNNING,
        object_ref="#4003",
        operation="create_sale_order",
        status=running,
    )
    return {"created": created, "failed": failed_attempt}


def expect_attempts(page: Page, messages: list[str]) -> None:
    """The log table shows exactly the attempts with these messages (auto-waiting for the HTMX swap)."""
    any_message = re.compile("|".join(re.escape(message) for message in ALL))
    expect(page.get_by_role("row").filter(has_text=any_message)).to_have_count(len(messages))
    for message in messages:
        expect(page.get_by_role("row").filter(has_text=message)).to_have_count(1)


def test_each_filter_of_the_log_browser_lists_the_right_attempts(page, attempts, screenshot):
    page.goto("/logs/")
    expect_attempts(page, ALL)
    screenshot(page, "sync-log-all")

    page.get_by_label("Status", exact=True).select_option(label="Failed")
    expect_attempts(page, [NO_PRODUCT, IMPORT])
    expect(page).to_have_url(re.compile(r"status=failed"))

    page.goto("/logs/")
    page.get_by_label("Object", exact=True).select_option(label="Customer")
    expect_attempts(page, [CUSTOMER])

    page.goto("/logs/")
    page.get_by_label("Operation", exact=True).select_option(label="Create product in Odoo")
    expect_attempts(page, [PRODUCT])

    page.goto("/logs/")
    page.get_by_label("Order number").fill("4002")
    expect_attempts(page, [NO_PRODUCT])

    page.goto("/logs/")
    page.get_by_label("From", exact=True).fill("2026-11-19")
    page.get_by_label("To", exact=True).fill("2026-11-19")
    page.get_by_role("button", name="Filter").click()
    expect_attempts(page, [NO_PRODUCT])

    # filters combine: the orders of Nov 20
    page.goto("/logs/")
    page.get_by_label("From", exact=True).fill("2026-11-20")
    page.get_by_label("Object", exact=True).select_option(label="Order")
    expect_attempts(page, [CREATED, RUNNING])

    # a filtered view is a URL: reloading keeps it
    page.reload()
    expect_attempts(page, [CREATED, RUNNING])

    # an impossible range says so instead of showing nothing
    page.goto("/logs/?date_from=2026-11-20&date_to=2026-11-01")
    expect(page.get_by_role("alert")).to_contain_text("“To” must not be before “From”.")


def test_a_far_future_date_is_refused_with_a_message_and_the_old_results_go(page, attempts, screenshot):
    page.goto("/logs/")
    expect_attempts(page, ALL)

    # typed in the To box, the page's own HTMX request (no reload): the filtered results are replaced by the reason
    page.get_by_label("To", exact=True).fill("9999-12-31")

    alert = page.locator("#log-results").get_by_role("alert")
    expect(alert).to_contain_text("Some filters are not valid")
    expect(alert).to_contain_text("“To”: Choose a date between 2000 and 2099.")
    expect_attempts(page, [])
    expect(page.locator("#log-results").get_by_role("link", name="Export CSV")).to_have_count(0)
    screenshot(page, "sync-log-date-out-of-range")

    # corrected, the rows come back
    page.get_by_label("To", exact=True).fill("2026-11-20")
    expect_attempts(page, ALL)

    # the export of the same filter answers 400 with the reason, not a file
    response = page.request.get("/logs/export.csv?date_to=9999-12-31")
    assert response.status == 400
    assert response.text() == "The export was not made: “To”: Choose a date between 2000 and 2099."


def test_the_detail_of_an_attempt_shows_the_redacted_summary_and_the_error(page, attempts, screenshot):
    page.goto("/logs/")
    page.get_by_role("row").filter(has_text=CREATED).get_by_role("link").first.click()

    expect(page).to_have_url(re.compile(rf"/logs/{attempts['created'].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("#4001")
    expect(page.get_by_text(CREATED)).to_be_visible()
    expect(page.get_by_text("SHOP#4001").first).to_be_visible()
    expect(page.get_by_text("$61.77").first).to_be_visible()
    expect(page.get_by_text("$61.70", exact=True)).to_be_visible()
    expect(page.get_by_text("+$0.07", exact=True)).to_be_visible()
    # a person's details never reach the page, even if a summary carried them
    expect(page.get_by_text("jane.doe@example.com")).to_have_count(0)
    screenshot(page, "sync-log-detail-redacted")

    page.goto(f"/logs/{attempts['failed'].pk}/")
    expect(page.get_by_role("heading", name="Error")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text(NO_PRODUCT)


def test_the_csv_export_holds_the_filtered_attempts(page, attempts):
    page.goto("/logs/?status=failed")
    expect_attempts(page, [NO_PRODUCT, IMPORT])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    messages = sorted(row[next(key for key in row if key.lower() == "message")] for row in rows)
    assert messages == sorted([NO_PRODUCT, IMPORT])
