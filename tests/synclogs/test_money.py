"""The sync log writes amounts as the order pages do: "$307.30", never Shopify's "307.3"."""

from __future__ import annotations

import re
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


def _lines_summary() -> dict[str, object]:
    # as WriteResult.log_summary keeps them: LineComparison.as_json() and the taxes, Shopify's figures as they came
    return {
        **_summary("64.8", "64.80", "0"),
        "lines": [
            {
                "label": "Blue mug (MUG-BLUE)",
                "quantity": "2",
                "price_unit": "22.0",
                "shopify_subtotal": "44.0",
                "odoo_subtotal": "44.00",
                "shopify_tax": "6.6",
                "odoo_tax": "6.60",
                "differs": False,
            },
            {
                "label": "Shipping",
                "shopify_subtotal": None,
                "odoo_subtotal": "14.20",
                "shopify_tax": None,
                "odoo_tax": "0.00",
                "differs": True,
            },
        ],
        "taxes": [{"name": "Tax 15%", "shopify": "6.6", "odoo": "6.60"}],
    }


def test_the_detail_shows_the_lines_and_taxes_as_tables_with_formatted_money(merchant_client, shop):
    order = stored_order(shop, order_node())
    row = attempt(shop, "#1001", order=order, summary=_lines_summary())

    html = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()

    lines = html.split('<s-table class="log-records" aria-label="Lines">')[1].split("</s-table>")[0]
    headers = re.findall(r"<s-table-header [^>]*>([^<]*)</s-table-header>", lines)
    assert headers == [
        "Line", "Quantity", "Unit price", "Shopify subtotal", "Odoo subtotal", "Shopify tax", "Odoo tax", "Differs",
    ]  # fmt: skip
    assert 'format="currency">Unit price<' in lines and 'format="numeric">Quantity<' in lines
    rows = [re.findall(r"<s-table-cell>([^<]*)</s-table-cell>", r) for r in lines.split("<s-table-row>")[1:]]
    assert rows == [
        ["Blue mug (MUG-BLUE)", "2", "$22.00", "$44.00", "$44.00", "$6.60", "$6.60", "No"],
        ["Shipping", "—", "—", "—", "$14.20", "—", "$0.00", "Yes"],
    ]
    taxes = html.split('<s-table class="log-records" aria-label="Taxes">')[1].split("</s-table>")[0]
    assert re.findall(r"<s-table-header [^>]*>([^<]*)</s-table-header>", taxes) == ["Name", "Shopify", "Odoo"]
    assert (
        "<s-table-cell>Tax 15%</s-table-cell><s-table-cell>$6.60</s-table-cell><s-table-cell>$6.60</s-table-cell>"
        in taxes
    )
    # no raw JSON dict left on the page's sections (the stored JSON stays under its own disclosure)
    assert "<dd>{" not in html and "{&quot;label&quot;" not in html.split('<details class="log-raw">')[0]


def test_the_lines_are_facts_too_for_the_api():
    sections = summary_sections(_lines_summary(), None, "USD")

    by_title = {section.title: section for section in sections}
    assert [fact.label for fact in by_title["Lines"].facts] == ["Blue mug (MUG-BLUE)", "Shipping"]
    assert by_title["Lines"].facts[0].value == (
        "Quantity: 2; Unit price: $22.00; Shopify subtotal: $44.00; Odoo subtotal: $44.00; "
        "Shopify tax: $6.60; Odoo tax: $6.60; Differs: No"
    )
    assert [(f.label, f.value) for f in by_title["Taxes"].facts] == [
        ("Tax 15%", "Shopify: $6.60; Odoo: $6.60")
    ]
    assert list(by_title) == ["Sale order", "Totals comparison", "Lines", "Taxes"]  # no JSON under Outcome
