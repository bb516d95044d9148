"""Shopify refunds as Synco knows them: one row per refund, and the Odoo credit note it became."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from orders.models import Order
from synco.models import Shop


class RefundState(models.TextChoices):
    PENDING = "pending", "Pending"
    HELD = "held", "Held"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


class Refund(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    shopify_id = models.BigIntegerField()
    gid = models.CharField(max_length=100)
    # The refund's GraphQL node as Shopify sent it (inside its order); parsed whenever it is used.
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=RefundState.choices, default=RefundState.PENDING)
    reason = models.TextField(blank=True, help_text="Why it is held or failed")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), help_text="Shopify's totalRefundedSet"
    )
    odoo_credit_note_id = models.IntegerField(null=True, blank=True)
    odoo_credit_note_name = models.CharField(max_length=64, blank=True)
    odoo_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    odoo_payment_id = models.IntegerField(null=True, blank=True)
    # The return receipt of the restocked items (OrderRules.return_restocked_items).
    odoo_return_picking_id = models.IntegerField(null=True, blank=True)
    odoo_return_picking_name = models.CharField(max_length=64, blank=True)
    # All of its return pickings, one per delivery the items came from ([{"id": .., "name": ..}]); the first
    # one is also in odoo_return_picking_id/name.
    odoo_return_pickings = models.JSONField(default=list, blank=True)
    # Delivery id -> the highest return id it had when Synco asked Odoo's wizard for a return from it: a
    # return newer than that without the refund's key is the one a run created without learning of it.
    return_picking_marks = models.JSONField(default=dict, blank=True)
    # Before invoicing a refund lowers the sale order's quantities instead of making a credit note.
    reduced_sale_order = models.BooleanField(default=False)
    rpc_calls = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    # The lease of the worker writing it into Odoo (a crashed worker's lease expires).
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(help_text="Shopify's createdAt")
    processed_at = models.DateTimeField(null=True, blank=True, help_text="When Synco wrote it into Odoo")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_id"], name="refund_unique_per_shop"),
        ]
        indexes = [models.Index(fields=["shop", "state"], name="refund_shop_state_idx")]

    def __str__(self) -> str:
        return f"refund {self.shopify_id} of {self.order_id}"

    @property
    def key(self) -> str:
        """The external id name of its credit note in Odoo (module `shopify`)."""
        return f"refund_{self.shopify_id}"

    @property
    def can_retry(self) -> bool:
        return self.state in (RefundState.HELD, RefundState.FAILED)

    def credit_note_url(self) -> str:
        if self.odoo_credit_note_id is None:
            return ""
        odoo: Any = getattr(self.shop, "odoo", None)
        return "" if odoo is None else str(odoo.record_url("account.move", self.odoo_credit_note_id))

    def return_pickings(self) -> list[dict[str, Any]]:
        """Its return pickings ({id, name, url}) for its page; a row from before the list keeps its one."""
        rows = [row for row in self.odoo_return_pickings or [] if isinstance(row, dict) and row.get("id")]
        if not rows and self.odoo_return_picking_id is not None:
            rows = [{"id": self.odoo_return_picking_id, "name": self.odoo_return_picking_name}]
        odoo: Any = getattr(self.shop, "odoo", None)
        return [
            {
                "id": int(row["id"]),
                "name": str(row.get("name") or row["id"]),
                "url": "" if odoo is None else str(odoo.record_url("stock.picking", int(row["id"]))),
            }
            for row in rows
        ]

    def return_picking_url(self) -> str:
        if self.odoo_return_picking_id is None:
            return ""
        odoo: Any = getattr(self.shop, "odoo", None)
        return "" if odoo is None else str(odoo.record_url("stock.picking", self.odoo_return_picking_id))
