from django.contrib import admin

from refunds.models import Refund
from synco.admin import SecretsHiddenAdmin


@admin.register(Refund)
class RefundAdmin(SecretsHiddenAdmin):
    list_display = ("shopify_id", "order", "shop", "amount", "state", "odoo_credit_note_name")
    list_filter = ("state", "shop")
    search_fields = ("shopify_id", "order__name")
    readonly_fields = ("payload",)
