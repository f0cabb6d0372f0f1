from django.urls import path

from . import views

app_name = "accounting"

urlpatterns = [
    path("", views.accounting_export, name="export"),
    path("download", views.accounting_download, name="download"),
    path("settings/", views.accounting_settings, name="settings"),
]
