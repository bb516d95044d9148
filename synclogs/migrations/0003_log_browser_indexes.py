# Indexes for the sync log browser: one per filter, each ending in the page order (started_at, id).

from django.db import migrations, models

TRIGRAM_INDEX = "attempt_ref_trgm_idx"


def create_trigram_index(apps, schema_editor):
    """The order-number filter is a substring match on object_ref: a trigram index serves it on PostgreSQL."""
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Django's icontains on PostgreSQL is UPPER(col) LIKE UPPER(%s): index the same expression.
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON synclogs_syncattempt "
        "USING gin (UPPER(object_ref::text) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("synclogs", "0002_webhooks"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="syncattempt",
            name="attempt_shop_started_idx",
        ),
        migrations.AddIndex(
            model_name="syncattempt",
            index=models.Index(fields=["shop", "-started_at", "-id"], name="attempt_shop_recent_idx"),
        ),
        migrations.AddIndex(
            model_name="syncattempt",
            index=models.Index(fields=["shop", "status", "-started_at", "-id"], name="attempt_shop_status_idx"),
        ),
        migrations.AddIndex(
            model_name="syncattempt",
            index=models.Index(
                fields=["shop", "object_type", "-started_at", "-id"], name="attempt_shop_object_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="syncattempt",
            index=models.Index(
                fields=["shop", "operation", "-started_at", "-id"], name="attempt_shop_operation_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="webhookreceipt",
            index=models.Index(fields=["shop_domain", "-received_at", "-id"], name="webhook_domain_recent_idx"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
