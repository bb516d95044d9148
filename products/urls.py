from django.urls import path

from products import views

app_name = "products"

urlpatterns = [
    path("", views.mapping_page, name="page"),
    path("summary/", views.summary_panel, name="summary"),
    path("import/", views.import_start, name="import"),
    path("import/status/", views.import_panel, name="import_status"),
    path("import/<int:pk>/stop/", views.import_stop, name="import_stop"),
    path("import/<int:pk>/resume/", views.import_resume, name="import_resume"),
    path("odoo-only/", views.odoo_only, name="odoo_only"),
    path("odoo-products/", views.odoo_suggestions, name="odoo_suggestions"),
    path("settings/", views.catalogue_settings, name="settings"),
    path("<int:pk>/link/", views.link_product, name="link"),
    path("<int:pk>/create/", views.create_product, name="create"),
    path("<int:pk>/ignore/", views.ignore_product, name="ignore"),
    path("<int:pk>/unignore/", views.unignore_product, name="unignore"),
]
