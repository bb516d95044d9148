"""The sandbox's sale order totals are a real Odoo's: the orders of tests/fixtures/odoo/sale_order_totals__*.json,
created in a sandbox playing the same version with the same rounding method, give the figures the real server gave.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sandboxes.odoo.server import DEFAULT_API_KEY, start_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "odoo"
TOTALS = ["amount_untaxed", "amount_tax", "amount_total"]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


CASES = _load("sale_order_totals__cases.json")
RANDOM = _load("sale_order_totals__random.json")


class Sandbox:
    def __init__(self, url: str, version: int) -> None:
        self.version = version
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
            "synco_demo", "admin", DEFAULT_API_KEY, {}
        )
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.models.execute_kw(
            "synco_demo", self.uid, DEFAULT_API_KEY, model, method, list(args), kwargs
        )

    def taxes(self, taxes: dict[str, Any]) -> dict[str, int]:
        return {
            role: int(
                self.call(
                    "account.tax",
                    "create",
                    {
                        "name": f"Totals {role}",
                        "amount": float(tax["percent"]),
                        "amount_type": "percent",
                        "type_tax_use": "sale",
                        "sequence": tax["sequence"],
                        "price_include_override": "tax_included" if tax["included"] else "tax_excluded",
                    },
                )
            )
            for role, tax in taxes.items()
        }

    def totals(self, order: dict[str, Any], tax_ids: dict[str, int]) -> list[str]:
        field = "tax_ids" if self.version >= 19 else "tax_id"
        [partner] = self.call("res.partner", "search", [], limit=1)
        [product] = self.call("product.product", "search", [["sale_ok", "=", True]], limit=1)
        lines = [
            (
                0,
                0,
                {
                    "product_id": product,
                    "product_uom_qty": float(quantity),
                    "price_unit": float(price),
                    "discount": float(discount),
                    field: [(6, 0, [tax_ids[role] for role in roles])],
                },
            )
            for quantity, price, discount, roles in order["lines"]
        ]
        sale = self.call("sale.order", "create", {"partner_id": partner, "order_line": lines})
        [row] = self.call("sale.order", "read", [sale], fields=TOTALS)
        return [f"{row[name]:.2f}" for name in TOTALS]


@contextmanager
def _sandbox(server: str) -> Iterator[Sandbox]:
    """A sandbox playing the server ('19.0 round_globally'): its version, its company's rounding method."""
    version, method = server.split()
    major = int(version.split(".")[0])
    sandbox_server, url = start_in_thread(version=major)
    try:
        odoo = Sandbox(url, major)
        odoo.call("res.company", "write", [1], {"tax_calculation_rounding_method": method})
        yield odoo
    finally:
        sandbox_server.shutdown_and_save()


def _servers(data: dict[str, Any]) -> list[str]:
    return sorted({server for order in data["orders"] for server in order["odoo"]})


def _mismatches(data: dict[str, Any], server: str) -> list[tuple[str, list[str], list[str]]]:
    with _sandbox(server) as odoo:
        tax_ids = odoo.taxes(data["taxes"])
        return [
            (order["name"], order["odoo"][server], totals)
            for order in data["orders"]
            if server in order["odoo"] and (totals := odoo.totals(order, tax_ids)) != order["odoo"][server]
        ]


@pytest.mark.parametrize("server", _servers(CASES))
def test_it_gives_the_totals_a_real_odoo_gave(server: str) -> None:
    assert _mismatches(CASES, server) == []


@pytest.mark.parametrize("server", _servers(RANDOM))
def test_it_gives_the_totals_of_random_real_orders(server: str) -> None:
    assert _mismatches(RANDOM, server) == []
