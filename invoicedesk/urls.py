from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from invoicedesk.api.api import api
from invoicedesk.core.views import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="backoffice:invoice_list", permanent=False)),
    path("healthz", health, name="health"),
    path("accounts/api-keys/", include("invoicedesk.api.urls")),
    path("accounts/two-factor/", include("invoicedesk.backoffice.twofactor_urls")),
    path("accounts/", include("invoicedesk.accounts.urls")),
    path("api/v1/", api.urls),
    path("billing/accounting/", include("invoicedesk.accounting.urls")),
    path("billing/", include("invoicedesk.backoffice.urls")),
    path("alerts/", include("invoicedesk.alerts.urls")),
    path("", include("invoicedesk.payments.urls")),
    path("", include("invoicedesk.refunds.urls")),
    path("", include("invoicedesk.stripe_integration.urls")),
    path("admin/", admin.site.urls),
]

if settings.STRIPE_TEST_CARD_FORM:
    # Test mode (localstripe): the pay page's address serves the test card form instead of Stripe.js.
    urlpatterns.insert(0, path("", include("invoicedesk.devtools.urls")))
