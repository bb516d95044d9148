"""The Customers page (import panel, settings, counts), the duplicate-customer report, and tenancy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.imports import write_customers
from customers.models import CustomerLink, CustomerSettings
from products.models import CatalogueRun
from synco.gateways import odoo_client_for
from synco.models import OdooConnection, OrderRules, Shop
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.customers.helpers import customer

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_page_shows_counts_the_import_panel_and_the_settings(merchant_client, shop, odoo):
    write_customers(odoo_client_for(shop), shop, [customer(7001), customer(7002, email="b@example.com")])

    html = _html(merchant_client.get(reverse("customers:page")))

    assert "<strong>2</strong> Shopify customers linked to Odoo contacts" in html
    assert "Import customers from Shopify" in html
    assert 'name="match_phone"' in html and 'name="copy_marketing_consent"' in html
    assert reverse("customers:duplicates") in html
    nav = _html(merchant_client.get(reverse("home")))
    assert reverse("customers:page") in nav


def test_saving_the_settings(merchant_client, shop):
    response = merchant_client.post(
        reverse("customers:settings"), {"match_phone": "on", "import_companies": "on"}, **HTMX
    )

    assert "Saved." in _html(response)
    settings = CustomerSettings.objects.get(shop=shop)
    assert (settings.match_phone, settings.copy_marketing_consent, settings.import_companies) == (
        True,
        False,
        True,
    )
    assert settings.saved_at is not None


def test_starting_stopping_and_the_polled_panel(merchant_client, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        html = _html(merchant_client.post(reverse("customers:import"), **HTMX))
    assert len(callbacks) == 1  # the task is queued once the run is saved
    run = CatalogueRun.objects.get(shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)
    assert run.status == CatalogueRun.Status.QUEUED
    assert 'hx-trigger="every 2s"' in html and "Shopify is preparing the customer file" in html

    again = merchant_client.post(reverse("customers:import"), **HTMX)
    assert "already under way" in again["HX-Trigger"]

    CatalogueRun.objects.filter(pk=run.pk).update(status=CatalogueRun.Status.RUNNING, total=10, done=4)
    html = _html(merchant_client.get(reverse("customers:import_status"), **HTMX))
    assert "4 of 10 customers (40%)" in html
    html = _html(merchant_client.post(reverse("customers:import_stop", args=[run.pk]), **HTMX))
    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.STOPPING and run.stop_requested


def test_no_import_when_every_order_goes_on_one_contact(merchant_client, shop):
    OrderRules.objects.filter(shop=shop).update(customer_match=OrderRules.CustomerMatch.SINGLE)

    html = _html(merchant_client.get(reverse("customers:page")))
    assert "no customer is sent to Odoo" in html
    response = merchant_client.post(reverse("customers:import"), **HTMX)
    assert "Customers are not sent to Odoo" in response["HX-Trigger"]
    assert not CatalogueRun.objects.filter(shop=shop).exists()


def test_the_report_groups_contacts_with_the_same_email_and_suggests_keeping_synco_s(
    merchant_client, shop, odoo
):
    write_customers(odoo_client_for(shop), shop, [customer(7001), customer(7002, email="solo@example.com")])
    kept = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id
    twin = odoo.execute(
        "res.partner", "create", {"name": "Jane (typed in Odoo)", "email": "Jane.Doe@Example.com"}
    )

    html = _html(merchant_client.get(reverse("customers:duplicates")))

    assert "Same e-mail: jane.doe@example.com" in html
    assert f'data-partner="{kept}" data-keep="1"' in html and f'data-partner="{twin}"' in html
    assert f"keep #{kept} Jane Doe (Synco's contact for Shopify customer 7001)" in html
    assert f"merge #{twin} into it" in html and "base.partner.merge.automatic.wizard" in html
    assert "solo@example.com" not in html  # a customer with one contact is not a duplicate
    # Synco merged nothing
    assert odoo.execute("res.partner", "search_count", [["id", "in", [kept, twin]]]) == 2


def test_the_report_groups_by_phone_only_when_the_shop_matches_phones(merchant_client, shop, odoo):
    write_customers(odoo_client_for(shop), shop, [customer(7001)])  # +14155550100
    us = odoo.execute("res.country", "search", [["code", "=", "US"]])[0]
    twin = odoo.execute(
        "res.partner", "create", {"name": "J. D.", "phone": "(415) 555-0100", "country_id": us}
    )

    assert "Same phone number" not in _html(merchant_client.get(reverse("customers:duplicates")))
    CustomerSettings.objects.filter(shop=shop).update(match_phone=True)
    html = _html(merchant_client.get(reverse("customers:duplicates")))
    assert "Same phone number: +14155550100" in html and f'data-partner="{twin}"' in html


def test_a_page_of_the_report_costs_a_fixed_number_of_odoo_reads(shop, odoo, monkeypatch):
    from customers import duplicates

    client = odoo_client_for(shop)
    write_customers(client, shop, [customer(7000 + n, email=f"c{n}@example.com") for n in range(30)])
    calls: list[str] = []
    original = client.call
    monkeypatch.setattr(
        client,
        "call",
        lambda model, method, *a, **k: calls.append(method) or original(model, method, *a, **k),
    )

    report = duplicates.duplicate_report(client, shop)

    assert report.customers_checked == 30 and report.groups == ()
    assert calls == ["read", "search_read"]


# -- tenancy -------------------------------------------------------------------------------------------


@pytest.fixture
def other_shop(db, odoo):
    other = Shop.objects.create(domain="other-store.myshopify.com", name="Other", access_token="shpat_other")
    OdooConnection.objects.create(
        shop=other,
        url=f"http://127.0.0.1:{odoo.port}",
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=ODOO_PASSWORD,
    )
    OrderRules.objects.create(shop=other)
    return other


def test_shop_a_never_sees_shop_b(merchant_client, shop, other_shop, odoo):
    theirs = customer(8801, first_name="Theirs", email="theirs@example.com")
    write_customers(odoo_client_for(other_shop), other_shop, [theirs])
    odoo.execute("res.partner", "create", {"name": "Theirs twin", "email": "theirs@example.com"})
    run = CatalogueRun.objects.create(
        shop=other_shop, kind=CatalogueRun.Kind.CUSTOMERS, status=CatalogueRun.Status.RUNNING, total=7
    )

    page = _html(merchant_client.get(reverse("customers:page")))
    panel = _html(merchant_client.get(reverse("customers:import_status")))
    report = _html(merchant_client.get(reverse("customers:duplicates")))
    stop = merchant_client.post(reverse("customers:import_stop", args=[run.pk]), **HTMX)
    resume = merchant_client.post(reverse("customers:import_resume", args=[run.pk]), **HTMX)

    assert "<strong>0</strong> Shopify customers" in page and "Running" not in panel
    assert "theirs@example.com" not in report and "8801" not in report
    assert stop.status_code == resume.status_code == 404
    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.RUNNING and not run.stop_requested
    # and shop B's customer got shop B's external id
    names = odoo.execute(
        "ir.model.data",
        "search_read",
        [["module", "=", "shopify"], ["name", "like", "8801"]],
        fields=["name"],
    )
    assert [row["name"] for row in names] == ["customer_other_store_8801"]
