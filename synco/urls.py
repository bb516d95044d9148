from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from synco import views, webhooks

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("webhooks/", webhooks.receive_webhook, name="webhooks"),
    path("shop/", views.switch_shop, name="switch_shop"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", include("orders.urls")),
    path("logs/", include("synclogs.urls")),
    path("settings/", include("synco.settings_urls")),
    path("admin/", admin.site.urls),
]
