"""The sync log and the webhooks received, through the API: the log pages' filters, redaction and CSV export.

Filters bind the log page's own forms (synclogs.forms: AttemptFilterForm, WebhookFilterForm), so the API refuses
what the page refuses with the same words; the CSV export is the page's (synclogs.views.csv_chunks), byte for byte.
Lists page by cursor in the pages' (time, id) order; every query goes through the caller's shop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import shop_of
from api.errors import ErrorSerializer
from api.pagination import StableCursorPagination
from api.records import serializers as s
from api.validation import bound
from orders.dates import shop_zone
from synclogs.forms import WEBHOOK_TOPICS, AttemptFilterForm, WebhookFilterForm
from synclogs.models import SyncAttempt, WebhookReceipt
from synclogs.views import (
    LIST_FIELDS,
    csv_chunks,
    export_filename,
    keyset_batches,
    odoo_for,
    redact_summary,
    summary_currency,
    summary_sections,
)
from synco.models import Shop

NDJSON_ROWS_PER_CHUNK = 500

DATE_PARAMETERS = [
    OpenApiParameter(
        "date_from",
        OpenApiTypes.DATE,
        description="From this day (YYYY-MM-DD, the shop's day: it starts at the shop's midnight), 2000 to 2099.",
    ),
    OpenApiParameter(
        "date_to",
        OpenApiTypes.DATE,
        description="To this day, included (YYYY-MM-DD, the shop's day), 2000 to 2099.",
    ),
]
ATTEMPT_FILTERS = [
    *DATE_PARAMETERS,
    OpenApiParameter(
        "ref",
        OpenApiTypes.STR,
        description="Order number, e.g. #1001; part of it is enough (three digits or more). At most 100 characters.",
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=list(SyncAttempt.Status.values),
        description="Only attempts in this state.",
    ),
    OpenApiParameter(
        "object_type",
        OpenApiTypes.STR,
        enum=list(SyncAttempt.Object.values),
        description="Only attempts about this kind of object.",
    ),
    OpenApiParameter(
        "operation",
        OpenApiTypes.STR,
        pattern=r"^[a-z][a-z0-9_]{0,49}$",
        description="Only this operation, e.g. create_sale_order, stock_push, push_fulfillment.",
    ),
    OpenApiParameter("order", OpenApiTypes.INT, description="Only the attempts of this Synco order id."),
]
WEBHOOK_FILTERS = [
    *DATE_PARAMETERS,
    OpenApiParameter(
        "topic", OpenApiTypes.STR, enum=list(WEBHOOK_TOPICS), description="Only this Shopify topic."
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=list(WebhookReceipt.Status.values),
        description="Only receipts in this state.",
    ),
]
ATTEMPT_EXAMPLE = {
    "id": 81234,
    "started_at": "2026-12-01T23:30:00+09:00",
    "finished_at": "2026-12-01T23:30:01+09:00",
    "object_type": "order",
    "object_ref": "#1001",
    "operation": "create_sale_order",
    "operation_label": "Sync order to Odoo",
    "attempt": 1,
    "status": "failed",
    "message": "No Odoo product has the SKU 'TEE-M'.",
    "odoo_model": "",
    "odoo_id": None,
    "duration_ms": 412,
    "rpc_calls": 2,
    "order_id": 5512,
}


class ShopZoneMixin(GenericAPIView):
    """The shop's days for the filters and the shop's offset in every datetime answered (as the log pages)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        timezone.activate(self.zone())

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # An error is the API's JSON whatever file was asked for (`?format=csv` picks the file's renderer).
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def shop(self) -> Shop:
        return shop_of(self.request)

    def zone(self) -> ZoneInfo:
        return shop_zone(self.shop().iana_timezone or "")


class AttemptCursorPagination(StableCursorPagination):
    # The log page's order: newest first, the id breaking ties.
    ordering = ("-started_at", "-pk")  # type: ignore[assignment]


class WebhookCursorPagination(StableCursorPagination):
    ordering = ("-received_at", "-pk")  # type: ignore[assignment]


def filtered_attempts(request: Request, shop: Shop, zone: tzinfo) -> Any:
    """The shop's attempts the query string's filters keep (400 with the log page's messages if invalid)."""
    form = bound(AttemptFilterForm, request.query_params)
    form.zone = zone
    return form.filter(shop)


class AttemptList(ShopZoneMixin, ListAPIView):
    serializer_class = s.AttemptSerializer
    pagination_class = AttemptCursorPagination

    def get_queryset(self) -> Any:
        return filtered_attempts(self.request, self.shop(), self.zone()).only(*LIST_FIELDS, "finished_at")

    @extend_schema(
        operation_id="logs_list",
        summary="The sync log: every attempt, newest first, with the log page's filters",
        description=(
            "What the Sync log page lists, filtered the same way (the page's form validates the filters: a bad "
            "date is a 400 naming the field). Cursor pages: follow `next` until it is null. Messages are redacted "
            "as on the page."
        ),
        parameters=ATTEMPT_FILTERS,
        examples=[OpenApiExample("A failed attempt", value=ATTEMPT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class AttemptDetail(ShopZoneMixin):
    serializer_class = s.AttemptDetailSerializer

    @extend_schema(
        operation_id="logs_retrieve",
        summary="One sync log row with its summary, as the attempt's page shows it",
        description="The summary is redacted as on the page (secret- and person-like keys masked, e-mails hidden).",
    )
    def get(self, request: Request, pk: int) -> Response:
        shop = self.shop()
        attempt = get_object_or_404(
            SyncAttempt.objects.select_related("order").only(
                *LIST_FIELDS, "finished_at", "task_id", "summary", "order__name", "order__currency"
            ),
            pk=pk,
            shop=shop,
        )
        odoo = odoo_for(shop)
        summary = attempt.summary if isinstance(attempt.summary, dict) else {}
        item = s.attempt_item({name: getattr(attempt, name) for name in s.ATTEMPT_ITEM_FIELDS})
        item.update(
            task_id=attempt.task_id,
            odoo_url=odoo.record_url(attempt.odoo_model, attempt.odoo_id)
            if odoo and attempt.odoo_model and attempt.odoo_id
            else "",
            order={"id": attempt.order.pk, "name": attempt.order.name} if attempt.order else None,
            sections=[
                {"title": section.title, "facts": [vars(fact) for fact in section.facts]}
                for section in summary_sections(summary, odoo, summary_currency(attempt))
            ],
            summary=redact_summary(summary),
        )
        return Response(self.get_serializer(item).data)


class PassthroughRenderer(BaseRenderer):
    """Lets a client ask for the export's type; the body is streamed by the view, errors are written as JSON."""

    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data, "application/json", renderer_context)


class CSVRenderer(PassthroughRenderer):
    media_type = "text/csv"
    format = "csv"


class NDJSONRenderer(PassthroughRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"


def _streamed(chunks: Iterator[str], content_type: str, filename: str) -> HttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    # Served by Django as any response; DRF's finalize_response accepts it (an HttpResponseBase).
    return cast(HttpResponse, response)


class AttemptCSVExport(ShopZoneMixin):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="logs_export_csv",
        summary="The filtered sync log as CSV, streamed (the log page's export)",
        description=(
            "The very file the Sync log page's Export CSV makes for the same filters: times in the shop's zone "
            "with their offset, the zone named in the first column's header, messages redacted, spreadsheet "
            "formulas neutralised. Streamed: the first line leaves at once whatever the number of rows."
        ),
        parameters=ATTEMPT_FILTERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            (400, "application/json"): OpenApiResponse(
                ErrorSerializer, description="A filter is invalid (the page's message)."
            ),
            (404, "application/json"): OpenApiResponse(
                ErrorSerializer, description="`format` names a format this export is not written in."
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        shop, zone = self.shop(), self.zone()
        attempts = filtered_attempts(request, shop, zone)
        chunks = csv_chunks(attempts, zone.key, get_language() or "")
        return _streamed(chunks, "text/csv; charset=utf-8", export_filename(shop, timezone.now()))


def ndjson_chunks(attempts: Any, zone: tzinfo) -> Iterator[str]:
    """The attempts as one JSON object per line (the list's items), newest first, read in keyset batches."""
    lines: list[str] = []
    for row in keyset_batches(attempts, *s.ATTEMPT_ITEM_FIELDS):
        item = s.attempt_item(dict(zip(s.ATTEMPT_ITEM_FIELDS, row, strict=True)), zone)
        lines.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= NDJSON_ROWS_PER_CHUNK:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


class AttemptNDJSONExport(ShopZoneMixin):
    renderer_classes = [JSONRenderer, NDJSONRenderer]

    @extend_schema(
        operation_id="logs_export_ndjson",
        summary="The filtered sync log as NDJSON, streamed: one list item per line",
        description=(
            "Every attempt the filters keep, newest first, one JSON object per line, each exactly as in "
            "GET /api/v1/logs/ (no pages to follow). Streamed in batches: memory stays flat for any number of rows."
        ),
        parameters=ATTEMPT_FILTERS,
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="One attempt per line, as the list's items."
            ),
            (400, "application/json"): OpenApiResponse(
                ErrorSerializer, description="A filter is invalid (the page's message)."
            ),
            (404, "application/json"): OpenApiResponse(
                ErrorSerializer, description="`format` names a format this export is not written in."
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        shop, zone = self.shop(), self.zone()
        attempts = filtered_attempts(request, shop, zone)
        filename = export_filename(shop, timezone.now()).removesuffix(".csv") + ".ndjson"
        # The zone is passed in: the body runs while streaming, after this request's zone was deactivated.
        return _streamed(ndjson_chunks(attempts, zone), "application/x-ndjson; charset=utf-8", filename)


class WebhookList(ShopZoneMixin, ListAPIView):
    serializer_class = s.WebhookSerializer
    pagination_class = WebhookCursorPagination

    def get_queryset(self) -> Any:
        form = bound(WebhookFilterForm, self.request.query_params)
        form.zone = self.zone()
        return form.filter(self.shop()).only(
            "id", "topic", "status", "message", "event_id", "received_at", "processed_at"
        )

    @extend_schema(
        operation_id="webhooks_list",
        summary="The webhooks Shopify delivered, newest first, with the webhook log's filters",
        description=(
            "What the webhook log lists: topic, status and what Synco did, never the payload or headers (they hold "
            "customer data and signatures). Messages are redacted as on the page."
        ),
        parameters=WEBHOOK_FILTERS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)


class WebhookDetail(ShopZoneMixin):
    serializer_class = s.WebhookDetailSerializer

    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="One webhook receipt (never its payload or headers)",
    )
    def get(self, request: Request, pk: int) -> Response:
        receipt = get_object_or_404(
            WebhookReceipt.objects.defer("payload", "headers"), shop_domain=self.shop().domain, pk=pk
        )
        return Response(self.get_serializer(receipt).data)
