"""The sync log browser."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from synclogs.models import SyncAttempt
from synco.embedded import shop_required
from synco.http import HtmxHttpRequest
from synco.tenancy import current_shop


@shop_required
@require_GET
def attempt_list(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    attempts = SyncAttempt.objects.filter(shop=shop)
    order_id = request.GET.get("order")
    if order_id and order_id.isdigit():
        attempts = attempts.filter(order_id=int(order_id))
    page = Paginator(attempts, 50).get_page(request.GET.get("page"))
    template = "synclogs/_attempt_table.html" if request.htmx else "synclogs/attempt_list.html"
    return render(request, template, {"shop": shop, "page": page, "attempts": list(page.object_list)})
