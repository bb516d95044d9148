"""Every API error is JSON: {"error": {"code", "message", "fields"}}: a message a person can act on, no traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """The object is in a state that refuses this action now (e.g. an order already being written to Odoo)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is in a state that does not allow this action."
    default_code = "conflict"


class Unavailable(APIException):
    """Syncing is paused or Odoo's circuit is open: try again after `retry_after` seconds."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Syncing is unavailable right now."
    default_code = "unavailable"

    def __init__(self, detail: str, code: str = "unavailable", retry_after: int = 60) -> None:
        super().__init__(detail, code)
        self.retry_after = max(1, int(retry_after))


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def _first_code(codes: Any, fallback: str) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, list) and codes:
        return _first_code(codes[0], fallback)
    if isinstance(codes, dict) and codes:
        return _first_code(next(iter(codes.values())), fallback)
    return fallback


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        # Not an API error: logged with its traceback (never sent), and a JSON 500 the caller can quote.
        logger.exception("unexpected API error", exc_info=exc)
        return Response(
            {
                "error": {
                    "code": "server_error",
                    "message": "Synco failed to answer this request.",
                    "fields": {},
                }
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    fields: dict[str, Any] = {}
    if isinstance(exc, ValidationError):
        code = "invalid"
        if isinstance(exc.detail, dict):
            fields = {
                name: [str(item) for item in (errors if isinstance(errors, list) else [errors])]
                for name, errors in exc.detail.items()
            }
            message = "Some fields are invalid: " + "; ".join(
                f"{name}: {items[0]}" for name, items in fields.items() if items
            )
        else:
            message = _first_message(exc.detail)
    elif isinstance(exc, Http404):
        code, message = "not_found", "Not found (or not in this shop)."
    elif isinstance(exc, APIException):
        code = _first_code(exc.get_codes(), exc.default_code)
        message = _first_message(exc.detail)
    else:
        code, message = "error", str(exc)
    if isinstance(exc, Unavailable):
        response["Retry-After"] = str(exc.retry_after)
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
