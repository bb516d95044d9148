from django.apps import AppConfig


class StockConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stock"

    def ready(self) -> None:
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import stock.tasks  # noqa: F401
