"""Core models: a shop, its Odoo connection and its order rules."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from synco.crypto import EncryptedTextField, is_unreadable

if TYPE_CHECKING:
    from collections.abc import Iterable


class CheckResult(Protocol):
    """One step of Test connection (synco.odoo.checks.Check), as the connection keeps it."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...


class Shop(models.Model):
    """One Shopify store that installed Synco."""

    domain = models.CharField(max_length=255, unique=True, help_text="example.myshopify.com")
    name = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    access_token = EncryptedTextField(blank=True)
    access_scopes = models.TextField(blank=True)
    # Expiring offline tokens (token exchange): refreshed before they expire; both tokens encrypted.
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = EncryptedTextField(blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    installed_at = models.DateTimeField(auto_now_add=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    # Where incremental import stopped: the newest Shopify updatedAt seen.
    orders_imported_until = models.DateTimeField(null=True, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="shops", blank=True)
    # Danger zone: while paused nothing is sent to Odoo (see orders.services.pause_syncing).
    sync_paused = models.BooleanField(default=False)
    sync_paused_at = models.DateTimeField(null=True, blank=True)
    sync_paused_by = models.CharField(max_length=255, blank=True)
    # Shopify's `shop { ianaTimezone }` (install, seed, sweep): invoice and payment dates and the pages use it.
    iana_timezone = models.CharField(max_length=64, default="UTC")
    # The language the Shopify admin last opened the app in (its `locale` parameter, e.g. "fr-FR"), kept for the
    # requests inside the admin that do not carry it (HTMX fragments; the iframe keeps no session cookie).
    admin_locale = models.CharField(max_length=35, blank=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    @property
    def token_unreadable(self) -> bool:
        """The stored Shopify token cannot be decrypted (lost or wrong SYNCO_ENCRYPTION_KEY): reinstall."""
        return is_unreadable(self.access_token) or is_unreadable(self.refresh_token)


def default_max_concurrency() -> int:
    """A new Odoo connection's cap on parallel writers: SYNCO_SHOP_CONCURRENCY, within 1..16."""
    return min(max(settings.SYNCO_SHOP_CONCURRENCY, 1), 16)


class OdooConnection(models.Model):
    """How to reach the shop's Odoo; the password or API key is encrypted at rest."""

    class Protocol(models.TextChoices):
        AUTO = "auto", "Automatic: JSON-2 where available (Odoo 19+, API key), otherwise XML-RPC"
        JSON2 = "json2", "JSON-2 (Odoo 19+, API key only)"
        XMLRPC = "xmlrpc", "XML-RPC"
        JSONRPC = "jsonrpc", "JSON-RPC"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="odoo")
    url = models.URLField(help_text="For example https://mycompany.odoo.com")
    database = models.CharField(max_length=255)
    login = models.CharField(max_length=255)
    secret = EncryptedTextField(help_text="Password or API key")
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.AUTO)
    # At most this many sync runs write to this Odoo at once (a run is one order, or one batch of orders),
    # counted over every shop connected to the same Odoo URL and database.
    max_concurrency = models.PositiveSmallIntegerField(
        "Parallel writers",
        default=default_max_concurrency,
        validators=[MinValueValidator(1), MaxValueValidator(16)],
        help_text="Parallel writers Synco may run against this Odoo",
    )
    # The last Test connection (Settings or `manage.py check_odoo`): when, whether every check passed, and each
    # check as {"name", "ok", "detail"} (details are merchant-safe messages, never secrets).
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_report = models.JSONField(default=list, blank=True)
    server_version = models.CharField(max_length=64, blank=True)
    # When Test connection last logged in with the stored secret while it was an API key: a key refused later
    # has expired or was revoked (Odoo's keys of non-admin users last at most 90 days). None: never seen.
    api_key_accepted_at = models.DateTimeField(null=True, blank=True)
    # Circuit breaker: after repeated transient failures Synco stops calling Odoo for a while.
    consecutive_failures = models.PositiveIntegerField(default=0)
    circuit_open_until = models.DateTimeField(null=True, blank=True)
    last_failure = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.login}@{self.url}/{self.database}"

    @property
    def secret_unreadable(self) -> bool:
        """The stored password or API key cannot be decrypted (lost or wrong SYNCO_ENCRYPTION_KEY): type it again."""
        return is_unreadable(self.secret)

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

    def record_check(self, checks: Iterable[CheckResult]) -> None:
        """Keep the result of a Test connection run (the home page's checklist reads it)."""
        report = [
            {
                "name": check.name,
                "ok": check.ok,
                "detail": check.detail,
                # ok, with something to change: kept only where set
                **({"advice": True} if getattr(check, "advice", False) else {}),
            }
            for check in checks
        ]
        self.last_checked_at = timezone.now()
        self.last_check_ok = bool(report) and all(item["ok"] for item in report)
        self.last_check_report = report
        version = next((c["detail"] for c in report if c["name"] == "Server reachable" and c["ok"]), "")
        fields = ["last_checked_at", "last_check_ok", "last_check_report"]
        if version:
            self.server_version = str(version).removeprefix("Odoo ")
            fields.append("server_version")
        self.save(update_fields=fields)

    def forget_check(self) -> None:
        """The settings changed: the last Test connection no longer says anything about them."""
        self.last_checked_at = None
        self.last_check_ok = None
        self.last_check_report = []


class OdooCheckSlot(models.Model):
    """One of the SYNCO_ODOO_CHECK_CONCURRENCY places a Test connection runs in, shared by every web process.

    A shop holds at most one (the unique `shop`), so a merchant clicking again, or many shops at once, cannot
    take every web thread; `expires_at` frees the place of a process that died mid-check.
    """

    number = models.PositiveSmallIntegerField(primary_key=True)
    shop = models.OneToOneField(Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Test connection slot {self.number}"


def default_financial_statuses() -> list[str]:
    return ["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"]


class OrderRules(models.Model):
    """Per-shop rules that decide how orders are written into Odoo."""

    class CreateAs(models.TextChoices):
        QUOTATION = "quotation", "Quotation"
        SALE_ORDER = "sale_order", "Confirmed sale order"
        DRAFT_INVOICE = "draft_invoice", "Sale order + draft invoice"
        POSTED_INVOICE = "posted_invoice", "Sale order + posted invoice"
        PAID_INVOICE = "paid_invoice", "Sale order + posted invoice + payment"

    class ProductMatch(models.TextChoices):
        SKU_THEN_BARCODE = "sku_barcode", "SKU, then barcode"
        BARCODE_THEN_SKU = "barcode_sku", "Barcode, then SKU"
        SKU_ONLY = "sku", "SKU only"

    class DiscountMode(models.TextChoices):
        # Odoo's discount % has 2 digits and cannot hold every amount: the discount is netted into the price.
        LINE = "line", "Netted into each line's price"
        DISCOUNT_LINE = "discount_line", "As separate discount lines"

    class TotalsAction(models.TextChoices):
        # Within the tolerance only: a difference beyond it is always held for review.
        ACCEPT = "accept", "Accept a difference within the tolerance"
        ROUNDING_LINE = "rounding_line", "Add a rounding line for a difference within the tolerance"
        HOLD = "hold", "Hold every difference for review"

    class InvoiceDateSource(models.TextChoices):
        ORDER_DATE = "order_date", "Order date (Shopify's processedAt)"
        PAID_DATE = "paid_date", "Paid date (the first successful sale or capture)"
        SYNC_DATE = "sync_date", "Sync date (the day Synco writes the invoice)"

    class CustomerMatch(models.TextChoices):
        EMAIL = "email", "Match Odoo contacts by e-mail, create the missing ones"
        CREATE = "create", "Create a new Odoo contact for each Shopify customer"
        SINGLE = "single", "Put every order on one Odoo contact"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="rules")
    create_as = models.CharField(max_length=20, choices=CreateAs.choices, default=CreateAs.SALE_ORDER)
    order_prefix = models.CharField(max_length=20, blank=True, default="SHOP")
    use_shopify_order_number = models.BooleanField(default=True)
    sync_note = models.BooleanField(default=True)
    sync_note_attributes = models.BooleanField(default=True)
    sync_tags = models.BooleanField(default=True)
    guest_customer_name = models.CharField(max_length=255, default="Shopify guest customer")
    customer_match = models.CharField(
        max_length=10, choices=CustomerMatch.choices, default=CustomerMatch.EMAIL
    )
    # With CustomerMatch.SINGLE: the Odoo contact every order goes on, and its name when it was chosen.
    single_partner_id = models.PositiveIntegerField(null=True, blank=True)
    single_partner_name = models.CharField(max_length=255, blank=True)
    product_match = models.CharField(
        max_length=20, choices=ProductMatch.choices, default=ProductMatch.SKU_THEN_BARCODE
    )
    auto_create_products = models.BooleanField(default=False)
    auto_create_taxes = models.BooleanField(default=False)
    discount_mode = models.CharField(max_length=20, choices=DiscountMode.choices, default=DiscountMode.LINE)
    # Internal references (default_code) of the Odoo products used for special lines.
    discount_product_code = models.CharField(max_length=64, default="SHOPIFY-DISCOUNT")
    tip_product_code = models.CharField(max_length=64, default="SHOPIFY-TIP")
    gift_card_product_code = models.CharField(max_length=64, default="SHOPIFY-GIFTCARD")
    custom_item_product_code = models.CharField(max_length=64, default="SHOPIFY-CUSTOM")
    rounding_product_code = models.CharField(max_length=64, default="SHOPIFY-ROUNDING")
    # Shopify payment gateway -> Odoo journal id; "*" is the fallback.
    payment_journals = models.JSONField(default=dict, blank=True)
    auto_sync = models.BooleanField(default=False, help_text="Sync eligible orders as they arrive")
    last_swept_at = models.DateTimeField(null=True, blank=True)
    sweep_interval_minutes = models.PositiveIntegerField(
        default=15, help_text="How often the catch-up sweep looks for eligible orders that were never synced"
    )
    # Eligibility: empty lists mean "any".
    financial_statuses = models.JSONField(default=default_financial_statuses, blank=True)
    fulfillment_statuses = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    created_after = models.DateTimeField(null=True, blank=True)
    exclude_test_orders = models.BooleanField(default=True)
    include_tags = models.JSONField(default=list, blank=True)
    exclude_tags = models.JSONField(default=list, blank=True)
    risk_threshold = models.CharField(
        max_length=10, choices=[("HIGH", "High risk"), ("MEDIUM", "Medium or high risk")], default="HIGH"
    )
    totals_tolerance = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.01"))
    totals_action = models.CharField(max_length=20, choices=TotalsAction.choices, default=TotalsAction.HOLD)
    invoice_date_source = models.CharField(
        max_length=12, choices=InvoiceDateSource.choices, default=InvoiceDateSource.PAID_DATE
    )
    # Refund lines Shopify restocked (RETURN, LEGACY_RESTOCK) of a delivered order come back through Odoo's
    # return wizard: a receipt left ready for the warehouse, or validated at once.
    return_restocked_items = models.BooleanField(default=False)
    validate_return_pickings = models.BooleanField(default=False)
    # When the merchant last saved the rules (None: still the defaults Synco started with).
    saved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rules for {self.shop}"

    @property
    def confirms(self) -> bool:
        return self.create_as != self.CreateAs.QUOTATION

    @property
    def invoices(self) -> bool:
        return self.create_as in (
            self.CreateAs.DRAFT_INVOICE,
            self.CreateAs.POSTED_INVOICE,
            self.CreateAs.PAID_INVOICE,
        )

    @property
    def posts_invoice(self) -> bool:
        return self.create_as in (self.CreateAs.POSTED_INVOICE, self.CreateAs.PAID_INVOICE)

    @property
    def pays(self) -> bool:
        return self.create_as == self.CreateAs.PAID_INVOICE

    def journal_for(self, gateway: str) -> int | None:
        value = self.payment_journals.get(gateway, self.payment_journals.get("*"))
        return int(value) if value not in (None, "") else None


class LoginFailure(models.Model):
    """One failed login, kept for the throttling window (synco.throttle), shared by every process and machine."""

    # An HMAC of "username:<name>" or "address:<ip>": what was typed in the username field is never stored.
    key = models.CharField(max_length=64)
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["key", "failed_at"], name="synco_loginfailure_key"),
            models.Index(fields=["failed_at"], name="synco_loginfailure_at"),
        ]

    def __str__(self) -> str:
        return f"login failure at {self.failed_at:%Y-%m-%d %H:%M:%S}"


class ShopifyRateBucket(models.Model):
    """A shop's Shopify GraphQL rate-limit bucket as every worker sees it (synco.shopify.bucket, database backend).

    `available` is the level at `updated_at`, minus what workers reserved for queries not yet answered (so it
    can be below zero); `query_costs` maps a query's shape to the cost Shopify last requested for it.
    """

    domain = models.CharField(max_length=255, unique=True)
    maximum = models.FloatField()
    available = models.FloatField()
    restore_rate = models.FloatField()
    updated_at = models.DateTimeField()
    query_costs = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.domain}: {self.available:.0f} of {self.maximum:.0f} points"
