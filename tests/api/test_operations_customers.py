"""The customer endpoints: links (Shopify customer to Odoo contact), the duplicate report, import runs; a
customer Shopify asked to erase is gone from the API as from the pages; shop-scoped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from api.keys import create_key
from customers.imports import write_customers
from customers.models import CustomerLink
from products.models import CatalogueRun
from synclogs.models import WebhookReceipt
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from synco.shopify_app.webhook_handlers import process_webhook
from tests.api.conftest import client_with
from tests.customers.helpers import customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(shop: Shop) -> tuple[Any, Any]:
    _, read = create_key(shop, "read", "read")
    _, write = create_key(shop, "ops", "write")
    return client_with(read), client_with(write)


def test_the_overview_is_the_customers_page(keyed, other_shop):
    CustomerLink.objects.create(shop=keyed.shop, shopify_customer_id=7001, odoo_partner_id=9)
    CustomerLink.objects.create(
        shop=keyed.shop, shopify_customer_id=0, odoo_partner_id=3
    )  # the guest contact
    CustomerLink.objects.create(shop=other_shop.shop, shopify_customer_id=7002, odoo_partner_id=9)
    run = CatalogueRun.objects.create(shop=keyed.shop, kind=CatalogueRun.Kind.CUSTOMERS)

    body = keyed.read.get("/api/v1/customers/").json()

    assert body["linked"] == 1 and body["customers_sent"] is True
    assert body["settings"]["match_phone"] is False
    assert body["latest_import"]["id"] == run.pk and body["latest_import"]["kind"] == "customers"


def test_links_list_each_customers_odoo_contact(shop, odoo, api, other_shop):
    read, _ = api
    write_customers(odoo_client_for(shop), shop, [customer(7001), customer(7002, email="b@example.com")])
    CustomerLink.objects.create(shop=other_shop.shop, shopify_customer_id=7003, odoo_partner_id=9)
    jane = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001)

    answer = read.get("/api/v1/customers/links/")

    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["shopify_customer_id"] for r in rows] == [7001, 7002]
    assert rows[0]["odoo_partner_id"] == jane.odoo_partner_id
    assert rows[0]["odoo_url"] == f"http://127.0.0.1:{odoo.port}/odoo/res.partner/{jane.odoo_partner_id}"
    assert set(rows[0]) == {
        "id",
        "shopify_customer_id",
        "odoo_partner_id",
        "odoo_url",
        "addresses",
        "created_at",
    }
    only = read.get("/api/v1/customers/links/", {"customer": 7002}).json()["results"]
    assert [r["shopify_customer_id"] for r in only] == [7002]
    by_partner = read.get("/api/v1/customers/links/", {"partner": jane.odoo_partner_id}).json()["results"]
    assert [r["id"] for r in by_partner] == [jane.pk]
    assert read.get(f"/api/v1/customers/links/{jane.pk}/").json() == rows[0]


def test_bad_link_filters_are_400(keyed):
    answer = keyed.read.get("/api/v1/customers/links/", {"customer": "jane", "partner": "-1"})

    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"customer", "partner"}


def test_another_shops_links_are_404_and_never_listed(keyed, other_shop):
    theirs = CustomerLink.objects.create(shop=other_shop.shop, shopify_customer_id=7001, odoo_partner_id=9)

    assert keyed.read.get(f"/api/v1/customers/links/{theirs.pk}/").status_code == 404
    assert keyed.read.get("/api/v1/customers/links/", {"customer": 7001}).json()["results"] == []
    assert keyed.read.get("/api/v1/customers/links/", {"partner": 9}).json()["results"] == []


def test_a_redacted_customer_is_gone_from_the_api(keyed):
    erased = CustomerLink.objects.create(shop=keyed.shop, shopify_customer_id=7001, odoo_partner_id=9)
    kept = CustomerLink.objects.create(shop=keyed.shop, shopify_customer_id=7002, odoo_partner_id=10)
    receipt = WebhookReceipt.objects.create(
        shop=keyed.shop,
        shop_domain=keyed.shop.domain,
        topic="customers/redact",
        event_id="e-1",
        payload={
            "shop_id": 954889,
            "shop_domain": keyed.shop.domain,
            "customer": {"id": 7001, "email": "jane@example.com"},
        },
    )

    process_webhook(receipt.pk)

    assert WebhookReceipt.objects.get(pk=receipt.pk).status == WebhookReceipt.Status.PROCESSED

    assert keyed.read.get(f"/api/v1/customers/links/{erased.pk}/").status_code == 404
    rows = keyed.read.get("/api/v1/customers/links/").json()["results"]
    assert [r["id"] for r in rows] == [kept.pk]
    assert "7001" not in json.dumps(rows)


def test_a_page_of_links_costs_constant_queries(keyed, django_assert_max_num_queries):
    CustomerLink.objects.bulk_create(
        CustomerLink(shop=keyed.shop, shopify_customer_id=n, odoo_partner_id=n) for n in range(1, 251)
    )
    seen: list[int] = []
    url: str | None = "/api/v1/customers/links/?limit=100"
    while url:
        with django_assert_max_num_queries(5):
            body = keyed.read.get(url).json()
        seen += [r["shopify_customer_id"] for r in body["results"]]
        url = body["next"]
    assert seen == list(range(1, 251))


def test_the_duplicate_report_groups_contacts_with_the_same_email(shop, odoo, api):
    read, _ = api
    write_customers(odoo_client_for(shop), shop, [customer(7001), customer(7002, email="solo@example.com")])
    kept = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id
    twin = odoo.execute(
        "res.partner", "create", {"name": "Jane (typed in Odoo)", "email": "Jane.Doe@Example.com"}
    )

    answer = read.get("/api/v1/customers/duplicates/")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["page"], body["pages"], body["customers_checked"]) == (1, 1, 2)
    [group] = body["groups"]
    assert (group["reason"], group["value"]) == ("Same e-mail", "jane.doe@example.com")
    assert group["keep"]["id"] == kept and group["keep"]["shopify_customer_id"] == 7001
    assert [c["id"] for c in group["others"]] == [twin]
    assert odoo.execute("res.partner", "search_count", [["id", "in", [kept, twin]]]) == 2
    assert read.get("/api/v1/customers/duplicates/", {"page": "x"}).status_code == 400


def test_the_duplicate_report_with_odoo_down_is_503(shop, odoo, api):
    read, _ = api
    CustomerLink.objects.create(shop=shop, shopify_customer_id=7001, odoo_partner_id=9)
    odoo.control(down=True)

    answer = read.get("/api/v1/customers/duplicates/")

    assert answer.status_code == 503 and answer["Retry-After"]


def test_an_import_is_queued_refused_twice_and_stopped(keyed, other_shop, django_capture_on_commit_callbacks):
    OrderRules.objects.create(shop=keyed.shop)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = keyed.write.post("/api/v1/customers/imports/")

    assert started.status_code == 202
    assert len(callbacks) == 1
    run = CatalogueRun.objects.get(shop=keyed.shop, kind=CatalogueRun.Kind.CUSTOMERS)
    assert started.json()["run"]["id"] == run.pk
    again = keyed.write.post("/api/v1/customers/imports/")
    assert again.status_code == 409 and "already under way" in again.json()["error"]["message"]

    stopped = keyed.write.post(f"/api/v1/customers/imports/{run.pk}/stop/")
    assert stopped.status_code == 200 and stopped.json()["run"]["status"] == "stopped"
    assert keyed.write.post(f"/api/v1/customers/imports/{run.pk}/stop/").status_code == 409
    assert other_shop.write.post(f"/api/v1/customers/imports/{run.pk}/resume/").status_code == 404
    assert other_shop.read.get("/api/v1/customers/imports/").json()["results"] == []
    assert [r["id"] for r in keyed.read.get("/api/v1/customers/imports/").json()["results"]] == [run.pk]


def test_no_import_when_every_order_goes_on_one_contact_and_a_read_key_cannot(keyed):
    OrderRules.objects.create(shop=keyed.shop, customer_match=OrderRules.CustomerMatch.SINGLE)

    assert keyed.read.post("/api/v1/customers/imports/").status_code == 403
    refused = keyed.write.post("/api/v1/customers/imports/")

    assert refused.status_code == 409
    assert "Customers are not sent to Odoo" in refused.json()["error"]["message"]
    assert not CatalogueRun.objects.filter(shop=keyed.shop).exists()


def test_a_stopped_import_with_its_file_is_resumed(keyed, django_capture_on_commit_callbacks):
    run = CatalogueRun.objects.create(
        shop=keyed.shop,
        kind=CatalogueRun.Kind.CUSTOMERS,
        status=CatalogueRun.Status.STOPPED,
        result_url="https://example.com/file.jsonl",
        total=10,
        done=4,
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = keyed.write.post(f"/api/v1/customers/imports/{run.pk}/resume/")

    assert answer.status_code == 202, answer.content
    assert answer.json()["message"] == "Resuming from customer 5."
    assert len(callbacks) == 1
    assert reverse("v1:customer-import", args=[run.pk]) == f"/api/v1/customers/imports/{run.pk}/"
