"""Shipments in Chromium, both ways, through the real worker: Odoo validates a synced order's delivery with
tracking and the order page shows the Shopify fulfilment Synco made; with "Shopify ships", a fulfilment made in
the Shopify admin validates the Odoo delivery and the order page shows it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from shipments.models import Shipment, ShipmentSettings
from synclogs.models import WebhookReceipt
from synco.gateways import odoo_client_for
from tests.browser.conftest import WORKER_TIMEOUT_MS
from tests.celery_worker import WorkerProcess
from tests.shipments.conftest import delivery_of, fulfillments_of, sandbox_order, ship, synced

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("added_shopify_orders_removed"),
]


def _until(condition: Callable[[], bool], worker: WorkerProcess, what: str) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000
    while not condition():
        worker.assert_alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{worker.log()[-4000:]}"
        time.sleep(0.1)


def _fresh_order(shopify) -> dict:
    """A new paid, unfulfilled order in the Shopify sandbox (its own ids, as Shopify would give it)."""
    order = sandbox_order(shopify)
    # sandbox_order keeps the copied order's GraphQL id: Synco refuses an order webhook whose ids differ
    order["admin_graphql_api_id"] = f"gid://shopify/Order/{order['id']}"
    shopify.server.add_orders([order])
    return order


def _choose_shipper(page: Page, label: str) -> None:
    page.goto("/shipments/settings/")
    page.get_by_role("radio", name=label).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()


def test_a_delivery_validated_in_odoo_shows_as_a_shopify_fulfilment_with_tracking_on_the_order_page(
    page: Page, shop, shopify, odoo, redis_worker, live_url, settings, screenshot
):
    # Synco's Odoo delivery rule posts to its public URL: the live server here.
    settings.SYNCO_PUBLIC_URL = live_url
    order = _fresh_order(shopify)
    stored = synced(shop, shopify, order)

    # given the merchant says Odoo ships and lets Synco create its Odoo automation rule
    _choose_shipper(page, "Odoo (the warehouse validates deliveries; Synco fulfils in Shopify)")
    assert ShipmentSettings.objects.get(shop=shop).shipper == ShipmentSettings.Shipper.ODOO
    page.get_by_label("Install Odoo's Automation Rules app if it is missing").check()
    page.get_by_role("button", name="Create the Odoo automation rule").click()
    expect(page.locator("#toasts")).to_contain_text("Odoo now notifies Synco when a delivery is validated.")

    # and the order page shows its open Odoo delivery, nothing fulfilled in Shopify yet
    delivery = delivery_of(shop, stored)
    page.goto(f"/orders/{stored.pk}/")
    panel = page.locator("#order-shipments")
    expect(panel.locator("[data-odoo-deliveries]")).to_contain_text(delivery.name)
    expect(panel.locator("[data-shopify-fulfillments]")).to_contain_text("No fulfilment.")
    # Odoo's state as the merchant knows it in Odoo (not the raw 'assigned' / 'confirmed')
    state = panel.locator(f"[data-odoo-delivery='{delivery.id}'] [data-odoo-state]")
    expect(state).to_have_text(re.compile(r"^(Ready|Waiting|Waiting another operation)$"))
    # Odoo's and Shopify's sides sit side by side at 1280 px
    columns = panel.locator(".shipments-sides").evaluate("e => getComputedStyle(e).gridTemplateColumns")
    assert len(columns.split()) == 2, columns

    # when the warehouse validates the delivery in Odoo with UPS tracking
    ship(odoo, shop, delivery, tracking="1ZBROWSER0001", carrier="UPS")

    # then Odoo notifies Synco and the worker fulfils the order in the Shopify sandbox, once, with the tracking
    _until(
        lambda: Shipment.objects.filter(order=stored, state=Shipment.State.SENT).exists(),
        redis_worker,
        "the Shopify fulfilment",
    )
    made = fulfillments_of(shopify, order)
    assert len(made) == 1
    assert (made[0]["tracking_number"], made[0]["tracking_company"]) == ("1ZBROWSER0001", "UPS")

    # and the order page shows both sides with the tracking number
    page.reload()
    panel = page.locator("#order-shipments")
    row = panel.locator("[data-shipments] s-table-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-shipment-state", "sent")
    expect(row.locator("[data-label='Odoo delivery']")).to_have_text(delivery.name)
    expect(row.locator("[data-label=Tracking]")).to_contain_text("UPS")
    expect(row.locator("[data-label=Tracking]")).to_contain_text("1ZBROWSER0001")
    expect(row.locator("[data-label=Status]")).to_contain_text("Fulfilled in Shopify")
    odoo_side = panel.locator("[data-odoo-deliveries]")
    expect(odoo_side).to_contain_text(delivery.name)
    expect(odoo_side.locator(f"[data-odoo-delivery='{delivery.id}'] [data-odoo-state=done]")).to_have_text(
        "Done"
    )
    expect(odoo_side).to_contain_text("1ZBROWSER0001")
    shopify_side = panel.locator("[data-shopify-fulfillments]")
    expect(shopify_side).to_contain_text("1ZBROWSER0001")
    expect(shopify_side).not_to_contain_text("No fulfilment.")
    expect(panel).to_contain_text("Fulfilment status: Fulfilled")
    screenshot(page, "order-shipments-odoo-ships")
    assert len(fulfillments_of(shopify, order)) == 1


def test_a_fulfilment_made_in_the_shopify_admin_validates_the_odoo_delivery_shown_on_the_order_page(
    page: Page, shop, shopify, odoo, redis_worker, live_url, settings, screenshot
):
    # Shopify's webhooks are signed with the app's secret: the sandbox's app here.
    settings.SHOPIFY_API_SECRET = shopify.server.app.api_secret
    order = _fresh_order(shopify)
    stored = synced(shop, shopify, order)
    delivery = delivery_of(shop, stored)

    # given the merchant says Shopify ships (the Odoo delivery rule is then not offered)
    _choose_shipper(page, "Shopify or a 3PL (Synco validates the Odoo delivery)")
    assert ShipmentSettings.objects.get(shop=shop).shipper == ShipmentSettings.Shipper.SHOPIFY
    expect(page.get_by_role("button", name="Create the Odoo automation rule")).to_have_count(0)

    page.goto(f"/orders/{stored.pk}/")
    panel = page.locator("#order-shipments")
    expect(panel).to_contain_text("Shopify ships: its fulfilments validate the Odoo delivery.")
    expect(panel.locator("[data-odoo-deliveries]")).to_contain_text(delivery.name)
    expect(panel.locator("[data-odoo-deliveries] [data-odoo-state=done]")).to_have_count(0)

    # when the order is fulfilled in the Shopify admin with DHL tracking (fulfillments/create goes to Synco)
    made = shopify.server.fulfil_in_admin(
        order["id"],
        tracking={"company": "DHL Express", "number": "JD0146000099"},
        address=f"{live_url}/webhooks/",
    )

    # then the worker validates the Odoo delivery
    _until(
        lambda: Shipment.objects.filter(order=stored, state=Shipment.State.VALIDATED).exists(),
        redis_worker,
        "the validated Odoo delivery",
    )
    [done] = [d for d in odoo_client_for(shop).deliveries(int(stored.odoo_id or 0)) if d.id == delivery.id]
    assert done.state == "done"
    assert done.tracking_ref == "JD0146000099"

    # and the order page shows it validated, next to Shopify's fulfilment (orders/updated re-read the order)
    topics = {"fulfillments/create", "orders/updated", "orders/fulfilled"}
    _until(
        lambda: (
            set(
                WebhookReceipt.objects.exclude(status=WebhookReceipt.Status.RECEIVED).values_list(
                    "topic", flat=True
                )
            )
            >= topics
        ),
        redis_worker,
        "Shopify's webhooks",
    )
    receipts = WebhookReceipt.objects.filter(topic__in=topics)
    assert {status for (status,) in receipts.values_list("status")} == {WebhookReceipt.Status.PROCESSED}
    page.reload()
    expect(page.locator(".badge-fulfillment-fulfilled")).to_have_text("Fulfilled")
    panel = page.locator("#order-shipments")
    row = panel.locator("[data-shipments] s-table-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-shipment-state", "validated")
    expect(row.locator("[data-label=Status]")).to_contain_text("Validated in Odoo")
    expect(row.locator("[data-label=Tracking]")).to_contain_text("JD0146000099")
    expect(panel.locator(f"[data-odoo-delivery='{delivery.id}'] [data-odoo-state=done]")).to_have_text("Done")
    expect(panel.locator("[data-odoo-deliveries]")).to_contain_text("JD0146000099")
    expect(panel.locator("[data-shopify-fulfillments]")).to_contain_text("JD0146000099")
    screenshot(page, "order-shipments-shopify-ships")
    assert Shipment.objects.get(order=stored).fulfillment_gid == made["admin_graphql_api_id"]
    assert len(fulfillments_of(shopify, order)) == 1
