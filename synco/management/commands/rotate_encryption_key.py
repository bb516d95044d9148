"""Re-encrypt every stored secret with the newest key in SYNCO_ENCRYPTION_KEY."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from synco.crypto import EncryptedTextField, rotate
from synco.models import OdooConnection, Shop


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of SYNCO_ENCRYPTION_KEY (old keys must still be listed)."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = unreadable = 0
        with transaction.atomic():
            for model in (Shop, OdooConnection):
                fields = [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
                table = connection.ops.quote_name(model._meta.db_table)
                for field in fields:
                    column = connection.ops.quote_name(field.column)
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")
                        rows = cursor.fetchall()
                        for pk, token in rows:
                            try:
                                fresh = rotate(token)
                            except InvalidToken:
                                # No listed key decrypts it: left as stored, for the key that does to be added.
                                unreadable += 1
                                continue
                            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [fresh, pk])
                            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} secrets with the newest key.")
        if unreadable:
            self.stderr.write(
                f"{unreadable} stored secrets were left as they are: no key in SYNCO_ENCRYPTION_KEY decrypts them. "
                "Add the key they were encrypted with and run this again."
            )
