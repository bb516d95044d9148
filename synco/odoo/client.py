"""OdooClient: intent-named calls over odoolib, returning our own types."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import odoolib

from synco.errors import GatewayError, PermanentGatewayError, TransientGatewayError
from synco.odoo.destination import OdooAddress, OutboundPolicy
from synco.odoo.errors import (
    MISSING_RECORD_TEXTS,
    OdooLoginRefusedError,
    OdooMissingRecordError,
    OdooNoneResult,
    classify,
)
from synco.odoo.json2 import Json2Error, looks_like_api_key, named_arguments
from synco.odoo.transport import make_connection
from synco.odoo.versions import OdooDialect, UnsupportedOdooVersion, dialect_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OdooSettings:
    host: str
    port: int
    use_tls: bool
    database: str
    login: str
    secret: str
    # "xmlrpc", "jsonrpc", "json2" (Odoo 19+, API keys only) or "auto": JSON-2 where the server has it and the
    # secret is an API key, XML-RPC otherwise (OdooClient.transport says which one a client uses).
    protocol: str = "xmlrpc"
    # The total deadline of one call (connect, send and the whole answer), not of each socket read.
    timeout: float = 30.0
    policy: OutboundPolicy = field(default_factory=OutboundPolicy)

    @property
    def address(self) -> OdooAddress:
        return OdooAddress(scheme="https" if self.use_tls else "http", host=self.host, port=self.port)

    @property
    def where(self) -> str:
        """How to name the server in messages: never the secret, never Odoo's own database host."""
        scheme = "https" if self.use_tls else "http"
        return f"{scheme}://{self.host}:{self.port} (database '{self.database}')"

    @property
    def session_key(self) -> tuple[Any, ...]:
        # The secret is part of the key (hashed) so that a changed password re-authenticates.
        digest = hashlib.sha256(self.secret.encode()).hexdigest()
        return (self.host, self.port, self.use_tls, self.protocol, self.database, self.login, digest)


@dataclass(frozen=True)
class OdooTax:
    id: int
    name: str
    amount: Decimal
    price_included: bool
    sequence: int = 1  # Odoo applies a line's taxes in (sequence, id) order; 1 is its default


@dataclass(frozen=True)
class OdooProduct:
    id: int
    name: str
    default_code: str
    barcode: str
    active: bool
    tax_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class OdooLineAmounts:
    """One sale order line's amounts as Odoo computed them (price_tax is the sum of its taxes)."""

    id: int
    name: str
    price_subtotal: Decimal
    price_tax: Decimal


@dataclass(frozen=True)
class OdooSaleOrder:
    id: int
    name: str
    state: str
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    currency: str
    invoice_ids: tuple[int, ...] = ()
    # Read in the same round trip as the totals, in Odoo's line order (sequence, id).
    lines: tuple[OdooLineAmounts, ...] = ()


@dataclass(frozen=True)
class OdooInvoice:
    id: int
    name: str
    state: str
    payment_state: str
    amount_total: Decimal
    amount_residual: Decimal
    payment_ids: tuple[int, ...]
    invoice_date: str = ""  # 'YYYY-MM-DD'; "" when Odoo has none yet (a draft dated at posting)

    @property
    def is_paid(self) -> bool:
        # In Odoo 18's default setup a payment leaves the residual unchanged but marks the invoice paid:
        # any matched payment means "do not pay again".
        return self.payment_state in ("paid", "in_payment", "reversed") or bool(self.payment_ids)


@dataclass(frozen=True)
class OdooOrderLine:
    """A sale order line as an edit needs it: what was ordered, delivered and invoiced."""

    id: int
    product_id: int | None
    name: str
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    qty_delivered: Decimal
    qty_invoiced: Decimal
    is_storable: bool  # a goods product ('consu'): Odoo refuses an ordered quantity below what was delivered
    display_type: str = ""


ORDER_LINE_FIELDS = [
    "product_id",
    "name",
    "product_uom_qty",
    "price_unit",
    "discount",
    "qty_delivered",
    "qty_invoiced",
    "qty_delivered_method",
    "display_type",
]


def to_wire(value: Any) -> Any:
    """XML-RPC and JSON-RPC carry doubles: Decimals become floats here, at the edge, and nowhere else."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, tuple):
        return tuple(to_wire(item) for item in value)
    return value


def money(value: Any) -> Decimal:
    """Odoo returns floats such as 0.5300000000000002: round to cents at the edge."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def move_number(value: Any) -> str:
    """An invoice's or credit note's number, "" until Odoo gives it one: a draft's name reads False on 18 and 19
    and '/' on 17 (tests/contract/odoo/test_invoice_names.py)."""
    return "" if value in (False, None, "/") else str(value)


@dataclass
class _Session:
    uid: int  # 0: not logged in yet (the transport and version are known)
    server_version: str
    transport: str = ""


# Authentication costs ~400 ms on a real Odoo: remember the uid, the version and the transport "auto" chose,
# per credentials, per process.
_sessions: dict[tuple[Any, ...], _Session] = {}
_sessions_lock = threading.Lock()

SALE_ORDER_FIELDS: dict[str, dict[str, Any]] = {
    "name": {},
    "state": {},
    "amount_untaxed": {},
    "amount_tax": {},
    "amount_total": {},
    "currency_id": {"fields": {"display_name": {}}},
    "invoice_ids": {},
    "order_line": {"fields": {"name": {}, "price_subtotal": {}, "price_tax": {}, "display_type": {}}},
}


def sale_order_from_row(row: Mapping[str, Any]) -> OdooSaleOrder:
    """An OdooSaleOrder from a sale.order row read with SALE_ORDER_FIELDS (web_read / web_save)."""
    currency = row.get("currency_id") or {}
    return OdooSaleOrder(
        id=int(row["id"]),
        name=str(row["name"]),
        state=str(row["state"]),
        amount_untaxed=money(row["amount_untaxed"]),
        amount_tax=money(row["amount_tax"]),
        amount_total=money(row["amount_total"]),
        currency=str(currency.get("display_name", "")) if isinstance(currency, dict) else "",
        invoice_ids=tuple(int(i) for i in row.get("invoice_ids") or []),
        lines=tuple(
            OdooLineAmounts(
                id=int(line["id"]),
                name=str(line.get("name") or ""),
                price_subtotal=money(line.get("price_subtotal")),
                price_tax=money(line.get("price_tax")),
            )
            for line in row.get("order_line") or []
            if isinstance(line, dict) and not line.get("display_type")
        ),
    )


def forget_sessions() -> None:
    with _sessions_lock:
        _sessions.clear()


class OdooUnreachableError(TransientGatewayError):
    """No Odoo answered at the address: refused, filtered, reset, too slow, or something else answered."""


# One message for every way of not reaching an Odoo, so Test connection cannot tell open ports from closed ones.
UNREACHABLE_MESSAGE = (
    "Cannot connect to Odoo at this address: no Odoo server answered there. Check the URL (the address you "
    "open Odoo at) and that Odoo is up."
)


class OdooClient:
    """One Odoo database, reached with one set of credentials."""

    def __init__(self, settings: OdooSettings, *, total_seconds: float | None = None) -> None:
        """`total_seconds` bounds every call this client makes together (Test connection's budget)."""
        self.settings = settings
        self.rpc_calls = 0
        # Called before every call to Odoo (the sync renews its lease here, and stops if it was taken over).
        self.before_call: Callable[[], None] | None = None
        self._not_after = None if total_seconds is None else time.monotonic() + total_seconds
        with _sessions_lock:
            cached = _sessions.get(settings.session_key)
        self._server_version = cached.server_version if cached else ""
        self._transport = self._known_transport(cached)
        # Until "auto" has decided, the connection is a JSON-2 one: its first request is the detection.
        self._connection = self._connect(self._transport or "json2")
        if cached and cached.uid:
            self._connection.user_id = cached.uid

    def _known_transport(self, cached: _Session | None) -> str:
        """The transport, or "" when "auto" must first ask the server whether it has JSON-2."""
        protocol = self.settings.protocol
        if protocol != "auto":
            return protocol
        if not looks_like_api_key(self.settings.secret):
            return "xmlrpc"  # JSON-2 takes API keys only; a password stays on XML-RPC
        return cached.transport if cached else ""

    def _connect(self, protocol: str) -> odoolib.Connection:
        settings = self.settings
        return make_connection(
            address=settings.address,
            policy=settings.policy,
            protocol=protocol,
            database=settings.database,
            login=settings.login,
            secret=settings.secret,
            call_seconds=settings.timeout,
            not_after=self._not_after,
        )

    @property
    def transport(self) -> str:
        """The wire protocol in use: "json2", "xmlrpc" or "jsonrpc" ("auto" asks the server once if need be)."""
        self._ensure_transport()
        return self._transport

    def _ensure_transport(self) -> None:
        if not self._transport:
            self._guard("detect JSON-2", self._choose_transport)

    def _choose_transport(self) -> dict[str, Any] | None:
        """One `GET /json/version`: Odoo 19+ answers its version (JSON-2), older ones redirect or 404 (XML-RPC).

        Returns the version answer when the server has JSON-2. A server error (5xx, 429) decides nothing: it
        is raised, to be classified, rather than remembered as "no JSON-2" for the life of the process.
        """
        try:
            info: dict[str, Any] | None = self._connection.get_service("common").version()
        except Json2Error as exc:
            if exc.status >= 500 or exc.status in (408, 429):
                raise
            info = None
        except ValueError:  # JSON that is not a version answer, or not JSON at all
            info = None
        if info is None:
            self._connection.connector.close()
            self._connection = self._connect("xmlrpc")
        else:
            self._server_version = self._server_version or str(info["server_version"])
        self._transport = "json2" if info else "xmlrpc"
        with _sessions_lock:
            known = _sessions.get(self.settings.session_key)
            _sessions[self.settings.session_key] = _Session(
                uid=known.uid if known else 0, server_version=self._server_version, transport=self._transport
            )
        logger.info("odoo transport chosen", extra={"transport": self._transport})
        return info

    # -- plumbing ---------------------------------------------------------------------------

    def _guard(self, action: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if self.before_call is not None:
            self.before_call()
        self.rpc_calls += 1
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        except GatewayError:
            raise  # already classified (the URL policy refused the address before connecting)
        except Exception as exc:
            error = classify(exc, where=self.settings.where)
            if isinstance(error, OdooNoneResult):
                raise error from None
            if isinstance(error, OdooLoginRefusedError):
                with _sessions_lock:
                    _sessions.pop(self.settings.session_key, None)
            logger.warning(
                "odoo call failed",
                extra={"action": action, "error": error.message, "transient": error.transient},
            )
            raise error from None
        finally:
            logger.debug("odoo %s took %.1f ms", action, (time.monotonic() - started) * 1000)

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one model method; failures come out classified."""
        self._ensure_transport()
        if self._transport == "json2":
            # A call JSON-2 cannot name is a bug in Synco: raised here, before anything is sent, unclassified.
            named_arguments(method, args, kwargs)
        if not self._connection.user_id:
            self.authenticate()
        remote = self._connection.get_model(model)
        # odoolib's own search_read helper costs two calls (search, then read): go to Odoo's directly.
        proxy = (
            type(remote).__getattr__(remote, method) if method == "search_read" else getattr(remote, method)
        )
        return self._guard(f"{model}.{method}", proxy, *to_wire(args), **to_wire(kwargs))

    def call_allowing_none(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """A method that may return None: over XML-RPC that is a fault although it ran; the caller re-reads.

        JSON-2 returns such a result as null: None comes back as it is.
        """
        try:
            return self.call(model, method, *args, **kwargs)
        except OdooNoneResult:
            return None

    def authenticate(self) -> int:
        """Log in (once per credentials and process) and learn the server version.

        Over JSON-2 there is no login: the key is checked by asking Odoo who its user is.
        """
        self._ensure_transport()
        if not self._server_version:
            self._server_version = self.server_version()
        self._guard("login", self._connection.check_login, True)
        uid = int(self._connection.user_id)
        with _sessions_lock:
            _sessions[self.settings.session_key] = _Session(
                uid=uid, server_version=self._server_version, transport=self._transport
            )
        return uid

    def server_version(self) -> str:
        self._ensure_transport()
        info = self._guard("version", self._connection.get_service("common").version)
        return str(info.get("server_version", ""))

    def probe_version(self) -> str:
        """The server version, for Test connection: not reaching an Odoo is one error whatever the cause.

        Refused, filtered (a deadline), reset, TLS failure, an HTTP error or an answer that is not Odoo's all
        read the same, so the button cannot be used to map which ports of a host are open. A refused URL and
        an unknown host name keep their own messages: they say nothing about ports.
        """
        try:
            info = None
            if not self._transport:
                info = self._choose_transport()
                self.rpc_calls += 1
            if info is None:
                info = self._connection.get_service("common").version()
                self.rpc_calls += 1
            version = info.get("server_version") if isinstance(info, dict) else None
            if not isinstance(version, str) or not version:
                raise ValueError("not an Odoo version answer")
        except GatewayError:
            raise
        except socket.gaierror as exc:
            raise classify(exc, where=self.settings.where) from None
        except Exception as exc:
            logger.info("odoo probe failed", extra={"error": type(exc).__name__})
            raise OdooUnreachableError(UNREACHABLE_MESSAGE) from None
        self._server_version = self._server_version or version
        return version

    @property
    def dialect(self) -> OdooDialect:
        if not self._server_version:
            self.authenticate()
        try:
            return dialect_for(self._server_version)
        except UnsupportedOdooVersion as exc:
            raise PermanentGatewayError(str(exc)) from None

    # What the apps need from the dialect, by intent: they never see the version (or the dialect) itself.
    @property
    def sale_line_tax_field(self) -> str:
        """The sale order line's taxes field ('tax_id' up to 18.0, 'tax_ids' from 19)."""
        return self.dialect.sale_line_tax_field

    @property
    def keeps_included_total(self) -> bool:
        """Under round_globally, whether an all-price-included document keeps the sum of its prices as total."""
        return self.dialect.round_globally_keeps_included_total

    @property
    def storable_product_values(self) -> dict[str, Any]:
        """product.product values of a stock-tracked product in this Odoo."""
        return dict(self.dialect.storable_product)

    @property
    def service_product_values(self) -> dict[str, Any]:
        """product.product values of a service in this Odoo."""
        return dict(self.dialect.service_product)

    def close(self) -> None:
        self._connection.connector.close()

    # -- generic ----------------------------------------------------------------------------

    def web_read(self, model: str, record_id: int, specification: dict[str, Any]) -> dict[str, Any]:
        rows = self.call(model, "web_read", [record_id], specification)
        if not rows:
            raise PermanentGatewayError(f"{model} {record_id} no longer exists in Odoo.")
        return dict(rows[0])

    def web_save(
        self, model: str, record_id: int, values: dict[str, Any], specification: dict[str, Any]
    ) -> dict[str, Any]:
        """Write and read back in one round trip (Odoo 17+)."""
        return dict(self.call(model, "web_save", [record_id], values, specification)[0])

    def xmlid_targets(self, module: str, names: Iterable[str]) -> dict[str, int]:
        """External id name -> record id, for those that exist."""
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = self.call(
            "ir.model.data",
            "search_read",
            domain=[["module", "=", module], ["name", "in", wanted]],
            fields=["name", "res_id"],
        )
        return {str(row["name"]): int(row["res_id"]) for row in rows}

    def load(self, model: str, fields: list[str], rows: list[list[str]]) -> list[int]:
        """Odoo's import: creates or updates records and their external ids atomically."""
        result = self.call(model, "load", fields, rows)
        if result.get("messages"):
            text = "; ".join(str(message.get("message", message)) for message in result["messages"])
            if any(missing in text for missing in MISSING_RECORD_TEXTS):
                raise OdooMissingRecordError(f"Odoo refused the {model} import: {text}")
            raise PermanentGatewayError(f"Odoo refused the {model} import: {text}")
        return [int(record_id) for record_id in result.get("ids") or []]

    def installed_modules(self, names: Iterable[str]) -> list[str]:
        rows = self.call(
            "ir.module.module",
            "search_read",
            domain=[["name", "in", list(names)], ["state", "=", "installed"]],
            fields=["name"],
        )
        return [str(row["name"]) for row in rows]

    def has_access(self, model: str, operation: str) -> bool:
        """May the user do `operation` on `model`? (has_access from 18.0; check_access_rights before it)."""
        if self.dialect.access_check_method == "has_access":
            return bool(self.call(model, "has_access", [], operation))
        return bool(self.call(model, "check_access_rights", operation, raise_exception=False))

    def dialect_mismatches(self) -> list[str]:
        """Names the dialect gives this server that the server itself lacks ('model.field', or a selection
        value), read with two fields_get calls: a saas build whose row in versions.DIALECTS guessed wrong
        shows up here."""
        dialect = self.dialect
        missing = []
        line = self.call("sale.order.line", "fields_get", ["tax_id", "tax_ids"], attributes=["type"])
        if dialect.sale_line_tax_field not in line:
            missing.append(f"sale.order.line.{dialect.sale_line_tax_field}")
        product = self.call(
            "product.product", "fields_get", ["is_storable", "type"], attributes=["type", "selection"]
        )
        for name, value in dialect.storable_product.items():
            if name not in product:
                missing.append(f"product.product.{name}")
                continue
            options = {str(option[0]) for option in product[name].get("selection") or []}
            if name == "type" and value not in options:
                missing.append(f"product.product.type '{value}'")
        return missing

    # -- customers --------------------------------------------------------------------------

    def find_partner_by_email(self, email: str) -> int | None:
        ids = self.call(
            "res.partner",
            "search",
            [["email", "=ilike", email], ["parent_id", "=", False]],
            limit=1,
            order="id",
        )
        return ids[0] if ids else None

    def find_country_id(self, code: str) -> int | None:
        ids = self.call("res.country", "search", [["code", "=", code.upper()]], limit=1)
        return ids[0] if ids else None

    def find_state_id(self, country_id: int, code: str) -> int | None:
        # A state code is only unique within its country ('CA' is California, Cagliari, Cádiz, ...).
        ids = self.call(
            "res.country.state", "search", [["code", "=", code], ["country_id", "=", country_id]], limit=1
        )
        return ids[0] if ids else None

    # -- products and taxes -----------------------------------------------------------------

    def find_products(self, field: str, values: Iterable[str]) -> list[OdooProduct]:
        """Products (archived too) whose `default_code` or `barcode` is one of `values`."""
        wanted = sorted({value for value in values if value})
        if not wanted:
            return []
        rows = self.call(
            "product.product",
            "search_read",
            domain=[[field, "in", wanted], ["active", "in", [True, False]]],
            fields=["id", "display_name", "default_code", "barcode", "active", "taxes_id"],
        )
        return [
            OdooProduct(
                id=int(row["id"]),
                name=str(row["display_name"]),
                default_code=str(row.get("default_code") or ""),
                barcode=str(row.get("barcode") or ""),
                active=bool(row.get("active", True)),
                tax_ids=tuple(int(t) for t in row.get("taxes_id") or []),
            )
            for row in rows
        ]

    def create_product(self, values: dict[str, Any]) -> int:
        return int(self.call("product.product", "create", values))

    def find_sale_taxes(self) -> list[OdooTax]:
        included = self.dialect.tax_price_include_field
        rows = self.call(
            "account.tax",
            "search_read",
            domain=[["type_tax_use", "=", "sale"], ["amount_type", "=", "percent"]],
            fields=["id", "name", "amount", included, "sequence"],
        )
        return [
            OdooTax(
                id=int(row["id"]),
                name=str(row["name"]),
                amount=Decimal(str(row["amount"])),
                price_included=_is_price_included(included, row.get(included)),
                sequence=int(row.get("sequence") or 0),
            )
            for row in rows
        ]

    def create_sale_tax(self, percent: Decimal, price_included: bool, name: str = "") -> OdooTax:
        """A percent sale tax; named 'Shopify 8.25%' ('Shopify 20% incl.') unless `name` is given."""
        name = name or f"Shopify {percent.normalize():f}%{' incl.' if price_included else ''}"
        included = self.dialect.tax_price_include_field
        tax_id = self.call(
            "account.tax",
            "create",
            {
                "name": name,
                "amount": percent,
                "amount_type": "percent",
                "type_tax_use": "sale",
                included: _price_included_value(included, price_included),
            },
        )
        return OdooTax(id=int(tax_id), name=name, amount=percent, price_included=price_included)

    # -- currencies and terms ---------------------------------------------------------------

    def company_currency(self) -> str:
        rows = self.call("res.company", "search_read", domain=[], fields=["currency_id"], limit=1, order="id")
        return str(rows[0]["currency_id"][1]) if rows and rows[0].get("currency_id") else ""

    def ensure_pricelist(self, currency: str, key: str) -> int:
        """A pricelist in `currency` (activating the currency), found by Synco's external id `key` (module
        `shopify`, one per shop and currency: the caller names it) or created."""
        xmlid = key
        found = self.xmlid_targets("shopify", [xmlid])
        if xmlid in found:
            return found[xmlid]
        currencies = self.call(
            "res.currency",
            "search_read",
            domain=[["name", "=", currency], ["active", "in", [True, False]]],
            fields=["id", "active"],
            limit=1,
        )
        if not currencies:
            raise PermanentGatewayError(
                f"Odoo does not know the currency {currency}: add it under Accounting > Currencies."
            )
        if not currencies[0]["active"]:
            self.call("res.currency", "write", [currencies[0]["id"]], {"active": True})
        [pricelist_id] = self.load(
            "product.pricelist",
            ["id", "name", "currency_id/.id"],
            [[f"shopify.{xmlid}", f"Shopify {currency}", str(currencies[0]["id"])]],
        )
        return pricelist_id

    def company_tax_rounding(self) -> str:
        """The company's tax_calculation_rounding_method: 'round_per_line' (Odoo's default) or 'round_globally'."""
        rows = self.call(
            "res.company",
            "search_read",
            domain=[],
            fields=["tax_calculation_rounding_method"],
            limit=1,
            order="id",
        )
        method = rows[0].get("tax_calculation_rounding_method") if rows else None
        return str(method or "round_per_line")

    def find_immediate_payment_term(self) -> int | None:
        ids = self.call("account.payment.term", "search", [["name", "=", "Immediate Payment"]], limit=1)
        return ids[0] if ids else None

    # -- sale orders ------------------------------------------------------------------------

    def find_sale_order_by_origin(self, origin: str) -> int | None:
        ids = self.call("sale.order", "search", [["origin", "=", origin]], limit=1, order="id")
        return ids[0] if ids else None

    def confirm_sale_order(self, order_id: int) -> None:
        """Confirm; an order that is already confirmed (a retry) is fine."""
        try:
            self.call("sale.order", "action_confirm", [order_id])
        except PermanentGatewayError as exc:
            if "not in a state requiring confirmation" not in exc.message:
                raise
            snapshot = self.read_sale_order(order_id)
            if snapshot.state != "sale":
                raise

    def read_sale_order(self, order_id: int, *, restore_date: str | None = None) -> OdooSaleOrder:
        """Read totals and state; with `restore_date`, write date_order back in the same round trip."""
        if restore_date:
            row = self.web_save("sale.order", order_id, {"date_order": restore_date}, SALE_ORDER_FIELDS)
        else:
            row = self.web_read("sale.order", order_id, SALE_ORDER_FIELDS)
        return sale_order_from_row(row)

    def cancel_sale_order(self, order_id: int) -> None:
        """Cancel an order and its open deliveries. Where Odoo has a cancel wizard (18), a confirmed order's
        action_cancel only answers with it and cancels nothing unless the context says
        `disable_cancel_warning`; in 19 it cancels at once (no wizard model)."""
        wizard = self.dialect.cancel_wizard_model
        context = {"disable_cancel_warning": True} if wizard else {}
        result = self.call("sale.order", "action_cancel", [order_id], context=context)
        if isinstance(result, dict) and result.get("res_model"):
            raise PermanentGatewayError(
                f"Odoo asks for a decision to cancel sale order {order_id} ({result.get('res_model')})."
            )

    def add_order_line(self, order_id: int, values: dict[str, Any]) -> None:
        self.call("sale.order", "write", [order_id], {"order_line": [(0, 0, values)]})

    def read_order_lines(self, order_id: int) -> list[OdooOrderLine]:
        """The order's lines with their delivered and invoiced quantities."""
        rows = self.call(
            "sale.order.line",
            "search_read",
            domain=[["order_id", "=", order_id]],
            fields=ORDER_LINE_FIELDS,
            order="sequence, id",
        )
        return [
            OdooOrderLine(
                id=int(row["id"]),
                product_id=int(row["product_id"][0]) if row.get("product_id") else None,
                name=str(row.get("name") or ""),
                quantity=Decimal(str(row.get("product_uom_qty") or 0)),
                price_unit=Decimal(str(row.get("price_unit") or 0)),
                discount=Decimal(str(row.get("discount") or 0)),
                qty_delivered=Decimal(str(row.get("qty_delivered") or 0)),
                qty_invoiced=Decimal(str(row.get("qty_invoiced") or 0)),
                is_storable=row.get("qty_delivered_method") == "stock_move",
                display_type=str(row.get("display_type") or ""),
            )
            for row in rows
        ]

    def order_line_keys(self, module: str, line_ids: Iterable[int]) -> dict[int, str]:
        """Line id -> the external id name Synco gave it (lines Synco did not write have none)."""
        wanted = sorted(set(line_ids))
        if not wanted:
            return {}
        rows = self.call(
            "ir.model.data",
            "search_read",
            domain=[["module", "=", module], ["model", "=", "sale.order.line"], ["res_id", "in", wanted]],
            fields=["name", "res_id"],
        )
        return {int(row["res_id"]): str(row["name"]) for row in rows}

    def write_order_lines(self, order_id: int, commands: list[tuple[Any, ...]]) -> None:
        """Change an order's lines in one write: (1, id, values) updates, (2, id, 0) removes."""
        self.call("sale.order", "write", [order_id], {"order_line": list(commands)})

    # -- invoices and payments --------------------------------------------------------------

    def create_invoice(self, order_id: int) -> int:
        """Invoice the order through the `sale.advance.payment.inv` wizard (the private method is refused).

        The invoice cannot be dated here: Odoo creates it in sudo(), which drops the context's `default_` keys,
        so a `default_invoice_date` sent along is ignored (tests/contract/odoo/test_fewer_calls.py)."""
        context = {"active_model": "sale.order", "active_ids": [order_id], "active_id": order_id}
        wizard_id = self.call(
            "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"}, context=context
        )
        action = self.call_allowing_none(
            "sale.advance.payment.inv", "create_invoices", [wizard_id], context=context
        )
        if isinstance(action, dict) and action.get("res_id"):
            return int(action["res_id"])
        # No payment term on the order: the wizard ran but its None result faulted. Re-read to be sure.
        invoice_ids = self.read_sale_order(order_id).invoice_ids
        if not invoice_ids:
            raise PermanentGatewayError(
                "Odoo did not create the invoice; check the order's invoicing policy."
            )
        return max(invoice_ids)

    def invoice_specification(self) -> dict[str, dict[str, Any]]:
        payments = self.dialect.invoice_payments_field
        return {
            "name": {},
            "state": {},
            "payment_state": {},
            "amount_total": {},
            "amount_residual": {},
            "invoice_date": {},
            **({payments: {}} if payments else {}),
        }

    def read_invoice(self, invoice_id: int) -> OdooInvoice:
        return self.invoice_from_row(self.web_read("account.move", invoice_id, self.invoice_specification()))

    def date_invoice(self, invoice_id: int, invoice_date: str) -> OdooInvoice:
        """Date a draft invoice ('YYYY-MM-DD') and read it back in one round trip (web_save)."""
        return self.invoice_from_row(
            self.web_save(
                "account.move", invoice_id, {"invoice_date": invoice_date}, self.invoice_specification()
            )
        )

    def invoice_from_row(self, row: Mapping[str, Any]) -> OdooInvoice:
        payments = self.dialect.invoice_payments_field
        return OdooInvoice(
            id=int(row["id"]),
            name=move_number(row.get("name")),
            state=str(row["state"]),
            payment_state=str(row.get("payment_state") or ""),
            amount_total=money(row.get("amount_total")),
            amount_residual=money(row.get("amount_residual")),
            payment_ids=tuple(int(i) for i in (row.get(payments) if payments else None) or []),
            invoice_date=str(row.get("invoice_date") or ""),
        )

    def set_invoice_date(self, invoice_id: int, invoice_date: str) -> None:
        """Date a draft invoice ('YYYY-MM-DD'); posting keeps it (Odoo sets today only when it is empty)."""
        self.call("account.move", "write", [invoice_id], {"invoice_date": invoice_date})

    def post_invoice(self, invoice_id: int) -> None:
        """Post a draft invoice (action_post answers False on success); posting twice is refused, so check."""
        self.call("account.move", "action_post", [invoice_id])

    def register_payment(self, invoice_id: int, journal_id: int | None, payment_date: str) -> int:
        """Pay the invoice in full through the `account.payment.register` wizard."""
        context = {"active_model": "account.move", "active_ids": [invoice_id]}
        values: dict[str, Any] = {"payment_date": payment_date}
        if journal_id:
            values["journal_id"] = journal_id
        wizard_id = self.call("account.payment.register", "create", values, context=context)
        action = self.call_allowing_none(
            "account.payment.register", "action_create_payments", [wizard_id], context=context
        )
        if isinstance(action, dict) and action.get("res_id"):
            return int(action["res_id"])
        invoice = self.read_invoice(invoice_id)
        if not invoice.payment_ids:
            raise PermanentGatewayError("Odoo did not register the payment.")
        return max(invoice.payment_ids)

    # -- refunds: credit notes and sale order reductions ------------------------------------

    def read_sale_lines(self, line_ids: Iterable[int]) -> list[OdooSaleLine]:
        """Product, quantities and taxes of sale order lines (what a refund credits or lowers)."""
        wanted = sorted(set(line_ids))
        if not wanted:
            return []
        tax_field = self.dialect.sale_line_tax_field
        rows = self.call(
            "sale.order.line",
            "search_read",
            domain=[["id", "in", wanted]],
            fields=[
                "id",
                "product_id",
                "product_uom_qty",
                "qty_invoiced",
                "price_unit",
                "discount",
                tax_field,
            ],
        )
        return [sale_line_from_row(row, tax_field) for row in rows]

    def set_sale_line_quantities(
        self, order_id: int, quantities: dict[int, Decimal], prices: dict[int, tuple[Decimal, Decimal]]
    ) -> None:
        """Lower (or set) the quantities of an order's lines in one write. Odoo 18 recomputes an uninvoiced
        line's price (from the pricelist) and discount when only its quantity is written: `prices` (line id ->
        price_unit, discount, as read) are written with it and kept."""
        if quantities:
            commands = [
                (
                    1,
                    line_id,
                    {
                        "product_uom_qty": qty,
                        "price_unit": prices[line_id][0],
                        "discount": prices[line_id][1],
                    },
                )
                for line_id, qty in sorted(quantities.items())
            ]
            self.call("sale.order", "write", [order_id], {"order_line": commands})

    def read_move_header(self, move_id: int) -> OdooMoveHeader:
        return move_header_from_row(self.web_read("account.move", move_id, MOVE_HEADER_SPECIFICATION))

    def find_credit_note(self, ref: str) -> int | None:
        """The customer credit note Synco created with this reference (its key per Shopify refund)."""
        ids = self.call(
            "account.move",
            "search",
            [["move_type", "=", "out_refund"], ["ref", "=", ref]],
            limit=1,
            order="id",
        )
        return ids[0] if ids else None

    def create_credit_note(self, values: dict[str, Any], lines: list[dict[str, Any]]) -> int:
        """Create a draft customer credit note (out_refund) with its lines; taxes are set on every line
        (an empty set too, or Odoo would put the product's default taxes on it)."""
        return int(
            self.call(
                "account.move",
                "create",
                credit_note_values(values, lines),
                context={"default_move_type": "out_refund"},
            )
        )

    def add_move_line(self, move_id: int, values: dict[str, Any]) -> None:
        self.call("account.move", "write", [move_id], {"invoice_line_ids": [(0, 0, values)]})

    def read_pickings(self, domain: list[Any]) -> list[OdooPicking]:
        """Transfers matching the domain, oldest first, with their quantities per product (done moves'
        quantities for a done transfer, the demand otherwise; cancelled moves left out)."""
        rows = self.call(
            "stock.picking", "search_read", domain, fields=["name", "state", "origin", "move_ids"], order="id"
        )
        move_ids = [move for row in rows for move in row.get("move_ids") or []]
        moves = (
            self.call("stock.move", "read", move_ids, ["product_id", "product_uom_qty", "quantity", "state"])
            if move_ids
            else []
        )
        by_id = {int(move["id"]): move for move in moves}
        pickings = []
        for row in rows:
            quantities: dict[int, Decimal] = {}
            for move_id in row.get("move_ids") or []:
                move = by_id.get(int(move_id))
                if move is None or move.get("state") == "cancel":
                    continue
                product = int(_many2one_id(move.get("product_id")))
                amount = move.get("quantity") if move.get("state") == "done" else move.get("product_uom_qty")
                quantities[product] = quantities.get(product, Decimal("0")) + Decimal(str(amount or 0))
            pickings.append(
                OdooPicking(
                    id=int(row["id"]),
                    name=str(row.get("name") or ""),
                    state=str(row.get("state") or ""),
                    origin=str(row.get("origin") or ""),
                    quantities=quantities,
                )
            )
        return pickings

    def done_deliveries(self, sale_order_id: int) -> list[OdooPicking]:
        """The sale order's validated deliveries (outgoing transfers in state done), oldest first."""
        return self.read_pickings(
            [["sale_id", "=", sale_order_id], ["picking_type_code", "=", "outgoing"], ["state", "=", "done"]]
        )

    def return_pickings(self, delivery_id: int) -> list[OdooPicking]:
        """The returns made of a delivery (Odoo links them by `return_id`), cancelled ones left out."""
        return self.read_pickings([["return_id", "=", delivery_id], ["state", "!=", "cancel"]])

    def create_return_picking(self, picking_id: int, quantities_by_product: dict[int, Decimal]) -> int:
        """Odoo's Return wizard on a done delivery: its lines start at quantity 0 (and Odoo refuses to return
        nothing), so the wanted quantities are written on them first. Returns the new return picking (ready
        to receive: Odoo confirms and reserves it)."""
        wizard_id = int(self.call("stock.return.picking", "create", {"picking_id": picking_id}))
        line_ids = self.call("stock.return.picking", "read", [wizard_id], ["product_return_moves"])[0][
            "product_return_moves"
        ]
        lines = self.call("stock.return.picking.line", "read", line_ids, ["product_id"]) if line_ids else []
        left = dict(quantities_by_product)
        for line in lines:
            product = int(_many2one_id(line.get("product_id")))
            quantity = left.pop(product, Decimal("0"))
            if quantity:
                self.call("stock.return.picking.line", "write", [line["id"]], {"quantity": float(quantity)})
        if left:
            raise PermanentGatewayError(
                f"Odoo's delivery {picking_id} has no move for product(s) {sorted(left)} to return."
            )
        action = self.call("stock.return.picking", "action_create_returns", [wizard_id])
        return int(action["res_id"])

    def set_picking_origin(self, picking_id: int, origin: str) -> None:
        self.call("stock.picking", "write", [picking_id], {"origin": origin})

    def assign_picking(self, picking_id: int) -> None:
        """Reserve a transfer again: in Odoo 18 a new return of a delivery unreserves the moves of the
        delivery's other open returns (their picking may still read `assigned`), and validating them is
        refused until they are reserved again. Harmless on a reserved transfer."""
        self.call_allowing_none("stock.picking", "action_assign", [picking_id])

    def validate_picking(self, picking_id: int) -> None:
        """Validate a fully reserved transfer (all its quantities done: Odoo asks nothing back)."""
        result = self.call_allowing_none("stock.picking", "button_validate", [picking_id])
        if isinstance(result, dict):
            raise PermanentGatewayError(
                f"Odoo asks for a decision to validate transfer {picking_id} ({result.get('res_model')})."
            )

    # -- stock levels and deliveries (issue 14) -----------------------------------------------
    # Verified on Odoo 18.0-20250702 (tests/contract/odoo/test_stock_levels.py, test_stock_notifications.py,
    # test_deliveries.py). write_date is the writing transaction's start time, to the second: a sweep must
    # overlap its cursor a little and tolerate rows it has already seen.

    def sale_order_states(self, ids: Iterable[int]) -> dict[int, str]:
        """Each sale order's state ('draft', 'sent', 'sale', 'done', 'cancel'), one search_read per
        STATE_CHUNK ids; an id Odoo no longer has (deleted) is left out, never an error (`read` would refuse it).
        Verified on Odoo 18.0-20250702 (tests/contract/odoo/test_sale_order_states.py)."""
        wanted = sorted({int(i) for i in ids})
        out: dict[int, str] = {}
        for start in range(0, len(wanted), STATE_CHUNK):
            chunk = wanted[start : start + STATE_CHUNK]
            rows = self.call("sale.order", "search_read", [["id", "in", chunk]], fields=["state"], order="id")
            out.update((int(row["id"]), str(row.get("state") or "")) for row in rows)
        return out

    def warehouses(self) -> list[OdooWarehouse]:
        rows = self.call(
            "stock.warehouse",
            "search_read",
            [],
            fields=["name", "code", "lot_stock_id", "view_location_id"],
            order="id",
        )
        return [
            OdooWarehouse(
                id=int(row["id"]),
                name=str(row.get("name") or ""),
                code=str(row.get("code") or ""),
                lot_stock_id=_many2one_id(row.get("lot_stock_id")),
                view_location_id=_many2one_id(row.get("view_location_id")),
            )
            for row in rows
        ]

    def internal_locations(self) -> list[OdooLocation]:
        """Active internal locations (``usage='internal'``), by full name."""
        rows = self.call(
            "stock.location",
            "search_read",
            [["usage", "=", "internal"]],
            fields=["complete_name", "warehouse_id", "location_id"],
            order="complete_name, id",
        )
        return [
            OdooLocation(
                id=int(row["id"]),
                complete_name=str(row.get("complete_name") or ""),
                warehouse_id=_many2one_id(row.get("warehouse_id")),
                parent_id=_many2one_id(row.get("location_id")),
            )
            for row in rows
        ]

    def stock_levels(
        self, product_ids: Iterable[int], location_ids: Iterable[int], figure: str = "free"
    ) -> dict[int, Decimal]:
        """One figure per product over a set of internal locations and their children (``child_of``):
        ``free`` (on hand minus reserved) or ``on_hand``, summed from the quants, or ``forecast``
        (``virtual_available`` read with context ``location``). Products without stock answer 0.

        Quants are read with ``search_read``, not ``read_group``: Odoo 18's ``read_group`` repeats the whole
        domain (all product ids) in every group's ``__domain``, so its answer grows as products squared.
        One call per ``STOCK_CHUNK`` products."""
        products = sorted({int(p) for p in product_ids})
        locations = sorted({int(loc) for loc in location_ids})
        levels = {product: Decimal("0") for product in products}
        if not products or not locations:
            return levels
        if figure not in ("free", "on_hand", "forecast"):
            raise ValueError(f"unknown stock figure {figure!r}")
        for start in range(0, len(products), STOCK_CHUNK):
            chunk = products[start : start + STOCK_CHUNK]
            if figure == "forecast":
                rows = self.call(
                    "product.product", "read", chunk, ["virtual_available"], context={"location": locations}
                )
                for row in rows:
                    levels[int(row["id"])] = Decimal(str(row.get("virtual_available") or 0))
                continue
            quants = self.call(
                "stock.quant",
                "search_read",
                [
                    ["product_id", "in", chunk],
                    ["location_id", "child_of", locations],
                    ["location_id.usage", "=", "internal"],
                ],
                fields=["product_id", "quantity", "reserved_quantity"],
            )
            for quant in quants:
                product = _many2one_id(quant.get("product_id"))
                amount = Decimal(str(quant.get("quantity") or 0))
                if figure == "free":
                    amount -= Decimal(str(quant.get("reserved_quantity") or 0))
                levels[product] = levels.get(product, Decimal("0")) + amount
        return levels

    def quant_levels(
        self, product_ids: Iterable[int], location_ids: Iterable[int], figure: str = "free"
    ) -> dict[tuple[int, int], Decimal]:
        """``free`` (on hand minus reserved) or ``on_hand`` per (product, quant location) over a set of internal
        locations and their children: the quants of several mapped locations in one ``search_read`` per
        ``STOCK_CHUNK`` products (the caller adds each quant location up into the locations that count it).
        Only pairs with a quant are present."""
        if figure not in ("free", "on_hand"):
            raise ValueError(f"quant levels are 'free' or 'on_hand', not {figure!r}")
        products = sorted({int(p) for p in product_ids})
        locations = sorted({int(loc) for loc in location_ids})
        levels: dict[tuple[int, int], Decimal] = {}
        if not products or not locations:
            return levels
        for start in range(0, len(products), STOCK_CHUNK):
            quants = self.call(
                "stock.quant",
                "search_read",
                [
                    ["product_id", "in", products[start : start + STOCK_CHUNK]],
                    ["location_id", "child_of", locations],
                    ["location_id.usage", "=", "internal"],
                ],
                fields=["product_id", "location_id", "quantity", "reserved_quantity"],
            )
            for quant in quants:
                key = (_many2one_id(quant.get("product_id")), _many2one_id(quant.get("location_id")))
                amount = Decimal(str(quant.get("quantity") or 0))
                if figure == "free":
                    amount -= Decimal(str(quant.get("reserved_quantity") or 0))
                levels[key] = levels.get(key, Decimal("0")) + amount
        return levels

    def quants_changed_since(self, since: str, after_id: int = 0, limit: int = 1000) -> list[OdooQuant]:
        """Internal quants written at or after ``since`` ('YYYY-MM-DD HH:MM:SS', UTC), ordered by (write_date
        to the second, id); with ``after_id``, the rows of ``since``'s own second start after that id. So
        paging with the last row's (write_date, id) neither skips nor loops (see ``_changed_since``)."""
        rows = self._changed_since(
            "stock.quant",
            [["location_id.usage", "=", "internal"]],
            ["product_id", "location_id", "quantity", "reserved_quantity", "write_date"],
            since,
            after_id,
            limit,
        )
        return [
            OdooQuant(
                id=int(row["id"]),
                product_id=_many2one_id(row.get("product_id")),
                location_id=_many2one_id(row.get("location_id")),
                quantity=Decimal(str(row.get("quantity") or 0)),
                reserved=Decimal(str(row.get("reserved_quantity") or 0)),
                write_date=str(row.get("write_date") or ""),
            )
            for row in rows
        ]

    def moves_done_since(self, since: str, after_id: int = 0, limit: int = 1000) -> list[OdooStockMove]:
        """Done stock moves written at or after ``since``, paged like ``quants_changed_since``."""
        rows = self._changed_since(
            "stock.move",
            [["state", "=", "done"]],
            ["product_id", "location_id", "location_dest_id", "quantity", "picking_id", "write_date"],
            since,
            after_id,
            limit,
        )
        return [
            OdooStockMove(
                id=int(row["id"]),
                product_id=_many2one_id(row.get("product_id")),
                location_id=_many2one_id(row.get("location_id")),
                location_dest_id=_many2one_id(row.get("location_dest_id")),
                quantity=Decimal(str(row.get("quantity") or 0)),
                picking_id=_many2one_id(row.get("picking_id")),
                write_date=str(row.get("write_date") or ""),
            )
            for row in rows
        ]

    def _changed_since(
        self, model: str, domain: list[Any], fields: list[str], since: str, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        """Rows written since a (second, id) cursor, ordered by (second, id).

        Odoo reads write_date to the second but stores and compares it with microseconds (and stamps the
        transaction's start: a bulk write gives thousands of rows the same value). So ``write_date > cursor``
        returns the cursor's own second again, and ``order='write_date, id'`` is not id order within a
        second. Hence: the cursor's second is read on its own by id; later rows by write_date, each second
        sorted by id, and a second cut by the page limit is read again by id."""
        limit = max(1, int(limit))
        fields = list(dict.fromkeys([*fields, "write_date"]))
        rows: list[dict[str, Any]] = []
        start = since
        if after_id:
            rows = self.call(
                model,
                "search_read",
                [
                    *domain,
                    ["write_date", ">=", since],
                    ["write_date", "<", _next_second(since)],
                    ["id", ">", after_id],
                ],
                fields=fields,
                order="id",
                limit=limit,
            )
            if len(rows) >= limit:
                return rows
            start = _next_second(since)
        room = limit - len(rows)
        later = self.call(
            model,
            "search_read",
            [*domain, ["write_date", ">=", start]],
            fields=fields,
            order="write_date, id",
            limit=room,
        )
        later.sort(key=lambda row: (str(row.get("write_date") or "")[:19], int(row["id"])))
        if len(later) >= room and later:
            last_second = str(later[-1].get("write_date") or "")[:19]
            kept = [row for row in later if str(row.get("write_date") or "")[:19] != last_second]
            cut = self.call(
                model,
                "search_read",
                [*domain, ["write_date", ">=", last_second], ["write_date", "<", _next_second(last_second)]],
                fields=fields,
                order="id",
                limit=room - len(kept),
            )
            later = kept + cut
        return rows + later

    def _picking_carrier_fields(self) -> list[str]:
        """``carrier_id`` / ``carrier_tracking_ref`` exist only with module stock_delivery: asked once."""
        cached = getattr(self, "_carrier_fields", None)
        if cached is None:
            names = ("carrier_id", "carrier_tracking_ref", "carrier_tracking_url")
            found = self.call("stock.picking", "fields_get", list(names), attributes=["type"])
            cached = [name for name in names if name in found]
            self._carrier_fields = cached
        return list(cached)

    def deliveries(self, sale_order_id: int) -> list[OdooDelivery]:
        """The order's outgoing transfers (backorders included), oldest first, with their moves."""
        fields = ["name", "state", "date_done", "backorder_id", "move_ids", *self._picking_carrier_fields()]
        rows = self.call(
            "stock.picking",
            "search_read",
            [["sale_id", "=", sale_order_id], ["picking_type_code", "=", "outgoing"]],
            fields=fields,
            order="id",
        )
        move_ids = [move for row in rows for move in row.get("move_ids") or []]
        moves = (
            self.call(
                "stock.move",
                "read",
                move_ids,
                ["product_id", "product_uom_qty", "quantity", "picked", "state", "sale_line_id"],
            )
            if move_ids
            else []
        )
        by_id = {int(move["id"]): move for move in moves}
        result = []
        for row in rows:
            lines = []
            for move_id in row.get("move_ids") or []:
                move = by_id.get(int(move_id))
                if move is None:
                    continue
                lines.append(
                    OdooDeliveryMove(
                        id=int(move["id"]),
                        product_id=_many2one_id(move.get("product_id")),
                        sale_line_id=_many2one_id(move.get("sale_line_id")),
                        demand=Decimal(str(move.get("product_uom_qty") or 0)),
                        quantity=Decimal(str(move.get("quantity") or 0)),
                        picked=bool(move.get("picked")),
                        state=str(move.get("state") or ""),
                    )
                )
            carrier = row.get("carrier_id")
            result.append(
                OdooDelivery(
                    id=int(row["id"]),
                    name=str(row.get("name") or ""),
                    state=str(row.get("state") or ""),
                    date_done=str(row.get("date_done") or ""),
                    backorder_of=_many2one_id(row.get("backorder_id")),
                    tracking_ref=str(row.get("carrier_tracking_ref") or ""),
                    carrier=str(carrier[1]) if isinstance(carrier, list | tuple) and carrier else "",
                    moves=tuple(lines),
                    tracking_url=str(row.get("carrier_tracking_url") or ""),
                )
            )
        return result

    def set_tracking_ref(self, picking_id: int, tracking_ref: str) -> None:
        """Odoo accepts it before and after validation."""
        self.call("stock.picking", "write", [picking_id], {"carrier_tracking_ref": tracking_ref})

    def validate_delivery(
        self, picking_id: int, quantities: dict[int, Decimal], *, backorder: bool = True
    ) -> list[int]:
        """Ship ``quantities`` (product id -> quantity) of an open delivery and validate it. Moves of other
        products ship nothing. Short of the demand, Odoo asks about a backorder: made when ``backorder``,
        otherwise the rest is dropped. Returns the backorders made (open transfers)."""
        moves = self.call(
            "stock.move",
            "search_read",
            [["picking_id", "=", picking_id], ["state", "not in", ["done", "cancel"]]],
            fields=["product_id", "product_uom_qty"],
            order="id",
        )
        left = {int(product): Decimal(str(quantity)) for product, quantity in quantities.items()}
        last_move = {_many2one_id(move.get("product_id")): int(move["id"]) for move in moves}
        commands = []
        for move in moves:
            product = _many2one_id(move.get("product_id"))
            wanted = max(left.get(product, Decimal("0")), Decimal("0"))
            demand = Decimal(str(move.get("product_uom_qty") or 0))
            # a product's last move takes whatever is left (Odoo accepts more than the demand)
            take = wanted if last_move[product] == int(move["id"]) else min(wanted, demand)
            left[product] = wanted - take
            commands.append((1, int(move["id"]), {"quantity": float(take), "picked": True}))
        if commands:
            self.call("stock.picking", "write", [picking_id], {"move_ids": commands})
        result = self.call_allowing_none("stock.picking", "button_validate", [picking_id])
        # Odoo answers with the questions it needs answered, one at a time; each answer validates again and may
        # bring the next: the backorder question, and (stock_sms, once per company, for a customer with a phone)
        # whether Odoo texts customers on validation, answered keeping the company's setting as it is (send_sms).
        for _question in range(4):
            if not isinstance(result, dict):
                break
            model = result.get("res_model")
            context = result.get("context") or {}
            if model == "stock.backorder.confirmation":
                method = "process" if backorder else "process_cancel_backorder"
            elif model == "confirm.stock.sms":
                method = "send_sms"
            else:
                raise PermanentGatewayError(
                    f"Odoo asks for a decision to validate transfer {picking_id} ({model})."
                )
            wizard = self.call(str(model), "create", [{}], context=context)
            wizard_id = int(wizard[0] if isinstance(wizard, list) else wizard)
            result = self.call_allowing_none(str(model), method, [wizard_id], context=context)
        return [
            int(pid)
            for pid in self.call("stock.picking", "search", [["backorder_id", "=", picking_id]], order="id")
        ]

    def apply_inventory(self, product_id: int, location_id: int, quantity: Decimal) -> int:
        """Set the on-hand quantity at a location (an inventory adjustment, applied at once); the quant id."""
        created = self.call(
            "stock.quant",
            "create",
            [{"product_id": product_id, "location_id": location_id, "inventory_quantity": float(quantity)}],
            context={"inventory_mode": True},
        )
        quant_id = int(created[0] if isinstance(created, list) else created)
        self.call_allowing_none("stock.quant", "action_apply_inventory", [quant_id])
        return quant_id


@dataclass(frozen=True)
class OdooSaleLine:
    id: int
    product_id: int
    quantity: Decimal
    quantity_invoiced: Decimal
    tax_ids: tuple[int, ...]
    price_unit: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")


def sale_line_from_row(row: Mapping[str, Any], tax_field: str) -> OdooSaleLine:
    """A sale order line read by ``read`` / ``search_read`` (product as [id, name]) or ``web_read`` (product as
    its id, or {"id": ...})."""
    product = row.get("product_id")
    if isinstance(product, list | tuple):
        product = product[0] if product else 0
    elif isinstance(product, dict):
        product = product.get("id")
    return OdooSaleLine(
        id=int(row["id"]),
        product_id=int(product or 0),
        quantity=Decimal(str(row.get("product_uom_qty") or 0)),
        quantity_invoiced=Decimal(str(row.get("qty_invoiced") or 0)),
        tax_ids=tuple(int(t) for t in row.get(tax_field) or []),
        price_unit=Decimal(str(row.get("price_unit") or 0)),
        discount=Decimal(str(row.get("discount") or 0)),
    )


@dataclass(frozen=True)
class OdooPicking:
    id: int
    name: str
    state: str
    origin: str
    quantities: dict[int, Decimal]  # product id -> quantity


def _is_price_included(field_name: str, value: Any) -> bool:
    """A tax's price-included flag as read: 18+ a selection ('tax_included'), 17 a boolean."""
    return value == "tax_included" if field_name == "price_include_override" else bool(value)


def _price_included_value(field_name: str, included: bool) -> Any:
    if field_name == "price_include_override":
        return "tax_included" if included else "tax_excluded"
    return included


def _many2one_id(value: Any) -> int:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else 0
    if isinstance(value, dict):
        return int(value.get("id") or 0)
    return int(value or 0)


@dataclass(frozen=True)
class OdooMoveHeader:
    id: int
    move_type: str
    state: str
    partner_id: int
    currency_id: int
    origin: str


# What read_move_header reads (one move, or many in synco.odoo.batch).
MOVE_HEADER_SPECIFICATION: dict[str, Any] = {
    "move_type": {},
    "state": {},
    "partner_id": {},
    "currency_id": {},
    "invoice_origin": {},
}


def move_header_from_row(row: Mapping[str, Any]) -> OdooMoveHeader:
    partner, currency = row.get("partner_id"), row.get("currency_id")
    return OdooMoveHeader(
        id=int(row["id"]),
        move_type=str(row.get("move_type") or ""),
        state=str(row.get("state") or ""),
        partner_id=int(partner["id"] if isinstance(partner, dict) else partner or 0),
        currency_id=int(currency["id"] if isinstance(currency, dict) else currency or 0),
        origin=str(row.get("invoice_origin") or ""),
    )


def credit_note_values(values: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A draft customer credit note's values for ``create``: its lines with their taxes set on every line (an
    empty set too, or Odoo would put the product's default taxes on it)."""
    commands = [(0, 0, {**line, "tax_ids": [(6, 0, list(line.get("tax_ids") or []))]}) for line in lines]
    return {**values, "move_type": "out_refund", "invoice_line_ids": commands}


# -- stock levels and deliveries (issue 14) ---------------------------------------------------


STOCK_CHUNK = 1000  # products per stock_levels call
STATE_CHUNK = 1000  # sale orders per sale_order_states call


def _next_second(moment: str) -> str:
    parsed = datetime.strptime(moment[:19], "%Y-%m-%d %H:%M:%S")
    return (parsed + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class OdooWarehouse:
    id: int
    name: str
    code: str
    lot_stock_id: int
    view_location_id: int


@dataclass(frozen=True)
class OdooLocation:
    id: int
    complete_name: str
    warehouse_id: int  # 0 when the location belongs to no warehouse
    parent_id: int


@dataclass(frozen=True)
class OdooQuant:
    id: int
    product_id: int
    location_id: int
    quantity: Decimal
    reserved: Decimal
    write_date: str


@dataclass(frozen=True)
class OdooStockMove:
    id: int
    product_id: int
    location_id: int
    location_dest_id: int
    quantity: Decimal
    picking_id: int
    write_date: str


@dataclass(frozen=True)
class OdooDeliveryMove:
    id: int
    product_id: int
    sale_line_id: int
    demand: Decimal
    quantity: Decimal
    picked: bool
    state: str


@dataclass(frozen=True)
class OdooDelivery:
    id: int
    name: str
    state: str
    date_done: str  # '' until done
    backorder_of: int  # 0 unless this is a backorder
    tracking_ref: str  # '' when none (or stock_delivery not installed)
    carrier: str  # the carrier's name, '' when none
    moves: tuple[OdooDeliveryMove, ...]
    tracking_url: str = ""  # the carrier's tracking link filled with the ref ('' without one)
