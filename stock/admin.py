from django.contrib import admin

from stock.models import DriftReport, InventoryLink, LocationMapping, StockPush, StockSettings
from synco.admin import SecretsHiddenAdmin


@admin.register(StockSettings)
class StockSettingsAdmin(SecretsHiddenAdmin):
    list_display = ("shop", "enabled", "figure", "safety_buffer", "last_swept_at")


@admin.register(LocationMapping)
class LocationMappingAdmin(SecretsHiddenAdmin):
    list_display = ("shopify_location_name", "shop", "odoo_warehouse_name", "odoo_location_ids")
    list_filter = ("shop",)


@admin.register(InventoryLink)
class InventoryLinkAdmin(SecretsHiddenAdmin):
    list_display = ("sku", "barcode", "shop", "odoo_product_id", "unmatched_reason")
    list_filter = ("shop",)
    search_fields = ("sku", "barcode", "inventory_item_gid")


@admin.register(StockPush)
class StockPushAdmin(SecretsHiddenAdmin):
    list_display = ("created_at", "shop", "sku", "location_name", "quantity", "outcome", "trigger")
    list_filter = ("outcome", "shop")
    search_fields = ("sku", "inventory_item_gid", "idempotency_key")


@admin.register(DriftReport)
class DriftReportAdmin(SecretsHiddenAdmin):
    list_display = ("started_at", "shop", "status", "items_checked", "drifted")
    list_filter = ("status", "shop")
