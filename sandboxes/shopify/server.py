"""The Shopify sandbox HTTP server: the Admin GraphQL endpoint plus sandbox control endpoints.

    POST /admin/api/{version}/graphql.json   X-Shopify-Access-Token: shpat_...
    POST /sandbox/control                     {"fail_next": 2, "status": 502} | {"timeout_next": 1} | ...
                                              {"reset_stats": true}: counters back to zero, faults kept
                                              {"drop_next": 1}: run the next GraphQL request, then close its
                                              connection without answering (the answer is lost)
    POST /sandbox/orders                      {"orders": [...REST orders...], "transactions": {...}, "risks": {...}}
    GET  /sandbox/bulk/{id}.jsonl             a bulk operation's result file (no auth, like Shopify's signed URLs)
    GET  /sandbox/stats                       request, throttle and accepted-connection counters
    GET  /sandbox/health
    POST /sandbox/orders {"emit": true, ...}  also sends orders/create or orders/updated webhooks

Install side and webhooks (see `oauth` and `webhooks`):

    GET  /admin/oauth/authorize?shop=…&client_id&scope&redirect_uri&state[&grant_options[]=per-user]
    GET  /store/{shop}/admin/oauth/authorize?…   the same, shop in the path (name or full domain)
    POST /admin/oauth/access_token               code / token exchange / migration / refresh grants
    GET  /admin/apps/{api_key}?shop=…            admin page framing the app with a fresh id_token
    GET  /store/{shop}/apps/{api_key}            the same, shop in the path
    GET  /sandbox/session_token?shop=…[&user_id=…][&ttl=60]   {"id_token": "<JWT>"}
    GET  /sandbox/app-bridge.js                  a stand-in for App Bridge's CDN script (idToken, shopify-reload)
    GET  /sandbox/polaris.js                     a stand-in for Polaris web components' CDN script (the s-* elements)
    POST /sandbox/webhooks/send                  {"topic", "shop", "order_id" | "payload", ...}
    GET  /sandbox/inventory?shop=…               {"locations": [...], "levels": [...]}
    POST /sandbox/inventory                      {"shop"?, "inventory_item_id", "location_id", "available"}
    POST /sandbox/fulfillments                   {"shop"?, "order_id", "lines"?: {line id: qty}, "tracking"?}
    POST /sandbox/fulfillment_orders/{hold|release|assign_to_service}  {"shop"?, "order_id"}
    GET  /store/{shop}/admin/stock               the sandbox admin's stock and fulfilment page (forms)
    GET  /sandbox/webhooks/deliveries            every delivery attempt
    POST /sandbox/control {"app": {...}}         change the registered app
    POST /sandbox/control {"webhooks": {"timeout_seconds", "max_retries", "retry_base_seconds"}}

Catalogue (see `products`, `customers` and `catalogue_admin`); every change sends its webhook unless "emit" is
false (adding many products sends none unless "emit" is true):

    GET  /sandbox/products?shop=…                {"products": [REST products]}
    POST /sandbox/products                       {"shop"?, "products": [{"title", "options": [["Size", ["S", "M"]]],
                                                  "variants"?: [{"options", "sku", "barcode", "price", "cost",
                                                  "weight", "weight_unit"}], ...}], "quantities"?: {location: n}}
    POST /sandbox/products/update                {"shop"?, "product_id", "title"?, "description_html"?, "status"?, ...}
    POST /sandbox/variants/update                {"shop"?, "variant_id", "price"?, "sku"?, "barcode"?, "cost"?, ...}
    POST /sandbox/products/delete                {"shop"?, "product_id"}
    GET  /sandbox/customers?shop=…               {"customers": [REST customers]}
    POST /sandbox/customers                      {"shop"?, "customers": [{"first_name", "last_name", "email", ...}]}
    POST /sandbox/customers/update               {"shop"?, "customer_id", "first_name"?, "email"?, "note"?, ...}
    POST /sandbox/customers/address              {"shop"?, "customer_id", "address_id", "address1"?, "city"?, ...}
    GET  /store/{shop}/admin/products            the sandbox admin's products page (forms)
    GET  /store/{shop}/admin/customers           the sandbox admin's customers page (forms)

Faults are a sandbox feature: they let the app's tests see the failures a real shop produces
(gateway errors, hanging requests, cut-off bodies, throttling) on demand.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import re
import shutil
import socket
import ssl
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from sandboxes.outage import Listener, parse_outage, remove_pid_file, serve_until_stopped, write_pid_file
from sandboxes.shopify import catalogue_admin, cdn, customers, fulfillments, inventory, products, stock_admin
from sandboxes.shopify.cost import CostModel
from sandboxes.shopify.graphql_api import AdminGraphQL
from sandboxes.shopify.oauth import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    DEFAULT_APP_URL,
    DEFAULT_SCOPES,
    AppConfig,
    OAuthError,
    OAuthProvider,
    granted_scopes,
    make_session_token,
)
from sandboxes.shopify.order_edits import edit_order
from sandboxes.shopify.ratelimit import PLANS, PlanLimits, RateLimiter
from sandboxes.shopify.schema import load_schema
from sandboxes.shopify.store import (
    DEMO_ACCESS_TOKEN,
    DEMO_SHOP_DOMAIN,
    SandboxStore,
    demo_state,
    seed_demo,
)
from sandboxes.shopify.webhooks import WebhookDispatcher

SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
BULK_PATH = re.compile(r"^/sandbox/bulk/(?P<number>\d+)\.jsonl$")
AUTHORIZE_PATH = re.compile(r"^(?:/store/(?P<shop>[^/]+))?/admin/oauth/authorize/?$")
TOKEN_PATH = re.compile(r"^(?:/store/(?P<shop>[^/]+))?/admin/oauth/access_token/?$")
STOCK_PAGE_PATH = re.compile(r"^/store/(?P<shop>[^/]+)/admin/stock/?$")
CATALOGUE_PAGE_PATH = re.compile(r"^/store/(?P<shop>[^/]+)/admin/(?P<page>products|customers)/?$")
CATALOGUE_CONTROL_PATHS = (
    "/sandbox/products",
    "/sandbox/products/update",
    "/sandbox/variants/update",
    "/sandbox/products/delete",
    "/sandbox/customers",
    "/sandbox/customers/update",
    "/sandbox/customers/address",
)
FULFILLMENT_ORDER_ACTION = re.compile(
    r"^/sandbox/fulfillment_orders/(?P<action>hold|release|assign_to_service)$"
)
APP_PAGE_PATH = re.compile(r"^(?:/store/(?P<shop>[^/]+)(?:/admin)?|/admin)/apps/(?P<key>[^/]+)/?$")
VERSION_FORMAT = re.compile(r"^(\d{4}-(01|04|07|10)|\d{4}-\d{2}|unstable)$")
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
BAD_BODY = {"errors": {"query": "Required parameter missing or invalid"}}
Json = dict[str, Any]


def resolve_version(requested: str) -> str | None:
    """The version that answers: Shopify falls forward to the next supported one; None if malformed."""
    if not VERSION_FORMAT.match(requested):
        return None
    if requested == "unstable":
        return requested
    return next((v for v in SUPPORTED_VERSIONS if v >= requested), SUPPORTED_VERSIONS[-1])


APP_BRIDGE_JS = Path(__file__).with_name("static") / "app-bridge.js"
POLARIS_JS = Path(__file__).with_name("static") / "polaris.js"


@dataclass
class Faults:
    fail_next: int = 0
    fail_status: int = 502
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    malformed_next: int = 0
    throttle_next: int = 0
    latency_ms: int = 0
    drop_next: int = 0


@dataclass
class Stats:
    requests: int = 0
    graphql_requests: int = 0
    throttled: int = 0
    injected_failures: int = 0
    injected_timeouts: int = 0
    injected_malformed: int = 0
    injected_drops: int = 0
    unauthorized: int = 0
    # TCP connections accepted: like Shopify, the sandbox keeps a connection open between requests (HTTP/1.1).
    connections: int = 0
    by_status: Counter[int] = field(default_factory=Counter)

    def as_json(self) -> Json:
        return {
            "requests": self.requests,
            "graphql_requests": self.graphql_requests,
            "throttled": self.throttled,
            "injected_failures": self.injected_failures,
            "injected_timeouts": self.injected_timeouts,
            "injected_malformed": self.injected_malformed,
            "injected_drops": self.injected_drops,
            "unauthorized": self.unauthorized,
            "connections": self.connections,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
        }


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        store: SandboxStore,
        *,
        cache_dir: Path | None = None,
        cost_model: CostModel = "shopify",
        throttle_http_status: int = 200,
        app: AppConfig | None = None,
    ) -> None:
        super().__init__(address, SandboxHandler)
        self.store = store
        self.clock = time.time  # replace in tests to move the OAuth/token clock
        self.app = app or AppConfig()
        self.oauth = OAuthProvider(self.app, store, clock=lambda: self.clock())
        self.webhooks = WebhookDispatcher(self.app, store, clock=lambda: self.clock())
        self.limiter = RateLimiter()
        self.api = AdminGraphQL(
            load_schema(cache_dir),
            store,
            self.limiter,
            cost_model=cost_model,
            throttle_http_status=throttle_http_status,
        )
        self.api.bulk_operations.base_url = self.base_url
        self.api.on_refund = lambda shop, order_id: self.send_webhook(
            "refunds/create", shop, order_id=order_id
        )
        self.api.on_order_edit = self._order_edited
        self.api.scopes_for = self.token_scopes
        self.api.on_webhook = lambda shop, topic, payload: self.send_webhook(topic, shop, payload=payload)
        self.api.on_fulfillment = self._fulfillment_changed
        self.faults = Faults()
        self.stats_data = Stats()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._edits = 0
        # None, or how the sandbox plays an outage: "refuse", "unavailable", "drop" (sandboxes/outage.py).
        self.outage: str | None = None
        self.listener = Listener(self, "shopify-sandbox")

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------------------- control (Python)

    def control(self, **options: Any) -> Json:
        """Same options as POST /sandbox/control; returns the resulting settings."""
        if "outage" in options:
            self.set_outage(parse_outage(options["outage"]))
        token = None
        if "reseed" in options:
            token = self.reseed(**(options["reseed"] or {}))
        with self._lock:
            f = self.faults
            if options.get("reset_stats"):
                self.stats_data = Stats()
            if options.get("reset"):
                self.faults = f = Faults()
                self.stats_data = Stats()
                self.limiter.reset()
                self.api.throttle_http_status = 200
                self.api.cost_model = "shopify"
                self.api.bulk_operations.reset_faults()
                self.webhooks.reset()
            if "app" in options:
                self.app.update(options["app"] or {})
            if "webhooks" in options:
                self.webhooks.configure(options["webhooks"] or {})
            if "fail_next" in options:
                f.fail_next = int(options["fail_next"])
                f.fail_status = int(options.get("status", 502))
            if "timeout_next" in options:
                f.timeout_next = int(options["timeout_next"])
            if "timeout_seconds" in options:
                f.timeout_seconds = float(options["timeout_seconds"])
            if "malformed_next" in options:
                f.malformed_next = int(options["malformed_next"])
            if "throttle_next" in options:
                f.throttle_next = int(options["throttle_next"])
            if "drop_next" in options:
                f.drop_next = int(options["drop_next"])
            if "latency_ms" in options:
                f.latency_ms = int(options["latency_ms"])
            if "throttle_status" in options:
                self.api.throttle_http_status = int(options["throttle_status"])
            if "cost_model" in options:
                self.api.cost_model = options["cost_model"]
            bulk = self.api.bulk_operations
            if "bulk_fail_next" in options:
                bulk.fail_next = int(options["bulk_fail_next"])
            if "bulk_delay_seconds" in options:
                bulk.delay_seconds = float(options["bulk_delay_seconds"])
            if "bulk_allow_nodes" in options:
                bulk.allow_nodes = bool(options["bulk_allow_nodes"])
            shop = options.get("shop") or self.default_shop()
            if "plan" in options:
                if options["plan"] not in PLANS:
                    raise ValueError(f"unknown plan {options['plan']!r}; known: {', '.join(PLANS)}")
                self.store.set_plan(shop, options["plan"])
                self.limiter.override(shop, None)
            if "bucket" in options:
                b = options["bucket"]
                self.limiter.override(
                    shop,
                    None
                    if b is None
                    else PlanLimits(float(b["maximum_available"]), float(b["restore_rate"])),
                )
            return {
                "outage": self.outage,
                **({"access_token": token} if token else {}),
                "faults": vars(f).copy(),
                "throttle_status": self.api.throttle_http_status,
                "cost_model": self.api.cost_model,
                "bulk": bulk.settings(),
                "app": self.app.as_json(),
                "webhooks": vars(self.webhooks.settings).copy(),
            }

    def reset(self) -> None:
        self.control(reset=True)

    def set_outage(self, mode: str | None) -> None:
        """Play an outage (sandboxes/outage.py) or end it; "refuse" closes the listening socket."""
        with self._lock:
            self.outage = mode
        if mode == "refuse":
            self.listener.close()
        else:
            self.listener.reopen()

    def reseed(
        self,
        orders: int = 60,
        shop: str = DEMO_SHOP_DOMAIN,
        access_token: str = DEMO_ACCESS_TOKEN,
        seed: int = 1,
    ) -> str:
        """Start over with the demo state (`manage.py seed_demo --reset` while the sandbox runs): one shop, its
        token and `orders` generated orders; faults, counters and webhook deliveries cleared. Returns the token."""
        if not isinstance(orders, int) or isinstance(orders, bool) or not 0 <= orders <= 100_000:
            raise ValueError("reseed: orders must be a whole number from 0 to 100000")
        self.store.replace_state(demo_state(str(shop), str(access_token), orders, int(seed)))
        self.control(reset=True)
        return str(access_token)

    def add_orders(
        self,
        orders: list[Json],
        shop: str | None = None,
        transactions: dict[int, list[Json]] | None = None,
        risks: dict[int, Json] | None = None,
        *,
        emit: bool = False,
        address: str | None = None,
        emit_levels: bool = False,
    ) -> int:
        """Add or replace orders; with `emit`, send orders/create (new) or orders/updated for each.

        A new order gets its fulfilment order at the default location and commits its unfulfilled units
        there (available down, committed up); with `emit_levels` too, inventory_levels/update is sent."""
        domain = shop or self.default_shop()
        existed = {int(o["id"]): self.store.order(domain, int(o["id"])) is not None for o in orders}
        count = self.store.upsert_orders(domain, orders, transactions=transactions, risks=risks)
        placed = [o for o in orders if not existed[int(o["id"])]]
        if placed:  # Shopify routes a new order to a location and commits its stock there
            changed = self.store.transact(
                lambda state: [c for o in placed for c in fulfillments.place(state, domain, o)]
            )
            if emit and emit_levels:
                for item_id, location_id, lvl in changed:
                    self.send_webhook(
                        "inventory_levels/update",
                        domain,
                        payload=inventory.level_webhook(item_id, location_id, lvl),
                    )
        if emit:
            for order in orders:
                topic = "orders/updated" if existed[int(order["id"])] else "orders/create"
                self.send_webhook(topic, domain, order_id=int(order["id"]), address=address)
        return count

    # ------------------------------------------------------------------------- install and webhooks

    def create_refund(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **options: Any,
    ) -> Json:
        """A refund as `refundCreate` makes it (see sandbox.shopify.refunds.build_refund for the options);
        with `emit`, `refunds/create` is sent. Returns the refund (REST shape)."""
        from sandboxes.shopify.refunds import record_refund

        domain = shop or self.default_shop()
        refund, _ = record_refund(self.store, domain, int(order_id), **options)
        if emit:
            self.send_webhook("refunds/create", domain, order_id=int(order_id), address=address)
        return refund

    def edit_order(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        set_quantities: dict[int, int] | None = None,
        add: list[Json] | None = None,
        emit: bool = True,
        address: str | None = None,
    ) -> Json:
        """Commit an order edit as Shopify does; with `emit`, send orders/edited and orders/updated for it."""
        domain = shop or self.default_shop()
        stored = self.store.order(domain, int(order_id))
        if stored is None:
            raise KeyError(f"order {order_id} not found on {domain}")
        order = copy.deepcopy(stored)
        with self._lock:
            self._edits += 1
            edit_id = self._edits
        body = edit_order(order, set_quantities=set_quantities, add=add, edit_id=edit_id)
        transactions = self.store.transactions(domain, int(order_id))
        self.store.upsert_orders(domain, [order], transactions={int(order_id): transactions})
        if emit:
            self.send_webhook("orders/edited", domain, payload=body, address=address)
            self.send_webhook("orders/updated", domain, order_id=int(order_id), address=address)
        return body

    def _order_edited(self, shop: str, order_id: int, body: Json) -> None:
        """An edit committed through the GraphQL mutations: Shopify sends both topics."""
        self.send_webhook("orders/edited", shop, payload=body)
        self.send_webhook("orders/updated", shop, order_id=order_id)

    # ------------------------------------------------------------------------- stock and fulfilment

    def token_scopes(self, shop: str, token: str) -> frozenset[str]:
        """The access scopes of a token: those it was issued with, else the app's current scopes."""
        scope = self.store.token_scope(shop, token)
        return granted_scopes(self.app.scopes if scope is None else scope)

    def locations(self, shop: str | None = None) -> list[Json]:
        domain = shop or self.default_shop()
        return self.store.transact(lambda s: inventory.locations(s, domain), write=False)

    def levels(
        self, shop: str | None = None, *, item: int | None = None, location: int | None = None
    ) -> list[Json]:
        """Levels as {item_id, location_id, available, committed, on_hand, updated_at}."""
        domain = shop or self.default_shop()
        return self.store.transact(
            lambda s: inventory.levels_of(s, domain, item_id=item, location_id=location), write=False
        )

    def forget_idempotency_keys(self, shop: str | None = None) -> int:
        """Forget the `@idempotent` keys the shop's mutations used, as Shopify does once they expire (a test run
        is, for the next test, a later day). Returns how many were forgotten."""
        domain = shop or self.default_shop()

        def forget(state: Json) -> int:
            keys = state.get("idempotency", {}).get(domain)
            if not keys:
                return 0
            count = len(keys)
            keys.clear()
            return count

        return self.store.transact(forget)

    def set_level(
        self,
        shop: str | None,
        item: int,
        location: int,
        available: int,
        *,
        emit: bool = True,
        address: str | None = None,
    ) -> Json:
        """Change `available` as a merchant does in the Shopify admin; sends inventory_levels/update."""
        domain = shop or self.default_shop()

        def change(state: Json) -> tuple[Json, int]:
            if int(item) not in inventory.items_by_id(state, domain):
                raise KeyError(f"inventory item {item} not found on {domain}")
            loc = inventory.location(state, domain, int(location))
            if loc is None or not loc["active"]:
                raise KeyError(f"no active location {location} on {domain}")
            return inventory.set_available(state, domain, int(item), int(location), int(available))

        lvl, delta = self.store.transact(change)
        if emit and delta:
            self.send_webhook(
                "inventory_levels/update",
                domain,
                payload=inventory.level_webhook(int(item), int(location), lvl),
                address=address,
            )
        return self.levels(domain, item=int(item), location=int(location))[0]

    def add_inventory_items(
        self, items: list[Json], shop: str | None = None, *, quantities: dict[int, int] | None = None
    ) -> list[Json]:
        """Extra inventory items (variants) for a shop, e.g. a 10,000-variant catalogue for a bench:
        `items` = [{"sku", "barcode"?, "title"?, "tracked"?}], stocked with `quantities` {location id: n}."""
        domain = shop or self.default_shop()
        return self.store.transact(lambda s: inventory.add_items(s, domain, items, quantities))

    def add_location(
        self, name: str, shop: str | None = None, *, fulfills_online_orders: bool = False
    ) -> Json:
        """A new active merchant location (e.g. a third one for a bench); items added afterwards are stocked
        there too."""
        domain = shop or self.default_shop()
        return self.store.transact(
            lambda s: inventory.add_location(s, domain, name, fulfills_online_orders=fulfills_online_orders)
        )

    def fulfillment_orders(self, order_id: int, shop: str | None = None) -> list[Json]:
        domain = shop or self.default_shop()

        def read(state: Json) -> list[Json]:
            order = state["orders"].get(domain, {}).get(str(order_id))
            if order is None:
                raise KeyError(f"order {order_id} not found on {domain}")
            return [copy.deepcopy(fo) for fo in fulfillments.ensure(state, domain, order)]

        return self.store.transact(read)

    def _fulfillment_order_id(self, order_id: int, shop: str, fulfillment_order_id: int | None) -> int:
        if fulfillment_order_id is not None:
            return int(fulfillment_order_id)
        fos = self.fulfillment_orders(order_id, shop)
        open_ones = [fo for fo in fos if fo["status"] in ("OPEN", "IN_PROGRESS", "ON_HOLD")]
        return int((open_ones or fos)[0]["id"])

    def fulfil_in_admin(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        lines: dict[int, int] | None = None,
        tracking: Json | None = None,
        notify_customer: bool = False,
        fulfillment_order_id: int | None = None,
        emit: bool = True,
        address: str | None = None,
    ) -> Json:
        """Fulfil as the merchant (or a 3PL) does in the Shopify admin: `lines` = {order line item id: qty}
        (None: everything remaining), `tracking` = {"company", "number", "url"}. Sends fulfillments/create,
        orders/updated and orders/fulfilled or orders/partially_fulfilled. Returns the REST fulfilment."""
        domain = shop or self.default_shop()
        fo_id = self._fulfillment_order_id(int(order_id), domain, fulfillment_order_id)

        def change(state: Json) -> fulfillments.Created:
            wanted = None
            if lines:
                found = fulfillments.find(state, domain, fo_id)
                by_line = {line["line_item_id"]: line["id"] for line in (found[1]["lines"] if found else [])}
                wanted = [{"id": by_line.get(int(k), 0), "quantity": int(v)} for k, v in lines.items()]
            return fulfillments.create(
                state,
                domain,
                [{"fulfillment_order_id": fo_id, "lines": wanted}],
                tracking=tracking,
                notify_customer=notify_customer,
                admin=True,
            )

        created = self.store.transact(change)
        if emit:
            self._fulfillment_changed(
                domain, created.order, created.fulfillment, "fulfillments/create", address
            )
        return created.fulfillment

    def update_tracking_in_admin(
        self, fulfillment_id: int, tracking: Json, shop: str | None = None, *, emit: bool = True
    ) -> Json:
        domain = shop or self.default_shop()
        updated, order = self.store.transact(
            lambda s: fulfillments.update_tracking(s, domain, int(fulfillment_id), tracking)
        )
        if emit:
            self._fulfillment_changed(domain, order, updated, "fulfillments/update")
        return updated

    def split_fulfillment_order(
        self, order_id: int, location_id: int, lines: dict[int, int], shop: str | None = None
    ) -> Json:
        """Move `lines` ({order line item id: units}) of the order's open fulfilment orders to a new one at
        `location_id` (the merchant splits and moves in the admin); returns the new fulfilment order."""
        domain = shop or self.default_shop()
        return self.store.transact(
            lambda s: copy.deepcopy(fulfillments.split(s, domain, int(order_id), int(location_id), lines))
        )

    def cancel_fulfillment_in_admin(
        self, fulfillment_id: int, shop: str | None = None, *, emit: bool = True
    ) -> Json:
        """The merchant cancels a fulfilment (fulfillmentCancel): sends fulfillments/update with status
        "cancelled" and orders/updated. Returns the REST fulfilment."""
        domain = shop or self.default_shop()
        cancelled, order = self.store.transact(lambda s: fulfillments.cancel(s, domain, int(fulfillment_id)))
        if emit:
            self._fulfillment_changed(domain, order, cancelled, "fulfillments/update")
            self.send_webhook("orders/updated", domain, payload=order)
        return cancelled

    def hold_fulfillment_order(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        reason: str = "OTHER",
        notes: str | None = None,
        fulfillment_order_id: int | None = None,
        emit: bool = True,
    ) -> Json:
        """Put a fulfilment order on hold (fulfillment_orders/placed_on_hold)."""
        domain = shop or self.default_shop()
        fo_id = self._fulfillment_order_id(int(order_id), domain, fulfillment_order_id)
        fo = self.store.transact(lambda s: copy.deepcopy(fulfillments.hold(s, domain, fo_id, reason, notes)))
        if emit:
            self.send_webhook(
                "fulfillment_orders/placed_on_hold",
                domain,
                payload=fulfillments.fulfillment_order_webhook(fo),
            )
        return fo

    def release_fulfillment_order(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        fulfillment_order_id: int | None = None,
        emit: bool = True,
    ) -> Json:
        domain = shop or self.default_shop()
        fo_id = self._fulfillment_order_id(int(order_id), domain, fulfillment_order_id)
        fo = self.store.transact(lambda s: copy.deepcopy(fulfillments.release(s, domain, fo_id)))
        if emit:
            self.send_webhook(
                "fulfillment_orders/hold_released", domain, payload=fulfillments.fulfillment_order_webhook(fo)
            )
        return fo

    def assign_to_service(
        self,
        order_id: int,
        shop: str | None = None,
        *,
        location_id: int = inventory.FULFILLMENT_SERVICE_LOCATION,
        fulfillment_order_id: int | None = None,
        emit: bool = True,
    ) -> Json:
        """Move a fulfilment order to another location; by default the fulfilment service's ("Acme
        Fulfillment"), which an order-management app may not fulfil. Sends fulfillment_orders/moved."""
        domain = shop or self.default_shop()
        fo_id = self._fulfillment_order_id(int(order_id), domain, fulfillment_order_id)

        def change(state: Json) -> tuple[int, Json]:
            found = fulfillments.find(state, domain, fo_id)
            source = found[1]["location_id"] if found else 0
            return source, copy.deepcopy(fulfillments.move(state, domain, fo_id, int(location_id)))

        source, fo = self.store.transact(change)
        if emit:
            body = fulfillments.fulfillment_order_webhook(fo)["fulfillment_order"]
            self.send_webhook(
                "fulfillment_orders/moved",
                domain,
                payload={
                    "original_fulfillment_order": body,
                    "moved_fulfillment_order": body,
                    "destination_location_id": int(location_id),
                    "fulfillment_order_line_items_requested": None,
                    "source_location": {"id": f"gid://shopify/Location/{source}"},
                },
            )
        return fo

    def _fulfillment_changed(
        self, shop: str, order: Json, fulfillment: Json, topic: str, address: str | None = None
    ) -> None:
        """A fulfilment was created or its tracking changed: Shopify's webhooks for it."""
        body = {k: v for k, v in fulfillment.items() if k not in ("fulfillment_order_ids", "notify_customer")}
        self.send_webhook(topic, shop, payload=body, address=address)
        if topic == "fulfillments/create":
            self.send_webhook("orders/updated", shop, payload=order, address=address)
            done = (
                "orders/fulfilled"
                if order.get("fulfillment_status") == "fulfilled"
                else "orders/partially_fulfilled"
            )
            self.send_webhook(done, shop, payload=order, address=address)

    # ---------------------------------------------------------------------- products and customers

    def products(self, shop: str | None = None) -> list[Json]:
        domain = shop or self.default_shop()
        return self.store.transact(lambda s: products.products_of(s, domain), write=False)

    def add_products(
        self,
        specs: list[Json],
        shop: str | None = None,
        *,
        quantities: dict[int, int] | None = None,
        emit: bool = False,
        address: str | None = None,
    ) -> list[Json]:
        """Many products at once, e.g. 2,000 products of 5 variants for a bench (see `products.add_products`
        for the specs); with `emit`, products/create for each."""
        domain = shop or self.default_shop()
        added = self.store.transact(lambda s: products.add_products(s, domain, specs, quantities=quantities))
        if emit:
            for p in added:
                self.send_webhook(
                    "products/create", domain, payload=products.rest_product(p), address=address
                )
        return added

    def add_product(
        self,
        title: str,
        options: Any = (),
        variants: list[Json] | None = None,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        quantities: dict[int, int] | None = None,
        **fields: Any,
    ) -> Json:
        """A product as the merchant adds it in the admin; sends products/create."""
        spec = {"title": title, "options": options, "variants": variants, **fields}
        return self.add_products([spec], shop, quantities=quantities, emit=emit, address=address)[0]

    def update_product(
        self,
        product_id: int,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **fields: Any,
    ) -> Json:
        """Edit a product's fields (`products.PRODUCT_FIELDS`); sends products/update."""
        domain = shop or self.default_shop()
        changed = self.store.transact(lambda s: products.update_product(s, domain, int(product_id), **fields))
        if emit:
            self.send_webhook(
                "products/update", domain, payload=products.rest_product(changed), address=address
            )
        return changed

    def update_variant(
        self,
        variant_id: int,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **fields: Any,
    ) -> Json:
        """Edit a variant's fields (`products.VARIANT_FIELDS`); sends products/update for its product."""
        domain = shop or self.default_shop()
        changed = self.store.transact(lambda s: products.update_variant(s, domain, int(variant_id), **fields))
        if emit:
            self.send_webhook(
                "products/update", domain, payload=products.rest_product(changed), address=address
            )
        return changed

    def delete_product(
        self, product_id: int, shop: str | None = None, *, emit: bool = True, address: str | None = None
    ) -> Json:
        """Delete a product and its variants; sends products/delete ({"id": …})."""
        domain = shop or self.default_shop()
        removed = self.store.transact(lambda s: products.delete_product(s, domain, int(product_id)))
        if emit:
            self.send_webhook(
                "products/delete",
                domain,
                payload=products.rest_product_deleted(int(product_id)),
                address=address,
            )
        return removed

    def customers(self, shop: str | None = None) -> list[Json]:
        domain = shop or self.default_shop()
        return self.store.transact(lambda s: customers.customers_of(s, domain), write=False)

    def add_customer(
        self,
        first_name: str,
        last_name: str,
        email: str,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **fields: Any,
    ) -> Json:
        """A customer as the merchant adds one (`customers.add_customer`); sends customers/create."""
        domain = shop or self.default_shop()
        added = self.store.transact(
            lambda s: customers.add_customer(s, domain, first_name, last_name, email, **fields)
        )
        if emit:
            self.send_webhook(
                "customers/create", domain, payload=customers.rest_customer(added), address=address
            )
        return added

    def update_customer(
        self,
        customer_id: int,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **fields: Any,
    ) -> Json:
        """Edit a customer's fields (`customers.CUSTOMER_FIELDS`); sends customers/update."""
        domain = shop or self.default_shop()
        changed = self.store.transact(
            lambda s: customers.update_customer(s, domain, int(customer_id), **fields)
        )
        if emit:
            self.send_webhook(
                "customers/update", domain, payload=customers.rest_customer(changed), address=address
            )
        return changed

    def update_customer_address(
        self,
        customer_id: int,
        address_id: int,
        shop: str | None = None,
        *,
        emit: bool = True,
        address: str | None = None,
        **fields: Any,
    ) -> Json:
        """Edit one address of a customer (REST field names); sends customers/update."""
        domain = shop or self.default_shop()
        changed = self.store.transact(
            lambda s: customers.update_address(s, domain, int(customer_id), int(address_id), **fields)
        )
        if emit:
            self.send_webhook(
                "customers/update", domain, payload=customers.rest_customer(changed), address=address
            )
        return changed

    def send_webhook(self, topic: str, shop: str | None = None, **options: Any) -> Json:
        """Deliver a signed webhook from a background thread (see `webhooks`); returns its ids."""
        return self.webhooks.send(topic, shop or self.default_shop(), **options)

    def deliveries(self, **filters: Any) -> list[Json]:
        return self.webhooks.deliveries(**filters)

    def session_token(self, shop: str | None = None, **options: Any) -> str:
        """A fresh session token (ID token) for the registered app, as App Bridge would give it."""
        options.setdefault("now", self.clock())
        return make_session_token(
            shop or self.default_shop(), api_key=self.app.api_key, api_secret=self.app.api_secret, **options
        )

    def stats(self) -> Json:
        with self._lock:
            return self.stats_data.as_json()

    def default_shop(self) -> str:
        domains = self.store.shop_domains()
        if not domains:
            raise ValueError("the sandbox has no shop")
        return DEMO_SHOP_DOMAIN if DEMO_SHOP_DOMAIN in domains else domains[0]

    def take_fault(self) -> tuple[str, Any] | None:
        """The fault to apply to the next GraphQL request, consuming one from its counter."""
        with self._lock:
            f = self.faults
            if f.fail_next > 0:
                f.fail_next -= 1
                self.stats_data.injected_failures += 1
                return "fail", f.fail_status
            if f.timeout_next > 0:
                f.timeout_next -= 1
                self.stats_data.injected_timeouts += 1
                return "timeout", f.timeout_seconds
            if f.malformed_next > 0:
                f.malformed_next -= 1
                self.stats_data.injected_malformed += 1
                return "malformed", None
            if f.throttle_next > 0:
                f.throttle_next -= 1
                return "throttle", None
            if f.drop_next > 0:
                f.drop_next -= 1
                self.stats_data.injected_drops += 1
                return "drop", None
        return None

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self.stats_data.connections += 1
        super().process_request(request, client_address)

    def count(
        self, status: int, *, graphql: bool = False, throttled: bool = False, unauthorized: bool = False
    ) -> None:
        with self._lock:
            s = self.stats_data
            s.requests += 1
            s.graphql_requests += int(graphql)
            s.throttled += int(throttled)
            s.unauthorized += int(unauthorized)
            s.by_status[status] += 1

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up when the server shuts down (so held requests don't block exit)."""
        self._stopping.wait(seconds)

    def shutdown_sandbox(self) -> None:
        self._stopping.set()
        self.webhooks.close()
        self.shutdown()
        self.server_close()
        self.api.bulk_operations.close()
        self.store.close()


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without TCP_NODELAY the body of every answer on a kept-alive
    # connection waits for the client's delayed ACK (40 ms on Linux), which Shopify's servers never add.
    disable_nagle_algorithm = True
    server: SandboxServer
    server_version = "ShopifySandbox/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return  # requests are counted in /sandbox/stats; access logs would drown test output

    # --------------------------------------------------------------------------------- helpers

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body, ensure_ascii=False).encode(), headers=headers)

    def _query(self, raw: str | None = None) -> Json:
        """Query (or form) parameters: one string per key; keys ending in `[]` keep a list."""
        if raw is None:
            raw = self.path.split("?", 1)[1] if "?" in self.path else ""
        parsed = parse_qs(raw, keep_blank_values=True)
        return {k: (v if k.endswith("[]") else v[-1]) for k, v in parsed.items()}

    def _shop_param(self, path_shop: str | None, query: Json) -> str:
        shop = path_shop or query.get("shop") or self.server.default_shop()
        shop = str(shop).strip().lower()
        return shop if "." in shop else f"{shop}.myshopify.com"

    def _html(self, status: int, text: str) -> None:
        self._send(status, text.encode(), content_type="text/html; charset=utf-8")

    # -------------------------------------------------------------------------------- routing

    def _in_outage(self, path: str) -> bool:
        """Answer as the outage would (a proxy's 503, or no answer); False when there is none. The control and
        statistics endpoints keep answering, so that the outage can be ended and observed."""
        outage = self.server.outage
        if outage is None or path in ("/sandbox/control", "/sandbox/stats"):
            return False
        self.close_connection = True
        if outage == "unavailable":
            self._injected_failure(503)
        else:  # "drop", or a connection opened before the socket was closed ("refuse")
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        return True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if self._in_outage(path):
            return
        if path == "/sandbox/stats":
            self._json(200, self.server.stats())
        elif path == "/sandbox/health":
            self._json(200, {"ok": True})
        elif match := BULK_PATH.match(path):
            self._bulk_file(int(match["number"]))
        elif match := AUTHORIZE_PATH.match(path):
            self._authorize(match["shop"])
        elif match := STOCK_PAGE_PATH.match(path):
            self._stock_page(match["shop"])
        elif match := CATALOGUE_PAGE_PATH.match(path):
            self._catalogue_page(match["shop"], match["page"])
        elif path in ("/sandbox/products", "/sandbox/customers"):
            shop = self._shop_param(None, self._query())
            self.server.count(200)
            if path == "/sandbox/products":
                self._json(
                    200,
                    {
                        "shop": shop,
                        "products": [products.rest_product(p) for p in self.server.products(shop)],
                    },
                )
            else:
                self._json(
                    200,
                    {
                        "shop": shop,
                        "customers": [customers.rest_customer(c) for c in self.server.customers(shop)],
                    },
                )
        elif path == "/sandbox/inventory":
            shop = self._shop_param(None, self._query())
            self.server.count(200)
            self._json(
                200,
                {"shop": shop, "locations": self.server.locations(shop), "levels": self.server.levels(shop)},
            )
        elif match := APP_PAGE_PATH.match(path):
            self._app_page(match["shop"], match["key"])
        elif path == "/sandbox/webhooks/deliveries":
            query = self._query()
            self.server.count(200)
            self._json(
                200,
                {
                    "deliveries": self.server.deliveries(
                        topic=query.get("topic"), event_id=query.get("event_id")
                    )
                },
            )
        elif path == "/sandbox/session_token":
            self._session_token()
        elif path.startswith(cdn.PATH_PREFIX):
            self._cdn_image()
        elif path == "/sandbox/app-bridge.js":
            self.server.count(200)
            self._send(200, APP_BRIDGE_JS.read_bytes(), content_type="text/javascript; charset=utf-8")
        elif path == "/sandbox/polaris.js":
            self.server.count(200)
            self._send(200, POLARIS_JS.read_bytes(), content_type="text/javascript; charset=utf-8")
        else:
            self.server.count(404)
            self._json(404, {"errors": "Not Found"})

    def _cdn_image(self) -> None:
        """A product image, as cdn.shopify.com serves one (sandboxes/shopify/cdn.py)."""
        image = cdn.image_for(self.path)
        if image is None:
            self.server.count(404)
            self._json(404, {"errors": "Not Found"})
            return
        self.server.count(200)
        self._send(200, image, content_type="image/png", headers={"Cache-Control": "max-age=31536000"})

    def _bulk_file(self, number: int) -> None:
        """Stream a result file; 404 while the operation runs (Shopify has no URL until it ends)."""
        path = self.server.api.bulk_operations.downloadable(number)
        if path is None:
            self.server.count(404)
            self._json(404, {"errors": "Not Found"})
            return
        self.server.count(200)
        size = path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with path.open("rb") as fh:
            shutil.copyfileobj(fh, self.wfile, 1 << 16)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._body()
        if self._in_outage(path):
            return
        if TOKEN_PATH.match(path):
            self._access_token(body)
            return
        if path == "/sandbox/webhooks/send":
            self._webhook_send(body)
            return
        if path == "/sandbox/control":
            self._sandbox_control(body)
            return
        if path == "/sandbox/orders":
            self._sandbox_orders(body)
            return
        if path == "/sandbox/orders/edit":
            self._sandbox_order_edit(body)
            return
        if match := STOCK_PAGE_PATH.match(path):
            self._stock_form(match["shop"], body)
            return
        if match := CATALOGUE_PAGE_PATH.match(path):
            self._catalogue_form(match["shop"], match["page"], body)
            return
        if path in CATALOGUE_CONTROL_PATHS:
            self._sandbox_catalogue(path, body)
            return
        if path in ("/sandbox/inventory", "/sandbox/fulfillments") or FULFILLMENT_ORDER_ACTION.match(path):
            self._sandbox_stock(path, body)
            return
        match = GRAPHQL_PATH.match(path)
        if not match:
            self.server.count(404)
            self._json(404, {"errors": "Not Found"})
            return
        self._graphql(match["version"], body)

    def _sandbox_control(self, body: bytes) -> None:
        try:
            options = json.loads(body or b"{}")
            self._json(200, self.server.control(**options))
        except (ValueError, TypeError, KeyError) as exc:
            self._json(400, {"errors": str(exc)})

    def _sandbox_orders(self, body: bytes) -> None:
        try:
            payload = json.loads(body)
            orders = payload.get("orders") or ([payload["order"]] if "order" in payload else [])
            count = self.server.add_orders(
                orders,
                shop=payload.get("shop"),
                transactions={int(k): v for k, v in (payload.get("transactions") or {}).items()},
                risks={int(k): v for k, v in (payload.get("risks") or {}).items()},
                emit=bool(payload.get("emit")),
                address=payload.get("address"),
            )
            self._json(200, {"upserted": count})
        except (ValueError, TypeError, KeyError) as exc:
            self._json(400, {"errors": str(exc)})

    # ------------------------------------------------------------------- install and webhooks

    def _sandbox_order_edit(self, body: bytes) -> None:
        """POST /sandbox/orders/edit {"order_id", "shop"?, "set_quantities": {line id: qty}, "add": [...],
        "emit"?: true}: the edit Shopify's orderEdit* mutations commit, and its webhooks."""
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("body must be a JSON object")
            answer = self.server.edit_order(
                int(payload["order_id"]),
                payload.get("shop"),
                set_quantities=payload.get("set_quantities"),
                add=payload.get("add"),
                emit=bool(payload.get("emit", True)),
                address=payload.get("address"),
            )
            self._json(200, answer)
        except (ValueError, TypeError, KeyError) as exc:
            self._json(400, {"errors": str(exc)})

    def _stock_page(self, path_shop: str, message: str = "") -> None:
        shop = self._shop_param(path_shop, {})
        if shop not in self.server.store.shop_domains():
            self.server.count(404)
            self._html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
            return
        self.server.count(200)
        self._html(
            200, stock_admin.render(self.server, shop, message or str(self._query().get("message") or ""))
        )

    def _stock_form(self, path_shop: str, raw: bytes) -> None:
        """A form of the stock page; answered with a redirect back to it (POST/redirect/GET)."""
        shop = self._shop_param(path_shop, {})
        try:
            message = stock_admin.handle_form(self.server, shop, self._query(raw.decode("utf-8")))
        except (ValueError, KeyError, TypeError, fulfillments.FulfillmentError) as exc:
            message = f"Refused: {getattr(exc, 'message', None) or exc}"
        name = shop.removesuffix(".myshopify.com")
        self.server.count(303)
        self._send(
            303,
            b"",
            content_type="text/html; charset=utf-8",
            headers={"Location": f"/store/{name}/admin/stock?{urlencode({'message': message})}"},
        )

    def _catalogue_page(self, path_shop: str, page: str) -> None:
        shop = self._shop_param(path_shop, {})
        if shop not in self.server.store.shop_domains():
            self.server.count(404)
            self._html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
            return
        query = self._query()
        self.server.count(200)
        self._html(200, catalogue_admin.render(self.server, shop, page, query))

    def _catalogue_form(self, path_shop: str, page: str, raw: bytes) -> None:
        """A form of the products or customers page; answered with a redirect back to it (POST/redirect/GET)."""
        shop = self._shop_param(path_shop, {})
        try:
            message = catalogue_admin.handle_form(self.server, shop, page, self._query(raw.decode("utf-8")))
        except (products.ProductError, customers.CustomerError) as exc:
            message = f"Refused: {exc.message}"
        except (ValueError, KeyError, TypeError) as exc:
            message = f"Refused: {exc}"
        name = shop.removesuffix(".myshopify.com")
        self.server.count(303)
        self._send(
            303,
            b"",
            content_type="text/html; charset=utf-8",
            headers={"Location": f"/store/{name}/admin/{page}?{urlencode({'message': message})}"},
        )

    def _sandbox_catalogue(self, path: str, raw: bytes) -> None:
        """POST /sandbox/products[/update|/delete] | /sandbox/variants/update | /sandbox/customers[/update|/address]."""
        server = self.server
        try:
            payload = json.loads(raw or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("body must be a JSON object")
            answer = catalogue_admin.control(server, path, payload)
        except (products.ProductError, customers.CustomerError) as exc:
            error: Json = {"errors": exc.message, "field": exc.field}
            if isinstance(exc, products.ProductError):
                error["code"] = exc.code
            server.count(422)
            self._json(422, error)
            return
        except (ValueError, TypeError, KeyError) as exc:
            server.count(400)
            self._json(400, {"errors": str(exc)})
            return
        server.count(200)
        self._json(200, answer)

    def _sandbox_stock(self, path: str, raw: bytes) -> None:
        """POST /sandbox/inventory | /sandbox/fulfillments | /sandbox/fulfillment_orders/{action} (JSON)."""
        server = self.server
        try:
            payload = json.loads(raw or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("body must be a JSON object")
            shop = payload.get("shop")
            if path == "/sandbox/inventory":
                answer: Json = server.set_level(
                    shop,
                    int(payload["inventory_item_id"]),
                    int(payload["location_id"]),
                    int(payload["available"]),
                )
            elif path == "/sandbox/fulfillments":
                answer = server.fulfil_in_admin(
                    int(payload["order_id"]),
                    shop,
                    lines={int(k): int(v) for k, v in (payload.get("lines") or {}).items()} or None,
                    tracking=payload.get("tracking"),
                    notify_customer=bool(payload.get("notify_customer")),
                    emit=bool(payload.get("emit", True)),
                )
            else:
                action = path.rsplit("/", 1)[1]
                method: Any = {
                    "hold": server.hold_fulfillment_order,
                    "release": server.release_fulfillment_order,
                    "assign_to_service": server.assign_to_service,
                }[action]
                answer = method(int(payload["order_id"]), shop)
        except fulfillments.FulfillmentError as exc:
            server.count(422)
            self._json(422, {"errors": exc.message})
            return
        except (ValueError, TypeError, KeyError) as exc:
            server.count(400)
            self._json(400, {"errors": str(exc)})
            return
        server.count(200)
        self._json(200, answer)

    def _authorize(self, path_shop: str | None) -> None:
        query = self._query()
        try:
            location = self.server.oauth.authorize(self._shop_param(path_shop, query), query)
        except (OAuthError, ValueError) as exc:
            error = exc if isinstance(exc, OAuthError) else OAuthError(400, "invalid_request", str(exc))
            self.server.count(error.status)
            self._html(error.status, error.as_html())
            return
        self.server.count(302)
        self._send(302, b"", content_type="text/html; charset=utf-8", headers={"Location": location})

    def _access_token(self, raw: bytes) -> None:
        content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        params = self._query()
        try:
            if content_type == "application/json":
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("body must be a JSON object")
                params |= body
            else:
                params |= self._query(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.server.count(400)
            self._json(400, {"error": "invalid_request", "error_description": "Malformed request body"})
            return
        try:
            answer = self.server.oauth.access_token(params)
        except OAuthError as exc:
            self.server.count(exc.status)
            self._json(exc.status, exc.as_json())
            return
        self.server.count(200)
        self._json(200, answer)

    def _app_page(self, path_shop: str | None, api_key: str) -> None:
        shop = self._shop_param(path_shop, self._query())
        if api_key != self.server.app.api_key or shop not in self.server.store.shop_domains():
            self.server.count(404)
            self._html(404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
            return
        self.server.count(200)
        self._html(200, self.server.oauth.admin_page(shop))

    def _session_token(self) -> None:
        query = self._query()
        shop = self._shop_param(None, query)
        if shop not in self.server.store.shop_domains():
            self.server.count(404)
            self._json(404, {"errors": f"unknown shop {shop}"})
            return
        options: Json = {"ttl": int(query.get("ttl") or 60)}
        if query.get("user_id"):
            options["user_id"] = query["user_id"]
        self.server.count(200)
        self._json(200, {"id_token": self.server.session_token(shop, **options), "shop": shop})

    def _webhook_send(self, raw: bytes) -> None:
        try:
            options = json.loads(raw or b"{}")
            if not isinstance(options, dict):
                raise ValueError("body must be a JSON object")
            topic = str(options.pop("topic", ""))
            shop = options.pop("shop", None)
            result = self.server.send_webhook(topic, shop, **options)
        except (ValueError, TypeError, KeyError) as exc:
            self.server.count(400)
            self._json(400, {"errors": str(exc)})
            return
        self.server.count(202)
        self._json(202, result)

    def _graphql(self, requested_version: str, raw: bytes) -> None:
        server = self.server
        version = resolve_version(requested_version)
        if version is None:
            server.count(404)
            self._json(404, {"errors": "Not Found"})
            return
        version_header = {"X-Shopify-API-Version": version}
        token = self.headers.get("X-Shopify-Access-Token") or ""
        shop = server.store.shop_for_token(token, server.clock()) if token else None
        if shop is None:
            server.count(401, graphql=True, unauthorized=True)
            self._json(401, INVALID_TOKEN)
            return
        server.oauth.note_access_token_used(token)
        query, variables, operation_name = self._parse_graphql_body(raw)
        if query is None:
            server.count(400, graphql=True)
            self._json(400, BAD_BODY, headers=version_header)
            return
        if server.faults.latency_ms:
            server.wait(server.faults.latency_ms / 1000)
        fault = server.take_fault()
        if fault is not None and fault[0] == "fail":
            self._injected_failure(int(fault[1]))
            return
        if fault is not None and fault[0] == "timeout":
            server.wait(float(fault[1]))
        result = server.api.execute(
            shop,
            token,
            query,
            variables,
            operation_name,
            force_throttle=fault is not None and fault[0] == "throttle",
            api_version=version,
        )
        server.count(result.status, graphql=True, throttled=result.throttled)
        if fault is not None and fault[0] == "drop":
            # The request ran (a mutation changed the shop) but its answer never arrives: the connection closes.
            self.close_connection = True
            return
        payload = json.dumps(result.body, ensure_ascii=False).encode()
        if fault is not None and fault[0] == "malformed":
            payload = payload[: max(1, len(payload) // 2)]
        self._send(result.status, payload, headers=version_header)

    def _parse_graphql_body(self, raw: bytes) -> tuple[str | None, Json | None, str | None]:
        content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if content_type == "application/graphql":
            text = raw.decode("utf-8", "replace")
            return (text or None), None, None
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None, None, None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return None, None, None
        variables = body.get("variables")
        if isinstance(variables, str):  # some clients send variables as a JSON string
            try:
                variables = json.loads(variables) if variables else None
            except ValueError:
                return None, None, None
        if variables is not None and not isinstance(variables, dict):
            return None, None, None
        operation = body.get("operationName")
        return body["query"], variables, operation if isinstance(operation, str) and operation else None

    def _injected_failure(self, status: int) -> None:
        self.server.count(status, graphql=True)
        if status == 500:
            self._json(500, {"errors": "Internal Server Error"})
            return
        reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "Error")
        html = f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
        headers = {"Retry-After": "1"} if status in (429, 503) else {}
        self._send(status, html.encode(), content_type="text/html; charset=utf-8", headers=headers)


# ------------------------------------------------------------------------------ entry points


def make_server(
    host: str = "127.0.0.1",
    port: int = 8701,
    state_path: Path | None = None,
    cache_dir: Path | None = None,
    *,
    cost_model: CostModel = "shopify",
    throttle_http_status: int = 200,
    app: AppConfig | None = None,
) -> SandboxServer:
    store = SandboxStore(state_path)
    if not store.shop_domains():
        store.add_shop(DEMO_SHOP_DOMAIN, [DEMO_ACCESS_TOKEN])
    return SandboxServer(
        (host, port),
        store,
        cache_dir=cache_dir,
        cost_model=cost_model,
        throttle_http_status=throttle_http_status,
        app=app,
    )


def start_in_thread(
    state_path: Path | None = None,
    port: int = 0,
    seed_orders: int = 0,
    cache_dir: Path | None = None,
    *,
    app: AppConfig | None = None,
) -> tuple[SandboxServer, str]:
    """Start a sandbox on 127.0.0.1 in a daemon thread; stop it with `server.shutdown_sandbox()`.

    With `seed_orders`, a state file (if given) is first rewritten with that many demo orders.
    The demo shop answers to `store.DEMO_ACCESS_TOKEN`.
    """
    if seed_orders and state_path is not None:
        seed_demo(state_path, n_orders=seed_orders)
    server = make_server("127.0.0.1", port, state_path, cache_dir, app=app)
    if seed_orders and state_path is None:
        from sandboxes.shopify.generator import generate_dataset

        data = generate_dataset(seed_orders)
        server.add_orders(data.orders, transactions=data.transactions, risks=data.risks)
    server.listener.start()
    return server, server.base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.shopify", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument(
        "--state", type=Path, default=None, help="JSON state file (loaded at start, saved on change)"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the Admin schema is cached")
    parser.add_argument(
        "--seed-orders",
        type=int,
        default=0,
        help="if the state file does not exist yet, seed the demo shop with this many orders",
    )
    parser.add_argument("--throttle-status", type=int, default=200, choices=(200, 429))
    parser.add_argument("--cost-model", default="shopify", choices=("shopify", "linear"))
    parser.add_argument("--app-url", default=DEFAULT_APP_URL, help="the app's application_url")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the app's client id")
    parser.add_argument("--api-secret", default=DEFAULT_API_SECRET, help="the app's client secret")
    parser.add_argument("--scopes", default=DEFAULT_SCOPES, help="the app's access scopes (comma-separated)")
    parser.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        help="serve https with this certificate (PEM; benches measure TLS)",
    )
    parser.add_argument("--tls-key", type=Path, default=None, help="the certificate's private key (PEM)")
    parser.add_argument(
        "--pid-file", type=Path, default=None, help="write the process id here (manage.py sandbox shopify up)"
    )
    args = parser.parse_args(argv)
    if args.seed_orders and args.state is not None and not args.state.exists():
        seed_demo(args.state, n_orders=args.seed_orders)
    server = make_server(
        args.host,
        args.port,
        args.state,
        args.cache_dir,
        cost_model=args.cost_model,
        throttle_http_status=args.throttle_status,
        app=AppConfig(
            api_key=args.api_key,
            api_secret=args.api_secret,
            application_url=args.app_url.rstrip("/"),
            scopes=args.scopes,
        ),
    )

    if args.tls_cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)

    if args.pid_file is not None:
        write_pid_file(args.pid_file)
    print(f"shopify sandbox listening on {server.base_url}", flush=True)
    try:
        serve_until_stopped(server, server.listener, server.set_outage, threading.Event())
    finally:
        if args.pid_file is not None:
            remove_pid_file(args.pid_file)
        server.shutdown_sandbox()
    return 0


if __name__ == "__main__":
    sys.exit(main())
