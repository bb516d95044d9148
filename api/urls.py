"""/api/v1/: the REST API; /api/schema/ (OpenAPI 3.1) and /api/docs/ (browsable)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.core.views import not_found

v1 = [
    path("", include("api.core.urls")),
    path("orders/", include("api.orders.urls")),
    path("", include("api.records.urls")),
    path("settings/", include("api.shop_settings.urls")),
    path("", include("api.operations.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other /api/ address: the API's JSON 404, not the pages' HTML one.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
