"""The Stock page, the stock section of Settings, and the endpoint Odoo's webhook notifications reach."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipments import services as shipment_services
from stock import services
from stock.forms import LocationMappingForm, StockSettingsForm, save_stock_settings
from stock.models import DriftReport, DriftRow, LocationMapping, StockSettings
from stock.tasks import (
    drift_report_task,
    push_all_task,
    refresh_links_task,
    repair_drift_task,
)
from synco.errors import GatewayError
from synco.filters import parse_id, parse_ids, parse_page_number
from synco.http import HtmxHttpRequest
from synco.models import Shop
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

logger = logging.getLogger(__name__)
# An Odoo notification is a few hundred bytes; anything far larger is not one.
MAX_NOTIFICATION_BYTES = 256 * 1024
# The Stock page polls every 2 s while a drift report or repair it started is pending: at most this many times.
POLL_LIMIT = 90


def _toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


def _next_poll(shop: Shop, params: QueryDict) -> str:
    """The query of the Stock body's next poll while the drift report (`drift_after`: the newest report when
    it was asked for) or the repair (`repair`: its rows) it waits for is not done; '' stops polling."""
    polls = parse_page_number(params.get("polls")) if params.get("polls") else 0
    if polls >= POLL_LIMIT:
        return ""
    query: dict[str, Any] = {}
    after = parse_id(params.get("drift_after"))
    if after is not None:
        newer = DriftReport.objects.filter(shop=shop, pk__gt=after)
        if not newer.exclude(status=DriftReport.Status.RUNNING).exists():
            query["drift_after"] = after
    rows = parse_ids(params.getlist("repair"))
    if rows and DriftRow.objects.filter(report__shop=shop, pk__in=rows, repaired_at__isnull=True).exists():
        query["repair"] = rows
    return urlencode({**query, "polls": polls + 1}, doseq=True) if query else ""


def _render_stock(request: HtmxHttpRequest, **extra: Any) -> HttpResponse:
    shop = current_shop(request)
    context = {
        "shop": shop,
        "overview": services.get_overview(shop),
        "poll": _next_poll(shop, request.GET),
        **extra,
    }
    template = "stock/_stock_body.html" if request.htmx else "stock/stock_page.html"
    return render(request, template, context)


@shop_required
@require_GET
def stock_page(request: HtmxHttpRequest) -> HttpResponse:
    """The Stock page (or, for HTMX, its body): drift report, last pushes, failures, unmatched items."""
    return _render_stock(request)


@shop_required
@require_POST
def run_drift(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    transaction.on_commit(lambda: drift_report_task.delay(shop.pk, "on demand"))
    newest = DriftReport.objects.filter(shop=shop).order_by("-pk").values_list("pk", flat=True).first()
    return _toast(
        _render_stock(request, poll=urlencode({"drift_after": newest or 0, "polls": 0})),
        "The drift report is running; this page shows it when it is done.",
    )


@shop_required
@require_POST
def repair(request: HtmxHttpRequest) -> HttpResponse:
    """Repair the selected drift rows (the latest report's rows of this shop only)."""
    shop = current_shop(request)
    row_ids = services.repairable_rows(shop, parse_ids(request.POST.getlist("row")))
    if not row_ids:
        return _toast(_render_stock(request), gettext("Select the rows to repair first."), "warning")
    transaction.on_commit(lambda: repair_drift_task.delay(shop.pk, row_ids))
    return _toast(
        _render_stock(request, poll=urlencode({"repair": row_ids, "polls": 0}, doseq=True)),
        f"Repairing {len(row_ids)} stock level{'s' if len(row_ids) != 1 else ''}.",
    )


@shop_required
@require_POST
def refresh_links(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    transaction.on_commit(lambda: refresh_links_task.delay(shop.pk))
    return _toast(
        _render_stock(request), gettext("Matching Shopify's inventory items with Odoo products again.")
    )


@shop_required
@require_POST
def push_all(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    transaction.on_commit(lambda: push_all_task.delay(shop.pk))
    return _toast(_render_stock(request), gettext("Pushing every matched item's stock to Shopify."))


@shop_required
@require_POST
def unblock(request: HtmxHttpRequest) -> HttpResponse:
    services.clear_block(current_shop(request))
    return _toast(_render_stock(request), gettext("Stock pushes will try Shopify again."))


# -- settings -----------------------------------------------------------------------------------


def _odoo_choices(shop: Shop) -> tuple[list[tuple[int, str]], list[tuple[int, str]], str]:
    return services.odoo_stock_choices(shop)


@shop_required
@require_http_methods(["GET", "POST"])
def stock_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Settings, Stock: on/off, figure, buffer, window; the Odoo webhook URL; the location mapping."""
    shop = current_shop(request)
    settings = services.get_settings(shop)
    saved = False
    if request.method == "POST":
        form = StockSettingsForm(request.POST, instance=settings)
        if form.is_valid():
            # Turned on: the items are matched and every level pushed once (the initial push).
            settings = save_stock_settings(form)
            saved = True
    else:
        form = StockSettingsForm(instance=settings)
    warehouses, odoo_locations, odoo_error = _odoo_choices(shop)
    mappings = [
        (
            mapping,
            LocationMappingForm(
                initial={
                    "mapping_id": mapping.pk,
                    "warehouse": mapping.odoo_warehouse_id,
                    "locations": [] if mapping.odoo_warehouse_id else mapping.odoo_location_ids,
                },
                prefix=f"loc{mapping.pk}",
                warehouses=warehouses,
                locations=odoo_locations,
            ),
        )
        for mapping in LocationMapping.objects.filter(shop=shop)
    ]
    return render(
        request,
        "stock/settings.html",
        {
            "shop": shop,
            "form": form,
            "saved": saved,
            "mappings": mappings,
            "odoo_error": odoo_error,
            "webhook_url": services.webhook_url(settings),
        },
    )


@shop_required
@require_POST
def install_notifications(request: HtmxHttpRequest) -> HttpResponse:
    """Create the Odoo automation rules that notify Synco (installing Automation Rules if the merchant asks)."""
    shop = current_shop(request)
    try:
        rules = services.install_odoo_notifications(shop, install_module=request.POST.get("install") == "1")
    except GatewayError as exc:
        return _toast(HttpResponse(status=204), exc.message, "critical")
    count = len(rules.rule_ids)
    message = (
        f"Odoo now notifies Synco of stock changes ({count} automation rule{'s' if count != 1 else ''})."
    )
    return _toast(HttpResponse(status=204), message)


@shop_required
@require_POST
def rotate_token(request: HtmxHttpRequest) -> HttpResponse:
    """A new secret in Odoo's webhook URL: Synco's rules in Odoo follow it, the old URL is refused from now on."""
    shop = current_shop(request)
    try:
        _, repointed = services.rotate_webhook_token(
            shop, also=[shipment_services.repoint_delivery_rule(shop)]
        )
    except GatewayError as exc:
        return _toast(HttpResponse(status=204), f"The token was not changed: {exc.message}", "critical")
    message = (
        f"New webhook token: {repointed} Odoo automation rule{'s now use' if repointed != 1 else ' now uses'} it; "
        "the old URL is refused."
        if repointed
        else "New webhook token; the old URL is refused. Update the URL in your Odoo rules (or let Synco create them)."
    )
    response = _toast(HttpResponse(status=204), message)
    response["HX-Refresh"] = "true"
    return response


@shop_required
@require_POST
def refresh_locations(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    try:
        services.refresh_locations(shop)
    except GatewayError as exc:
        return _toast(HttpResponse(status=204), exc.message, "critical")
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


@shop_required
@require_POST
def map_location(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Save one Shopify location's mapping; answers with its row."""
    shop = current_shop(request)
    mapping = get_object_or_404(LocationMapping, pk=pk, shop=shop)
    warehouses, odoo_locations, odoo_error = _odoo_choices(shop)
    form = LocationMappingForm(
        request.POST, prefix=f"loc{mapping.pk}", warehouses=warehouses, locations=odoo_locations
    )
    message, level = "Saved.", "info"
    if form.is_valid():
        try:
            services.map_location(
                shop,
                mapping,
                warehouse_id=form.cleaned_data.get("warehouse"),
                location_ids=form.cleaned_data.get("locations") or [],
            )
        except GatewayError as exc:
            message, level = exc.message, "critical"
    else:
        message, level = " ".join(str(e) for errors in form.errors.values() for e in errors), "warning"
    response = render(
        request, "stock/_location_row.html", {"mapping": mapping, "form": form, "odoo_error": odoo_error}
    )
    # The preview below the mapping reloads itself on this event.
    response["HX-Trigger"] = json.dumps(
        {"toast": {"message": message, "level": level}, "stockMappingSaved": True}
    )
    return response


@shop_required
@require_GET
def preview(request: HtmxHttpRequest) -> HttpResponse:
    """What would be pushed for the first items (a live preview of the mapping)."""
    shop = current_shop(request)
    error = ""
    levels: list[Any] = []
    try:
        levels = services.preview(shop)
    except GatewayError as exc:
        error = exc.message
    return render(request, "stock/_preview.html", {"levels": levels, "error": error})


# -- Odoo's webhook notification ---------------------------------------------------------------


@csrf_exempt
@require_POST
def odoo_webhook(request: HttpRequest, shop_pk: int) -> HttpResponse:
    """Odoo's "Send Webhook Notification": a trigger only (figures are read again); answers at once, queues."""
    settings = StockSettings.objects.select_related("shop").filter(shop_id=shop_pk).first()
    token = str(request.GET.get("token", ""))
    if settings is None or not services.webhook_token_matches(settings, token):
        # The same answer for an unknown shop and a wrong token; the token itself is never logged.
        logger.warning("stock notification refused", extra={"shop_id": shop_pk})
        return JsonResponse({"ok": False, "error": "unknown shop or wrong token"}, status=403)
    if len(request.body) > MAX_NOTIFICATION_BYTES:
        return JsonResponse({"ok": False, "error": "too large"}, status=413)
    try:
        payload = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"ok": False, "error": "not JSON"}, status=400)
    if not settings.enabled or settings.shop.uninstalled_at is not None:
        return JsonResponse({"ok": True, "queued": 0, "note": "stock sync is off"}, status=202)
    changes = services.changes_from_notification(payload)
    if changes:
        # One transaction (one commit): Odoo 18 waits for this answer inside its own request.
        with transaction.atomic():
            queued = services.note_changes(settings.shop, changes, settings=settings)
    else:
        # No product named (an action on another model): let the sweep look at what changed.
        queued = 0
        services.request_sweep(settings.shop)
    return JsonResponse({"ok": True, "queued": queued}, status=202)
