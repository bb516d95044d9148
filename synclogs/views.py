"""The sync log browser: attempts (filter, page, detail, CSV export) and the webhooks Shopify delivered.

Pages are keyset-paginated on (time, id) and counts are capped, so a page costs the same few queries whether a
shop has 300 or 300,000 rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orders.dates import shop_zone
from orders.models import Order
from synclogs.forms import AttemptFilterForm, WebhookFilterForm, operation_label
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.filters import MAX_ID, error_messages
from synco.formatting import format_money
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, Shop
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

PAGE_SIZE = 50
COUNT_CAP = 1000
LIST_FIELDS = (
    "id",
    "started_at",
    "object_type",
    "object_ref",
    "operation",
    "attempt",
    "status",
    "message",
    "odoo_model",
    "odoo_id",
    "duration_ms",
    "rpc_calls",
    "order_id",
)

RowT = TypeVar("RowT", bound=Model)

# -- keyset pagination ------------------------------------------------------------------------------------


def encode_cursor(moment: datetime, pk: int) -> str:
    """A row's position as `<microseconds since the epoch>-<id>` (exact, URL-safe)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{pk}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The moments a cursor may name: what a datetime can hold (a row's time is always well within).
CURSOR_MICROS = (
    (datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1),
    (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1),
)


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The position in a cursor; None for anything malformed or out of range (the page then starts at the newest
    row)."""
    match = re.fullmatch(r"(-?[0-9]{1,18})-([0-9]{1,19})", value or "")
    if match is None:
        return None
    micros, pk = int(match[1]), int(match[2])
    if not CURSOR_MICROS[0] <= micros <= CURSOR_MICROS[1] or not 1 <= pk <= MAX_ID:
        return None
    return EPOCH + timedelta(microseconds=micros), pk


@dataclass
class KeysetPage(Generic[RowT]):
    rows: list[RowT]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    at_start: bool = True


def _older_than(queryset: QuerySet[RowT], time_field: str, moment: datetime, pk: int) -> QuerySet[RowT]:
    """Rows after (moment, pk) in newest-first order; the plain bound on the time column lets the index range
    scan start at the cursor."""
    return queryset.filter(**{f"{time_field}__lte": moment}).filter(
        Q(**{f"{time_field}__lt": moment}) | Q(pk__lt=pk)
    )


def keyset_page(
    queryset: QuerySet[RowT], time_field: str, *, after: str | None, before: str | None, size: int = PAGE_SIZE
) -> KeysetPage[RowT]:
    """One page, newest first, of rows older than `after` or newer than `before`: one bounded query."""

    def position(row: RowT) -> str:
        return encode_cursor(getattr(row, time_field), row.pk)

    older_than, newer_than = decode_cursor(after), decode_cursor(before)
    if newer_than is not None:
        moment, pk = newer_than
        # The plain bound on the time column is what lets the index range scan start at the cursor.
        rows = list(
            queryset.filter(**{f"{time_field}__gte": moment})
            .filter(Q(**{f"{time_field}__gt": moment}) | Q(pk__gt=pk))
            .order_by(time_field, "pk")[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows,
            next_cursor=position(rows[-1]) if rows else None,
            previous_cursor=position(rows[0]) if rows and more else None,
            at_start=not more,
        )
    if older_than is not None:
        queryset = _older_than(queryset, time_field, *older_than)
    rows = list(queryset.order_by(f"-{time_field}", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        next_cursor=position(rows[-1]) if more else None,
        previous_cursor=position(rows[0]) if older_than is not None and rows else None,
        at_start=older_than is None,
    )


def capped_count(queryset: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """How many rows match, counting at most cap + 1 of them: (count, more than cap)."""
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


# -- what may be shown ------------------------------------------------------------------------------------

REDACTED = "(redacted)"
SENSITIVE_KEY = re.compile(
    r"password|secret|token|api_?key|authori[sz]ation|hmac|cookie|e_?mail|phone|address|street|zip|postal"
    r"|first_?name|last_?name|customer_name|partner_name|contact",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact_text(text: str) -> str:
    """Masks e-mail addresses, should a message from Odoo or Shopify quote one."""
    return EMAIL.sub("(e-mail redacted)", text)


def redact_summary(value: Any) -> Any:
    """The summary with any secret- or person-like key masked (summaries are written redacted; belt and braces)."""
    if isinstance(value, dict):
        return {
            str(key): REDACTED if SENSITIVE_KEY.search(str(key)) else redact_summary(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_summary(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


LABELS = {
    "id": gettext_lazy("Odoo id"),
    "name": gettext_lazy("Name"),
    "state": gettext_lazy("State"),
    "created": gettext_lazy("Created by this attempt"),
    "amount_untaxed": gettext_lazy("Untaxed"),
    "amount_tax": gettext_lazy("Tax"),
    "amount_total": gettext_lazy("Total"),
    "currency": gettext_lazy("Currency"),
    "shopify": gettext_lazy("Shopify total"),
    "odoo": gettext_lazy("Odoo total"),
    "difference": gettext_lazy("Difference"),
    "tolerance": gettext_lazy("Tolerance"),
    "payment_state": gettext_lazy("Payment state"),
    "payment_id": gettext_lazy("Payment (Odoo id)"),
    "review_reason": gettext_lazy("Held for review because"),
    "sale_order": gettext_lazy("Sale order"),
    "invoice": gettext_lazy("Invoice"),
    "totals": gettext_lazy("Totals comparison"),
    "lines": gettext_lazy("Lines"),
    "taxes": gettext_lazy("Taxes"),
}
# Column names of a summary's lists of records (its lines and taxes), in the order the table shows them; keys not
# named here follow as they come.
COLUMN_LABELS = {
    "label": gettext_lazy("Line"),
    "title": gettext_lazy("Product"),
    "product": gettext_lazy("Product"),
    "name": gettext_lazy("Name"),
    "sku": gettext_lazy("SKU"),
    "quantity": gettext_lazy("Quantity"),
    "price_unit": gettext_lazy("Unit price"),
    "unit_price": gettext_lazy("Unit price"),
    "shopify_subtotal": gettext_lazy("Shopify subtotal"),
    "odoo_subtotal": gettext_lazy("Odoo subtotal"),
    "shopify_tax": gettext_lazy("Shopify tax"),
    "odoo_tax": gettext_lazy("Odoo tax"),
    "shopify": gettext_lazy("Shopify"),
    "odoo": gettext_lazy("Odoo"),
    "differs": gettext_lazy("Differs"),
}
NUMERIC_COLUMNS = frozenset({"quantity"})
# Which Odoo model a section's "id" (or a top-level "<x>_id") points at, to link to the record in Odoo.
SECTION_MODELS = {"sale_order": "sale.order", "invoice": "account.move"}
TOP_LEVEL_ID_MODELS = {"payment_id": "account.payment"}


@dataclass
class Fact:
    label: str
    value: str
    url: str = ""


@dataclass
class Column:
    label: str
    format: str = ""  # Polaris's s-table-header format: "numeric", "currency" or "" (text)


@dataclass
class Table:
    """A summary's list of records (its lines, its taxes) as rows of formatted cells."""

    columns: list[Column]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    facts: list[Fact] = field(default_factory=list)
    # A list of records (lines, taxes): the page shows the table; facts hold the same rows, one per record.
    table: Table | None = None


def _label(key: str) -> str:
    label = LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


# Summary keys that hold amounts (as stored: "307.3"), shown in the order's currency like every page's money.
MONEY_KEYS = frozenset(
    {"amount_untaxed", "amount_tax", "amount_total", "amount_residual", "shopify", "odoo", "tolerance"}
    | {"shopify_tax", "odoo_tax", "shopify_subtotal", "odoo_subtotal", "expected_total"}
    | {"price_unit", "unit_price"}
)
SIGNED_MONEY_KEYS = frozenset({"difference", "tax_difference"})


def _display_money(key: str, value: Any, currency: str) -> str | None:
    """The amount under a money key as the pages write it ("$307.30"); None when it is no amount to format."""
    if not currency or isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if key not in MONEY_KEYS and key not in SIGNED_MONEY_KEYS:
        return None
    try:
        return format_money(value, currency, get_language(), signed=key in SIGNED_MONEY_KEYS)
    except ValueError:
        return None


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _records_table(records: list[dict[str, Any]], currency: str) -> Table:
    """Records of one kind (lines, taxes) as a table: the known columns first, amounts in the order's currency."""
    keys = [key for key in COLUMN_LABELS if any(key in record for record in records)]
    keys += list(dict.fromkeys(key for record in records for key in record if key not in COLUMN_LABELS))
    columns = [
        Column(
            str(COLUMN_LABELS.get(key) or _label(key)),
            "currency"
            if key in MONEY_KEYS or key in SIGNED_MONEY_KEYS
            else "numeric"
            if key in NUMERIC_COLUMNS
            else "",
        )
        for key in keys
    ]
    rows = [
        [_display_money(key, record.get(key), currency) or _display(record.get(key)) for key in keys]
        for record in records
    ]
    return Table(columns, rows)


def _records_section(title: str, records: list[dict[str, Any]], currency: str) -> Section:
    table = _records_table(records, currency)
    facts = [
        Fact(
            row[0],
            "; ".join(
                f"{column.label}: {cell}" for column, cell in zip(table.columns[1:], row[1:], strict=True)
            ),
        )
        for row in table.rows
    ]
    return Section(title, facts, table)


def summary_sections(
    summary: dict[str, Any], odoo: OdooConnection | None, currency: str = ""
) -> list[Section]:
    """The redacted summary as titled groups of label/value pairs, ids linked to the record in Odoo.

    With the order's currency, amounts read as on the order page ("$307.30", "+$0.40"), not as stored ("307.3").
    A list of records (the lines, the taxes) is a section of its own with a table, one fact per record beside it.
    """

    def record_url(model: str | None, value: Any) -> str:
        if odoo is None or model is None or isinstance(value, bool) or not isinstance(value, int):
            return ""
        return odoo.record_url(model, value)

    general = Section(_("Outcome"))
    sections: list[Section] = []
    for key, value in redact_summary(summary).items():
        if isinstance(value, dict):
            section = Section(_label(key))
            for inner_key, inner in value.items():
                model = SECTION_MODELS.get(key) if inner_key == "id" else None
                shown = _display_money(inner_key, inner, currency) or _display(inner)
                section.facts.append(Fact(_label(inner_key), shown, record_url(model, inner)))
            sections.append(section)
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            sections.append(_records_section(_label(key), value, currency))
        elif value not in (None, ""):
            url = record_url(TOP_LEVEL_ID_MODELS.get(key), value)
            general.facts.append(
                Fact(_label(key), _display_money(key, value, currency) or _display(value), url)
            )
    return sections + ([general] if general.facts else [])


# -- shared view helpers ----------------------------------------------------------------------------------


def _known_operations(shop: Shop) -> list[str]:
    """Operations this shop has logged: one index probe per distinct operation (a "loose index scan").

    A plain DISTINCT reads every one of the shop's rows (300k: ~200 ms); walking the (shop, operation) index from
    one value to the next costs a few index lookups in all (<1 ms), so no cache is needed.
    """
    table = SyncAttempt._meta.db_table
    sql = f"""
        WITH RECURSIVE ops(op) AS (
            SELECT (SELECT operation FROM {table} WHERE shop_id = %s ORDER BY operation LIMIT 1)
            UNION ALL
            SELECT (SELECT s.operation FROM {table} s WHERE s.shop_id = %s AND s.operation > ops.op
                    ORDER BY s.operation LIMIT 1)
            FROM ops WHERE ops.op IS NOT NULL
        )
        SELECT op FROM ops WHERE op IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop.pk, shop.pk])
        return [str(row[0]) for row in cursor.fetchall()]


def odoo_for(shop: Shop) -> OdooConnection | None:
    return OdooConnection.objects.filter(shop=shop).only("id", "url", "shop_id").first()


def _order_url(order_pk: int, order_name: str) -> str:
    """The order's page; until there is one, the orders list searched for it."""
    try:
        return reverse("orders:detail", args=[order_pk])
    except NoReverseMatch:
        return f"{reverse('orders:list')}?{urlencode({'q': order_name})}"


def _fragment_or_page(
    request: HtmxHttpRequest, target: str, fragment: str, page: str, context: dict[str, Any]
) -> HttpResponse:
    """The results fragment for HTMX (and the address bar set to a clean, shareable URL), else the page."""
    partial = bool(request.htmx) and request.htmx.target == target
    response = render(request, fragment if partial else page, context)
    if partial:
        response["HX-Push-Url"] = context.get("current_url") or request.get_full_path()
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _page_links(
    request: HtmxHttpRequest, base: str, params: dict[str, str], page: KeysetPage[Any]
) -> dict[str, str]:
    def link(**cursor: str) -> str:
        query = urlencode({**params, **cursor})
        return f"{base}?{query}" if query else base

    here = {key: request.GET[key] for key in ("after", "before") if decode_cursor(request.GET.get(key))}
    return {
        "current_url": link(**here),
        "newest_url": "" if page.at_start else link(),
        "previous_url": link(before=page.previous_cursor) if page.previous_cursor else "",
        "next_url": link(after=page.next_cursor) if page.next_cursor else "",
    }


@dataclass
class AttemptRow:
    """One table row, formatted here: 50 rows of template filters and url tags cost more than the query."""

    pk: int
    detail_url: str
    started_iso: str
    started: str
    object_type: str
    ref: str
    operation: str
    status: str
    status_label: str
    message: str
    odoo: str
    odoo_url: str
    attempt: int
    duration: str
    rpc_calls: int


OBJECT_LABELS = dict(SyncAttempt.Object.choices)
STATUS_LABELS = dict(SyncAttempt.Status.choices)


# How the log writes a moment on a page: the shop's local time, its zone's abbreviation after it ("Dec 1, 2026
# 23:30:00 JST"), so a row read alone still says which clock it is on (the page names the zone too).
SHOWN_TIME = "M j, Y H:i:s T"


def shown_time(moment: datetime, zone: tzinfo) -> str:
    """A moment as the log's pages write it, in `zone` (the shop's)."""
    return dateformat.format(moment.astimezone(zone), SHOWN_TIME)


def attempt_rows(
    attempts: list[SyncAttempt], odoo: OdooConnection | None, zone: tzinfo = UTC
) -> list[AttemptRow]:
    """The rows as shown, times in `zone` (the shop's time zone)."""
    # Every detail URL is the list URL plus "<pk>/" (synclogs/urls.py): one reverse() for the page.
    detail_base = reverse("synclogs:detail", args=[0]).removesuffix("0/")
    return [
        AttemptRow(
            pk=row.pk,
            detail_url=f"{detail_base}{row.pk}/",
            started_iso=row.started_at.astimezone(zone).isoformat(),
            started=shown_time(row.started_at, zone),
            object_type=OBJECT_LABELS.get(row.object_type, row.object_type),
            ref=row.object_ref,
            operation=operation_label(row.operation),
            status=row.status,
            status_label=STATUS_LABELS.get(row.status, row.status),
            message=Truncator(redact_text(row.message)).chars(220),
            odoo=f"{row.odoo_model} {row.odoo_id}" if row.odoo_id else "",
            odoo_url=odoo.record_url(row.odoo_model, row.odoo_id)
            if odoo and row.odoo_id and row.odoo_model
            else "",
            attempt=row.attempt,
            duration="—"
            if row.duration_ms is None
            else _("{duration} ms").format(duration=f"{row.duration_ms:,}"),
            rpc_calls=row.rpc_calls,
        )
        for row in attempts
    ]


# -- sync attempts ----------------------------------------------------------------------------------------


@shop_required
@require_GET
def attempt_list(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    zone = shop_zone(shop.iana_timezone)
    form = AttemptFilterForm(request.GET or None, operations=_known_operations(shop))
    form.zone = zone
    context: dict[str, Any] = {
        "shop": shop,
        "form": form,
        "rows": [],
        "filtered": False,
        "zone_name": zone.key,
    }
    if form.is_bound and not form.is_valid():
        context["errors"] = error_messages(form)
    else:
        params = form.query_params() if form.is_bound else {}
        attempts = form.filter(shop) if form.is_bound else SyncAttempt.objects.filter(shop=shop)
        page = keyset_page(
            attempts.only(*LIST_FIELDS),
            "started_at",
            after=request.GET.get("after"),
            before=request.GET.get("before"),
        )
        odoo = odoo_for(shop) if any(row.odoo_id for row in page.rows) else None
        count, more = capped_count(attempts, COUNT_CAP) if page.rows or not page.at_start else (0, False)
        order_pk = params.get("order")
        context.update(
            _page_links(request, reverse("synclogs:list"), params, page),
            rows=attempt_rows(page.rows, odoo, zone),
            count=count,
            count_more=more,
            filtered=bool(set(params) - {"order"}),
            query=urlencode(params),
            order_name=(
                Order.objects.filter(pk=order_pk, shop=shop).values_list("name", flat=True).first()
                if order_pk
                else None
            ),
            order_pk=order_pk,
        )
    return _fragment_or_page(
        request, "log-results", "synclogs/_attempt_table.html", "synclogs/attempt_list.html", context
    )


def summary_currency(attempt: SyncAttempt) -> str:
    """The currency of the attempt's amounts: the sale order's as Odoo reported it, else the order's."""
    sale = (attempt.summary or {}).get("sale_order") if isinstance(attempt.summary, dict) else None
    if isinstance(sale, dict) and isinstance(sale.get("currency"), str) and sale["currency"]:
        return str(sale["currency"])
    return attempt.order.currency if attempt.order else ""


@shop_required
@require_GET
def attempt_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    attempt = get_object_or_404(
        SyncAttempt.objects.select_related("order").only(
            *LIST_FIELDS, "finished_at", "task_id", "summary", "order__name", "order__currency"
        ),
        pk=pk,
        shop=shop,
    )
    odoo = odoo_for(shop)
    zone = shop_zone(shop.iana_timezone)
    context = {
        "shop": shop,
        "attempt": attempt,
        "zone_name": zone.key,
        "started": shown_time(attempt.started_at, zone),
        "finished": shown_time(attempt.finished_at, zone) if attempt.finished_at else "",
        "operation": operation_label(attempt.operation),
        "message": redact_text(attempt.message),
        "sections": summary_sections(attempt.summary or {}, odoo, summary_currency(attempt)),
        "summary_json": json.dumps(redact_summary(attempt.summary or {}), indent=2, sort_keys=True),
        "odoo_url": odoo.record_url(attempt.odoo_model, attempt.odoo_id)
        if odoo and attempt.odoo_model and attempt.odoo_id
        else "",
        "order_url": _order_url(attempt.order.pk, attempt.order.name) if attempt.order else "",
    }
    return render(request, "synclogs/attempt_detail.html", context)


def csv_header(zone_name: str) -> tuple[str, ...]:
    """The export's first line; the time column names the shop's zone its values are written in."""
    return (
        _("Started ({zone})").format(zone=zone_name),
        _("Order"),
        _("Object type"),
        _("Reference"),
        _("Operation"),
        _("Status"),
        _("Attempt"),
        _("Odoo model"),
        _("Odoo id"),
        _("Duration ms"),
        _("RPC calls"),
        _("Message"),
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


CSV_ROWS_PER_CHUNK = 500


def csv_chunks(attempts: QuerySet[SyncAttempt], zone_name: str = "UTC", language: str = "") -> Iterator[str]:
    """The attempts as CSV, a few hundred lines per chunk, read from the database in batches.

    Times are the shop's (`zone_name`), written as ISO 8601 with their offset ("2026-12-01T23:30:00+09:00") so a
    spreadsheet or a script reads the exact moment; the header names the zone. The body runs while the response
    streams, after the request's middleware has finished: the zone and the language are passed in, not read from
    the request's. Memory stays flat for any number of rows; chunks (rather than a write per line) keep the
    socket busy.
    """
    with translation.override(language or None):
        yield from _csv_chunks(attempts, shop_zone(zone_name), zone_name)


def _csv_chunks(attempts: QuerySet[SyncAttempt], zone: tzinfo, zone_name: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_header(zone_name))
    rows = keyset_batches(
        attempts,
        "started_at",
        "object_type",
        "object_ref",
        "operation",
        "status",
        "attempt",
        "odoo_model",
        "odoo_id",
        "duration_ms",
        "rpc_calls",
        "message",
    )
    for count, (
        started,
        object_type,
        ref,
        operation,
        status,
        attempt,
        model,
        odoo_id,
        duration,
        rpc,
        message,
    ) in enumerate(rows, start=1):
        is_order = object_type == SyncAttempt.Object.ORDER
        writer.writerow(
            (
                started.astimezone(zone).isoformat(timespec="seconds"),
                _cell(ref) if is_order else "",
                OBJECT_LABELS.get(object_type, object_type),
                "" if is_order else _cell(ref),
                operation_label(operation),
                STATUS_LABELS.get(status, status),
                attempt,
                model,
                "" if odoo_id is None else odoo_id,
                "" if duration is None else duration,
                rpc,
                _cell(redact_text(message)),
            )
        )
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def keyset_batches(
    attempts: QuerySet[SyncAttempt], *fields: str, size: int = 2000
) -> Iterator[tuple[Any, ...]]:
    """Rows newest first, read as a range scan of `size` rows at a time from where the last batch stopped.

    A server-side cursor outside a transaction is declared WITH HOLD, and PostgreSQL then computes the whole
    result before the first row: the first byte of a 300k-row export would wait a second. Each batch here is a
    bounded index range scan (the first one small, so the first line leaves at once), whatever the export's size.
    """
    columns = ("id", "started_at", *fields)
    ordered = attempts.order_by("-started_at", "-id")
    limit = CSV_ROWS_PER_CHUNK
    batch = list(ordered.values_list(*columns)[:limit])
    while batch:
        yield from (row[2:] for row in batch)
        if len(batch) < limit:
            return
        last_id, last_started = batch[-1][0], batch[-1][1]
        limit = size
        batch = list(_older_than(ordered, "started_at", last_started, last_id).values_list(*columns)[:limit])


def export_filename(shop: Shop, now: datetime) -> str:
    """The file's name, dated with the shop's day (as every date the export holds)."""
    today = now.astimezone(shop_zone(shop.iana_timezone)).date()
    handle = re.sub(r"[^a-z0-9-]+", "-", shop.domain.removesuffix(".myshopify.com").lower()).strip("-")
    return f"synco-log-{handle or 'shop'}-{today:%Y-%m-%d}.csv"


@shop_required
@require_GET
def attempt_export(request: HtmxHttpRequest) -> HttpResponse:
    """The filtered attempts as CSV, streamed."""
    shop = current_shop(request)
    zone = shop_zone(shop.iana_timezone)
    form = AttemptFilterForm(request.GET, operations=_known_operations(shop))
    form.zone = zone
    if not form.is_valid():
        errors = " ".join(error_messages(form))
        return HttpResponseBadRequest(
            _("The export was not made: {errors}").format(errors=errors),
            content_type="text/plain; charset=utf-8",
        )
    chunks = csv_chunks(form.filter(shop), zone.key, get_language() or "")
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(shop, timezone.now())}"'
    response["Cache-Control"] = "no-store"
    # shop_required is typed for HttpResponse; a streaming response is served by Django all the same.
    return cast(HttpResponse, response)


# -- webhooks ---------------------------------------------------------------------------------------------


@shop_required
@require_GET
def webhook_list(request: HtmxHttpRequest) -> HttpResponse:
    """What Shopify delivered: topic, when, and what Synco did with it (never the payload: it holds PII)."""
    shop = current_shop(request)
    zone = shop_zone(shop.iana_timezone)
    form = WebhookFilterForm(request.GET or None)
    form.zone = zone
    context: dict[str, Any] = {
        "shop": shop,
        "form": form,
        "receipts": [],
        "filtered": False,
        "zone_name": zone.key,
    }
    if form.is_bound and not form.is_valid():
        context["errors"] = error_messages(form)
    else:
        params = form.query_params() if form.is_bound else {}
        receipts = (
            form.filter(shop) if form.is_bound else WebhookReceipt.objects.filter(shop_domain=shop.domain)
        )
        receipts = receipts.only(
            "id", "topic", "status", "message", "received_at", "processed_at", "event_id"
        )
        page = keyset_page(
            receipts, "received_at", after=request.GET.get("after"), before=request.GET.get("before")
        )
        count, more = capped_count(receipts, COUNT_CAP) if page.rows or not page.at_start else (0, False)
        for receipt in page.rows:
            receipt.message = redact_text(receipt.message)
        context.update(
            _page_links(request, reverse("synclogs:webhooks"), params, page),
            receipts=page.rows,
            count=count,
            count_more=more,
            filtered=bool(params),
        )
    return _fragment_or_page(
        request, "log-results", "synclogs/_webhook_table.html", "synclogs/webhook_list.html", context
    )
