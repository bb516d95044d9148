from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.models import Order
from orders.services import refresh_eligibility
from synco.models import OrderRules
from synco.shopify.types import parse_order
from tests.factories import order_node

pytestmark = pytest.mark.django_db

VALID = {
    "create_as": "paid_invoice",
    "order_prefix": "WEB",
    "use_shopify_order_number": "on",
    "sync_note": "on",
    "sweep_interval_minutes": "15",
    "financial_statuses": ["PAID", "AUTHORIZED"],
    "sources": "web, pos",
    "include_tags": "",
    "exclude_tags": "no-erp, test",
    "risk_threshold": "MEDIUM",
    "guest_customer_name": "Guests",
    "product_match": "barcode_sku",
    "discount_mode": "discount_line",
    "payment_journals": "shopify_payments = 7\n* = 6",
    "totals_tolerance": "0.05",
    "totals_action": "hold",
    "exclude_test_orders": "on",
}


def test_it_saves_valid_rules_and_reapplies_eligibility(
    merchant_client, shop, django_capture_on_commit_callbacks
):
    node = order_node(tags=["no-erp"])
    parsed = parse_order(node)
    Order.objects.create(
        shop=shop,
        shopify_id=parsed.id,
        gid=parsed.gid,
        name=parsed.name,
        created_at=parsed.created_at,
        updated_at=parsed.updated_at,
        payload=node,
        eligible=True,
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant_client.post(reverse("settings:rules"), VALID)
    assert len(callbacks) == 1  # the eligibility refresh task, enqueued after the save commits
    refresh_eligibility(shop)  # what that task runs

    assert response.status_code == 200
    rules = OrderRules.objects.get(shop=shop)
    assert rules.create_as == "paid_invoice"
    assert rules.financial_statuses == ["PAID", "AUTHORIZED"]
    assert rules.sources == ["web", "pos"]
    assert rules.exclude_tags == ["no-erp", "test"]
    assert rules.payment_journals == {"shopify_payments": 7, "*": 6}
    assert rules.totals_tolerance == Decimal("0.05")
    order = Order.objects.get()
    assert (order.eligible, order.ineligible_reason) == (False, "tagged no-erp")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"order_prefix": "MY SHOP"}, "order_prefix", "The prefix cannot contain spaces."),
        (
            {"sweep_interval_minutes": "1"},
            "sweep_interval_minutes",
            "Choose between 5 minutes and 24 hours (1440).",
        ),
        ({"totals_tolerance": "50"}, "totals_tolerance", "Choose a tolerance between 0.00 and 10.00."),
        (
            {"payment_journals": "paypal: eight"},
            "payment_journals",
            "Line 1 should read 'gateway = journal id'",
        ),
        (
            {"payment_journals": ""},
            "payment_journals",
            "Map at least '* = <journal id>' to register payments.",
        ),
        ({"include_tags": "vip, test"}, "exclude_tags", "A tag cannot be both included and excluded: test."),
    ],
)
def test_it_refuses_invalid_rules_with_a_clear_message(merchant_client, shop, change, field, message):
    response = merchant_client.post(reverse("settings:rules"), {**VALID, **change})

    assert response.status_code == 422
    assert escape(message) in response.content.decode()
    assert OrderRules.objects.get(shop=shop).create_as == "sale_order"


def test_saving_the_rules_records_when(merchant_client, shop, django_capture_on_commit_callbacks):
    assert OrderRules.objects.get(shop=shop).saved_at is None

    with django_capture_on_commit_callbacks(execute=False):
        merchant_client.post(reverse("settings:rules"), VALID)

    assert OrderRules.objects.get(shop=shop).saved_at is not None


def test_the_rules_page_groups_its_fields_with_help(merchant_client, shop):
    html = merchant_client.get(reverse("settings:rules")).content.decode()

    for legend in ("What Synco creates in Odoo", "Which orders are synced", "Totals check"):
        assert f"<legend>{legend}</legend>" in html
    assert '<s-checkbox id="id_auto_sync" name="auto_sync" label="' in html
    assert re.search(
        r'<s-text-field id="id_order_prefix" name="order_prefix" label="[^"]+" value="[^"]*" details="', html
    )


@pytest.mark.parametrize(
    ("journals", "message"),
    [
        ("* = 0", "Line 1: an Odoo journal id starts at 1."),
        ("paypal = 8\npaypal = 9", "Line 2: &#x27;paypal&#x27; is mapped twice."),
    ],
)
def test_it_refuses_unusable_journal_mappings(merchant_client, shop, journals, message):
    response = merchant_client.post(reverse("settings:rules"), {**VALID, "payment_journals": journals})

    assert response.status_code == 422
    assert message in response.content.decode()


@pytest.mark.parametrize("field", ["sources", "include_tags", "exclude_tags"])
def test_a_null_character_in_a_list_is_refused_with_a_message_not_a_500(merchant_client, shop, field):
    # PostgreSQL cannot store U+0000 in a JSON column; CharField's own check missed it (it read the list's repr).
    before = OrderRules.objects.get(shop=shop).exclude_tags

    response = merchant_client.post(reverse("settings:rules"), {**VALID, field: "no-erp, te\x00st"})

    assert response.status_code == 422  # the form, with its errors
    assert "Null characters are not allowed." in response.content.decode()
    assert OrderRules.objects.get(shop=shop).exclude_tags == before
