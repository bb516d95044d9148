"""Odoo's exception classes, as the RPC layer sees them.

The classes claim to live in ``odoo.exceptions`` (and ``psycopg2``) so that the names that leak into
tracebacks and JSON-RPC ``data.name`` are exactly the ones a real Odoo 18 prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .versions import OdooProfile


class UserError(Exception):
    """A user-facing error: fault code 2 on /xmlrpc/2."""


class ValidationError(UserError):
    """Constraint violations (SQL and Python): also fault code 2."""


class MissingError(UserError):
    """Records that do not exist (any more)."""


class AccessError(UserError):
    """Rights problems and private methods: fault code 4."""


class AccessDenied(Exception):
    """Bad credentials: fault code 3."""

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class OperationalError(Exception):
    """Stands in for psycopg2's error when the database does not exist."""


for _cls in (UserError, ValidationError, MissingError, AccessError, AccessDenied):
    _cls.__module__ = "odoo.exceptions"
OperationalError.__module__ = "psycopg2"


def missing_error(model: str, ids: list[int], uid: int) -> MissingError:
    """The message Odoo builds from a recordset repr, e.g. ``sale.order(999999,)``."""
    return MissingError(
        f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})"
    )


def mandatory_field_error(
    profile: OdooProfile, model_description: str, model: str, field_string: str, field: str
) -> ValidationError:
    """Odoo's rendering of a NOT NULL violation, in the words of the version played."""
    return ValidationError(profile.mandatory_field_message(model_description, model, field_string, field))


def foreign_key_error(
    profile: OdooProfile, model_description: str, model: str, field_string: str, field: str
) -> ValidationError:
    """Odoo's rendering of a foreign key violation (a many2one to a missing record that nothing read first).

    Odoo words it as if a record were being deleted; 19 names the field, 18 the constraint."""
    return ValidationError(profile.foreign_key_message(model_description, model, field_string, field))


def database_missing_error(db: str) -> OperationalError:
    # The real server leaks its PostgreSQL host and port; the sandbox mirrors the text verbatim.
    return OperationalError(
        f'connection to server at "127.0.0.1", port 5433 failed: FATAL:  database "{db}" does not exist\n'
    )
