"""The buyer's refund email, queued: one outbox row per (kind, refund), written in the refund's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import Refund

from .models import Notification, NotificationKind
from .tasks import deliver_notification


def notification_queue_refund_succeeded(*, refund: Refund, link: PaymentLink) -> Notification:
    """Queue the buyer's refund email; call inside the transaction that marks the refund SUCCEEDED.

    The row is unique per (kind, refund), so however often this runs, one email is queued.
    It records the facts as they are now, so the email says what was true at the refund.
    """
    invoice = link.invoice
    buyer = invoice.buyer
    seller = invoice.organization
    notification, created = Notification.objects.get_or_create(
        kind=NotificationKind.REFUND_SUCCEEDED,
        refund=refund,
        defaults={
            "organization_id": refund.organization_id,
            "to_email": buyer.email,
            "language": buyer.language or "ja",
            "context": {
                "seller_name": seller.name,
                "seller_contact_email": seller.contact_email,
                "buyer_company": buyer.company_name,
                "buyer_contact": buyer.contact_name,
                "invoice_number": invoice.number,
                "currency": refund.currency,
                "refund_amount": refund.amount,
                "classification": refund.classification,
                "net_paid_after": link.amount_paid - link.amount_refunded,
                "paid_amount": link.amount_paid,
                "refunded_at": (refund.succeeded_at or timezone.now()).isoformat(),
            },
        },
    )
    if created:
        transaction.on_commit(lambda: deliver_notification.enqueue(notification.pk))
    return notification


def on_refund_succeeded(sender: type[Refund], *, refund: Refund, link: PaymentLink, **kwargs: Any) -> None:
    """Receiver of refunds.signals.refund_succeeded (connected in NotificationsConfig.ready())."""
    notification_queue_refund_succeeded(refund=refund, link=link)
