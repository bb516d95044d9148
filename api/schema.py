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
