from django.apps import AppConfig


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"

    def ready(self) -> None:
        # Services enqueue by task name (synco/queue.py): the tasks must be registered in every process.
        import products.tasks  # noqa: F401
