"""The Django admin for support staff: never a secret, neither shown nor editable (nor its ciphertext)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from synco.crypto import EncryptedTextField
from synco.models import OdooConnection, OrderRules, Shop
from synco.throttle import ThrottledAdminLoginForm

admin.site.login_form = ThrottledAdminLoginForm


def encrypted_field_names(model: type[models.Model]) -> set[str]:
    """The model's secrets: every EncryptedTextField."""
    return {field.name for field in model._meta.get_fields() if isinstance(field, EncryptedTextField)}


class SecretsHiddenAdmin(admin.ModelAdmin):
    """A ModelAdmin that leaves out every encrypted field wherever the admin could show or edit it."""

    def _without_secrets(self, names: Sequence[Any]) -> list[Any]:
        secrets = encrypted_field_names(self.model)
        return [
            name
            for name in names
            if not (isinstance(name, str) and name.lstrip("^=@").split("__")[0] in secrets)
        ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *sorted(encrypted_field_names(self.model))]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._without_secrets(super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._without_secrets(super().get_readonly_fields(request, obj))

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_list_display(request))

    def get_search_fields(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_search_fields(request))

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return self._without_secrets(super().get_list_filter(request))


@admin.register(Shop)
class ShopAdmin(SecretsHiddenAdmin):
    list_display = ("domain", "name", "currency", "installed_at", "uninstalled_at")
    filter_horizontal = ("users",)
    # Shopify's `ianaTimezone`, refreshed at install and by each sweep: not Synco's to change.
    readonly_fields = ("iana_timezone",)


@admin.register(OdooConnection)
class OdooConnectionAdmin(SecretsHiddenAdmin):
    list_display = ("shop", "url", "database", "login", "protocol")
    # The stored secret is only ever sent to the URL it was saved with: a new URL goes through the settings
    # form, which asks for the secret again. Here the address cannot be changed at all.
    readonly_fields = ("url",)


@admin.register(OrderRules)
class OrderRulesAdmin(SecretsHiddenAdmin):
    list_display = ("shop", "create_as", "order_prefix", "auto_sync")
