from __future__ import annotations

import pytest
from django.urls import reverse

from synco.models import OdooConnection

pytestmark = pytest.mark.django_db


def _checks(merchant_client):
    return merchant_client.post(reverse("settings:odoo_check"), HTTP_HX_REQUEST="true").content.decode()


def test_it_reports_every_check_ok_for_a_working_connection(merchant_client, shop, odoo):
    html = _checks(merchant_client)

    assert "Server reachable</strong> — Odoo 18.0+e-20241005" in html
    assert "Version supported</strong> — Odoo 18" in html
    assert "Database and login</strong> — Logged in to &#x27;synco_demo&#x27; as user id 2" in html
    assert "Required apps installed</strong> — sale_management, stock, account" in html
    assert "Delivery apps</strong> — sale_stock, delivery" in html
    assert "May create sale orders" in html and "May register payments" in html
    assert "Odoo is ready for Synco." in html
    assert OdooConnection.objects.get(shop=shop).server_version == "18.0+e-20241005"


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
