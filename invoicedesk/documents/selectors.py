from __future__ import annotations

from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.errors import NotFound

from .models import RefundDocument


def document_get(*, organization: Organization, invoice_id: int, document_id: int) -> RefundDocument:
    """A document of one of the invoice's refunds, within the organization; anything else is not found."""
    document = RefundDocument.objects.filter(
        pk=document_id, organization=organization, refund__payment_link__invoice_id=invoice_id
    ).first()
    if document is None:
        raise NotFound(_("No such document."))
    return document
