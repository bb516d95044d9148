from django.urls import path

from synclogs import views

app_name = "synclogs"

urlpatterns = [
    path("", views.attempt_list, name="list"),
]
