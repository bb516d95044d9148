"""Installing through the authorization-code fallback, end to end against the Shopify sandbox; the ID-token bounce."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_APP_URL, query_hmac
from synco.gateways import shopify_client_for
from synco.models import Shop
from synco.shopify.auth import AuthError, verify_query

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _signed(secret: str, **params: str) -> dict[str, str]:
    params = {"timestamp": str(int(time.time())), **params}
    return {**params, "hmac": query_hmac(params, secret)}


def _authorize(url: str) -> str:
    """Ask the sandbox's authorize endpoint (the merchant approves); the Location it redirects to."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.read()
        return str(exc.headers["Location"])
    raise AssertionError("the sandbox did not redirect")


@pytest.fixture
def app(settings, shopify):
    """The sandbox registers the app at the test client's host, with the app's real key and secret."""
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    settings.SYNCO_PUBLIC_URL = "http://testserver"
    shopify.control(app={"application_url": "http://testserver"})
    yield shopify
    shopify.control(app={"application_url": DEFAULT_APP_URL})


def test_the_shopify_hmac_test_vector_verifies_at_its_own_time_and_not_a_day_later():
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
        "hmac": "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
    }
    assert verify_query(params, "hush", now=1337178173) == "some-shop.myshopify.com"
    with pytest.raises(AuthError, match="too old"):
        verify_query(params, "hush", now=1337178173 + 86400)


def test_a_signed_install_request_installs_the_shop_with_an_expiring_offline_token(client, app):
    begin = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN))

    assert begin.status_code == 302
    authorize = urlsplit(begin["Location"])
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    assert f"{authorize.scheme}://{authorize.netloc}" == app.base_url
    assert authorize.path == "/admin/oauth/authorize"
    assert query["client_id"] == DEFAULT_API_KEY and "read_all_orders" in query["scope"].split(",")
    assert query["redirect_uri"] == "http://testserver/shopify/auth/callback/"
    assert len(query["state"]) >= 24
    callback = urlsplit(_authorize(begin["Location"]))
    assert callback.path == "/shopify/auth/callback/"

    done = client.get(callback.path + "?" + callback.query)

    assert done.status_code == 302
    assert done["Location"] == f"{app.base_url}/admin/apps/{DEFAULT_API_KEY}?shop={DOMAIN}"
    shop = Shop.objects.get(domain=DOMAIN)
    assert shop.access_token.startswith("shpat_") and shop.refresh_token and shop.access_token_expires_at
    assert shop.rules.pk
    # The token really works against the Admin API.
    page = shopify_client_for(shop).fetch_orders_page(after=None, query=None, first=1)
    assert len(page.results) == 1


def test_a_callback_whose_state_does_not_match_is_refused(client, app):
    begin = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN))
    callback = urlsplit(_authorize(begin["Location"].replace("state=", "state=forged")))

    response = client.get(callback.path + "?" + callback.query)

    assert response.status_code == 403
    assert "does not match" in response.content.decode()
    assert not Shop.objects.exists()


def test_a_callback_in_another_browser_is_refused(client, app, django_user_model):
    from django.test import Client

    begin = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN))
    callback = urlsplit(_authorize(begin["Location"]))

    response = Client().get(callback.path + "?" + callback.query)

    assert response.status_code == 403
    assert "start again" in response.content.decode()
    assert not Shop.objects.exists()


@pytest.mark.parametrize(
    "shop", ["evil.com", "a.b.myshopify.com", "shop.myshopify.com.evil.com", "-x.myshopify.com", ""]
)
def test_install_requests_for_invalid_shops_are_refused(client, app, shop):
    response = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=shop))

    assert response.status_code == 400
    assert "not a valid myshopify.com domain" in response.content.decode()
    assert "synco_oauth_state" not in response.cookies


def test_unsigned_old_or_forged_install_requests_are_refused(client, app):
    old = _signed(DEFAULT_API_SECRET, shop=DOMAIN, timestamp=str(int(time.time()) - 3600))
    forged = {**_signed(DEFAULT_API_SECRET, shop=DOMAIN), "shop": "other.myshopify.com"}

    assert "too old" in client.get(reverse("shopify_auth"), old).content.decode()
    assert "signature" in client.get(reverse("shopify_auth"), forged).content.decode()
    assert "signature" in client.get(reverse("shopify_auth"), {"shop": DOMAIN}).content.decode()


def test_a_replayed_callback_is_refused_and_keeps_the_first_token(client, app):
    begin = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN))
    callback = urlsplit(_authorize(begin["Location"]))
    client.get(callback.path + "?" + callback.query)
    token = Shop.objects.get(domain=DOMAIN).access_token

    again = client.get(callback.path + "?" + callback.query)

    assert again.status_code == 403  # the state cookie was spent by the first callback
    assert Shop.objects.get(domain=DOMAIN).access_token == token


def test_a_code_shopify_refuses_is_reported_clearly(client, app):
    begin = client.get(reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN))
    callback = urlsplit(_authorize(begin["Location"]))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    query["code"] = "0" * 32
    query.pop("hmac")
    query["hmac"] = query_hmac(query, DEFAULT_API_SECRET)

    response = client.get(callback.path, query)

    assert response.status_code == 502
    assert "Shopify did not grant access" in response.content.decode()
    assert "already used" in response.content.decode()
    assert not Shop.objects.exists()


def test_the_app_url_with_an_install_query_for_an_unknown_shop_starts_the_install(client, app):
    params = _signed(DEFAULT_API_SECRET, shop=DOMAIN)

    response = client.get("/", params)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("shopify_auth") + "?")
    followed = client.get(response["Location"])
    assert followed.status_code == 302 and "/admin/oauth/authorize?" in followed["Location"]


def test_inside_the_admin_the_install_leaves_the_frame_first(client, app):
    response = client.get(
        reverse("shopify_auth"), _signed(DEFAULT_API_SECRET, shop=DOMAIN), HTTP_SEC_FETCH_DEST="iframe"
    )

    assert response.status_code == 200
    assert "window.top.location.href" in response.content.decode()
    assert (
        response["Content-Security-Policy"] == f"frame-ancestors https://{DOMAIN} https://admin.shopify.com;"
    )
    assert "synco_oauth_state" not in response.cookies


def test_a_page_opened_in_the_admin_without_its_token_bounces_through_app_bridge(client, settings):
    Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")

    response = client.get("/orders/", {"embedded": "1", "shop": DOMAIN, "host": "abc", "status": "failed"})

    assert response.status_code == 302
    bounce = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(bounce.query).items()}
    assert bounce.path == reverse("shopify_bounce")
    assert query["shopify-reload"] == f"/orders/?embedded=1&shop={DOMAIN}&host=abc&status=failed"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index('<meta name="shopify-api-key"') < html.index("app-bridge.js") < html.index("<title>")
    assert page["Content-Security-Policy"] == f"frame-ancestors https://{DOMAIN} https://admin.shopify.com;"


def test_a_stale_id_token_on_a_page_load_bounces_and_on_htmx_gets_401(client, settings):
    Shop.objects.create(domain=DOMAIN, access_token="shpat_installed")
    stale = "not-a-jwt"

    page = client.get("/orders/", {"embedded": "1", "shop": DOMAIN, "id_token": stale})
    fragment = client.get("/orders/", HTTP_AUTHORIZATION=f"Bearer {stale}", HTTP_HX_REQUEST="true")

    assert page.status_code == 302 and "id_token" not in page["Location"]
    assert fragment.status_code == 401 and fragment["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_the_bounce_page_never_reloads_another_site(client):
    response = client.get(reverse("shopify_bounce"), {"shopify-reload": "https://evil.example/steal"})

    assert response.status_code == 400


def test_the_install_reloaded_at_the_top_level_goes_on_to_shopify(client, app):
    params = _signed(DEFAULT_API_SECRET, shop=DOMAIN, embedded="1", host="abc")

    framed = client.get(reverse("shopify_auth"), params, HTTP_SEC_FETCH_DEST="iframe")
    top = client.get(reverse("shopify_auth"), params, HTTP_SEC_FETCH_DEST="document")

    assert framed.status_code == 200 and "window.top.location.href" in framed.content.decode()
    assert top.status_code == 302 and "/admin/oauth/authorize?" in top["Location"]
