"""Core models: a shop, its Odoo connection and its order rules."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

from synco.crypto import EncryptedTextField


class Shop(models.Model):
    """One Shopify store that installed Synco."""

    domain = models.CharField(max_length=255, unique=True, help_text="example.myshopify.com")
    name = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    access_token = EncryptedTextField(blank=True)
    access_scopes = models.TextField(blank=True)
    installed_at = models.DateTimeField(auto_now_add=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    # Where incremental import stopped: the newest Shopify updatedAt seen.
    orders_imported_until = models.DateTimeField(null=True, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="shops", blank=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class OdooConnection(models.Model):
    """How to reach the shop's Odoo; the password or API key is encrypted at rest."""

    class Protocol(models.TextChoices):
        XMLRPC = "xmlrpc", "XML-RPC"
        JSONRPC = "jsonrpc", "JSON-RPC"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="odoo")
    url = models.URLField(help_text="For example https://mycompany.odoo.com")
    database = models.CharField(max_length=255)
    login = models.CharField(max_length=255)
    secret = EncryptedTextField(help_text="Password or API key")
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.XMLRPC)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    server_version = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.login}@{self.url}/{self.database}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        if parts.port:
            return parts.port
        return 443 if parts.scheme == "https" else 80

    @property
    def uses_tls(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    def record_url(self, model: str, record_id: int) -> str:
        """The Odoo web client address of one record."""
        return f"{self.url.rstrip('/')}/odoo/{model}/{record_id}"


class OrderRules(models.Model):
    """Per-shop rules that decide how orders are written into Odoo."""

    class CreateAs(models.TextChoices):
        QUOTATION = "quotation", "Quotation"
        SALE_ORDER = "sale_order", "Confirmed sale order"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="rules")
    create_as = models.CharField(max_length=20, choices=CreateAs.choices, default=CreateAs.SALE_ORDER)
    order_prefix = models.CharField(max_length=20, blank=True, default="SHOP")
    use_shopify_order_number = models.BooleanField(default=True)
    guest_customer_name = models.CharField(max_length=255, default="Shopify guest customer")
    auto_sync = models.BooleanField(default=False)
    totals_tolerance = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.01"))

    def __str__(self) -> str:
        return f"rules for {self.shop}"
