# Indexes for the orders page: a partial index per tab that no plain index serves (each in the page's order,
# so a tab's first page and its capped count read only its rows), and a trigram index for the search.

from django.db import migrations, models

TRIGRAM_INDEX = "order_search_trgm_idx"


def create_trigram_index(apps, schema_editor):
    """The search is a substring match on number, customer and e-mail: trigrams serve it on PostgreSQL."""
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Django's icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(%s): index the same expressions.
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON orders_order USING gin ("
        "UPPER(name::text) gin_trgm_ops, UPPER(customer_name::text) gin_trgm_ops, UPPER(email::text) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(
                    ("eligible", True),
                    ("parse_error", ""),
                    ("sync_status__in", ("not_synced", "failed", "needs_review")),
                ),
                fields=["shop", "-created_at", "-id"],
                name="order_tab_eligible_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(
                    ("sync_status", "failed"), models.Q(("parse_error", ""), _negated=True), _connector="OR"
                ),
                fields=["shop", "-created_at", "-id"],
                name="order_tab_failed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("odoo_id__isnull", False), ("odoo_invoice_id__isnull", True)),
                fields=["shop", "-created_at", "-id"],
                name="order_tab_sale_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("odoo_invoice_id__isnull", False)),
                fields=["shop", "-created_at", "-id"],
                name="order_tab_invoice_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("risk_reason", ""), _negated=True),
                fields=["shop", "-created_at", "-id"],
                name="order_tab_risky_idx",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
