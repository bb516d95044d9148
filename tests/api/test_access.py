"""Keys: found by hash, scoped to their shop, refused once revoked; errors are JSON with a code."""

from __future__ import annotations

import pytest

from api.keys import revoke
from api.models import ApiKey
from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db


def test_a_key_sees_its_shop_and_scope(keyed):
    answer = keyed.read.get("/api/v1/me/")
    assert answer.status_code == 200
    assert answer.json() == {
        "shop": "api-shop.myshopify.com",
        "scope": "read",
        "via": "key",
        "key_name": "monitoring",
    }
    assert keyed.write.get("/api/v1/me/").json()["scope"] == "write"


def test_only_the_hash_is_stored(keyed):
    stored = ApiKey.objects.get(name="monitoring")
    assert keyed.read_key not in (stored.key_hash, stored.prefix)
    assert keyed.read_key.startswith(f"synco_{stored.prefix}_")


def test_use_is_recorded(keyed):
    keyed.read.get("/api/v1/me/")
    assert ApiKey.objects.get(name="monitoring").last_used_at is not None


@pytest.mark.parametrize("token", ["synco_deadbeef_nope", "synco_", "synco_x_y"])
def test_unknown_keys_get_a_json_401(keyed, token):
    answer = client_with(token).get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_api_key"
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_a_json_401(client):
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_key_stops_working(keyed):
    key = ApiKey.objects.get(name="monitoring")
    assert revoke(keyed.shop, key.pk)
    assert keyed.read.get("/api/v1/me/").status_code == 401
    assert not revoke(keyed.shop, key.pk)


def test_another_shop_cannot_revoke_a_key(keyed, other_shop):
    key = ApiKey.objects.get(name="monitoring")
    assert not revoke(other_shop.shop, key.pk)
    assert keyed.read.get("/api/v1/me/").status_code == 200


def test_the_schema_is_openapi_31_with_bearer_keys(client):
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert "/api/v1/me/" in schema["paths"]


def test_a_bad_session_token_on_the_api_is_a_json_401(client):
    answer = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_session_token"
    assert answer["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_a_cache_that_does_not_answer_lets_requests_through_unthrottled(keyed, monkeypatch, caplog):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "get", down)

    answer = keyed.read.get("/api/v1/me/")

    assert answer.status_code == 200
    assert "rate limit not checked" in caplog.text


def test_every_operation_documents_authentication_rate_limit_and_read_only_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), (method, path)
        assert "Retry-After" in responses["429"]["headers"], (method, path)
        if method != "get":
            assert "403" in responses, (method, path)


@pytest.mark.parametrize("path", ["/api/v2/orders/", "/api/v1/nothing-here/", "/api/v1/orders/not-a-number/"])
def test_an_address_the_api_does_not_have_is_a_json_404(keyed, path):
    answer = keyed.read.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_a_post_to_an_address_the_api_does_not_have_is_a_json_404_even_with_a_session(
    keyed, django_user_model
):
    from django.test import Client

    user = django_user_model.objects.create_user("merchant", password="pw-123456789")
    keyed.shop.users.add(user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    answer = browser.post("/api/v1/nothing-here/", data="{}", content_type="application/json")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
