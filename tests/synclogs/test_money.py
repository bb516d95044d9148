"""The sync log writes amounts as the order pages do: "$307.30", never Shopify's "307.3"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from synclogs.views import summary_sections
from synco.models import OdooConnection
from tests.factories import order_node
from tests.orders.helpers import stored_order
from tests.synclogs.helpers import attempt

pytestmark = pytest.mark.django_db


def _summary(shopify: str, odoo: str, difference: str) -> dict[str, object]:
    return {
        "sale_order": {"id": 42, "name": "SHOP#1001", "amount_total": odoo, "currency": "USD"},
        "totals": {"shopify": shopify, "odoo": odoo, "difference": difference, "tolerance": "0.01"},
    }


def test_the_detail_shows_shopify_and_odoo_totals_with_the_same_decimals(merchant_client, shop):
    order = stored_order(shop, order_node())
    row = attempt(shop, "#1001", order=order, summary=_summary("307.3", "307.30", "0"))

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    assert "<dt>Shopify total</dt><dd>$307.30</dd>" in html
    assert "<dt>Odoo total</dt><dd>$307.30</dd>" in html
    assert "<dt>Difference</dt><dd>$0.00</dd>" in html
    assert "<dt>Tolerance</dt><dd>$0.01</dd>" in html
    assert "<dt>Total</dt><dd>$307.30</dd>" in html
    assert ">307.3<" not in html


def test_a_difference_carries_its_sign_and_a_yen_order_has_no_decimals():
    odoo = OdooConnection(url="https://acme.odoo.com/")
    summary = _summary("6479", "6480", "1")
    summary["sale_order"] = {"id": 42, "amount_total": "6480", "currency": "JPY"}

    sections = summary_sections(summary, odoo, "JPY")

    facts = {(s.title, f.label): f.value for s in sections for f in s.facts}
    assert facts[("Sale order", "Total")] == "¥6,480"
    assert facts[("Totals comparison", "Shopify total")] == "¥6,479"
    assert facts[("Totals comparison", "Difference")] == "+¥1"


def test_without_a_currency_the_summary_shows_amounts_as_stored():
    sections = summary_sections(_summary("307.3", "307.30", "0"), None)

    assert [f.value for f in sections[1].facts] == ["307.3", "307.30", "0", "0.01"]


def test_the_currency_comes_from_the_order_when_the_summary_has_none(merchant_client, shop):
    order = stored_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(currency="EUR", total_price=Decimal("64.80"))
    row = attempt(shop, "#1001", order=order, summary={"totals": {"shopify": "64.8", "odoo": "64.80"}})

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    assert "<dt>Shopify total</dt><dd>€64.80</dd>" in html and "<dt>Odoo total</dt><dd>€64.80</dd>" in html
