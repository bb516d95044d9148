from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("import/", views.orders_import, name="import"),
    path("bulk-sync/", views.orders_bulk_sync, name="bulk_sync"),
    path("batches/<int:pk>/", views.batch_status, name="batch"),
    path("imports/", views.import_runs, name="import_runs"),
    path("imports/backfill/", views.backfill_start, name="backfill"),
    path("imports/<int:pk>/stop/", views.import_stop, name="import_stop"),
    path("imports/<int:pk>/resume/", views.import_resume, name="import_resume"),
    path("rows/", views.order_rows, name="rows"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/odoo/", views.order_odoo, name="odoo"),
    path("<int:pk>/row/", views.order_row, name="row"),
    path("<int:pk>/sync/", views.order_sync, name="sync"),
    path("<int:pk>/preview/", views.order_preview, name="preview"),
    path("<int:pk>/changes/<int:proposal_pk>/accept/", views.proposal_accept, name="proposal_accept"),
    path("<int:pk>/changes/<int:proposal_pk>/dismiss/", views.proposal_dismiss, name="proposal_dismiss"),
]
