from django.apps import AppConfig


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"

    def ready(self) -> None:
        # Tasks registered in every process (the beat's sweep and the views send them by name or directly).
        import customers.tasks  # noqa: F401
