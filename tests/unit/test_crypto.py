from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from synco.crypto import DecryptionError, decrypt, encrypt
from synco.models import OdooConnection, Shop


@pytest.mark.django_db
def test_it_stores_secrets_encrypted_and_reads_them_back():
    shop = Shop.objects.create(domain="enc.myshopify.com", access_token="shpat_secret_token")
    OdooConnection.objects.create(
        shop=shop, url="http://odoo:8069", database="d", login="l", secret="hunter2"
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM synco_shop WHERE id = %s", [shop.pk])
        (stored_token,) = cursor.fetchone()
        cursor.execute("SELECT secret FROM synco_odooconnection WHERE shop_id = %s", [shop.pk])
        (stored_secret,) = cursor.fetchone()

    assert "shpat_secret_token" not in stored_token
    assert "hunter2" not in stored_secret
    assert Shop.objects.get(pk=shop.pk).access_token == "shpat_secret_token"
    assert OdooConnection.objects.get(shop=shop).secret == "hunter2"


def test_it_decrypts_with_an_older_key_after_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SYNCO_ENCRYPTION_KEYS = [old]
    token = encrypt("api-key")

    settings.SYNCO_ENCRYPTION_KEYS = [new, old]

    assert decrypt(token) == "api-key"


def test_it_explains_a_missing_key(settings):
    settings.SYNCO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = encrypt("api-key")
    settings.SYNCO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(DecryptionError, match="does not contain the key it was encrypted with"):
        decrypt(token)


@pytest.mark.django_db
def test_it_rotates_stored_secrets_to_the_new_key(settings):
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SYNCO_ENCRYPTION_KEYS = [old]
    shop = Shop.objects.create(domain="rot.myshopify.com", access_token="shpat_x")
    settings.SYNCO_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_encryption_key", stdout=io.StringIO())
    settings.SYNCO_ENCRYPTION_KEYS = [new]

    assert Shop.objects.get(pk=shop.pk).access_token == "shpat_x"
