from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import shopify
from shopify import session_token

from sandboxes.shopify.oauth import (
    ID_TOKEN_TYPE,
    OFFLINE_TOKEN_TYPE,
    ONLINE_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    AppConfig,
    make_session_token,
    query_hmac,
)
from sandboxes.shopify.server import SandboxServer, start_in_thread
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

API_KEY = "test-api-key"
SECRET = "shpss_test0123456789abcdef0123456789ab"
APP_URL = "http://127.0.0.1:8000"
CALLBACK = f"{APP_URL}/shopify/auth/callback"
SHOP_QUERY = "{ shop { name } }"


@pytest.fixture
def server() -> Iterator[tuple[SandboxServer, str]]:
    srv, base = start_in_thread(app=AppConfig(api_key=API_KEY, api_secret=SECRET, application_url=APP_URL))
    yield srv, base
    srv.shutdown_sandbox()


@pytest.fixture(autouse=True)
def shopify_setup() -> Iterator[None]:
    shopify.Session.setup(api_key=API_KEY, secret=SECRET)
    yield
    shopify.Session.setup(api_key=None, secret=None)


def _get(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.headers), body


def _authorize(base: str, shop_in_path: bool = False, **params: Any) -> tuple[int, dict[str, str], bytes]:
    query: dict[str, Any] = {
        "client_id": API_KEY,
        "scope": "read_orders,write_inventory",
        "redirect_uri": CALLBACK,
        "state": "nonce-123",
        **params,
    }
    if shop_in_path:
        path = "/store/synco-demo/admin/oauth/authorize"
    else:
        path = "/admin/oauth/authorize"
        query.setdefault("shop", DEMO_SHOP_DOMAIN)
    return _get(base, f"{path}?{urllib.parse.urlencode(query, doseq=True)}")


def _callback_params(location: str) -> dict[str, str]:
    assert location.startswith(CALLBACK + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def _code(base: str, **params: Any) -> str:
    status, headers, _ = _authorize(base, **params)
    assert status == 302
    return _callback_params(headers["Location"])["code"]


def _token(post: Any, base: str, body: dict[str, Any], form: bool = False) -> tuple[int, dict[str, Any]]:
    params = {"client_id": API_KEY, "client_secret": SECRET, **body}
    url = f"{base}/admin/oauth/access_token"
    if form:
        raw = urllib.parse.urlencode(params).encode()
        status, data, _ = post(url, raw, {"Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, data, _ = post(url, params)
    return status, json.loads(data)


def _exchange(post: Any, base: str, subject: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return _token(
        post,
        base,
        {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
            **extra,
        },
    )


def test_authorize_redirects_with_a_hmac_shopify_api_validates(server: tuple[SandboxServer, str]) -> None:
    _srv, base = server
    for in_path in (False, True):
        status, headers, _ = _authorize(base, shop_in_path=in_path)
        assert status == 302
        params = _callback_params(headers["Location"])
        assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
        assert params["shop"] == DEMO_SHOP_DOMAIN and params["state"] == "nonce-123"
        assert shopify.Session.validate_hmac(params)
        assert shopify.Session.validate_params(params)
        assert shopify.Session.calculate_hmac(params) == params["hmac"]
        assert not shopify.Session.validate_hmac({**params, "shop": "evil.myshopify.com"})


def test_query_hmac_matches_the_known_answer_vector() -> None:
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
    }
    assert query_hmac(params, "hush") == "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"


def test_authorize_rejects_unknown_client_and_foreign_redirect(server: tuple[SandboxServer, str]) -> None:
    _srv, base = server
    status, headers, body = _authorize(base, client_id="nope")
    assert status == 400 and "Location" not in headers
    assert b"Oauth error invalid_request" in body
    status, _, body = _authorize(base, redirect_uri="https://evil.example/callback")
    assert status == 400 and b"matching hosts" in body
    status, _, _ = _authorize(base, shop="unknown.myshopify.com")
    assert status == 404


def test_code_is_single_use_and_its_token_works(
    server: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    _srv, base = server
    code = _code(base)
    status, body = _token(post, base, {"code": code}, form=True)  # ShopifyAPI posts a form
    assert status == 200
    assert set(body) == {"access_token", "scope"}
    assert body["access_token"].startswith("shpat_") and body["scope"] == "read_orders,write_inventory"
    status, data, _ = gql(base, SHOP_QUERY, token=body["access_token"])
    assert status == 200 and data["data"]["shop"]["name"] == "Synco Demo"
    status, again = _token(post, base, {"code": code})
    assert status == 400
    assert again == {
        "error": "invalid_request",
        "error_description": "The authorization code was not found or was already used",
    }


def test_code_expires_after_ten_minutes(server: tuple[SandboxServer, str], post: Any) -> None:
    srv, base = server
    code = _code(base)
    srv.clock = lambda: time.time() + 601
    status, body = _token(post, base, {"code": code})
    assert status == 400 and body["error"] == "invalid_request"


def test_wrong_client_secret_is_rejected(server: tuple[SandboxServer, str], post: Any) -> None:
    _srv, base = server
    status, body = _token(post, base, {"code": _code(base), "client_secret": "wrong"})
    assert status == 400 and body["error"] == "invalid_client"


def test_expiring_code_grant_and_per_user_grant(server: tuple[SandboxServer, str], post: Any) -> None:
    _srv, base = server
    status, body = _token(post, base, {"code": _code(base), "expiring": "1"})
    assert status == 200
    assert body["expires_in"] == 3600 and body["refresh_token_expires_in"] == 7776000
    assert body["refresh_token"].startswith("shprt_")
    status, online = _token(post, base, {"code": _code(base, **{"grant_options[]": "per-user"})})
    assert status == 200
    assert online["associated_user_scope"] == "read_orders,write_inventory"
    assert online["associated_user"]["account_owner"] is True and online["expires_in"] == 86399
    assert "refresh_token" not in online


def test_token_exchange_offline_and_online(server: tuple[SandboxServer, str], post: Any, gql: Any) -> None:
    srv, base = server
    id_token = make_session_token(DEMO_SHOP_DOMAIN, api_key=API_KEY, api_secret=SECRET, user_id=42)
    status, body = _exchange(post, base, id_token, expiring=1)
    assert status == 200
    assert set(body) == {"access_token", "scope", "expires_in", "refresh_token", "refresh_token_expires_in"}
    assert body["scope"] == srv.app.scopes
    assert gql(base, SHOP_QUERY, token=body["access_token"])[0] == 200
    status, body = _exchange(post, base, id_token)
    assert status == 200 and set(body) == {"access_token", "scope"}
    status, online = _exchange(post, base, id_token, requested_token_type=ONLINE_TOKEN_TYPE)
    assert status == 200 and online["associated_user"]["id"] == 42


@pytest.mark.parametrize(
    "subject",
    [
        make_session_token(
            DEMO_SHOP_DOMAIN, api_key=API_KEY, api_secret="shpss_other0123456789abcdef0123456789a"
        ),
        make_session_token(DEMO_SHOP_DOMAIN, api_key="other-key", api_secret=SECRET),
        make_session_token(DEMO_SHOP_DOMAIN, api_key=API_KEY, api_secret=SECRET, now=time.time() - 120),
        make_session_token("unknown.myshopify.com", api_key=API_KEY, api_secret=SECRET),
        "not-a-jwt",
    ],
    ids=["wrong-secret", "wrong-audience", "expired", "unknown-shop", "garbage"],
)
def test_token_exchange_rejects_a_bad_subject_token(
    server: tuple[SandboxServer, str], post: Any, subject: str
) -> None:
    _srv, base = server
    status, body = _exchange(post, base, subject)
    assert status == 400
    assert body == {"error": "invalid_subject_token", "error_description": "Subject token is invalid"}


def test_refresh_rotates_and_keeps_the_previous_token_until_the_new_one_is_used(
    server: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    srv, base = server
    first = _exchange(post, base, srv.session_token(), expiring=1)[1]

    def refresh(token: str) -> tuple[int, dict[str, Any]]:
        return _token(post, base, {"grant_type": "refresh_token", "refresh_token": token})

    status, second = refresh(first["refresh_token"])
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"] and second["expires_in"] == 3600
    # The response "got lost": the previous refresh token still works.
    status, second_again = refresh(first["refresh_token"])
    assert status == 200
    # Using the replacement (its access token on the API) retires the previous refresh token.
    assert gql(base, SHOP_QUERY, token=second_again["access_token"])[0] == 200
    status, body = refresh(first["refresh_token"])
    assert status == 400 and body["error"] == "invalid_grant"
    # Using a new refresh token retires its predecessor too.
    status, third = refresh(second["refresh_token"])
    assert status == 200
    assert refresh(third["refresh_token"])[0] == 200
    assert refresh(second["refresh_token"])[0] == 400


def test_expired_access_token_is_401_on_graphql(
    server: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    srv, base = server
    token = _exchange(post, base, srv.session_token(), expiring=1)[1]["access_token"]
    assert gql(base, SHOP_QUERY, token=token)[0] == 200
    srv.clock = lambda: time.time() + 3601
    status, body, _ = gql(base, SHOP_QUERY, token=token)
    assert status == 401
    assert body == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    assert gql(base, SHOP_QUERY, token=DEMO_ACCESS_TOKEN)[0] == 200  # non-expiring tokens don't expire


def test_migrating_a_non_expiring_token(server: tuple[SandboxServer, str], post: Any, gql: Any) -> None:
    _srv, base = server
    old = _token(post, base, {"code": _code(base)})[1]["access_token"]
    body = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": old,
        "subject_token_type": OFFLINE_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": "1",
    }
    status, new = _token(post, base, body)
    assert status == 200 and new["expires_in"] == 3600 and "refresh_token" in new
    assert gql(base, SHOP_QUERY, token=new["access_token"])[0] == 200
    assert gql(base, SHOP_QUERY, token=old)[0] == 401
    assert _token(post, base, body)[0] == 400  # the old token is gone


def test_admin_page_frames_the_app_with_a_signed_query_and_id_token(
    server: tuple[SandboxServer, str],
) -> None:
    _srv, base = server
    for path in (f"/admin/apps/{API_KEY}?shop={DEMO_SHOP_DOMAIN}", f"/store/synco-demo/apps/{API_KEY}"):
        status, headers, body = _get(base, path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        src = body.decode().split('<iframe src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert src.startswith(APP_URL + "/?")
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(src).query))
        assert params["embedded"] == "1" and params["shop"] == DEMO_SHOP_DOMAIN
        assert shopify.Session.validate_params(params)
        claims = session_token.decode_from_header(f"Bearer {params['id_token']}", API_KEY, SECRET)
        assert claims["dest"] == f"https://{DEMO_SHOP_DOMAIN}" and claims["aud"] == API_KEY
    assert _get(base, f"/admin/apps/other-key?shop={DEMO_SHOP_DOMAIN}")[0] == 404


def test_app_registration_can_be_changed_by_control(server: tuple[SandboxServer, str], post: Any) -> None:
    _srv, base = server
    status, raw, _ = post(f"{base}/sandbox/control", {"app": {"application_url": "http://localhost:9000/"}})
    assert status == 200 and json.loads(raw)["app"]["application_url"] == "http://localhost:9000"
    assert _authorize(base)[0] == 400  # the callback is no longer on the app's host
    status, headers, _ = _authorize(base, redirect_uri="http://localhost:9000/auth/callback")
    assert status == 302 and headers["Location"].startswith("http://localhost:9000/auth/callback?")
