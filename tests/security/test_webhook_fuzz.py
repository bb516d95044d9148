"""Fuzzing the webhook endpoint through Django's test client: random bytes, random JSON and random headers,
signed and not. The endpoint never answers 500; what it does not refuse is stored Received as sent, and the
worker ends every stored receipt without raising."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synclogs.models import WebhookReceipt
from synco.models import Shop
from synco.shopify.auth import webhook_hmac
from synco.shopify_app.webhook_handlers import process_webhook

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"
SECRET = "synco-test-app-secret-0123456789abcdef"  # tests/conftest.py's shopify_app_secret
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOPICS = st.sampled_from(
    [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "app/uninstalled",
        "shop/redact",
        "customers/redact",
        "customers/data_request",
        "products/update",
    ]
) | st.text(max_size=120)
DOMAINS = st.sampled_from(
    [DOMAIN, "rival-store.myshopify.com", "evil.com", "", "a.b.myshopify.com"]
) | st.text(max_size=80)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    # within the range where PostgreSQL's numeric (jsonb) reads back the same float
    | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=40,
)
# Bodies shaped like Shopify's, with any values: what a check of the shop and the shape must cope with.
SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "shop_id": JSON,
        "shop_domain": DOMAINS | JSON,
        "myshopify_domain": DOMAINS | JSON,
        "admin_graphql_api_id": JSON,
        "customer": JSON,
        "orders_to_redact": JSON,
        "orders_requested": JSON,
        "email": JSON,
    },
)


def _post(client: Any, body: bytes, topic: str, domain: str, *, signed: bool, event_id: str) -> Any:
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": domain,
        "HTTP_X_SHOPIFY_EVENT_ID": event_id,
        "HTTP_X_SHOPIFY_HMAC_SHA256": webhook_hmac(body, SECRET) if signed else webhook_hmac(body, "other"),
    }
    return client.post(reverse("webhooks"), data=body, content_type="application/json", **headers)


def _check(response: Any, body: bytes, *, signed: bool, event_id: str) -> None:
    assert response.status_code in (200, 400, 401), response.content
    stored = list(WebhookReceipt.objects.filter(event_id=event_id))
    if response.status_code != 200:
        assert stored == []
        return
    assert signed
    (receipt,) = stored
    assert receipt.status == WebhookReceipt.Status.RECEIVED
    sent = json.loads(body) if body.strip() else {}
    assert receipt.payload == (sent if isinstance(sent, dict) else {"body": sent})
    # The worker ends it without raising: handled, ignored or failed with a reason (or put back after a fault).
    process_webhook(receipt.pk)
    receipt.refresh_from_db()
    assert receipt.status != WebhookReceipt.Status.RECEIVED or receipt.next_attempt_at is not None
    assert receipt.status == WebhookReceipt.Status.RECEIVED or receipt.message


def _install() -> Shop:
    """The shop installed again before each example (an earlier one may have uninstalled it for real)."""
    shop, _ = Shop.objects.update_or_create(
        domain=DOMAIN, defaults={"access_token": "shpat_fuzz", "uninstalled_at": None}
    )
    return shop


@FUZZ
@given(body=st.binary(max_size=300), topic=TOPICS, domain=DOMAINS, signed=st.booleans())
def test_it_never_fails_on_random_bytes(client, body, topic, domain, signed):
    _install()
    event_id = str(uuid.uuid4())

    response = _post(client, body, topic, domain, signed=signed, event_id=event_id)

    _check(response, body, signed=signed, event_id=event_id)


@FUZZ
@given(value=JSON | SHAPED, topic=TOPICS, domain=DOMAINS, signed=st.booleans())
def test_it_never_fails_on_random_json(client, value, topic, domain, signed):
    _install()
    event_id = str(uuid.uuid4())
    body = json.dumps(value).encode()

    response = _post(client, body, topic, domain, signed=signed, event_id=event_id)

    _check(response, body, signed=signed, event_id=event_id)
    if response.status_code != 200:  # a refused delivery changes nothing
        shop = Shop.objects.get(domain=DOMAIN)
        assert (shop.access_token, shop.uninstalled_at) == ("shpat_fuzz", None)


@FUZZ
@given(
    depth=st.integers(min_value=0, max_value=3000),
    opener=st.sampled_from(['{"a":', "[", '{"a":["x",']),
    signed=st.booleans(),
)
def test_it_never_fails_on_deep_nesting(client, depth, opener, signed):
    _install()
    closer = {'{"a":': "}", "[": "]", '{"a":["x",': "]}"}[opener]
    body = (opener * depth + "1" + closer * depth).encode()
    _install()
    event_id = str(uuid.uuid4())

    response = _post(client, body, "orders/updated", DOMAIN, signed=signed, event_id=event_id)

    _check(response, body, signed=signed, event_id=event_id)
    levels = depth * (2 if opener == '{"a":["x",' else 1)
    assert response.status_code == (200 if signed and levels <= 64 else 400 if signed else 401)
