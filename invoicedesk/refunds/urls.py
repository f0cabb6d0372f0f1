from django.urls import path

from . import approval_views, views

app_name = "refunds"

urlpatterns = [
    path("billing/invoices/<id:invoice_id>/refund/", views.refund_modal, name="refund"),
    path("billing/invoices/<id:invoice_id>/refund/preview/", views.refund_preview, name="preview"),
    path(
        "billing/invoices/<id:invoice_id>/refunds/<id:refund_id>/progress/",
        views.refund_progress,
        name="progress",
    ),
    path("billing/invoices/<id:invoice_id>/refunds/in-flight/", views.refunds_in_flight_banner, name="in_flight"),
    path(
        "billing/invoices/<id:invoice_id>/refunds/<id:refund_id>/cancel/",
        approval_views.refund_cancel_view,
        name="cancel",
    ),
    path("approvals/", approval_views.approval_list, name="approvals"),
    path("approvals/<id:refund_id>/", approval_views.approval_detail, name="approval_detail"),
]
