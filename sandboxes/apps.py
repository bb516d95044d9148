from django.apps import AppConfig


class SandboxesConfig(AppConfig):
    """Development only: carries `manage.py seed_demo`; no models."""

    name = "sandboxes"
    verbose_name = "Sandboxes (development)"
