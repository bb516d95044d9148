from django.contrib import admin

from synco.models import OdooConnection, OrderRules, Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("domain", "name", "currency", "installed_at", "uninstalled_at")
    exclude = ("access_token",)
    filter_horizontal = ("users",)


@admin.register(OdooConnection)
class OdooConnectionAdmin(admin.ModelAdmin):
    list_display = ("shop", "url", "database", "login", "protocol")
    exclude = ("secret",)


@admin.register(OrderRules)
class OrderRulesAdmin(admin.ModelAdmin):
    list_display = ("shop", "create_as", "order_prefix", "auto_sync")
