"""The Celery application; settings come from Django's CELERY_* settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synco.settings")

app = Celery("synco")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def setup_periodic_tasks(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    sender.add_periodic_task(
        float(settings.SYNCO_IMPORT_INTERVAL_SECONDS),
        sender.signature("orders.tasks.import_all_shops_task"),
        name="import new and updated Shopify orders",
    )
