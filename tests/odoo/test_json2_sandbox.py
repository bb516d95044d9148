"""OdooClient over JSON-2 against the Odoo sandbox playing 19: an order created and confirmed end to end."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from synco.errors import PermanentGatewayError
from synco.odoo.client import OdooClient, OdooSettings, forget_sessions
from synco.odoo.destination import OutboundPolicy
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD


@pytest.fixture(scope="module")
def sandbox19() -> Iterator[Any]:
    from sandboxes.odoo.server import start_in_thread

    server, _url = start_in_thread(state_path=None, port=0, version=19)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings19(sandbox19: Any) -> Iterator[OdooSettings]:
    sandbox19.reset_database()
    sandbox19.reset_stats()
    forget_sessions()
    yield OdooSettings(
        host="127.0.0.1",
        port=sandbox19.server_address[1],
        use_tls=False,
        database=ODOO_DB,
        login=ODOO_LOGIN,
        secret=sandbox19.api_key,
        protocol="auto",
        policy=OutboundPolicy(allow_loopback=True),
    )
    forget_sessions()


def _deprecation_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("odoo.addons.rpc.controllers") and record.levelno == logging.WARNING
    ]


def test_it_creates_and_confirms_an_order_over_json2(
    sandbox19: Any, settings19: OdooSettings, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    client = OdooClient(settings19)
    dialect = client.dialect
    partner_id = client.call("res.partner", "create", {"name": "Jane JSON-2", "email": "jane.j2@example.com"})
    product_id = client.create_product(
        {"name": "JSON-2 Mug", "default_code": "J2-MUG", "list_price": 12.0, **dialect.storable_product}
    )
    tax = next(tax for tax in client.find_sale_taxes() if not tax.price_included)

    # when
    order_id = client.call(
        "sale.order",
        "create",
        {
            "partner_id": partner_id,
            "origin": "shopify:order:json2-1",
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": product_id,
                        "product_uom_qty": 2,
                        "price_unit": Decimal("12.00"),
                        dialect.sale_line_tax_field: [(6, 0, [tax.id])],
                    },
                )
            ],
        },
    )
    client.confirm_sale_order(order_id)
    client.confirm_sale_order(order_id)  # a retry: Odoo's "not in a state requiring confirmation" is fine
    locked = client.call_allowing_none("sale.order", "action_lock", [order_id])
    order = client.read_sale_order(order_id)

    # then
    assert client.transport == "json2"
    assert isinstance(order_id, int)
    assert client.find_sale_order_by_origin("shopify:order:json2-1") == order_id
    assert order.state == "sale"
    assert order.amount_untaxed == Decimal("24.00")
    assert order.amount_tax == (Decimal("24.00") * tax.amount / 100).quantize(Decimal("0.01"))
    assert [line.price_subtotal for line in order.lines] == [Decimal("24.00")]
    assert locked is None
    assert client.call("sale.order", "read", [order_id], ["locked"])[0]["locked"] is True
    # Nothing went over the deprecated endpoints: no XML-RPC login, no warning in the server's log.
    assert sandbox19.stats()["common"] == {}
    assert sandbox19.stats()["calls"]["sale.order:action_confirm"] == 2
    assert _deprecation_warnings(caplog) == []


def test_a_password_stays_on_xml_rpc_under_auto(
    sandbox19: Any, settings19: OdooSettings, caplog: pytest.LogCaptureFixture
) -> None:
    client = OdooClient(dataclasses.replace(settings19, secret=ODOO_PASSWORD))

    assert client.call("res.partner", "search", [["id", "=", 1]]) == [1]
    assert client.transport == "xmlrpc"
    assert sandbox19.stats()["common"] == {"common.login": 1, "common.version": 1}
    assert len(_deprecation_warnings(caplog)) == 3  # version, login, search: what an Odoo 19 admin sees


def test_an_old_field_name_is_refused_for_good(settings19: OdooSettings) -> None:
    client = OdooClient(settings19)
    partner_id = client.call("res.partner", "create", {"name": "Old Fields"})

    with pytest.raises(PermanentGatewayError) as raised:
        client.call(
            "sale.order",
            "create",
            {"partner_id": partner_id, "order_line": [(0, 0, {"name": "x", "tax_id": [(6, 0, [])]})]},
        )

    assert raised.value.message == (
        "Odoo rejected a field or method Synco uses: Invalid field 'tax_id' on model 'sale.order.line'"
    )
    assert client.call("sale.order", "search_count", [["partner_id", "=", partner_id]]) == 0


def test_it_reads_each_sale_tax_with_its_sequence(settings19: OdooSettings) -> None:
    """Odoo applies a line's taxes in (sequence, id) order: Synco's totals prediction needs the sequence."""
    # given
    client = OdooClient(settings19)
    tax_id = client.call(
        "account.tax",
        "create",
        {
            "name": "Seq 10 %",
            "amount": 10.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "sequence": 10,
        },
    )

    # when
    taxes = {tax.id: tax for tax in client.find_sale_taxes()}

    # then
    assert taxes[int(tax_id)].sequence == 10
    assert taxes[int(tax_id)].amount == Decimal("10")
    assert all(tax.sequence == 1 for tax in taxes.values() if tax.id != int(tax_id))
