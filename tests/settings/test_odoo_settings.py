from __future__ import annotations

import pytest
from django.urls import reverse

from synco.models import OdooConnection

pytestmark = pytest.mark.django_db


def _checks(merchant_client):
    return merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true").content.decode()


def test_it_reports_every_check_ok_for_a_working_connection(merchant_client, shop, odoo):
    html = _checks(merchant_client)

    assert "Server reachable</strong> — Odoo 18.0+e-20260607" in html
    assert "Version supported</strong> — Odoo 18" in html
    assert "Database and login</strong> — Logged in to &#x27;synco_demo&#x27; as user id 2" in html
    assert "Required apps installed</strong> — sale_management, stock, account" in html
    assert "Delivery apps</strong> — sale_stock, delivery" in html
    assert "May create sale orders" in html and "May register payments" in html
    assert "Odoo is ready for Synco." in html
    assert OdooConnection.objects.get(shop=shop).server_version == "18.0+e-20260607"


def test_it_says_exactly_what_to_fix_for_a_wrong_password(merchant_client, shop, odoo):
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "not-the-password"
    connection.save()

    html = _checks(merchant_client)

    assert "Database and login</strong> — Odoo refused the login at http://127.0.0.1:" in html
    assert "check the login and the password or API key." in html
    assert "not-the-password" not in html
    assert "ready for Synco" not in html


def test_it_names_the_right_a_user_lacks(merchant_client, shop, odoo):
    OdooConnection.objects.filter(shop=shop).update(login="sales-none")
    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "sales-none"
    connection.save()

    html = _checks(merchant_client)

    assert (
        "May create sale orders</strong> — The Odoo user &#x27;sales-none&#x27; may not create sale orders"
        in html
    )


def test_it_reports_an_unreachable_server(merchant_client, shop, odoo, unused_tcp_port):
    OdooConnection.objects.filter(shop=shop).update(url=f"http://127.0.0.1:{unused_tcp_port}")

    html = _checks(merchant_client)

    assert "Server reachable</strong> — Cannot connect to Odoo" in html


def test_it_keeps_the_stored_secret_when_the_field_is_left_blank(merchant_client, shop, odoo):
    response = merchant_client.post(
        reverse("settings:odoo"),
        {
            "url": f"http://127.0.0.1:{odoo.port}/web/login",
            "database": "synco_demo",
            "login": "admin",
            "secret": "",
            "protocol": "xmlrpc",
        },
    )

    assert response.status_code == 200
    connection = OdooConnection.objects.get(shop=shop)
    assert connection.secret == "admin"
    assert connection.url == f"http://127.0.0.1:{odoo.port}"
    html = merchant_client.get(reverse("settings:odoo")).content.decode()
    assert "A secret is stored (not shown)." in html
    assert 'value="admin"' in html  # the login, not the password
    assert html.count('value="admin"') == 1


def _form(odoo, **overrides):
    values = {
        "url": f"http://127.0.0.1:{odoo.port}",
        "database": "synco_demo",
        "login": "admin",
        "secret": "",
        "protocol": "auto",
    }
    return {**values, **overrides}


def test_test_connection_keeps_its_result_and_the_page_shows_it_later(merchant_client, shop, odoo):
    html = merchant_client.post(
        reverse("settings:odoo_check"), _form(odoo), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Odoo is ready for Synco." in html and "differ from the stored ones" not in html
    connection = OdooConnection.objects.get(shop=shop)
    assert connection.last_check_ok is True and connection.last_checked_at is not None
    assert {"name": "Database and login", "ok": True, "detail": "Logged in to 'synco_demo' as user id 2"} in (
        connection.last_check_report
    )
    page = merchant_client.get(reverse("settings:odoo")).content.decode()
    assert "Last Test connection" in page and "Required apps installed</strong> — sale_management" in page


def test_a_wrong_password_typed_in_the_form_is_reported_clearly_and_not_kept(merchant_client, shop, odoo):
    html = merchant_client.post(
        reverse("settings:odoo_check"), _form(odoo, secret="typo-password"), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert '<p class="banner banner-critical" role="alert"><strong>These settings do not work.' in html
    assert "“Database and login” failed: Odoo refused the login at http://127.0.0.1:" in html
    assert "check the login and the password or API key." in html
    assert "<strong>These settings do not work.</strong>" in html
    assert "Nothing was saved: Synco keeps using the saved settings." in html
    assert "press <strong>Save</strong>" not in html and "ready for Synco" not in html
    assert "typo-password" not in html
    connection = OdooConnection.objects.get(shop=shop)
    assert connection.secret == "admin" and connection.last_check_ok is None


def test_working_settings_typed_but_not_saved_ask_to_be_saved(merchant_client, shop, odoo):
    OdooConnection.objects.filter(shop=shop).update(database="old_db")

    html = merchant_client.post(
        reverse("settings:odoo_check"), _form(odoo, secret="admin"), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "These settings work, but they are not saved yet: press <strong>Save</strong> to use them." in html
    assert "Odoo is ready for Synco." not in html
    assert OdooConnection.objects.get(shop=shop).last_check_ok is None


def test_an_incomplete_form_is_not_recorded_as_the_saved_connections_check(merchant_client, shop, odoo):
    merchant_client.post(reverse("settings:odoo_check"), _form(odoo), HTTP_HX_REQUEST="true")

    html = merchant_client.post(
        reverse("settings:odoo_check"), _form(odoo, url=""), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Nothing was saved: Synco keeps using the saved settings." in html
    assert OdooConnection.objects.get(shop=shop).last_check_ok is True


def test_an_incomplete_form_is_reported_as_a_failed_check(merchant_client, shop, odoo):
    html = merchant_client.post(
        reverse("settings:odoo_check"), _form(odoo, url="", database=""), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert (
        "Settings complete</strong> — Odoo URL: This field is required. Database: This field is required."
        in html
    )


def test_changing_the_saved_settings_forgets_the_last_check(merchant_client, shop, odoo):
    merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true")
    assert OdooConnection.objects.get(shop=shop).last_check_ok is True

    merchant_client.post(reverse("settings:odoo"), _form(odoo, login="someone-else"))

    connection = OdooConnection.objects.get(shop=shop)
    assert (connection.login, connection.last_check_ok, connection.last_check_report) == (
        "someone-else",
        None,
        [],
    )
    assert "Last Test connection" not in merchant_client.get(reverse("settings:odoo")).content.decode()


def test_saving_the_same_settings_keeps_the_last_check(merchant_client, shop, odoo):
    merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true")

    merchant_client.post(reverse("settings:odoo"), _form(odoo))

    assert OdooConnection.objects.get(shop=shop).last_check_ok is True


def test_check_odoo_keeps_its_result_like_the_button(shop, odoo):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("check_odoo", shop.domain, stdout=out)
    assert "[ok] Database and login: Logged in to 'synco_demo' as user id 2" in out.getvalue()
    assert OdooConnection.objects.get(shop=shop).last_check_ok is True

    connection = OdooConnection.objects.get(shop=shop)
    connection.secret = "wrong"
    connection.save()
    with pytest.raises(CommandError, match=r"The Odoo connection needs attention\."):
        call_command("check_odoo", shop.domain, stdout=StringIO())
    connection.refresh_from_db()
    assert connection.last_check_ok is False
    assert [item["name"] for item in connection.last_check_report if not item["ok"]] == ["Database and login"]


def test_the_overview_sums_up_each_section_without_the_secret(merchant_client, shop, odoo):
    merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true")

    html = merchant_client.get(reverse("settings:index")).content.decode()

    assert '<s-page heading="Settings"' in html
    assert (
        f"http://127.0.0.1:{odoo.port} · database <strong>synco_demo</strong> · login <strong>admin</strong>"
        in html
    )
    assert "Test connection passed on" in html and "(Odoo 18.0+e-20260607)" in html
    assert "Synco's defaults: review and save them." in html
    assert "Products by <strong>SKU, then barcode</strong>" in html
    assert 'id="danger-zone"' in html and ">Pause syncing</s-button>" in html
    assert html.count('value="admin"') == 0
