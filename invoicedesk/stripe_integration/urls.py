from django.urls import path

from . import views
from .intake import CONNECT_WEBHOOK_PATH, WEBHOOK_PATH

app_name = "stripe_events"

urlpatterns = [
    path(WEBHOOK_PATH.lstrip("/"), views.stripe_webhook, name="stripe_webhook"),
    path(CONNECT_WEBHOOK_PATH.lstrip("/"), views.stripe_connect_webhook, name="stripe_connect_webhook"),
]
