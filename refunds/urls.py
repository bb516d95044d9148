from django.urls import path

from refunds import views

app_name = "refunds"

urlpatterns = [
    path("order/<int:order_pk>/", views.order_refunds, name="order"),
    path("<int:pk>/retry/", views.refund_retry, name="retry"),
]
