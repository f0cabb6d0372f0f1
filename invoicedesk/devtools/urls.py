from django.urls import path

from . import views

app_name = "devtools"

urlpatterns = [
    path("pay/<str:token>/", views.test_mode_pay, name="test_mode_pay"),
]
