from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shipments"

    def ready(self) -> None:
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import shipments.tasks  # noqa: F401
