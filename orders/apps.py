from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self) -> None:
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import orders.tasks  # noqa: F401
