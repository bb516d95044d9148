"""The Customers page (import panel, settings, counts) and the duplicate-customer report. One URL serves a page
or, for HTMX, its fragment."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from customers import imports
from customers.duplicates import duplicate_report
from customers.forms import CustomerSettingsForm
from customers.models import CustomerSettings
from customers.services import linked_customers
from customers.tasks import customer_import_task
from products.models import CatalogueRun
from synco.errors import GatewayError
from synco.filters import parse_page_number
from synco.gateways import odoo_client_for
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, OrderRules, Shop
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop


def _toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


def _import_context(shop: Shop) -> dict[str, Any]:
    run = imports.latest_run(shop)
    active = run is not None and run.status in CatalogueRun.ACTIVE
    percent = min(100, round(100 * run.done / run.total)) if run is not None and run.total else 0
    return {"run": run, "run_active": active, "run_percent": percent}


def _panel(request: HtmxHttpRequest, shop: Shop) -> HttpResponse:
    return render(request, "customers/_import_panel.html", {"shop": shop, **_import_context(shop)})


@shop_required
@require_GET
def customers_page(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    settings = CustomerSettings.of(shop)
    context = {
        "shop": shop,
        "form": CustomerSettingsForm(instance=settings),
        "settings": settings,
        "linked": linked_customers(shop).count(),
        "customers_sent": rules.customer_match != OrderRules.CustomerMatch.SINGLE,
        "rule": rules.get_customer_match_display(),
        **_import_context(shop),
    }
    return render(request, "customers/customers.html", context)


@shop_required
@require_POST
def save_settings(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    settings = CustomerSettings.of(shop)
    form = CustomerSettingsForm(request.POST, instance=settings)
    if not form.is_valid():
        response = render(
            request, "customers/_settings.html", {"form": form, "settings": settings}, status=422
        )
        return _toast(response, gettext("Nothing was saved: fix the fields marked."), "warning")
    settings = form.save()
    response = render(
        request, "customers/_settings.html", {"form": form, "settings": settings, "saved": True}
    )
    return _toast(response, gettext("Customer settings saved."))


@shop_required
@require_GET
def import_panel(request: HtmxHttpRequest) -> HttpResponse:
    """The import panel, polled every 2 s while a run is under way."""
    return _panel(request, current_shop(request))


@shop_required
@require_POST
def import_start(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    try:
        run = imports.start_customer_import(shop)
    except GatewayError as exc:
        return _toast(_panel(request, shop), f"Not started: {exc.message}", "warning")
    transaction.on_commit(lambda: customer_import_task.delay(run.pk))
    return _toast(_panel(request, shop), gettext("Importing the customers from Shopify…"))


@shop_required
@require_POST
def import_stop(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    run = get_object_or_404(CatalogueRun, pk=pk, shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)
    if not imports.request_stop(shop, run.pk):
        return _toast(
            _panel(request, shop), f"This import is already {run.get_status_display().lower()}.", "warning"
        )
    return _toast(_panel(request, shop), gettext("Stopping the import after the customers in hand."))


@shop_required
@require_POST
def import_resume(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    run = get_object_or_404(CatalogueRun, pk=pk, shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)
    if not imports.resume(shop, run.pk):
        return _toast(
            _panel(request, shop),
            gettext("This import cannot be resumed (Shopify's file was never ready): start a new import."),
            "warning",
        )
    transaction.on_commit(lambda: customer_import_task.delay(run.pk))
    return _toast(_panel(request, shop), f"Resuming from customer {run.done + 1}.")


@shop_required
@require_GET
def duplicates_page(request: HtmxHttpRequest) -> HttpResponse:
    """Odoo contacts that look like the same Shopify customer, a page of the shop's customers at a time."""
    shop = current_shop(request)
    page = parse_page_number(request.GET.get("page"))
    connection = OdooConnection.objects.filter(shop=shop).defer("secret").first()
    context: dict[str, Any] = {"shop": shop, "odoo": connection, "report": None, "error": ""}
    try:
        context["report"] = duplicate_report(odoo_client_for(shop), shop, page)
    except GatewayError as exc:
        context["error"] = exc.message
    template = "customers/_duplicates.html" if request.htmx else "customers/duplicates.html"
    return render(request, template, context)
