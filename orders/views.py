"""Orders page and order detail: one URL serves the page or, for HTMX, its fragment; actions return the update."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connections, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from orders import edits, imports, services
from orders.forms import BackfillForm, OrderFilterForm, parse_ids, parse_page_number
from orders.models import (
    ImportRun,
    Order,
    ProposedChange,
    SyncBatch,
    SyncStatus,
)
from orders.preview import Preview
from orders.queries import FILTERS, LiveDocuments, dry_run, read_live_documents, searched_orders
from orders.queries import attach_shop as _attach_shop
from orders.queries import filtered_orders as filtered_orders
from orders.queries import odoo_connection as _odoo_connection
from orders.tasks import import_orders_task
from refunds.services import invoiced_net_of_credit_notes
from synclogs.models import SyncAttempt
from synco.errors import GatewayError
from synco.filters import error_messages
from synco.http import HtmxHttpRequest
from synco.models import OrderRules, Shop
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

PAGE_SIZE = 50
# Tab counts stop counting here ("1,000+"): beyond it an exact number is not worth reading every order.
COUNT_CAP = 1000
# Far enough for any real use; keeps OFFSET bounded.
MAX_PAGE = 2000
# From this offset a page first finds its ids through the index, then reads only those rows.
DEEP_OFFSET = 1000
# The poll for live rows sends the ids of the pending rows on one page: never more than a page.
MAX_POLLED_ROWS = PAGE_SIZE
ATTEMPTS_SHOWN = 50
PROPOSALS_SHOWN = 10
SALE_ORDER_STATES = {
    "draft": "Quotation",
    "sent": "Quotation sent",
    "sale": "Sales order",
    "cancel": "Cancelled",
}
INVOICE_STATES = {"draft": "Draft", "posted": "Posted", "cancel": "Cancelled"}
PAYMENT_STATES = {
    "not_paid": "Not paid",
    "in_payment": "In payment",
    "paid": "Paid",
    "partial": "Partially paid",
    "reversed": "Reversed",
}


def narrow_orders(
    shop: Shop, search: str, created_from: Any = None, created_to: Any = None
) -> tuple[QuerySet[Order], dict[str, int | None]]:
    """The orders a search and date range leave, and how many each tab holds (up to COUNT_CAP; None: unknown).

    Every count reads at most COUNT_CAP rows, so the page costs the same for a hundred orders or a hundred
    thousand. A search is read once: when it matches fewer than COUNT_CAP orders (looking for one order or one
    customer), the page then reads those by primary key and counts every tab exactly; when it matches more, only
    "All" is known (1,000+) and the page walks the date index, where such a frequent match comes soon.
    """
    orders = searched_orders(shop, search, created_from, created_to)
    if not search:
        return orders, tab_counts(orders)
    matched = list(orders.order_by().values_list("pk", flat=True)[:COUNT_CAP])
    if len(matched) >= COUNT_CAP:
        return orders, {key: COUNT_CAP if key == "all" else None for key in FILTERS}
    orders = Order.objects.filter(shop=shop, pk__in=matched)
    # Prefixed: an alias named like a field ("eligible") would stand for the alias in the filters.
    row = orders.aggregate(
        **{
            f"n_{key}": Count("pk", filter=condition) if condition else Count("pk")
            for key, (_label, condition) in FILTERS.items()
        }
    )
    return orders, {key: int(row[f"n_{key}"] or 0) for key in FILTERS}


def tab_counts(orders: QuerySet[Order]) -> dict[str, int | None]:
    """Each tab's count up to COUNT_CAP, in one query: each reads at most COUNT_CAP rows through its index."""
    connection = connections[orders.db]
    quote = connection.ops.quote_name
    columns: list[str] = []
    params: list[Any] = []
    for key, (_label, condition) in FILTERS.items():
        capped = orders.filter(condition).order_by().values("pk")[:COUNT_CAP]
        sql, sub_params = capped.query.sql_with_params()
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) {quote(key + '_rows')}) {quote(key)}")
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        values = cursor.fetchone()
    return {key: int(count) for key, count in zip(FILTERS, values, strict=True)}


@dataclass(frozen=True)
class OrdersPage:
    """One page of a tab; the total is exact below COUNT_CAP and "at least" from there (no COUNT(*) of it all)."""

    rows: list[Order]
    number: int
    has_next: bool
    total: int

    @property
    def total_known(self) -> bool:
        return self.total < COUNT_CAP

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def get_orders_page(orders: QuerySet[Order], requested: str | None, total: int) -> OrdersPage:
    """The requested page (the last one when past the end of a known total), one row more to know of a next."""
    number = min(parse_page_number(requested), MAX_PAGE)
    if total < COUNT_CAP:
        number = min(number, max(1, -(-total // PAGE_SIZE)))
    offset = (number - 1) * PAGE_SIZE
    window = orders[offset : offset + PAGE_SIZE + 1]
    if offset >= DEEP_OFFSET and connections[orders.db].features.allow_sliced_subqueries_with_in:
        # Deep pages skip their offset in the index alone (ids only), then read just the page's rows.
        window = orders.filter(pk__in=orders.values("pk")[offset : offset + PAGE_SIZE + 1])
    rows = list(window)
    return OrdersPage(rows=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE, total=total)


def _count_label(count: int | None) -> str:
    if count is None:
        return ""
    return f"{count:,}" if count < COUNT_CAP else f"{COUNT_CAP:,}+"


def _get_order_for_shop(request: HtmxHttpRequest, pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("shop__odoo"), pk=pk, shop=current_shop(request))


def _toast(response: HttpResponse, message: str, level: str = "info", **events: object) -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}, **events})
    return response


def _as_rows(orders: QuerySet[Order]) -> QuerySet[Order]:
    # The payload (the whole Shopify order) is only read on the detail page.
    return orders.defer("payload")


# -- the orders page ----------------------------------------------------------------------------


@shop_required
@require_GET
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    form = OrderFilterForm(request.GET)
    form.is_valid()
    status_filter = form.cleaned_data.get("status") or "all"
    if status_filter not in FILTERS:
        status_filter = "all"
    search = form.cleaned_data.get("q", "")
    created_from, created_to = form.created_range()
    searched, counts = narrow_orders(shop, search, created_from, created_to)
    orders = _as_rows(searched.filter(FILTERS[status_filter][1])).order_by("-created_at", "-id")
    total = counts[status_filter]
    page = get_orders_page(orders, request.GET.get("page"), COUNT_CAP if total is None else total)
    odoo = _odoo_connection(shop)
    rows = _attach_shop(page.rows, shop, odoo)
    # Links keep the search and the date range (only valid dates: a wrong one stays in the box, with its message).
    kept = {"q": search}
    if not form.errors:
        kept.update(
            created_from=request.GET.get("created_from", ""), created_to=request.GET.get("created_to", "")
        )
    filter_query = urlencode({key: value for key, value in kept.items() if value})
    context = {
        "shop": shop,
        "form": form,
        "page": page,
        "orders": rows,
        "status_filter": status_filter,
        "status_label": FILTERS[status_filter][0],
        "search": search,
        "created_from": request.GET.get("created_from", ""),
        "created_to": request.GET.get("created_to", ""),
        "date_errors": error_messages(form),
        "narrowed": bool(search or created_from or created_to),
        "filter_query": filter_query,
        "page_query": urlencode({"status": status_filter, **{k: v for k, v in kept.items() if v}}),
        "filters": [
            (key, label, _count_label(counts[key]), counts[key]) for key, (label, _q) in FILTERS.items()
        ],
        "count_cap": COUNT_CAP,
        "polling": any(order.is_pending for order in rows),
        # The checkboxes and "Sync selected" only where a row of the page can be sent (not on Synced, say).
        "selectable": any(order.sync_action and order.eligible for order in rows),
    }
    if request.htmx and request.htmx.target == "order-table":
        return render(request, "orders/_order_table.html", context)
    context.update(_runs_context(shop), import_form=BackfillForm())
    context.update(_batch_context(SyncBatch.objects.filter(shop=shop).first()))
    circuit_open = bool(odoo and odoo.circuit_open_until and odoo.circuit_open_until > timezone.now())
    # How many wait is only said while Odoo is not answering.
    waiting = Order.objects.filter(shop=shop, sync_status=SyncStatus.QUEUED).count() if circuit_open else 0
    context.update(odoo=odoo, circuit_open=circuit_open, waiting=waiting)
    return render(request, "orders/order_list.html", context)


@shop_required
@require_GET
def order_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return render(request, "orders/_order_row.html", {"order": _get_order_for_shop(request, pk)})


@shop_required
@require_GET
def order_rows(request: HtmxHttpRequest) -> HttpResponse:
    """The page's one poll: the rows whose ids it sends, swapped in place; finished ones announced."""
    ids = parse_ids(request.GET.getlist("pending"))[:MAX_POLLED_ROWS]
    shop = current_shop(request)
    shop_orders = Order.objects.filter(shop=shop, pk__in=ids)
    orders = _attach_shop(
        list(_as_rows(shop_orders).order_by("-created_at", "-id")), shop, _odoo_connection(shop)
    )
    finished = [order for order in orders if not order.is_pending]
    return render(request, "orders/_order_rows.html", {"orders": orders, "finished": finished})


@shop_required
@require_POST
def order_sync(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Sync or Retry; answers with the row (orders page) or the sync panel (order detail)."""
    order = _get_order_for_shop(request, pk)
    # A click is interactive: its own queue, never batched, and a slot even while a backfill fills its Odoo's.
    dispatch = services.Dispatch(queue_name=services.INTERACTIVE)
    with transaction.atomic():
        started = services.request_sync(order, dispatch=dispatch)
    order.refresh_from_db()
    if request.htmx and request.htmx.target == "order-live":
        response = render(request, "orders/_order_live.html", _live_context(order))
    else:
        response = render(request, "orders/_order_row.html", {"order": order, "arm_poll": order.is_pending})
    if started and dispatch.unsent:
        # The order is queued (committed): its task goes out as soon as the task queue answers again.
        return _toast(
            response, gettext("{order} is queued: the sync will start shortly.").format(order=order.name)
        )
    if started:
        return _toast(response, gettext("Sync of {order} started.").format(order=order.name))
    if order.shop.sync_paused:
        return _toast(
            response,
            gettext("{order} was not sent: {reason}").format(
                order=order.name, reason=services.SYNC_PAUSED_REASON
            ),
            "error",
        )
    refusal = services.sync_refusal(order)
    if refusal:
        return _toast(response, gettext("Not sent to Odoo: {reason}").format(reason=refusal), "error")
    return _toast(
        response,
        gettext("{order} is already {status}.").format(
            order=order.name, status=str(order.get_sync_status_display()).lower()
        ),
        "warning",
    )


def request_shopify_check(shop: Shop) -> None:
    """“Check Shopify now” (the page and the API): read new and changed orders in the background, once committed."""
    transaction.on_commit(lambda: import_orders_task.delay(shop.pk))


@shop_required
@require_POST
def orders_import(request: HtmxHttpRequest) -> HttpResponse:
    request_shopify_check(current_shop(request))
    return _toast(HttpResponse(status=204), gettext("Checking Shopify for new and changed orders…"))


def _runs_context(shop: Shop) -> dict[str, object]:
    """The last imports of past orders and the one under way (its progress also shows beside the page's button)."""
    runs = list(ImportRun.objects.filter(shop=shop)[:5])
    active = next((run for run in runs if run.is_active), None)
    return {"runs": runs, "any_active": active is not None, "active_run": active}


def _import_runs(request: HtmxHttpRequest, shop: Shop) -> HttpResponse:
    """The dialog's imports, and (out of band) the progress beside the page's button."""
    return render(request, "orders/_import_runs.html", {**_runs_context(shop), "oob_status": True})


@shop_required
@require_GET
def import_runs(request: HtmxHttpRequest) -> HttpResponse:
    context = {**_runs_context(current_shop(request)), "oob_status": True}
    response = render(request, "orders/_import_runs.html", context)
    if request.GET.get("polling") and not context["any_active"]:
        # The import the page was watching has finished: the order table reloads itself to show what came in.
        response["HX-Trigger"] = "ordersQueued"
    return response


@shop_required
@require_POST
def backfill_start(request: HtmxHttpRequest) -> HttpResponse:
    """Import past orders: answers with the dialog's form (the dates kept, errors beside them) and its progress."""
    shop = current_shop(request)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        response = render(request, "orders/_import_form.html", {"import_form": form})
        return _toast(response, " ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    bulk = request.POST.get("mode") == "bulk"
    start = imports.start_bulk_import if bulk else imports.start_backfill
    start(shop.pk, form.cleaned_data["created_from"], form.cleaned_data["created_to"])
    context = {"import_form": form, **_runs_context(shop), "oob": True, "oob_status": True}
    response = render(request, "orders/_import_form.html", context)
    response.write(render(request, "orders/_import_runs.html", context).content)
    message = (
        gettext("Importing past orders as one Shopify export: the progress shows in the dialog.")
        if bulk
        else gettext("Importing past orders page by page: the progress shows in the dialog.")
    )
    return _toast(response, message)


@shop_required
@require_POST
def import_stop(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    run = get_object_or_404(ImportRun, pk=pk, shop=shop)
    imports.stop_backfill(run)
    return _import_runs(request, shop)


@shop_required
@require_POST
def import_resume(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    run = get_object_or_404(ImportRun, pk=pk, shop=shop)
    imports.resume_backfill(run)
    return _import_runs(request, shop)


@shop_required
@require_POST
def orders_bulk_sync(request: HtmxHttpRequest) -> HttpResponse:
    """Sync the selected orders, or every eligible one; answers with the progress bar."""
    shop = current_shop(request)
    selected = parse_ids(request.POST.getlist("order"))
    scope = None if request.POST.get("scope") == "eligible" else selected
    if scope is not None and not scope:
        response = render(
            request, "orders/_batch.html", _batch_context(SyncBatch.objects.filter(shop=shop).first())
        )
        return _toast(response, gettext("Select the orders to sync first."), "warning")
    dispatch = services.Dispatch()
    try:
        with transaction.atomic():
            batch = services.bulk_sync(shop, scope, dispatch)
    except services.SyncPausedError as exc:
        return _toast(
            HttpResponse(status=204), gettext("No order was sent: {reason}").format(reason=exc), "error"
        )
    response = render(request, "orders/_batch.html", _batch_context(batch))
    refused = _ineligible_selected(shop, scope)
    if not batch.total:
        return _toast(
            response,
            refused or gettext("No order to sync: they are all synced, queued or not eligible."),
            "warning",
        )
    if refused:
        return _toast(
            response,
            gettext("{count} orders queued for Odoo. {refused}").format(count=batch.total, refused=refused),
            "warning",
            ordersQueued=True,
        )
    # The table reloads its current page, so the queued rows show it and start being polled.
    if dispatch.unsent:
        return _toast(
            response,
            gettext("{count} orders queued for Odoo; they will start shortly.").format(count=batch.total),
            ordersQueued=True,
        )
    return _toast(
        response,
        ngettext("{count} order queued for Odoo.", "{count} orders queued for Odoo.", batch.total).format(
            count=batch.total
        ),
        ordersQueued=True,
    )


def _ineligible_selected(shop: Shop, selected: list[int] | None) -> str:
    """What the toast says of the chosen orders that bulk sync left out as not eligible ('' if none)."""
    if not selected:
        return ""
    refused = Order.objects.filter(shop=shop, pk__in=selected).filter(Q(eligible=False) | ~Q(parse_error=""))
    first = refused.only("pk", "name", "parse_error", "eligible", "ineligible_reason").first()
    if first is None:
        return ""
    count = refused.count()
    others = f" ({count - 1} more not eligible: see the sync log)" if count > 1 else ""
    return f"Not sent to Odoo: {services.sync_refusal(first)}{others}"


def _batch_context(batch: SyncBatch | None) -> dict[str, object]:
    """The last bulk sync and its progress; it is polled while any of its orders is queued or running."""
    progress = services.batch_progress(batch) if batch else {}
    running = progress.get(SyncStatus.QUEUED, 0) + progress.get(SyncStatus.IN_PROGRESS, 0)
    return {"batch": batch, "batch_progress": progress, "batch_running": running > 0}


@shop_required
@require_GET
def batch_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(SyncBatch, pk=pk, shop=current_shop(request))
    return render(request, "orders/_batch.html", _batch_context(batch))


@shop_required
@require_GET
def order_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Dry run: exactly what Odoo would receive under the current rules; nothing is written."""
    order = _get_order_for_shop(request, pk)
    preview: Preview | None = None
    error = order.parse_error
    if not error:
        try:
            preview = dry_run(order)
        except GatewayError as exc:
            error = exc.message
    template = "orders/_preview.html" if request.htmx else "orders/preview.html"
    return render(request, template, {"shop": order.shop, "order": order, "preview": preview, "error": error})


# -- the order detail page ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    title: str
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    is_shipping: bool = False
    # Units left after Shopify edits and refunds, when it differs from the quantity ordered.
    current_quantity: int | None = None


def _line_rows(shopify: ShopifyOrder) -> list[LineRow]:
    """The order's lines and shipping lines as the detail page lists them (totals after discounts)."""
    rows = [
        LineRow(
            title=line.title,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax=sum((tax.amount for tax in line.tax_lines), Decimal("0")),
            total=line.unit_price * line.quantity - line.discount,
            current_quantity=line.current_quantity if line.current_quantity != line.quantity else None,
        )
        for line in shopify.line_items
    ]
    rows.extend(
        LineRow(
            title=f"Shipping: {shipping.title}",
            sku=shipping.code,
            quantity=1,
            unit_price=shipping.price,
            discount=shipping.discount,
            tax=sum((tax.amount for tax in shipping.tax_lines), Decimal("0")),
            total=shipping.price - shipping.discount,
            is_shipping=True,
        )
        for shipping in shopify.shipping_lines
    )
    return rows


def _live_context(order: Order) -> dict[str, object]:
    """What changes while the order syncs: its state, the Odoo documents, the totals and the attempts."""
    attempts = list(
        SyncAttempt.objects.filter(shop_id=order.shop_id, order=order)
        .only(
            "pk",
            "operation",
            "status",
            "message",
            "attempt",
            "started_at",
            "duration_ms",
            "rpc_calls",
            "odoo_model",
            "odoo_id",
            "object_type",
            "object_ref",
        )
        .order_by("-started_at", "-id")[: ATTEMPTS_SHOWN + 1]
    )
    rules = OrderRules.objects.filter(shop_id=order.shop_id).only("totals_tolerance").first()
    current_total = _shopify_current_total(order)
    difference = order.totals_difference
    if difference is None and order.odoo_total is not None:
        difference = order.odoo_total - order.total_price
    return {
        "order": order,
        "attempts": attempts[:ATTEMPTS_SHOWN],
        "more_attempts": len(attempts) > ATTEMPTS_SHOWN,
        "difference": difference,
        "tolerance": rules.totals_tolerance if rules else None,
        "odoo_state_label": SALE_ORDER_STATES.get(order.odoo_state, order.odoo_state),
        "current_total": current_total,
        "current_differs": current_total is not None and current_total != order.total_price,
        "invoiced_net": invoiced_net_of_credit_notes(order),
        "warehouse": _synced_warehouse(order),
        **_proposals_context(order),
    }


def _synced_warehouse(order: Order) -> str:
    """The warehouse Synco gave the sale order (its Shopify location's mapping), as the last sync recorded it."""
    if order.odoo_id is None:
        return ""
    summary = (
        SyncAttempt.objects.filter(
            shop_id=order.shop_id,
            order=order,
            operation="create_sale_order",
            status=SyncAttempt.Status.SUCCESS,
        )
        .order_by("-started_at", "-id")
        .values_list("summary", flat=True)
        .first()
    )
    sale = summary.get("sale_order") if isinstance(summary, dict) else None
    warehouse = sale.get("warehouse") if isinstance(sale, dict) else None
    if not isinstance(warehouse, dict) or not warehouse.get("id"):
        return ""
    return str(warehouse.get("name") or f"Warehouse #{warehouse['id']}")


def _money_explanation(order: Order) -> dict[str, Any] | None:
    """The last sync's comparison, line by line and per tax (Shopify's figures beside Odoo's), as it stored it."""
    summary = (
        SyncAttempt.objects.filter(
            shop_id=order.shop_id,
            order=order,
            operation="create_sale_order",
            status=SyncAttempt.Status.SUCCESS,
        )
        .order_by("-started_at", "-id")
        .values_list("summary", flat=True)
        .first()
    )
    if not isinstance(summary, dict) or not summary.get("lines"):
        return None
    lines = [line for line in summary["lines"] if isinstance(line, dict)]
    return {
        "lines": lines,
        "taxes": [tax for tax in summary.get("taxes") or [] if isinstance(tax, dict)],
        "totals": summary.get("totals") or {},
        "differs": any(line.get("differs") for line in lines),
    }


def _shopify_current_total(order: Order) -> Decimal | None:
    """Shopify's currentTotalPriceSet as stored: the total after edits, refunds and returns."""
    bag = (order.payload or {}).get("currentTotalPriceSet") or {}
    amount = (bag.get("shopMoney") or {}).get("amount")
    try:
        return Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None
    except ArithmeticError:
        return None


def _proposals_context(order: Order) -> dict[str, object]:
    proposals = list(ProposedChange.objects.filter(order=order)[:PROPOSALS_SHOWN])
    return {
        "proposals": proposals,
        "open_proposals": [p for p in proposals if p.state == ProposedChange.State.PROPOSED],
    }


def _get_proposal_for_shop(request: HtmxHttpRequest, pk: int, proposal_pk: int) -> ProposedChange:
    order = _get_order_for_shop(request, pk)
    return get_object_or_404(ProposedChange.objects.select_related("order"), pk=proposal_pk, order=order)


def _who(request: HtmxHttpRequest) -> str:
    if request.user.is_authenticated:
        return request.user.get_username()
    return "a user in the Shopify admin"


@shop_required
@require_POST
def proposal_accept(request: HtmxHttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """Accept a proposed change: apply to the sale order what Odoo allows; the answer says what it could not."""
    proposal = _get_proposal_for_shop(request, pk, proposal_pk)
    try:
        outcome = edits.accept_proposal(proposal, _who(request))
        level = "warning" if "Not applied" in outcome or "failed" in outcome else "success"
    except edits.ProposalClosedError as exc:
        outcome, level = str(exc), "warning"
    order = _get_order_for_shop(request, pk)
    response = render(request, "orders/_order_live.html", _live_context(order))
    return _toast(response, outcome, level)


@shop_required
@require_POST
def proposal_dismiss(request: HtmxHttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """Dismiss a proposed change: Odoo stays as it is, and the decision is recorded."""
    proposal = _get_proposal_for_shop(request, pk, proposal_pk)
    try:
        edits.dismiss_proposal(proposal, _who(request))
        message, level = f"Dismissed: {proposal.order.name} stays as it is in Odoo.", "info"
    except edits.ProposalClosedError as exc:
        message, level = str(exc), "warning"
    order = _get_order_for_shop(request, pk)
    response = render(request, "orders/_order_live.html", _live_context(order))
    return _toast(response, message, level)


@shop_required
@require_GET
def order_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The Shopify order, what Synco made of it in Odoo, and every attempt; from the database only."""
    order = _get_order_for_shop(request, pk)
    context = _live_context(order)
    if request.htmx and request.htmx.target == "order-live":
        # Only a pending page polls: an answer that is no longer pending is the change to announce.
        return render(
            request,
            "orders/_order_live.html",
            {**context, "oob_attempts": True, "announce": not order.is_pending},
        )
    from refunds.services import order_refunds

    shopify: ShopifyOrder | None = None
    unreadable = order.parse_error
    if not unreadable:
        try:
            shopify = parse_order(order.payload)
        except OrderParseError as exc:
            unreadable = str(exc)
    context.update(
        shop=order.shop,
        shopify=shopify,
        unreadable=unreadable,
        money=_money_explanation(order),
        lines=_line_rows(shopify) if shopify else [],
        other_currency=bool(shopify and shopify.presentment_currency != shopify.currency),
        order_refunds=order_refunds(order),
    )
    return render(request, "orders/order_detail.html", context)


@shop_required
@require_GET
def order_odoo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Refresh from Odoo: the documents' state as Odoo has it now (reads only)."""
    order = _get_order_for_shop(request, pk)
    live: LiveDocuments | None = None
    error = ""
    if order.odoo_id is None:
        error = "Nothing has been written to Odoo for this order yet."
    else:
        try:
            live = read_live_documents(order)
        except GatewayError as exc:
            error = exc.message
    context: dict[str, object] = {"order": order, "live": live, "error": error, "checked_at": timezone.now()}
    if live is not None:
        sale_order, invoice = live.sale_order, live.invoice
        context.update(
            sale_order_state=SALE_ORDER_STATES.get(sale_order.state, sale_order.state),
            invoice_state=INVOICE_STATES.get(invoice.state, invoice.state) if invoice else "",
            payment_state=PAYMENT_STATES.get(invoice.payment_state, invoice.payment_state) if invoice else "",
            total_changed=order.odoo_total is not None and sale_order.amount_total != order.odoo_total,
            state_changed=bool(order.odoo_state) and sale_order.state != order.odoo_state,
        )
    return render(request, "orders/_order_odoo.html", context)
