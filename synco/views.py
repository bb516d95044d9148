"""Core views: home redirect, shop switcher, health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from synco.tenancy import choose_shop


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # The admin opens the app with ?id_token=…&shop=…: keep the query so the orders page is authenticated too.
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("orders:list") + (f"?{query}" if query else ""))


@login_required
@require_POST
def switch_shop(request: HttpRequest) -> HttpResponse:
    shop_id = request.POST.get("shop", "")
    choose_shop(request, int(shop_id) if shop_id.isdigit() else 0)
    return HttpResponseRedirect(reverse("orders:list"))


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
