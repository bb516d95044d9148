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
    # Digest of what the customer import last wrote on the partner: an unchanged customer costs no write.
    written = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_customer_id"], name="customer_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.shopify_customer_id} -> res.partner({self.odoo_partner_id})"


class CustomerSettings(models.Model):
    """How a shop's Shopify customers become Odoo partners (one row per shop, made on first use)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="customer_settings")
    # Also match an existing Odoo contact by phone (digits, with the country code when known) after e-mail.
    match_phone = models.BooleanField(default=False)
    # Copy Shopify's e-mail marketing consent to Odoo (as a contact tag); off: consent stays in Shopify.
    copy_marketing_consent = models.BooleanField(default=False)
    # B2B: a customer who is a contact of a Shopify company goes under a company partner.
    import_companies = models.BooleanField(default=True)
    # The sweep's watermark: the newest Shopify `updated_at` it has brought over.
    swept_until = models.DateTimeField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"customer settings of {self.shop_id}"

    @classmethod
    def of(cls, shop: Shop) -> CustomerSettings:
        settings, _ = cls.objects.get_or_create(shop=shop)
        return settings
