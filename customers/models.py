"""Which Odoo partner each Shopify customer became."""

from __future__ import annotations

from django.db import models

from synco.models import Shop

GUEST_CUSTOMER_ID = 0  # the shop's fallback partner for guest orders


class CustomerLink(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customer_links")
    shopify_customer_id = models.BigIntegerField()
    odoo_partner_id = models.IntegerField()
    # Digest of an invoice/delivery address -> the Odoo child contact created for it.
    addresses = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_customer_id"], name="customer_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.shopify_customer_id} -> res.partner({self.odoo_partner_id})"
