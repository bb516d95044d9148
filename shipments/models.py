"""Shipments both ways: an Odoo delivery pushed to Shopify as a fulfilment (Odoo ships), or a Shopify fulfilment
applied to the Odoo delivery (Shopify ships); and the shop's shipping settings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orders.models import Order
from synco.models import Shop


class ShipmentSettings(models.Model):
    """Per shop: who ships, whether Shopify e-mails the customer, and the sweep's cursor over Odoo deliveries."""

    class Shipper(models.TextChoices):
        ODOO = "odoo", "Odoo (the warehouse validates deliveries; Synco fulfils in Shopify)"
        SHOPIFY = "shopify", "Shopify or a 3PL (Synco validates the Odoo delivery)"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="shipment_settings")
    shipper = models.CharField(max_length=10, choices=Shipper.choices, default=Shipper.ODOO)
    notify_customer = models.BooleanField(
        default=True, help_text="Shopify sends the customer the shipping confirmation with the tracking"
    )
    validate_at_sync = models.BooleanField(
        default=True,
        help_text="When Shopify ships: an order already fulfilled in Shopify when it is synced gets its Odoo "
        "delivery validated",
    )
    # The sweep's cursor over done outgoing transfers: Odoo's write_date and the id last seen at it.
    sweep_cursor = models.CharField(max_length=32, blank=True)
    sweep_cursor_id = models.IntegerField(default=0)
    last_swept_at = models.DateTimeField(null=True, blank=True)
    notifications_rule_id = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "shipment settings"

    def __str__(self) -> str:
        return f"shipment settings of {self.shop}"

    @property
    def validates_deliveries_at_sync(self) -> bool:
        """Shopify ships, and a synced order Shopify has fulfilled gets its Odoo delivery validated."""
        return self.shipper == self.Shipper.SHOPIFY and self.validate_at_sync

    @classmethod
    def validating_deliveries_at_sync(cls) -> models.Q:
        """The settings for which `validates_deliveries_at_sync` holds, as a filter."""
        return models.Q(shipper=cls.Shipper.SHOPIFY, validate_at_sync=True)


class Shipment(models.Model):
    """One shipment between the two systems, recorded before the remote write so that a retry never repeats it.

    To Shopify: one row per (order, Odoo delivery); `sending` with the planned lines before fulfillmentCreate,
    `sent` with the fulfilment's gid after. To Odoo: one row per Shopify fulfilment; the delivery it validates is
    noted before validating."""

    class Direction(models.TextChoices):
        TO_SHOPIFY = "to_shopify", "Odoo delivery -> Shopify fulfilment"
        TO_ODOO = "to_odoo", "Shopify fulfilment -> Odoo delivery"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Fulfilled in Shopify"
        VALIDATED = "validated", "Validated in Odoo"
        HELD = "held", "Held"
        FAILED = "failed", "Failed (will retry)"
        SKIPPED = "skipped", "Nothing to do"
        # The fulfilment was cancelled in Shopify after it was sent or applied: never re-sent or undone by
        # Synco (a validated Odoo delivery cannot be un-validated); the merchant acts, the reason says how.
        CANCELLED = "cancelled", "Cancelled in Shopify: act in Odoo"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="shipments")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    odoo_picking_id = models.IntegerField(null=True, blank=True)
    odoo_picking_name = models.CharField(max_length=64, blank=True)
    odoo_backorder_ids = models.JSONField(default=list, blank=True)
    fulfillment_gid = models.CharField(max_length=100, blank=True)
    fulfillment_name = models.CharField(max_length=64, blank=True)
    # The lines planned (to Shopify: fulfilment order lines; to Odoo: products) and what was sent.
    lines = models.JSONField(default=list, blank=True)
    tracking_company = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=255, blank=True)
    tracking_url = models.CharField(max_length=500, blank=True)
    # When the remote write was last asked for (None: never): a row with it set may have reached the other side.
    requested_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Held rows are looked at again with a backoff (15 min doubling, at most a day): how many times it was
    # found held, and when the sweep looks again.
    held_checks = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "odoo_picking_id"],
                condition=Q(direction="to_shopify"),
                name="shipment_once_per_delivery",
            ),
            # A Shopify fulfilment is Synco's own (to Shopify) or the one it applied to Odoo: never two rows.
            models.UniqueConstraint(
                fields=["shop", "fulfillment_gid"],
                condition=~Q(fulfillment_gid=""),
                name="shipment_once_per_fulfilment",
            ),
        ]
        indexes = [models.Index(fields=["shop", "state"], name="shipment_shop_state_idx")]

    def __str__(self) -> str:
        return (
            f"{self.get_direction_display()} {self.odoo_picking_name or self.fulfillment_gid}: {self.state}"
        )

    @property
    def fulfillment_gids(self) -> list[str]:
        """Every Shopify fulfilment of the row: one per Shopify location the delivery's lines sat at."""
        gids = [self.fulfillment_gid] if self.fulfillment_gid else []
        gids += [str(line.get("fulfillment") or "") for line in self.lines or [] if isinstance(line, dict)]
        return [gid for gid in dict.fromkeys(gids) if gid]

    @property
    def quantity(self) -> int:
        return sum(int(line.get("quantity") or 0) for line in self.lines or [])
