"""How the OpenAPI schema describes Synco's authentication classes (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error the API answers: a code to branch on, a message a person can act on, field errors.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Machine-readable, e.g. invalid, not_found, conflict.",
                },
                "message": {"type": "string", "description": "What went wrong and what to do about it."},
                "fields": {
                    "type": "object",
                    "description": "Per field (query parameter or body field), its messages; empty otherwise.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
COMMON_ERRORS = {
    "401": ("No credentials, or an unknown, revoked or expired key or session token.", {}),
    "429": ("Too many requests for this key (SYNCO_API_RATE): wait Retry-After seconds.", RETRY_AFTER),
}


def add_common_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the answers every API operation can give (authentication, rate
    limit; a write refused to a read key) are documented on every operation, with one Error schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = dict(COMMON_ERRORS)
            if method.lower() not in ("get", "head", "options"):
                errors["403"] = ("This key may only read (a read and write key is needed).", {})
            for code, (description, headers) in errors.items():
                if code not in responses:
                    responses[code] = {"description": description, "content": reference}
                    if headers:
                        responses[code]["headers"] = headers
    return result
