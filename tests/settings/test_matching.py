"""Products and customers: the matching options change what Odoo receives (checked in the Odoo sandbox)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import CustomerLink
from orders.models import Order, SyncStatus
from orders.services import sync_order
from synco.models import OdooConnection, OrderRules
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"
JANE = "jane.doe@example.com"


def _partners(odoo):
    return odoo.execute("res.partner", "search_count", [], context={"active_test": False})


def _partner(odoo, partner_id):
    [row] = odoo.execute("res.partner", "read", [partner_id], fields=["name", "email"])
    return row


def _match(shop, mode, partner_id=None):
    OrderRules.objects.filter(shop=shop).update(customer_match=mode, single_partner_id=partner_id)


def test_by_email_the_order_goes_on_the_odoo_contact_with_that_email(shop, odoo):
    existing = odoo.execute(
        "res.partner", "create", {"name": "Jane (from Odoo)", "email": "JANE.DOE@example.com"}
    )
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    [sale] = odoo.sale_orders(ORIGIN)
    assert sale["partner_id"][0] == existing


def test_with_a_new_contact_per_customer_an_existing_contact_with_that_email_is_not_reused(shop, odoo):
    existing = odoo.execute("res.partner", "create", {"name": "Jane (from Odoo)", "email": JANE})
    _match(shop, OrderRules.CustomerMatch.CREATE)
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    [sale] = odoo.sale_orders(ORIGIN)
    partner_id = sale["partner_id"][0]
    assert partner_id != existing
    assert _partner(odoo, partner_id) == {"id": partner_id, "name": "Jane Doe", "email": JANE}
    assert CustomerLink.objects.get(shop=shop, shopify_customer_id=7001).odoo_partner_id == partner_id


def test_with_one_contact_every_order_goes_on_it_and_no_customer_data_is_sent(shop, odoo):
    walk_in = odoo.execute("res.partner", "create", {"name": "Walk-in customer"})
    _match(shop, OrderRules.CustomerMatch.SINGLE, walk_in)
    order = queued_order(shop, order_node())
    partners_before = _partners(odoo)

    sync_order(order.pk)

    assert Order.objects.get(pk=order.pk).sync_status == SyncStatus.SYNCED
    [sale] = odoo.sale_orders(ORIGIN)
    assert (sale["partner_id"][0], sale["partner_invoice_id"][0], sale["partner_shipping_id"][0]) == (
        walk_in,
        walk_in,
        walk_in,
    )
    assert _partners(odoo) == partners_before  # no contact, no address created
    assert not odoo.execute("res.partner", "search", [["email", "=ilike", JANE]])
    assert not CustomerLink.objects.exists()


def test_with_one_contact_that_odoo_no_longer_has_the_order_fails_saying_what_to_fix(shop, odoo):
    _match(shop, OrderRules.CustomerMatch.SINGLE, 987654)
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert order.sync_error == (
        "The Odoo contact #987654 that every order goes on does not exist in Odoo: choose another one in "
        "Settings > Products and customers."
    )
    assert odoo.sale_orders(ORIGIN) == []


MATCHING = {
    "product_match": "sku_barcode",
    "customer_match": "email",
    "guest_customer_name": "Shopify guest customer",
}


def test_choosing_one_contact_checks_it_in_odoo_and_shows_its_name(merchant_client, shop, odoo):
    walk_in = odoo.execute("res.partner", "create", {"name": "Walk-in customer"})

    response = merchant_client.post(
        reverse("settings:matching"),
        {
            **MATCHING,
            "customer_match": "single",
            "single_partner_id": str(walk_in),
            "auto_create_products": "on",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved. The next orders synced use these options." in html
    assert f"Every order goes on <strong>Walk-in customer</strong> (Odoo contact #{walk_in})." in html
    rules = OrderRules.objects.get(shop=shop)
    assert (rules.customer_match, rules.single_partner_id, rules.single_partner_name) == (
        "single",
        walk_in,
        "Walk-in customer",
    )
    assert rules.auto_create_products


@pytest.mark.parametrize(
    ("partner_id", "message"),
    [
        ("", "Enter the id of the Odoo contact every order goes on."),
        ("987654", "Odoo has no contact #987654."),
        ("0", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_an_unusable_contact_is_refused(merchant_client, shop, odoo, partner_id, message):
    response = merchant_client.post(
        reverse("settings:matching"),
        {**MATCHING, "customer_match": "single", "single_partner_id": partner_id},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert f'error="{message}"' in html
    assert "Nothing was saved" in html
    assert OrderRules.objects.get(shop=shop).customer_match == "email"


def test_a_contact_cannot_be_chosen_while_odoo_cannot_be_asked(merchant_client, shop, odoo, unused_tcp_port):
    OdooConnection.objects.filter(shop=shop).update(url=f"http://127.0.0.1:{unused_tcp_port}")

    response = merchant_client.post(
        reverse("settings:matching"), {**MATCHING, "customer_match": "single", "single_partner_id": "3"}
    )

    assert response.status_code == 422
    assert "Could not check contact #3 in Odoo: Cannot connect to Odoo" in response.content.decode()


def test_going_back_to_email_matching_forgets_the_chosen_contact(merchant_client, shop):
    OrderRules.objects.filter(shop=shop).update(
        customer_match="single", single_partner_id=3, single_partner_name="Administrator"
    )

    response = merchant_client.post(reverse("settings:matching"), {**MATCHING, "single_partner_id": "3"})

    assert response.status_code == 200
    rules = OrderRules.objects.get(shop=shop)
    assert (rules.customer_match, rules.single_partner_id, rules.single_partner_name) == ("email", None, "")


def test_the_preview_names_the_one_contact(merchant_client, shop, odoo):
    walk_in = odoo.execute("res.partner", "create", {"name": "Walk-in customer"})
    OrderRules.objects.filter(shop=shop).update(
        customer_match="single", single_partner_id=walk_in, single_partner_name="Walk-in customer"
    )
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.NOT_SYNCED)

    html = merchant_client.get(reverse("orders:preview", args=[order.pk])).content.decode()

    assert f"Partner #{walk_in} Walk-in customer: every order goes on this one contact" in html
