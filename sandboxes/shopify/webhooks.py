"""Signed webhook deliveries from the sandbox to the app, with Shopify's headers and retries.

    POST /sandbox/webhooks/send        {"topic": "orders/create", "shop": "…", "order_id": 1 | "payload": {…},
                                        "address": "<url>", "duplicate": true, "delay_seconds": 0,
                                        "api_version": "2026-10"}
    GET  /sandbox/webhooks/deliveries  every delivery attempt, oldest first (?topic=…&event_id=…)

Each event gets one `X-Shopify-Event-Id` and `X-Shopify-Triggered-At`; each delivery of it (two with
`duplicate`) its own `X-Shopify-Webhook-Id`, kept across that delivery's retries. A delivery counts
as failed when the app answers non-2xx, cannot be reached, or takes longer than `timeout_seconds`
(Shopify: 5 s); it is retried `max_retries` times (Shopify: 8 over 4 hours) after
`retry_base_seconds * 2**n` (sandbox default 1 s, doubling), sending the same body to the same
address.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sandboxes.shopify.oauth import AppConfig, body_hmac
from sandboxes.shopify.store import SandboxStore

Json = dict[str, Any]
DEFAULT_API_VERSION = "2026-10"
ORDER_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/edited",
}
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
PRODUCT_TOPICS = ("products/create", "products/update", "products/delete")
CUSTOMER_TOPICS = ("customers/create", "customers/update")


@dataclass
class DeliveryAttempt:
    topic: str
    shop: str
    address: str
    event_id: str
    webhook_id: str
    attempt: int  # 1 = first try
    status_code: int | None
    duration_ms: int
    error: str | None
    ok: bool
    at: str


@dataclass
class WebhookSettings:
    timeout_seconds: float = 5.0
    max_retries: int = 8
    retry_base_seconds: float = 1.0


def _now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shop_resource(shop: Json) -> Json:
    """The REST Shop resource (the `app/uninstalled` and `shop/update` body), from the store's shop."""
    domain = shop["myshopify_domain"]
    return {
        "id": shop["id"],
        "name": shop["name"],
        "email": shop["email"],
        "domain": domain,
        "province": "New York",
        "country": "US",
        "address1": "1 Sandbox Way",
        "zip": "10001",
        "city": "New York",
        "source": None,
        "phone": "",
        "latitude": None,
        "longitude": None,
        "primary_locale": "en",
        "address2": "",
        "created_at": "2025-01-02T10:00:00-05:00",
        "updated_at": "2026-01-02T10:00:00-05:00",
        "country_code": "US",
        "country_name": "United States",
        "currency": shop["currency"],
        "customer_email": shop["email"],
        "timezone": f"(GMT-05:00) {shop['iana_timezone']}",
        "iana_timezone": shop["iana_timezone"],
        "shop_owner": "Sandbox Owner",
        "money_format": "${{amount}}",
        "money_with_currency_format": f"${{{{amount}}}} {shop['currency']}",
        "weight_unit": "kg",
        "province_code": "NY",
        "taxes_included": False,
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": None,
        "county_taxes": True,
        "plan_display_name": shop["plan"].replace("_", " ").title(),
        "plan_name": shop["plan"],
        "has_discounts": False,
        "has_gift_cards": False,
        "myshopify_domain": domain,
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": f"${{{{amount}}}} {shop['currency']}",
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": None,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [shop["currency"]],
        "transactional_sms_disabled": False,
        "marketing_sms_consent_enabled_at_checkout": False,
    }


def build_payload(store: SandboxStore, topic: str, shop: str, options: Json) -> Json:
    """The body Shopify would send for `topic`: an explicit `payload` wins, else from the store."""
    if options.get("payload") is not None:
        payload = options["payload"]
        if not isinstance(payload, dict):
            raise ValueError("payload must be a JSON object")
        return payload
    shop_json = store.shop(shop)
    order = None
    if options.get("order_id") is not None:
        order = store.order(shop, int(options["order_id"]))
        if order is None:
            raise KeyError(f"order {options['order_id']} not found on {shop}")
    if topic == "orders/edited":
        # Shopify's body for this topic is the OrderEdit, not the Order (POST /sandbox/orders/edit sends the
        # edit it committed); without one, an empty edit of the order.
        if order is None:
            raise ValueError(f"{topic} needs order_id or payload")
        return {
            "order_edit": {
                "id": 0,
                "order_id": int(order["id"]),
                "created_at": order.get("updated_at"),
                "line_items": {"additions": [], "removals": []},
            }
        }
    if topic in ORDER_TOPICS:
        if order is None:
            raise ValueError(f"{topic} needs order_id or payload")
        return order
    if topic == "orders/delete":
        if order is None and options.get("order_id") is None:
            raise ValueError(f"{topic} needs order_id or payload")
        return {"id": int(options["order_id"])}
    if topic == "refunds/create":
        refunds = (order or {}).get("refunds") or []
        if not refunds:
            raise ValueError("refunds/create needs an order_id of an order with a refund, or payload")
        return dict(refunds[-1])
    if topic in ("app/uninstalled", "shop/update"):
        return shop_resource(shop_json)
    if topic in PRODUCT_TOPICS or topic in CUSTOMER_TOPICS:
        return _catalogue_payload(store, topic, shop, options)
    base: Json = {"shop_id": shop_json["id"], "shop_domain": shop}
    if topic == "shop/redact":
        return base
    if topic in ("customers/data_request", "customers/redact"):
        customer = (order or {}).get("customer") or {}
        customer_json = {
            "id": customer.get("id", 191167),
            "email": customer.get("email", "john@example.com"),
            "phone": customer.get("phone", "555-625-1199"),
        }
        order_ids = [int(order["id"])] if order else [299938, 280263, 220458]
        if topic == "customers/data_request":
            return base | {
                "orders_requested": order_ids,
                "customer": customer_json,
                "data_request": {"id": int(options.get("data_request_id", 9999))},
            }
        return base | {"customer": customer_json, "orders_to_redact": order_ids}
    raise ValueError(f"no built-in payload for topic {topic!r}: pass payload")


def _catalogue_payload(store: SandboxStore, topic: str, shop: str, options: Json) -> Json:
    """products/* from `product_id`, customers/create|update from `customer_id` (the current record)."""
    from sandboxes.shopify import customers, products

    if topic in PRODUCT_TOPICS:
        if options.get("product_id") is None:
            raise ValueError(f"{topic} needs product_id or payload")
        number = int(options["product_id"])
        if topic == "products/delete":
            return products.rest_product_deleted(number)
        found = store.transact(lambda s: products.product(s, shop, number), write=False)
        if found is None:
            raise KeyError(f"product {number} not found on {shop}")
        return products.rest_product(found)
    if options.get("customer_id") is None:
        raise ValueError(f"{topic} needs customer_id or payload")
    number = int(options["customer_id"])
    person = store.transact(lambda s: customers.customer(s, shop, number), write=False)
    if person is None:
        raise KeyError(f"customer {number} not found on {shop}")
    return customers.rest_customer(person)


class WebhookDispatcher:
    def __init__(
        self,
        app: AppConfig,
        store: SandboxStore,
        *,
        settings: WebhookSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.store = store
        self.settings = settings or WebhookSettings()
        self.clock = clock
        self._lock = threading.Lock()
        self._attempts: list[DeliveryAttempt] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def default_address(self) -> str:
        return f"{self.app.application_url}/webhooks/"

    def send(
        self,
        topic: str,
        shop: str,
        *,
        payload: Json | None = None,
        order_id: int | None = None,
        address: str | None = None,
        duplicate: bool = False,
        delay_seconds: float = 0.0,
        api_version: str = DEFAULT_API_VERSION,
        **extra: Any,
    ) -> Json:
        """Queue one event (two deliveries with `duplicate`); returns its ids at once."""
        if not topic or "/" not in topic:
            raise ValueError(f"invalid topic {topic!r}")
        if shop not in self.store.shop_domains():
            raise KeyError(f"unknown shop {shop}")
        body_json = build_payload(
            self.store, topic, shop, {"payload": payload, "order_id": order_id, **extra}
        )
        body = json.dumps(body_json, ensure_ascii=False, separators=(",", ":")).encode()
        event_id = str(uuid.uuid4())
        triggered_at = _now_iso(self.clock())
        target = address or self.default_address()
        if urlsplit(target).scheme not in ("http", "https"):
            raise ValueError(f"webhook address must be an http(s) URL: {target!r}")
        webhook_ids = [str(uuid.uuid4()) for _ in range(2 if duplicate else 1)]
        secret = self.app.api_secret  # signed with the secret at the time of the event
        for webhook_id in webhook_ids:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Shopify-Captain-Hook",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": body_hmac(body, secret),
                "X-Shopify-Shop-Domain": shop,
                "X-Shopify-API-Version": api_version,
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": triggered_at,
            }
            thread = threading.Thread(
                target=self._deliver,
                args=(topic, shop, target, body, headers, float(delay_seconds)),
                name=f"shopify-webhook-{webhook_id[:8]}",
                daemon=True,
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return {
            "topic": topic,
            "shop": shop,
            "address": target,
            "event_id": event_id,
            "webhook_ids": webhook_ids,
            "triggered_at": triggered_at,
        }

    def _deliver(
        self, topic: str, shop: str, address: str, body: bytes, headers: dict[str, str], delay: float
    ) -> None:
        if delay > 0 and self._stopping.wait(delay):
            return
        attempt = 0
        while not self._stopping.is_set():
            attempt += 1
            ok = self._attempt(topic, shop, address, body, headers, attempt)
            if ok or attempt > self.settings.max_retries:
                return
            backoff = self.settings.retry_base_seconds * 2 ** (attempt - 1)
            if self._stopping.wait(backoff):
                return

    def _attempt(
        self, topic: str, shop: str, address: str, body: bytes, headers: dict[str, str], attempt: int
    ) -> bool:
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        # http.client, not urllib: urllib would re-case the header names (X-shopify-topic).
        url = urlsplit(address)
        conn_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(url.hostname or "", url.port, timeout=self.settings.timeout_seconds)
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            status = response.status
            response.read()
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except TimeoutError:
            error = "timeout"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        duration = time.monotonic() - started
        if error is None and duration > self.settings.timeout_seconds:
            error = "timeout"
        ok = error is None and status is not None and 200 <= status < 300
        with self._lock:
            self._attempts.append(
                DeliveryAttempt(
                    topic=topic,
                    shop=shop,
                    address=address,
                    event_id=headers["X-Shopify-Event-Id"],
                    webhook_id=headers["X-Shopify-Webhook-Id"],
                    attempt=attempt,
                    status_code=status,
                    duration_ms=round(duration * 1000),
                    error=error,
                    ok=ok,
                    at=_now_iso(self.clock()),
                )
            )
        return ok

    def deliveries(self, *, topic: str | None = None, event_id: str | None = None) -> list[Json]:
        with self._lock:
            return [
                asdict(a)
                for a in self._attempts
                if (topic is None or a.topic == topic) and (event_id is None or a.event_id == event_id)
            ]

    def configure(self, options: Json) -> Json:
        s = self.settings
        if "timeout_seconds" in options:
            s.timeout_seconds = float(options["timeout_seconds"])
        if "max_retries" in options:
            s.max_retries = int(options["max_retries"])
        if "retry_base_seconds" in options:
            s.retry_base_seconds = float(options["retry_base_seconds"])
        return asdict(s)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery finished (all its retries); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                alive = [t for t in self._threads if t.is_alive()]
            if not alive:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            alive[0].join(min(remaining, 0.1))

    def reset(self) -> None:
        with self._lock:
            self._attempts.clear()
        self.settings = WebhookSettings()

    def close(self) -> None:
        self._stopping.set()
