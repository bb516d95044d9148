"""The database cache's table (settings.CACHES when SYNCO_CACHE_URL is "database", the default without Redis).

Made by `migrate` whatever the cache in use, so switching SYNCO_CACHE_URL to "database" needs no extra step;
the table is Django's own (`createcachetable`'s), created with its command so the two never differ.
"""

from typing import Any

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# settings.CACHES' LOCATION for the database cache.
TABLE = "synco_cache"


def create_table(apps: Any, schema_editor: Any) -> None:
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(create_table, drop_table, elidable=False)]
