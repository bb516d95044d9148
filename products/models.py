"""Which Odoo product each Shopify SKU matched."""

from __future__ import annotations

from django.db import models

from synco.models import Shop


class ProductLink(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="product_links")
    sku = models.CharField(max_length=255)
    odoo_product_id = models.IntegerField()
    # The product's default sale taxes: Odoo applies them to an imported line that names no tax.
    default_tax_ids = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="product_link_unique")]

    def __str__(self) -> str:
        return f"{self.sku} -> product.product({self.odoo_product_id})"
