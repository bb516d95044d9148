from django.urls import path

from refunds import views

app_name = "refunds"

urlpatterns = [
    path("<int:pk>/retry/", views.refund_retry, name="retry"),
]
