"""How the OpenAPI schema describes Synco's authentication classes (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api.errors import error_responses


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A shop's API key, created on Settings → API keys and shown once: `Authorization: Bearer synco_…`. "
                "A read key may only GET; a read and write key may also sync, retry and change settings."
            ),
        }


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.EmbeddedSessionAuthentication"
    name = "shopifySessionToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The embedded app's App Bridge ID token (what the app's own pages send).",
        }


class LoginScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.LoginSessionAuthentication"
    name = "loginSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "A dashboard login."}


RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
# Answers that carry Retry-After (api.errors.Unavailable and the throttle set it).
RETRY_AFTER_CODES = ("429", "503")


class SyncoAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the answers every API operation can give documented on each, with the
    one Error schema (api.errors.ErrorSerializer): 401 (authentication), 429 (rate limit) and, on writes, 403
    (a read key); 404 where a path id or a cursor can miss, 400 where a query parameter can be refused."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        common = [401, 429] if self.method in ("GET", "HEAD", "OPTIONS") else [401, 403, 429]
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            common.append(404)  # an id not in this shop; a list's cursor that is not one of its pages
        if any(
            isinstance(parameter, OpenApiParameter) and parameter.location == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
        ):
            common.append(400)  # a filter the page's form refuses
        for code, response in error_responses(*common).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses


def add_common_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every 429 and 503 answer documents its Retry-After header, and
    every error answer is the one `Error` component (api.errors.ErrorSerializer)."""
    schemas = result.get("components", {}).get("schemas", {})
    if "Error" not in schemas:
        raise ValueError("api.errors.ErrorSerializer (component Error) is referenced by no operation")
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code in RETRY_AFTER_CODES:
                    response.setdefault("headers", {}).update(RETRY_AFTER)
    return result
