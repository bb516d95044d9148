"""Settings pages: the Odoo connection (with Test connection)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from synco.embedded import shop_required
from synco.forms import OdooConnectionForm, OrderRulesForm
from synco.gateways import odoo_client_for
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, OrderRules
from synco.odoo.checks import Check, run_connection_checks
from synco.tenancy import current_shop


@shop_required
@require_http_methods(["GET", "POST"])
def odoo_settings(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    connection = OdooConnection.objects.filter(shop=shop).first() or OdooConnection(shop=shop)
    form = OdooConnectionForm(request.POST or None, instance=connection)
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    return render(request, "settings/odoo.html", {"shop": shop, "form": form, "saved": saved}, status=status)


@shop_required
@require_POST
def odoo_check(request: HtmxHttpRequest) -> HttpResponse:
    """Run the connection checks against the saved settings and return the checklist fragment."""
    shop = current_shop(request)
    checks: list[Check]
    if not OdooConnection.objects.filter(shop=shop).exists():
        checks = [Check("Settings saved", False, "Save the Odoo connection first.")]
    else:
        client = odoo_client_for(shop)
        try:
            checks = run_connection_checks(client)
        finally:
            client.close()
        version = next((c.detail for c in checks if c.name == "Server reachable" and c.ok), "")
        if all(check.ok for check in checks):
            OdooConnection.objects.filter(shop=shop).update(
                last_checked_at=timezone.now(), server_version=version.removeprefix("Odoo ")
            )
    ok = all(check.ok for check in checks)
    return render(request, "settings/_odoo_checks.html", {"checks": checks, "ok": ok})


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
            form.save()
            transaction.on_commit(lambda: refresh_eligibility_task.delay(shop.pk))
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    return render(request, "settings/rules.html", {"shop": shop, "form": form, "saved": saved}, status=status)
