"""Settings pages: overview and danger zone, the Odoo connection (with Test connection), order rules, matching."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.services import describe_partner
from orders.services import pause_syncing, resume_syncing
from synco.gateways import check_connection, odoo_client_for
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo.checks import Check
from synco.odoo_check_slots import CheckSlotUnavailableError, claim_check_slot, release_check_slot
from synco.pages.forms import MatchingForm, OdooConnectionForm, OrderRulesForm
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

# What Test connection compares to tell "the saved settings" from "what is typed in the form".
CONNECTION_FIELDS = ("url", "database", "login", "secret", "protocol")
# A Test connection's place is held a little past its deadline (closing, recording), then freed anyway.
CHECK_SLOT_MARGIN_SECONDS = 5.0


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
    stored = OdooConnection.objects.filter(shop=shop).first()
    tested: OdooConnection | None = stored
    checks: list[Check] = []
    if "url" in request.POST:
        form = OdooConnectionForm(request.POST, instance=OdooConnection.objects.filter(shop=shop).first())
        if form.is_valid():
            tested = form.save(commit=False)
        else:
            # What is typed cannot even be tried: it is not the saved connection, whose last check stays.
            tested = None
            problems = [
                f"{form.fields[name].label if name in form.fields else 'Settings'}: "
                + " ".join(str(error) for error in errors)
                for name, errors in form.errors.items()
            ]
            checks = [Check("Settings complete", False, " ".join(problems))]
    if tested is None and not checks:
        checks = [
            Check("Settings saved", False, "Enter the Odoo URL, database, login and password, then save.")
        ]
    if not checks and tested is not None:
        checks = _check_in_a_slot(shop, tested)
    is_saved = (
        stored is not None
        and tested is not None
        and all(getattr(tested, name) == getattr(stored, name) for name in CONNECTION_FIELDS)
    )
    if is_saved and stored is not None:
        stored.record_check(checks)
    ok = all(check.ok for check in checks)
    context = {
        "checks": checks,
        "ok": ok,
        "failed": next((check for check in checks if not check.ok), None),
        # The form holds something else than the saved settings: what the result means depends on both.
        "unsaved": not is_saved and "url" in request.POST,
        "has_saved": stored is not None and bool(stored.url),
        "checked_at": timezone.now(),
    }
    return render(request, "settings/_odoo_checks.html", context)


def _check_in_a_slot(shop: Shop, tested: OdooConnection) -> list[Check]:
    """Run the checks (a short total deadline) in one of the few places web threads may spend on them."""
    deadline = settings.SYNCO_ODOO_CHECK_DEADLINE
    try:
        number = claim_check_slot(
            shop,
            now=timezone.now(),
            hold_seconds=deadline + CHECK_SLOT_MARGIN_SECONDS,
            capacity=settings.SYNCO_ODOO_CHECK_CONCURRENCY,
        )
    except CheckSlotUnavailableError as exc:
        return [Check("Test connection", False, exc.message)]
    try:
        return check_connection(tested)
    finally:
        release_check_slot(shop, number)


@shop_required
@require_http_methods(["GET", "POST"])
def order_rules(request: HtmxHttpRequest) -> HttpResponse:
    """The shop's order rules; saving re-applies eligibility to stored orders in the background."""
    from orders.tasks import refresh_eligibility_task

    shop = current_shop(request)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    form = OrderRulesForm(request.POST or None, instance=rules)
    saved = False
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            rules = form.save(commit=False)
            rules.saved_at = timezone.now()
            rules.save()
            transaction.on_commit(lambda: refresh_eligibility_task.delay(shop.pk))
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    return render(request, "settings/rules.html", {"shop": shop, "form": form, "saved": saved}, status=status)


@shop_required
@require_http_methods(["GET", "POST"])
def matching(request: HtmxHttpRequest) -> HttpResponse:
    """How products and customers are found or created in Odoo; a chosen single contact is checked in Odoo."""
    shop = current_shop(request)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)

    def lookup(partner_id: int) -> str | None:
        client = odoo_client_for(shop)
        try:
            return describe_partner(client, partner_id)
        finally:
            client.close()

    form = MatchingForm(request.POST or None, instance=rules, partner_lookup=lookup)
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
    message = "Syncing is paused: nothing is sent to Odoo." if changed else "Syncing was already paused."
    return _danger_zone(request, shop, message, "warning")


@shop_required
@require_POST
def resume_sync(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    changed = resume_syncing(shop)
    message = (
        "Syncing resumed: orders held while paused are queued again." if changed else "Syncing is not paused."
    )
    return _danger_zone(request, shop, message, "info")
