from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import odoolib
import pytest

from sandboxes.odoo import DEFAULT_API_KEY, OdooSandboxServer, start_in_thread

DB = "synco_demo"


@dataclass
class Odoo:
    """Talks to a sandbox over HTTP only: plain xmlrpc.client on /xmlrpc/2 and odoolib on the legacy URLs."""

    server: OdooSandboxServer
    url: str

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @property
    def common(self) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")

    @property
    def object(self) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object")

    def call(
        self,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any] | None = None,
        uid: int = 2,
        password: str = "admin",
    ) -> Any:
        return self.object.execute_kw(DB, uid, password, model, method, args, kwargs or {})

    def fault(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None, **auth: Any
    ) -> xmlrpc.client.Fault:
        with pytest.raises(xmlrpc.client.Fault) as caught:
            self.call(model, method, args, kwargs, **auth)
        return caught.value

    @staticmethod
    def last_line(fault: xmlrpc.client.Fault) -> str:
        return str(fault.faultString).strip().splitlines()[-1]

    def lib(self, protocol: str = "xmlrpc", login: str = "admin", password: str = "admin") -> Any:
        return odoolib.get_connection(
            hostname="127.0.0.1",
            port=self.port,
            protocol=protocol,
            database=DB,
            login=login,
            password=password,
        )

    def read_one(self, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
        return dict(self.call(model, "read", [[record_id]], {"fields": fields})[0])

    def jane(self) -> int:
        """The spec's customer (§3): Jane Doe with a delivery and an invoice child."""
        return int(
            self.call(
                "res.partner",
                "create",
                [
                    {
                        "name": "Jane Doe",
                        "email": "jane.doe@example.com",
                        "phone": "+1 415 555 0100",
                        "street": "1 Market St",
                        "city": "San Francisco",
                        "zip": "94105",
                        "country_id": 233,
                        "state_id": 13,
                        "ref": "shopify:customer:7001",
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
                                    "country_id": 233,
                                    "state_id": 13,
                                },
                            ),
                            (
                                0,
                                0,
                                {
                                    "type": "invoice",
                                    "name": "Jane Doe (bill)",
                                    "email": "billing@example.com",
                                },
                            ),
                        ],
                    }
                ],
            )
        )

    def product(self, code: str) -> int:
        return int(self.call("product.product", "search", [[["default_code", "=", code]]])[0])

    def spec_order(self, partner: int | None = None, **extra: Any) -> int:
        """The spec's 3-line order (§5): 2 x 25.00 -10 %, 1 x 3.50, shipping 5.99 without tax."""
        partner = partner or self.jane()
        children = self.call("res.partner", "read", [[partner]], {"fields": ["child_ids"]})[0]["child_ids"]
        invoice, delivery = children  # ordered by display name: "(bill)" before "(ship)"
        values = {
            "name": "SHOP#1001",
            "partner_id": partner,
            "partner_invoice_id": invoice,
            "partner_shipping_id": delivery,
            "client_order_ref": "#1001",
            "origin": "shopify:order:5550001001",
            "note": "<p>Leave at the door</p>",
            "date_order": "2026-11-20 14:03:00",
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": self.product("SKU-TSHIRT-M"),
                        "product_uom_qty": 2,
                        "price_unit": 25.0,
                        "discount": 10.0,
                        "tax_id": [(6, 0, [1])],
                    },
                ),
                (
                    0,
                    0,
                    {
                        "product_id": self.product("SKU-GIFTWRAP"),
                        "product_uom_qty": 1,
                        "price_unit": 3.5,
                        "tax_id": [(6, 0, [1])],
                    },
                ),
                (
                    0,
                    0,
                    {
                        "product_id": 1,
                        "name": "Shipping: Standard",
                        "product_uom_qty": 1,
                        "price_unit": 5.99,
                        "tax_id": [(6, 0, [])],
                        "is_delivery": True,
                    },
                ),
            ],
            **extra,
        }
        return int(self.call("sale.order", "create", [values]))

    def stock(self, product: int, quantity: float) -> None:
        quant = self.call(
            "stock.quant",
            "create",
            [{"product_id": product, "location_id": 8, "inventory_quantity": quantity}],
            {"context": {"inventory_mode": True}},
        )
        with pytest.raises(xmlrpc.client.Fault):
            self.call("stock.quant", "action_apply_inventory", [[quant]])


@pytest.fixture
def odoo() -> Iterator[Odoo]:
    server, url = start_in_thread()
    try:
        yield Odoo(server, url)
    finally:
        server.shutdown_and_save()


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY
