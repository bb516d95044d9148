from django.apps import AppConfig


class RefundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refunds"

    def ready(self) -> None:
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import refunds.tasks  # noqa: F401
