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

        # The gateway keeps a shop's Shopify rate-limit bucket in the database through this store (it knows no
        # models itself): synco.shopify.bucket, SYNCO_SHOPIFY_BUCKET_BACKEND.
        from synco.rate_buckets import DatabaseStore
        from synco.shopify import bucket

        bucket.use_database_store(DatabaseStore)
