from django.urls import path

from stock import views

app_name = "stock"

urlpatterns = [
    path("", views.stock_page, name="page"),
    path("drift/", views.run_drift, name="drift"),
    path("repair/", views.repair, name="repair"),
    path("links/refresh/", views.refresh_links, name="refresh_links"),
    path("push-all/", views.push_all, name="push_all"),
    path("unblock/", views.unblock, name="unblock"),
    path("settings/", views.stock_settings, name="settings"),
    path("settings/locations/refresh/", views.refresh_locations, name="refresh_locations"),
    path("settings/locations/<int:pk>/", views.map_location, name="map_location"),
    path("settings/preview/", views.preview, name="preview"),
    path("settings/notifications/", views.install_notifications, name="install_notifications"),
    path("settings/notifications/token/", views.rotate_token, name="rotate_token"),
    path("odoo-webhook/<int:shop_pk>/", views.odoo_webhook, name="odoo_webhook"),
]
