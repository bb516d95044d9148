"""Filters of the log browser: bound to the query string, so every filtered view is a shareable URL."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from synclogs.models import SyncAttempt, WebhookReceipt
from synco.filters import MAX_ID, DayField, DayRangeForm
from synco.models import Shop

# What each operation means to a merchant; operations not listed here are shown as they are stored.
OPERATION_LABELS = {
    "create_sale_order": _("Sync order to Odoo"),
    "import_orders": _("Import orders from Shopify"),
    "create_customer": _("Create customer in Odoo"),
    "create_product": _("Create product in Odoo"),
    "cancel_sale_order": _("Cancel sale order in Odoo"),
    "stock_push": _("Push stock levels to Shopify"),
    "stock_drift": _("Stock drift report"),
    "stock_notifications": _("Set up Odoo stock notifications"),
    "push_fulfillment": _("Fulfil in Shopify (Odoo delivery)"),
    "update_tracking": _("Update tracking"),
    "validate_delivery": _("Validate Odoo delivery (Shopify fulfilment)"),
    "delivery_notifications": _("Set up Odoo delivery notifications"),
}
# An operation in a shared URL need not be known here to be filtered on: it only has to look like one.
OPERATION_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")

# The topics shopify.app.toml subscribes to, compliance topics included.
WEBHOOK_TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/edited",
    "refunds/create",
    "products/create",
    "products/update",
    "products/delete",
    "customers/create",
    "customers/update",
    "inventory_levels/update",
    "fulfillments/create",
    "fulfillments/update",
    "app/uninstalled",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
)


def operation_label(operation: str) -> str:
    label = OPERATION_LABELS.get(operation)
    return str(label) if label is not None else operation.replace("_", " ").capitalize()


# Shorter order-number searches match the whole number: a substring that short matches most of the log.
SUBSTRING_MIN = 3


class DateRangeForm(DayRangeForm):
    """The log's days are the shop's, like its times (the zone synco.timezones activates for the request): "From
    2026-12-01" starts at the shop's midnight, not UTC's. The range, its bounds and its messages are synco.filters'."""

    date_from = DayField(label=_("From"))
    date_to = DayField(label=_("To"))

    def query_params(self) -> dict[str, str]:
        """The valid filters as query parameters (empty ones left out), for links that keep them."""
        params: dict[str, str] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            params[name] = value.isoformat() if isinstance(value, date) else str(value)
        return params


class AttemptFilterForm(DateRangeForm):
    ref = forms.CharField(
        required=False,
        max_length=100,
        label=_("Order number"),
        help_text=_("For example #1001; part of the number is enough (three digits or more)."),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "#1001", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *SyncAttempt.Status.choices])
    object_type = forms.ChoiceField(
        required=False, label=_("Object"), choices=[("", _("Any object")), *SyncAttempt.Object.choices]
    )
    operation = forms.ChoiceField(required=False, choices=[])
    # The orders page links here with ?order=<pk>: the attempts of one order.
    order = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("The order to show is not an order id."),
            "min_value": _("The order to show is not an order id."),
            "max_value": _("The order to show is not an order id."),
        },
    )

    field_order = ["date_from", "date_to", "ref", "status", "object_type", "operation", "order"]

    def __init__(self, *args: Any, operations: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = list(OPERATION_LABELS)
        requested = str(self.data.get("operation", "")) if self.is_bound else ""
        extra = set(operations or []) | ({requested} if OPERATION_NAME.fullmatch(requested) else set())
        known += sorted(extra - set(known))
        field = self.fields["operation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any operation")), *((op, operation_label(op)) for op in known)]

    def clean_ref(self) -> str:
        return str(self.cleaned_data.get("ref") or "").strip()

    def filter(self, shop: Shop) -> QuerySet[SyncAttempt]:
        """The shop's attempts matching the (valid) filters."""
        data = self.cleaned_data
        attempts = self.time_range("started_at", SyncAttempt.objects.filter(shop=shop))
        if data.get("order"):
            attempts = attempts.filter(order_id=data["order"])
        for name in ("status", "object_type", "operation"):
            if data.get(name):
                attempts = attempts.filter(**{name: data[name]})
        ref = data.get("ref")
        if ref:
            # "1001" finds "#1001"; a leading "#" is part of the name and may be typed or not.
            if len(ref.lstrip("#")) < SUBSTRING_MIN:
                # Too short for the trigram index ("12" is in thousands of names): the order with that number.
                attempts = attempts.filter(object_ref__in=[f"#{ref.lstrip('#')}", ref.lstrip("#")])
            else:
                attempts = attempts.filter(object_ref__icontains=ref)
        return attempts


class WebhookFilterForm(DateRangeForm):
    topic = forms.ChoiceField(
        required=False, choices=[("", _("Any topic")), *((topic, topic) for topic in WEBHOOK_TOPICS)]
    )
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *WebhookReceipt.Status.choices]
    )

    field_order = ["date_from", "date_to", "topic", "status"]

    def filter(self, shop: Shop) -> QuerySet[WebhookReceipt]:
        """What Shopify delivered for this shop (matched by domain: the shop is resolved after intake)."""
        data = self.cleaned_data
        receipts = self.time_range("received_at", WebhookReceipt.objects.filter(shop_domain=shop.domain))
        for name in ("topic", "status"):
            if data.get(name):
                receipts = receipts.filter(**{name: data[name]})
        return receipts
