"""Orders page: one URL serves the page or, for HTMX, its fragment; actions return the updated row."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from orders import imports, services
from orders.forms import BackfillForm
from orders.models import SYNCABLE_STATUSES, ImportRun, Order, SyncBatch, SyncStatus
from orders.preview import Preview, preview_order
from orders.tasks import import_orders_task
from synco.embedded import shop_required
from synco.errors import GatewayError
from synco.gateways import odoo_client_for
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, Shop
from synco.shopify.types import parse_order
from synco.tenancy import current_shop

PAGE_SIZE = 50
FILTERS: dict[str, tuple[str, Q]] = {
    "all": ("All", Q()),
    "eligible": ("Eligible", Q(eligible=True, sync_status__in=SYNCABLE_STATUSES, parse_error="")),
    "not_synced": ("Not Synced", Q(sync_status=SyncStatus.NOT_SYNCED)),
    "in_progress": ("In progress", Q(sync_status__in=(SyncStatus.QUEUED, SyncStatus.IN_PROGRESS))),
    "synced": ("Synced", Q(sync_status=SyncStatus.SYNCED)),
    "sale_order": ("Sale Order", Q(odoo_id__isnull=False, odoo_invoice_id__isnull=True)),
    "invoice": ("Invoice", Q(odoo_invoice_id__isnull=False)),
    "failed": ("Failed", Q(sync_status=SyncStatus.FAILED) | ~Q(parse_error="")),
    "needs_review": ("Needs review", Q(sync_status=SyncStatus.NEEDS_REVIEW)),
    "risky": ("Risky", ~Q(risk_reason="")),
}


def filtered_orders(shop: Shop, status_filter: str, search: str) -> QuerySet[Order]:
    orders = Order.objects.filter(shop=shop).filter(FILTERS.get(status_filter, FILTERS["all"])[1])
    if search:
        orders = orders.filter(
            Q(name__icontains=search.lstrip("#"))
            | Q(customer_name__icontains=search)
            | Q(email__icontains=search)
        )
    return orders


def _get_order_for_shop(request: HtmxHttpRequest, pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("shop__odoo"), pk=pk, shop=current_shop(request))


def _toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


@shop_required
@require_GET
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    status_filter = request.GET.get("status", "all")
    if status_filter not in FILTERS:
        status_filter = "all"
    search = request.GET.get("q", "").strip()[:100]
    orders = filtered_orders(shop, status_filter, search).select_related("shop__odoo")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "shop": shop,
        "page": page,
        "orders": list(page.object_list),
        "status_filter": status_filter,
        "search": search,
        "filters": [(key, label) for key, (label, _q) in FILTERS.items()],
    }
    if request.htmx and request.htmx.target == "order-table":
        return render(request, "orders/_order_table.html", context)
    odoo = OdooConnection.objects.filter(shop=shop).first()
    batch = SyncBatch.objects.filter(shop=shop).first()
    context.update(
        _runs_context(request),
        odoo=odoo,
        circuit_open=bool(odoo and odoo.circuit_open_until and odoo.circuit_open_until > timezone.now()),
        waiting=Order.objects.filter(shop=shop, sync_status=SyncStatus.QUEUED).count(),
        batch=batch,
        batch_progress=services.batch_progress(batch) if batch else None,
    )
    return render(request, "orders/order_list.html", context)


@shop_required
@require_GET
def order_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return render(request, "orders/_order_row.html", {"order": _get_order_for_shop(request, pk)})


@shop_required
@require_POST
def order_sync(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    order = _get_order_for_shop(request, pk)
    with transaction.atomic():
        started = services.request_sync(order)
    order.refresh_from_db()
    response = render(request, "orders/_order_row.html", {"order": order})
    if started:
        return _toast(response, f"Sync of {order.name} started.")
    if order.parse_error:
        return _toast(response, f"{order.name} cannot be synced: {order.parse_error}", "error")
    return _toast(response, f"{order.name} is already {order.get_sync_status_display().lower()}.", "warning")


@shop_required
@require_POST
def orders_import(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    transaction.on_commit(lambda: import_orders_task.delay(shop.pk))
    return _toast(HttpResponse(status=204), "Importing new and updated orders from Shopify…")


def _runs_context(request: HtmxHttpRequest) -> dict[str, object]:
    runs = list(ImportRun.objects.filter(shop=current_shop(request))[:5])
    return {"runs": runs, "any_active": any(run.is_active for run in runs)}


@shop_required
@require_GET
def import_runs(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "orders/_import_runs.html", _runs_context(request))


@shop_required
@require_POST
def backfill_start(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        response = render(request, "orders/_import_runs.html", _runs_context(request))
        return _toast(response, " ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    start = imports.start_bulk_import if request.POST.get("mode") == "bulk" else imports.start_backfill
    start(shop.pk, form.cleaned_data["created_from"], form.cleaned_data["created_to"])
    return _toast(render(request, "orders/_import_runs.html", _runs_context(request)), "Import started.")


@shop_required
@require_POST
def import_stop(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk, shop=current_shop(request))
    imports.stop_backfill(run)
    return render(request, "orders/_import_runs.html", _runs_context(request))


@shop_required
@require_POST
def import_resume(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk, shop=current_shop(request))
    imports.resume_backfill(run)
    return render(request, "orders/_import_runs.html", _runs_context(request))


@shop_required
@require_POST
def orders_bulk_sync(request: HtmxHttpRequest) -> HttpResponse:
    """Sync the selected orders, or every eligible one; answers with the progress bar."""
    shop = current_shop(request)
    selected = [int(pk) for pk in request.POST.getlist("order") if pk.isdigit()]
    scope = None if request.POST.get("scope") == "eligible" else selected
    with transaction.atomic():
        batch = services.bulk_sync(shop, scope)
    response = render(
        request, "orders/_batch.html", {"batch": batch, "batch_progress": services.batch_progress(batch)}
    )
    return _toast(response, f"{batch.total} orders queued for Odoo.")


@shop_required
@require_GET
def batch_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(SyncBatch, pk=pk, shop=current_shop(request))
    return render(
        request, "orders/_batch.html", {"batch": batch, "batch_progress": services.batch_progress(batch)}
    )


@shop_required
@require_GET
def order_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Dry run: exactly what Odoo would receive under the current rules; nothing is written."""
    order = _get_order_for_shop(request, pk)
    preview: Preview | None = None
    error = order.parse_error
    if not error:
        client = None
        try:
            client = odoo_client_for(order.shop)
            preview = preview_order(
                client,
                order.shop,
                services.rules_for(order.shop),
                parse_order(order.payload),
                order.risk_reason,
            )
        except GatewayError as exc:
            error = exc.message
        finally:
            if client is not None:
                client.close()
    template = "orders/_preview.html" if request.htmx else "orders/preview.html"
    return render(request, template, {"order": order, "preview": preview, "error": error})
