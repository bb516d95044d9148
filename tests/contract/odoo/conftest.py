"""The Odoo contract suite: the same assertions against the sandbox (default) or a real Odoo (17, 18, 19).

Set ``ODOO_TEST_URL``, ``ODOO_TEST_DB``, ``ODOO_TEST_LOGIN`` and ``ODOO_TEST_PASSWORD`` to run against a
real server (optional: ``ODOO_TEST_API_KEY``, ``ODOO_TEST_NORIGHTS_LOGIN`` / ``ODOO_TEST_NORIGHTS_PASSWORD``).
Without them the suite runs once against each sandbox version (test ids ``[odoo17]``, ``[odoo18]``,
``[odoo19]``; ``ODOO_SANDBOX_VERSIONS=18,19`` picks some). Tests never assume fixed ids and never reset
anything: a real target is a shared database with data. Everything a run creates carries the run id
(``run_id``) so that it is unique and recognisable.

What a connector depends on is asserted (fault codes, exception classes, outcomes read back); Odoo's wording
only where Synco matches on it (synco/odoo/errors.py), because Odoo rewords messages between builds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import time
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import odoolib
import pytest

NONE_FAULT = "TypeError: cannot marshal None unless allow_none is enabled"


def _sandbox_versions() -> tuple[int, ...]:
    """The Odoo versions the sandbox can play (all three once sandboxes/odoo/versions.py exists)."""
    chosen = os.environ.get("ODOO_SANDBOX_VERSIONS")
    if chosen:
        return tuple(int(version) for version in chosen.split(","))
    if importlib.util.find_spec("sandboxes.odoo.versions") is None:
        return (18,)
    return (17, 18, 19)


@dataclass(frozen=True)
class OdooTarget:
    """Where the contract suite talks to: a sandbox started for the session, or a real Odoo."""

    base_url: str
    host: str
    port: int
    db: str
    login: str
    password: str
    api_key: str | None
    norights_login: str | None
    norights_password: str | None
    is_sandbox: bool
    major: int = 0  # the server's major version, read from version()
    build: str = ""  # its server_version, e.g. '18.0+e-20241005'

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")


def _target_from_env() -> OdooTarget | None:
    names = ("ODOO_TEST_URL", "ODOO_TEST_DB", "ODOO_TEST_LOGIN", "ODOO_TEST_PASSWORD")
    values = [os.environ.get(name) for name in names]
    if not any(values):
        return None
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise pytest.UsageError(
            f"contract suite: set all of {', '.join(names)} (missing {', '.join(missing)})"
        )
    url, db, login, password = (str(value) for value in values)
    url = url.rstrip("/")
    parts = urlsplit(url)
    return OdooTarget(
        base_url=url,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (443 if parts.scheme == "https" else 80),
        db=db,
        login=login,
        password=password,
        api_key=os.environ.get("ODOO_TEST_API_KEY") or None,
        norights_login=os.environ.get("ODOO_TEST_NORIGHTS_LOGIN") or None,
        norights_password=os.environ.get("ODOO_TEST_NORIGHTS_PASSWORD") or None,
        is_sandbox=False,
    )


def _with_version(target: OdooTarget) -> OdooTarget:
    info: Any = xmlrpc.client.ServerProxy(f"{target.base_url}/xmlrpc/2/common").version()
    return OdooTarget(
        **{
            **target.__dict__,
            "major": int(info["server_version_info"][0]),
            "build": str(info["server_version"]),
        }
    )


def _target_params() -> list[Any]:
    if _target_from_env() is not None:
        return [pytest.param(0, id="real")]
    return [pytest.param(version, id=f"odoo{version}") for version in _sandbox_versions()]


@pytest.fixture(scope="session", params=_target_params())
def odoo_target(request: pytest.FixtureRequest) -> Iterator[OdooTarget]:
    target = _target_from_env()
    if target is not None:
        yield _with_version(target)
        return
    from sandboxes.odoo.server import (
        ADMIN_LOGIN,
        ADMIN_PASSWORD,
        DEFAULT_API_KEY,
        SALES_NONE_LOGIN,
        SALES_NONE_PASSWORD,
        start_in_thread,
    )

    version = int(request.param)
    options: dict[str, Any] = {} if _sandbox_versions() == (18,) else {"version": version}
    server, base_url = start_in_thread(**options)
    parts = urlsplit(base_url)
    try:
        target = _with_version(
            OdooTarget(
                base_url=base_url,
                host=parts.hostname or "127.0.0.1",
                port=int(parts.port or 0),
                db=server.db_name,
                login=ADMIN_LOGIN,
                password=ADMIN_PASSWORD,
                api_key=DEFAULT_API_KEY,
                norights_login=SALES_NONE_LOGIN,
                norights_password=SALES_NONE_PASSWORD,
                is_sandbox=True,
            )
        )
        assert target.major == version, f"the sandbox asked for Odoo {version} says it is {target.build}"
        yield target
    finally:
        server.shutdown_and_save()


@pytest.fixture(scope="session")
def odoo_version(odoo_target: OdooTarget) -> int:
    """The target's major Odoo version (17, 18, 19), from ``version()``."""
    return odoo_target.major


@dataclass(frozen=True)
class Names:
    """What differs between Odoo versions in the calls a connector makes: field names and values."""

    major: int

    @property
    def tax(self) -> str:
        """sale.order.line's taxes (a many2many)."""
        return "tax_ids" if self.major >= 19 else "tax_id"

    @property
    def uom(self) -> str:
        """sale.order.line's unit of measure."""
        return "product_uom_id" if self.major >= 19 else "product_uom"

    @property
    def renamed(self) -> tuple[str, str]:
        """The other version's names for the line's taxes and unit: refused as invalid fields."""
        return ("tax_id", "product_uom") if self.major >= 19 else ("tax_ids", "product_uom_id")

    @property
    def groups(self) -> str:
        """res.users's groups."""
        return "group_ids" if self.major >= 19 else "groups_id"

    @property
    def move_name(self) -> str | None:
        """stock.move's name (gone in 19: read ``reference`` / ``description_picking``)."""
        return None if self.major >= 19 else "name"

    @property
    def storable(self) -> dict[str, Any]:
        """The values of a product that holds stock."""
        return {"type": "product"} if self.major <= 17 else {"type": "consu", "is_storable": True}

    @property
    def goods(self) -> dict[str, Any]:
        """The values of a consumable that holds no stock."""
        return {"type": "consu"} if self.major <= 17 else {"type": "consu", "is_storable": False}

    @property
    def payment_memo(self) -> str:
        """account.payment's memo (``ref`` before 18)."""
        return "ref" if self.major <= 17 else "memo"

    def tax_price_include(self, included: bool) -> dict[str, Any]:
        """The values of a tax whose price includes it, or not (18 made ``price_include`` computed)."""
        if self.major <= 17:
            return {"price_include": included}
        return {"price_include_override": "tax_included" if included else "tax_excluded"}

    @property
    def has_access(self) -> bool:
        """``has_access`` (18+) replaces the deprecated ``check_access_rights``."""
        return self.major >= 18


@dataclass
class OdooApi:
    """Calls the target like a client would: plain xmlrpc.client, odoolib (legacy /xmlrpc or /jsonrpc), /jsonrpc."""

    target: OdooTarget
    run_id: str
    uid: int = 0
    _counter: int = 0
    _drafts: list[int] = field(default_factory=list)

    @property
    def version(self) -> int:
        """The target's major Odoo version."""
        return self.target.major

    @property
    def f(self) -> Names:
        """This version's field names and values (``api.f.tax`` is 'tax_id' on 17/18, 'tax_ids' on 19)."""
        return Names(self.target.major)

    # -- naming ----------------------------------------------------------------------------------
    def unique(self, prefix: str) -> str:
        """A name or code unique to this run (and to this call)."""
        self._counter += 1
        return f"{prefix}-{self.run_id}-{self._counter}"

    def barcode(self) -> str:
        """A 13-digit barcode unique to this run and call."""
        self._counter += 1
        digits = "".join(ch for ch in self.run_id if ch.isdigit())
        return f"9{digits[-9:]:0>9}{self._counter:03d}"

    # -- XML-RPC /xmlrpc/2 -------------------------------------------------------------------------
    def proxy(
        self, service: str, legacy: bool = False, allow_none: bool = False
    ) -> xmlrpc.client.ServerProxy:
        prefix = "/xmlrpc/" if legacy else "/xmlrpc/2/"
        return xmlrpc.client.ServerProxy(f"{self.target.base_url}{prefix}{service}", allow_none=allow_none)

    @property
    def common(self) -> xmlrpc.client.ServerProxy:
        return self.proxy("common")

    def call(
        self,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any] | None = None,
        *,
        uid: int | None = None,
        password: str | None = None,
    ) -> Any:
        return self.proxy("object").execute_kw(
            self.target.db,
            self.uid if uid is None else uid,
            self.target.password if password is None else password,
            model,
            method,
            args,
            kwargs or {},
        )

    def fault(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None, **auth: Any
    ) -> xmlrpc.client.Fault:
        with pytest.raises(xmlrpc.client.Fault) as caught:
            self.call(model, method, args, kwargs, **auth)
        return caught.value

    @staticmethod
    def last_line(fault: xmlrpc.client.Fault) -> str:
        return str(fault.faultString).strip().splitlines()[-1]

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        rows = self.call(model, "read", [[record_id]], {"fields": fields})
        assert len(rows) == 1, f"{model}({record_id}) not found"
        return dict(rows[0])

    def search_one(self, model: str, domain: list[Any], **kwargs: Any) -> int:
        found = self.call(model, "search", [domain], {"limit": 1, **kwargs})
        assert found, f"nothing in {model} matches {domain}"
        return int(found[0])

    def is_matched(self, payment: int, move: int) -> bool:
        """Whether the payment is matched to the invoice or credit note (matched_payment_ids is new in 18)."""
        if self.version >= 18:
            return (
                payment in self.read_one("account.move", move, ["matched_payment_ids"])["matched_payment_ids"]
            )
        reconciled = self.read_one("account.payment", payment, ["reconciled_invoice_ids"])[
            "reconciled_invoice_ids"
        ]
        return move in reconciled

    def missing_id(self, model: str) -> int:
        """An id that no record of ``model`` has (archived ones included)."""
        top = self.call(
            model, "search", [[]], {"limit": 1, "order": "id desc", "context": {"active_test": False}}
        )
        return int(top[0] if top else 0) + 100000

    # -- odoolib ---------------------------------------------------------------------------------
    def lib(
        self,
        protocol: str = "xmlrpc",
        login: str | None = None,
        password: str | None = None,
        user_id: int | None = None,
    ) -> Any:
        return odoolib.get_connection(
            hostname=self.target.host,
            port=int(self.target.port),
            protocol=protocol + ("s" if self.target.secure else ""),
            database=self.target.db,
            login=self.target.login if login is None else login,
            password=self.target.password if password is None else password,
            user_id=user_id,
        )

    # -- /jsonrpc --------------------------------------------------------------------------------
    def jsonrpc(self, service: str, method: str, args: list[Any], request_id: int = 1) -> dict[str, Any]:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": request_id,
            "params": {"service": service, "method": method, "args": args},
        }
        response = httpx.post(f"{self.target.base_url}/jsonrpc", json=payload, timeout=30)
        response.raise_for_status()
        return dict(response.json())

    def json_execute(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None, **auth: Any
    ) -> dict[str, Any]:
        return self.jsonrpc(
            "object",
            "execute_kw",
            [
                self.target.db,
                auth.get("uid", self.uid),
                auth.get("password", self.target.password),
                model,
                method,
                args,
                kwargs or {},
            ],
        )

    # -- JSON-2 (Odoo 19+) --------------------------------------------------------------------------
    def json2(
        self,
        model: str,
        method: str,
        body: Any = None,
        *,
        key: str | None = None,
        database: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``POST /json/2/<model>/<method>`` with a bearer key, as a client would (redirects not followed)."""
        sent = {
            "Authorization": f"bearer {self.target.api_key if key is None else key}",
            "X-Odoo-Database": self.target.db if database is None else database,
            **(headers or {}),
        }
        return httpx.post(
            f"{self.target.base_url}/json/2/{model}/{method}",
            json={} if body is None else body,
            headers=sent,
            timeout=30,
            follow_redirects=False,
        )

    # -- cleanup ---------------------------------------------------------------------------------
    def discard_later(self, order: int) -> int:
        """Remember a sale order to cancel and delete at the end of the session (best effort)."""
        self._drafts.append(order)
        return order

    def cleanup(self) -> None:
        """Cancel and delete the quotations this run left (confirmed orders stay, as in real life)."""
        for order in self._drafts:
            with contextlib.suppress(xmlrpc.client.Fault, OSError):
                rows = self.call("sale.order", "read", [[order]], {"fields": ["state"]})
                if not rows or rows[0]["state"] not in ("draft", "sent", "cancel"):
                    continue
                if rows[0]["state"] != "cancel":
                    self.call("sale.order", "action_cancel", [[order]])
                self.call("sale.order", "unlink", [[order]])


@pytest.fixture(scope="session")
def odoo_api(odoo_target: OdooTarget) -> Iterator[OdooApi]:
    run_id = f"{time.strftime('%y%m%d%H%M%S')}{secrets.randbelow(1000):03d}"
    api = OdooApi(odoo_target, run_id)
    uid = api.common.authenticate(odoo_target.db, odoo_target.login, odoo_target.password, {})
    assert isinstance(uid, int) and uid > 0, f"cannot log in to {odoo_target.base_url} as {odoo_target.login}"
    api.uid = uid
    yield api
    api.cleanup()


@pytest.fixture(scope="session")
def api_key(odoo_target: OdooTarget) -> str:
    if not odoo_target.api_key:
        pytest.skip("set ODOO_TEST_API_KEY (an API key of ODOO_TEST_LOGIN) to test API keys on a real Odoo")
    return odoo_target.api_key


@pytest.fixture(scope="session")
def norights(odoo_target: OdooTarget, odoo_api: OdooApi) -> tuple[int, str]:
    """(uid, password) of an internal user without Sales rights."""
    if not (odoo_target.norights_login and odoo_target.norights_password):
        pytest.skip(
            "set ODOO_TEST_NORIGHTS_LOGIN / ODOO_TEST_NORIGHTS_PASSWORD (an internal user without Sales "
            "rights) to test access errors on a real Odoo"
        )
    uid = odoo_api.common.authenticate(
        odoo_target.db, odoo_target.norights_login, odoo_target.norights_password, {}
    )
    assert isinstance(uid, int) and uid > 0, "the no-rights user cannot log in"
    return uid, odoo_target.norights_password


def make_synco_client(target: OdooTarget) -> Any:
    """Synco's own Odoo client on the target (skips where Synco does not support the target's version)."""
    from synco.odoo.client import OdooClient, OdooSettings
    from synco.odoo.destination import OutboundPolicy
    from synco.odoo.versions import UnsupportedOdooVersion, dialect_for

    try:
        dialect_for(target.build)
    except UnsupportedOdooVersion as refused:
        pytest.skip(f"Synco's Odoo client refuses this version (synco/odoo/versions.py): {refused}")
    return OdooClient(
        OdooSettings(
            host=target.host,
            port=target.port,
            use_tls=target.secure,
            database=target.db,
            login=target.login,
            secret=target.password,
            policy=OutboundPolicy(allow_loopback=True, allowed_ports=frozenset({target.port})),
        )
    )


@pytest.fixture(scope="session")
def client(odoo_target: OdooTarget) -> Iterator[Any]:
    """Synco's OdooClient, for the tests of the calls it makes."""
    synco_client = make_synco_client(odoo_target)
    yield synco_client
    synco_client.close()


# -- reference data, looked up (never assumed) ---------------------------------------------------
@dataclass(frozen=True)
class Refs:
    us: int
    california: int
    company: int
    tax15: int
    delivery_product: int
    warehouse: int
    stock_location: int
    company_currency: int


def _sale_tax_15(api: OdooApi, company: int) -> int:
    rows = api.call(
        "account.tax",
        "search_read",
        [
            [
                ["type_tax_use", "=", "sale"],
                ["amount_type", "=", "percent"],
                ["amount", "=", 15.0],
                ["company_id", "=", company],
            ]
        ],
        {"fields": ["price_include"], "order": "id"},
    )
    for row in rows:
        if not row["price_include"]:
            return int(row["id"])
    return int(
        api.call(
            "account.tax",
            "create",
            [
                {
                    "name": api.unique("15% contract"),
                    "amount": 15.0,
                    "type_tax_use": "sale",
                    **api.f.tax_price_include(False),
                }
            ],
        )
    )


@pytest.fixture(scope="session")
def refs(odoo_api: OdooApi) -> Refs:
    api = odoo_api
    us = api.search_one("res.country", [["code", "=", "US"]])
    california = api.search_one("res.country.state", [["code", "=", "CA"], ["country_id", "=", us]])
    company = int(api.read_one("res.users", api.uid, ["company_id"])["company_id"][0])
    currency = api.read_one("res.company", company, ["currency_id"])["currency_id"][0]
    # the warehouse Odoo gives a new order: the company's first in the default order
    warehouse = api.call(
        "stock.warehouse",
        "search_read",
        [[["company_id", "=", company]]],
        {"fields": ["lot_stock_id"], "limit": 1},
    )[0]
    return Refs(
        us=us,
        california=california,
        company=company,
        tax15=_sale_tax_15(api, company),
        delivery_product=api.search_one("product.product", [["default_code", "=", "Delivery_007"]]),
        warehouse=int(warehouse["id"]),
        stock_location=int(warehouse["lot_stock_id"][0]),
        company_currency=int(currency),
    )


@pytest.fixture(scope="session")
def tax_rounding(odoo_api: OdooApi, refs: Refs) -> str:
    """The company's tax rounding: 'round_per_line' (the 18 notes' database) or 'round_globally' (19's default)."""
    row = odoo_api.read_one("res.company", refs.company, ["tax_calculation_rounding_method"])
    return str(row["tax_calculation_rounding_method"])


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str
    invoice: int
    delivery: int


def make_customer(api: OdooApi, refs: Refs) -> Customer:
    """The spec's customer (§3), with a run-unique name and email, and a delivery and an invoice child."""
    name = api.unique("Jane Doe")
    email = f"jane.doe.{api.run_id}.{api._counter}@example.com"
    partner = api.call(
        "res.partner",
        "create",
        [
            {
                "name": name,
                "email": email,
                "phone": "+1 415 555 0100",
                "street": "1 Market St",
                "city": "San Francisco",
                "zip": "94105",
                "country_id": refs.us,
                "state_id": refs.california,
                "ref": f"shopify:customer:{api.run_id}",
                "customer_rank": 1,
                "child_ids": [
                    (
                        0,
                        0,
                        {
                            "type": "delivery",
                            "name": "Jane Doe (ship)",
                            "street": "500 Howard St",
                            "city": "San Francisco",
                            "zip": "94105",
                            "country_id": refs.us,
                            "state_id": refs.california,
                        },
                    ),
                    (0, 0, {"type": "invoice", "name": "Jane Doe (bill)", "email": "billing@example.com"}),
                ],
            }
        ],
    )
    assert isinstance(partner, int)
    children = api.call(
        "res.partner", "search_read", [[["parent_id", "=", partner]]], {"fields": ["type"], "order": "id"}
    )
    by_type = {row["type"]: row["id"] for row in children}
    return Customer(partner, name, email, by_type["invoice"], by_type["delivery"])


@pytest.fixture(scope="session")
def customer(odoo_api: OdooApi, refs: Refs) -> Customer:
    return make_customer(odoo_api, refs)


def make_product(api: OdooApi, name: str, **values: Any) -> int:
    """A product with a run-unique SKU (``values`` may override it)."""
    values.setdefault("default_code", api.unique("SKU-C"))
    product = api.call("product.product", "create", [{"name": name, **values}])
    assert isinstance(product, int)
    return product


@dataclass(frozen=True)
class Catalogue:
    shirt: int  # storable, 25.00, taxed 15 %
    wrap: int  # non-storable consumable, 3.50


@pytest.fixture(scope="session")
def catalogue(odoo_api: OdooApi, refs: Refs) -> Catalogue:
    shirt = make_product(
        odoo_api,
        "T-Shirt M",
        barcode=odoo_api.barcode(),
        **odoo_api.f.storable,
        list_price=25.0,
        standard_price=8.0,
        taxes_id=[(6, 0, [refs.tax15])],
        invoice_policy="order",
    )
    wrap = make_product(
        odoo_api,
        "Gift wrap",
        **odoo_api.f.goods,
        list_price=3.5,
        taxes_id=[(6, 0, [refs.tax15])],
    )
    return Catalogue(shirt, wrap)


def set_stock(api: OdooApi, refs: Refs, product: int, quantity: float) -> int:
    """Inventory-mode upsert, then apply (a None-fault on XML-RPC, but applied)."""
    quant = api.call(
        "stock.quant",
        "create",
        [{"product_id": product, "location_id": refs.stock_location, "inventory_quantity": quantity}],
        {"context": {"inventory_mode": True}},
    )
    fault = api.fault("stock.quant", "action_apply_inventory", [[quant]])
    assert api.last_line(fault) == NONE_FAULT
    return int(quant)


def spec_order_values(
    api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue, **extra: Any
) -> dict[str, Any]:
    """The spec's 3-line order (§5): 2 x 25.00 -10 %, 1 x 3.50, shipping 5.99 without tax."""
    reference = api.unique("#1001")
    tax = api.f.tax
    return {
        "name": api.unique("SHOP#1001"),
        "partner_id": customer.id,
        "partner_invoice_id": customer.invoice,
        "partner_shipping_id": customer.delivery,
        "client_order_ref": reference,
        "origin": f"shopify:order:{reference}",
        "note": "<p>Leave at the door</p>",
        "date_order": "2026-11-20 14:03:00",
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": catalogue.shirt,
                    "product_uom_qty": 2,
                    "price_unit": 25.0,
                    "discount": 10.0,
                    tax: [(6, 0, [refs.tax15])],
                },
            ),
            (
                0,
                0,
                {
                    "product_id": catalogue.wrap,
                    "product_uom_qty": 1,
                    "price_unit": 3.5,
                    tax: [(6, 0, [refs.tax15])],
                },
            ),
            (
                0,
                0,
                {
                    "product_id": refs.delivery_product,
                    "name": "Shipping: Standard",
                    "product_uom_qty": 1,
                    "price_unit": 5.99,
                    tax: [(6, 0, [])],
                    "is_delivery": True,
                },
            ),
        ],
        **extra,
    }


@pytest.fixture
def spec_order(odoo_api: OdooApi, refs: Refs, customer: Customer, catalogue: Catalogue) -> Any:
    """A factory: creates the spec's order (draft) and returns its id."""

    def create(**extra: Any) -> int:
        values = spec_order_values(odoo_api, refs, customer, catalogue, **extra)
        order = odoo_api.call("sale.order", "create", [values])
        assert isinstance(order, int)
        return odoo_api.discard_later(order)

    return create
