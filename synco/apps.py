from django.apps import AppConfig
from django.core import checks


class SyncoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "synco"
    verbose_name = "Synco"

    def ready(self) -> None:
        from synco.crypto import check_encryption_keys

        checks.register(check_encryption_keys, checks.Tags.security, checks.Tags.database)
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import synco.shopify_app.tasks  # noqa: F401
