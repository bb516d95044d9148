from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customers_page, name="page"),
    path("settings/", views.save_settings, name="settings"),
    path("import/", views.import_start, name="import"),
    path("import/status/", views.import_panel, name="import_status"),
    path("import/<int:pk>/stop/", views.import_stop, name="import_stop"),
    path("import/<int:pk>/resume/", views.import_resume, name="import_resume"),
    path("duplicates/", views.duplicates_page, name="duplicates"),
]
