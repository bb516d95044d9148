"""The batch gateway (synco/odoo/batch.py) against the Odoo sandbox as 17, 18 and 19 (XML-RPC, and JSON-2 on 19),
and against a real Odoo when ODOO_TEST_URL / _DB / _LOGIN / _PASSWORD are set (ids ``real``, ``real-json2``
with ODOO_TEST_API_KEY on 19+).

Fifty sale orders go through every step (load, confirm, dates, read, invoices, invoice dates, posting, payments,
read), each step's Odoo calls counted with the client's ``rpc_calls``; what Odoo holds afterwards is read back over
plain XML-RPC. Names carry a run id: a real target is a shared database and is never reset.
"""

from __future__ import annotations

import os
import secrets
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from synco.errors import PermanentGatewayError
from synco.odoo import batch
from synco.odoo.client import OdooClient, OdooSettings, forget_sessions
from synco.odoo.destination import OutboundPolicy
from synco.odoo.errors import OdooMissingRecordError
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD

REAL = all(os.environ.get(name) for name in ("ODOO_TEST_URL", "ODOO_TEST_DB", "ODOO_TEST_LOGIN"))
TARGETS = ["odoo17", "odoo18", "odoo19", "odoo19-json2", *(["real", "real-json2"] if REAL else [])]
BATCH = 50
PARTNERS = 10  # several orders per customer: grouping by customer would show


@dataclass
class Target:
    """An Odoo to test against: Synco's client on it, and a plain XML-RPC line to read what it holds."""

    name: str
    major: int
    base_url: str
    db: str
    login: str
    password: str
    client: OdooClient
    run: str

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        uid = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/common").authenticate(
            self.db, self.login, self.password, {}
        )
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.db, uid, self.password, model, method, list(args), kwargs)

    def read(self, model: str, ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        return {int(row["id"]): row for row in self.execute(model, "read", ids, fields)}

    def spent(self, function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
        """What `function(client, *args)` returns, and how many calls to Odoo it made."""
        before = self.client.rpc_calls
        result = function(self.client, *args)
        return result, self.client.rpc_calls - before


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[int, Any]]:
    from sandboxes.odoo.server import start_in_thread

    started: dict[int, Any] = {}

    class Lazy(dict[int, Any]):
        def __missing__(self, version: int) -> Any:
            server, _url = start_in_thread(state_path=None, port=0, version=version)
            started[version] = server
            self[version] = server
            return server

    yield Lazy()
    for server in started.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(params=TARGETS)
def odoo(request: pytest.FixtureRequest, sandboxes: dict[int, Any]) -> Iterator[Target]:
    forget_sessions()
    name = str(request.param)
    json2 = name.endswith("-json2")
    if name.startswith("real"):
        url = os.environ["ODOO_TEST_URL"].rstrip("/")
        parts = urlsplit(url)
        if parts.scheme != "http":
            pytest.skip("these tests reach a real Odoo over plain http on a local port")
        db, login, password = (os.environ[f"ODOO_TEST_{key}"] for key in ("DB", "LOGIN", "PASSWORD"))
        info: Any = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
        major = int(info["server_version_info"][0])
        key = os.environ.get("ODOO_TEST_API_KEY", "")
        if json2 and (major < 19 or not key):
            pytest.skip("JSON-2 needs Odoo 19+ and ODOO_TEST_API_KEY")
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        major = int(name.removeprefix("odoo").removesuffix("-json2"))
        server = sandboxes[major]
        server.reset_database()
        url, db, login, password = server.base_url, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
        host, port, key = "127.0.0.1", server.server_address[1], server.api_key
    settings = OdooSettings(
        host=host,
        port=port,
        use_tls=False,
        database=db,
        login=login,
        secret=key if json2 else password,
        protocol="json2" if json2 else "xmlrpc",
        policy=OutboundPolicy(allow_loopback=True, allowed_ports=frozenset({port})),
    )
    client = OdooClient(settings)
    client.authenticate()
    assert client.dialect  # the version is read before anything is counted
    yield Target(name, major, url, db, login, password, client, secrets.token_hex(3))
    client.close()
    forget_sessions()


# -- the orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    """What the orders refer to: customers, two untaxed products, a 10 % tax and a payment term."""

    partners: list[int]
    mug: int
    wrap: int
    tax: int
    term: int | None


def shop(odoo: Target) -> Shop:
    partners = [
        int(odoo.execute("res.partner", "create", {"name": f"Batch customer {odoo.run} {index}"}))
        for index in range(PARTNERS)
    ]
    products = [
        int(
            odoo.execute(
                "product.product",
                "create",
                {
                    "name": f"{name} {odoo.run}",
                    "default_code": f"BATCH-{name}-{odoo.run}",
                    "list_price": 1.0,
                    "invoice_policy": "order",
                    "taxes_id": [(6, 0, [])],
                    **odoo.client.service_product_values,
                },
            )
        )
        for name in ("Mug", "Wrap")
    ]
    tax = odoo.client.create_sale_tax(Decimal("10"), False, name=f"Batch 10% {odoo.run}")
    return Shop(partners, products[0], products[1], tax.id, odoo.client.find_immediate_payment_term())


def columns(odoo: Target) -> list[str]:
    tax = odoo.client.sale_line_tax_field
    return [
        "id",
        "partner_id/.id",
        "client_order_ref",
        "date_order",
        "payment_term_id/.id",
        "order_line/id",
        "order_line/product_id/.id",
        "order_line/product_uom_qty",
        "order_line/price_unit",
        f"order_line/{tax}/.id",
    ]


def rows(odoo: Target, data: Shop, count: int, tag: str = "o") -> list[list[str]]:
    """``count`` orders of two lines: (index % 3 + 1) mugs at 10.00 taxed 10 %, one wrap at 2.50 untaxed."""
    table = []
    for index in range(count):
        key = f"batch_{odoo.run}_{tag}{index}"
        table.append(
            [
                f"shopify.order_{key}",
                str(data.partners[index % len(data.partners)]),
                f"#{key}",
                f"2026-03-{index % 28 + 1:02d} 09:{index % 60:02d}:00",
                str(data.term or ""),
                f"shopify.line_{key}_1",
                str(data.mug),
                str(index % 3 + 1),
                "10.0",
                str(data.tax),
            ]
        )
        table.append(["", "", "", "", "", f"shopify.line_{key}_2", str(data.wrap), "1", "2.5", ""])
    return table


def untaxed(index: int) -> Decimal:
    return Decimal(10 * (index % 3 + 1)) + Decimal("2.50")


def tax(index: int) -> Decimal:
    return Decimal(index % 3 + 1)


def xmlid_targets(odoo: Target, names: list[str]) -> dict[str, int]:
    found = odoo.execute(
        "ir.model.data",
        "search_read",
        [["module", "=", "shopify"], ["name", "in", names]],
        fields=["name", "res_id"],
    )
    return {str(row["name"]): int(row["res_id"]) for row in found}


# -- the whole path, 50 orders ---------------------------------------------------------------------


def test_fifty_orders_are_written_invoiced_and_paid_one_document_each_in_a_few_calls(odoo: Target) -> None:
    data = shop(odoo)

    # load: ONE call, the ids in the orders' order
    loaded, calls = odoo.spent(batch.load_many, "sale.order", columns(odoo), rows(odoo, data, BATCH))
    assert calls == 1
    assert (loaded.errors, loaded.error_rows) == ({}, {})
    orders = loaded.ids
    assert len(set(orders)) == BATCH
    names = [f"order_batch_{odoo.run}_o{index}" for index in range(BATCH)]
    targets = xmlid_targets(odoo, names)
    assert [targets[name] for name in names] == orders

    # confirm, then restore the dates confirming replaced: ONE call each
    _, calls = odoo.spent(batch.confirm_orders, orders)
    assert calls == 1
    dates = {
        order: f"2026-03-{index % 28 + 1:02d} 09:{index % 60:02d}:00" for index, order in enumerate(orders)
    }
    _, calls = odoo.spent(batch.restore_order_dates, dates)
    assert calls == 1
    held = odoo.read("sale.order", orders, ["state", "date_order", "client_order_ref"])
    for index, order in enumerate(orders):
        assert (held[order]["state"], held[order]["date_order"]) == ("sale", dates[order])
        assert held[order]["client_order_ref"] == f"#batch_{odoo.run}_o{index}"

    # read back totals, names and lines: ONE call
    read, calls = odoo.spent(batch.read_orders, orders)
    assert calls == 1
    assert sorted(read) == sorted(orders)
    names_held = odoo.read("sale.order", orders, ["name"])
    for index, order in enumerate(orders):
        sale = read[order]
        assert (sale.id, sale.name, sale.state) == (order, names_held[order]["name"], "sale")
        assert sale.currency
        assert (sale.amount_untaxed, sale.amount_tax, sale.amount_total) == (
            untaxed(index),
            tax(index),
            untaxed(index) + tax(index),
        )
        assert sorted((line.price_subtotal, line.price_tax) for line in sale.lines) == sorted(
            [(Decimal(10 * (index % 3 + 1)), tax(index)), (Decimal("2.50"), Decimal("0.00"))]
        )
        assert sale.invoice_ids == ()

    # invoices: one wizard for all, one invoice per order (3 calls)
    invoiced, calls = odoo.spent(batch.invoice_orders, orders)
    assert calls == 3
    assert sorted(invoiced) == sorted(orders)
    invoices = [invoiced[order] for order in orders]
    assert len(set(invoices)) == BATCH
    held_orders = odoo.read("sale.order", orders, ["invoice_ids", "name"])
    moves = odoo.read(
        "account.move", invoices, ["invoice_origin", "invoice_line_ids", "amount_total", "state"]
    )
    for index, order in enumerate(orders):
        invoice = invoiced[order]
        assert held_orders[order]["invoice_ids"] == [invoice]
        assert moves[invoice]["invoice_origin"] == held_orders[order]["name"]
        assert (moves[invoice]["state"], Decimal(str(moves[invoice]["amount_total"]))) == (
            "draft",
            untaxed(index) + tax(index),
        )
    invoice_lines = [line for move in moves.values() for line in move["invoice_line_ids"]]
    sale_lines = {
        int(row["id"]): row["sale_line_ids"]
        for row in odoo.execute("account.move.line", "read", invoice_lines, ["sale_line_ids"])
    }
    owners = {
        int(row["id"]): int(row["order_id"][0])
        for row in odoo.execute(
            "sale.order.line", "read", [s for ids in sale_lines.values() for s in ids], ["order_id"]
        )
    }
    for order, invoice in invoiced.items():
        linked = {owners[s] for line in moves[invoice]["invoice_line_ids"] for s in sale_lines[line]}
        assert linked == {order}

    # invoice dates, then posting: ONE call each
    invoice_dates = {invoiced[order]: f"2026-03-{index % 28 + 1:02d}" for index, order in enumerate(orders)}
    _, calls = odoo.spent(batch.date_invoices, invoice_dates)
    assert calls == 1
    _, calls = odoo.spent(batch.post_invoices, invoices)
    assert calls == 1
    posted = odoo.read("account.move", invoices, ["state", "invoice_date"])
    assert {invoice: (row["state"], row["invoice_date"]) for invoice, row in posted.items()} == {
        invoice: ("posted", day) for invoice, day in invoice_dates.items()
    }

    # payments: one wizard for all, one payment per invoice (3 calls)
    paid, calls = odoo.spent(batch.pay_invoices, invoices, None, "2026-03-30")
    assert calls == 3
    assert sorted(paid) == sorted(invoices)
    payments = list(paid.values())
    assert len(set(payments)) == BATCH
    held_payments = odoo.read("account.payment", payments, ["amount", "date", "partner_id"])
    totals = odoo.read("account.move", invoices, ["amount_total", "partner_id"])
    for invoice, payment in paid.items():
        assert held_payments[payment]["amount"] == totals[invoice]["amount_total"]
        assert held_payments[payment]["date"] == "2026-03-30"
        assert held_payments[payment]["partner_id"][0] == totals[invoice]["partner_id"][0]
    if odoo.major >= 18:
        matched = odoo.read("account.move", invoices, ["matched_payment_ids"])
        assert {invoice: row["matched_payment_ids"] for invoice, row in matched.items()} == {
            invoice: [payment] for invoice, payment in paid.items()
        }
    else:
        reconciled = odoo.read("account.payment", payments, ["reconciled_invoice_ids"])
        assert {payment: row["reconciled_invoice_ids"] for payment, row in reconciled.items()} == {
            payment: [invoice] for invoice, payment in paid.items()
        }

    # the invoices as read at the end: ONE call
    final, calls = odoo.spent(batch.read_invoices, invoices)
    assert calls == 1
    for index, order in enumerate(orders):
        invoice = final[invoiced[order]]
        assert (invoice.state, invoice.amount_total, invoice.amount_residual) == (
            "posted",
            untaxed(index) + tax(index),
            Decimal("0.00"),
        )
        assert invoice.is_paid and invoice.payment_state in ("paid", "in_payment")
        assert invoice.invoice_date == invoice_dates[invoice.id]
        if odoo.major >= 18:
            assert invoice.payment_ids == (paid[invoice.id],)


def test_one_order_is_invoiced_and_paid_in_two_calls_each(odoo: Target) -> None:
    data = shop(odoo)
    loaded = batch.load_many(odoo.client, "sale.order", columns(odoo), rows(odoo, data, 1, "single"))
    [order] = loaded.ids
    batch.confirm_orders(odoo.client, [order])
    invoiced, calls = odoo.spent(batch.invoice_orders, [order])
    # the wizard's action names the one invoice (over XML-RPC only when the order has a payment term: without
    # one the answer is a None fault, and the orders are read)
    assert calls == 2 if data.term else calls <= 3
    assert odoo.read("sale.order", [order], ["invoice_ids"])[order]["invoice_ids"] == [invoiced[order]]
    batch.post_invoices(odoo.client, [invoiced[order]])
    paid, calls = odoo.spent(batch.pay_invoices, [invoiced[order]], None, "2026-03-30")
    assert calls == 2
    payment = paid[invoiced[order]]
    assert batch.read_invoices(odoo.client, [invoiced[order]])[invoiced[order]].is_paid
    assert odoo.read("account.payment", [payment], ["amount"])[payment]["amount"] == 13.5


def test_nothing_to_do_makes_no_call(odoo: Target) -> None:
    before = odoo.client.rpc_calls
    assert batch.load_many(odoo.client, "sale.order", columns(odoo), []) == batch.BatchLoad(ids=[])
    batch.confirm_orders(odoo.client, [])
    batch.restore_order_dates(odoo.client, {})
    assert batch.read_orders(odoo.client, []) == {}
    assert batch.invoice_orders(odoo.client, []) == {}
    batch.date_invoices(odoo.client, {})
    batch.post_invoices(odoo.client, [])
    assert batch.pay_invoices(odoo.client, [], None, "2026-03-30") == {}
    assert batch.read_invoices(odoo.client, []) == {}
    assert odoo.client.rpc_calls == before


# -- refusals --------------------------------------------------------------------------------------


def test_a_refused_order_is_named_and_nothing_of_the_batch_is_written(odoo: Target) -> None:
    data = shop(odoo)
    table = rows(odoo, data, 6, "bad")
    table[2 * 3][7] = "three"  # the fourth order's first line: not a quantity
    loaded, calls = odoo.spent(batch.load_many, "sale.order", columns(odoo), table)
    assert calls == 1
    assert loaded.ids == []
    assert list(loaded.errors) == [3] and "three" in loaded.errors[3]
    assert loaded.error_rows == {6: loaded.errors[3]}
    assert xmlid_targets(odoo, [f"order_batch_{odoo.run}_bad{index}" for index in range(6)]) == {}

    # the others, loaded again without it, are written
    kept = [row for index, row in enumerate(table) if index // 2 != 3]
    again = batch.load_many(odoo.client, "sale.order", columns(odoo), kept)
    assert len(again.ids) == 5 and again.errors == {}


def test_a_required_value_missing_on_one_order_names_that_order(odoo: Target) -> None:
    data = shop(odoo)
    table = rows(odoo, data, 4, "nopartner")
    table[2 * 2][1] = ""  # the third order has no customer: refused when Odoo saves it
    loaded = batch.load_many(odoo.client, "sale.order", columns(odoo), table)
    assert list(loaded.errors) == [2] and list(loaded.error_rows) == [4]
    assert xmlid_targets(odoo, [f"order_batch_{odoo.run}_nopartner{index}" for index in range(4)]) == {}


def test_a_check_refusing_one_order_names_that_order_and_a_bad_first_order_is_named_when_loaded_again(
    odoo: Target,
) -> None:
    data = shop(odoo)
    table = rows(odoo, data, 4, "prepay")
    fields = [*columns(odoo), "require_payment", "prepayment_percent"]
    table = [[*row, "", ""] for row in table]
    for index in (0, 2):  # the first and the third orders: an online prepayment of 500 %
        table[2 * index][-2:] = ["1", "5"]
    loaded = batch.load_many(odoo.client, "sale.order", fields, table)
    # Odoo reports the batch's error under the first order as well as under the third: only the third is named
    assert list(loaded.errors) == [2] and list(loaded.error_rows) == [4]
    rest = [row for index, row in enumerate(table) if index // 2 != 2]
    again = batch.load_many(odoo.client, "sale.order", fields, rest)
    assert list(again.errors) == [0]
    last = batch.load_many(odoo.client, "sale.order", fields, rest[2:])
    assert len(last.ids) == 2 and last.errors == {}


def test_a_product_odoo_no_longer_has_raises_the_missing_record_error_naming_the_order(odoo: Target) -> None:
    data = shop(odoo)
    top = odoo.execute(
        "product.product", "search", [], limit=1, order="id desc", context={"active_test": False}
    )
    table = rows(odoo, data, 3, "gone")
    table[2 * 1 + 1][6] = str(int(top[0]) + 100000)  # the second order's second line
    with pytest.raises(batch.BatchLoadMissingRecordError) as refused:
        batch.load_many(odoo.client, "sale.order", columns(odoo), table)
    assert isinstance(refused.value, OdooMissingRecordError)
    assert list(refused.value.errors) == [1] and list(refused.value.error_rows) == [2]
    assert xmlid_targets(odoo, [f"order_batch_{odoo.run}_gone{index}" for index in range(3)]) == {}


def test_an_order_that_cannot_be_confirmed_refuses_the_whole_confirmation(odoo: Target) -> None:
    data = shop(odoo)
    orders = batch.load_many(odoo.client, "sale.order", columns(odoo), rows(odoo, data, 4, "conf")).ids
    batch.confirm_orders(odoo.client, [orders[2]])
    with pytest.raises(PermanentGatewayError, match="not in a state requiring confirmation"):
        batch.confirm_orders(odoo.client, orders)
    states = odoo.read("sale.order", orders, ["state"])
    assert [states[order]["state"] for order in orders] == ["draft", "draft", "sale", "draft"]


def test_ids_odoo_no_longer_has_raise_the_missing_record_error(odoo: Target) -> None:
    data = shop(odoo)
    [order] = batch.load_many(odoo.client, "sale.order", columns(odoo), rows(odoo, data, 1, "stale")).ids
    top = odoo.execute("sale.order", "search", [], limit=1, order="id desc")
    missing = int(top[0]) + 100000
    with pytest.raises(OdooMissingRecordError):
        batch.read_orders(odoo.client, [order, missing])
    with pytest.raises(OdooMissingRecordError):
        batch.restore_order_dates(odoo.client, {order: "2026-03-01 10:00:00", missing: "2026-03-01 10:00:00"})
    assert odoo.read("sale.order", [order], ["date_order"])[order]["date_order"] == "2026-03-01 09:00:00"


def test_a_batch_load_names_records_not_rows_when_odoo_repeats_the_batch_error_first() -> None:
    # Odoo loads the batch in one go first; when that fails on a save check, it loads record by record and
    # puts the batch's error first under record 0, whatever record raised it (odoo/models.py load()).
    messages = [
        {"type": "error", "record": 0, "rows": {"from": 0, "to": 1}, "message": "The price is negative."},
        {"type": "error", "record": 2, "rows": {"from": 4, "to": 5}, "message": "The price is negative."},
    ]
    by_record, by_row = batch._refused_records(messages, [0, 2, 4])
    assert (by_record, by_row) == ({2: "The price is negative."}, {4: "The price is negative."})


def test_orders_invoiced_and_invoices_paid_already_are_left_out_of_the_answers(odoo: Target) -> None:
    data = shop(odoo)
    orders = batch.load_many(odoo.client, "sale.order", columns(odoo), rows(odoo, data, 3, "done")).ids
    batch.confirm_orders(odoo.client, orders)
    earlier = odoo.client.create_invoice(orders[1])
    invoiced = batch.invoice_orders(odoo.client, orders)
    assert sorted(invoiced) == [orders[0], orders[2]] and earlier not in invoiced.values()
    invoices = [invoiced[orders[0]], earlier, invoiced[orders[2]]]
    batch.post_invoices(odoo.client, invoices)
    paid_before = odoo.client.register_payment(earlier, None, "2026-03-30")
    paid = batch.pay_invoices(odoo.client, invoices, None, "2026-03-30")
    assert sorted(paid) == sorted([invoiced[orders[0]], invoiced[orders[2]]])
    assert paid_before not in paid.values()
    final = batch.read_invoices(odoo.client, invoices)
    assert all(invoice.is_paid and invoice.amount_residual == 0 for invoice in final.values())
