from django.urls import URLPattern, URLResolver, path

from api.core import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", views.me, name="me"),
    path("health/", views.health, name="health"),
]
