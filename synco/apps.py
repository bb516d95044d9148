from django.apps import AppConfig


class SyncoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "synco"
    verbose_name = "Synco"
