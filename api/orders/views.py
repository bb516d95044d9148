"""Orders through the API: the orders page's list, detail and buttons, with the page's own forms and services.

Every action calls what the page's button calls (orders.services.request_sync, bulk_sync, orders.imports, the
dry run and the live Odoo read of orders.queries), so it is recorded in the sync log the same way.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import access_of, shop_of
from api.errors import (
    Conflict,
    GatewayRefused,
    Unavailable,
    error_responses,
    gateway_failure,
    odoo_not_connected,
)
from api.fields import money
from api.orders import serializers as s
from api.pagination import StableCursorPagination
from api.validation import bound
from orders import edits, imports, services
from orders.dates import shop_zone
from orders.forms import BackfillForm, OrderFilterForm
from orders.models import ImportRun, Order, ProposedChange, SyncBatch, SyncStatus
from orders.preview import Preview
from orders.queries import (
    FILTERS,
    LiveDocuments,
    attach_shop,
    dry_run,
    filtered_orders,
    odoo_connection,
    read_live_documents,
)
from orders.views import (
    INVOICE_STATES,
    PAYMENT_STATES,
    SALE_ORDER_STATES,
    _line_rows,
    _live_context,
    request_shopify_check,
)
from synco import circuit
from synco.errors import GatewayError
from synco.models import Shop
from synco.shopify.types import OrderParseError, parse_order

# A paused shop stays paused until someone resumes it in Settings: look again in a few minutes.
PAUSED_RETRY_AFTER = 300


class OrderCursorPagination(StableCursorPagination):
    # The orders page's order; the pk breaks ties (orders imported together share a creation time).
    ordering = ("-created_at", "-pk")  # type: ignore[assignment]


class ImportCursorPagination(StableCursorPagination):
    ordering = ("-started_at", "-pk")  # type: ignore[assignment]


class ShopView(GenericAPIView):
    """Dates are the shop's: its days for the filters and forms, its offset in every datetime answered."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        timezone.activate(shop_zone(shop_of(request).iana_timezone or ""))

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # The data was serialized in the view, in the shop's zone; the zone goes with the request.
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


def _order_for(request: Request, pk: int) -> Order:
    """The caller's shop's order (another shop's id is a 404), with the shop and its Odoo connection."""
    return get_object_or_404(Order.objects.select_related("shop__odoo"), pk=pk, shop=shop_of(request))


# -- what an order looks like ------------------------------------------------------------------


def _odoo_documents(order: Order) -> dict[str, Any]:
    sale_order = None
    if order.odoo_id is not None:
        sale_order = {
            "id": order.odoo_id,
            "name": order.odoo_name,
            "state": order.odoo_state,
            "state_label": SALE_ORDER_STATES.get(order.odoo_state, order.odoo_state),
            "total": money(order.odoo_total, order.currency),
            "url": order.odoo_url(),
        }
    invoice = None
    if order.odoo_invoice_id is not None:
        invoice = {
            "id": order.odoo_invoice_id,
            "name": order.odoo_invoice_name,
            "url": order.odoo_invoice_url(),
        }
    payment = None
    if order.odoo_payment_id is not None:
        payment = {"id": order.odoo_payment_id, "name": "", "url": order.odoo_payment_url()}
    return {"sale_order": sale_order, "invoice": invoice, "payment": payment}


def order_data(order: Order) -> dict[str, Any]:
    """The order as the orders page's row shows it."""
    state = order.sync_state
    return {
        "id": order.pk,
        "shopify_id": order.shopify_id,
        "name": order.name,
        "created_at": order.created_at,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "customer_name": order.customer_name,
        "email": order.email,
        "currency": order.currency,
        "total": money(order.total_price, order.currency),
        "eligible": order.eligible,
        "ineligible_reason": order.ineligible_reason,
        "risk_reason": order.risk_reason,
        "sync_status": order.sync_status,
        "sync_state": {
            "key": state.key,
            "label": state.label,
            "busy": state.busy,
            "error": state.error,
            "at": state.at,
            "next_attempt": state.next_attempt,
            "max_attempts": state.max_attempts,
        },
        # The row's button: none for an order the rules leave out (the page shows "Not eligible" instead).
        "action": ("retry" if order.is_retry else "sync") if order.sync_action and order.eligible else "",
        "synced_at": order.synced_at,
        "odoo": _odoo_documents(order),
    }


def order_detail_data(order: Order) -> dict[str, Any]:
    """The order as its page shows it: the Shopify side, the Odoo documents, the totals and the attempts."""
    live = _live_context(order)
    unreadable = order.parse_error
    lines: list[dict[str, Any]] = []
    if not unreadable:
        try:
            rows = _line_rows(parse_order(order.payload))
        except OrderParseError as exc:
            unreadable, rows = str(exc), []
        lines = [
            {
                "title": row.title,
                "sku": row.sku,
                "quantity": row.quantity,
                "current_quantity": row.current_quantity,
                "unit_price": money(row.unit_price, order.currency),
                "discount": money(row.discount, order.currency),
                "tax": money(row.tax, order.currency),
                "total": money(row.total, order.currency),
                "is_shipping": row.is_shipping,
            }
            for row in rows
        ]
    currency = order.currency
    invoiced = live["invoiced_net"]
    return {
        **order_data(order),
        "shopify": {
            "unreadable": unreadable,
            "lines": lines,
            "current_total": money(live["current_total"], currency),  # type: ignore[arg-type]
        },
        "totals": {
            "currency": currency,
            "shopify_total": money(order.total_price, currency),
            "odoo_total": money(order.odoo_total, currency),
            "difference": money(live["difference"], currency),  # type: ignore[arg-type]
            "tolerance": money(live["tolerance"], currency),  # type: ignore[arg-type]
            "invoiced_net": money(invoiced, currency) if invoiced is not None else None,  # type: ignore[arg-type]
        },
        "warehouse": live["warehouse"],
        "attempts": [
            {
                "id": attempt.pk,
                "started_at": attempt.started_at,
                "operation": attempt.operation,
                "outcome": attempt.status,
                "message": attempt.message,
                "attempt": attempt.attempt,
                "duration_ms": attempt.duration_ms,
                "odoo_model": attempt.odoo_model,
                "odoo_id": attempt.odoo_id,
            }
            for attempt in live["attempts"]  # type: ignore[attr-defined]
        ],
        "more_attempts": live["more_attempts"],
        "proposed_changes": [_proposal_data(proposal) for proposal in live["proposals"]],  # type: ignore[attr-defined]
    }


def _proposal_data(proposal: ProposedChange) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "created_at": proposal.created_at,
        "state": proposal.state,
        "reason": proposal.reason,
        "before": proposal.before if isinstance(proposal.before, dict) else {},
        "after": proposal.after if isinstance(proposal.after, dict) else {},
        "decided_by": proposal.decided_by,
        "decided_at": proposal.decided_at,
        "outcome": proposal.outcome,
    }


# -- list and detail ---------------------------------------------------------------------------

EXAMPLE_ORDER = {
    "id": 42,
    "shopify_id": 5550001001,
    "name": "#1001",
    "created_at": "2026-11-20T15:03:00+01:00",
    "financial_status": "PAID",
    "fulfillment_status": "UNFULFILLED",
    "customer_name": "Jane Doe",
    "email": "jane.doe@example.com",
    "currency": "USD",
    "total": "61.77",
    "eligible": True,
    "ineligible_reason": "",
    "risk_reason": "",
    "sync_status": "failed",
    "sync_state": {
        "key": "failed",
        "label": "Failed",
        "busy": False,
        "error": "No Odoo product has the SKU 'SKU-NOPE'",
        "at": None,
        "next_attempt": 0,
        "max_attempts": 0,
    },
    "action": "retry",
    "synced_at": None,
    "odoo": {"sale_order": None, "invoice": None, "payment": None},
}


class OrderList(ShopView):
    pagination_class = OrderCursorPagination
    serializer_class = s.OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        shop = shop_of(self.request)
        form = bound(OrderFilterForm, self.request.query_params)
        created_from, created_to = form.day_bounds()
        orders = filtered_orders(
            shop, form.cleaned_data.get("status") or "all", form.cleaned_data["q"], created_from, created_to
        )
        # The payload (the whole Shopify order) is only read on the detail.
        return orders.defer("payload").order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="orders_list",
        summary="List orders, with the orders page's filters",
        description=(
            "The shop's orders, newest first, filtered as on the orders page: a status tab, a search (number, "
            "customer or e-mail, whatever the case and accents) and a creation date range (days in the shop's "
            "time zone, both inclusive). Cursor-paginated: follow `next`."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(FILTERS),
                description=(
                    "The page's tab: all, synced, not_synced, eligible (may be synced now), sale_order (in Odoo "
                    "as a sale order without invoice), invoice (in Odoo with an invoice), failed (failed or "
                    "unreadable), needs_review, in_progress (queued or being written), risky. Default all."
                ),
            ),
            OpenApiParameter("q", OpenApiTypes.STR, description="Search: order number, customer or e-mail."),
            OpenApiParameter(
                "created_from",
                OpenApiTypes.DATE,
                description="First day of creation (YYYY-MM-DD), inclusive.",
            ),
            OpenApiParameter(
                "created_to", OpenApiTypes.DATE, description="Last day of creation (YYYY-MM-DD), inclusive."
            ),
        ],
        responses=s.OrderSerializer(many=True),
        examples=[OpenApiExample("A failed order", value=EXAMPLE_ORDER, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        shop = shop_of(request)
        rows = attach_shop(list(page), shop, odoo_connection(shop))
        return self.get_paginated_response(s.OrderSerializer([order_data(o) for o in rows], many=True).data)


class OrderDetail(ShopView):
    serializer_class = s.OrderDetailSerializer

    @extend_schema(
        operation_id="orders_retrieve",
        summary="One order: Shopify side, Odoo documents, totals and attempts",
        description=(
            "What the order page shows, from Synco's database (no call to Shopify or Odoo): the Shopify lines, "
            "the Odoo documents Synco wrote, Shopify's total beside Odoo's, the sync state as the page says it "
            "and the latest sync attempts."
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.OrderDetailSerializer(order_detail_data(_order_for(request, pk))).data)


# -- actions -----------------------------------------------------------------------------------


class NotEligible(APIException):
    """The order rules (or unreadable Shopify data) keep the order from Odoo: the message says why."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The order may not be sent to Odoo."
    default_code = "not_eligible"


def _odoo_unavailable(shop: Shop) -> Unavailable | None:
    """503 while Odoo's circuit is open (Synco is not calling it): with the page banner's words and the wait."""
    until = circuit.open_until(shop.pk)
    if until is None:
        return None
    odoo = odoo_connection(shop)
    failure = (odoo.last_failure if odoo else "") or "Odoo is not answering."
    return Unavailable(
        f"{failure} Synco pauses calls to Odoo until {until.isoformat()} and then retries by itself.",
        code="odoo_unavailable",
        retry_after=math.ceil((until - timezone.now()).total_seconds()),
    )


def _refuse_while_unavailable(shop: Shop) -> None:
    """Nothing is queued while the shop paused syncing (Settings) or Odoo's circuit is open: 503 + Retry-After."""
    if services.is_sync_paused(shop.pk):
        raise Unavailable(services.SYNC_PAUSED_REASON, code="sync_paused", retry_after=PAUSED_RETRY_AFTER)
    unavailable = _odoo_unavailable(shop)
    if unavailable is not None:
        raise unavailable


def _check_odoo_readable(shop: Shop) -> None:
    """Before reading Odoo: 409 while no Odoo is connected (Settings), 503 while its circuit is open."""
    if odoo_connection(shop) is None:
        raise odoo_not_connected()
    unavailable = _odoo_unavailable(shop)
    if unavailable is not None:
        raise unavailable


def _request_sync(order: Order) -> Response:
    """What the page's Sync / Retry button does (orders.views.order_sync), answered as status codes."""
    if order.is_pending:
        # Already queued or being written: the button's answer, whatever Odoo's state or the pause.
        raise Conflict(f"{order.name} is already {str(order.get_sync_status_display()).lower()}.")
    _refuse_while_unavailable(order.shop)
    # A click is interactive: its own queue, never batched, and a slot even while a backfill fills its Odoo's.
    dispatch = services.Dispatch(queue_name=services.INTERACTIVE)
    with transaction.atomic():
        started = services.request_sync(order, dispatch=dispatch)
    order.refresh_from_db()
    if started:
        detail = (
            f"{order.name} is queued: the sync will start shortly."
            if dispatch.unsent
            else f"Sync of {order.name} started."
        )
        answer = {"detail": detail, "queued_for_later": bool(dispatch.unsent), "order": order_data(order)}
        return Response(s.OrderSyncAnswerSerializer(answer).data, status=status.HTTP_202_ACCEPTED)
    if services.is_sync_paused(order.shop_id):
        raise Unavailable(services.SYNC_PAUSED_REASON, code="sync_paused", retry_after=PAUSED_RETRY_AFTER)
    refusal = services.sync_refusal(order)
    if refusal:
        raise NotEligible(f"Not sent to Odoo: {refusal}")
    raise Conflict(f"{order.name} is already {str(order.get_sync_status_display()).lower()}.")


SYNC_RESPONSES = {
    202: s.OrderSyncAnswerSerializer,
    **error_responses(400, 409, 503),
}


class OrderSync(ShopView):
    serializer_class = s.OrderSyncAnswerSerializer

    @extend_schema(
        operation_id="orders_sync",
        summary="Sync an order to Odoo (the page's Sync button)",
        description=(
            "Queues the order for Odoo exactly as the Sync button does; follow its `sync_state` on the order. "
            "202: queued. 400 `not_eligible`: the order rules leave it out (the reason is recorded in the sync "
            "log). 409 `conflict`: it is already queued, being written or synced. 503 with Retry-After: syncing "
            "is paused (`sync_paused`) or Odoo is not answering (`odoo_unavailable`); nothing was queued."
        ),
        request=None,
        responses=SYNC_RESPONSES,
        examples=[
            OpenApiExample(
                "Queued",
                value={"detail": "Sync of #1001 started.", "queued_for_later": False, "order": EXAMPLE_ORDER},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        return _request_sync(_order_for(request, pk))


class OrderRetry(ShopView):
    serializer_class = s.OrderSyncAnswerSerializer

    @extend_schema(
        operation_id="orders_retry",
        summary="Retry a failed order (the page's Retry button)",
        description=(
            "Queues a failed order (or one held for review) again, as the Retry button does. 409 `not_failed` "
            "when the order has not failed; otherwise the answers of sync."
        ),
        request=None,
        responses=SYNC_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        order = _order_for(request, pk)
        if not (order.is_retry or order.parse_error):
            raise Conflict(
                f"{order.name} has not failed (it is {order.sync_state.label.lower()}): "
                "only a failed order, or one held for review, is retried.",
                code="not_failed",
            )
        return _request_sync(order)


def _preview_data(order: Order, preview: Preview) -> dict[str, Any]:
    currency = order.currency
    return {
        "order_id": order.pk,
        "document": preview.document,
        "customer": preview.customer,
        "addresses": preview.addresses,
        "warehouse": preview.warehouse,
        "lines": [
            {
                "name": line.name,
                "product": line.product,
                "quantity": str(line.quantity),
                "price_unit": str(line.price_unit),
                "discount": str(line.discount),
                "taxes": line.taxes,
                "subtotal": money(line.subtotal, currency),
            }
            for line in preview.lines
        ],
        "notes": preview.notes,
        "problems": preview.problems,
        "currency": currency,
        "amount_untaxed": money(preview.amount_untaxed, currency),
        "amount_tax": money(preview.amount_tax, currency),
        "amount_total": money(preview.amount_total, currency),
        "shopify_total": money(preview.shopify_total, currency),
        "difference": money(preview.difference, currency),
    }


class OrderPreview(ShopView):
    serializer_class = s.OrderPreviewSerializer

    @extend_schema(
        operation_id="orders_preview",
        summary="Dry run: what Odoo would receive (writes nothing)",
        description=(
            "The page's Preview: the partner, addresses, lines, taxes and totals Odoo would receive under the "
            "current rules, and the problems a sync would hit, read from Odoo without writing anything (a read "
            "key may call it). 400 `unreadable` when Shopify's data cannot be read; 409 `odoo_not_connected` before "
            "Odoo is set up in Settings; 503 while Odoo is not answering; 502 `odoo_refused` when Odoo refuses (the "
            "message says what to fix)."
        ),
        responses={
            200: s.OrderPreviewSerializer,
            **error_responses(400, 409, 502, 503),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        order = _order_for(request, pk)
        if order.parse_error:
            raise NotEligible(order.parse_error, code="unreadable")
        _check_odoo_readable(order.shop)
        try:
            preview = dry_run(order)
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        except OrderParseError as exc:
            raise NotEligible(str(exc), code="unreadable") from exc
        return Response(s.OrderPreviewSerializer(_preview_data(order, preview)).data)


def _live_data(order: Order, live: LiveDocuments) -> dict[str, Any]:
    """What the page's “Refresh from Odoo” shows (orders.views.order_odoo)."""
    sale_order, invoice = live.sale_order, live.invoice
    return {
        "order_id": order.pk,
        "checked_at": timezone.now(),
        "sale_order": {
            "id": sale_order.id,
            "name": sale_order.name,
            "state": sale_order.state,
            "state_label": SALE_ORDER_STATES.get(sale_order.state, sale_order.state),
            "amount_total": money(sale_order.amount_total, sale_order.currency or order.currency),
            "currency": sale_order.currency or order.currency,
        },
        "invoice": {
            "id": invoice.id,
            "name": invoice.name,
            "state": invoice.state,
            "state_label": INVOICE_STATES.get(invoice.state, invoice.state),
            "payment_state": invoice.payment_state,
            "payment_state_label": PAYMENT_STATES.get(invoice.payment_state, invoice.payment_state),
            "amount_total": money(invoice.amount_total, sale_order.currency or order.currency),
            "amount_residual": money(invoice.amount_residual, sale_order.currency or order.currency),
        }
        if invoice
        else None,
        "total_changed": order.odoo_total is not None and sale_order.amount_total != order.odoo_total,
        "state_changed": bool(order.odoo_state) and sale_order.state != order.odoo_state,
    }


class OrderRefreshFromOdoo(ShopView):
    serializer_class = s.OrderLiveDocumentsSerializer

    @extend_schema(
        operation_id="orders_refresh_from_odoo",
        summary="The Odoo documents as Odoo has them now (reads only)",
        description=(
            "The page's “Refresh from Odoo”: reads the sale order and invoice from Odoo now and says whether "
            "their total or state changed since the last sync. Nothing is written, in Odoo or in Synco (a read "
            "key may call it). 409 `not_in_odoo` before the first sync (`odoo_not_connected` before Odoo is set up); 503 while Odoo is not answering; 502 "
            "`odoo_refused` when Odoo refuses (e.g. the sale order was deleted)."
        ),
        responses={
            200: s.OrderLiveDocumentsSerializer,
            **error_responses(409, 502, 503),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        order = _order_for(request, pk)
        if order.odoo_id is None:
            raise Conflict("Nothing has been written to Odoo for this order yet.", code="not_in_odoo")
        _check_odoo_readable(order.shop)
        try:
            live = read_live_documents(order)
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.OrderLiveDocumentsSerializer(_live_data(order, live)).data)


# -- bulk sync ---------------------------------------------------------------------------------


def _batch_data(batch: SyncBatch) -> dict[str, Any]:
    """The progress bar of a bulk sync (orders.services.batch_progress)."""
    progress = services.batch_progress(batch)
    queued = progress.get(SyncStatus.QUEUED, 0)
    in_progress = progress.get(SyncStatus.IN_PROGRESS, 0)
    return {
        "id": batch.pk,
        "created_at": batch.created_at,
        "total": progress["total"],
        "done": progress["done"],
        "synced": progress.get(SyncStatus.SYNCED, 0),
        "failed": progress["failed"],
        "needs_review": progress.get(SyncStatus.NEEDS_REVIEW, 0),
        "queued": queued,
        "in_progress": in_progress,
        "running": queued + in_progress > 0,
    }


def _refused(shop: Shop, chosen: list[int] | None) -> list[dict[str, Any]]:
    """The chosen orders bulk sync left out as not eligible, each with the reason it recorded in the sync log."""
    if not chosen:
        return []
    refused = (
        Order.objects.filter(shop=shop, pk__in=chosen)
        .filter(Q(eligible=False) | ~Q(parse_error=""))
        .only("pk", "name", "parse_error", "eligible", "ineligible_reason")
        .order_by("pk")
    )
    return [{"order_id": order.pk, "reason": services.sync_refusal(order)} for order in refused]


class BulkSync(ShopView):
    serializer_class = s.BulkSyncSerializer

    @extend_schema(
        operation_id="orders_bulk_sync",
        summary="Sync many orders as one batch (the page's Sync selected / Sync all)",
        description=(
            "Queues the chosen orders (`order_ids`) or every eligible order not yet synced (`all_eligible`) as "
            "one batch, as the orders page does; poll the batch for its progress. Orders already synced, queued "
            "or running are skipped; chosen orders the rules leave out are listed in `refused` (and recorded in "
            "the sync log). 503 with Retry-After while syncing is paused or Odoo is not answering."
        ),
        request=s.BulkSyncSerializer,
        responses={202: s.BulkSyncAnswerSerializer, **error_responses(400, 503)},
        examples=[
            OpenApiExample("Chosen orders", value={"order_ids": [42, 43]}, request_only=True),
            OpenApiExample("Every eligible order", value={"all_eligible": True}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        asked = s.BulkSyncSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        chosen: list[int] | None = (
            None if asked.validated_data["all_eligible"] else asked.validated_data["order_ids"]
        )
        _refuse_while_unavailable(shop)
        dispatch = services.Dispatch()
        try:
            with transaction.atomic():
                batch = services.bulk_sync(shop, chosen, dispatch)
        except services.SyncPausedError as exc:
            raise Unavailable(str(exc), code="sync_paused", retry_after=PAUSED_RETRY_AFTER) from exc
        answer = {
            **_batch_data(batch),
            "refused": _refused(shop, chosen),
            "queued_for_later": bool(dispatch.unsent),
        }
        return Response(s.BulkSyncAnswerSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class BatchDetail(ShopView):
    serializer_class = s.SyncBatchSerializer

    @extend_schema(
        operation_id="orders_batches_retrieve",
        summary="A bulk sync's progress",
        description="How many of the batch's orders are done, synced, failed, held, queued or being written.",
    )
    def get(self, request: Request, pk: int) -> Response:
        batch = get_object_or_404(SyncBatch, pk=pk, shop=shop_of(request))
        return Response(s.SyncBatchSerializer(_batch_data(batch)).data)


# -- imports of past orders --------------------------------------------------------------------


def _run_data(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "created_from": run.created_from,
        "created_to": run.created_to,
        "percent": run.percent,
        "reached": run.reached,
        "orders_seen": run.orders_seen,
        "orders_created": run.orders_created,
        "orders_updated": run.orders_updated,
        "orders_invalid": run.orders_invalid,
        "message": run.message,
        "active": run.is_active,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def _run_for(request: Request, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun, pk=pk, shop=shop_of(request))


class ImportList(ShopView):
    pagination_class = ImportCursorPagination
    serializer_class = s.OrderImportRunSerializer

    def get_queryset(self) -> QuerySet[ImportRun]:
        return ImportRun.objects.filter(shop=shop_of(self.request))

    @extend_schema(
        operation_id="orders_imports_list",
        summary="Imports of past orders, newest first",
        description="The page's “Import past orders from Shopify” runs: their range, status and progress.",
        responses=s.OrderImportRunSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(
            s.OrderImportRunSerializer([_run_data(run) for run in page], many=True).data
        )

    @extend_schema(
        operation_id="orders_imports_create",
        summary="Import past orders from Shopify",
        description=(
            "Starts an import of the orders created in a range of days (the shop's time zone, both inclusive), "
            "validated as on the page: `backfill` reads Shopify page by page (stoppable, resumable), `bulk` asks "
            "Shopify for one bulk export (for large ranges). Poll the import for its progress."
        ),
        request=s.OrderImportStartSerializer,
        responses={202: s.OrderImportRunSerializer, **error_responses(400)},
        examples=[
            OpenApiExample(
                "November",
                value={"created_from": "2026-11-01", "created_to": "2026-11-30"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        data = request.data if isinstance(request.data, dict) else {}
        # The page's form reads text: a JSON number, list or object where a day belongs is refused here.
        wrong = {
            name: ["Send this as text: a day as YYYY-MM-DD (kind: backfill or bulk)."]
            for name in ("created_from", "created_to", "kind")
            if not isinstance(data.get(name, ""), str)
        }
        if wrong:
            raise ValidationError(wrong)
        form = bound(BackfillForm, data)
        kind = data.get("kind") or ImportRun.Kind.BACKFILL
        if kind not in ImportRun.Kind.values:
            raise ValidationError({"kind": ["Choose backfill (page by page) or bulk (one Shopify export)."]})
        start = imports.start_bulk_import if kind == ImportRun.Kind.BULK else imports.start_backfill
        run = start(shop.pk, form.cleaned_data["created_from"], form.cleaned_data["created_to"])
        return Response(s.OrderImportRunSerializer(_run_data(run)).data, status=status.HTTP_202_ACCEPTED)


class ImportDetail(ShopView):
    serializer_class = s.OrderImportRunSerializer

    @extend_schema(
        operation_id="orders_imports_retrieve", summary="One import of past orders and its progress"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.OrderImportRunSerializer(_run_data(_run_for(request, pk))).data)


class ImportStop(ShopView):
    serializer_class = s.OrderImportRunSerializer

    @extend_schema(
        operation_id="orders_imports_stop",
        summary="Stop an import (after its current page)",
        description=(
            "As the page's Stop: a queued import stops at once, a running one after its current page (status "
            "`stopping`, then `stopped`). Stopping a stopped import changes nothing; 409 `not_running` for a "
            "finished one."
        ),
        request=None,
        responses={200: s.OrderImportRunSerializer, **error_responses(409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        run = _run_for(request, pk)
        imports.stop_backfill(run)
        run.refresh_from_db()
        if run.status not in (ImportRun.Status.STOPPING, ImportRun.Status.STOPPED):
            raise Conflict(
                f"The import is {run.get_status_display().lower()}: there is nothing to stop.",
                code="not_running",
            )
        return Response(s.OrderImportRunSerializer(_run_data(run)).data)


class ImportResume(ShopView):
    serializer_class = s.OrderImportRunSerializer

    @extend_schema(
        operation_id="orders_imports_resume",
        summary="Resume a stopped or failed import",
        description=(
            "As the page's Resume: the import continues after the last page it stored. Resuming an import "
            "under way changes nothing; 409 `finished` for one that is done."
        ),
        request=None,
        responses={200: s.OrderImportRunSerializer, **error_responses(409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        run = _run_for(request, pk)
        imports.resume_backfill(run)
        run.refresh_from_db()
        if not run.is_active:
            raise Conflict(
                f"The import is {run.get_status_display().lower()}: there is nothing to resume.",
                code="finished",
            )
        return Response(s.OrderImportRunSerializer(_run_data(run)).data)


# -- proposed changes (Shopify edits of an order Odoo already delivered or invoiced) -------------


def _decided_by(request: Request) -> str:
    """Who decided, for the proposal and the sync log: the key's name, the dashboard user, or the admin."""
    access = access_of(request)
    if access.key is not None:
        return f"API key “{access.key.name}”"
    if request.user.is_authenticated:
        return str(request.user.get_username())
    return "a user in the Shopify admin"


def _proposal_for(request: Request, pk: int, change_pk: int) -> ProposedChange:
    order = _order_for(request, pk)
    return get_object_or_404(ProposedChange.objects.select_related("order"), pk=change_pk, order=order)


CHANGE_RESPONSES = {
    200: s.ProposedChangeAnswerSerializer,
    **error_responses(409, 502, 503),
}


class ProposalAccept(ShopView):
    serializer_class = s.ProposedChangeAnswerSerializer

    @extend_schema(
        operation_id="orders_changes_accept",
        summary="Accept a proposed change: apply the Shopify edit to the Odoo sale order",
        description=(
            "The order page's Accept: applies to the sale order what Odoo allows of the edit (the invoice and "
            "deliveries are never touched) and says what it could not; recorded in the sync log with the key's "
            "name. 409 `already_decided` when it was accepted or dismissed already; 502 `odoo_refused` when Odoo "
            "failed (the change stays proposed); 503 while Odoo's circuit is open."
        ),
        request=None,
        responses=CHANGE_RESPONSES,
    )
    def post(self, request: Request, pk: int, change_pk: int) -> Response:
        proposal = _proposal_for(request, pk, change_pk)
        unavailable = _odoo_unavailable(proposal.order.shop)
        if unavailable is not None:
            raise unavailable
        try:
            outcome = edits.accept_proposal(proposal, _decided_by(request))
        except edits.ProposalClosedError as exc:
            raise Conflict(str(exc), code="already_decided") from exc
        proposal.refresh_from_db()
        if proposal.state != ProposedChange.State.ACCEPTED:
            raise GatewayRefused(outcome)
        answer = {"detail": outcome, "change": _proposal_data(proposal)}
        return Response(s.ProposedChangeAnswerSerializer(answer).data)


class ProposalDismiss(ShopView):
    serializer_class = s.ProposedChangeAnswerSerializer

    @extend_schema(
        operation_id="orders_changes_dismiss",
        summary="Dismiss a proposed change: Odoo stays as it is",
        description=(
            "The order page's Dismiss: the sale order is left as it is and the decision is recorded (with the "
            "key's name). 409 `already_decided` when it was accepted or dismissed already."
        ),
        request=None,
        responses={200: s.ProposedChangeAnswerSerializer, **error_responses(409)},
    )
    def post(self, request: Request, pk: int, change_pk: int) -> Response:
        proposal = _proposal_for(request, pk, change_pk)
        try:
            edits.dismiss_proposal(proposal, _decided_by(request))
        except edits.ProposalClosedError as exc:
            raise Conflict(str(exc), code="already_decided") from exc
        proposal.refresh_from_db()
        answer = {
            "detail": f"Dismissed: {proposal.order.name} stays as it is in Odoo.",
            "change": _proposal_data(proposal),
        }
        return Response(s.ProposedChangeAnswerSerializer(answer).data)


# -- check Shopify now -------------------------------------------------------------------------


class CheckShopify(ShopView):
    serializer_class = s.CheckShopifyAnswerSerializer

    @extend_schema(
        operation_id="orders_check_shopify",
        summary="Check Shopify now for new and changed orders",
        description=(
            "The orders page's “Check Shopify now”: reads the orders created or changed in Shopify since the "
            "last check, in the background (new orders then appear in the list; auto-sync rules apply)."
        ),
        request=None,
        responses={202: s.CheckShopifyAnswerSerializer},
    )
    def post(self, request: Request) -> Response:
        request_shopify_check(shop_of(request))
        answer = {"detail": "Checking Shopify for new and changed orders…"}
        return Response(s.CheckShopifyAnswerSerializer(answer).data, status=status.HTTP_202_ACCEPTED)
