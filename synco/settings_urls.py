from django.urls import path

from synco import settings_views

app_name = "settings"

urlpatterns = [
    path("odoo/", settings_views.odoo_settings, name="odoo"),
    path("odoo/check/", settings_views.odoo_check, name="odoo_check"),
    path("rules/", settings_views.order_rules, name="rules"),
]
