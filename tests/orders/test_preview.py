from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import sync_order
from synco.models import OrderRules
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db


def test_it_shows_what_odoo_would_receive_without_writing_anything(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(sync_status="not_synced")
    odoo.server.reset_stats()

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    assert "Confirmed sale order" in html
    assert "New partner &#x27;Jane Doe&#x27; would be created" in html
    assert "Invoice address 1 Market St, San Francisco would be created" in html
    assert "Organic T-Shirt - M" in html and "Shipping: Standard" in html
    assert "product #" not in html  # the matched Odoo products by their names, read in one call
    assert "<dd data-untaxed>$54.49</dd>" in html
    assert "<dd data-tax>$7.28</dd>" in html
    assert "<dd data-total>$61.77 USD</dd>" in html
    calls = odoo.server.stats()["calls"]
    assert calls and all(m.split(":")[1] in ("search", "search_read", "read", "web_read") for m in calls), (
        calls
    )
    assert odoo.execute("sale.order", "search_count", []) == 0


def test_the_preview_totals_match_what_the_sync_then_writes(merchant_client, shop, odoo):
    node = order_node(taxesIncluded=True)
    for line in node["lineItems"]["nodes"]:
        line["taxLines"] = [{"title": "VAT", "rate": 0.2, "ratePercentage": 20.0, "priceSet": None}]
    OrderRules.objects.filter(shop=shop).update(auto_create_taxes=True)
    order = queued_order(shop, node)

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()
    sync_order(order.pk)

    order.refresh_from_db()
    assert f"<dd data-total>${order.odoo_total} USD</dd>" in html


def test_it_lists_the_problems_a_sync_would_hit(merchant_client, shop, odoo):
    node = order_node()
    node["lineItems"]["nodes"][0]["sku"] = node["lineItems"]["nodes"][0]["variant"]["sku"] = "SKU-NOPE"
    node["lineItems"]["nodes"][0]["variant"]["barcode"] = "4006381333931"
    order = queued_order(shop, node)

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    assert "No Odoo product has the SKU &#x27;SKU-NOPE&#x27;" in html


def test_the_preview_of_an_ineligible_order_says_so_and_why_before_the_dry_run(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(
        sync_status="not_synced", eligible=False, ineligible_reason="payment status pending"
    )

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    notice = html.index("data-ineligible")
    assert "#1001 is not eligible: payment status pending.</strong>" in html
    assert "Synco does not send it to Odoo, by hand or" in html
    assert notice < html.index("A dry run under the current order rules")
    assert notice < html.index("data-total")


def test_the_preview_of_an_eligible_order_has_no_eligibility_notice(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    assert "data-ineligible" not in html and "is not eligible" not in html
