"""What the sync log and webhook endpoints return: the log pages' rows, redacted by the pages' own functions.

A log row is made into JSON by one function, `attempt_item`, for the list and for the NDJSON export (which reads
rows as tuples in batches: building a serializer per row of a 300k-row export would cost more than the query).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from synclogs.forms import operation_label
from synclogs.models import SyncAttempt, WebhookReceipt
from synclogs.views import redact_text

# The columns `attempt_item` reads, in the order the export asks for them.
ATTEMPT_ITEM_FIELDS = (
    "id",
    "started_at",
    "finished_at",
    "object_type",
    "object_ref",
    "operation",
    "attempt",
    "status",
    "message",
    "odoo_model",
    "odoo_id",
    "duration_ms",
    "rpc_calls",
    "order_id",
)


def iso(moment: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A moment as DRF writes it: ISO 8601 with the offset of `zone` (default: the current one), UTC as Z."""
    if moment is None:
        return None
    text = timezone.localtime(moment, zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def attempt_item(row: Mapping[str, Any], zone: tzinfo | None = None) -> dict[str, Any]:
    """One sync log row as the API shows it; its message redacted as on the log page."""
    return {
        "id": row["id"],
        "started_at": iso(row["started_at"], zone),
        "finished_at": iso(row["finished_at"], zone),
        "object_type": row["object_type"],
        "object_ref": row["object_ref"],
        "operation": row["operation"],
        "operation_label": operation_label(row["operation"]),
        "attempt": row["attempt"],
        "status": row["status"],
        "message": redact_text(row["message"]),
        "odoo_model": row["odoo_model"],
        "odoo_id": row["odoo_id"],
        "duration_ms": row["duration_ms"],
        "rpc_calls": row["rpc_calls"],
        "order_id": row["order_id"],
    }


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The log row's id: GET /api/v1/logs/{id}/ for its detail.")
    started_at = serializers.DateTimeField(help_text="When the attempt started (the shop's offset).")
    finished_at = serializers.DateTimeField(allow_null=True, help_text="When it ended; null while running.")
    object_type = serializers.ChoiceField(
        SyncAttempt.Object.choices, help_text="What was synced: order, customer, product or the whole shop."
    )
    object_ref = serializers.CharField(
        allow_blank=True, help_text="Its reference, e.g. the order name #1001."
    )
    operation = serializers.CharField(
        help_text="The operation's code, e.g. create_sale_order (filter: ?operation=)."
    )
    operation_label = serializers.CharField(help_text="The operation in words, as the log page shows it.")
    attempt = serializers.IntegerField(help_text="1 for the first try, 2 for the first retry, …")
    status = serializers.ChoiceField(SyncAttempt.Status.choices, help_text="running, success or failed.")
    message = serializers.CharField(
        allow_blank=True, help_text="What happened, in words (e-mail addresses redacted as on the log page)."
    )
    odoo_model = serializers.CharField(allow_blank=True, help_text="The Odoo model written, e.g. sale.order.")
    odoo_id = serializers.IntegerField(allow_null=True, help_text="The Odoo record's id, if one was written.")
    duration_ms = serializers.IntegerField(allow_null=True, help_text="How long it took, in milliseconds.")
    rpc_calls = serializers.IntegerField(help_text="Odoo calls made.")
    order_id = serializers.IntegerField(
        allow_null=True, help_text="Synco's order id (GET /api/v1/orders/{id}/), for an order's attempt."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return attempt_item({name: getattr(instance, name) for name in ATTEMPT_ITEM_FIELDS})


class FactSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="What the value is, as the detail page labels it.")  # type: ignore[assignment]
    value = serializers.CharField(
        help_text="The value as the page shows it (amounts in the order's currency)."
    )
    url = serializers.CharField(
        allow_blank=True, help_text="The record in Odoo, when the value is an Odoo id."
    )


class SectionSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The section's title, e.g. Sale order, Invoice, Outcome.")
    facts = FactSerializer(many=True, help_text="Its label/value pairs.")


class LinkedOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Synco's order id.")
    name = serializers.CharField(help_text="The Shopify order name, e.g. #1001.")


class AttemptDetailSerializer(AttemptSerializer):
    task_id = serializers.CharField(allow_blank=True, help_text="The Celery task that made the attempt.")
    odoo_url = serializers.CharField(allow_blank=True, help_text="The written record in Odoo, if any.")
    order = LinkedOrderSerializer(allow_null=True, help_text="The order the attempt was about, if any.")
    sections = SectionSerializer(
        many=True, help_text="The redacted summary as the detail page shows it: titled groups of facts."
    )
    summary = serializers.JSONField(
        help_text="The redacted summary as stored (secret- and person-like keys masked, as on the detail page)."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # The view passes a ready dict (the attempt's item plus the detail's parts).
        return dict(instance)


class WebhookSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField(
        help_text="What Synco did with it, in words (e-mail addresses redacted as on the webhook log)."
    )

    class Meta:
        model = WebhookReceipt
        fields: tuple[str, ...] = (
            "id",
            "topic",
            "status",
            "message",
            "event_id",
            "received_at",
            "processed_at",
        )
        extra_kwargs = {
            "id": {"help_text": "The receipt's id: GET /api/v1/webhooks/{id}/ for its detail."},
            "topic": {"help_text": "Shopify's topic, e.g. orders/updated."},
            "status": {"help_text": "received (waiting), processed, ignored or failed."},
            "event_id": {
                "help_text": "Shopify's event id (X-Shopify-Event-Id): one receipt per event and topic."
            },
            "received_at": {"help_text": "When Shopify delivered it (the shop's offset)."},
            "processed_at": {"help_text": "When Synco finished with it; null while waiting."},
        }

    def get_message(self, receipt: WebhookReceipt) -> str:
        return redact_text(receipt.message)


class WebhookDetailSerializer(WebhookSerializer):
    class Meta(WebhookSerializer.Meta):
        fields = (
            *WebhookSerializer.Meta.fields,
            "webhook_id",
            "api_version",
            "triggered_at",
            "attempts",
            "next_attempt_at",
        )
        extra_kwargs = {
            **WebhookSerializer.Meta.extra_kwargs,
            "webhook_id": {"help_text": "Shopify's subscription id (X-Shopify-Webhook-Id)."},
            "api_version": {"help_text": "The Admin API version Shopify sent it in."},
            "triggered_at": {"help_text": "When Shopify says the event happened (as Shopify wrote it)."},
            "attempts": {"help_text": "Times a worker took it up (a passing failure puts it back)."},
            "next_attempt_at": {
                "help_text": "When it is tried again after a passing failure; null otherwise."
            },
        }
