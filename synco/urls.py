from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from synco.pages import views
from synco.shopify_app import install, webhooks

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("webhooks/", webhooks.receive_webhook, name="webhooks"),
    path("shopify/auth/", install.oauth_begin, name="shopify_auth"),
    path("shopify/auth/callback/", install.oauth_callback, name="shopify_auth_callback"),
    path("shopify/session-token-bounce/", install.session_token_bounce, name="shopify_bounce"),
    path("shop/", views.switch_shop, name="switch_shop"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", include("orders.urls")),
    path("refunds/", include("refunds.urls")),
    path("products/", include("products.urls")),
    path("customers/", include("customers.urls")),
    path("stock/", include("stock.urls")),
    path("shipments/", include("shipments.urls")),
    path("logs/", include("synclogs.urls")),
    path("settings/api-keys/", include("api.page_urls")),
    path("settings/", include("synco.pages.settings_urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
