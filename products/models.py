"""Which Odoo product each Shopify SKU and variant matched, the catalogue settings and import runs."""

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


class CatalogueSettings(models.Model):
    """Per shop: which side owns each product field, and what the import may do."""

    class Owner(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        ODOO = "odoo", "Odoo"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="catalogue_settings")
    name_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    description_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    sale_price_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    cost_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.ODOO)
    barcode_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    weight_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    product_type_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    images_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    active_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.SHOPIFY)
    import_images = models.BooleanField(default=False)
    image_max_kb = models.PositiveIntegerField(default=1024)
    # Create Odoo products for Shopify variants that match nothing.
    create_missing = models.BooleanField(default=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # The sweep's watermark: products updated in Shopify up to this instant have been imported.
    products_swept_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"catalogue settings of {self.shop}"


class ProductMapping(models.Model):
    """One Shopify variant and the Odoo product it is linked to (or why it is not)."""

    class State(models.TextChoices):
        LINKED = "linked", "Linked"
        MISSING = "missing", "Missing"  # no Odoo product, not created
        CONFLICT = "conflict", "Conflict"  # ambiguous: never guessed
        IGNORED = "ignored", "Ignored"
        DELETED = "deleted", "Deleted"  # deleted in Shopify, archived in Odoo

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="product_mappings")
    shopify_product_id = models.BigIntegerField()
    shopify_variant_id = models.BigIntegerField()
    product_title = models.CharField(max_length=255, blank=True)
    variant_title = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    odoo_product_id = models.IntegerField(null=True, blank=True)
    odoo_template_id = models.IntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.MISSING)
    problem = models.TextField(blank=True)  # the specific reason when not linked
    matched_by = models.CharField(max_length=20, blank=True)  # created, external id, sku, barcode, manual
    # The values Synco last wrote: a re-run with nothing changed makes no Odoo writes.
    written = models.JSONField(default=dict, blank=True)
    shopify_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "shopify_variant_id"], name="product_mapping_unique_variant"
            )
        ]
        indexes = [
            models.Index(fields=["shop", "sku"], name="product_mapping_sku"),
            models.Index(fields=["shop", "barcode"], name="product_mapping_barcode"),
            models.Index(fields=["shop", "state"], name="product_mapping_state"),
        ]

    def __str__(self) -> str:
        return f"variant {self.shopify_variant_id} -> product.product({self.odoo_product_id})"


class CatalogueRun(models.Model):
    """A full import of products or customers: resumable from its checkpoint, stoppable."""

    class Kind(models.TextChoices):
        PRODUCTS = "products", "Products"
        CUSTOMERS = "customers", "Customers"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        STARTING = "starting", "Starting"  # the bulk operation is running at Shopify
        RUNNING = "running", "Running"  # writing to Odoo
        STOPPING = "stopping", "Stopping"
        STOPPED = "stopped", "Stopped"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="catalogue_runs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PRODUCTS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    bulk_operation_id = models.CharField(max_length=255, blank=True)
    result_url = models.TextField(blank=True)
    total = models.IntegerField(default=0)  # Shopify objects in the file
    done = models.IntegerField(default=0)  # the checkpoint: objects already handled
    created = models.IntegerField(default=0)
    linked = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stop_requested = models.BooleanField(default=False)
    # The last sign of life of the task running it (each step, each batch): a run that shows none for a long
    # time lost its worker and its task, and no longer blocks a new one.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    ACTIVE = (Status.QUEUED, Status.STARTING, Status.RUNNING, Status.STOPPING)

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.status})"
