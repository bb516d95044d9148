"""Many sale orders at once: each step of writing an order (import, confirm, invoice, post, pay, read back) as
one or two Odoo calls for the whole batch, whatever its size.

Every function takes one OdooClient (a batch never mixes two databases) and says in its docstring how many
calls it makes. Each Odoo call is one transaction: a refusal writes nothing of the batch, and is raised as the
client's errors (PermanentGatewayError, OdooMissingRecordError for an id Odoo no longer has,
TransientGatewayError), except ``load_many``, which names the refused records (``BatchLoad.errors``) so the
caller can set them aside and load the rest again.

What real Odoo (17, 18, 19; source and tests/contract/odoo/test_batch_writes.py) does with these calls:
* ``load`` answers ``{'ids': False, 'messages': [...]}`` on refusal; a message's ``record`` is the position of
  the record (not of the data row: a record's one2many lines span several rows) and ``rows`` its rows. When the
  batch fails as a whole, Odoo loads record by record and puts the batch's own error first, under the first
  record whatever record raised it.
* ``sale.advance.payment.inv`` calls ``_create_invoices(grouped=not consolidated_billing)``: with
  consolidated_billing False one invoice per order; True (the default) groups orders by company, invoice
  partner and currency.
* ``account.payment.register`` with group_payment False makes one payment per receivable line (one per invoice
  under an immediate payment term); with it True, one per partner. Its default is True only for one invoice.
* ``web_read`` of several ids refuses them all (MissingError) when one no longer exists and the specification
  reads a relation's records (the order lines, the currency's name).
* ``default_invoice_date`` in the invoicing wizard's context is ignored (sale creates invoices in sudo(), which
  drops default_ keys): invoices are dated afterwards, ``date_invoices``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synco.errors import PermanentGatewayError
from synco.odoo.client import (
    MOVE_HEADER_SPECIFICATION,
    SALE_ORDER_FIELDS,
    OdooClient,
    OdooInvoice,
    OdooMoveHeader,
    OdooSaleLine,
    OdooSaleOrder,
    credit_note_values,
    move_header_from_row,
    sale_line_from_row,
    sale_order_from_row,
)
from synco.odoo.errors import MISSING_RECORD_TEXTS, OdooMissingRecordError

logger = logging.getLogger(__name__)

# Odoo's import texts for an id that points at nothing (a relation's `.id`, or the record's own `.id`).
_MISSING_TEXTS = (*MISSING_RECORD_TEXTS, "Unknown database identifier")


@dataclass(frozen=True)
class BatchLoad:
    """What one ``load`` did: the record ids in the order of the records (``[]`` when refused), and, when
    refused, a message per refused record.

    ``errors`` is keyed by the record's position among the records of the rows (with one sale order per
    record, the order's position in the batch); ``error_rows`` by the record's first data row (a sale order
    with three lines spans three rows). Nothing was written when either is set."""

    ids: list[int]
    errors: dict[int, str] = field(default_factory=dict)
    error_rows: dict[int, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.errors)


class BatchLoadMissingRecordError(OdooMissingRecordError):
    """A refused ``load`` whose refusal is an id Odoo no longer has (a deleted product, partner, tax): what
    Synco cached is stale. ``load`` names the records (``errors``, ``error_rows``) as BatchLoad does."""

    def __init__(self, message: str, errors: dict[int, str], error_rows: dict[int, str]) -> None:
        super().__init__(message)
        self.errors = errors
        self.error_rows = error_rows


def load_many(
    client: OdooClient,
    model: str,
    fields: list[str],
    rows: list[list[str]],
    *,
    context: Mapping[str, Any] | None = None,
) -> BatchLoad:
    """ONE ``load`` of many records (sale orders with their lines, external ids on everything).

    Returns the ids in record order, or, when Odoo refused the import (nothing is written then), the refused
    records (BatchLoad.errors / error_rows). A refusal naming an id Odoo no longer has raises
    BatchLoadMissingRecordError (an OdooMissingRecordError, as ``OdooClient.load``), carrying the same names;
    one that names no record (an unknown column) raises PermanentGatewayError. 1 call."""
    if not rows:
        return BatchLoad(ids=[])
    result = client.call(model, "load", fields, rows, context=dict(context or {}))
    messages = [m for m in (result or {}).get("messages") or [] if isinstance(m, dict)]
    ids = (result or {}).get("ids")
    errors = [m for m in messages if m.get("type") == "error"]
    if not errors and isinstance(ids, list):
        for message in messages:
            logger.info(
                "odoo load warning", extra={"model": model, "message": str(message.get("message"))[:300]}
            )
        return BatchLoad(ids=[int(i) for i in ids])
    starts = _record_starts(fields, rows)
    by_record, by_row = _refused_records(errors or messages, starts)
    texts = "; ".join(_text(m) for m in (errors or messages)[:10])
    summary = f"Odoo refused the {model} import, nothing of it was saved: {texts or 'no reason given'}"
    if any(missing in _text(m) for m in errors for missing in _MISSING_TEXTS):
        raise BatchLoadMissingRecordError(summary, by_record, by_row)
    if not by_record:
        raise PermanentGatewayError(summary)
    return BatchLoad(ids=[], errors=by_record, error_rows=by_row)


def confirm_orders(client: OdooClient, ids: Sequence[int]) -> None:
    """ONE ``action_confirm`` on all the orders. Odoo checks every order first: one that is not a quotation
    (already confirmed, cancelled) refuses the whole call, and a refusal confirms none. 1 call."""
    if ids:
        client.call("sale.order", "action_confirm", [int(i) for i in ids])


def restore_order_dates(client: OdooClient, dates: Mapping[int, str]) -> None:
    """Write each order's date_order back ('YYYY-MM-DD HH:MM:SS', UTC: confirming sets it to now) with ONE
    ``load`` by ``.id``; it creates nothing. An id Odoo no longer has raises OdooMissingRecordError. 1 call."""
    _load_by_id(client, "sale.order", "date_order", dates)


def read_orders(client: OdooClient, ids: Sequence[int]) -> dict[int, OdooSaleOrder]:
    """Name, state, totals, currency, invoices and lines (price_subtotal, price_tax) of each order, as
    ``OdooClient.read_sale_order`` reads them: ONE ``web_read`` of all the ids with the lines' specification.
    An id Odoo no longer has raises OdooMissingRecordError. 1 call."""
    wanted = _unique(ids)
    if not wanted:
        return {}
    rows = client.call("sale.order", "web_read", wanted, SALE_ORDER_FIELDS)
    orders = {int(row["id"]): sale_order_from_row(row) for row in rows or []}
    _require_all("sale.order", wanted, orders)
    return orders


def invoice_orders(client: OdooClient, sale_order_ids: Sequence[int]) -> dict[int, int]:
    """One invoice per order through ONE ``sale.advance.payment.inv`` wizard (regular invoices,
    consolidated_billing False); sale order id -> its new invoice (draft). An order with nothing to invoice is
    left out of the answer (Odoo skips it; it refuses the call only when no order has anything).

    3 calls: the wizard, ``create_invoices``, and a read of the orders' invoice_ids (the action names the new
    invoices, not their orders); 2 for a single order."""
    wanted = _unique(sale_order_ids)
    if not wanted:
        return {}
    context = {"active_model": "sale.order", "active_ids": wanted, "active_id": wanted[0]}
    wizard_id = client.call(
        "sale.advance.payment.inv",
        "create",
        {
            "advance_payment_method": "delivered",
            "consolidated_billing": False,
            "sale_order_ids": [(6, 0, wanted)],
        },
        context=context,
    )
    wizard_id = int(wizard_id[0] if isinstance(wizard_id, list) else wizard_id)
    action = client.call_allowing_none(
        "sale.advance.payment.inv", "create_invoices", [wizard_id], context=context
    )
    created = _action_ids(action)
    if len(wanted) == 1 and created is not None and len(created) == 1:
        return {wanted[0]: created[0]}
    rows = client.call("sale.order", "read", wanted, ["invoice_ids"])
    invoices = {int(row["id"]): [int(i) for i in row.get("invoice_ids") or []] for row in rows or []}
    _require_all("sale.order", wanted, invoices)
    return _newest_per_owner(invoices, created, "invoice", "sale order")


def date_invoices(client: OdooClient, dates: Mapping[int, str]) -> None:
    """Set each draft invoice's invoice_date ('YYYY-MM-DD'; posting keeps it) with ONE ``load`` by ``.id``; it
    creates nothing. An id Odoo no longer has raises OdooMissingRecordError. 1 call."""
    _load_by_id(client, "account.move", "invoice_date", dates)


def post_invoices(client: OdooClient, ids: Sequence[int]) -> None:
    """ONE ``action_post`` on all the draft invoices; a refusal (one already posted, one without lines) posts
    none. 1 call."""
    if ids:
        client.call("account.move", "action_post", _unique(ids))


def pay_invoices(
    client: OdooClient, invoice_ids: Sequence[int], journal_id: int | None, payment_date: str
) -> dict[int, int]:
    """Pay posted invoices in full, one payment per invoice (never grouped, even for one customer), through
    ONE ``account.payment.register`` wizard (group_payment False) dated ``payment_date`` ('YYYY-MM-DD') in
    ``journal_id`` (None: Odoo's default bank/cash journal); invoice id -> its new payment. An invoice with
    nothing left to pay is left out of the wizard by Odoo and of the answer (Odoo refuses the call only when no
    invoice has anything left).

    3 calls: the wizard, ``action_create_payments``, and one read mapping payments to invoices (18, 19: the
    invoices' matched payments; 17: the payments' reconciled invoices); 2 for a single invoice."""
    wanted = _unique(invoice_ids)
    if not wanted:
        return {}
    context = {"active_model": "account.move", "active_ids": wanted}
    values: dict[str, Any] = {"payment_date": payment_date, "group_payment": False}
    if journal_id:
        values["journal_id"] = int(journal_id)
    wizard_id = client.call("account.payment.register", "create", values, context=context)
    wizard_id = int(wizard_id[0] if isinstance(wizard_id, list) else wizard_id)
    action = client.call_allowing_none(
        "account.payment.register", "action_create_payments", [wizard_id], context=context
    )
    created = _action_ids(action)
    if len(wanted) == 1 and created is not None and len(created) == 1:
        return {wanted[0]: created[0]}
    payments_field = client.dialect.invoice_payments_field
    if payments_field:
        rows = client.call("account.move", "read", wanted, [payments_field])
        payments = {int(row["id"]): [int(i) for i in row.get(payments_field) or []] for row in rows or []}
        _require_all("account.move", wanted, payments)
        return _newest_per_owner(payments, created, "payment", "invoice")
    if not created:
        raise PermanentGatewayError("Odoo did not say which payments it registered; nothing can be matched.")
    rows = client.call("account.payment", "read", created, ["reconciled_invoice_ids"])
    paid: dict[int, list[int]] = {invoice: [] for invoice in wanted}
    for row in rows or []:
        for invoice in row.get("reconciled_invoice_ids") or []:
            if int(invoice) in paid:
                paid[int(invoice)].append(int(row["id"]))
    return _newest_per_owner(paid, created, "payment", "invoice")


def read_invoices(client: OdooClient, ids: Sequence[int]) -> dict[int, OdooInvoice]:
    """Name, state, payment state, total, residual, invoice date and payments of each invoice, as
    ``OdooClient.read_invoice`` reads them: ONE ``web_read``. An id Odoo no longer has raises
    OdooMissingRecordError. 1 call."""
    wanted = _unique(ids)
    if not wanted:
        return {}
    rows = client.call("account.move", "web_read", wanted, client.invoice_specification())
    invoices = {int(row["id"]): client.invoice_from_row(row) for row in rows or []}
    _require_all("account.move", wanted, invoices)
    return invoices


# -- refunds: credit notes and lowered sale orders, many at once -------------------------------


def find_credit_notes(client: OdooClient, refs: Iterable[str]) -> dict[str, int]:
    """The customer credit notes (out_refund) whose reference is one of ``refs`` (Synco's key per Shopify
    refund): ref -> the oldest such credit note, as ``OdooClient.find_credit_note``. ONE ``search_read``.
    1 call (none for no refs)."""
    wanted = list(dict.fromkeys(str(ref) for ref in refs))
    if not wanted:
        return {}
    rows = client.call(
        "account.move",
        "search_read",
        [["move_type", "=", "out_refund"], ["ref", "in", wanted]],
        fields=["ref"],
        order="id",
    )
    found: dict[str, int] = {}
    for row in rows or []:
        found.setdefault(str(row.get("ref") or ""), int(row["id"]))
    return {ref: found[ref] for ref in wanted if ref in found}


def read_orders_with_lines(
    client: OdooClient, ids: Sequence[int]
) -> tuple[dict[int, OdooSaleOrder], dict[int, OdooSaleLine]]:
    """``read_orders`` and, in the same ``web_read``, every line of the orders as ``OdooClient.read_sale_lines``
    reads them (product, quantities, unit price, discount, taxes): what a refund credits or lowers. An id Odoo no
    longer has raises OdooMissingRecordError. 1 call."""
    wanted = _unique(ids)
    if not wanted:
        return {}, {}
    tax_field = client.dialect.sale_line_tax_field
    line_fields = {
        **SALE_ORDER_FIELDS["order_line"]["fields"],
        "product_id": {},
        "product_uom_qty": {},
        "qty_invoiced": {},
        "price_unit": {},
        "discount": {},
        tax_field: {},
    }
    specification = {**SALE_ORDER_FIELDS, "order_line": {"fields": line_fields}}
    rows = client.call("sale.order", "web_read", wanted, specification)
    orders = {int(row["id"]): sale_order_from_row(row) for row in rows or []}
    _require_all("sale.order", wanted, orders)
    lines = {
        int(line["id"]): sale_line_from_row(line, tax_field)
        for row in rows or []
        for line in row.get("order_line") or []
        if isinstance(line, dict) and not line.get("display_type")
    }
    return orders, lines


def read_move_headers(client: OdooClient, ids: Sequence[int]) -> dict[int, OdooMoveHeader]:
    """Type, state, partner, currency and origin of each move, as ``OdooClient.read_move_header``: ONE
    ``web_read``. An id Odoo no longer has raises OdooMissingRecordError. 1 call."""
    wanted = _unique(ids)
    if not wanted:
        return {}
    rows = client.call("account.move", "web_read", wanted, MOVE_HEADER_SPECIFICATION)
    headers = {int(row["id"]): move_header_from_row(row) for row in rows or []}
    _require_all("account.move", wanted, headers)
    return headers


def create_credit_notes(
    client: OdooClient, notes: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]]
) -> list[int]:
    """Draft customer credit notes, each (values, lines) as ``OdooClient.create_credit_note`` takes them, with
    ONE ``create`` of the list: ids in the order given. One refused credit note refuses them all (nothing is
    created). 1 call."""
    if not notes:
        return []
    created = client.call(
        "account.move",
        "create",
        [credit_note_values(values, lines) for values, lines in notes],
        context={"default_move_type": "out_refund"},
    )
    ids = [int(i) for i in (created if isinstance(created, list) else [created])]
    if len(ids) != len(notes):
        raise PermanentGatewayError(f"Odoo answered {len(ids)} credit notes for {len(notes)} created.")
    return ids


def set_sale_lines(client: OdooClient, lines: Mapping[int, tuple[Any, Any, Any]]) -> None:
    """Each sale order line's quantity, unit price and discount (line id -> the three; the price and discount
    as read, so that Odoo 18 does not reprice a line whose quantity alone is written), whatever their orders,
    with ONE ``load`` by ``.id``: it creates nothing. An id Odoo no longer has raises OdooMissingRecordError;
    any refusal writes none. 1 call."""
    if not lines:
        return
    rows = [
        [str(int(line_id)), str(quantity), str(price), str(discount)]
        for line_id, (quantity, price, discount) in sorted(lines.items())
    ]
    _load_rows(client, "sale.order.line", [".id", "product_uom_qty", "price_unit", "discount"], rows)


def named_order_lines(
    client: OdooClient, order_ids: Iterable[int], names: Iterable[str]
) -> set[tuple[int, str]]:
    """(order id, line name) of the lines of these sale orders that carry one of these names: ONE
    ``search_read``. 1 call (none when there is nothing to look for)."""
    orders, wanted = _unique(order_ids), list(dict.fromkeys(names))
    if not orders or not wanted:
        return set()
    rows = client.call(
        "sale.order.line",
        "search_read",
        [["order_id", "in", orders], ["name", "in", wanted]],
        fields=["order_id", "name"],
    )
    return {
        (int(row["order_id"][0] if isinstance(row["order_id"], list) else row["order_id"]), str(row["name"]))
        for row in rows or []
        if row.get("order_id")
    }


def add_order_lines(client: OdooClient, lines: Sequence[Mapping[str, Any]]) -> list[int]:
    """New lines on existing sale orders (each with its ``order_id``), whatever their orders, with ONE
    ``sale.order.line`` ``create`` of the list: ids in the order given; one refused line refuses them all.
    1 call."""
    if not lines:
        return []
    created = client.call("sale.order.line", "create", [dict(line) for line in lines])
    ids = [int(i) for i in (created if isinstance(created, list) else [created])]
    if len(ids) != len(lines):
        raise PermanentGatewayError(f"Odoo answered {len(ids)} sale order lines for {len(lines)} created.")
    return ids


# -- helpers -----------------------------------------------------------------------------------


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


def _text(message: Mapping[str, Any]) -> str:
    return " ".join(str(message.get("message") or "").split())


def _record_starts(fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """The first data row of each record, as Odoo's import splits rows into records: a row whose own cells are
    all empty continues the previous record. A column is a sub-record's (a one2many's lines) when its prefix
    has a column deeper than a reference ('order_line/name', 'order_line/product_id/.id'); 'partner_id/.id'
    alone is the record's own (a relation)."""
    sub = {
        name.split("/", 1)[0] for name in fields if "/" in name and name.split("/", 1)[1] not in ("id", ".id")
    }
    own = [index for index, name in enumerate(fields) if name.split("/", 1)[0] not in sub]
    starts: list[int] = []
    for row_index, row in enumerate(rows):
        cells = [row[i] for i in own if i < len(row)]
        if not starts or any(cell not in (None, False, "") for cell in cells):
            starts.append(row_index)
    return starts


def _refused_records(
    messages: list[dict[str, Any]], starts: Sequence[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """The refused records named by load()'s messages, by record position and by first row."""
    if len(messages) > 1:
        # The batch's own error comes first under record 0 whatever record raised it: left out when another
        # record's message repeats it.
        first = messages[0]
        if any(
            _text(m) == _text(first) and _record_of(m, starts) != _record_of(first, starts)
            for m in messages[1:]
        ):
            messages = messages[1:]
    by_record: dict[int, str] = {}
    for message in messages:
        record = _record_of(message, starts)
        if record is None:
            continue
        text = _text(message)
        by_record[record] = f"{by_record[record]}; {text}" if record in by_record else text
    by_row = {starts[record]: text for record, text in by_record.items() if 0 <= record < len(starts)}
    return by_record, by_row


def _record_of(message: Mapping[str, Any], starts: Sequence[int]) -> int | None:
    """A message's record position: its 'record', else the record whose first row is its 'rows.from'."""
    record = message.get("record")
    if isinstance(record, int) and not isinstance(record, bool):
        return record
    rows = message.get("rows")
    if isinstance(rows, dict) and isinstance(rows.get("from"), int) and rows["from"] in starts:
        return starts.index(rows["from"])
    return None


def _load_by_id(client: OdooClient, model: str, column: str, values: Mapping[int, str]) -> None:
    """One load() writing one column of existing records by database id."""
    if not values:
        return
    rows = [[str(int(record_id)), str(value)] for record_id, value in values.items()]
    _load_rows(client, model, [".id", column], rows)


def _load_rows(client: OdooClient, model: str, fields: list[str], rows: list[list[str]]) -> None:
    """One load() writing columns of existing records by database id (the first column, ``.id``)."""
    result = client.call(model, "load", fields, rows)
    messages = [m for m in (result or {}).get("messages") or [] if isinstance(m, dict)]
    errors = [m for m in messages if m.get("type") == "error"]
    if not errors and (result or {}).get("ids") not in (None, False):
        return
    texts = "; ".join(_text(m) for m in (errors or messages)[:10]) or "no reason given"
    text = f"Odoo refused to write {', '.join(fields[1:])} on {model}, nothing of it was saved: {texts}"
    if any(missing in _text(m) for m in errors for missing in _MISSING_TEXTS):
        raise OdooMissingRecordError(text)
    raise PermanentGatewayError(text)


def _action_ids(action: Any) -> list[int] | None:
    """The records an action opens: its res_id, or the ids of its domain [('id', 'in', ids)]; None when it
    names none (a None result over XML-RPC, a window close)."""
    if not isinstance(action, dict):
        return None
    if action.get("res_id"):
        return [int(action["res_id"])]
    for leaf in action.get("domain") or []:
        if isinstance(leaf, list | tuple) and len(leaf) == 3 and leaf[0] == "id" and leaf[1] == "in":
            return [int(i) for i in leaf[2]]
    return None


def _newest_per_owner(
    owned: Mapping[int, list[int]], created: list[int] | None, noun: str, owner: str
) -> dict[int, int]:
    """Each owner's new record: the one of ``created`` it holds (else its newest), each used only once."""
    fresh = set(created) if created is not None else None
    result: dict[int, int] = {}
    seen: dict[int, int] = {}
    for key, records in owned.items():
        candidates = [r for r in records if fresh is None or r in fresh]
        if not candidates:
            continue
        if len(candidates) > 1 and fresh is not None:
            raise PermanentGatewayError(f"Odoo made {len(candidates)} {noun}s for {owner} {key}, not one.")
        record = max(candidates)
        if record in seen:
            raise PermanentGatewayError(
                f"Odoo made one {noun} ({record}) for {owner}s {seen[record]} and {key}: they were grouped."
            )
        seen[record] = key
        result[key] = record
    return result


def _require_all(model: str, wanted: Sequence[int], found: Mapping[int, Any]) -> None:
    missing = [i for i in wanted if i not in found]
    if missing:
        raise OdooMissingRecordError(
            f"Odoo no longer has {model} {', '.join(str(i) for i in missing[:10])} (deleted)."
        )
