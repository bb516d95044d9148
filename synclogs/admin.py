from django.contrib import admin

from synclogs.models import SyncAttempt
from synco.admin import SecretsHiddenAdmin


@admin.register(SyncAttempt)
class SyncAttemptAdmin(SecretsHiddenAdmin):
    list_display = ("started_at", "shop", "object_ref", "operation", "status", "duration_ms", "rpc_calls")
    list_filter = ("status", "operation", "shop")
