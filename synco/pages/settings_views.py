"""Settings pages: overview and danger zone, the Odoo connection (with Test connection), order rules, matching."""

from __future__ import annotations

import json

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.services import pause_syncing, resume_syncing
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, OrderRules, Shop
from synco.pages.forms import MatchingForm, OdooConnectionForm, OrderRulesForm
from synco.pages.settings_actions import (
    partner_lookup_for,
    pause_message,
    resume_message,
    run_connection_test,
    save_order_rules,
)
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop


def _toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


@shop_required
@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    """Every settings section with its state, and the danger zone."""
    shop = current_shop(request)
    context = {
        "shop": shop,
        "connection": OdooConnection.objects.filter(shop=shop).first(),
        "rules": OrderRules.objects.filter(shop=shop).first(),
    }
    return render(request, "settings/overview.html", context)


@shop_required
@require_http_methods(["GET", "POST"])
def odoo_settings(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    connection = OdooConnection.objects.filter(shop=shop).first() or OdooConnection(shop=shop)
    form = OdooConnectionForm(request.POST or None, instance=connection)
    saved = False
    if request.method == "POST" and form.is_valid():
        connection = form.save()
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    last_check = connection if connection.pk and connection.last_checked_at else None
    context = {
        "shop": shop,
        "form": form,
        "saved": saved,
        # The last Test connection (forgotten when the settings change, so it is about what is saved).
        "last_check": last_check,
        "failed": next((c for c in last_check.last_check_report if not c.get("ok")), None)
        if last_check
        else None,
    }
    return render(request, "settings/odoo.html", context, status=status)


@shop_required
@require_POST
def odoo_check(request: HtmxHttpRequest) -> HttpResponse:
    """Run the connection checks and return the checklist fragment.

    The button sits in the form, so it tests what is typed there (a blank secret is the stored one), saved or
    not; only a test of exactly the saved settings is kept for the home page's checklist.
    """
    shop = current_shop(request)
    form: OdooConnectionForm | None = None
    if "url" in request.POST:
        form = OdooConnectionForm(request.POST, instance=OdooConnection.objects.filter(shop=shop).first())
    result = run_connection_test(shop, form)
    context = {
        "checks": result.checks,
        "ok": result.ok,
        "failed": result.failed,
        # The form holds something else than the saved settings: what the result means depends on both.
        "unsaved": not result.is_saved and form is not None,
        "has_saved": result.has_saved,
        "checked_at": timezone.now(),
    }
    return render(request, "settings/_odoo_checks.html", context)


@shop_required
@require_http_methods(["GET", "POST"])
def order_rules(request: HtmxHttpRequest) -> HttpResponse:
    """The shop's order rules; saving re-applies eligibility to stored orders in the background."""
    shop = current_shop(request)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    form = OrderRulesForm(request.POST or None, instance=rules)
    saved = False
    if request.method == "POST" and form.is_valid():
        save_order_rules(shop, form)
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    return render(request, "settings/rules.html", {"shop": shop, "form": form, "saved": saved}, status=status)


@shop_required
@require_http_methods(["GET", "POST"])
def matching(request: HtmxHttpRequest) -> HttpResponse:
    """How products and customers are found or created in Odoo; a chosen single contact is checked in Odoo."""
    shop = current_shop(request)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    form = MatchingForm(request.POST or None, instance=rules, partner_lookup=partner_lookup_for(shop))
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    return render(
        request, "settings/matching.html", {"shop": shop, "form": form, "saved": saved}, status=status
    )


def _who(request: HtmxHttpRequest) -> str:
    if request.user.is_authenticated:
        return request.user.get_username()
    return "a user in the Shopify admin"


def _danger_zone(request: HtmxHttpRequest, shop: Shop, message: str, level: str) -> HttpResponse:
    """HTMX: the danger zone and (out of band) the page's paused banner; otherwise back to the overview."""
    if not request.htmx:
        return HttpResponseRedirect(reverse("settings:index"))
    shop.refresh_from_db(fields=["sync_paused", "sync_paused_at", "sync_paused_by"])
    response = render(request, "settings/_danger_zone.html", {"shop": shop, "oob_banner": True})
    return _toast(response, message, level)


@shop_required
@require_POST
def pause_sync(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    changed = pause_syncing(shop, _who(request))
    return _danger_zone(request, shop, pause_message(changed), "warning")


@shop_required
@require_POST
def resume_sync(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    changed = resume_syncing(shop)
    return _danger_zone(request, shop, resume_message(changed), "info")
