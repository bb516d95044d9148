"""Stock drift and repair, product and customer mappings, refunds and shipments through the API.

Each endpoint calls what its page calls (the same services, forms and query functions) and looks every object up
through the caller's shop, so another shop's id gives 404 and never appears in a list."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import access_of, shop_of
from api.errors import Conflict, GatewayRefused, error_responses, gateway_failure
from api.operations import serializers as s
from api.validation import bound
from customers import imports as customer_imports
from customers.duplicates import duplicate_report
from customers.forms import CustomerLinkFilterForm
from customers.models import CustomerLink, CustomerSettings
from customers.services import linked_customers
from customers.tasks import customer_import_task
from orders.models import Order
from products import imports as product_imports
from products import problems as product_problems
from products.forms import STATE_FILTERS, LinkForm, StrictMappingFilterForm
from products.models import CatalogueRun, ProductMapping
from refunds import services as refund_services
from refunds.forms import RefundFilterForm
from refunds.models import Refund, RefundState
from shipments import services as shipment_services
from shipments.forms import ShipmentFilterForm
from shipments.models import Shipment
from shipments.tasks import retry_on_commit
from stock import services as stock_services
from stock.forms import DriftFilterForm, LocationMappingForm, PushFilterForm
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush
from stock.tasks import drift_report_task, push_all_task, refresh_links_task, repair_drift_task
from synco.errors import GatewayError
from synco.filters import MAX_ID
from synco.gateways import odoo_client_for
from synco.models import OdooConnection, OrderRules, Shop


# A list of the caller's shop's rows, paged by a cursor in the view's unique `ordering`. Its docstring is the
# text of every list operation that has none of its own.
class ShopList(generics.ListAPIView[Any]):
    """This shop's rows, one page at a time: follow `next` (its cursor stays valid while rows arrive); `limit`
    sets the page's size, up to 200."""

    # The default pagination (api.pagination.StableCursorPagination) pages in this `ordering`.
    ordering: tuple[str, ...] = ("-pk",)


def _id_parameter(name: str, description: str) -> OpenApiParameter:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return OpenApiParameter(name, schema, OpenApiParameter.PATH, description=description)


PK = _id_parameter("id", "The object's id (another shop's id is not found).")
ORDER_PK = _id_parameter("order_pk", "Synco's order id (as in /orders/{id}/).")


def _queued(message: str, code: int = status.HTTP_202_ACCEPTED, **extra: Any) -> Response:
    return Response({"queued": True, "message": message, **extra}, status=code)


def _queue_for_shop(shop: Shop, task: Any, message: str, *args: Any, **extra: Any) -> Response:
    """Queue `task(shop.pk, *args)` once the request's writes are committed; answer 202 with the message."""
    transaction.on_commit(lambda: task.delay(shop.pk, *args))
    return _queued(message, **extra)


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
        responses={202: s.DriftQueuedSerializer, **error_responses(403)},
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
        return _queue_for_shop(
            shop, drift_report_task, "The drift report is running.", "on demand", after_report=newest or 0
        )


class DriftReportDetail(generics.RetrieveAPIView[DriftReport]):
    serializer_class = s.DriftReportSerializer

    def get_queryset(self) -> QuerySet[DriftReport]:
        return DriftReport.objects.filter(shop=shop_of(self.request))

    @extend_schema(
        operation_id="stock_drift_reports_retrieve",
        summary="One drift report",
        responses={200: s.DriftReportSerializer, **error_responses(404)},
        parameters=[PK],
    )
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
        responses={202: s.RepairQueuedSerializer, **error_responses(400, 403)},
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
        plural = "s" if len(row_ids) != 1 else ""
        message = f"Repairing {len(row_ids)} stock level{plural}."
        return _queue_for_shop(shop, repair_drift_task, message, row_ids, rows=row_ids)


class StockPushAll(APIView):
    @extend_schema(
        operation_id="stock_push_all",
        summary="Push every matched item's stock to Shopify",
        request=None,
        responses={202: s.QueuedSerializer, **error_responses(403)},
    )
    def post(self, request: Request) -> Response:
        return _queue_for_shop(
            shop_of(request), push_all_task, "Pushing every matched item's stock to Shopify."
        )


class StockRefreshLinks(APIView):
    @extend_schema(
        operation_id="stock_items_match",
        summary="Match Shopify's inventory items with Odoo products again",
        request=None,
        responses={202: s.QueuedSerializer, **error_responses(403)},
    )
    def post(self, request: Request) -> Response:
        message = "Matching Shopify's inventory items with Odoo products again."
        return _queue_for_shop(shop_of(request), refresh_links_task, message)


class StockUnblock(APIView):
    @extend_schema(
        operation_id="stock_unblock",
        summary="Let stock pushes try Shopify again after a block",
        request=None,
        responses={200: s.DoneSerializer, **error_responses(403)},
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
        responses={200: s.LocationMappingSerializer(many=True), **error_responses(403, 502, 503)},
    )
    def post(self, request: Request) -> Response:
        try:
            mappings = stock_services.refresh_locations(shop_of(request))
        except GatewayError as exc:
            raise gateway_failure(exc, peer="shopify") from exc
        return Response(s.LocationMappingSerializer(mappings, many=True).data)


class LocationMappingDetail(APIView):
    @extend_schema(
        operation_id="stock_locations_retrieve",
        summary="One Shopify location's mapping",
        responses={200: s.LocationMappingSerializer, **error_responses(404)},
        parameters=[PK],
    )
    def get(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(LocationMapping, shop=shop_of(request), pk=pk)
        return Response(s.LocationMappingSerializer(mapping).data)

    @extend_schema(
        operation_id="stock_locations_map",
        summary="Map a Shopify location to an Odoo warehouse or internal locations",
        description="Validated by the stock settings page's own form (Odoo's warehouses and locations as choices).",
        request=s.LocationMappingInputSerializer,
        responses={200: s.LocationMappingSerializer, **error_responses(400, 403, 404, 409, 502, 503)},
        examples=[OpenApiExample("A warehouse", value={"warehouse": 1}, request_only=True)],
        parameters=[PK],
    )
    def put(self, request: Request, pk: int) -> Response:
        shop = shop_of(request)
        mapping = get_object_or_404(LocationMapping, shop=shop, pk=pk)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        warehouses, locations, odoo_error = stock_services.odoo_stock_choices(shop)
        if odoo_error:
            raise GatewayRefused(f"Odoo's warehouses could not be read: {odoo_error}")
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
        responses={200: s.PreviewLevelSerializer(many=True), **error_responses(409, 502, 503)},
    )
    def get(self, request: Request) -> Response:
        try:
            levels = stock_services.preview(shop_of(request))
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.PreviewLevelSerializer(levels, many=True).data)


# -- products ------------------------------------------------------------------------------------------------


def _who(request: Request) -> str:
    """Who did a fix, for the sync log: the API key's name, or the dashboard user."""
    access = access_of(request)
    if access.key is not None:
        return f"API key '{access.key.name}'"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.get_username())
    return "A user in the Shopify admin"


def _odoo_connection(shop: Shop) -> OdooConnection | None:
    """The shop's connection without its secret (for Odoo links only)."""
    return OdooConnection.objects.filter(shop=shop).defer("secret").first()


def _mapping_data(request: Request, mapping: ProductMapping) -> dict[str, Any]:
    shop = shop_of(request)
    mapping.refresh_from_db()
    context = {
        "currency": shop.currency,
        "odoo": _odoo_connection(shop),
        "problems": product_problems.page_problems(shop, [mapping]),
    }
    return dict(s.ProductMappingSerializer(mapping, context=context).data)


def _fix_answer(request: Request, mapping: ProductMapping, message: str) -> Response:
    return Response({"message": message, "mapping": _mapping_data(request, mapping)})


class ProductSummary(APIView):
    @extend_schema(
        operation_id="products_summary",
        summary="The product mapping's counts and problems",
        responses=s.ProductSummarySerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(s.ProductSummarySerializer(product_problems.get_summary(shop_of(request))).data)


class ProductMappingList(ShopList):
    serializer_class = s.ProductMappingSerializer
    ordering = ("pk",)

    def get_queryset(self) -> QuerySet[ProductMapping]:
        form = bound(StrictMappingFilterForm, self.request.query_params)
        mappings = product_problems.filtered_mappings(
            shop_of(self.request), form.cleaned_data["state"], form.cleaned_data.get("q") or ""
        )
        return mappings.defer("written")

    @extend_schema(
        operation_id="products_mappings_list",
        summary="Shopify variants and the Odoo product each is linked to",
        description=(
            "The product mapping page's rows: how each variant matched, its problems (unknown SKUs, duplicates, "
            "conflicts) and the fixes that apply; the page's filters."
        ),
        parameters=[
            _param("state", "The page's tabs (problems: anything to fix).", list(STATE_FILTERS)),
            _param("q", "Titles, SKU or barcode contain this (case and accents ignored)."),
        ],
        examples=[
            OpenApiExample(
                "A variant no Odoo product matched",
                value={
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 7,
                            "shopify_product_id": 8123,
                            "shopify_variant_id": 44012,
                            "product_title": "Mug",
                            "variant_title": "Blue",
                            "sku": "MUG-B",
                            "barcode": "",
                            "price": "12.50",
                            "currency": "EUR",
                            "odoo_product_id": None,
                            "odoo_template_id": None,
                            "odoo_url": "",
                            "state": "missing",
                            "matched_by": "",
                            "problem": "No Odoo product has the SKU 'MUG-B'.",
                            "problems": [
                                {
                                    "kind": "missing",
                                    "text": "No Odoo product has the SKU 'MUG-B'.",
                                    "blocking": True,
                                    "fixes": ["link", "create", "ignore"],
                                }
                            ],
                            "updated_at": "2026-12-06T04:20:00+01:00",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shop = shop_of(request)
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        context = {
            **self.get_serializer_context(),
            "currency": shop.currency,
            "odoo": _odoo_connection(shop),
            "problems": product_problems.page_problems(shop, page),
        }
        return self.get_paginated_response(s.ProductMappingSerializer(page, many=True, context=context).data)


class ProductMappingDetail(APIView):
    @extend_schema(
        operation_id="products_mappings_retrieve",
        summary="One variant's mapping with its problems",
        responses={200: s.ProductMappingSerializer, **error_responses(404)},
        parameters=[PK],
    )
    def get(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(ProductMapping, shop=shop_of(request), pk=pk)
        return Response(_mapping_data(request, mapping))


class ProductLinkFix(APIView):
    @extend_schema(
        operation_id="products_mappings_link",
        summary="Link a variant to the Odoo product named (by id or internal reference)",
        description="Odoo confirms the product first; the link is what orders use from then on. Logged.",
        request=s.LinkInputSerializer,
        responses={200: s.ProductFixSerializer, **error_responses(400, 403, 404, 409, 502, 503)},
        examples=[OpenApiExample("By internal reference", value={"reference": "SKU-MUG"}, request_only=True)],
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(ProductMapping, shop=shop_of(request), pk=pk)
        form = bound(LinkForm, request.data if isinstance(request.data, dict) else {})
        if mapping.state == ProductMapping.State.DELETED:
            raise Conflict("This variant was deleted in Shopify: nothing to link.", code="deleted")
        client = None
        try:
            client = odoo_client_for(mapping.shop)
            linked = product_problems.link_mapping(
                client, mapping, form.cleaned_data["reference"], who=_who(request)
            )
        except product_problems.FixError as exc:
            if isinstance(exc.__cause__, GatewayError):
                raise gateway_failure(exc.__cause__, "Odoo could not be asked: ") from exc
            raise ValidationError({"reference": [exc.message]}) from exc
        except GatewayError as exc:
            raise gateway_failure(exc, "Odoo could not be asked: ") from exc
        finally:
            if client is not None:
                client.close()
        product = linked.product
        notes = " It is archived in Odoo." if not product.active else ""
        if not linked.order_link and (mapping.sku or mapping.barcode):
            notes += " Orders are not matched by its code while another Shopify variant has it too."
        return _fix_answer(
            request, mapping, f"Linked to the Odoo product '{product.name}' (id {product.id}).{notes}"
        )


class ProductCreateFix(APIView):
    @extend_schema(
        operation_id="products_mappings_create",
        summary="Create a missing variant's product in Odoo",
        description=(
            "Imports the variant's Shopify product again, creating what no Odoo product matches (matched first: "
            "never a second copy). 409 unless the variant is missing."
        ),
        request=None,
        responses={200: s.ProductFixSerializer, **error_responses(403, 404, 409, 502, 503)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(ProductMapping, shop=shop_of(request), pk=pk)
        if mapping.state != ProductMapping.State.MISSING:
            state = mapping.get_state_display().lower()
            raise Conflict(
                f"Only a missing product can be created; this variant is {state}.", code="not_missing"
            )
        try:
            product_imports.import_product_ids(mapping.shop_id, [mapping.shopify_product_id], create=True)
        except GatewayError as exc:
            raise gateway_failure(exc, "Not created: ") from exc
        mapping.refresh_from_db()
        if mapping.state != ProductMapping.State.LINKED or not mapping.odoo_product_id:
            reason = mapping.problem or f"the variant is still {mapping.get_state_display().lower()}."
            raise Conflict(f"Not created: {reason}", code="not_created")
        how = "Created in Odoo" if mapping.matched_by == "created" else f"Linked by {mapping.matched_by}"
        return _fix_answer(request, mapping, f"{how}: Odoo product id {mapping.odoo_product_id}.")


class ProductIgnoreFix(APIView):
    @extend_schema(
        operation_id="products_mappings_ignore",
        summary="Ignore a variant (it has no problem to fix from then on)",
        request=None,
        responses={200: s.ProductFixSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(ProductMapping, shop=shop_of(request), pk=pk)
        try:
            product_problems.ignore_mapping(mapping)
        except product_problems.FixError as exc:
            raise Conflict(exc.message, code="not_applicable") from exc
        return _fix_answer(request, mapping, f"Ignored: {product_problems.variant_label(mapping)}.")


class ProductUnignoreFix(APIView):
    @extend_schema(
        operation_id="products_mappings_unignore",
        summary="Stop ignoring a variant",
        request=None,
        responses={200: s.ProductFixSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        mapping = get_object_or_404(ProductMapping, shop=shop_of(request), pk=pk)
        try:
            product_problems.unignore_mapping(mapping)
        except product_problems.FixError as exc:
            raise Conflict(exc.message, code="not_applicable") from exc
        return _fix_answer(request, mapping, f"No longer ignored: {product_problems.variant_label(mapping)}.")


class OdooProductSuggestions(APIView):
    @extend_schema(
        operation_id="products_odoo_suggestions",
        summary="Odoo products matching a text (the link box's suggestions)",
        parameters=[
            OpenApiParameter(
                "reference",
                str,
                OpenApiParameter.QUERY,
                required=True,
                description=f"At least {product_problems.MIN_SUGGEST_LENGTH} characters of a name or reference.",
            )
        ],
        responses={200: s.OdooProductSerializer(many=True), **error_responses(400, 409, 502, 503)},
    )
    def get(self, request: Request) -> Response:
        text = str(request.query_params.get("reference", ""))
        if len(text.strip()) < product_problems.MIN_SUGGEST_LENGTH or len(text) > 255:
            raise ValidationError(
                {"reference": [f"Type {product_problems.MIN_SUGGEST_LENGTH} to 255 characters."]}
            )
        client = None
        try:
            client = odoo_client_for(shop_of(request))
            suggestions = product_problems.suggest_odoo_products(client, text)
        except product_problems.FixError as exc:
            if isinstance(exc.__cause__, GatewayError):
                raise gateway_failure(exc.__cause__, "Odoo could not be asked: ") from exc
            raise GatewayRefused(exc.message) from exc
        except GatewayError as exc:
            raise gateway_failure(exc, "Odoo could not be asked: ") from exc
        finally:
            if client is not None:
                client.close()
        return Response(s.OdooProductSerializer(suggestions, many=True).data)


class OdooOnlyProducts(APIView):
    @extend_schema(
        operation_id="products_odoo_only",
        summary="Odoo products whose internal reference no Shopify variant has",
        description="One page of Odoo products per call; pass `next_after_id` as `after` for the next.",
        parameters=[_param("after", "The Odoo product id this page starts after (default 0).", kind=int)],
        responses={200: s.OdooOnlyPageSerializer, **error_responses(400, 409, 502, 503)},
    )
    def get(self, request: Request) -> Response:
        after = str(request.query_params.get("after", "0") or "0")
        if not re.fullmatch(r"[0-9]{1,9}", after):
            raise ValidationError({"after": ["An Odoo product id (a whole number)."]})
        shop = shop_of(request)
        client = None
        try:
            client = odoo_client_for(shop)
            result = product_problems.odoo_only_products(client, shop, int(after))
        except product_problems.FixError as exc:
            if isinstance(exc.__cause__, GatewayError):
                raise gateway_failure(exc.__cause__, "Odoo could not be asked: ") from exc
            raise GatewayRefused(exc.message) from exc
        except GatewayError as exc:
            raise gateway_failure(exc, "Odoo could not be asked: ") from exc
        finally:
            if client is not None:
                client.close()
        return Response(s.OdooOnlyPageSerializer(result).data)


def _runs(request: Request, kind: str) -> QuerySet[CatalogueRun]:
    return CatalogueRun.objects.filter(shop=shop_of(request), kind=kind)


def _run_answer(message: str, run: CatalogueRun, code: int = status.HTTP_200_OK) -> Response:
    """What an import run's start, stop and resume answer: what was done and the run as it is now."""
    return Response({"message": message, "run": s.CatalogueRunSerializer(run).data}, status=code)


# The shop's import runs of one kind (products or customers); no docstring: it would be each operation's text.
class ImportRunList(ShopList):
    serializer_class = s.CatalogueRunSerializer
    ordering = ("-pk",)
    kind: str

    def get_queryset(self) -> QuerySet[CatalogueRun]:
        return _runs(self.request, self.kind)


# One import run of the shop, of the subclass's kind.
class ImportRunDetail(APIView):
    kind: str

    def get(self, request: Request, pk: int) -> Response:
        return Response(s.CatalogueRunSerializer(get_object_or_404(_runs(request, self.kind), pk=pk)).data)


def _run_detail_schema(operation_id: str, summary: str) -> Any:
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            responses={200: s.CatalogueRunSerializer, **error_responses(404)},
            parameters=[PK],
        )
    )


class ProductImportList(ImportRunList):
    kind = CatalogueRun.Kind.PRODUCTS

    @extend_schema(operation_id="products_imports_list", summary="Catalogue import runs, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="products_imports_start",
        summary="Start a full product import from Shopify",
        description="409 while another product import is queued or running.",
        request=None,
        responses={202: s.RunActionSerializer, **error_responses(403, 409)},
    )
    def post(self, request: Request) -> Response:
        try:
            run = product_imports.start_product_import(shop_of(request).pk)
        except product_imports.ImportRefusedError as exc:
            raise Conflict(f"Not started: {exc}", code="import_running") from exc
        return _run_answer("Importing the products from Shopify…", run, status.HTTP_202_ACCEPTED)


@_run_detail_schema("products_imports_retrieve", "One import run")
class ProductImportDetail(ImportRunDetail):
    kind = CatalogueRun.Kind.PRODUCTS


class ProductImportStop(APIView):
    @extend_schema(
        operation_id="products_imports_stop",
        summary="Stop an import after the products in hand",
        request=None,
        responses={200: s.RunActionSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(_runs(request, CatalogueRun.Kind.PRODUCTS), pk=pk)
        if run.status not in CatalogueRun.ACTIVE:
            raise Conflict(f"This import is already {run.get_status_display().lower()}.", code="not_running")
        product_imports.stop_product_import(run)
        run.refresh_from_db()
        return _run_answer("Stopping the import after the products in hand.", run)


class ProductImportResume(APIView):
    @extend_schema(
        operation_id="products_imports_resume",
        summary="Resume a stopped or failed import after its checkpoint",
        request=None,
        responses={202: s.RunActionSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(_runs(request, CatalogueRun.Kind.PRODUCTS), pk=pk)
        try:
            resumed = product_imports.resume_product_import(run)
        except product_imports.ImportRefusedError as exc:
            raise Conflict(f"Not resumed: {exc}", code="import_running") from exc
        if not resumed:
            raise Conflict(
                f"This import is {run.get_status_display().lower()}: nothing to resume.", code="not_resumable"
            )
        run.refresh_from_db()
        return _run_answer("Resuming the import where it stopped…", run, status.HTTP_202_ACCEPTED)


# -- refunds -------------------------------------------------------------------------------------------------


def _refunds(request: Request) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(shop=shop_of(request))
        .select_related("order", "shop__odoo")
        .defer("payload", "order__payload", "shop__odoo__secret")
    )


class RefundList(ShopList):
    serializer_class = s.RefundSerializer
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Refund]:
        return bound(RefundFilterForm, self.request.query_params).filter(_refunds(self.request))

    @extend_schema(
        operation_id="refunds_list",
        summary="Shopify refunds and the Odoo credit notes they became, newest first",
        parameters=[
            _param(
                "state", "Only refunds in this state.", [choice for choice, _label in RefundState.choices]
            ),
            _param("order", "Only this order's refunds (Synco's order id).", kind=int),
        ],
        examples=[
            OpenApiExample(
                "A synced refund",
                value={
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 12,
                            "shopify_id": 77001,
                            "gid": "gid://shopify/Refund/77001",
                            "order": {"id": 431, "name": "#1042"},
                            "state": "synced",
                            "reason": "",
                            "amount": "25.88",
                            "currency": "EUR",
                            "credit_note": {
                                "id": 41,
                                "name": "RINV/2026/00003",
                                "url": "https://odoo.example.com/odoo/account.move/41",
                                "total": "25.88",
                                "currency": "EUR",
                            },
                            "odoo_payment_id": 7,
                            "return_pickings": [],
                            "reduced_sale_order": False,
                            "attempts": 1,
                            "can_retry": False,
                            "created_at": "2026-12-05T10:12:00+01:00",
                            "processed_at": "2026-12-05T10:12:09+01:00",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RefundDetail(APIView):
    @extend_schema(
        operation_id="refunds_retrieve",
        summary="One refund",
        responses={200: s.RefundSerializer, **error_responses(404)},
        parameters=[PK],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.RefundSerializer(get_object_or_404(_refunds(request), pk=pk)).data)


class RefundRetry(APIView):
    @extend_schema(
        operation_id="refunds_retry",
        summary="Retry a held or failed refund",
        description="Queues the refund again (the order page's Retry). 409 when it is not held or failed.",
        request=None,
        responses={202: s.RefundRetrySerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        refund = get_object_or_404(_refunds(request), pk=pk)
        with transaction.atomic():
            retried = refund_services.retry_refund(refund)
        if not retried:
            raise Conflict(
                f"Refund {refund.shopify_id} is not held or failed: nothing to retry.", code="not_retryable"
            )
        refund = get_object_or_404(_refunds(request), pk=pk)
        return Response(
            {
                "message": f"Refund {refund.shopify_id} is queued again.",
                "refund": s.RefundSerializer(refund).data,
            },
            status=status.HTTP_202_ACCEPTED,
        )


# -- shipments (fulfilments) ---------------------------------------------------------------------------------


def _shipments(request: Request) -> QuerySet[Shipment]:
    return (
        Shipment.objects.filter(shop=shop_of(request))
        .select_related("order", "shop__odoo")
        .defer("order__payload", "shop__odoo__secret")
    )


class ShipmentList(ShopList):
    serializer_class = s.ShipmentSerializer
    ordering = ("-created_at", "-pk")

    def get_queryset(self) -> QuerySet[Shipment]:
        return bound(ShipmentFilterForm, self.request.query_params).filter(_shipments(self.request))

    @extend_schema(
        operation_id="shipments_list",
        summary="Shipments both ways, newest first: tracking, state and errors",
        description=(
            "Odoo deliveries fulfilled in Shopify (Odoo ships) and Shopify fulfilments validated in Odoo "
            "(Shopify ships), with the order page's states and reasons."
        ),
        parameters=[
            _param("state", "Only shipments in this state.", [c for c, _label in Shipment.State.choices]),
            _param("direction", "Only one direction.", [c for c, _label in Shipment.Direction.choices]),
            _param("order", "Only this order's shipments (Synco's order id).", kind=int),
            _param("q", "Tracking number, Odoo delivery or Shopify fulfilment name contains this."),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ShipmentDetail(APIView):
    @extend_schema(
        operation_id="shipments_retrieve",
        summary="One shipment",
        responses={200: s.ShipmentSerializer, **error_responses(404)},
        parameters=[PK],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ShipmentSerializer(get_object_or_404(_shipments(request), pk=pk)).data)


def _retry(order: Order, shipment_ids: list[int] | None) -> Response:
    pushes, applies = shipment_services.retry_plan(order, shipment_ids)
    count = retry_on_commit(order.pk, pushes, applies)
    if not count:
        raise Conflict(
            "Nothing to retry: the shipments are sent, validated or cancelled.", code="not_retryable"
        )
    return Response(
        {"queued": count, "message": f"Trying {count} shipment(s) again."}, status=status.HTTP_202_ACCEPTED
    )


class ShipmentRetry(APIView):
    @extend_schema(
        operation_id="shipments_retry",
        summary="Retry a held or failed shipment",
        description="Pushes its Odoo delivery to Shopify again, or applies Shopify's fulfilments to Odoo again. "
        "409 when it is sent, validated or cancelled.",
        request=None,
        responses={202: s.ShipmentRetrySerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        shipment = get_object_or_404(_shipments(request), pk=pk)
        return _retry(shipment.order, [shipment.pk])


class OrderShipments(APIView):
    @extend_schema(
        operation_id="shipments_order",
        summary="An order's deliveries and fulfilments, both sides read now (the order page's panel)",
        description=(
            "Synco's shipment rows, the order's Odoo deliveries and its Shopify fulfilments with tracking. An "
            "Odoo or Shopify that cannot be read is named in `read_errors`; the rest is still answered."
        ),
        responses={200: s.OrderShipmentsSerializer, **error_responses(404)},
        parameters=[ORDER_PK],
    )
    def get(self, request: Request, order_pk: int) -> Response:
        shop = shop_of(request)
        order = get_object_or_404(Order.objects.select_related("shop"), shop=shop, pk=order_pk)
        panel = shipment_services.get_order_shipments(order)
        rows = list(_shipments(request).filter(order=order).order_by("created_at", "pk"))
        state = panel.shopify
        data = {
            "order": {"id": order.pk, "name": order.name},
            "shipper": panel.settings.shipper,
            "shipments": rows,
            "odoo_deliveries": panel.deliveries,
            "shopify": None
            if state is None
            else {
                "status": state.status,
                "fulfillments": list(state.fulfillments),
                "refusals": [
                    fo.refusal() for fo in state.fulfillment_orders if fo.status != "CLOSED" and fo.refusal()
                ],
            },
            "read_errors": panel.errors,
            "can_retry": panel.has_held,
        }
        return Response(s.OrderShipmentsSerializer(data).data)


class OrderShipmentsRetry(APIView):
    @extend_schema(
        operation_id="shipments_retry_order",
        summary="Retry every unsettled shipment of an order (the order page's Retry)",
        request=None,
        responses={202: s.ShipmentRetrySerializer, **error_responses(403, 404, 409)},
        parameters=[ORDER_PK],
    )
    def post(self, request: Request, order_pk: int) -> Response:
        order = get_object_or_404(Order, shop=shop_of(request), pk=order_pk)
        return _retry(order, None)


# -- customers -----------------------------------------------------------------------------------------------


class CustomerOverview(APIView):
    @extend_schema(
        operation_id="customers_overview",
        summary="The Customers page: linked customers, the rule, settings, the latest import",
        responses=s.CustomerOverviewSerializer,
    )
    def get(self, request: Request) -> Response:
        shop = shop_of(request)
        rules, _ = OrderRules.objects.get_or_create(shop=shop)
        data = {
            "linked": linked_customers(shop).count(),
            "customers_sent": rules.customer_match != OrderRules.CustomerMatch.SINGLE,
            "rule": rules.get_customer_match_display(),
            "settings": CustomerSettings.of(shop),
            "latest_import": customer_imports.latest_run(shop),
        }
        return Response(s.CustomerOverviewSerializer(data).data)


class CustomerLinkList(ShopList):
    serializer_class = s.CustomerLinkSerializer
    ordering = ("pk",)

    def get_queryset(self) -> QuerySet[CustomerLink]:
        form = bound(CustomerLinkFilterForm, self.request.query_params)
        return form.filter(linked_customers(shop_of(self.request)))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "odoo": _odoo_connection(shop_of(self.request))}

    @extend_schema(
        operation_id="customers_links_list",
        summary="Shopify customers and the Odoo contacts they became",
        description=(
            "A customer whose data Shopify asked to erase (customers/redact) has no link any more: it is not "
            "listed, as on the pages."
        ),
        parameters=[
            _param("customer", "Only this Shopify customer id.", kind=int),
            _param("partner", "Only the customers linked to this Odoo contact id.", kind=int),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CustomerLinkDetail(APIView):
    @extend_schema(
        operation_id="customers_links_retrieve",
        summary="One customer link",
        responses={200: s.CustomerLinkSerializer, **error_responses(404)},
        parameters=[PK],
    )
    def get(self, request: Request, pk: int) -> Response:
        shop = shop_of(request)
        link = get_object_or_404(linked_customers(shop), pk=pk)
        return Response(s.CustomerLinkSerializer(link, context={"odoo": _odoo_connection(shop)}).data)


class CustomerDuplicates(APIView):
    @extend_schema(
        operation_id="customers_duplicates",
        summary="Odoo contacts that look like the same Shopify customer",
        description="One page of the shop's linked customers at a time (the duplicates page). Synco never merges.",
        parameters=[_param("page", "The page (default 1).", kind=int)],
        responses={200: s.DuplicateReportSerializer, **error_responses(400, 409, 502, 503)},
    )
    def get(self, request: Request) -> Response:
        raw = str(request.query_params.get("page", "1") or "1")
        if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
            raise ValidationError({"page": ["A page number (1 or more)."]})
        shop = shop_of(request)
        try:
            report = duplicate_report(odoo_client_for(shop), shop, int(raw))
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
        return Response(s.DuplicateReportSerializer(report).data)


class CustomerImportList(ImportRunList):
    kind = CatalogueRun.Kind.CUSTOMERS

    @extend_schema(operation_id="customers_imports_list", summary="Customer import runs, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="customers_imports_start",
        summary="Start a full customer import from Shopify",
        description="409 while another customer import is under way, or when no customer is sent to Odoo.",
        request=None,
        responses={202: s.RunActionSerializer, **error_responses(403, 409)},
    )
    def post(self, request: Request) -> Response:
        try:
            run = customer_imports.start_customer_import(shop_of(request))
        except GatewayError as exc:
            raise Conflict(f"Not started: {exc.message}", code="import_refused") from exc
        transaction.on_commit(lambda: customer_import_task.delay(run.pk))
        return _run_answer("Importing the customers from Shopify…", run, status.HTTP_202_ACCEPTED)


@_run_detail_schema("customers_imports_retrieve", "One customer import run")
class CustomerImportDetail(ImportRunDetail):
    kind = CatalogueRun.Kind.CUSTOMERS


class CustomerImportStop(APIView):
    @extend_schema(
        operation_id="customers_imports_stop",
        summary="Stop a customer import after the customers in hand",
        request=None,
        responses={200: s.RunActionSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        shop = shop_of(request)
        run = get_object_or_404(_runs(request, CatalogueRun.Kind.CUSTOMERS), pk=pk)
        if not customer_imports.request_stop(shop, run.pk):
            raise Conflict(f"This import is already {run.get_status_display().lower()}.", code="not_running")
        run.refresh_from_db()
        return _run_answer("Stopping the import after the customers in hand.", run)


class CustomerImportResume(APIView):
    @extend_schema(
        operation_id="customers_imports_resume",
        summary="Resume a stopped or failed customer import from its checkpoint",
        request=None,
        responses={202: s.RunActionSerializer, **error_responses(403, 404, 409)},
        parameters=[PK],
    )
    def post(self, request: Request, pk: int) -> Response:
        shop = shop_of(request)
        run = get_object_or_404(_runs(request, CatalogueRun.Kind.CUSTOMERS), pk=pk)
        if not customer_imports.resume(shop, run.pk):
            raise Conflict(
                "This import cannot be resumed (Shopify's file was never ready): start a new import.",
                code="not_resumable",
            )
        transaction.on_commit(lambda: customer_import_task.delay(run.pk))
        run.refresh_from_db()
        return _run_answer(f"Resuming from customer {run.done + 1}.", run, status.HTTP_202_ACCEPTED)
