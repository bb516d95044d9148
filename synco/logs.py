"""Log lines: JSON in production, readable in development; both keep `extra` fields, the request or task id,
and never a secret or customer data (settings.LOGGING uses these formatters)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from typing import Any

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"
REQUEST_ID_HEADER = "X-Request-ID"

# The id of the web request or Celery task this thread is working for; set by RequestIdMiddleware and
# the task_prerun signal (synco/celery.py), read by the formatters.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)

# A client's own request id is kept only if it is short and safe to print; otherwise a new one is made.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

# Extra keys whose value is a secret or customer data: matched anywhere in the key (`odoo_password`,
# `customer_email`, `shipping_address`), case-insensitive, also inside nested dicts.
_SECRET_KEY = re.compile(
    r"pass(?:word|wd)|secret|token|api_?key|authorization|cookie|credential|hmac|signature|session"
    r"|e_?mail|phone|address|first_?name|last_?name|full_?name|(?:customer|billing|shipping|contact)_?name",
    re.IGNORECASE,
)
# Keys that are customer data as a whole word: a customer or an Odoo partner (name, email, address) whole, an
# order's note. A bare `name` is not among them: it names a task, a product, an order ("#1001").
_PERSONAL_KEYS = frozenset({"customer", "partner", "note", "ip"})

# Secrets inside free text (a message, an exception, a string extra), each replaced by REDACTED.
_SECRET_TEXT: list[tuple[re.Pattern[str], str]] = [
    # Shopify access tokens and secrets: shpat_, shpca_, shppa_, shpss_, shpua_.
    (re.compile(r"\bshp(?:at|ca|pa|ss|ua)_[A-Za-z0-9]+"), REDACTED),
    # JWTs (session and ID tokens): three base64url parts, the first one a JSON header.
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\1 {REDACTED}"),
    # key=value and "key": "value" for secret parameter names (query strings, reprs, JSON).
    (
        re.compile(
            r"""(\b(?:id_token|access_token|refresh_token|token|api_key|apikey|password|passwd|secret"""
            r"""|client_secret|hmac|signature|authorization)\b["']?\s*[=:]\s*["']?)[^\s&;,"'}]+""",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    # OAuth codes and session parameters in URLs (only as key=value: "error code: 42" stays readable).
    (re.compile(r"(\b(?:code|session|state)=)[^\s&;,\"'}]+", re.IGNORECASE), rf"\1{REDACTED}"),
    # Email addresses.
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), REDACTED),
]

# LogRecord attributes (and what the formatters add), i.e. everything that is not an `extra` field.
_RECORD_ATTRS = frozenset(RESERVED_ATTRS) | {"request_id", "task_id", "asctime"}


def redact_text(text: str) -> str:
    """The text with every token-looking string and email address replaced by [redacted]."""
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _is_secret_key(key: str) -> bool:
    return key.lower() in _PERSONAL_KEYS or bool(_SECRET_KEY.search(key))


def redact_value(key: str, value: Any) -> Any:
    """An extra field's value as it may be logged: whole if its key names a secret or customer data."""
    if _is_secret_key(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value("", item) for item in value]
    if isinstance(value, HttpRequest):
        # django.request passes the request itself: its path, never its query string or headers.
        return f"{value.method} {value.path}"
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's `extra` fields, redacted."""
    return {
        key: redact_value(key, value)
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRS and not key.startswith("_")
    }


def context_ids(record: logging.LogRecord) -> dict[str, str]:
    """The request and task id the record was logged for (set on it by ContextFilter, else the current one)."""
    ids = {
        "request_id": getattr(record, "request_id", None) or request_id.get(),
        "task_id": getattr(record, "task_id", None) or task_id.get(),
    }
    return {key: value for key, value in ids.items() if value}


class ContextFilter(logging.Filter):
    """Stamps the current request and task id on a record when it is emitted (before a handler may queue it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in context_ids(record).items():
            setattr(record, key, value)
        return True


def _plain_value(value: Any) -> str:
    if not isinstance(value, str):
        return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    if value == "" or re.search(r"[\s\"=]", value):
        return json.dumps(value, ensure_ascii=False)
    return value


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger message request_id=… key=value …`: for people reading a terminal (`make run`)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = redact_text(record.getMessage())
        record.asctime = self.formatTime(record)
        line = self.formatMessage(record)
        fields = {**context_ids(record), **extra_fields(record)}
        if record.name.startswith("celery."):
            # Celery's `data` repeats what its message already says (task name, id, runtime).
            fields.pop("data", None)
        if fields:
            line += " " + " ".join(f"{key}={_plain_value(value)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + redact_text(self.formatException(record.exc_info))
        elif record.exc_text:
            line += "\n" + redact_text(record.exc_text)
        if record.stack_info:
            line += "\n" + redact_text(self.formatStack(record.stack_info))
        return line


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, request_id or task_id, every extra field."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            json_default=str,
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        fields: dict[str, Any] = {
            "timestamp": log_data.pop("timestamp"),
            "level": log_data.pop("level"),
            "logger": log_data.pop("logger"),
            "message": redact_text(str(log_data.pop("message"))),
            **context_ids(record),
        }
        for key, value in log_data.items():
            if key in {"exc_info", "stack_info"}:
                fields[key] = redact_text(str(value))
            elif key not in fields:
                fields[key] = redact_value(key, value)
        log_data.clear()
        log_data.update(fields)


def is_valid_request_id(value: str) -> bool:
    """Short and of a safe charset: fit for a log line and a response header."""
    return bool(_VALID_REQUEST_ID.fullmatch(value))


def new_request_id(header: str | None) -> str:
    """The client's X-Request-ID if it is valid, else a new uuid4."""
    if header and is_valid_request_id(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Every log line of a request carries its id, and the response tells it (X-Request-ID)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        current = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        token: Token[str | None] = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = current
        return response
