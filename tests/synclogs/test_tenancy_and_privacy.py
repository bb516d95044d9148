"""Another shop's log is unreachable; customer data and secrets never reach a log page or export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.models import SyncStatus
from orders.services import sync_order
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.models import OdooConnection, Shop
from tests.factories import order_node
from tests.orders.helpers import queued_order
from tests.synclogs.helpers import attempt, row_ids

pytestmark = pytest.mark.django_db

# What the factory order says about its customer (tests/factories.py): none of it may appear in the log.
CUSTOMER_DATA = (
    "jane.doe@example.com",
    "Jane",
    "Doe",
    "1 Market St",
    "500 Howard St",
    "+14155550100",
    "94105",
)


@pytest.fixture
def foreign(db):
    other = Shop.objects.create(domain="other.myshopify.com", access_token="shpat_other")
    OdooConnection.objects.create(
        shop=other, url="http://odoo.other:8069", database="theirs", login="x", secret="their-secret"
    )
    row = attempt(other, "#THEIRS", message="their log", status=SyncAttempt.Status.FAILED)
    WebhookReceipt.objects.create(
        shop=other, shop_domain=other.domain, topic="orders/paid", event_id="e-1", message="their webhook"
    )
    return row


def test_another_shops_attempt_is_not_found(merchant_client, shop, foreign):
    response = merchant_client.get(reverse("synclogs:detail", args=[foreign.pk]))

    assert response.status_code == 404
    assert "their log" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "failed"},
        {"ref": "THEIRS"},
        {"operation": "create_sale_order"},
        {"object_type": "order"},
    ],
)
def test_lists_and_exports_hold_only_the_merchants_shop(merchant_client, shop, foreign, params):
    mine = attempt(shop, "#1001", status=SyncAttempt.Status.FAILED)

    html = merchant_client.get(reverse("synclogs:list"), params).content.decode()
    webhooks = merchant_client.get(reverse("synclogs:webhooks"), params).content.decode()
    export = b"".join(merchant_client.get(reverse("synclogs:export"), params).streaming_content).decode()

    assert foreign.pk not in row_ids(html)
    for page in (html, webhooks, export):
        assert "#THEIRS" not in page and "their log" not in page and "their webhook" not in page
        assert "odoo.other" not in page and "their-secret" not in page
    if params.get("ref") != "THEIRS":
        assert mine.pk in row_ids(html)


def test_a_real_sync_logs_ids_states_and_amounts_but_no_customer_data(merchant_client, shop, odoo):
    order = queued_order(shop, order_node())
    sync_order(order.pk, task_id="task-123")
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    sale_attempt = SyncAttempt.objects.get(shop=shop, operation="create_sale_order")

    listing = merchant_client.get(reverse("synclogs:list")).content.decode()
    detail = merchant_client.get(reverse("synclogs:detail", args=[sale_attempt.pk])).content.decode()
    customer = SyncAttempt.objects.get(shop=shop, object_type="customer")
    customer_detail = merchant_client.get(reverse("synclogs:detail", args=[customer.pk])).content.decode()
    export = b"".join(merchant_client.get(reverse("synclogs:export")).streaming_content).decode()

    # what the merchant needs is there: the Odoo order, its state and amounts, the round trips, the task
    assert order.odoo_name in detail and str(order.odoo_id) in detail
    assert "61.77" in detail and "<dd>sale</dd>" in detail
    assert f"<dt>Calls to Odoo</dt><dd>{sale_attempt.rpc_calls}</dd>" in detail
    assert "task-123" in detail
    exported = list(csv.reader(io.StringIO(export)))
    assert ["#1001", "Sync order to Odoo", "Success"] in [[row[1], row[4], row[5]] for row in exported]
    # and nothing about the person
    for page in (listing, detail, customer_detail, export):
        for value in CUSTOMER_DATA:
            assert value not in page


def test_a_wrong_odoo_password_is_logged_without_the_password(merchant_client, shop, odoo):
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "Wr0ng-Passw0rd-4711"
    connection.save()
    order = queued_order(shop, order_node())

    sync_order(order.pk)

    failed = SyncAttempt.objects.get(shop=shop, operation="create_sale_order")
    assert failed.status == SyncAttempt.Status.FAILED
    detail = merchant_client.get(reverse("synclogs:detail", args=[failed.pk])).content.decode()
    export = b"".join(merchant_client.get(reverse("synclogs:export")).streaming_content).decode()
    assert failed.message and escape(failed.message) in detail
    assert '<s-section heading="Error" id="log-message">' in detail
    for page in (detail, export, merchant_client.get(reverse("synclogs:list")).content.decode()):
        assert "Wr0ng-Passw0rd-4711" not in page


def test_a_summary_or_message_that_carries_personal_data_or_secrets_is_masked(merchant_client, shop):
    row = attempt(
        shop,
        "#1001",
        status=SyncAttempt.Status.FAILED,
        message="Odoo refused the partner: the e-mail jane.doe@example.com is already used.",
        summary={
            "sale_order": {"id": 4, "name": "S00004", "partner_email": "jane.doe@example.com"},
            "request": {"password": "hunter2", "api_key": "k-123", "shipping_address": "1 Market St"},
            "note": "ask jane.doe@example.com",
        },
    )

    detail = merchant_client.get(reverse("synclogs:detail", args=[row.pk])).content.decode()
    listing = merchant_client.get(reverse("synclogs:list")).content.decode()
    export = b"".join(merchant_client.get(reverse("synclogs:export")).streaming_content).decode()

    for page in (detail, listing, export):
        assert "jane.doe@example.com" not in page
        assert "(e-mail redacted)" in page
    for secret in ("hunter2", "k-123", "1 Market St"):
        assert secret not in detail
    assert "S00004" in detail
