from django.urls import path

from shipments import views

app_name = "shipments"

urlpatterns = [
    path("order/<int:pk>/", views.order_panel, name="order_panel"),
    path("order/<int:pk>/retry/", views.retry_order, name="retry_order"),
    path("settings/", views.shipment_settings, name="settings"),
    path("settings/notifications/", views.install_notifications, name="install_notifications"),
    path("odoo-webhook/<int:shop_pk>/", views.odoo_webhook, name="odoo_webhook"),
]
