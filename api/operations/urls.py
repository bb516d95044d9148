from django.urls import URLPattern, URLResolver, path

from api.operations import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("stock/", views.StockOverviewView.as_view(), name="stock"),
    path("stock/drift-reports/", views.DriftReportList.as_view(), name="stock-drift-reports"),
    path("stock/drift-reports/<int:pk>/", views.DriftReportDetail.as_view(), name="stock-drift-report"),
    path("stock/drift/", views.DriftRowList.as_view(), name="stock-drift"),
    path("stock/drift/repair/", views.DriftRepair.as_view(), name="stock-drift-repair"),
    path("stock/push-all/", views.StockPushAll.as_view(), name="stock-push-all"),
    path("stock/pushes/", views.StockPushList.as_view(), name="stock-pushes"),
    path("stock/items/", views.InventoryItemList.as_view(), name="stock-items"),
    path("stock/items/match/", views.StockRefreshLinks.as_view(), name="stock-items-match"),
    path("stock/unblock/", views.StockUnblock.as_view(), name="stock-unblock"),
    path("stock/locations/", views.LocationMappingList.as_view(), name="stock-locations"),
    path("stock/locations/refresh/", views.LocationRefresh.as_view(), name="stock-locations-refresh"),
    path("stock/locations/<int:pk>/", views.LocationMappingDetail.as_view(), name="stock-location"),
    path("stock/preview/", views.StockPreview.as_view(), name="stock-preview"),
    path("products/", views.ProductSummary.as_view(), name="products"),
    path("products/mappings/", views.ProductMappingList.as_view(), name="product-mappings"),
    path("products/mappings/<int:pk>/", views.ProductMappingDetail.as_view(), name="product-mapping"),
    path("products/mappings/<int:pk>/link/", views.ProductLinkFix.as_view(), name="product-mapping-link"),
    path(
        "products/mappings/<int:pk>/create/", views.ProductCreateFix.as_view(), name="product-mapping-create"
    ),
    path(
        "products/mappings/<int:pk>/ignore/", views.ProductIgnoreFix.as_view(), name="product-mapping-ignore"
    ),
    path(
        "products/mappings/<int:pk>/unignore/",
        views.ProductUnignoreFix.as_view(),
        name="product-mapping-unignore",
    ),
    path(
        "products/odoo-suggestions/", views.OdooProductSuggestions.as_view(), name="product-odoo-suggestions"
    ),
    path("products/odoo-only/", views.OdooOnlyProducts.as_view(), name="product-odoo-only"),
    path("products/imports/", views.ProductImportList.as_view(), name="product-imports"),
    path("products/imports/<int:pk>/", views.ProductImportDetail.as_view(), name="product-import"),
    path("products/imports/<int:pk>/stop/", views.ProductImportStop.as_view(), name="product-import-stop"),
    path(
        "products/imports/<int:pk>/resume/", views.ProductImportResume.as_view(), name="product-import-resume"
    ),
    path("refunds/", views.RefundList.as_view(), name="refunds"),
    path("refunds/<int:pk>/", views.RefundDetail.as_view(), name="refund"),
    path("refunds/<int:pk>/retry/", views.RefundRetry.as_view(), name="refund-retry"),
    path("shipments/", views.ShipmentList.as_view(), name="shipments"),
    path("shipments/<int:pk>/", views.ShipmentDetail.as_view(), name="shipment"),
    path("shipments/<int:pk>/retry/", views.ShipmentRetry.as_view(), name="shipment-retry"),
    path("shipments/orders/<int:order_pk>/", views.OrderShipments.as_view(), name="shipments-order"),
    path(
        "shipments/orders/<int:order_pk>/retry/",
        views.OrderShipmentsRetry.as_view(),
        name="shipments-order-retry",
    ),
    path("customers/", views.CustomerOverview.as_view(), name="customers"),
    path("customers/links/", views.CustomerLinkList.as_view(), name="customer-links"),
    path("customers/links/<int:pk>/", views.CustomerLinkDetail.as_view(), name="customer-link"),
    path("customers/duplicates/", views.CustomerDuplicates.as_view(), name="customer-duplicates"),
    path("customers/imports/", views.CustomerImportList.as_view(), name="customer-imports"),
    path("customers/imports/<int:pk>/", views.CustomerImportDetail.as_view(), name="customer-import"),
    path("customers/imports/<int:pk>/stop/", views.CustomerImportStop.as_view(), name="customer-import-stop"),
    path(
        "customers/imports/<int:pk>/resume/",
        views.CustomerImportResume.as_view(),
        name="customer-import-resume",
    ),
]
