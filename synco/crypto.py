"""Encryption at rest for secrets (Odoo passwords and API keys, Shopify tokens).

A stored secret that no configured key decrypts (a lost or wrong SYNCO_ENCRYPTION_KEY) never breaks loading
its row: it reads as an `UnreadableSecret` (an empty string that remembers the ciphertext) and is written back
unchanged, so restoring the right key makes it readable again. Only the code that uses the secret refuses it.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

KEY_HINT = (
    "SYNCO_ENCRYPTION_KEY does not contain the key it was encrypted with: add that key after the current one "
    "(comma separated), keeping the current one listed."
)


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


class UnreadableSecret(str):
    """A stored secret no configured key decrypts: reads as "" and keeps its ciphertext to be saved back."""

    ciphertext: str

    def __new__(cls, ciphertext: str) -> UnreadableSecret:
        value = super().__new__(cls, "")
        value.ciphertext = ciphertext
        return value

    def __getnewargs__(self) -> tuple[str]:
        return (self.ciphertext,)

    def __repr__(self) -> str:
        return "UnreadableSecret()"


def is_unreadable(value: object) -> bool:
    return isinstance(value, UnreadableSecret)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SYNCO_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        # ValueError: a configured key is not a Fernet key at all (the `security` system check says which).
        raise DecryptionError(f"A stored secret cannot be decrypted: {KEY_HINT}") from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored token with the first (newest) key."""
    return fernet().rotate(token.encode()).decode()


_reported: set[str] = set()


class EncryptedTextField(models.TextField):
    """A text column whose value is stored Fernet-encrypted; empty stays empty; undecryptable stays stored."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        try:
            return decrypt(value)
        except DecryptionError:
            label = f"{self.model._meta.db_table}.{self.column}"
            if label not in _reported:  # once per process and column, not on every page
                _reported.add(label)
                logger.error("stored secrets cannot be decrypted", extra={"column": label})
            return UnreadableSecret(value)

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, UnreadableSecret):
            return value.ciphertext
        if value is None or value == "":
            return ""
        return encrypt(str(value))


def check_encryption_keys(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Any]:
    """System check (tag `security`): the keys are Fernet keys, and they decrypt every stored secret."""
    from django.core.checks import Error, Warning

    try:
        fernet()
    except ValueError:
        return [
            Error(
                "SYNCO_ENCRYPTION_KEY holds a value that is not a Fernet key (32 url-safe base64-encoded bytes).",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="synco.E001",
            )
        ]
    # Reading the rows needs a database: only the ones the command names (`check --database default`, migrate).
    found = []
    for alias in databases or ():
        unreadable = count_unreadable_secrets(alias)
        if unreadable:
            described = ", ".join(f"{count} in {column}" for column, count in sorted(unreadable.items()))
            found.append(
                Warning(
                    f"Stored secrets cannot be decrypted with the configured keys ({described}); the shops "
                    "concerned are told to reconnect Odoo or reinstall the app.",
                    hint=KEY_HINT,
                    id="synco.W001",
                )
            )
    return found


def count_unreadable_secrets(alias: str = "default") -> dict[str, int]:
    """How many stored secrets, per `table.column`, no configured key decrypts (a missing table counts none)."""
    from django.apps import apps
    from django.db import DatabaseError, connections, transaction

    connection = connections[alias]
    counts: dict[str, int] = {}
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return counts  # no database to read: nothing to say about it here
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue  # not migrated yet: nothing stored
        table = connection.ops.quote_name(model._meta.db_table)
        for field in [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]:
            column = connection.ops.quote_name(field.column)
            try:
                with transaction.atomic(using=alias), connection.cursor() as cursor:
                    cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")
                    tokens = [row[0] for row in cursor.fetchall()]
            except DatabaseError:
                continue  # the column is not migrated yet
            bad = 0
            for token in tokens:
                try:
                    decrypt(token)
                except DecryptionError:
                    bad += 1
            if bad:
                counts[f"{model._meta.db_table}.{field.column}"] = bad
    return counts
