from django.contrib import admin

from shipments.models import Shipment, ShipmentSettings


@admin.register(ShipmentSettings)
class ShipmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("shop", "shipper", "notify_customer", "validate_at_sync", "last_swept_at")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("order", "direction", "state", "odoo_picking_name", "fulfillment_gid", "tracking_number")
    list_filter = ("direction", "state")
    search_fields = ("order__name", "odoo_picking_name", "fulfillment_gid", "tracking_number")
    raw_id_fields = ("order",)
