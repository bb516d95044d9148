"""Settings → API keys (the merchant's pages, mounted at /settings/api-keys/)."""

from django.urls import URLPattern, URLResolver, path

from api import pages

app_name = "api_keys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.api_keys, name="index"),
    path("create/", pages.create_api_key, name="create"),
    path("<int:pk>/revoke/", pages.revoke_api_key, name="revoke"),
]
