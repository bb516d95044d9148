"""A gateway's failure is answered the same way in every area of the API (api.errors.gateway_failure)."""

from __future__ import annotations

from rest_framework.views import APIView

from api.errors import api_exception_handler, gateway_failure
from synco.errors import OdooNotConnectedError, PermanentGatewayError, TransientGatewayError


def _answer(exc: Exception) -> tuple[int, dict[str, object], str | None]:
    response = api_exception_handler(exc, {"view": APIView()})
    assert response is not None
    return response.status_code, response.data["error"], response.headers.get("Retry-After")


def test_it_answers_odoo_refusing_with_502_odoo_refused() -> None:
    failure = gateway_failure(PermanentGatewayError("Access denied on sale.order."), "Not created: ")

    assert _answer(failure) == (
        502,
        {"code": "odoo_refused", "message": "Not created: Access denied on sale.order.", "fields": {}},
        None,
    )


def test_it_answers_odoo_not_answering_with_503_and_retry_after() -> None:
    failure = gateway_failure(TransientGatewayError("Odoo timed out after 30 s."))

    assert _answer(failure) == (
        503,
        {"code": "odoo_unavailable", "message": "Odoo timed out after 30 s.", "fields": {}},
        "60",
    )


def test_it_answers_no_odoo_connection_with_409_odoo_not_connected() -> None:
    status, error, retry_after = _answer(gateway_failure(OdooNotConnectedError()))

    assert (status, error["code"], retry_after) == (409, "odoo_not_connected", None)
    assert error["message"] == "Odoo is not connected yet: enter its URL, database and login in Settings."


def test_it_names_shopify_when_shopify_failed() -> None:
    refused = gateway_failure(PermanentGatewayError("Access denied for locations."), peer="shopify")
    down = gateway_failure(TransientGatewayError("Throttled."), peer="shopify")

    assert _answer(refused)[:2] == (
        502,
        {"code": "shopify_refused", "message": "Access denied for locations.", "fields": {}},
    )
    assert _answer(down)[1]["code"] == "shopify_unavailable"
