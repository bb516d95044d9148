"""Test connection's messages about which Odoo it is, its API, API keys and logins (synco/odoo/checks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from sandboxes.odoo.seed import DEFAULT_API_KEY
from sandboxes.odoo.server import start_in_thread as start_odoo
from sandboxes.odoo.versions import ODOO_19
from synco.gateways import check_connection
from synco.models import OdooConnection
from synco.odoo.checks import describe_odoo, is_odoo_online
from synco.odoo.versions import dialect_for
from tests.conftest import OdooSandbox

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


# -- the sandbox playing 17, 19 and an Odoo Online saas~19.1 build ------------------------------------


def _start(version: Any) -> Iterator[OdooSandbox]:
    server, base_url = start_odoo(state_path=None, port=0, version=version)
    yield OdooSandbox(server, base_url)
    server.shutdown_and_save()


@pytest.fixture(scope="module")
def odoo17() -> Iterator[OdooSandbox]:
    yield from _start(17)


@pytest.fixture(scope="module")
def odoo19() -> Iterator[OdooSandbox]:
    yield from _start(19)


@pytest.fixture(scope="module")
def odoo_online() -> Iterator[OdooSandbox]:
    """Odoo Online's build string (the sandbox plays 19 under it): Online is told by its saas version here."""
    yield from _start(replace(ODOO_19, server_version="saas~19.1+e"))


def _connect(shop, sandbox: OdooSandbox, secret: str, protocol: str = "auto") -> OdooConnection:
    from synco.odoo import cache
    from synco.odoo.client import forget_sessions

    sandbox.control(reset=True, fail_next=0, latency_ms=0, drop_after_write=0, down=False, api_access=True)
    cache.forget()
    forget_sessions()
    return _use_secret(shop, secret, url=sandbox.base_url, protocol=protocol)


def test_odoo_19_with_a_password_works_over_xmlrpc_with_advice_to_use_a_key(shop, odoo19):
    report = _report(_connect(shop, odoo19, "admin"))

    assert report["Version supported"] == (True, "Odoo 19")
    assert report["Odoo and API"] == (True, "Odoo 19 (self-hosted or Odoo.sh), over XML-RPC")
    assert report["API"] == (
        True,
        "XML-RPC is deprecated in Odoo 19 and will be removed in a later version: use an API key so Synco uses "
        "the JSON-2 API (in Odoo open Preferences → Account Security → New API Key).",
    )
    assert report["Field names"] == (
        True,
        "sale.order.line.tax_ids, storable products type='consu', is_storable=True",
    )
    assert report["May create sale orders"] == (True, "create on sale.order")


def test_odoo_19_with_an_api_key_works_over_json2_without_advice(shop, odoo19):
    report = _report(_connect(shop, odoo19, DEFAULT_API_KEY))

    assert report["Odoo and API"] == (True, "Odoo 19 (self-hosted or Odoo.sh), over JSON-2")
    assert "API" not in report
    assert all(ok for ok, _ in report.values())


def test_odoo_19_with_a_key_but_xmlrpc_forced_is_advised_to_go_automatic(shop, odoo19):
    report = _report(_connect(shop, odoo19, DEFAULT_API_KEY, protocol="xmlrpc"))

    assert report["Odoo and API"][1].endswith("over XML-RPC")
    assert report["API"] == (
        True,
        "XML-RPC is deprecated in Odoo 19 and will be removed in a later version: set Protocol to Automatic so "
        "Synco uses the JSON-2 API with this API key.",
    )


def test_the_page_shows_advice_as_advice_and_still_calls_odoo_ready(merchant_client, shop, odoo19):
    _connect(shop, odoo19, "admin")

    html = merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true").content.decode()

    assert (
        '<li class="advice">\n    <s-badge tone="warning">Advice</s-badge>\n    <strong>API</strong>' in html
    )
    assert "Odoo is ready for Synco." in html
    stored = OdooConnection.objects.get(shop=shop).last_check_report
    assert {"name": "API", "ok": True, "detail": stored[4]["detail"], "advice": True} == stored[4]


def test_odoo_17_uses_its_own_names(shop, odoo17):
    report = _report(_connect(shop, odoo17, "admin"))

    assert report["Odoo and API"] == (True, "Odoo 17 (self-hosted or Odoo.sh), over XML-RPC")
    assert report["Field names"] == (True, "sale.order.line.tax_id, storable products type='product'")
    # 17 has no has_access: its rights are asked with check_access_rights
    assert report["May register payments"] == (True, "create on account.payment")
    assert "API" not in report


def test_odoo_online_refusing_a_password_asks_for_an_api_key(shop, odoo_online):
    ok, detail = _report(_connect(shop, odoo_online, "Wrong-Password-1"))["Database and login"]

    assert not ok
    assert detail.endswith(
        "check the login and the password or API key. Odoo Online and users with two-factor authentication "
        "need an API key instead of the password: in Odoo open Preferences → Account Security → New API Key, "
        "and enter the key here as the password."
    )


def test_odoo_online_is_named_with_its_saas_build(shop, odoo_online):
    report = _report(_connect(shop, odoo_online, DEFAULT_API_KEY))

    assert report["Server reachable"] == (True, "Odoo saas~19.1+e")
    assert report["Odoo and API"] == (True, "Odoo Online, saas~19.1 (between Odoo 19 and 20), over JSON-2")
    assert all(ok for ok, _ in report.values())


def test_odoo_online_without_api_access_in_its_plan_says_so(shop, odoo_online):
    connection = _connect(shop, odoo_online, "admin")
    odoo_online.control(api_access=False)  # the login works, every object call is Access Denied

    checks = check_connection(connection)

    assert [(check.name, check.ok) for check in checks][-2:] == [("API", True), ("API access", False)]
    assert checks[-1].detail == (
        "This Odoo Online database's plan has no external API access: Odoo allows the API only on the Custom "
        "plan (odoo.com/pricing). Upgrade the plan or use Odoo.sh / on-premise."
    )


def test_a_self_hosted_odoo_refusing_object_calls_after_login_is_not_blamed_on_a_plan(shop, odoo19):
    connection = _connect(shop, odoo19, "admin")
    odoo19.control(api_access=False)

    checks = check_connection(connection)

    assert checks[-1].name == "Rights" and not checks[-1].ok
    assert checks[-1].detail.startswith("Odoo refused the login at")
    odoo19.control(api_access=True)


def test_check_odoo_prints_advice_as_advice(shop, odoo19):
    from io import StringIO

    from django.core.management import call_command

    _connect(shop, odoo19, "admin")
    out = StringIO()

    call_command("check_odoo", shop.domain, stdout=out)

    assert "[ok] Odoo and API: Odoo 19 (self-hosted or Odoo.sh), over XML-RPC" in out.getvalue()
    assert "[advice] API: XML-RPC is deprecated in Odoo 19" in out.getvalue()
