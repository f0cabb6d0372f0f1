from django.urls import path

from . import twofactor_views

app_name = "twofactor"

urlpatterns = [
    path("", twofactor_views.two_factor_setup, name="setup"),
    path("verify/", twofactor_views.two_factor_verify_view, name="verify"),
    path("recovery-codes/", twofactor_views.two_factor_recovery_codes, name="recovery_codes"),
]
