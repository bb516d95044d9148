"""Stock drift and repair, product and customer mappings, refunds and shipments through the API.

Each endpoint calls what its page calls (the same services, forms and query functions) and looks every object up
through the caller's shop, so another shop's id gives 404 and never appears in a list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import shop_of
from api.errors import Unavailable
from api.operations import serializers as s
from api.pagination import StableCursorPagination
from api.validation import bound
from stock import services as stock_services
from stock.forms import DriftFilterForm, LocationMappingForm, PushFilterForm
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush
from stock.tasks import drift_report_task, push_all_task, refresh_links_task, repair_drift_task
from synco.errors import GatewayError, TransientGatewayError


class GatewayFailed(APIException):
    """Odoo or Shopify refused what was asked (bad credentials, access rights, a record it does not have)."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Odoo or Shopify refused the request."
    default_code = "gateway_error"


def gateway_failure(exc: GatewayError, prefix: str = "") -> APIException:
    """A gateway error as the API's answer: 503 with Retry-After to retry later, else 502 with the reason."""
    message = f"{prefix}{exc.message}"
    if isinstance(exc, TransientGatewayError):
        return Unavailable(message, code="gateway_unavailable", retry_after=60)
    return GatewayFailed(message)


class ViewOrderedCursor(StableCursorPagination):
    """The API's cursor pagination in the list view's own `ordering` (a unique tuple)."""

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        return tuple(ordering) if ordering else tuple(super().get_ordering(request, queryset, view))


class ShopList(generics.ListAPIView[Any]):
    """A list of the caller's shop's rows, paged by a cursor in the view's unique `ordering`."""

    pagination_class = ViewOrderedCursor
    ordering: tuple[str, ...] = ("-pk",)


def _queued(message: str, code: int = status.HTTP_202_ACCEPTED, **extra: Any) -> Response:
    return Response({"queued": True, "message": message, **extra}, status=code)


def _param(name: str, description: str, enum: list[str] | None = None, kind: Any = str) -> OpenApiParameter:
    return OpenApiParameter(
        name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum
    )


# -- stock ---------------------------------------------------------------------------------------------------


class StockOverviewView(APIView):
    @extend_schema(
        operation_id="stock_overview",
        summary="Stock sync status",
        description="Whether stock sync is on, blocked, the latest drift report and the counts on the Stock page.",
        responses=s.StockOverviewSerializer,
    )
    def get(self, request: Request) -> Response:
        shop = shop_of(request)
        settings = stock_services.get_settings(shop)
        reports = DriftReport.objects.filter(shop=shop)
        data = {
            "enabled": settings.enabled,
            "figure": settings.figure,
            "safety_buffer": settings.safety_buffer,
            "blocked_reason": settings.blocked_reason,
            "blocked_at": settings.blocked_at,
            "last_swept_at": settings.last_swept_at,
            "latest_report": reports.exclude(status=DriftReport.Status.RUNNING).first(),
            "report_running": reports.filter(status=DriftReport.Status.RUNNING).exists(),
            "failures": StockPush.objects.filter(shop=shop).exclude(outcome=StockPush.Outcome.SET).count(),
            "unmatched_items": InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=True).count(),
            "locations_mapped": sum(1 for m in LocationMapping.objects.filter(shop=shop) if m.is_mapped),
        }
        return Response(s.StockOverviewSerializer(data).data)


class DriftReportList(ShopList):
    serializer_class = s.DriftReportSerializer
    ordering = ("-pk",)

    def get_queryset(self) -> QuerySet[DriftReport]:
        return DriftReport.objects.filter(shop=shop_of(self.request))

    @extend_schema(operation_id="stock_drift_reports_list", summary="Drift reports, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="stock_drift_reports_run",
        summary="Run a drift report now",
        description=(
            "Queues a full comparison of every linked item at every mapped location (Shopify's available against "
            "Odoo). Poll the list until a report newer than `after_report` is done."
        ),
        request=None,
        responses={202: s.DriftQueuedSerializer},
        examples=[
            OpenApiExample(
                "Queued",
                value={"queued": True, "message": "The drift report is running.", "after_report": 41},
                response_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        newest = DriftReport.objects.filter(shop=shop).order_by("-pk").values_list("pk", flat=True).first()
        transaction.on_commit(lambda: drift_report_task.delay(shop.pk, "on demand"))
        return _queued("The drift report is running.", after_report=newest or 0)


class DriftReportDetail(generics.RetrieveAPIView[DriftReport]):
    serializer_class = s.DriftReportSerializer

    def get_queryset(self) -> QuerySet[DriftReport]:
        return DriftReport.objects.filter(shop=shop_of(self.request))

    @extend_schema(operation_id="stock_drift_reports_retrieve", summary="One drift report")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DriftRowList(ShopList):
    serializer_class = s.DriftRowSerializer
    ordering = ("pk",)

    def get_queryset(self) -> QuerySet[DriftRow]:
        shop = shop_of(self.request)
        form = bound(DriftFilterForm, self.request.query_params)
        report_id = form.cleaned_data.get("report")
        if report_id is None:
            report = DriftReport.objects.filter(shop=shop).exclude(status=DriftReport.Status.RUNNING).first()
        else:
            report = get_object_or_404(DriftReport, shop=shop, pk=report_id)
        if report is None:
            return DriftRow.objects.none()
        return form.filter(DriftRow.objects.filter(report=report))

    @extend_schema(
        operation_id="stock_drift_list",
        summary="The drift: items whose Shopify quantity differs from Odoo",
        description=(
            "Per item and Shopify location: Shopify's available, Odoo's figure, what Shopify should show and the "
            "difference, from the latest finished drift report (or `report`)."
        ),
        parameters=[
            _param("report", "A drift report's id (default: the latest finished one).", kind=int),
            _param("location", "Only this Shopify location (its gid, e.g. gid://shopify/Location/1)."),
            _param("q", "SKU contains this text (case ignored)."),
            _param("state", "open: not repaired yet; repaired; all (default).", ["all", "open", "repaired"]),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DriftRepair(APIView):
    @extend_schema(
        operation_id="stock_drift_repair",
        summary="Repair drift: push Odoo's quantities to Shopify",
        description=(
            "Queues a push of Odoo's figures, read again now, for the named drift rows (this shop's, not yet "
            "repaired) or, with all=true, every unrepaired row of the latest report. 400 when nothing is left "
            "to repair."
        ),
        request=s.RepairInputSerializer,
        responses={202: s.RepairQueuedSerializer},
        examples=[
            OpenApiExample("Some rows", value={"rows": [812, 813]}, request_only=True),
            OpenApiExample("Everything", value={"all": True}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        given = s.RepairInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = None if given.validated_data.get("all") else given.validated_data["rows"]
        row_ids = stock_services.repairable_rows(shop, wanted)
        if not row_ids:
            raise ValidationError(
                {"rows": ["Nothing to repair: no unrepaired drift row of this shop is named."]}
            )
        transaction.on_commit(lambda: repair_drift_task.delay(shop.pk, row_ids))
        plural = "s" if len(row_ids) != 1 else ""
        return _queued(f"Repairing {len(row_ids)} stock level{plural}.", rows=row_ids)


class StockPushAll(APIView):
    @extend_schema(
        operation_id="stock_push_all",
        summary="Push every matched item's stock to Shopify",
        request=None,
        responses={202: s.QueuedSerializer},
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        transaction.on_commit(lambda: push_all_task.delay(shop.pk))
        return _queued("Pushing every matched item's stock to Shopify.")


class StockRefreshLinks(APIView):
    @extend_schema(
        operation_id="stock_items_match",
        summary="Match Shopify's inventory items with Odoo products again",
        request=None,
        responses={202: s.QueuedSerializer},
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        transaction.on_commit(lambda: refresh_links_task.delay(shop.pk))
        return _queued("Matching Shopify's inventory items with Odoo products again.")


class StockUnblock(APIView):
    @extend_schema(
        operation_id="stock_unblock",
        summary="Let stock pushes try Shopify again after a block",
        request=None,
        responses=s.DoneSerializer,
    )
    def post(self, request: Request) -> Response:
        stock_services.clear_block(shop_of(request))
        return Response({"message": "Stock pushes will try Shopify again."})


class StockPushList(ShopList):
    serializer_class = s.StockPushSerializer
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[StockPush]:
        form = bound(PushFilterForm, self.request.query_params)
        return form.filter(StockPush.objects.filter(shop=shop_of(self.request)))

    @extend_schema(
        operation_id="stock_pushes_list",
        summary="Quantities sent to Shopify, newest first",
        parameters=[
            _param(
                "outcome",
                "failures: anything not set (the Stock page's Failures); or one outcome.",
                ["all", "failures", "set", "failed", "blocked"],
            ),
            _param("q", "SKU contains this text (case ignored)."),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InventoryItemList(ShopList):
    serializer_class = s.InventoryItemSerializer
    ordering = ("pk",)

    def get_queryset(self) -> QuerySet[InventoryLink]:
        links = InventoryLink.objects.filter(shop=shop_of(self.request))
        matched = self.request.query_params.get("matched", "")
        if matched not in ("", "true", "false"):
            raise ValidationError({"matched": ["Use true or false."]})
        if matched:
            links = links.filter(odoo_product_id__isnull=(matched == "false"))
        return links

    @extend_schema(
        operation_id="stock_items_list",
        summary="Shopify inventory items and the Odoo product each matched",
        parameters=[
            _param(
                "matched", "false: the unmatched items (with the reason); true: matched.", ["true", "false"]
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LocationMappingList(ShopList):
    serializer_class = s.LocationMappingSerializer
    ordering = ("pk",)

    def get_queryset(self) -> QuerySet[LocationMapping]:
        return LocationMapping.objects.filter(shop=shop_of(self.request))

    @extend_schema(
        operation_id="stock_locations_list", summary="Shopify locations and the Odoo stock each shows"
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LocationRefresh(APIView):
    @extend_schema(
        operation_id="stock_locations_refresh",
        summary="Read Shopify's locations again",
        description="New locations are added unsynced; names kept current; mappings kept.",
        request=None,
        responses=s.LocationMappingSerializer(many=True),
    )
    def post(self, request: Request) -> Response:
        try:
            mappings = stock_services.refresh_locations(shop_of(request))
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.LocationMappingSerializer(mappings, many=True).data)


class LocationMappingDetail(APIView):
    @extend_schema(
        operation_id="stock_locations_retrieve",
        summary="One Shopify location's mapping",
        responses=s.LocationMappingSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(LocationMapping, shop=shop_of(request), pk=pk)
        return Response(s.LocationMappingSerializer(mapping).data)

    @extend_schema(
        operation_id="stock_locations_map",
        summary="Map a Shopify location to an Odoo warehouse or internal locations",
        description="Validated by the stock settings page's own form (Odoo's warehouses and locations as choices).",
        request=s.LocationMappingInputSerializer,
        responses=s.LocationMappingSerializer,
        examples=[OpenApiExample("A warehouse", value={"warehouse": 1}, request_only=True)],
    )
    def put(self, request: Request, pk: int) -> Response:
        shop = shop_of(request)
        mapping = get_object_or_404(LocationMapping, shop=shop, pk=pk)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        warehouses, locations, odoo_error = stock_services.odoo_stock_choices(shop)
        if odoo_error:
            raise GatewayFailed(f"Odoo's warehouses could not be read: {odoo_error}")
        raw_locations = request.data.get("locations") or []
        form = bound(
            LocationMappingForm,
            {
                "mapping_id": mapping.pk,
                "warehouse": "" if request.data.get("warehouse") is None else request.data.get("warehouse"),
                "locations": raw_locations if isinstance(raw_locations, list) else [raw_locations],
            },
            warehouses=warehouses,
            locations=locations,
        )
        try:
            stock_services.map_location(
                shop,
                mapping,
                warehouse_id=form.cleaned_data.get("warehouse"),
                location_ids=form.cleaned_data.get("locations") or [],
            )
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.LocationMappingSerializer(mapping).data)


class StockPreview(APIView):
    @extend_schema(
        operation_id="stock_preview",
        summary="What a push would set for the first items",
        responses=s.PreviewLevelSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        try:
            levels = stock_services.preview(shop_of(request))
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.PreviewLevelSerializer(levels, many=True).data)
