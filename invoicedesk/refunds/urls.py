from django.urls import path

from . import views

app_name = "refunds"

urlpatterns = [
    path("billing/invoices/<int:invoice_id>/refund/", views.refund_modal, name="refund"),
    path("billing/invoices/<int:invoice_id>/refund/preview/", views.refund_preview, name="preview"),
    path(
        "billing/invoices/<int:invoice_id>/refunds/<int:refund_id>/progress/",
        views.refund_progress,
        name="progress",
    ),
    path("billing/invoices/<int:invoice_id>/refunds/in-flight/", views.refunds_in_flight_banner, name="in_flight"),
]
