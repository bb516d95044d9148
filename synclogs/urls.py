from django.urls import path

from synclogs import views

app_name = "synclogs"

urlpatterns = [
    path("", views.attempt_list, name="list"),
    path("export.csv", views.attempt_export, name="export"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("<int:pk>/", views.attempt_detail, name="detail"),
]
