from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("invoices.csv", views.invoice_export, name="invoice_export"),
    path("refunds/", views.refund_list, name="refund_list"),
    path("invoices/<id:invoice_id>/documents/<id:document_id>.pdf", views.refund_document, name="refund_document"),
    path("invoices/<id:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<id:invoice_id>/emails/<id:notification_id>/", views.buyer_email, name="buyer_email"),
    path(
        "invoices/<id:invoice_id>/emails/<id:notification_id>/html",
        views.buyer_email_html,
        name="buyer_email_html",
    ),
    path("settings/", views.organization_settings, name="organization_settings"),
    path("audit/", views.audit_log, name="audit_log"),
    path("settings/members/", views.member_invite_view, name="member_invite"),
    path("settings/stripe/connect/", views.stripe_connect, name="stripe_connect"),
    path("settings/stripe/return/", views.stripe_connect_return, name="stripe_connect_return"),
    path("settings/addon/subscribe/", views.addon_subscribe_view, name="addon_subscribe"),
    path("settings/addon/cancel/", views.addon_cancel_view, name="addon_cancel"),
    path("settings/members/<id:membership_id>/", views.member_update_view, name="member_update"),
]
