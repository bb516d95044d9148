"""Issue 11, admin secrets and hardening: what an attacker (or a log reader) could get, and now cannot.

- the Django admin shows and edits no secret (neither its plaintext nor its ciphertext);
- `manage.py check --deploy` is clean in the production profile;
- logins are throttled per username and per address, across processes (rows in the database);
- absolute URLs (the OAuth redirect_uri) come from SYNCO_PUBLIC_URL, never from a forged Host header;
- the bounce page reloads only a path of this site;
- gunicorn's access log never holds an ID token, an HMAC or an OAuth code.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from sandboxes.shopify.oauth import query_hmac
from synco.access_log import RedactingLogger
from synco.crypto import EncryptedTextField
from synco.models import LoginFailure, OdooConnection, Shop

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "hardening-store.myshopify.com"
ACCESS_TOKEN = "shpat_admin-must-never-show-0123456789"
REFRESH_TOKEN = "shprt_admin-must-never-show-9876543210"
ODOO_SECRET = "odoo-api-key-admin-must-never-show"
USERNAME, PASSWORD = "merchant-h", "a-long-right-password-4821"
PUBLIC_URL = "https://synco.example.com"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def secret_shop(db: None) -> Shop:
    shop = Shop.objects.create(
        domain=DOMAIN, name="Hardening", access_token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN
    )
    OdooConnection.objects.create(
        shop=shop, url="http://odoo.hardening.example:8069", database="h", login="h", secret=ODOO_SECRET
    )
    return shop


def _stored_ciphertexts(shop: Shop) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM synco_shop WHERE id = %s", [shop.pk])
        tokens = list(cursor.fetchone())
        cursor.execute("SELECT secret FROM synco_odooconnection WHERE shop_id = %s", [shop.pk])
        tokens.append(cursor.fetchone()[0])
    assert all(token.startswith("gAAAA") for token in tokens)  # Fernet, so the test looks for the real thing
    return tokens


# --- 5. The Django admin shows no secret -------------------------------------------------------------------


def test_it_shows_or_edits_no_encrypted_field_in_any_registered_model_admin(admin_user: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = []

    for model, model_admin in admin.site._registry.items():
        encrypted = {f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)}
        if not encrypted:
            continue
        shown = {
            "form": set(model_admin.get_form(request, None).base_fields),
            "fields": set(model_admin.get_fields(request, None)),
            "readonly": set(model_admin.get_readonly_fields(request, None)),
            "list_display": set(model_admin.get_list_display(request)),
            "list_display_links": set(model_admin.get_list_display_links(request, ["__str__"]) or ()),
            "search": {name.lstrip("^=@").split("__")[0] for name in model_admin.get_search_fields(request)},
            "list_filter": {str(name) for name in model_admin.get_list_filter(request)},
        }
        checked.append(model._meta.label)
        assert {where: names & encrypted for where, names in shown.items() if names & encrypted} == {}, model

    assert sorted(checked) == ["stock.StockSettings", "synco.OdooConnection", "synco.Shop"]


def test_the_admin_pages_of_a_shop_and_its_odoo_connection_hold_no_secret_nor_ciphertext(
    admin_client: Any, secret_shop: Shop
) -> None:
    odoo = secret_shop.odoo
    pages = [
        reverse("admin:synco_shop_change", args=[secret_shop.pk]),
        reverse("admin:synco_shop_changelist"),
        reverse("admin:synco_odooconnection_change", args=[odoo.pk]),
        reverse("admin:synco_odooconnection_changelist"),
    ]
    forbidden = [ACCESS_TOKEN, REFRESH_TOKEN, ODOO_SECRET, *_stored_ciphertexts(secret_shop)]

    responses = [admin_client.get(page) for page in pages]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    for page, response in zip(pages, responses, strict=True):
        html = response.content.decode()
        assert [secret for secret in forbidden if secret in html] == [], page
        assert 'name="refresh_token"' not in html and 'name="access_token"' not in html
        assert 'name="secret"' not in html


def test_saving_a_shop_in_the_admin_keeps_its_secrets(admin_client: Any, secret_shop: Shop) -> None:
    response = admin_client.post(
        reverse("admin:synco_shop_change", args=[secret_shop.pk]),
        {"domain": DOMAIN, "name": "Renamed", "currency": "EUR", "access_scopes": "", "sync_paused_by": ""},
    )

    assert response.status_code == 302
    shop = Shop.objects.get(pk=secret_shop.pk)
    assert (shop.name, shop.access_token, shop.refresh_token) == ("Renamed", ACCESS_TOKEN, REFRESH_TOKEN)


def test_the_admin_cannot_point_the_stored_odoo_secret_at_another_url(
    admin_client: Any, secret_shop: Shop
) -> None:
    odoo = secret_shop.odoo
    saved_url = odoo.url

    response = admin_client.post(
        reverse("admin:synco_odooconnection_change", args=[odoo.pk]),
        {
            "shop": secret_shop.pk,
            "url": "https://attacker.example.com",
            "database": odoo.database,
            "login": odoo.login,
            "protocol": odoo.protocol,
            "max_concurrency": odoo.max_concurrency,
            "consecutive_failures": 0,
            "last_check_ok": "unknown",
            "last_check_report": "[]",
            "server_version": "",
            "last_failure": "",
        },
    )

    assert response.status_code == 302
    odoo.refresh_from_db()
    assert (odoo.url, odoo.secret) == (saved_url, ODOO_SECRET)


# --- 6. check --deploy in the production profile ---------------------------------------------------------


def _django(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with a clean, explicit environment (nothing inherited that would change the profile)."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**keep, "SYNCO_VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SYNCO_PUBLIC_URL": PUBLIC_URL,
    "SYNCO_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SHOPIFY_API_KEY": "a-real-api-key",
    "SHOPIFY_API_SECRET": secrets.token_hex(16),
}
PRINT_SECURITY = (
    "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'synco.settings'); django.setup(); "
    "from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in ("
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_PROXY_SSL_HEADER', 'ALLOWED_HOSTS', 'SYNCO_PUBLIC_URL')}))"
)


def test_check_deploy_is_clean_in_the_production_profile(tmp_path: Path) -> None:
    result = _django(tmp_path, PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_profile_forces_https_and_the_development_one_does_not(tmp_path: Path) -> None:
    production = _django(tmp_path, PRODUCTION_ENV, "-c", PRINT_SECURITY)
    development = _django(tmp_path, {"SYNCO_PORT": "8123"}, "-c", PRINT_SECURITY)

    assert json.loads(production.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ALLOWED_HOSTS": ["synco.example.com"],
        "SYNCO_PUBLIC_URL": PUBLIC_URL,
    }
    assert json.loads(development.stdout) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]", "testserver"],
        "SYNCO_PUBLIC_URL": "http://127.0.0.1:8123",
    }


def test_behind_the_proxy_plain_http_is_redirected_but_the_health_check_is_not(
    client: Any, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000

    plain = client.get("/login/")
    proxied = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    health = client.get("/health/")

    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    assert proxied.status_code == 200 and proxied["Strict-Transport-Security"].startswith("max-age=31536000")
    assert health.status_code == 200


def test_pages_outside_the_admin_cannot_be_framed_and_embedded_ones_can(
    client: Any, secret_shop: Shop
) -> None:
    login = client.get(reverse("login"))
    bounce = client.get(reverse("shopify_bounce"), {"shop": DOMAIN, "shopify-reload": "/orders/"})

    assert login["X-Frame-Options"] == "DENY"
    assert bounce.status_code == 200 and "X-Frame-Options" not in bounce
    assert bounce["Content-Security-Policy"].startswith(f"frame-ancestors https://{DOMAIN} ")


# --- 6. Login throttling ---------------------------------------------------------------------------------


@pytest.fixture
def merchant_h(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)


def _login(client: Any, username: str, password: str, address: str = "203.0.113.7", **extra: Any) -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def _logged_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_failures_even_the_right_password_is_refused_with_429(
    client: Any, merchant_h: Any
) -> None:
    failures = [_login(client, USERNAME, "wrong").status_code for _ in range(5)]

    refused = _login(client, USERNAME, PASSWORD)

    assert failures == [200] * 5
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert not _logged_in(client)
    # Counted in the database (every process sees it), and what was typed is not stored.
    assert LoginFailure.objects.count() == 10
    assert not LoginFailure.objects.filter(key__icontains=USERNAME).exists()


def test_a_refused_attempt_does_not_extend_the_cool_down_and_it_ends(client: Any, merchant_h: Any) -> None:
    for _ in range(5):
        _login(client, USERNAME, "wrong")
    assert _login(client, USERNAME, "wrong").status_code == 429
    assert LoginFailure.objects.count() == 10  # the refused attempt was not counted

    LoginFailure.objects.update(failed_at=timezone.now() - timedelta(seconds=901))
    response = _login(client, USERNAME, PASSWORD)

    assert response.status_code == 302 and _logged_in(client)


def test_a_successful_login_clears_the_usernames_failures(client: Any, merchant_h: Any) -> None:
    for _ in range(4):
        _login(client, USERNAME, "wrong")
    assert _login(client, USERNAME, PASSWORD).status_code == 302
    client.logout()

    later = [_login(client, USERNAME, "wrong").status_code for _ in range(4)]
    response = _login(client, USERNAME, PASSWORD)

    assert later == [200] * 4
    assert response.status_code == 302 and _logged_in(client)


def test_the_username_is_throttled_whatever_its_case_and_from_any_address(
    client: Any, merchant_h: Any
) -> None:
    for number in range(5):
        _login(client, USERNAME.upper(), "wrong", address=f"198.51.100.{number}")

    response = _login(client, USERNAME, PASSWORD, address="192.0.2.99")

    assert response.status_code == 429 and not _logged_in(client)


def test_one_address_trying_many_usernames_is_throttled(client: Any, merchant_h: Any, settings: Any) -> None:
    settings.SYNCO_LOGIN_FAILURES_PER_IP = 3
    for number in range(3):
        _login(client, f"guess-{number}", "wrong", address="203.0.113.50")

    from_there = _login(client, USERNAME, PASSWORD, address="203.0.113.50")
    from_elsewhere = _login(client, USERNAME, PASSWORD, address="203.0.113.51")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302 and _logged_in(client)


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(
    client: Any, merchant_h: Any, settings: Any
) -> None:
    settings.SYNCO_LOGIN_FAILURES_PER_IP = 3
    settings.SYNCO_CLIENT_IP_HEADER = "X-Forwarded-For"
    for number in range(3):
        # The client forges the start of the header; the proxy appends the real address.
        _login(client, f"guess-{number}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}, 203.0.113.60")

    response = _login(client, USERNAME, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.60")

    assert response.status_code == 429


def test_the_admin_login_is_throttled_too(client: Any, merchant_h: Any) -> None:
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": USERNAME, "password": "wrong"}, REMOTE_ADDR="203.0.113.7")

    response = client.post(url, {"username": USERNAME, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200  # the admin's form shows the error
    assert [error.code for error in response.context["form"].errors.as_data()["__all__"]] == ["throttled"]
    assert not _logged_in(client)


# --- 6. SYNCO_PUBLIC_URL, never the Host header -------------------------------------------------------------


def _signed(secret: str, **params: str) -> dict[str, str]:
    params = {"timestamp": str(int(time.time())), **params}
    return {**params, "hmac": query_hmac(params, secret)}


@pytest.fixture
def forged_host(settings: Any) -> str:
    settings.SYNCO_PUBLIC_URL = PUBLIC_URL
    settings.ALLOWED_HOSTS = ["*"]  # the worst case: a proxy passing any Host through
    return "evil.example"


def test_a_forged_host_header_does_not_change_the_oauth_redirect_uri(
    client: Any, settings: Any, forged_host: str, db: None
) -> None:
    response = client.get(
        reverse("shopify_auth"), _signed(settings.SHOPIFY_API_SECRET, shop=DOMAIN), HTTP_HOST=forged_host
    )

    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/shopify/auth/callback/"]


def test_a_forged_host_header_does_not_change_where_the_install_leaves_the_frame_for(
    client: Any, settings: Any, forged_host: str, db: None
) -> None:
    params = _signed(settings.SHOPIFY_API_SECRET, shop=DOMAIN)

    response = client.get(
        reverse("shopify_auth"), params, HTTP_HOST=forged_host, HTTP_SEC_FETCH_DEST="iframe"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-url="{PUBLIC_URL}/shopify/auth/?' in html and forged_host not in html


def test_a_forged_host_header_does_not_reach_the_bounce_target(
    client: Any, forged_host: str, secret_shop: Shop
) -> None:
    response = client.get("/orders/", {"embedded": "1", "shop": DOMAIN}, HTTP_HOST=forged_host)

    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["shopify-reload"] == [f"/orders/?embedded=1&shop={DOMAIN}"]


# --- 6. The bounce page reloads only a path of this site ----------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "javascript:alert(1)",
        "http://testserver/orders/",
        "orders/",
        "",
    ],
)
def test_the_bounce_page_refuses_any_target_but_a_path_of_this_site(
    client: Any, db: None, target: str
) -> None:
    response = client.get(reverse("shopify_bounce"), {"shop": DOMAIN, "shopify-reload": target})

    assert response.status_code == 400
    assert "app-bridge" not in response.content.decode()


def test_the_bounce_page_reloads_a_path_of_this_site(client: Any, db: None) -> None:
    response = client.get(
        reverse("shopify_bounce"), {"shop": DOMAIN, "shopify-reload": f"/orders/?embedded=1&shop={DOMAIN}"}
    )

    assert response.status_code == 200
    assert "app-bridge" in response.content.decode()


# --- 6. No ID token in the access log ---------------------------------------------------------------------


def test_the_access_log_atoms_hold_no_token_nor_credential() -> None:
    from gunicorn.config import Config

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/?embedded=1&hmac=HMACSECRET&id_token=eyJ.IDSECRET.sig&shop=a.myshopify.com&session=SESSSECRET",
        "PATH_INFO": "/",
        "QUERY_STRING": "embedded=1&hmac=HMACSECRET&id_token=eyJ.IDSECRET.sig&shop=a.myshopify.com",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": "https://synco.example.com/shopify/auth/callback/?code=CODESECRET&state=STATESECRET",
        "HTTP_AUTHORIZATION": "Bearer BEARERSECRET",
    }
    request = SimpleNamespace(
        headers=[("AUTHORIZATION", "Bearer BEARERSECRET"), ("COOKIE", "sessionid=COOKIE")]
    )
    response = SimpleNamespace(status="200 OK", sent=2, headers=[("Set-Cookie", "csrftoken=SETCOOKIE")])

    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))

    assert atoms["r"] == (
        "GET /?embedded=1&hmac=[redacted]&id_token=[redacted]&shop=a.myshopify.com&session=[redacted] HTTP/1.1"
    )
    assert atoms["f"] == "https://synco.example.com/shopify/auth/callback/?code=[redacted]&state=[redacted]"
    assert [name for name, value in atoms.items() if "SECRET" in str(value) or "COOKIE" in str(value)] == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_with_its_config_writes_no_id_token_to_the_access_log(tmp_path: Path) -> None:
    port, access_log = _free_port(), tmp_path / "access.log"
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "synco.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
        ],
        cwd=ROOT,
        env={**keep, "SYNCO_VAR_DIR": str(tmp_path / "var"), "WEB_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/health/?id_token=eyJ.IDSECRET.sig&hmac=HMACSECRET&shop=a.myshopify.com"
    request = urllib.request.Request(url, headers={"Referer": "http://127.0.0.1/?id_token=REFERERSECRET"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)

    log = access_log.read_text()
    assert "GET /health/?id_token=[redacted]&hmac=[redacted]&shop=a.myshopify.com HTTP/1.1" in log
    assert '"http://127.0.0.1/?id_token=[redacted]"' in log
    assert "SECRET" not in log
