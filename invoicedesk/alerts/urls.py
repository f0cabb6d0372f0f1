from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("<id:alert_id>/acknowledge/", views.alert_ack, name="alert_ack"),
]
