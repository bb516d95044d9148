from django.apps import AppConfig


class SynclogsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "synclogs"
    verbose_name = "Sync logs"
