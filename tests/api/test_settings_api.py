"""/api/v1/settings/: the Settings pages through the API — the same forms, the same saves, the secret never shown."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
from django.core import serializers as django_serializers
from django.urls import reverse
from django.utils.html import escape

import orders.tasks
from api.keys import create_key
from customers.models import CustomerSettings
from orders.models import Order
from orders.services import is_sync_paused
from products.models import CatalogueSettings
from shipments import services as shipment_services
from stock import services as stock_services
from stock.tasks import start_sync_task
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, OrderRules, Shop
from synco.pages.forms import OdooConnectionForm, OrderRulesForm
from synco.shopify.types import parse_order
from tests.api.conftest import Keyed, client_with
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
from tests.factories import order_node

pytestmark = pytest.mark.django_db

CONNECTION = "/api/v1/settings/odoo-connection/"
CONNECTION_TEST = "/api/v1/settings/odoo-connection/test/"
RULES = "/api/v1/settings/order-rules/"
MATCHING = "/api/v1/settings/matching/"
CATALOGUE = "/api/v1/settings/catalogue/"
PAUSE = "/api/v1/settings/pause/"
RESUME = "/api/v1/settings/resume/"
STOCK = "/api/v1/settings/stock/"
STOCK_NOTIFICATIONS = "/api/v1/settings/stock/notifications/"
TOKEN = "/api/v1/settings/webhook-token/rotate/"
SHIPPING = "/api/v1/settings/shipping/"
SHIPPING_NOTIFICATIONS = "/api/v1/settings/shipping/notifications/"
# A secret that can be searched for in every response, log line and log row.
NEW_SECRET = "0123456789abcdef0123456789abcdef01234567"
WRONG_SECRET = "wrong-secret-Zq81xv"


@pytest.fixture
def api(shop: Shop) -> Keyed:
    """Read and write keys of the demo shop (connected to the Odoo sandbox)."""
    _, read_key = create_key(shop, "monitoring", "read")
    _, write_key = create_key(shop, "n8n", "write")
    return Keyed(shop, client_with(read_key), client_with(write_key), read_key, write_key)


def _connection_body(odoo, **changes):
    return {
        "url": f"http://127.0.0.1:{odoo.port}",
        "database": ODOO_DB,
        "login": ODOO_LOGIN,
        "protocol": "xmlrpc",
        **changes,
    }


def _page_errors(form_class, data, **kwargs) -> dict[str, list[str]]:
    """What the Settings page's form says about these data (the messages the page shows)."""
    form = form_class(data=data, **kwargs)
    assert not form.is_valid()
    return {name: [item["message"] for item in items] for name, items in form.errors.get_json_data().items()}


def _nothing_holds(secret: str) -> None:
    """The secret is in no sync log row."""
    assert secret not in django_serializers.serialize("json", SyncAttempt.objects.all())


# -- the Odoo connection -------------------------------------------------------------------------------------


def test_it_shows_the_connection_without_its_secret_to_a_read_key(api, odoo):
    connection = OdooConnection.objects.get(shop=api.shop)
    connection.secret = NEW_SECRET
    connection.save()

    response = api.read.get(CONNECTION)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "url",
        "database",
        "login",
        "secret_set",
        "protocol",
        "max_concurrency",
        "server_version",
        "last_check",
        "circuit_open_until",
    }
    assert body["url"] == f"http://127.0.0.1:{odoo.port}"
    assert (body["database"], body["login"], body["secret_set"]) == (ODOO_DB, ODOO_LOGIN, True)
    assert (body["protocol"], body["last_check"], body["circuit_open_until"]) == ("auto", None, None)
    assert "secret" not in body
    assert NEW_SECRET not in response.content.decode()


def test_a_shop_without_a_connection_shows_an_empty_one(keyed):
    response = keyed.read.get(CONNECTION)

    assert response.status_code == 200
    body = response.json()
    assert (body["url"], body["database"], body["login"], body["secret_set"]) == ("", "", "", False)


def test_it_saves_a_new_connection_with_put_and_never_shows_or_logs_the_secret(api, odoo, caplog):
    caplog.set_level(logging.DEBUG)

    response = api.write.put(
        CONNECTION,
        _connection_body(odoo, secret=NEW_SECRET, database="other_db", max_concurrency=3),
        format="json",
    )

    assert response.status_code == 200
    assert NEW_SECRET not in response.content.decode()
    body = response.json()
    assert (body["database"], body["max_concurrency"], body["secret_set"]) == ("other_db", 3, True)
    connection = OdooConnection.objects.get(shop=api.shop)
    assert (connection.database, connection.secret, connection.max_concurrency) == ("other_db", NEW_SECRET, 3)
    assert NEW_SECRET not in caplog.text
    assert "Odoo connection saved through the API" in caplog.text
    _nothing_holds(NEW_SECRET)
    assert NEW_SECRET not in api.read.get(CONNECTION).content.decode()


def test_a_patch_without_the_secret_keeps_the_stored_one(api, odoo):
    response = api.write.patch(CONNECTION, {"max_concurrency": 2, "protocol": "jsonrpc"}, format="json")

    assert response.status_code == 200
    connection = OdooConnection.objects.get(shop=api.shop)
    assert (connection.secret, connection.max_concurrency, connection.protocol) == (
        ODOO_PASSWORD,
        2,
        "jsonrpc",
    )
    assert connection.url == f"http://127.0.0.1:{odoo.port}"


def test_changing_the_database_forgets_the_last_test_as_the_page_does(api, odoo):
    assert api.write.post(CONNECTION_TEST, {}, format="json").json()["ok"] is True
    assert api.read.get(CONNECTION).json()["last_check"]["ok"] is True

    response = api.write.patch(CONNECTION, {"database": "another"}, format="json")

    assert response.status_code == 200
    assert response.json()["last_check"] is None
    assert OdooConnection.objects.get(shop=api.shop).last_checked_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "http://8.8.8.8", "secret": NEW_SECRET}, "url"),  # plain http off loopback
        ({"database": ""}, "database"),
        ({"url": "https://elsewhere.example.com"}, "secret"),  # another server never gets the stored secret
        ({"protocol": "json2"}, "protocol"),  # JSON-2 with a password
        ({"max_concurrency": 40}, "max_concurrency"),
    ],
)
def test_it_refuses_what_the_page_refuses_with_the_page_messages(api, odoo, merchant_client, changes, field):
    stored = OdooConnection.objects.get(shop=api.shop)
    data = _connection_body(odoo, **changes)
    expected = _page_errors(OdooConnectionForm, data, instance=OdooConnection.objects.get(shop=api.shop))[
        field
    ]

    response = api.write.patch(CONNECTION, data, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][field] == expected
    # the page itself says the same
    page = merchant_client.post(reverse("settings:odoo"), data)
    assert page.status_code == 422 and escape(expected[0]) in page.content.decode()
    assert OdooConnection.objects.get(shop=api.shop).url == stored.url
    assert OdooConnection.objects.get(shop=api.shop).database == ODOO_DB


def test_a_put_without_a_secret_for_a_new_connection_is_refused(keyed, odoo):
    response = keyed.write.put(CONNECTION, _connection_body(odoo), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"secret": ["This field is required."]}
    assert not OdooConnection.objects.filter(shop=keyed.shop).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ([1, 2], "non_field_errors", "Send a JSON object with the settings to change."),
        ({"secret_set": False, "url": 5}, "url", "Must be a string."),
        ({"max_concurrency": "4"}, "max_concurrency", "Must be a whole number."),
        ({"database": None}, "database", "This field may not be null."),
    ],
    ids=["not-an-object", "wrong-type", "number-as-text", "null"],
)
def test_a_malformed_body_is_a_400_not_a_500(api, body, field, message):
    response = api.write.patch(CONNECTION, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert OdooConnection.objects.get(shop=api.shop).secret == ODOO_PASSWORD


def test_names_that_are_not_settings_are_ignored(api):
    response = api.write.patch(
        CONNECTION, {"secret_set": False, "server_version": "99", "databse": "typo"}, format="json"
    )

    assert response.status_code == 200
    connection = OdooConnection.objects.get(shop=api.shop)
    assert (connection.database, connection.secret, connection.server_version) == (ODOO_DB, ODOO_PASSWORD, "")


def test_a_read_key_cannot_change_or_test_anything(api, odoo):
    for method, path, body in [
        ("put", CONNECTION, _connection_body(odoo, secret=NEW_SECRET)),
        ("patch", CONNECTION, {"database": "x"}),
        ("post", CONNECTION_TEST, {}),
        ("patch", RULES, {"order_prefix": "X"}),
        ("put", MATCHING, {"product_match": "sku"}),
        ("patch", CATALOGUE, {"cost_owner": "shopify"}),
        ("post", PAUSE, {}),
        ("post", RESUME, {}),
    ]:
        response = getattr(api.read, method)(path, body, format="json")
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "permission_denied"
    connection = OdooConnection.objects.get(shop=api.shop)
    assert (connection.database, connection.secret, connection.last_checked_at) == (
        ODOO_DB,
        ODOO_PASSWORD,
        None,
    )
    assert OrderRules.objects.get(shop=api.shop).order_prefix == "SHOP"
    assert not Shop.objects.get(pk=api.shop.pk).sync_paused


# -- Test connection -----------------------------------------------------------------------------------------


def test_testing_the_saved_connection_returns_every_check_and_keeps_the_result(api, odoo):
    response = api.write.post(CONNECTION_TEST, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["failed"], body["tested_saved_settings"]) == (True, None, True)
    names = [check["name"] for check in body["checks"]]
    assert names[:3] == ["Server reachable", "Version supported", "Database and login"]
    assert {
        "name": "Server reachable",
        "ok": True,
        "detail": "Odoo 18.0+e-20260607",
        "advice": False,
    } in body["checks"]
    connection = OdooConnection.objects.get(shop=api.shop)
    assert connection.last_check_ok is True and connection.server_version == "18.0+e-20260607"
    assert api.read.get(CONNECTION).json()["last_check"]["checks"] == body["checks"]


def test_testing_another_secret_says_what_failed_and_saves_nothing(api, odoo, caplog):
    caplog.set_level(logging.DEBUG)

    response = api.write.post(CONNECTION_TEST, {"secret": WRONG_SECRET}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["tested_saved_settings"]) == (False, False)
    assert body["failed"]["name"] == "Database and login"
    assert body["failed"]["detail"].startswith(f"Odoo refused the login at http://127.0.0.1:{odoo.port}")
    assert WRONG_SECRET not in response.content.decode()
    assert WRONG_SECRET not in caplog.text
    _nothing_holds(WRONG_SECRET)
    connection = OdooConnection.objects.get(shop=api.shop)
    assert (connection.secret, connection.last_checked_at) == (ODOO_PASSWORD, None)


def test_the_page_and_the_api_test_give_the_same_result(api, odoo, merchant_client):
    OdooConnection.objects.filter(shop=api.shop).update(login="sales-none")
    connection = OdooConnection.objects.get(shop=api.shop)
    connection.secret = "sales-none"
    connection.save()

    failed = api.write.post(CONNECTION_TEST, format="json").json()["failed"]
    html = merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true").content.decode()

    assert failed["name"] == "May create sale orders"
    assert escape(failed["detail"]) in html


def test_testing_invalid_settings_is_a_400_with_the_form_messages(api, odoo):
    response = api.write.post(CONNECTION_TEST, {"url": "http://8.8.8.8/web/login"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["url"] == [
        "The Odoo URL must start with https://: Synco only sends the Odoo password or API key over an "
        "encrypted connection."
    ]


# -- order rules ---------------------------------------------------------------------------------------------


def _stored_order(shop: Shop, **node_changes) -> Order:
    node = order_node(**node_changes)
    parsed = parse_order(node)
    return Order.objects.create(
        shop=shop,
        shopify_id=parsed.id,
        gid=parsed.gid,
        name=parsed.name,
        created_at=parsed.created_at,
        updated_at=parsed.updated_at,
        payload=node,
        eligible=True,
    )


@pytest.fixture
def refresh_runs_inline(monkeypatch):
    """The eligibility refresh the save enqueues runs here, with the shop id it was given."""
    task = orders.tasks.refresh_eligibility_task
    shop_ids: list[int] = []

    def delay(shop_id: int) -> None:
        shop_ids.append(shop_id)
        task.apply(args=(shop_id,))

    monkeypatch.setattr(task, "delay", delay)
    return shop_ids


def test_it_shows_the_order_rules(api):
    response = api.read.get(RULES)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {*OrderRulesForm.base_fields, "saved_at"}
    assert (body["create_as"], body["order_prefix"], body["totals_tolerance"]) == (
        "sale_order",
        "SHOP",
        "0.01",
    )
    assert body["financial_statuses"] == ["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"]
    assert (body["payment_journals"], body["exclude_tags"], body["saved_at"]) == ({}, [], None)


def test_a_patch_that_excludes_a_tag_makes_its_orders_ineligible_as_the_page_does(
    api, refresh_runs_inline, django_capture_on_commit_callbacks
):
    tagged = _stored_order(api.shop, tags=["no-erp"])

    with django_capture_on_commit_callbacks(execute=True):
        response = api.write.patch(RULES, {"exclude_tags": ["no-erp", "test"]}, format="json")

    assert response.status_code == 200
    assert response.json()["exclude_tags"] == ["no-erp", "test"]
    assert refresh_runs_inline == [api.shop.pk]
    tagged.refresh_from_db()
    assert (tagged.eligible, tagged.ineligible_reason) == (False, "tagged no-erp")
    rules = OrderRules.objects.get(shop=api.shop)
    assert rules.exclude_tags == ["no-erp", "test"] and rules.saved_at is not None
    assert rules.order_prefix == "SHOP"  # what the patch did not name is kept


def test_a_put_sets_every_rule(api, django_capture_on_commit_callbacks):
    body = {
        "create_as": "paid_invoice",
        "payment_journals": {"shopify_payments": 7, "*": 6},
        "invoice_date_source": "paid_date",
        "order_prefix": "WEB",
        "use_shopify_order_number": True,
        "discount_mode": "discount_line",
        "auto_create_taxes": True,
        "sync_note": True,
        "sync_note_attributes": False,
        "sync_tags": False,
        "auto_sync": True,
        "sweep_interval_minutes": 30,
        "financial_statuses": ["PAID", "AUTHORIZED"],
        "fulfillment_statuses": ["FULFILLED"],
        "sources": ["web", "pos"],
        "created_after": "2026-03-01T00:00:00+01:00",
        "exclude_test_orders": False,
        "include_tags": ["b2c"],
        "exclude_tags": ["no-erp"],
        "risk_threshold": "MEDIUM",
        "totals_tolerance": "0.05",
        "totals_action": "rounding_line",
        "return_restocked_items": True,
        "validate_return_pickings": True,
    }

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.write.put(RULES, body, format="json")

    assert response.status_code == 200
    assert len(callbacks) == 1  # the eligibility refresh, after the commit
    returned = response.json()
    saved_at = returned.pop("saved_at")
    assert saved_at is not None
    # shown in the shop's zone (the demo shop has none: UTC)
    assert returned == {**body, "created_after": "2026-02-28T23:00:00Z"}
    rules = OrderRules.objects.get(shop=api.shop)
    assert rules.payment_journals == {"shopify_payments": 7, "*": 6}
    assert rules.totals_tolerance == Decimal("0.05")
    assert rules.created_after.isoformat() == "2026-02-28T23:00:00+00:00"

    # a PATCH starts from the stored rules: the journals, lists and date survive it unchanged
    with django_capture_on_commit_callbacks(execute=False):
        patched = api.write.patch(RULES, {"order_prefix": "B2C"}, format="json")
    assert patched.status_code == 200
    assert {name: value for name, value in patched.json().items() if name != "saved_at"} == {
        **returned,
        "order_prefix": "B2C",
    }


def test_dates_without_an_offset_are_read_in_the_shops_time_zone(api, django_capture_on_commit_callbacks):
    Shop.objects.filter(pk=api.shop.pk).update(iana_timezone="Asia/Tokyo")

    with django_capture_on_commit_callbacks(execute=False):
        response = api.write.patch(RULES, {"created_after": "2026-03-01T09:00"}, format="json")

    assert response.status_code == 200
    assert response.json()["created_after"] == "2026-03-01T09:00:00+09:00"
    assert OrderRules.objects.get(shop=api.shop).created_after.isoformat() == "2026-03-01T00:00:00+00:00"

    # a later PATCH of something else keeps the date; null clears it
    with django_capture_on_commit_callbacks(execute=False):
        kept = api.write.patch(RULES, {"order_prefix": "JP"}, format="json")
        cleared = api.write.patch(RULES, {"created_after": None}, format="json")
    assert kept.json()["created_after"] == "2026-03-01T09:00:00+09:00"
    assert cleared.json()["created_after"] is None
    assert OrderRules.objects.get(shop=api.shop).created_after is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_prefix": "MY SHOP"}, "order_prefix"),
        ({"sweep_interval_minutes": 1}, "sweep_interval_minutes"),
        ({"totals_tolerance": "50"}, "totals_tolerance"),
        ({"create_as": "paid_invoice", "payment_journals": {}}, "payment_journals"),
        ({"payment_journals": {"paypal": "eight"}}, "payment_journals"),
        ({"include_tags": ["vip", "test"], "exclude_tags": ["test"]}, "exclude_tags"),
        ({"sources": ["web", "p\x00s"]}, "sources"),
        ({"created_after": "1500-01-01T00:00:00Z"}, "created_after"),
    ],
)
def test_bad_rules_are_refused_with_the_page_messages(api, merchant_client, changes, field):
    rules = OrderRules.objects.get(shop=api.shop)

    response = api.write.patch(RULES, changes, format="json")

    assert response.status_code == 400
    message = response.json()["error"]["fields"][field][0]
    # the page, posting the same values as its form does, shows the same message
    page_data = {
        **{name: OrderRulesForm(instance=rules)[name].value() for name in OrderRulesForm.base_fields},
        **{
            name: ", ".join(value) if name.endswith(("tags", "sources")) else value
            for name, value in changes.items()
        },
    }
    if isinstance(changes.get("payment_journals"), dict):
        page_data["payment_journals"] = "\n".join(
            f"{k} = {v}" for k, v in changes["payment_journals"].items()
        )
    page_data = {name: value for name, value in page_data.items() if value not in (None, False)}
    page = merchant_client.post(reverse("settings:rules"), page_data)
    assert page.status_code == 422
    assert escape(message) in page.content.decode()
    after = OrderRules.objects.get(shop=api.shop)
    assert (after.order_prefix, after.saved_at, after.exclude_tags) == ("SHOP", None, [])


# -- matching ------------------------------------------------------------------------------------------------


def test_it_shows_the_matching_options(api):
    response = api.read.get(MATCHING)

    assert response.status_code == 200
    assert response.json() == {
        "product_match": "sku_barcode",
        "auto_create_products": False,
        "customer_match": "email",
        "single_partner_id": None,
        "single_partner_name": "",
        "guest_customer_name": "Shopify guest customer",
        "match_phone": False,
        "copy_marketing_consent": False,
        "import_companies": True,
    }


def test_choosing_one_contact_checks_it_in_odoo_as_the_page_does(api, odoo):
    walk_in = odoo.execute("res.partner", "create", {"name": "Walk-in customer"})

    response = api.write.patch(
        MATCHING,
        {"customer_match": "single", "single_partner_id": walk_in, "match_phone": True},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["single_partner_id"], body["single_partner_name"], body["match_phone"]) == (
        walk_in,
        "Walk-in customer",
        True,
    )
    rules = OrderRules.objects.get(shop=api.shop)
    assert (rules.customer_match, rules.single_partner_name) == ("single", "Walk-in customer")
    settings = CustomerSettings.objects.get(shop=api.shop)
    assert settings.match_phone and settings.saved_at is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"customer_match": "single", "single_partner_id": 987654},
            "single_partner_id",
            "Odoo has no contact #987654.",
        ),
        (
            {"customer_match": "single"},
            "single_partner_id",
            "Enter the id of the Odoo contact every order goes on.",
        ),
        ({"guest_customer_name": "  "}, "guest_customer_name", "This field is required."),
        ({"product_match": "colour"}, "product_match", "Select a valid choice. colour is not one of"),
    ],
)
def test_unusable_matching_options_are_refused_and_nothing_is_saved(api, odoo, changes, field, message):
    response = api.write.patch(MATCHING, {**changes, "match_phone": True}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0].startswith(message)
    assert OrderRules.objects.get(shop=api.shop).customer_match == "email"
    assert not CustomerSettings.of(api.shop).match_phone  # the customer settings wait for a valid whole


# -- catalogue -----------------------------------------------------------------------------------------------


def test_the_catalogue_settings_change_as_on_the_page(api):
    response = api.write.patch(CATALOGUE, {"sale_price_owner": "odoo", "import_images": True}, format="json")

    assert response.status_code == 200
    assert response.json()["sale_price_owner"] == "odoo"
    catalogue = CatalogueSettings.objects.get(shop=api.shop)
    assert (catalogue.sale_price_owner, catalogue.import_images) == ("odoo", True)
    assert catalogue.saved_at is not None and catalogue.name_owner == "shopify"

    refused = api.write.patch(CATALOGUE, {"image_max_kb": 999999}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["image_max_kb"] == [
        "Ensure this value is less than or equal to 20480."
    ]


# -- pause / resume ------------------------------------------------------------------------------------------


def test_pausing_through_the_api_pauses_syncing_and_the_page_shows_it(api, merchant_client):
    response = api.write.post(PAUSE, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["paused"], body["changed"], body["paused_by"]) == (True, True, "API key n8n")
    assert body["message"] == "Syncing is paused: nothing is sent to Odoo."
    assert is_sync_paused(api.shop.pk)
    html = merchant_client.get(reverse("settings:index")).content.decode()
    assert '<s-badge tone="critical">Paused</s-badge>' in html and ", by API key n8n." in html

    again = api.write.post(PAUSE, format="json").json()
    assert (again["paused"], again["changed"], again["message"]) == (
        True,
        False,
        "Syncing was already paused.",
    )


def test_resuming_through_the_api_queues_the_held_orders_again(api, django_capture_on_commit_callbacks):
    api.write.post(PAUSE, format="json")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.write.post(RESUME, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["paused"], body["changed"], body["paused_at"], body["paused_by"]) == (False, True, None, "")
    assert len(callbacks) == 1  # requeue_held_orders_task, after the commit
    assert not is_sync_paused(api.shop.pk)
    assert api.write.post(RESUME, format="json").json()["message"] == "Syncing is not paused."


# -- tenancy -------------------------------------------------------------------------------------------------


def test_another_shops_key_changes_only_its_own_shop(
    api, other_shop, odoo, django_capture_on_commit_callbacks
):
    before = {
        "connection": django_serializers.serialize("json", OdooConnection.objects.filter(shop=api.shop)),
        "rules": django_serializers.serialize("json", OrderRules.objects.filter(shop=api.shop)),
        "customers": CustomerSettings.of(api.shop).match_phone,
    }

    with django_capture_on_commit_callbacks(execute=False):
        responses = [
            other_shop.write.patch(STOCK, {"enabled": True, "safety_buffer": 9}, format="json"),
            other_shop.write.patch(SHIPPING, {"shipper": "shopify"}, format="json"),
            other_shop.write.put(
                CONNECTION, _connection_body(odoo, secret=NEW_SECRET, database="theirs"), format="json"
            ),
            other_shop.write.patch(RULES, {"order_prefix": "THEIRS", "exclude_tags": ["x"]}, format="json"),
            other_shop.write.patch(MATCHING, {"product_match": "sku", "match_phone": True}, format="json"),
            other_shop.write.patch(CATALOGUE, {"cost_owner": "shopify"}, format="json"),
            other_shop.write.post(PAUSE, format="json"),
        ]

    assert [response.status_code for response in responses] == [200] * 7
    theirs = OdooConnection.objects.get(shop=other_shop.shop)
    assert (theirs.database, theirs.secret) == ("theirs", NEW_SECRET)
    assert OrderRules.objects.get(shop=other_shop.shop).order_prefix == "THEIRS"
    assert Shop.objects.get(pk=other_shop.shop.pk).sync_paused
    # the first shop is untouched
    assert (
        django_serializers.serialize("json", OdooConnection.objects.filter(shop=api.shop))
        == before["connection"]
    )
    assert django_serializers.serialize("json", OrderRules.objects.filter(shop=api.shop)) == before["rules"]
    assert CustomerSettings.of(api.shop).match_phone == before["customers"]
    assert CatalogueSettings.objects.filter(shop=api.shop).count() == 0
    assert not stock_services.get_settings(api.shop).enabled
    assert stock_services.get_settings(api.shop).safety_buffer == 0
    assert shipment_services.get_settings(api.shop).shipper == "odoo"
    assert stock_services.get_settings(other_shop.shop).safety_buffer == 9
    assert not Shop.objects.get(pk=api.shop.pk).sync_paused
    # and each key reads its own shop
    assert api.read.get(CONNECTION).json()["database"] == ODOO_DB
    assert other_shop.read.get(CONNECTION).json()["database"] == "theirs"
    assert json.loads(api.read.get(RULES).content)["order_prefix"] == "SHOP"


# -- stock and shipping --------------------------------------------------------------------------------------


def test_the_notification_address_with_its_token_is_shown_to_a_write_key_only(api):
    token = stock_services.get_settings(api.shop).webhook_token

    read = api.read.get(STOCK)
    written = api.write.get(STOCK)

    assert read.status_code == written.status_code == 200
    assert read.json()["notifications_url"] is None and token not in read.content.decode()
    assert written.json()["notifications_url"] == stock_services.webhook_url(
        stock_services.get_settings(api.shop)
    )
    assert set(read.json()) == {
        "enabled",
        "figure",
        "safety_buffer",
        "coalesce_seconds",
        "blocked_reason",
        "notifications_url",
    }
    shipping = api.read.get(SHIPPING).json()
    assert shipping == {
        "shipper": "odoo",
        "notify_customer": True,
        "validate_at_sync": True,
        "notifications_url": None,
    }


def test_turning_stock_on_starts_the_sync_as_the_page_does(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    started: list[int] = []
    monkeypatch.setattr(start_sync_task, "delay", started.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.write.patch(
            STOCK, {"enabled": True, "figure": "on_hand", "safety_buffer": 3}, format="json"
        )
        again = api.write.patch(STOCK, {"safety_buffer": 4}, format="json")

    assert (response.status_code, again.status_code) == (200, 200)
    assert started == [api.shop.pk]  # once: it was already on the second time
    settings = stock_services.get_settings(api.shop)
    assert (settings.enabled, settings.figure, settings.safety_buffer, settings.coalesce_seconds) == (
        True,
        "on_hand",
        4,
        1.0,
    )

    refused = api.write.patch(STOCK, {"coalesce_seconds": 90}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"coalesce_seconds": ["Between 0 and 60 seconds."]}


def test_creating_the_stock_rules_says_why_odoo_cannot(api, odoo):
    # an Odoo without the Automation Rules app, not asked to install it
    response = api.write.post(STOCK_NOTIFICATIONS, {}, format="json")

    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "odoo_refused"
    assert "Automation Rules app (base_automation) is not installed" in error["message"]


def test_the_stock_and_delivery_rules_are_created_and_a_new_token_repoints_them(api, odoo):
    created = api.write.post(STOCK_NOTIFICATIONS, {"install_module": True}, format="json")
    delivery = api.write.post(SHIPPING_NOTIFICATIONS, {}, format="json")
    old = stock_services.get_settings(api.shop).webhook_token

    rotated = api.write.post(TOKEN, format="json")

    assert created.status_code == 200 and created.json()["installed_module"] is True
    assert created.json()["rules"] >= 1
    assert delivery.status_code == 200 and delivery.json()["created"] is True
    assert rotated.status_code == 200
    new = stock_services.get_settings(api.shop).webhook_token
    assert new != old
    assert rotated.json() == {
        "repointed": created.json()["rules"] + 1,
        "notifications_url": stock_services.webhook_url(stock_services.get_settings(api.shop)),
    }


def test_the_shipping_settings_change_through_the_page_form(api):
    response = api.write.put(
        SHIPPING, {"shipper": "shopify", "notify_customer": False, "validate_at_sync": False}, format="json"
    )

    assert response.status_code == 200
    settings = shipment_services.get_settings(api.shop)
    assert (settings.shipper, settings.notify_customer, settings.validate_at_sync) == (
        "shopify",
        False,
        False,
    )
    refused = api.write.patch(SHIPPING, {"shipper": "drone"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["shipper"] == [
        "Select a valid choice. drone is not one of the available choices."
    ]


@pytest.mark.parametrize(
    ("method", "body", "fields"),
    [
        # a PUT names every setting: a box left out is not read as unticked
        (
            "put",
            {"shipper": "odoo", "notify_customer": True},
            {"validate_at_sync": ["This field is required."]},
        ),
        # JSON types: the page's form would read {} as an unticked box and 7 as the text "7"
        ("patch", {"notify_customer": {}}, {"notify_customer": ["Must be true or false."]}),
        ("patch", {"shipper": 7}, {"shipper": ["Must be a string."]}),
        ("patch", {"notify_customer": None}, {"notify_customer": ["This field may not be null."]}),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_before_the_form(api, method, body, fields):
    response = getattr(api.write, method)(SHIPPING, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    settings = shipment_services.get_settings(api.shop)
    assert (settings.shipper, settings.notify_customer, settings.validate_at_sync) == ("odoo", True, True)


def test_a_read_key_cannot_change_stock_or_shipping(api):
    token = stock_services.get_settings(api.shop).webhook_token
    for path, body in [
        (STOCK, {"enabled": True}),
        (SHIPPING, {"shipper": "shopify"}),
    ]:
        assert api.read.patch(path, body, format="json").status_code == 403
    for path in (STOCK_NOTIFICATIONS, SHIPPING_NOTIFICATIONS, TOKEN):
        assert api.read.post(path, {}, format="json").status_code == 403
    assert stock_services.get_settings(api.shop).webhook_token == token
    assert not stock_services.get_settings(api.shop).enabled
    assert shipment_services.get_settings(api.shop).shipper == "odoo"
