"""Merchant pages: the home dashboard, shop switcher, health, the throttled login."""

from __future__ import annotations

import re

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from synco.http import HtmxHttpRequest
from synco.pages.home import Links, get_home
from synco.shopify_app.embedded import shop_required
from synco.tenancy import choose_shop, current_shop
from synco.throttle import ThrottledLoginForm


@shop_required
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard: setup checklist, counts, 30-day chart, last errors, backlog, Odoo and webhook health."""
    shop = current_shop(request)
    orders = reverse("orders:list")
    links = Links(
        odoo=reverse("settings:odoo"),
        rules=reverse("settings:rules"),
        matching=reverse("products:page"),
        failed_orders=f"{orders}?status=failed",
        webhooks=reverse("synclogs:webhooks"),
    )
    return render(request, "home.html", {"shop": shop, "home": get_home(shop, links)})


@login_required
@require_POST
def switch_shop(request: HttpRequest) -> HttpResponse:
    shop_id = request.POST.get("shop", "")
    # ASCII digits only, at most 19 ("²" is a digit to str.isdigit but not to int()).
    choose_shop(request, int(shop_id) if re.fullmatch(r"[0-9]{1,19}", shop_id) else 0)
    return HttpResponseRedirect(reverse("home"))


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    """Django's login, refused with 429 for a while after too many failed attempts (synco.throttle)."""

    authentication_form = ThrottledLoginForm

    def form_invalid(self, form: ThrottledLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after_seconds)
        return response
