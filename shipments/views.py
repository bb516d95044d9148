"""The order page's "Deliveries and fulfilments" panel, Settings > Shipping, and Odoo's delivery notification."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.models import Order
from shipments import services
from shipments.forms import ShipmentSettingsForm
from shipments.models import ShipmentSettings
from shipments.tasks import retry_on_commit
from synco.errors import GatewayError
from synco.http import HtmxHttpRequest
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

logger = logging.getLogger(__name__)
MAX_NOTIFICATION_BYTES = 256 * 1024


def _order_for_shop(request: HttpRequest, pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("shop"), pk=pk, shop=current_shop(request))


def _toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


def _panel(request: HttpRequest, order: Order) -> HttpResponse:
    context = {"order": order, "shipments": services.get_order_shipments(order)}
    return render(request, "shipments/_order_panel.html", context)


@shop_required
@require_GET
def order_panel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The order's deliveries (Odoo) and fulfilments (Shopify) with tracking, and Synco's shipment rows."""
    return _panel(request, _order_for_shop(request, pk))


@shop_required
@require_POST
def retry_order(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Look at the order's held or failed shipments again (after releasing a hold, granting a scope...)."""
    order = _order_for_shop(request, pk)
    pushes, applies = services.retry_plan(order)
    count = retry_on_commit(order.pk, pushes, applies)
    return _toast(
        _panel(request, order), f"Trying {count} shipment(s) again." if count else "Nothing to retry."
    )


@shop_required
@require_http_methods(["GET", "POST"])
def shipment_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Settings, Shipping: who ships, customer notification, validation at sync; the Odoo delivery rule."""
    shop = current_shop(request)
    settings = services.get_settings(shop)
    saved = False
    if request.method == "POST":
        form = ShipmentSettingsForm(request.POST, instance=settings)
        if form.is_valid():
            form.save()
            saved = True
    else:
        form = ShipmentSettingsForm(instance=settings)
    return render(
        request,
        "shipments/settings.html",
        {
            "shop": shop,
            "form": form,
            "saved": saved,
            "webhook_url": services.webhook_url(shop),
            "odoo_ships": settings.shipper == ShipmentSettings.Shipper.ODOO,
        },
    )


@shop_required
@require_POST
def install_notifications(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    try:
        services.install_delivery_notifications(shop, install_module=request.POST.get("install") == "1")
    except GatewayError as exc:
        return _toast(HttpResponse(status=204), exc.message, "critical")
    return _toast(HttpResponse(status=204), gettext("Odoo now notifies Synco when a delivery is validated."))


@csrf_exempt
@require_POST
def odoo_webhook(request: HttpRequest, shop_pk: int) -> HttpResponse:
    """Odoo's "Send Webhook Notification" for a validated delivery: a trigger only; answers at once, queues."""
    shop = services.token_matches(shop_pk, str(request.GET.get("token", "")))
    if shop is None:
        # The same answer for an unknown shop and a wrong token; the token itself is never logged.
        logger.warning("delivery notification refused", extra={"shop_id": shop_pk})
        return JsonResponse({"ok": False, "error": "unknown shop or wrong token"}, status=403)
    if len(request.body) > MAX_NOTIFICATION_BYTES:
        return JsonResponse({"ok": False, "error": "too large"}, status=413)
    try:
        payload = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"ok": False, "error": "not JSON"}, status=400)
    if shop.uninstalled_at is not None:
        return JsonResponse({"ok": True, "queued": 0, "note": "uninstalled"}, status=202)
    settings = services.get_settings(shop)
    if settings.shipper != ShipmentSettings.Shipper.ODOO:
        return JsonResponse({"ok": True, "queued": 0, "note": "Shopify ships for this shop"}, status=202)
    return JsonResponse({"ok": True, "queued": services.delivery_notified(shop, payload)}, status=202)
