from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="billing:invoice_list", permanent=False)),
    path("accounts/", include("invoicedesk.accounts.urls")),
    path("billing/", include("invoicedesk.billing.urls")),
    path("", include("invoicedesk.payments.urls")),
    path("", include("invoicedesk.refunds.urls")),
    path("admin/", admin.site.urls),
]
