"""A lost or wrong SYNCO_ENCRYPTION_KEY: contained to the secrets it hides, and undone by restoring the key.

Pages keep rendering (with a banner saying what to reconnect), orders fail with that reason instead of sticking
In Progress, webhook receipts wait to be retried, saving a row never loses the stored ciphertext, and once the
right key is back everything works again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SyncStatus
from orders.services import recover_stuck_orders, sync_order
from orders.tasks import sync_order_task
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.crypto import check_encryption_keys, count_unreadable_secrets
from synco.errors import SecretUnreadableError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OdooConnection, Shop
from synco.shopify_app.webhook_handlers import CLAIM_TIMEOUT, process_webhook
from tests.conftest import ODOO_PASSWORD, SHOP_DOMAIN
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
WRONG_KEY = Fernet.generate_key().decode()
PAGES = [
    ("home", {}),
    ("orders:list", {}),
    ("synclogs:list", {}),
    ("settings:index", {}),
    ("settings:odoo", {}),
    ("settings:rules", {}),
    ("settings:matching", {}),
]


def _raw(model: type, pk: int, column: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def lose_key(settings: Any):
    """Switch to a key that decrypts none of the stored secrets; returns a function that puts the right one back."""
    right = list(settings.SYNCO_ENCRYPTION_KEYS)
    settings.SYNCO_ENCRYPTION_KEYS = [WRONG_KEY]

    def restore() -> None:
        settings.SYNCO_ENCRYPTION_KEYS = right

    return restore


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_it_renders_every_page_with_the_reconnect_banner_when_the_key_is_wrong(
    merchant_client, shop, lose_key, name, kwargs
):
    response = merchant_client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert b'id="unreadable-secrets"' in response.content
    assert reverse("settings:odoo").encode() in response.content


def test_it_shows_no_banner_while_the_key_is_right(merchant_client, shop):
    response = merchant_client.get(reverse("home"))

    assert response.status_code == 200
    assert b'id="unreadable-secrets"' not in response.content


def test_loading_a_row_whose_secret_is_unreadable_does_not_raise(shop, lose_key):
    loaded = Shop.objects.get(pk=shop.pk)
    odoo = OdooConnection.objects.get(shop=shop)

    assert (loaded.token_unreadable, odoo.secret_unreadable) == (True, True)
    assert (loaded.access_token, odoo.secret) == ("", "")


def test_saving_a_row_keeps_the_unreadable_ciphertext_and_the_restored_key_reads_it(shop, lose_key):
    # given: the ciphertexts as stored with the right key
    token_before = _raw(Shop, shop.pk, "access_token")
    connection_pk = OdooConnection.objects.get(shop=shop).pk
    secret_before = _raw(OdooConnection, connection_pk, "secret")

    # when: both rows are loaded and saved in full while the key is wrong
    loaded = Shop.objects.get(pk=shop.pk)
    loaded.name = "Renamed meanwhile"
    loaded.save()
    odoo = OdooConnection.objects.get(pk=connection_pk)
    odoo.database = "renamed_db"
    odoo.save()

    # then: the stored ciphertexts are untouched, and the right key reads the original secrets again
    assert _raw(Shop, shop.pk, "access_token") == token_before
    assert _raw(OdooConnection, connection_pk, "secret") == secret_before
    lose_key()
    assert Shop.objects.get(pk=shop.pk).access_token == "shpat_unused"
    assert OdooConnection.objects.get(pk=connection_pk).secret == ODOO_PASSWORD


def test_the_gateways_refuse_an_unreadable_secret_with_a_permanent_error(shop, lose_key):
    with pytest.raises(SecretUnreadableError) as odoo_error:
        odoo_client_for(Shop.objects.get(pk=shop.pk))
    with pytest.raises(SecretUnreadableError) as shopify_error:
        shopify_client_for(Shop.objects.get(pk=shop.pk))

    assert odoo_error.value.transient is False
    assert shopify_error.value.transient is False
    assert "Settings" in odoo_error.value.message


def test_a_queued_order_fails_with_the_reason_then_syncs_once_the_key_is_back(shop, odoo, lose_key):
    # given
    order = queued_order(shop, order_node())

    # when: synced with the wrong key
    sync_order(order.pk)

    # then: one Failed attempt saying why, the order Failed (not stuck In Progress), nothing in Odoo
    order.refresh_from_db()
    [attempt] = SyncAttempt.objects.filter(order=order)
    assert order.sync_status == SyncStatus.FAILED
    assert attempt.status == SyncAttempt.Status.FAILED
    assert attempt.message == order.sync_error
    assert "Odoo password or API key" in order.sync_error
    assert odoo.sale_orders("shopify:order:5550001001") == []

    # when: the right key is back and the merchant presses Retry
    lose_key()
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
    sync_order(order.pk)

    # then
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.SYNCED
    assert len(odoo.sale_orders("shopify:order:5550001001")) == 1


def test_the_watchdog_requeues_a_stuck_order_that_then_fails_instead_of_crashing(
    shop, odoo, lose_key, monkeypatch
):
    # given: an order left In Progress long ago
    queued: list[int] = []
    monkeypatch.setattr(sync_order_task, "delay", queued.append)
    monkeypatch.setattr(sync_order_task, "apply_async", lambda args, **options: queued.append(args[0]))
    order = queued_order(shop, order_node())
    Order.objects.filter(pk=order.pk).update(
        sync_status=SyncStatus.IN_PROGRESS, status_changed_at=timezone.now() - timedelta(hours=2)
    )

    # when: the watchdog passes and its task runs
    assert recover_stuck_orders() == 1
    sync_order(queued[0])

    # then
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.FAILED
    assert SyncAttempt.objects.filter(order=order, status=SyncAttempt.Status.FAILED).count() == 1
    assert recover_stuck_orders() == 0


def test_a_webhook_receipt_waits_while_the_token_is_unreadable_and_is_handled_after_the_fix(
    shop, shopify, settings, lose_key
):
    # given: the shop's real Shopify token, stored with the right key; then the key is lost
    restore_right_key = lose_key
    restore_right_key()
    Shop.objects.filter(pk=shop.pk).update(access_token="")
    stored = Shop.objects.get(pk=shop.pk)
    stored.access_token = shopify.token
    stored.save(update_fields=["access_token"])
    settings.SYNCO_ENCRYPTION_KEYS = [WRONG_KEY]
    receipt = WebhookReceipt.objects.create(
        shop=shop,
        shop_domain=shop.domain,
        topic="orders/updated",
        event_id="e-key-loss",
        payload={"id": 5550001001, "admin_graphql_api_id": "gid://shopify/Order/5550001001", "name": "#1001"},
    )

    # when
    process_webhook(receipt.pk)

    # then: still Received (retried later), not Failed, nothing imported
    receipt.refresh_from_db()
    assert receipt.status == WebhookReceipt.Status.RECEIVED
    assert receipt.message != ""
    assert Order.objects.filter(shop=shop).count() == 0

    # when: the key is back and the claim has expired (what requeue_receipts re-queues)
    restore_right_key()
    WebhookReceipt.objects.filter(pk=receipt.pk).update(processed_at=timezone.now() - CLAIM_TIMEOUT * 2)
    process_webhook(receipt.pk)

    # then
    receipt.refresh_from_db()
    assert receipt.status == WebhookReceipt.Status.PROCESSED
    assert Order.objects.filter(shop=shop).count() == 1


def test_the_merchant_can_type_a_new_odoo_secret_which_is_stored_with_the_current_key(
    merchant_client, shop, odoo, lose_key
):
    connection_before = OdooConnection.objects.get(shop=shop)
    response = merchant_client.post(
        reverse("settings:odoo"),
        {
            "url": connection_before.url,
            "database": connection_before.database,
            "login": connection_before.login,
            "secret": "retyped-secret",
            "protocol": connection_before.protocol,
        },
    )

    assert response.status_code == 200
    saved = OdooConnection.objects.get(shop=shop)
    assert saved.secret_unreadable is False
    assert saved.secret == "retyped-secret"


def test_the_settings_form_insists_on_a_new_secret_when_the_stored_one_is_unreadable(
    merchant_client, shop, lose_key
):
    connection_before = OdooConnection.objects.get(shop=shop)
    secret_before = _raw(OdooConnection, connection_before.pk, "secret")
    response = merchant_client.post(
        reverse("settings:odoo"),
        {
            "url": connection_before.url,
            "database": connection_before.database,
            "login": connection_before.login,
            "secret": "",
            "protocol": connection_before.protocol,
        },
    )

    assert response.status_code == 422
    assert _raw(OdooConnection, connection_before.pk, "secret") == secret_before


def test_the_system_check_warns_about_unreadable_secrets_only_when_given_a_database(shop, lose_key):
    assert check_encryption_keys(databases=None) == []
    [warning] = check_encryption_keys(databases=["default"])
    assert warning.id == "synco.W001"
    assert count_unreadable_secrets() == {"synco_shop.access_token": 1, "synco_odooconnection.secret": 1}

    lose_key()
    assert check_encryption_keys(databases=["default"]) == []


def test_the_system_check_refuses_a_key_that_is_not_a_fernet_key(settings):
    settings.SYNCO_ENCRYPTION_KEYS = ["not-a-fernet-key"]

    [error] = check_encryption_keys(databases=None)

    assert error.id == "synco.E001"


def test_opening_the_app_in_the_shopify_admin_replaces_an_unreadable_token(
    client, settings, shopify, lose_key
):
    from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET

    # given: a shop installed with the right key, then the key is lost
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    restore_right_key = lose_key
    restore_right_key()
    client.get(
        reverse("orders:list"),
        {"id_token": shopify.server.session_token(SHOP_DOMAIN), "shop": SHOP_DOMAIN, "embedded": "1"},
    )
    settings.SYNCO_ENCRYPTION_KEYS = [WRONG_KEY]
    assert Shop.objects.get(domain=SHOP_DOMAIN).token_unreadable

    # when: the merchant opens the app from the Shopify admin
    response = client.get(
        reverse("orders:list"),
        {"id_token": shopify.server.session_token(SHOP_DOMAIN), "shop": SHOP_DOMAIN, "embedded": "1"},
    )

    # then: a new token, encrypted with the current key, and no banner
    assert response.status_code == 200
    shop = Shop.objects.get(domain=SHOP_DOMAIN)
    assert shop.token_unreadable is False
    assert shop.access_token.startswith("shpat_")
    assert b'id="unreadable-secrets"' not in response.content


def test_a_grant_without_refresh_token_replaces_an_unreadable_one(shop, lose_key):
    from synco.gateways import store_grant
    from synco.shopify.tokens import Grant

    with connection.cursor() as cursor:  # the refresh token as stored under the right key
        cursor.execute(
            "UPDATE synco_shop SET refresh_token = %s WHERE id = %s",
            [_raw(Shop, shop.pk, "access_token"), shop.pk],
        )
    loaded = Shop.objects.get(pk=shop.pk)
    assert loaded.token_unreadable

    store_grant(loaded, Grant("shpat_new", "read_orders", None, "", None))

    reloaded = Shop.objects.get(pk=shop.pk)
    assert (reloaded.token_unreadable, reloaded.access_token, reloaded.refresh_token) == (
        False,
        "shpat_new",
        "",
    )


def test_key_rotation_leaves_the_secrets_no_key_decrypts_as_they_are(shop, settings):
    from django.core.management import call_command

    # given: the shop's secrets under the old key, and the Odoo secret under a key nobody has any more
    old_key = settings.SYNCO_ENCRYPTION_KEYS[0]
    settings.SYNCO_ENCRYPTION_KEYS = [WRONG_KEY]
    odoo = OdooConnection.objects.get(shop=shop)
    odoo.secret = "under-a-forgotten-key"
    odoo.save()
    forgotten = _raw(OdooConnection, odoo.pk, "secret")
    new_key = Fernet.generate_key().decode()
    settings.SYNCO_ENCRYPTION_KEYS = [new_key, old_key]

    # when
    call_command("rotate_encryption_key")

    # then: the readable one is under the new key alone, the other one untouched
    settings.SYNCO_ENCRYPTION_KEYS = [new_key]
    assert Shop.objects.get(pk=shop.pk).access_token == "shpat_unused"
    assert _raw(OdooConnection, odoo.pk, "secret") == forgotten
    assert OdooConnection.objects.get(pk=odoo.pk).secret_unreadable
