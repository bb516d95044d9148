"""Test connection's messages about which Odoo it is, its API, API keys and logins (synco/odoo/checks.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from sandboxes.odoo.seed import DEFAULT_API_KEY
from synco.gateways import check_connection
from synco.models import OdooConnection
from synco.odoo.checks import describe_odoo, is_odoo_online
from synco.odoo.versions import dialect_for

pytestmark = pytest.mark.django_db

NOT_THE_KEY = "0123456789abcdef0123456789abcdef01234567"


def _report(connection: OdooConnection) -> dict[str, tuple[bool, str]]:
    return {check.name: (check.ok, check.detail) for check in check_connection(connection)}


def _use_secret(shop, secret: str, **fields) -> OdooConnection:
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = secret
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.save()
    return connection


def test_it_says_which_odoo_it_is_and_the_api_it_uses(shop, odoo):
    report = _report(OdooConnection.objects.get(shop=shop))

    assert report["Odoo and API"] == (True, "Odoo 18 (self-hosted or Odoo.sh), over XML-RPC")
    assert report["Field names"] == (
        True,
        "sale.order.line.tax_id, storable products type='consu', is_storable=True",
    )
    assert "API" not in report  # no advice for Odoo 18


def test_a_refused_password_comes_with_the_two_factor_hint_and_never_the_secret(shop, odoo):
    connection = _use_secret(shop, "Wrong-Password-1")

    ok, detail = _report(connection)["Database and login"]

    assert not ok
    assert detail.startswith("Odoo refused the login at http://127.0.0.1:")
    assert detail.endswith(
        "check the login and the password or API key. If this user has two-factor authentication, Odoo "
        "accepts only an API key: in Odoo open Preferences → Account Security → New API Key."
    )
    assert "Wrong-Password-1" not in detail


def test_an_api_key_that_logs_in_is_remembered_with_the_time(shop, odoo):
    connection = _use_secret(shop, DEFAULT_API_KEY)
    before = datetime.now(UTC)

    report = _report(connection)

    assert report["Database and login"][0] is True
    accepted = OdooConnection.objects.get(shop=shop).api_key_accepted_at
    assert accepted is not None and accepted >= before


def test_a_password_that_logs_in_is_not_remembered_as_a_key(shop, odoo):
    _report(OdooConnection.objects.get(shop=shop))

    assert OdooConnection.objects.get(shop=shop).api_key_accepted_at is None


def test_a_key_accepted_before_and_refused_now_is_called_expired_or_revoked(shop, odoo):
    connection = _use_secret(shop, NOT_THE_KEY, api_key_accepted_at=datetime(2026, 11, 30, 9, 15, tzinfo=UTC))

    ok, detail = _report(connection)["Database and login"]

    assert not ok
    assert detail == (
        "The API key was accepted until 2026-11-30 and is now refused: it has expired or was revoked (keys "
        "of non-admin users last at most 90 days). Create a new key (in Odoo open Preferences → Account "
        "Security → New API Key) and enter it here."
    )
    assert OdooConnection.objects.get(shop=shop).api_key_accepted_at == datetime(
        2026, 11, 30, 9, 15, tzinfo=UTC
    )


def test_a_key_never_seen_working_is_refused_with_the_plain_message(shop, odoo):
    connection = _use_secret(shop, NOT_THE_KEY)

    ok, detail = _report(connection)["Database and login"]

    assert not ok
    assert "was accepted until" not in detail and "two-factor" not in detail
    assert NOT_THE_KEY not in detail


def test_the_check_of_a_typed_but_unsaved_key_does_not_touch_the_stored_one(merchant_client, shop, odoo):
    form = {
        "url": f"http://127.0.0.1:{odoo.port}",
        "database": "synco_demo",
        "login": "admin",
        "secret": DEFAULT_API_KEY,
        "protocol": "auto",
    }

    html = merchant_client.post(reverse("settings:odoo_check"), form, HTTP_HX_REQUEST="true").content.decode()

    assert "Logged in to &#x27;synco_demo&#x27;" in html
    assert OdooConnection.objects.get(shop=shop).api_key_accepted_at is None


def test_saving_a_new_secret_forgets_when_the_old_key_last_worked(merchant_client, shop, odoo):
    _use_secret(shop, DEFAULT_API_KEY, api_key_accepted_at=datetime(2026, 11, 30, tzinfo=UTC))

    merchant_client.post(
        reverse("settings:odoo"),
        {
            "url": f"http://127.0.0.1:{odoo.port}",
            "database": "synco_demo",
            "login": "admin",
            "secret": NOT_THE_KEY,
            "protocol": "auto",
        },
    )

    connection = OdooConnection.objects.get(shop=shop)
    assert (connection.secret, connection.api_key_accepted_at) == (NOT_THE_KEY, None)


@pytest.mark.parametrize(
    ("host", "version", "online"),
    [
        ("mycompany.odoo.com", "19.0+e-20251227", True),
        ("MyCompany.Odoo.com.", "19.0+e-20251227", True),
        ("erp.example.com", "saas~18.3+e", True),
        ("erp.example.com", "19.0+e-20251227", False),
        ("odoo.com.evil.example", "18.0+e-20241005", False),
        ("myodoo.com", "18.0", False),
    ],
)
def test_odoo_online_is_an_odoo_com_host_or_a_saas_build(host, version, online):
    assert is_odoo_online(host, version) is online


def test_it_names_the_odoo_for_the_merchant():
    assert describe_odoo("19.0+e-20251227", dialect_for("19.0+e-20251227"), False) == (
        "Odoo 19 (self-hosted or Odoo.sh)"
    )
    assert describe_odoo("19.0+e-20251227", dialect_for("19.0"), True) == "Odoo Online, Odoo 19"
    assert describe_odoo("saas~18.3+e", dialect_for("saas~18.3+e"), True) == (
        "Odoo Online, saas~18.3 (between Odoo 18 and 19)"
    )


def _settings_form(odoo, **overrides):
    values = {
        "url": f"http://127.0.0.1:{odoo.port}",
        "database": "synco_demo",
        "login": "admin",
        "secret": "",
        "protocol": "auto",
    }
    return {**values, **overrides}


def test_the_form_refuses_json2_with_a_typed_password(merchant_client, shop, odoo):
    response = merchant_client.post(
        reverse("settings:odoo"), _settings_form(odoo, secret="a-password", protocol="json2")
    )

    assert response.status_code == 422
    assert "JSON-2 needs an API key, not a password" in response.content.decode()
    connection = OdooConnection.objects.get(shop=shop)
    assert (connection.protocol, connection.secret) == ("auto", "admin")


def test_the_form_refuses_json2_when_the_stored_secret_is_a_password(merchant_client, shop, odoo):
    response = merchant_client.post(reverse("settings:odoo"), _settings_form(odoo, protocol="json2"))

    assert response.status_code == 422
    assert "or choose Automatic." in response.content.decode()
    assert OdooConnection.objects.get(shop=shop).protocol == "auto"


def test_the_form_takes_json2_with_an_api_key(merchant_client, shop, odoo):
    response = merchant_client.post(
        reverse("settings:odoo"), _settings_form(odoo, secret=DEFAULT_API_KEY, protocol="json2")
    )

    assert response.status_code == 200
    connection = OdooConnection.objects.get(shop=shop)
    assert (connection.protocol, connection.secret) == ("json2", DEFAULT_API_KEY)


def test_a_test_of_json2_with_a_password_is_a_failed_check_before_anything_is_sent(
    merchant_client, shop, odoo
):
    html = merchant_client.post(
        reverse("settings:odoo_check"),
        _settings_form(odoo, secret="a-password", protocol="json2"),
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "Settings complete</strong> — Protocol: JSON-2 needs an API key, not a password" in html
    assert "Server reachable" not in html


def test_the_form_offers_automatic_first_and_says_when_to_force_a_protocol(merchant_client, shop, odoo):
    html = merchant_client.get(reverse("settings:odoo")).content.decode()

    assert html.index('value="auto"') < html.index('value="json2"') < html.index('value="xmlrpc"')
    assert "Automatic: JSON-2 where available (Odoo 19+, API key), otherwise XML-RPC" in html
    assert "JSON-2 (Odoo 19+, API key only)" in html
    assert "Force JSON-2 only to make sure Synco never falls back to XML-RPC" in html


def test_a_new_connection_is_automatic(shop):
    assert OdooConnection.objects.get(shop=shop).protocol == "auto"
