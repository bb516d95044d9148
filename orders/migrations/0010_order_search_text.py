# The orders page's search, accent- and case-insensitive on every database: one stored column, search_text
# (number, customer and e-mail case-folded, accents dropped: synco.filters.search_text), filled here for the
# orders already stored, and on PostgreSQL one trigram index on it instead of the three on UPPER(...) of 0002.

import unicodedata

from django.db import migrations, models

TRIGRAM_INDEX = "order_search_text_trgm_idx"
OLD_TRIGRAM_INDEX = "order_search_trgm_idx"
BATCH = 2000


def _search_text(*parts):
    # A copy of synco.filters.search_text as it is today: a migration must not change when that module does.
    text = "\n".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fill_search_text(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    last = 0
    while True:
        batch = list(
            Order.objects.filter(pk__gt=last).order_by("pk").only("pk", "name", "customer_name", "email")[:BATCH]
        )
        if not batch:
            return
        for order in batch:
            order.search_text = _search_text(order.name.lstrip("#"), order.customer_name, order.email)
        Order.objects.bulk_update(batch, ["search_text"], batch_size=500)
        last = batch[-1].pk


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is already there (0002); a trusted extension, so no superuser is needed either way.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON orders_order USING gin (search_text gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_TRIGRAM_INDEX}")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_TRIGRAM_INDEX} ON orders_order USING gin ("
        "UPPER(name::text) gin_trgm_ops, UPPER(customer_name::text) gin_trgm_ops, UPPER(email::text) gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_order_sync_task"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
