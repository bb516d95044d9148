"""One Shopify order synced through the real task into the Odoo sandbox playing Odoo 17, 18 and 19.

Each version gets the names its dialect gives it (synco/odoo/versions.py): the line taxes, the storable product
values, the access check. On 19 an API key makes Synco use JSON-2 (protocol 'auto'); a password stays on
XML-RPC.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from orders.models import SyncStatus
from orders.tasks import sync_order_task
from sandboxes.odoo.seed import DEFAULT_API_KEY
from sandboxes.odoo.server import start_in_thread as start_odoo
from synclogs.models import SyncAttempt
from synco.gateways import odoo_client_for
from synco.models import OdooConnection, OrderRules
from tests.conftest import OdooSandbox
from tests.factories import order_node
from tests.orders.helpers import queued_order

pytestmark = pytest.mark.django_db
ORIGIN = "shopify:order:5550001001"
TAX_FIELD = {17: "tax_id", 18: "tax_id", 19: "tax_ids"}


@pytest.fixture(scope="module", params=[17, 18, 19])
def versioned_server(request: pytest.FixtureRequest) -> Iterator[OdooSandbox]:
    server, base_url = start_odoo(state_path=None, port=0, version=request.param)
    yield OdooSandbox(server, base_url)
    server.shutdown_and_save()


@pytest.fixture(params=["password", "api key"])
def versioned(request: pytest.FixtureRequest, versioned_server: OdooSandbox, shop: Any) -> OdooSandbox:
    """The shop connected to the sandbox of this version, with the admin's password or its API key."""
    from synco.odoo import cache
    from synco.odoo.client import forget_sessions

    versioned_server.control(reset=True, fail_next=0, latency_ms=0, drop_after_write=0, down=False)
    cache.forget()
    forget_sessions()
    connection = OdooConnection.objects.get(shop=shop)
    connection.url = versioned_server.base_url
    connection.secret = DEFAULT_API_KEY if request.param == "api key" else "admin"
    connection.save()
    return versioned_server


def _major(odoo: OdooSandbox) -> int:
    return int(odoo.server.odoo_version)


def _sync(shop: Any, create_as: str) -> Any:
    OrderRules.objects.filter(shop=shop).update(create_as=create_as)
    order = queued_order(shop, order_node())
    sync_order_task.apply(args=[order.pk])
    order.refresh_from_db()
    return order


def _sale(odoo: OdooSandbox) -> dict[str, Any]:
    [sale] = odoo.execute(
        "sale.order",
        "search_read",
        [["origin", "=", ORIGIN]],
        fields=["name", "state", "amount_total", "order_line", "invoice_ids"],
    )
    return dict(sale)


def test_synco_talks_json2_to_19_with_an_api_key_and_xmlrpc_otherwise(
    shop: Any, versioned: OdooSandbox
) -> None:
    client = odoo_client_for(shop)
    try:
        transport = client.transport
    finally:
        client.close()

    uses_key = OdooConnection.objects.get(shop=shop).secret == DEFAULT_API_KEY
    assert transport == ("json2" if _major(versioned) >= 19 and uses_key else "xmlrpc")


def test_a_quotation_carries_the_line_taxes_under_this_versions_name(
    shop: Any, versioned: OdooSandbox
) -> None:
    order = _sync(shop, OrderRules.CreateAs.QUOTATION)

    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    sale = _sale(versioned)
    assert (sale["state"], sale["amount_total"]) == ("draft", 61.77)
    tax_field = TAX_FIELD[_major(versioned)]
    lines = versioned.execute(
        "sale.order.line", "read", sale["order_line"], fields=[tax_field, "is_delivery"]
    )
    assert [bool(line[tax_field]) for line in lines] == [True, True, False]  # shipping untaxed
    assert order.odoo_id == sale["id"]


def test_a_confirmed_order_is_confirmed(shop: Any, versioned: OdooSandbox) -> None:
    order = _sync(shop, OrderRules.CreateAs.SALE_ORDER)

    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    sale = _sale(versioned)
    assert (sale["name"], sale["state"], sale["amount_total"]) == ("SHOP#1001", "sale", 61.77)
    attempt = SyncAttempt.objects.get(order=order)
    assert attempt.status == SyncAttempt.Status.SUCCESS
    assert attempt.message.endswith("Totals match ($61.77).")


def test_an_invoiced_and_paid_order_is_paid_once(shop: Any, versioned: OdooSandbox) -> None:
    order = _sync(shop, OrderRules.CreateAs.PAID_INVOICE)

    assert order.sync_status == SyncStatus.SYNCED, order.sync_error
    sale = _sale(versioned)
    [invoice] = versioned.execute(
        "account.move",
        "read",
        sale["invoice_ids"],
        fields=["state", "payment_state", "amount_total", "matched_payment_ids"],
    )
    assert (invoice["state"], invoice["amount_total"]) == ("posted", 61.77)
    assert invoice["payment_state"] in ("paid", "in_payment")
    assert len(invoice["matched_payment_ids"]) == 1
    assert order.odoo_invoice_id == invoice["id"]
