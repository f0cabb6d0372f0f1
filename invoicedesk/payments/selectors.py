from __future__ import annotations

from django.db.models import QuerySet

from invoicedesk.billing.models import BillingInvoice

from .models import PaymentTransaction


def transactions_for_invoice(*, invoice: BillingInvoice) -> QuerySet[PaymentTransaction]:
    """The Payment Transaction history of an invoice already fetched within its tenant."""
    return (
        PaymentTransaction.objects.filter(organization_id=invoice.organization_id, payment_link__invoice=invoice)
        .select_related("actor_user")
        .order_by("-created_at", "-id")
    )
