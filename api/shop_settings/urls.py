from django.urls import URLPattern, URLResolver, path

from api.shop_settings import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("odoo-connection/", views.OdooConnectionView.as_view(), name="settings-odoo-connection"),
    path(
        "odoo-connection/test/", views.OdooConnectionTestView.as_view(), name="settings-odoo-connection-test"
    ),
    path("order-rules/", views.OrderRulesView.as_view(), name="settings-order-rules"),
    path("matching/", views.MatchingView.as_view(), name="settings-matching"),
    path("catalogue/", views.CatalogueView.as_view(), name="settings-catalogue"),
    path("stock/", views.StockSettingsView.as_view(), name="settings-stock"),
    path("stock/notifications/", views.StockNotificationsView.as_view(), name="settings-stock-notifications"),
    path("webhook-token/rotate/", views.WebhookTokenView.as_view(), name="settings-webhook-token-rotate"),
    path("shipping/", views.ShippingSettingsView.as_view(), name="settings-shipping"),
    path(
        "shipping/notifications/",
        views.DeliveryNotificationsView.as_view(),
        name="settings-shipping-notifications",
    ),
    path("pause/", views.PauseView.as_view(), name="settings-pause"),
    path("resume/", views.ResumeView.as_view(), name="settings-resume"),
]
