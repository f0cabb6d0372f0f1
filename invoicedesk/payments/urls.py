from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("billing/invoices/<id:invoice_id>/payment-link/issue/", views.link_issue, name="link_issue"),
    path("billing/invoices/<id:invoice_id>/payment-link/cancel/", views.link_cancel, name="link_cancel"),
    path("pay/<str:token>/", views.pay, name="pay"),
    path("pay/<str:token>/return/", views.pay_return, name="pay_return"),
]
