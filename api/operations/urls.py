from django.urls import URLPattern, URLResolver, path, register_converter

from api.operations import views
from synco.filters import MAX_ID


class AnyId:
    """An id segment that matches anything: a malformed id (`-1`, `abc`) reaches the view as 0, which names no
    row, so the answer is the API's JSON 404 instead of Django's HTML page."""

    regex = "[^/]+"

    def to_python(self, value: str) -> int:
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else 0
        return number if number <= MAX_ID else 0

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(AnyId, "api_id")

urlpatterns: list[URLPattern | URLResolver] = [
    path("stock/", views.StockOverviewView.as_view(), name="stock"),
    path("stock/drift-reports/", views.DriftReportList.as_view(), name="stock-drift-reports"),
    path("stock/drift-reports/<api_id:pk>/", views.DriftReportDetail.as_view(), name="stock-drift-report"),
    path("stock/drift/", views.DriftRowList.as_view(), name="stock-drift"),
    path("stock/drift/repair/", views.DriftRepair.as_view(), name="stock-drift-repair"),
    path("stock/push-all/", views.StockPushAll.as_view(), name="stock-push-all"),
    path("stock/pushes/", views.StockPushList.as_view(), name="stock-pushes"),
    path("stock/items/", views.InventoryItemList.as_view(), name="stock-items"),
    path("stock/items/match/", views.StockRefreshLinks.as_view(), name="stock-items-match"),
    path("stock/unblock/", views.StockUnblock.as_view(), name="stock-unblock"),
    path("stock/locations/", views.LocationMappingList.as_view(), name="stock-locations"),
    path("stock/locations/refresh/", views.LocationRefresh.as_view(), name="stock-locations-refresh"),
    path("stock/locations/<api_id:pk>/", views.LocationMappingDetail.as_view(), name="stock-location"),
    path("stock/preview/", views.StockPreview.as_view(), name="stock-preview"),
    path("products/", views.ProductSummary.as_view(), name="products"),
    path("products/mappings/", views.ProductMappingList.as_view(), name="product-mappings"),
    path("products/mappings/<api_id:pk>/", views.ProductMappingDetail.as_view(), name="product-mapping"),
    path("products/mappings/<api_id:pk>/link/", views.ProductLinkFix.as_view(), name="product-mapping-link"),
    path(
        "products/mappings/<api_id:pk>/create/",
        views.ProductCreateFix.as_view(),
        name="product-mapping-create",
    ),
    path(
        "products/mappings/<api_id:pk>/ignore/",
        views.ProductIgnoreFix.as_view(),
        name="product-mapping-ignore",
    ),
    path(
        "products/mappings/<api_id:pk>/unignore/",
        views.ProductUnignoreFix.as_view(),
        name="product-mapping-unignore",
    ),
    path(
        "products/odoo-suggestions/", views.OdooProductSuggestions.as_view(), name="product-odoo-suggestions"
    ),
    path("products/odoo-only/", views.OdooOnlyProducts.as_view(), name="product-odoo-only"),
    path("products/imports/", views.ProductImportList.as_view(), name="product-imports"),
    path("products/imports/<api_id:pk>/", views.ProductImportDetail.as_view(), name="product-import"),
    path("products/imports/<api_id:pk>/stop/", views.ProductImportStop.as_view(), name="product-import-stop"),
    path(
        "products/imports/<api_id:pk>/resume/",
        views.ProductImportResume.as_view(),
        name="product-import-resume",
    ),
    path("refunds/", views.RefundList.as_view(), name="refunds"),
    path("refunds/<api_id:pk>/", views.RefundDetail.as_view(), name="refund"),
    path("refunds/<api_id:pk>/retry/", views.RefundRetry.as_view(), name="refund-retry"),
    path("shipments/", views.ShipmentList.as_view(), name="shipments"),
    path("shipments/<api_id:pk>/", views.ShipmentDetail.as_view(), name="shipment"),
    path("shipments/<api_id:pk>/retry/", views.ShipmentRetry.as_view(), name="shipment-retry"),
    path("shipments/orders/<api_id:order_pk>/", views.OrderShipments.as_view(), name="shipments-order"),
    path(
        "shipments/orders/<api_id:order_pk>/retry/",
        views.OrderShipmentsRetry.as_view(),
        name="shipments-order-retry",
    ),
    path("customers/", views.CustomerOverview.as_view(), name="customers"),
    path("customers/links/", views.CustomerLinkList.as_view(), name="customer-links"),
    path("customers/links/<api_id:pk>/", views.CustomerLinkDetail.as_view(), name="customer-link"),
    path("customers/duplicates/", views.CustomerDuplicates.as_view(), name="customer-duplicates"),
    path("customers/imports/", views.CustomerImportList.as_view(), name="customer-imports"),
    path("customers/imports/<api_id:pk>/", views.CustomerImportDetail.as_view(), name="customer-import"),
    path(
        "customers/imports/<api_id:pk>/stop/", views.CustomerImportStop.as_view(), name="customer-import-stop"
    ),
    path(
        "customers/imports/<api_id:pk>/resume/",
        views.CustomerImportResume.as_view(),
        name="customer-import-resume",
    ),
]
