"""What each order rule makes Odoo contain, checked in the Odoo sandbox."""

from __future__ import annotations

import contextlib
import xmlrpc.client
from decimal import Decimal

import pytest

from orders.models import Order, SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, OrderRules
from tests.factories import money, order_node
from tests.orders.helpers import queued_order, retry

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"


def _rules(shop, **values):
    OrderRules.objects.filter(shop=shop).update(**values)


def _invoice(odoo, sale):
    [invoice] = odoo.execute(
        "account.move",
        "read",
        sale["invoice_ids"],
        fields=["name", "state", "payment_state", "amount_total", "matched_payment_ids", "partner_id"],
    )
    return invoice


def _sale(odoo):
    [sale] = odoo.execute(
        "sale.order",
        "search_read",
        [["origin", "=", ORIGIN]],
        fields=[
            "name",
            "state",
            "amount_total",
            "invoice_ids",
            "order_line",
            "currency_id",
            "pricelist_id",
            "partner_invoice_id",
        ],
    )
    return sale


def test_it_creates_a_draft_invoice(shop, odoo):
    _rules(shop, create_as=OrderRules.CreateAs.DRAFT_INVOICE)
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    sale = _sale(odoo)
    invoice = _invoice(odoo, sale)
    assert invoice["state"] == "draft"
    assert invoice["amount_total"] == 61.77
    assert invoice["partner_id"][0] == sale["partner_invoice_id"][0]
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert order.odoo_invoice_id == sale["invoice_ids"][0]


def test_it_posts_the_invoice(shop, odoo):
    _rules(shop, create_as=OrderRules.CreateAs.POSTED_INVOICE)
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    invoice = _invoice(odoo, _sale(odoo))
    assert invoice["state"] == "posted"
    assert invoice["name"].startswith("INV/")
    order.refresh_from_db()
    assert order.odoo_invoice_name == invoice["name"]


def test_it_pays_the_invoice_in_the_journal_of_the_gateway_and_never_twice(shop, odoo):
    _rules(shop, create_as=OrderRules.CreateAs.PAID_INVOICE, payment_journals={"shopify_payments": 7, "*": 6})
    order = queued_order(shop, order_node())

    sync_order(order.pk)
    retry(order)
    sync_order(order.pk)

    invoice = _invoice(odoo, _sale(odoo))
    assert invoice["state"] == "posted"
    assert invoice["payment_state"] in ("paid", "in_payment")
    assert len(invoice["matched_payment_ids"]) == 1
    [payment] = odoo.execute(
        "account.payment", "read", invoice["matched_payment_ids"], fields=["journal_id", "amount"]
    )
    assert payment["journal_id"][0] == 7
    assert payment["amount"] == 61.77
    last = SyncAttempt.objects.filter(order=order).first()
    assert last is not None and "The invoice was already paid: no second payment." in last.message


def test_it_does_not_pay_an_order_that_shopify_has_not_captured(shop, odoo):
    _rules(shop, create_as=OrderRules.CreateAs.PAID_INVOICE)
    order = queued_order(shop, order_node(displayFinancialStatus="AUTHORIZED"))

    sync_order(order.pk)

    invoice = _invoice(odoo, _sale(odoo))
    assert invoice["state"] == "posted"
    assert invoice["matched_payment_ids"] == []


def test_it_creates_one_order_when_the_response_of_the_write_is_lost(shop, odoo):
    order = queued_order(shop, order_node())
    odoo.control(drop_after_write=1)

    delay = sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.QUEUED
    assert "connection to Odoo" in order.sync_error
    assert delay is not None and order.next_retry_at is not None
    sync_order(order.pk)  # the automatic retry
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    sale = _sale(odoo)
    assert len(sale["order_line"]) == 3
    assert sale["state"] == "sale"


def test_it_holds_an_order_whose_totals_differ_as_a_quotation(shop, odoo):
    _rules(shop, totals_action=OrderRules.TotalsAction.HOLD)
    order = queued_order(shop, order_node(totalPriceSet=money("62.77")))

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NEEDS_REVIEW
    assert (
        order.review_reason
        == "Odoo total $61.77 differs from Shopify total $62.77 by -$1.00 (tolerance $0.01)."
    )
    assert order.totals_difference == Decimal("-1.00")
    assert _sale(odoo)["state"] == "draft"


def test_it_adds_a_rounding_line_when_the_rules_say_so(shop, odoo):
    # A rounding line is for differences within the shop's tolerance (beyond it: Needs review).
    _rules(shop, totals_action=OrderRules.TotalsAction.ROUNDING_LINE, totals_tolerance=Decimal("0.05"))
    order = queued_order(shop, order_node(totalPriceSet=money("61.80")))

    sync_order(order.pk)

    sale = _sale(odoo)
    assert sale["amount_total"] == 61.80
    assert len(sale["order_line"]) == 4
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert order.totals_difference == Decimal("0.00")


def test_it_sells_in_the_order_currency_through_a_pricelist(shop, odoo):
    node = order_node(currencyCode="EUR")
    order = queued_order(shop, node)

    sync_order(order.pk)

    sale = _sale(odoo)
    assert sale["currency_id"][1] == "EUR"
    assert sale["pricelist_id"][1] == "Shopify EUR (EUR)"
    # the pricelist is the shop's own (external id per shop and currency)
    [xmlid] = odoo.execute(
        "ir.model.data",
        "search_read",
        [["model", "=", "product.pricelist"], ["module", "=", "shopify"]],
        fields=["name", "res_id"],
    )
    assert (xmlid["name"], xmlid["res_id"]) == ("pricelist_synco_demo_eur", sale["pricelist_id"][0])


def test_it_creates_missing_products_and_taxes_when_allowed(shop, odoo):
    _rules(shop, auto_create_products=True, auto_create_taxes=True)
    node = order_node()
    line = node["lineItems"]["nodes"][0]
    line["sku"] = line["variant"]["sku"] = "SKU-NEW-1"
    line["variant"]["barcode"] = "4006381333931"
    line["taxLines"] = [
        {"title": "State tax", "rate": 0.06, "ratePercentage": 6.0, "priceSet": money("2.70")}
    ]
    # Shopify's totals for these lines: 2.70 + 0.53 tax (they said 7.28 / 61.77, which Odoo would not match)
    node.update(totalTaxSet=money("3.23"), totalPriceSet=money("57.72"))
    order = queued_order(shop, node)

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    [product] = odoo.execute(
        "product.product",
        "search_read",
        [["default_code", "=", "SKU-NEW-1"]],
        fields=["barcode", "is_storable", "list_price"],
    )
    assert (product["barcode"], product["is_storable"], product["list_price"]) == (
        "4006381333931",
        True,
        25.0,
    )
    [tax] = odoo.execute(
        "account.tax",
        "search_read",
        [["amount", "=", 6.0], ["type_tax_use", "=", "sale"]],
        fields=["name", "price_include_override"],
    )
    assert tax == {"id": tax["id"], "name": "Shopify 6%", "price_include_override": "tax_excluded"}
    created = SyncAttempt.objects.get(shop=shop, object_type="product")
    assert (created.operation, created.odoo_id, created.object_ref) == (
        "create_product",
        product["id"],
        "SKU-NEW-1",
    )


def test_it_names_both_products_that_share_an_sku(shop, odoo):
    odoo.execute("product.product", "create", {"name": "T-Shirt M (old)", "default_code": "SKU-TSHIRT-M"})
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert order.sync_error.startswith(
        "Several Odoo products have the SKU 'SKU-TSHIRT-M': '[SKU-TSHIRT-M] Organic"
    )
    assert "'[SKU-TSHIRT-M] T-Shirt M (old)'" in order.sync_error


def test_it_works_over_json_rpc_too(shop, odoo):
    OdooConnection.objects.filter(shop=shop).update(protocol="jsonrpc")
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    assert _sale(odoo)["amount_total"] == 61.77


def test_it_needs_three_round_trips_for_a_confirmed_order_when_everything_is_known(shop, odoo):
    first = queued_order(shop, order_node())
    sync_order(first.pk)
    node = order_node(id="gid://shopify/Order/5550001002", name="#1002")
    for index, line in enumerate(node["lineItems"]["nodes"]):
        line["id"] = f"gid://shopify/LineItem/95{index}"
    second = queued_order(shop, node)
    odoo.server.reset_stats()

    sync_order(second.pk)

    attempt = SyncAttempt.objects.get(order=second)
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert attempt.rpc_calls == 3
    assert odoo.server.stats()["calls"] == {
        "sale.order:load": 1,
        "sale.order:action_confirm": 1,
        "sale.order:web_save": 1,
    }
    assert Order.objects.get(pk=second.pk).odoo_name == "SHOP#1002"


def _known_second_order(shop, odoo):
    """A first order makes the customer, products and taxes known; the second is the one measured."""
    sync_order(queued_order(shop, order_node()).pk)
    node = order_node(id="gid://shopify/Order/5550001002", name="#1002")
    for index, line in enumerate(node["lineItems"]["nodes"]):
        line["id"] = f"gid://shopify/LineItem/95{index}"
    second = queued_order(shop, node)
    odoo.server.reset_stats()
    return second


ORDER_CALLS = {"sale.order:load": 1, "sale.order:action_confirm": 1, "sale.order:web_save": 1}
INVOICED_CALLS = {
    **ORDER_CALLS,
    "sale.advance.payment.inv:create": 1,
    "sale.advance.payment.inv:create_invoices": 1,
}
# A draft that stays a draft: dated and read back in one web_save.
INVOICE_CALLS = {**INVOICED_CALLS, "account.move:web_save": 1}
# Dated (write), posted, then read: Odoo numbers it when posting.
POSTED_CALLS = {
    **INVOICED_CALLS,
    "account.move:write": 1,
    "account.move:action_post": 1,
    "account.move:web_read": 1,
}
PAID_CALLS = {
    **POSTED_CALLS,
    "account.payment.register:create": 1,
    "account.payment.register:action_create_payments": 1,
}


@pytest.mark.parametrize(
    ("create_as", "calls", "state", "invoice_state"),
    [
        (OrderRules.CreateAs.QUOTATION, {"sale.order:load": 1, "sale.order:web_read": 1}, "draft", None),
        (OrderRules.CreateAs.SALE_ORDER, ORDER_CALLS, "sale", None),
        (OrderRules.CreateAs.DRAFT_INVOICE, INVOICE_CALLS, "sale", ("draft", "not_paid")),
        (OrderRules.CreateAs.POSTED_INVOICE, POSTED_CALLS, "sale", ("posted", "not_paid")),
        (OrderRules.CreateAs.PAID_INVOICE, PAID_CALLS, "sale", ("posted", "paid")),
    ],
)
def test_the_calls_of_each_mode_when_everything_is_known(shop, odoo, create_as, calls, state, invoice_state):
    _rules(shop, create_as=create_as, invoice_date_source=OrderRules.InvoiceDateSource.ORDER_DATE)
    second = _known_second_order(shop, odoo)

    sync_order(second.pk)

    attempt = SyncAttempt.objects.get(order=second)
    assert attempt.status == SyncAttempt.Status.SUCCESS, attempt.message
    assert odoo.server.stats()["calls"] == calls
    assert attempt.rpc_calls == sum(calls.values())
    second.refresh_from_db()
    [sale] = odoo.execute(
        "sale.order", "read", [second.odoo_id], fields=["name", "state", "date_order", "invoice_ids"]
    )
    assert (sale["name"], sale["state"], second.odoo_name) == ("SHOP#1002", state, "SHOP#1002")
    assert sale["date_order"] == "2026-11-20 14:03:00"  # Shopify's, also after action_confirm
    if invoice_state is None:
        assert sale["invoice_ids"] == [] and second.odoo_invoice_id is None
        return
    [invoice] = odoo.execute(
        "account.move",
        "read",
        sale["invoice_ids"],
        fields=["name", "state", "payment_state", "invoice_date", "amount_total", "matched_payment_ids"],
    )
    assert (invoice["state"], invoice["payment_state"]) == invoice_state
    assert (invoice["invoice_date"], invoice["amount_total"]) == ("2026-11-20", 61.77)
    assert (second.odoo_invoice_id, second.odoo_invoice_name) == (invoice["id"], invoice["name"] or "")
    assert second.odoo_payment_id == (invoice["matched_payment_ids"] or [None])[0]
    if create_as == OrderRules.CreateAs.PAID_INVOICE:
        [payment] = odoo.execute("account.payment", "read", invoice["matched_payment_ids"], fields=["date"])
        assert payment["date"] == "2026-11-20"


@pytest.mark.parametrize(
    ("create_as", "dated", "invoice_calls", "state"),
    [
        (
            OrderRules.CreateAs.POSTED_INVOICE,
            False,
            {"account.move:web_read": 2, "account.move:write": 1, "account.move:action_post": 1},
            "posted",
        ),
        (
            OrderRules.CreateAs.POSTED_INVOICE,
            True,
            {"account.move:web_read": 2, "account.move:action_post": 1},
            "posted",
        ),
        # A draft that stays one: dated and read in one web_save, or, already dated, the first read is the last.
        (
            OrderRules.CreateAs.DRAFT_INVOICE,
            False,
            {"account.move:web_read": 1, "account.move:web_save": 1},
            "draft",
        ),
        (OrderRules.CreateAs.DRAFT_INVOICE, True, {"account.move:web_read": 1}, "draft"),
    ],
)
def test_a_retry_finds_the_invoice_an_earlier_attempt_left_and_dates_it_only_if_needed(
    shop, odoo, create_as, dated, invoice_calls, state
):
    """An earlier attempt died after the invoice wizard (or an older Synco left an undated draft): the retry
    finds the invoice, dates it only if it lacks the date, posts it if the rules say so; never a second invoice."""
    _rules(shop, create_as=OrderRules.CreateAs.SALE_ORDER)
    order = queued_order(shop, order_node())
    sync_order(order.pk)
    order.refresh_from_db()
    context = {"active_model": "sale.order", "active_ids": [order.odoo_id], "active_id": order.odoo_id}
    wizard = odoo.execute(
        "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"}, context=context
    )
    with contextlib.suppress(xmlrpc.client.Fault):  # the None-fault of an order without a payment term
        odoo.execute("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    [invoice_id] = _sale(odoo)["invoice_ids"]
    if dated:
        odoo.execute("account.move", "write", [invoice_id], {"invoice_date": "2026-11-20"})
    _rules(shop, create_as=create_as, invoice_date_source=OrderRules.InvoiceDateSource.ORDER_DATE)
    retry(order)
    odoo.server.reset_stats()

    sync_order(order.pk)

    calls = odoo.server.stats()["calls"]
    assert {key: count for key, count in calls.items() if key.startswith("account.move:")} == invoice_calls
    assert not any(key.startswith("sale.advance.payment.inv:") for key in calls)
    sale = _sale(odoo)
    assert sale["invoice_ids"] == [invoice_id]
    invoice = _invoice(odoo, sale)
    [dates] = odoo.execute("account.move", "read", [invoice_id], fields=["invoice_date"])
    assert (invoice["state"], dates["invoice_date"]) == (state, "2026-11-20")
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert (order.odoo_invoice_id, order.odoo_invoice_name) == (invoice_id, invoice["name"] or "")
