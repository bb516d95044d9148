from django.contrib import admin

from orders.models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("name", "shop", "created_at", "total_price", "sync_status", "odoo_name")
    list_filter = ("sync_status", "shop")
    search_fields = ("name", "email", "customer_name")
    readonly_fields = ("payload",)
