from django.contrib import admin

from products.models import CatalogueRun, CatalogueSettings, ProductLink, ProductMapping
from synco.admin import SecretsHiddenAdmin


@admin.register(CatalogueSettings)
class CatalogueSettingsAdmin(SecretsHiddenAdmin):
    list_display = ("shop", "create_missing", "import_images", "saved_at", "products_swept_until")


@admin.register(ProductMapping)
class ProductMappingAdmin(SecretsHiddenAdmin):
    list_display = ("product_title", "variant_title", "sku", "barcode", "shop", "state", "odoo_product_id")
    list_filter = ("state", "shop")
    search_fields = ("product_title", "variant_title", "sku", "barcode", "=shopify_variant_id")
    list_select_related = ("shop",)


@admin.register(ProductLink)
class ProductLinkAdmin(SecretsHiddenAdmin):
    list_display = ("sku", "shop", "odoo_product_id", "updated_at")
    list_filter = ("shop",)
    search_fields = ("sku",)


@admin.register(CatalogueRun)
class CatalogueRunAdmin(SecretsHiddenAdmin):
    list_display = ("created_at", "shop", "kind", "status", "done", "total", "created", "linked", "failed")
    list_filter = ("kind", "status", "shop")
