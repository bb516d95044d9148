"""Every attempt to sync something is a row: what, when, how long, and what happened."""

from __future__ import annotations

from django.db import models

from synco.models import Shop


class SyncAttempt(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    class Object(models.TextChoices):
        ORDER = "order", "Order"
        CUSTOMER = "customer", "Customer"
        PRODUCT = "product", "Product"
        SHOP = "shop", "Shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_attempts")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    object_type = models.CharField(max_length=20, choices=Object.choices, default=Object.ORDER)
    object_ref = models.CharField(max_length=100, blank=True, help_text="e.g. the Shopify order name")
    operation = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    message = models.TextField(blank=True)
    odoo_model = models.CharField(max_length=64, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    rpc_calls = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # What was sent and received, redacted: ids, states, amounts; never secrets or customer details.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        # The log browser pages by (started_at, id) within one shop and filters on one column at a time: each
        # filter has its own index ending in the page order, so a page reads ~50 index entries, not 300k rows.
        # The order-number filter (a substring of object_ref) uses a trigram index, PostgreSQL only (0003).
        indexes = [
            models.Index(fields=["shop", "-started_at", "-id"], name="attempt_shop_recent_idx"),
            models.Index(fields=["shop", "status", "-started_at", "-id"], name="attempt_shop_status_idx"),
            models.Index(
                fields=["shop", "object_type", "-started_at", "-id"], name="attempt_shop_object_idx"
            ),
            models.Index(
                fields=["shop", "operation", "-started_at", "-id"], name="attempt_shop_operation_idx"
            ),
            models.Index(fields=["order", "-started_at"], name="attempt_order_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.object_ref} {self.status}"


class WebhookReceipt(models.Model):
    """Every verified webhook, stored before anything else happens; (shop, event, topic) is received once."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhooks")
    shop_domain = models.CharField(max_length=255)
    topic = models.CharField(max_length=100)
    event_id = models.CharField(max_length=100)
    webhook_id = models.CharField(max_length=100, blank=True)
    api_version = models.CharField(max_length=20, blank=True)
    triggered_at = models.CharField(max_length=64, blank=True)
    headers = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    message = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Times a worker took it up; a transient failure puts it back (Received) until next_attempt_at. The intake's
    # INSERT names no column for it: the database fills in its default.
    attempts = models.PositiveIntegerField(db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["shop_domain", "-received_at", "-id"], name="webhook_domain_recent_idx"),
            models.Index(
                fields=["shop_domain", "status", "-received_at", "-id"], name="webhook_domain_status_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop_domain", "event_id", "topic"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.shop_domain} {self.event_id}"
