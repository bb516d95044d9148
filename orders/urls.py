from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("import/", views.orders_import, name="import"),
    path("<int:pk>/row/", views.order_row, name="row"),
    path("<int:pk>/sync/", views.order_sync, name="sync"),
]
