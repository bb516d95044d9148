from django.urls import URLPattern, URLResolver, path

from api.records import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("logs/", views.AttemptList.as_view(), name="logs"),
    path("logs/export.csv", views.AttemptCSVExport.as_view(), name="logs-export-csv"),
    path("logs/export.ndjson", views.AttemptNDJSONExport.as_view(), name="logs-export-ndjson"),
    path("logs/<int:pk>/", views.AttemptDetail.as_view(), name="log"),
    path("webhooks/", views.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", views.WebhookDetail.as_view(), name="webhook"),
]
