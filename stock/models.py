"""Stock levels from Odoo to Shopify: the shop's stock settings, which Shopify location reads which Odoo stock,
which Shopify inventory item is which Odoo product, every push, and the drift reports."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from synco.crypto import EncryptedTextField
from synco.models import Shop


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class StockSettings(models.Model):
    """Per shop: whether Synco pushes Odoo's stock to Shopify, which Odoo figure, and the sweep's state."""

    class Figure(models.TextChoices):
        FREE = "free", "Free quantity (on hand minus reserved)"
        FORECAST = "forecast", "Forecast quantity"
        ON_HAND = "on_hand", "On hand quantity"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="stock_settings")
    enabled = models.BooleanField(default=False)
    figure = models.CharField(max_length=10, choices=Figure.choices, default=Figure.FREE)
    safety_buffer = models.PositiveIntegerField(
        default=0, help_text="Units kept back: Shopify shows the Odoo figure minus this (never below 0)"
    )
    coalesce_seconds = models.FloatField(
        default=1.0, help_text="Changes of one item within this window become one write to Shopify"
    )
    # The secret in the Odoo webhook URL (?token=…): encrypted at rest, compared in constant time, never logged.
    webhook_token = EncryptedTextField(default=new_webhook_token)
    # The sweep's cursor: Odoo's write_date of the newest stock change it has seen (Odoo's own format).
    sweep_cursor = models.CharField(max_length=32, blank=True)
    last_swept_at = models.DateTimeField(null=True, blank=True)
    # A pending flush is scheduled until then (the debounce); cleared by the flush that takes the changes.
    flush_due_at = models.DateTimeField(null=True, blank=True)
    # A stop that retrying cannot fix (a revoked scope): pushes wait until the shop's scopes change.
    blocked_reason = models.TextField(blank=True)
    blocked_scopes = models.TextField(blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    last_drift_summary = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stock settings"

    def __str__(self) -> str:
        return f"stock settings of {self.shop}"


class LocationMapping(models.Model):
    """One Shopify location and the Odoo stock it shows: a warehouse's stock, or a set of internal locations."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="stock_locations")
    shopify_location_gid = models.CharField(max_length=100)
    shopify_location_name = models.CharField(max_length=255, blank=True)
    # Either a warehouse (its stock location and children) or explicit internal locations; neither: unsynced.
    odoo_warehouse_id = models.IntegerField(null=True, blank=True)
    odoo_warehouse_name = models.CharField(max_length=255, blank=True)
    odoo_location_ids = models.JSONField(default=list, blank=True)
    odoo_location_names = models.JSONField(default=list, blank=True)
    # Shopify's fulfillsOnlineOrders: an order that names no location is counted at the first mapped one that does.
    fulfills_online_orders = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shopify_location_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_location_gid"], name="stock_location_unique"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.shopify_location_name or self.shopify_location_gid} -> {self.source_label or 'unsynced'}"
        )

    @property
    def is_mapped(self) -> bool:
        return bool(self.odoo_location_ids)

    @property
    def source_label(self) -> str:
        if self.odoo_warehouse_id:
            return f"warehouse {self.odoo_warehouse_name or self.odoo_warehouse_id}"
        return ", ".join(str(name) for name in self.odoo_location_names) or ", ".join(
            str(i) for i in self.odoo_location_ids
        )


class InventoryLink(models.Model):
    """A Shopify inventory item and the Odoo product it matched (or why none did: never guessed)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="inventory_links")
    inventory_item_gid = models.CharField(max_length=100)
    sku = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500, blank=True)
    odoo_product_id = models.IntegerField(null=True, blank=True)
    unmatched_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "inventory_item_gid"], name="inventory_link_unique"),
        ]
        indexes = [
            models.Index(fields=["shop", "odoo_product_id"], name="inventory_link_product_idx"),
            # An order line's product is looked up by SKU, else barcode (stock.services.unheld_demand).
            models.Index(fields=["shop", "sku"], name="inventory_link_sku_idx"),
            models.Index(fields=["shop", "barcode"], name="inventory_link_barcode_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku or self.barcode or self.inventory_item_gid} -> {self.odoo_product_id}"


class KnownLevel(models.Model):
    """Shopify's available quantity of an item at a location as Synco last saw it (its changeFromQuantity)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    inventory_item_gid = models.CharField(max_length=100)
    location_gid = models.CharField(max_length=100)
    available = models.IntegerField()
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "inventory_item_gid", "location_gid"], name="known_level_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inventory_item_gid}@{self.location_gid}={self.available}"


class PendingChange(models.Model):
    """A product's stock that moved somewhere and is not pushed yet: one row per product and place, however
    many notifications came (coalescing per item and location).

    The place is an Odoo internal location (a quant or move notification: the flush works out which mapped
    Shopify locations it feeds), a Shopify location (Shopify said its level changed there: the flush reads it
    again and re-asserts Odoo's figure), or neither (every mapped location of the product)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    odoo_product_id = models.IntegerField()
    odoo_location_id = models.IntegerField(default=0, help_text="0: no Odoo location named")
    location_gid = models.CharField(max_length=100, blank=True, help_text="A Shopify location (a reassert)")
    # The latest notification: a flush takes the rows noted before it started, so a change during a push stays.
    noted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "odoo_product_id", "odoo_location_id", "location_gid"],
                name="pending_change_place_unique",
            ),
        ]

    def __str__(self) -> str:
        place = self.location_gid or (
            f"stock.location({self.odoo_location_id})" if self.odoo_location_id else ""
        )
        return f"pending product.product({self.odoo_product_id}) {place or 'everywhere'}"


class StockPush(models.Model):
    """One quantity sent (or meant to be sent) to Shopify, with what came of it."""

    class Outcome(models.TextChoices):
        SET = "set", "Set"
        FAILED = "failed", "Failed"
        BLOCKED = "blocked", "Blocked"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="stock_pushes")
    inventory_item_gid = models.CharField(max_length=100)
    location_gid = models.CharField(max_length=100)
    sku = models.CharField(max_length=255, blank=True)
    location_name = models.CharField(max_length=255, blank=True)
    quantity = models.IntegerField()
    change_from = models.IntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=100)
    trigger = models.CharField(max_length=20, blank=True, help_text="notification, sweep, repair, initial")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-created_at", "-id"], name="stock_push_recent_idx"),
            models.Index(fields=["shop", "outcome", "-created_at"], name="stock_push_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku or self.inventory_item_gid}@{self.location_name}={self.quantity} {self.outcome}"


class DriftReport(models.Model):
    """One full reconciliation: every linked item at every mapped location, Shopify's available against Odoo."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="drift_reports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=20, blank=True, help_text="nightly or on demand")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    items_checked = models.PositiveIntegerField(default=0)
    levels_checked = models.PositiveIntegerField(default=0)
    drifted = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"drift report {self.pk} of {self.shop}: {self.drifted} drifted"


class DriftRow(models.Model):
    """An item at a location where Shopify's available differs from what Odoo says it should be."""

    report = models.ForeignKey(DriftReport, on_delete=models.CASCADE, related_name="rows")
    inventory_item_gid = models.CharField(max_length=100)
    location_gid = models.CharField(max_length=100)
    sku = models.CharField(max_length=255, blank=True)
    location_name = models.CharField(max_length=255, blank=True)
    odoo_product_id = models.IntegerField()
    shopify_available = models.IntegerField(null=True, blank=True, help_text="None: not stocked there")
    odoo_figure = models.DecimalField(max_digits=16, decimal_places=4)
    desired = models.IntegerField()
    pending = models.IntegerField(default=0, help_text="Units on Shopify orders not yet in Odoo, kept back")
    difference = models.IntegerField(help_text="desired minus Shopify's available")
    repaired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sku", "location_name", "id"]

    def __str__(self) -> str:
        return f"{self.sku}@{self.location_name}: {self.shopify_available} vs {self.desired}"
