from django.contrib import admin

from synclogs.models import SyncAttempt


@admin.register(SyncAttempt)
class SyncAttemptAdmin(admin.ModelAdmin):
    list_display = ("started_at", "shop", "object_ref", "operation", "status", "duration_ms", "rpc_calls")
    list_filter = ("status", "operation", "shop")
