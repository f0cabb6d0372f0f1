from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import NotFound

from .models import PaymentLink, PaymentTransaction


def transactions_for_invoice(*, invoice: BillingInvoice) -> QuerySet[PaymentTransaction]:
    """The Payment Transaction history of an invoice already fetched within its tenant."""
    return (
        PaymentTransaction.objects.filter(organization_id=invoice.organization_id, payment_link__invoice=invoice)
        .select_related("actor_user")
        .order_by("-created_at", "-id")
    )


def payment_link_by_token(*, token: str) -> PaymentLink:
    """The public pay page's lookup: the unguessable token is the buyer's only credential."""
    link = PaymentLink.objects.select_related("invoice", "invoice__organization", "invoice__buyer").filter(token=token)
    found = link.first() if token else None
    if found is None:
        raise NotFound(_("No such payment link."))
    return found


def public_pay_url(request: HttpRequest, link: PaymentLink) -> str:
    path = reverse("payments:pay", kwargs={"token": link.token})
    return f"{settings.PUBLIC_BASE_URL}{path}" if settings.PUBLIC_BASE_URL else request.build_absolute_uri(path)
