"""Every API error is JSON: {"error": {"code", "message", "fields"}}: a message a person can act on, no traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from synco.errors import GatewayError, OdooNotConnectedError

logger = logging.getLogger(__name__)

# How long a caller waits after Odoo did not answer (a timeout, a 5xx) before trying again.
GATEWAY_RETRY_AFTER = 60


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="What went wrong, for programs: invalid, not_found, permission_denied, conflict, not_eligible, "
        "odoo_not_connected, odoo_refused (Odoo refused: the message says what to fix), odoo_unavailable "
        "(Odoo did not answer or its circuit is open: try again after Retry-After), sync_paused, throttled, ..."
    )
    message = serializers.CharField(help_text="What went wrong and what to do about it, for people.")
    # `fields` is a Serializer's own attribute: the metaclass takes the declared field out of the class body.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per refused field (query parameter or body field), its messages; empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """Every error the API answers: {"error": {"code", "message", "fields"}} (what api_exception_handler sends)."""

    error = ErrorDetailSerializer(
        help_text="A code to branch on, a message a person can act on, field errors."
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input: `fields` names each refused field with its messages.",
    401: "No credentials, or an unknown, revoked or expired key or session token.",
    403: "This key may only read (a read and write key is needed).",
    404: "Not found (or not in this shop).",
    409: "The object's (or the shop's) state refuses this now, e.g. already queued, or Odoo not connected "
    "(`odoo_not_connected`).",
    429: "Too many requests for this key (SYNCO_API_RATE): wait Retry-After seconds.",
    502: "Odoo (or Shopify) refused the request (`odoo_refused`): the message says what to fix; retrying will "
    "not help until then.",
    503: "Syncing is paused, or Odoo is not answering or its circuit is open: try again after Retry-After "
    "seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, each the one Error schema (for extend_schema's responses)."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


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


class GatewayRefused(APIException):
    """Odoo (or Shopify) refused the request for a reason retrying will not fix: the message says what to fix."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Odoo refused the request."
    default_code = "odoo_refused"


def odoo_not_connected(message: str = OdooNotConnectedError.default_message) -> Conflict:
    """409: the shop has no Odoo connection yet (Settings), so nothing can be asked of Odoo."""
    return Conflict(message, code="odoo_not_connected")


def gateway_failure(exc: GatewayError, prefix: str = "", peer: str = "odoo") -> APIException:
    """A gateway error as the API's answer, the same in every area: 409 `odoo_not_connected` without an Odoo
    connection, 503 `<peer>_unavailable` + Retry-After when it may answer later, else 502 `<peer>_refused`."""
    message = f"{prefix}{exc.message}"
    if isinstance(exc, OdooNotConnectedError):
        return odoo_not_connected(message)
    if exc.transient:
        return Unavailable(message, code=f"{peer}_unavailable", retry_after=GATEWAY_RETRY_AFTER)
    return GatewayRefused(message, code=f"{peer}_refused")


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
