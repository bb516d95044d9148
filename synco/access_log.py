"""gunicorn's access log without secrets: ID tokens, HMACs and OAuth codes in URLs, credentials in headers.

The embedded app's first load is `/?id_token=…&hmac=…&session=…`, the OAuth callback carries `code` and
`state`, and a page's Referer repeats its own query: every atom a log format can name (the request line, the
query string, the Referer, any header or environ variable) goes through `redact` first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

REDACTED = "[redacted]"
SECRET_PARAMETERS = (
    "id_token",
    "hmac",
    "session",
    "code",
    "state",
    "token",
    "access_token",
    "refresh_token",
    "password",
    "signature",
)
# A secret parameter's value, after `?`, `&` or `;` (also percent-encoded, as inside `shopify-reload=`).
_SECRET_VALUE = re.compile(
    r"(^|[?&;]|%3[Ff]|%26)((?:"
    + "|".join(SECRET_PARAMETERS)
    + r")(?:=|%3[Dd]))[^&;\s\"]*?(?=%26|[&;\s\"]|$)",
    re.IGNORECASE,
)
# Headers (as request `{name}i`, response `{name}o` or environ `{NAME}e` atoms) that are credentials whole.
_SECRET_HEADERS = re.compile(r"^\{(?:http_)?(?:authorization|cookie|set-cookie|proxy-authorization)\}[ioe]$")


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by [redacted]."""
    return _SECRET_VALUE.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)


def redact_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    return {
        name: REDACTED
        if _SECRET_HEADERS.match(name.lower())
        else (redact(value) if isinstance(value, str) else value)
        for name, value in atoms.items()
    }


class RedactingLogger(glogging.Logger):
    """gunicorn's logger, whose access log atoms never hold a token or a credential."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        return redact_atoms(super().atoms(resp, req, environ, request_time))
