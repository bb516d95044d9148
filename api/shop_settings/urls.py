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
    path("pause/", views.PauseView.as_view(), name="settings-pause"),
    path("resume/", views.ResumeView.as_view(), name="settings-resume"),
]
