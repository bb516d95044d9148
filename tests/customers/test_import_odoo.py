"""Customers into the Odoo sandbox: partners, address children, companies, notes, dedupe, no twins."""

from __future__ import annotations

import pytest

from customers.imports import CustomersNotSent, write_customers
from customers.models import CustomerLink, CustomerSettings
from orders.models import SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt
from synco.gateways import odoo_client_for
from synco.models import OrderRules
from tests.customers.helpers import address, company, customer
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db

PARTNER_FIELDS = [
    "name",
    "email",
    "phone",
    "street",
    "city",
    "zip",
    "country_id",
    "state_id",
    "parent_id",
    "type",
    "is_company",
    "comment",
    "child_ids",
    "customer_rank",
    "ref",
]


def _partner(odoo, partner_id: int) -> dict:
    return odoo.execute("res.partner", "read", [partner_id], fields=PARTNER_FIELDS)[0]


def _count(odoo) -> int:
    return odoo.execute("res.partner", "search_count", [["active", "in", [True, False]]])


def test_a_customer_becomes_a_partner_with_its_default_address_and_delivery_children(shop, odoo):
    jane = customer(
        addresses=(
            address(1, "1 Market St", default=True),
            address(2, "500 Howard St"),
            address(3, "9 Rue de Rivoli", city="Paris", zip="75001", province_code="", country_code="FR"),
        )
    )

    result = write_customers(odoo_client_for(shop), shop, [jane])

    assert (result.created, result.failed) == (1, 0)
    link = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001)
    partner = _partner(odoo, link.odoo_partner_id)
    assert (partner["name"], partner["email"], partner["phone"]) == (
        "Jane Doe",
        "jane.doe@example.com",
        "+14155550100",
    )
    assert (partner["street"], partner["city"], partner["zip"]) == ("1 Market St", "San Francisco", "94105")
    assert partner["country_id"][1] == "United States" and partner["state_id"][1].startswith("California")
    assert partner["ref"] == "shopify:customer:7001" and partner["customer_rank"] == 1
    assert partner["parent_id"] is False and partner["is_company"] is False
    children = [_partner(odoo, child) for child in partner["child_ids"]]
    assert sorted((c["type"], c["street"], c["city"], c["name"]) for c in children) == [
        ("delivery", "500 Howard St", "San Francisco", "Jane Doe"),
        ("delivery", "9 Rue de Rivoli", "Paris", "Jane Doe"),
    ]
    [xmlid] = odoo.execute(
        "ir.model.data",
        "search_read",
        [["res_id", "=", partner["id"]], ["model", "=", "res.partner"]],
        fields=["module", "name"],
    )
    assert (xmlid["module"], xmlid["name"]) == ("shopify", "customer_synco_demo_7001")
    log = SyncAttempt.objects.get(operation="import_customers")
    assert log.status == SyncAttempt.Status.SUCCESS and "1 created" in log.message
    assert "Jane" not in log.message and "jane" not in log.message  # no customer data in the log


def test_a_company_contact_goes_under_its_company_partner(shop, odoo):
    buyer = customer(7002, email="buyer@acme.example", companies=(company(501, "Acme Corp"),))
    colleague = customer(7003, email="colleague@acme.example", companies=(company(501, "Acme Corp"),))

    write_customers(odoo_client_for(shop), shop, [buyer, colleague])

    partners = {
        link.shopify_customer_id: _partner(odoo, link.odoo_partner_id)
        for link in CustomerLink.objects.filter(shop=shop)
    }
    company_id = partners[7002]["parent_id"][0]
    assert partners[7003]["parent_id"][0] == company_id
    acme = _partner(odoo, company_id)
    assert (acme["name"], acme["is_company"]) == ("Acme Corp", True)
    assert sorted(acme["child_ids"]) == sorted([partners[7002]["id"], partners[7003]["id"]])


def test_companies_are_not_imported_when_the_shop_does_not_use_them(shop, odoo):
    CustomerSettings.objects.create(shop=shop, import_companies=False)
    buyer = customer(7002, email="buyer@acme.example", companies=(company(501, "Acme Corp"),))

    write_customers(odoo_client_for(shop), shop, [buyer])

    link = CustomerLink.objects.get(shop=shop)
    assert _partner(odoo, link.odoo_partner_id)["parent_id"] is False
    assert (
        odoo.execute("res.partner", "search_count", [["is_company", "=", True], ["name", "=", "Acme Corp"]])
        == 0
    )


def test_tax_exemption_is_noted_and_marketing_consent_is_not_copied_by_default(shop, odoo):
    exempt = customer(tax_exempt=True, tax_exemptions=("CA_STATUS_CARD_EXEMPTION",))

    write_customers(odoo_client_for(shop), shop, [exempt])

    note = _partner(odoo, CustomerLink.objects.get(shop=shop).odoo_partner_id)["comment"]
    assert "Tax exempt in Shopify (exemptions: CA_STATUS_CARD_EXEMPTION)" in note
    assert "marketing" not in note
    assert odoo.execute("res.partner.category", "search_count", [["name", "like", "marketing"]]) == 0


def _tags(odoo, partner_id: int) -> list[str]:
    ids = odoo.execute("res.partner", "read", [partner_id], fields=["category_id"])[0]["category_id"]
    return sorted(row["name"] for row in odoo.execute("res.partner.category", "read", ids, fields=["name"]))


def test_marketing_consent_is_copied_as_a_contact_tag_when_the_merchant_asks(shop, odoo):
    client = odoo_client_for(shop)
    write_customers(client, shop, [customer(7001)])  # consent not copied by default
    partner = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id
    assert _tags(odoo, partner) == []
    vip = odoo.execute("res.partner.category", "create", {"name": "VIP"})
    odoo.execute("res.partner", "write", [partner], {"category_id": [(4, vip)]})
    CustomerSettings.objects.filter(shop=shop).update(copy_marketing_consent=True)
    not_subscribed = customer(7004, email="no@example.com", email_marketing="NOT_SUBSCRIBED")

    write_customers(client, shop, [customer(7001), not_subscribed])

    other = CustomerLink.objects.get(shop=shop, shopify_customer_id=7004).odoo_partner_id
    assert _tags(odoo, partner) == ["Shopify: accepts e-mail marketing", "VIP"]
    assert _tags(odoo, other) == []
    # unsubscribed in Shopify: the tag goes, the merchant's own tags stay
    write_customers(client, shop, [customer(7001, email_marketing="UNSUBSCRIBED")])
    assert _tags(odoo, partner) == ["VIP"]
    assert odoo.execute("res.partner.category", "search_count", [["name", "like", "Shopify"]]) == 1


def test_a_second_run_makes_no_twins_and_no_writes(shop, odoo):
    client = odoo_client_for(shop)
    jane = customer(companies=(company(501, "Acme Corp"),))
    write_customers(client, shop, [jane])
    count = _count(odoo)

    again = write_customers(odoo_client_for(shop), shop, [jane])

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert _count(odoo) == count
    # a change in Shopify is written on the same partner
    changed = write_customers(
        client, shop, [customer(phone="+14155550199", companies=(company(501, "Acme Corp"),))]
    )
    assert changed.updated == 1 and _count(odoo) == count
    assert _partner(odoo, CustomerLink.objects.get(shop=shop).odoo_partner_id)["phone"] == "+14155550199"


def test_a_lost_answer_retried_finds_the_records_instead_of_twins(shop, odoo):
    jane = customer()
    write_customers(odoo_client_for(shop), shop, [jane])
    count = _count(odoo)
    CustomerLink.objects.all().delete()  # as if Synco never heard Odoo's answer

    again = write_customers(odoo_client_for(shop), shop, [jane])

    assert again.created == 0 and _count(odoo) == count


def test_orders_of_an_imported_customer_create_no_partner_and_no_address(shop, odoo):
    write_customers(odoo_client_for(shop), shop, [customer()])
    partner_id = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id
    count = _count(odoo)
    order = queued_order(shop, order_node())  # Jane's billing = her default, shipping = her other address

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    assert sale["partner_id"][0] == partner_id
    assert sale["partner_invoice_id"][0] == partner_id
    shipping = _partner(odoo, sale["partner_shipping_id"][0])
    assert (shipping["parent_id"][0], shipping["street"], shipping["type"]) == (
        partner_id,
        "500 Howard St",
        "delivery",
    )
    assert _count(odoo) == count  # Odoo received no new res.partner


def test_an_existing_contact_with_the_same_email_is_linked_not_rewritten(shop, odoo):
    existing = odoo.execute(
        "res.partner", "create", {"name": "Jane D. (merchant)", "email": "JANE.DOE@example.com"}
    )
    count = _count(odoo)

    result = write_customers(odoo_client_for(shop), shop, [customer()])

    assert (result.created, result.linked) == (0, 1)
    assert CustomerLink.objects.get(shop=shop).odoo_partner_id == existing
    partner = _partner(odoo, existing)
    assert partner["name"] == "Jane D. (merchant)" and partner["street"] is False
    # both addresses arrive as its delivery contacts (the partner's own address is the merchant's)
    assert sorted(_partner(odoo, c)["street"] for c in partner["child_ids"]) == [
        "1 Market St",
        "500 Howard St",
    ]
    assert _count(odoo) == count + 2


def test_an_existing_contact_with_the_same_phone_is_linked_when_the_shop_matches_phones(shop, odoo):
    us = odoo.execute("res.country", "search", [["code", "=", "US"]])[0]
    existing = odoo.execute(
        "res.partner", "create", {"name": "J. Doe", "phone": "(415) 555-0100", "country_id": us}
    )
    other = odoo.execute("res.partner", "create", {"name": "Someone", "phone": "+44 20 5555 0101"})
    client = odoo_client_for(shop)

    without = write_customers(client, shop, [customer(email="")])
    assert without.created == 1  # phone matching is off by default
    CustomerLink.objects.all().delete()
    CustomerSettings.objects.filter(shop=shop).update(match_phone=True)
    with_phone = write_customers(client, shop, [customer(7005, email="", phone="+1 415 555 0100")])

    assert with_phone.linked == 1
    assert CustomerLink.objects.get(shop=shop, shopify_customer_id=7005).odoo_partner_id == existing != other


def test_no_customer_is_sent_when_every_order_goes_on_one_contact(shop, odoo):
    OrderRules.objects.filter(shop=shop).update(
        customer_match=OrderRules.CustomerMatch.SINGLE, single_partner_id=3
    )
    count = _count(odoo)

    with pytest.raises(CustomersNotSent, match="every order goes on one chosen contact"):
        write_customers(odoo_client_for(shop), shop, [customer()])

    assert _count(odoo) == count and not CustomerLink.objects.exists()


def test_a_customer_whose_contact_was_deleted_in_odoo_is_matched_again(shop, odoo):
    client = odoo_client_for(shop)
    merchant = odoo.execute(
        "res.partner", "create", {"name": "Jane (merchant)", "email": "jane.doe@example.com"}
    )
    write_customers(client, shop, [customer()])
    assert CustomerLink.objects.get(shop=shop).odoo_partner_id == merchant
    # the merchant merges it into another contact in Odoo (the merged one disappears)
    kept = odoo.execute("res.partner", "create", {"name": "Jane (kept)", "email": "Jane.Doe@example.com"})
    odoo.execute("res.partner", "unlink", [merchant])

    result = write_customers(client, shop, [customer()])

    assert (result.linked, result.created) == (1, 0)
    link = CustomerLink.objects.get(shop=shop)
    assert link.odoo_partner_id == kept
    children = odoo.execute("res.partner", "search_read", [["parent_id", "=", kept]], fields=["street"])
    assert sorted(c["street"] for c in children) == ["1 Market St", "500 Howard St"]
    # the old contact's addresses are forgotten: every digest names the kept contact's children
    assert set(link.addresses.values()) == {c["id"] for c in children}


def test_an_order_after_the_linked_contact_was_deleted_in_odoo_matches_the_customer_again(shop, odoo):
    write_customers(odoo_client_for(shop), shop, [customer()])
    link = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001)
    children = odoo.execute("res.partner", "search", [["parent_id", "=", link.odoo_partner_id]])
    odoo.execute("res.partner", "unlink", [*children, link.odoo_partner_id])  # merged away in Odoo
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    [sale] = odoo.sale_orders("shopify:order:5550001001")
    new_link = CustomerLink.objects.get(shop=shop, shopify_customer_id=7001)
    assert sale["partner_id"][0] == new_link.odoo_partner_id != link.odoo_partner_id


def test_a_batch_costs_a_fixed_number_of_odoo_calls_and_a_rerun_writes_nothing(shop, odoo, monkeypatch):
    client = odoo_client_for(shop)
    calls: list[str] = []
    original = client.call

    def counted(model, method, *args, **kwargs):
        calls.append(f"{model}:{method}")
        return original(model, method, *args, **kwargs)

    monkeypatch.setattr(client, "call", counted)
    batch = [
        customer(
            7100 + n,
            email=f"c{n}@example.com",
            addresses=(address(1, f"{n} Market St", default=True), address(2, f"{n} Howard St")),
            companies=(company(501, "Acme Corp"),) if n % 10 == 0 else (),
        )
        for n in range(50)
    ]

    write_customers(client, shop, batch)
    # xml ids, e-mails, companies, partners, addresses; + the country and state, looked up once and cached
    writes = [call for call in calls if call.endswith((":load", ":write", ":create"))]
    assert writes == ["res.partner:load"] * 3
    assert len(calls) <= 8, calls

    calls.clear()
    again = write_customers(client, shop, batch)
    assert again.unchanged == 50
    assert calls == ["ir.model.data:search_read", "res.partner:search"]  # reads only
