from django.urls import path

from . import views

app_name = "refunds"

urlpatterns = [
    path("billing/invoices/<int:invoice_id>/refund/", views.refund_modal, name="refund"),
    path("billing/invoices/<int:invoice_id>/refund/preview/", views.refund_preview, name="preview"),
]
