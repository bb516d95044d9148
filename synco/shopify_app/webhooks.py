"""The webhook endpoint: verify the HMAC over the raw body first, store the event once, answer at once.

All work happens afterwards in Celery (`synco.shopify_app.tasks.process_webhook_task`): a webhook is only a trigger.

The answer to Shopify costs a share of one INSERT (bench/webhooks.py measures it):

- Receipts are written by group commit: a request that arrives while another one's write is in progress
  waits, and the next writer stores every waiting delivery in one `INSERT … ON CONFLICT DO NOTHING` (the
  receipt's unique key) and one commit; each request is answered once its own row is committed. Alone, a
  request writes its row at once.
- The body is stored as Shopify sent it: the database checks it is JSON; it is not parsed and serialised
  again here. Only its nesting is measured (a scan of its brackets): deeper than MAX_JSON_DEPTH is refused.
- Shopify signs the body, not the headers. The topics that erase or uninstall (SHOP_BOUND_TOPICS, a trickle)
  are parsed here: a body that does not name the shop of X-Shopify-Shop-Domain, or does not have the
  topic's shape, is a signed body replayed under other headers: 401, logged, nothing stored.
- A batch the database refuses is written again one delivery at a time: only the delivery at fault fails.
- New receipts are queued by a background thread after the answer, many to a Celery message. A message
  lost (broker down, process killed) leaves its receipts Received; the minutely sweep queues them again.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import JSONField
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from synclogs.models import WebhookReceipt
from synco import queue
from synco.shopify.auth import valid_shop_domain, verify_webhook

logger = logging.getLogger(__name__)

# Shopify's header names; the newer Events delivery drops the X- prefix.
HEADER_NAMES = (
    "Topic",
    "Hmac-Sha256",
    "Shop-Domain",
    "API-Version",
    "Webhook-Id",
    "Event-Id",
    "Triggered-At",
    "Name",
)
# Rows per INSERT and receipts per message: bounds a statement (bodies are ~5-20 KB) and SQLite's parameters.
MAX_BATCH = 100
# Deeper JSON is refused at intake and by the worker: Shopify's bodies nest under 10 levels, and Python's json
# (and PostgreSQL's jsonb) fail on deep nesting outside any handler.
MAX_JSON_DEPTH = 64
# The topics that erase data or stop syncing, and the body field that names their shop: each is bound to it.
SHOP_BOUND_TOPICS = {
    "app/uninstalled": "myshopify_domain",
    "shop/redact": "shop_domain",
    "customers/redact": "shop_domain",
    "customers/data_request": "shop_domain",
}
# How long stored receipts wait for others to share their Celery message (Shopify's answer never waits).
PUBLISH_LINGER_SECONDS = 0.05


def _shopify_headers(request: HttpRequest) -> dict[str, str]:
    """Shopify's headers by name (missing ones empty), read once from the WSGI environ."""
    meta = request.META
    found = {}
    for name in HEADER_NAMES:
        key = name.upper().replace("-", "_")
        found[name] = str(meta.get(f"HTTP_X_SHOPIFY_{key}") or meta.get(f"HTTP_SHOPIFY_{key}") or "")
    return found


class NotJSONError(ValueError):
    """The webhook's body is not a JSON document."""


def _refuse_constant(name: str) -> Any:
    raise NotJSONError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity; the database does not


_ESCAPES = re.compile(rb"\\.", re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def nesting_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the JSON's arrays and objects nest (at most limit + 1), from its brackets outside strings,
    without parsing it (a fraction of json.loads); brackets that do not pair up are NotJSONError."""
    if b"\\" in data:
        data = _ESCAPES.sub(b"", data)  # an escaped quote does not end a string
    # Outside strings: every other piece between quotes; of that only the brackets, as ( and ).
    brackets = b"".join(data.split(b'"')[::2]).translate(_BRACKETS, _NOT_BRACKETS)
    depth = 0
    while brackets and depth <= limit:
        # Each pass takes away the innermost pairs: as many passes as the nesting is deep.
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            raise NotJSONError("its brackets do not pair up")
        brackets = shorter
        depth += 1
    return depth


def _check_depth(data: bytes) -> None:
    if nesting_depth(data) > MAX_JSON_DEPTH:
        raise NotJSONError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")


def parse_json(text: str) -> Any:
    """Untrusted JSON text parsed, or NotJSONError (also for nesting deeper than MAX_JSON_DEPTH)."""
    _check_depth(text.encode(errors="surrogatepass"))
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except NotJSONError:
        raise
    except (ValueError, RecursionError) as exc:  # ValueError: also an integer of over 4,300 digits
        raise NotJSONError(str(exc)) from exc


def _payload_text(body: bytes) -> str:
    """The JSON object to store: a body that is one is stored as sent (the database checks its syntax, so it
    is not parsed here, only its nesting measured); any other JSON value is wrapped as {"body": …}."""
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise NotJSONError(str(exc)) from exc
    if text.lstrip().startswith("{"):
        _check_depth(body)
        return text
    if not text.strip():
        return "{}"
    return json.dumps({"body": parse_json(text)})


def _is_shopify_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def forgery(topic: str, shop_domain: str, payload: object) -> str | None:
    """Why a body cannot be the `topic` event of `shop_domain` (None: it can). Shopify signs the body, not the
    headers, so an erasing or uninstalling topic must be proved by the body: its shape and the shop it names."""
    field_name = SHOP_BOUND_TOPICS.get(topic)
    if field_name is None:
        return None
    if not isinstance(payload, dict):
        return f"the body of {topic} is not a JSON object"
    if str(payload.get(field_name) or "").strip().lower() != shop_domain:
        return f"the body's {field_name} is not the shop named in the headers"
    id_field = "id" if topic == "app/uninstalled" else "shop_id"
    if not _is_shopify_id(payload.get(id_field)):
        return f"the body of {topic} has no shop {id_field}"
    if topic.startswith("customers/") and not isinstance(payload.get("customer"), dict):
        return f"the body of {topic} names no customer"
    return None


@dataclass(eq=False)
class Delivery:
    """One verified delivery to store, and what became of it."""

    shop_domain: str
    topic: str
    event_id: str
    webhook_id: str
    api_version: str
    triggered_at: str
    headers: str
    payload: str
    stored: bool = False  # committed: a new receipt, or the event was already there
    receipt_id: int | None = None  # the new receipt (None: a repeat of an event already stored)
    refused: bool = False  # the database refuses this delivery's values
    done: bool = field(default=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.shop_domain, self.event_id, self.topic)


@cache
def _insert_sql(vendor: str, rows: int) -> str:  # by vendor: its JSON type and quoting
    table = connection.ops.quote_name(WebhookReceipt._meta.db_table)
    json_type = JSONField().db_type(connection)  # jsonb on PostgreSQL, text on SQLite
    row = f"(%s, %s, %s, %s, %s, %s, CAST(%s AS {json_type}), CAST(%s AS {json_type}), %s, '', %s)"
    return (
        f"INSERT INTO {table} (shop_domain, topic, event_id, webhook_id, api_version, triggered_at, headers, "
        f"payload, status, message, received_at) VALUES {', '.join([row] * rows)} "
        "ON CONFLICT (shop_domain, event_id, topic) DO NOTHING RETURNING id, shop_domain, event_id, topic"
    )


def insert_receipts(deliveries: list[Delivery]) -> None:
    """Store the deliveries in one statement (each event once) and mark each stored, with its new receipt."""
    received_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for delivery in deliveries:
        params += [
            delivery.shop_domain,
            delivery.topic,
            delivery.event_id,
            delivery.webhook_id,
            delivery.api_version,
            delivery.triggered_at,
            delivery.headers,
            delivery.payload,
            WebhookReceipt.Status.RECEIVED.value,
            received_at,
        ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor, len(deliveries)), params)
        new = {(domain, event_id, topic): pk for pk, domain, event_id, topic in cursor.fetchall()}
    for delivery in deliveries:
        # The same event twice in one batch: the first delivery has the receipt, the second is a repeat.
        delivery.receipt_id = new.pop(delivery.key, None)
        delivery.stored = True


def _write(batch: list[Delivery]) -> None:
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a refused row leaves the caller's transaction usable
                insert_receipts(batch)
        else:
            insert_receipts(batch)  # autocommit: committed when it returns
    except DatabaseError as exc:
        if len(batch) > 1 and not _connection_lost(exc):
            # A delivery the database refuses (PostgreSQL takes no \u0000 in JSON; a body can also hit one of
            # its limits, which is not a DataError) must not fail the others: each is written alone.
            for delivery in batch:
                _write([delivery])
        elif isinstance(exc, (DataError, IntegrityError)):
            logger.warning("webhook refused by the database", extra={"topic": batch[0].topic})
            batch[0].refused = True
        else:  # not stored: answered 503, Shopify delivers it again
            logger.exception("webhook receipts could not be stored", extra={"deliveries": len(batch)})


def _connection_lost(exc: DatabaseError) -> bool:
    """The database is unreachable: writing the deliveries one by one would fail each of them as well."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    return connection.connection is None or not connection.is_usable()


class GroupCommit:
    """Deliveries waiting to be stored, in arrival order; the first one's request writes what is waiting."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: deque[Delivery] = deque()

    def store(self, delivery: Delivery) -> None:
        """Return once the delivery is committed (`stored`) or could not be."""
        if connection.in_atomic_block:
            # Inside a caller's transaction only this delivery may depend on its commit.
            batch = [delivery]
            _write(batch)
        else:
            with self._changed:
                self._waiting.append(delivery)
                while not delivery.done and self._waiting[0] is not delivery:
                    self._changed.wait()
                if delivery.done:
                    return  # written by another request, which also queues it
                batch = list(islice(self._waiting, MAX_BATCH))
            try:
                _write(batch)
            finally:
                with self._changed:
                    for written in batch:
                        self._waiting.popleft()
                        written.done = True
                    self._changed.notify_all()
        new = [written.receipt_id for written in batch if written.receipt_id is not None]
        if new:
            transaction.on_commit(lambda: publisher.add(new))


def queue_receipts(receipt_ids: list[int]) -> None:
    """One message for these receipts; if it is lost they wait as Received until the sweep queues them."""
    try:
        queue.task("synco.shopify_app.tasks.process_webhooks_task").delay(receipt_ids)
    except Exception:  # the broker is down or unreachable: requeue_receipts picks the receipts up
        logger.warning(
            "webhook receipts stored but not queued; the sweep will queue them",
            exc_info=True,
            extra={"receipts": len(receipt_ids)},
        )


class Publisher:
    """Queues stored receipts from a background thread, after the answer to Shopify: receipts stored within
    PUBLISH_LINGER_SECONDS of each other share one message."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: list[int] = []
        self._sending = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, receipt_ids: list[int]) -> None:
        with self._changed:
            idle = not self._pending
            self._pending.extend(receipt_ids)
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                # Started on first use in each process: a forked web worker does not inherit the thread.
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="webhook-publisher", daemon=True)
                self._thread.start()
            if idle:
                self._changed.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until every receipt added so far has been sent (or failed to be); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._sending, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending))
                self._sending = True
            time.sleep(PUBLISH_LINGER_SECONDS)
            with self._changed:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                queue_receipts(batch)
            finally:
                with self._changed:
                    self._sending = False
                    self._changed.notify_all()


receipts = GroupCommit()
publisher = Publisher()
atexit.register(publisher.flush, 5.0)  # a worker stopping sends what it holds (the sweep covers a kill)


@csrf_exempt
@require_POST
def receive_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body  # the raw bytes: the HMAC is over exactly these
    headers = _shopify_headers(request)
    signature = headers.pop("Hmac-Sha256")
    if not signature:
        return HttpResponse("Missing X-Shopify-Hmac-Sha256", status=400)
    if not verify_webhook(body, signature, settings.SHOPIFY_API_SECRET):
        logger.warning("webhook with a wrong signature refused", extra={"topic": headers["Topic"]})
        return HttpResponse("Invalid webhook signature", status=401)
    topic, domain = headers["Topic"], valid_shop_domain(headers["Shop-Domain"])
    event_id = headers["Event-Id"] or headers["Webhook-Id"]
    if not topic or domain is None or not event_id:
        return HttpResponse("Missing topic, shop domain or event id", status=400)
    try:
        payload = _payload_text(body)
        # Parsed only for the topics that erase or uninstall (a trickle), never for orders.
        forged = forgery(topic, domain, parse_json(payload)) if topic in SHOP_BOUND_TOPICS else None
    except NotJSONError:
        return HttpResponse("The body is not JSON, or nests too deep", status=400)
    if forged is not None:
        logger.warning("forged webhook refused: %s", forged, extra={"topic": topic, "shop_domain": domain})
        return HttpResponse("The body does not match the topic and shop of the headers", status=401)
    delivery = Delivery(
        shop_domain=domain,
        topic=topic,
        event_id=event_id,
        webhook_id=headers["Webhook-Id"],
        api_version=headers["API-Version"],
        triggered_at=headers["Triggered-At"],
        headers=json.dumps(headers),  # without the signature
        payload=payload,
    )
    # The shop is resolved later, in the task.
    receipts.store(delivery)
    if delivery.refused:
        return HttpResponse("The body is not JSON or a header is too long", status=400)
    if not delivery.stored:
        return HttpResponse("The event could not be stored; retry later", status=503)
    if delivery.receipt_id is None:
        # Shopify delivers at least once: the same event again is acknowledged and dropped.
        return HttpResponse("Duplicate event ignored", status=200)
    return HttpResponse("OK", status=200)
