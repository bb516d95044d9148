"""The order page's refunds fragment and its Retry action (scoped to the current shop)."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from orders.models import Order
from refunds import services
from refunds.models import Refund
from synco.http import HtmxHttpRequest
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop


@shop_required
@require_GET
def order_refunds(request: HtmxHttpRequest, order_pk: int) -> HttpResponse:
    """The order's refunds fragment (the order page polls it while a refund is on its way to Odoo)."""
    order = get_object_or_404(
        Order.objects.select_related("shop__odoo"), pk=order_pk, shop=current_shop(request)
    )
    refunds = services.order_refunds(order)
    response = render(request, "refunds/_order_refunds.html", {"order": order, "order_refunds": refunds})
    if request.htmx and not refunds.pending:
        # The poll saw its last refund land: the page's totals and attempts change with it, reload them all.
        response["HX-Refresh"] = "true"
    return response


@shop_required
@require_POST
def refund_retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Retry a held or failed refund; answers with the order's refunds fragment and a toast."""
    refund = get_object_or_404(
        Refund.objects.select_related("order__shop__odoo"), pk=pk, shop=current_shop(request)
    )
    with transaction.atomic():
        retried = services.retry_refund(refund)
    order = refund.order
    response = render(
        request,
        "refunds/_order_refunds.html",
        {"order": order, "order_refunds": services.order_refunds(order)},
    )
    message = (
        f"Refund {refund.shopify_id} is queued again."
        if retried
        else f"Refund {refund.shopify_id} is not held or failed: nothing to retry."
    )
    response["HX-Trigger"] = json.dumps(
        {"toast": {"message": message, "level": "info" if retried else "warning"}}
    )
    return response
