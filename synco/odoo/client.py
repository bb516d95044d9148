"""OdooClient: intent-named calls over odoolib, returning our own types."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from synco.odoo.errors import OdooNoneResult, classify
from synco.odoo.transport import make_connection

logger = logging.getLogger(__name__)

# Odoo 18 names; version-specific names live here and nowhere else.
SALE_LINE_TAX_FIELD = "tax_id"


@dataclass(frozen=True)
class OdooSettings:
    host: str
    port: int
    use_tls: bool
    database: str
    login: str
    secret: str
    protocol: str = "xmlrpc"
    timeout: float = 30.0

    @property
    def where(self) -> str:
        """How to name the server in messages: never the secret, never Odoo's own database host."""
        scheme = "https" if self.use_tls else "http"
        return f"{scheme}://{self.host}:{self.port} (database '{self.database}')"


@dataclass(frozen=True)
class OdooTax:
    id: int
    name: str
    amount: Decimal
    price_included: bool


@dataclass(frozen=True)
class OdooSaleOrder:
    id: int
    name: str
    state: str
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    currency: str


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


def _money(value: Any) -> Decimal:
    # Odoo returns floats such as 0.5300000000000002: round to cents at the edge.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class OdooClient:
    """One authenticated session with one Odoo database."""

    def __init__(self, settings: OdooSettings) -> None:
        self.settings = settings
        self.rpc_calls = 0
        self._connection = make_connection(
            host=settings.host,
            port=settings.port,
            use_tls=settings.use_tls,
            protocol=settings.protocol,
            database=settings.database,
            login=settings.login,
            secret=settings.secret,
            timeout=settings.timeout,
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _guard(self, action: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        self.rpc_calls += 1
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            error = classify(exc, where=self.settings.where)
            if isinstance(error, OdooNoneResult):
                raise error from None
            logger.warning(
                "odoo call failed",
                extra={"action": action, "error": error.message, "transient": error.transient},
            )
            raise error from None
        finally:
            logger.debug("odoo %s took %.1f ms", action, (time.monotonic() - started) * 1000)

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one model method; failures come out classified."""
        if not self._connection.user_id:
            self.authenticate()
        proxy = getattr(self._connection.get_model(model), method)
        return self._guard(f"{model}.{method}", proxy, *to_wire(args), **to_wire(kwargs))

    def authenticate(self) -> int:
        """Log in once per client (authentication costs ~400 ms on a real server)."""
        self._guard("login", self._connection.check_login, False)
        return int(self._connection.user_id)

    def server_version(self) -> str:
        info = self._guard("version", self._connection.get_service("common").version)
        return str(info.get("server_version", ""))

    def installed_modules(self, names: tuple[str, ...]) -> list[str]:
        rows = self.call(
            "ir.module.module",
            "search_read",
            domain=[["name", "in", list(names)], ["state", "=", "installed"]],
            fields=["name"],
        )
        return [str(row["name"]) for row in rows]

    def has_access(self, model: str, operation: str) -> bool:
        """Odoo 18's `has_access` (check_access_rights is deprecated there and logs a warning)."""
        return bool(self.call(model, "has_access", [], operation))

    def close(self) -> None:
        self._connection.connector.close()

    # -- customers --------------------------------------------------------------------------

    def find_partner_by_ref(self, ref: str) -> int | None:
        ids = self.call("res.partner", "search", [["ref", "=", ref], ["parent_id", "=", False]], limit=1)
        return ids[0] if ids else None

    def find_partner_by_email(self, email: str) -> int | None:
        ids = self.call(
            "res.partner",
            "search",
            [["email", "=ilike", email], ["parent_id", "=", False]],
            limit=1,
            order="id",
        )
        return ids[0] if ids else None

    def create_partner(self, values: dict[str, Any]) -> int:
        return int(self.call("res.partner", "create", values))

    def find_child_address(self, values: dict[str, Any]) -> int | None:
        """A child contact whose type and address fields equal `values` exactly."""
        keys = ("parent_id", "type", "name", "street", "street2", "city", "zip", "country_id", "state_id")
        domain = [[key, "=", values.get(key, False)] for key in keys]
        ids = self.call("res.partner", "search", domain, limit=1, order="id")
        return ids[0] if ids else None

    def partner_addresses(self, partner_id: int) -> dict[str, int]:
        result = self.call("res.partner", "address_get", [partner_id], ["delivery", "invoice", "contact"])
        return {key: int(value) for key, value in result.items() if value}

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

    def find_products_by_codes(self, codes: Iterable[str]) -> dict[str, list[int]]:
        """SKU -> matching product ids (SKUs are not unique in Odoo; archived ones included)."""
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = self.call(
            "product.product",
            "search_read",
            domain=[["default_code", "in", wanted], ["active", "in", [True, False]]],
            fields=["id", "default_code"],
        )
        found: dict[str, list[int]] = {code: [] for code in wanted}
        for row in rows:
            found.setdefault(row["default_code"], []).append(int(row["id"]))
        return found

    def find_sale_taxes(self) -> list[OdooTax]:
        rows = self.call(
            "account.tax",
            "search_read",
            domain=[["type_tax_use", "=", "sale"], ["amount_type", "=", "percent"]],
            fields=["id", "name", "amount", "price_include_override"],
        )
        return [
            OdooTax(
                id=int(row["id"]),
                name=str(row["name"]),
                amount=Decimal(str(row["amount"])),
                price_included=row.get("price_include_override") == "tax_included",
            )
            for row in rows
        ]

    # -- sale orders ------------------------------------------------------------------------

    def find_sale_order_by_origin(self, origin: str) -> int | None:
        ids = self.call("sale.order", "search", [["origin", "=", origin]], limit=1, order="id")
        return ids[0] if ids else None

    def create_sale_order(self, values: dict[str, Any]) -> int:
        return int(self.call("sale.order", "create", values))

    def confirm_sale_order(self, order_id: int, date_order: str) -> None:
        """Confirm, then restore the Shopify order date (confirmation overwrites date_order)."""
        self.call("sale.order", "action_confirm", [order_id])
        self.call("sale.order", "write", [order_id], {"date_order": date_order})

    def read_sale_order(self, order_id: int) -> OdooSaleOrder:
        rows = self.call(
            "sale.order",
            "read",
            [order_id],
            fields=["name", "state", "amount_untaxed", "amount_tax", "amount_total", "currency_id"],
        )
        if not rows:
            raise LookupError(f"sale.order {order_id} not found")
        row = rows[0]
        return OdooSaleOrder(
            id=int(row["id"]),
            name=str(row["name"]),
            state=str(row["state"]),
            amount_untaxed=_money(row["amount_untaxed"]),
            amount_tax=_money(row["amount_tax"]),
            amount_total=_money(row["amount_total"]),
            currency=str(row["currency_id"][1]) if row.get("currency_id") else "",
        )
