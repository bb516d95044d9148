"""/api/v1/orders/: the orders page's list, detail, buttons, bulk sync and imports of past orders."""

from django.urls import URLPattern, URLResolver, path

from api.orders import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.OrderList.as_view(), name="orders"),
    path("bulk-sync/", views.BulkSync.as_view(), name="orders-bulk-sync"),
    path("check-shopify/", views.CheckShopify.as_view(), name="orders-check-shopify"),
    path("batches/<int:pk>/", views.BatchDetail.as_view(), name="orders-batch"),
    path("imports/", views.ImportList.as_view(), name="orders-imports"),
    path("imports/<int:pk>/", views.ImportDetail.as_view(), name="orders-import"),
    path("imports/<int:pk>/stop/", views.ImportStop.as_view(), name="orders-import-stop"),
    path("imports/<int:pk>/resume/", views.ImportResume.as_view(), name="orders-import-resume"),
    path("<int:pk>/", views.OrderDetail.as_view(), name="order"),
    path("<int:pk>/sync/", views.OrderSync.as_view(), name="order-sync"),
    path("<int:pk>/retry/", views.OrderRetry.as_view(), name="order-retry"),
    path("<int:pk>/preview/", views.OrderPreview.as_view(), name="order-preview"),
    path("<int:pk>/refresh-from-odoo/", views.OrderRefreshFromOdoo.as_view(), name="order-refresh-from-odoo"),
    path(
        "<int:pk>/changes/<int:change_pk>/accept/", views.ProposalAccept.as_view(), name="order-change-accept"
    ),
    path(
        "<int:pk>/changes/<int:change_pk>/dismiss/",
        views.ProposalDismiss.as_view(),
        name="order-change-dismiss",
    ),
]
