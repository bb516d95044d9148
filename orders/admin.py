from django.contrib import admin

from orders.models import Order
from synco.admin import SecretsHiddenAdmin


@admin.register(Order)
class OrderAdmin(SecretsHiddenAdmin):
    list_display = ("name", "shop", "created_at", "total_price", "sync_status", "odoo_name")
    list_filter = ("sync_status", "shop")
    search_fields = ("name", "email", "customer_name")
    readonly_fields = ("payload",)
