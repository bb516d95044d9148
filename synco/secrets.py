"""Secrets that must exist before Django starts: read from the environment or generated once into var/."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def read_or_create(path: Path, make: str) -> str:
    """Return the secret stored at `path`, creating it with `make` on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = _generate(make)
    # O_EXCL: two processes starting at once must end up with the same key, not two.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _generate(make: str) -> str:
    if make == "fernet":
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(50)
