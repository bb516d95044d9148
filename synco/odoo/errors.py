"""Turn every way an Odoo call can fail into a Transient or Permanent gateway error, once."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import xmlrpc.client
from typing import Any

import httpx
from odoolib.tools import AuthenticationError, JsonRPCException

from synco.errors import GatewayError, PermanentGatewayError, TransientGatewayError
from synco.odoo.json2 import Json2Error

NONE_FAULT = "cannot marshal None unless allow_none is enabled"

_MISSING_DB = re.compile(r'database "([^"]+)" does not exist')
_USER_ERROR_CLASSES = ("UserError", "ValidationError", "MissingError", "RedirectWarning")


class OdooNoneResult(Exception):
    """The method ran and committed, but its None result could not be sent over XML-RPC."""


class OdooLoginRefusedError(PermanentGatewayError):
    """Odoo refused the credentials (login, password or API key): a cached session for them is stale."""


class OdooMissingRecordError(PermanentGatewayError):
    """A record Synco referred to by id no longer exists in Odoo (deleted): what Synco cached is stale."""


# Odoo's MissingError, and the import's message for a `.id` that points at nothing.
MISSING_RECORD_TEXTS = (
    "Record does not exist or has been deleted",
    "No matching record found for database id",
)


def classify(exc: BaseException, *, where: str) -> GatewayError | OdooNoneResult:
    """Map an exception raised by an odoolib call to our error types; `where` names the server."""
    if isinstance(exc, AuthenticationError):
        return _access_denied(where)
    if isinstance(exc, Json2Error):
        return _from_json2(exc, where)
    if isinstance(exc, xmlrpc.client.Fault):
        return _from_fault(exc.faultCode, exc.faultString, where)
    if isinstance(exc, JsonRPCException):
        return _from_json_error(exc.error, where)
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return _from_http_status(exc.errcode, where)
    if isinstance(exc, httpx.HTTPStatusError):
        return _from_http_status(exc.response.status_code, where)
    if isinstance(exc, socket.gaierror):
        return PermanentGatewayError(f"The Odoo host in {where} cannot be found: check the URL.")
    if isinstance(exc, ssl.SSLError):
        return PermanentGatewayError(f"TLS handshake with {where} failed: check the URL and its certificate.")
    if isinstance(exc, TimeoutError | socket.timeout | httpx.TimeoutException):
        return TransientGatewayError(f"Odoo at {where} did not answer in time.")
    if isinstance(exc, ConnectionRefusedError | httpx.ConnectError):
        return TransientGatewayError(
            f"Cannot connect to Odoo at {where}: connection refused. Is the server up?"
        )
    if isinstance(exc, OSError | httpx.TransportError | http.client.HTTPException):
        return TransientGatewayError(f"The connection to Odoo at {where} failed ({type(exc).__name__}).")
    if isinstance(exc, xmlrpc.client.ResponseError | ValueError):
        return TransientGatewayError(f"Odoo at {where} sent a response that could not be read.")
    return PermanentGatewayError(f"Unexpected error talking to Odoo at {where}: {type(exc).__name__}.")


def _from_http_status(status: int, where: str) -> GatewayError:
    if status >= 500 or status == 429:
        return TransientGatewayError(f"Odoo at {where} answered HTTP {status}; it may be down or restarting.")
    if status == 404:
        return PermanentGatewayError(f"{where} has no Odoo XML-RPC endpoint (HTTP 404): check the URL.")
    return PermanentGatewayError(f"Odoo at {where} answered HTTP {status}: check the URL.")


def _from_fault(code: Any, text: str, where: str) -> GatewayError | OdooNoneResult:
    # The legacy /xmlrpc endpoint puts the message in faultCode (a string); /xmlrpc/2 uses ints.
    if isinstance(code, str):
        if NONE_FAULT in code:
            return OdooNoneResult()
        if code == "AccessDenied":
            return _access_denied(where)
        if code.startswith("warning -- "):
            kind, _, message = code.removeprefix("warning -- ").partition("\n\n")
            return _user_facing(kind.strip(), message.strip(), where)
        return _server_exception(code + "\n" + (text or ""), where)
    if code == 3:
        return _access_denied(where)
    if code in (2, 4):
        return _user_facing("AccessError" if code == 4 else "UserError", text.strip(), where)
    if NONE_FAULT in (text or ""):
        return OdooNoneResult()
    return _server_exception(text or "", where)


def _from_json_error(error: dict[str, Any], where: str) -> GatewayError | OdooNoneResult:
    data = error.get("data") or {}
    name = str(data.get("name", ""))
    message = str(data.get("message", "") or error.get("message", ""))
    kind = name.rsplit(".", 1)[-1]
    if kind == "AccessDenied":
        return _access_denied(where)
    if kind in (*_USER_ERROR_CLASSES, "AccessError"):
        return _user_facing(kind, message, where)
    return _server_exception(f"{name}: {message}", where)


def _access_denied(where: str) -> PermanentGatewayError:
    return OdooLoginRefusedError(
        f"Odoo refused the login at {where}: check the login and the password or API key."
    )


def _from_json2(error: Json2Error, where: str) -> GatewayError:
    """JSON-2 says what failed with an HTTP status and the exception class; a 500 is not always transient."""
    status, message = error.status, error.message.strip()
    kind = error.name.rsplit(".", 1)[-1]
    if status == 401:
        if not error.api_key_shaped:
            return OdooLoginRefusedError(
                f"Odoo at {where} refused the password: Odoo 19's JSON-2 API needs an API key, not a password. "
                "Create one in Odoo (Preferences → Account Security → New API Key) and enter it as the secret."
            )
        return OdooLoginRefusedError(
            f"Odoo refused the API key at {where} (wrong, revoked or expired; create a new key in Odoo: "
            "Preferences → Account Security → New API Key)."
        )
    if kind in (*_USER_ERROR_CLASSES, "AccessError"):  # 403, 422, and 404 for a MissingError
        return _user_facing(kind, message, where)
    if kind == "AccessDenied":
        return _access_denied(where)
    if status == 404:
        if "No database is selected" in message:
            return PermanentGatewayError(
                f"The Odoo database does not exist on {where} (or the server does not serve it): "
                "check the database name."
            )
        # werkzeug's NotFound: "the model 'x' does not exist", "The method 'm.x' does not exist".
        if error.name:
            return PermanentGatewayError(f"Odoo rejected a field or method Synco uses: {message}")
        return PermanentGatewayError(f"{where} has no Odoo JSON-2 API (HTTP 404): check the URL.")
    if status == 422:  # werkzeug's UnprocessableEntity: an argument name Odoo's method does not take
        return PermanentGatewayError(f"Odoo rejected a field or method Synco uses: {message}")
    if status == 500:
        if kind in ("ValueError", "TypeError"):
            # Bad payloads (unknown or renamed field, bad selection value, date format): retrying never helps.
            return _server_exception(f"{kind}: {' '.join(message.split())}", where)
        if error.name.startswith("psycopg2"):
            return TransientGatewayError(f"Odoo at {where} had a database error; it may be overloaded.")
        return TransientGatewayError(
            f"Odoo at {where} answered HTTP 500; it may be overloaded or restarting."
        )
    if status == 409:
        return TransientGatewayError(
            f"Odoo at {where} was busy with the same records (HTTP 409, a lock); Synco will try again."
        )
    if status == 408:
        return TransientGatewayError(f"Odoo at {where} did not answer in time.")
    if status in (429, 502, 503, 504) or status > 500:
        return _from_http_status(status, where)
    if 300 <= status < 400:
        return PermanentGatewayError(
            f"{where} has no Odoo JSON-2 API (HTTP {status}, a redirect; Odoo 19 and later have it): "
            "check the URL, or connect over XML-RPC."
        )
    if status == 200:  # 200 but not JSON: some other web application at this URL
        return PermanentGatewayError(
            f"{where} answered with a web page, not Odoo's JSON-2 API: check the URL."
        )
    return PermanentGatewayError(
        f"Odoo at {where} could not process Synco's request (HTTP {status}): {message[:300] or 'no reason given'}"
    )


def _user_facing(kind: str, message: str, where: str) -> PermanentGatewayError:
    if kind == "MissingError" or any(text in message for text in MISSING_RECORD_TEXTS):
        return OdooMissingRecordError(f"Odoo refused the operation: {message}")
    if kind == "AccessError":
        first = message.split("\n", 1)[0]
        return PermanentGatewayError(f"The Odoo user lacks access rights: {first}")
    return PermanentGatewayError(f"Odoo refused the operation: {message}")


def _server_exception(traceback_text: str, where: str) -> GatewayError:
    """Odoo's code-1 faults carry a traceback: keep only its last line, minus hosts and paths."""
    missing = _MISSING_DB.search(traceback_text)
    if missing:
        return PermanentGatewayError(
            f"The Odoo database '{missing.group(1)}' does not exist on {where}: check the database name."
        )
    # JSON-RPC names built-in exceptions "builtins.AttributeError"; tracebacks say "AttributeError".
    last = _last_line(traceback_text).removeprefix("builtins.")
    # By class and the texts' stable start: Odoo 18.0 reworded the unknown-method text in mid-2025
    # ("The method 'x' does not exist on the model 'm'" became "The method 'm.x' does not exist").
    if last.startswith(("ValueError: Invalid field", "AttributeError: The method")):
        return PermanentGatewayError(f"Odoo rejected a field or method Synco uses: {last.split(': ', 1)[1]}")
    if last.startswith(("psycopg2.", "OperationalError")):
        return TransientGatewayError(f"Odoo at {where} had a database error; it may be overloaded.")
    return PermanentGatewayError(f"Odoo reported an error: {last[:300]}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
