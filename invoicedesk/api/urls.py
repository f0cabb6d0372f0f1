from django.urls import path

from . import views

app_name = "api_keys"

urlpatterns = [
    path("", views.api_keys, name="list"),
    path("<id:api_key_id>/revoke/", views.api_key_revoke_view, name="revoke"),
]
