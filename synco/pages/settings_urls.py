from django.urls import path

from synco.pages import settings_views

app_name = "settings"

urlpatterns = [
    path("", settings_views.overview, name="index"),
    path("odoo/", settings_views.odoo_settings, name="odoo"),
    path("odoo/check/", settings_views.odoo_check, name="odoo_check"),
    path("rules/", settings_views.order_rules, name="rules"),
    path("matching/", settings_views.matching, name="matching"),
    path("pause/", settings_views.pause_sync, name="pause"),
    path("resume/", settings_views.resume_sync, name="resume"),
]
