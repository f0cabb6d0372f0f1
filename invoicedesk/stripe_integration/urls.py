from django.urls import path

from . import views
from .intake import WEBHOOK_PATH

app_name = "stripe_events"

urlpatterns = [
    path(WEBHOOK_PATH.lstrip("/"), views.stripe_webhook, name="stripe_webhook"),
]
