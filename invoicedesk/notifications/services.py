"""The buyer's refund emails, queued: one outbox row per (kind, refund), written in the refund's transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Role
from invoicedesk.alerts.models import Alert
from invoicedesk.payments.history import SYSTEM_ACTOR, HistoryMessage, history_record
from invoicedesk.payments.models import PaymentLink, TransactionKind
from invoicedesk.refunds.models import Refund, RefundSource

from .models import Notification, NotificationKind, NotificationStatus
from .tasks import deliver_notification


def _outbox(*, defaults: dict[str, Any], **lookup: Any) -> tuple[Notification, bool]:
    """One outbox row per `lookup`, unique in the database; a new row's delivery is queued with it."""
    notification, created = Notification.objects.get_or_create(**lookup, defaults=defaults)
    if created:
        deliver_notification.enqueue(notification.pk)
    return notification, created


def _queue(*, kind: NotificationKind, refund: Refund, link: PaymentLink) -> Notification:
    """One outbox row per (kind, refund), unique in the database: however often this runs, one email.

    It records the facts as they are now, so the email says what was true when it was queued.
    """
    invoice = link.invoice
    buyer = invoice.buyer
    seller = invoice.organization
    notification, _ = _outbox(
        kind=kind,
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
                "time_zone": seller.time_zone,  # the refund date as the seller's calendar has it
            },
        },
    )
    return notification


def notification_queue_refund_succeeded(*, refund: Refund, link: PaymentLink) -> Notification | None:
    """Queue the buyer's refund email; call inside the transaction that marks the refund SUCCEEDED.

    A refund made outside invoicedesk is emailed only if the organization says so (the default).
    """
    if refund.source == RefundSource.STRIPE_DASHBOARD and not link.invoice.organization.email_buyer_on_outside_refunds:
        return None
    return _queue(kind=NotificationKind.REFUND_SUCCEEDED, refund=refund, link=link)


def notification_correct_reversed_refund(*, refund: Refund, link: PaymentLink) -> Notification | None:
    """A refund failed after it succeeded. If the buyer was told (or is being told), tell them it did not go
    through; if the notice has not gone out yet, it never will."""
    notice = (
        Notification.objects.select_for_update(of=("self",), no_key=True)
        .filter(kind=NotificationKind.REFUND_SUCCEEDED, refund=refund)
        .first()
    )
    if notice is None:
        return None
    if notice.status in (NotificationStatus.PENDING, NotificationStatus.RETRYING) and notice.attempts == 0:
        # Never handed to a mail server: it will not go out now, and there is nothing to correct.
        notice.status = NotificationStatus.CANCELED
        notice.save(update_fields=["status"])
        history_record(
            link=link,
            kind=TransactionKind.NOTIFICATION,
            parts=[(HistoryMessage.EMAIL_CANCELED, {"email": notice.to_email})],
            amount=refund.amount,
            status=NotificationStatus.CANCELED,
            actor_label=SYSTEM_ACTOR,
        )
        return None
    if notice.status in (NotificationStatus.PENDING, NotificationStatus.RETRYING, NotificationStatus.SENDING):
        # It may have reached the buyer (an attempt was made): stop further attempts, and correct it.
        notice.status = NotificationStatus.CANCELED
        notice.save(update_fields=["status"])
    return _queue(kind=NotificationKind.REFUND_CORRECTION, refund=refund, link=link)


def notification_queue_alert(*, alert: Alert) -> list[Notification]:
    """Email the organization's admins about a new alert: one outbox row per (alert, admin)."""
    admins = Membership.objects.filter(organization_id=alert.organization_id, role=Role.ADMIN).select_related("user")
    invoice_number = alert.invoice.number if alert.invoice_id is not None and alert.invoice else ""
    queued = []
    for admin in admins:
        notification, created = _outbox(
            kind=NotificationKind.ALERT,
            alert=alert,
            to_email=admin.user.email,
            defaults={
                "organization_id": alert.organization_id,
                "language": admin.user.language or "ja",
                "context": {
                    "kind": alert.kind,
                    "organization_name": admin.organization.name,
                    "invoice_number": invoice_number,
                    "amount": alert.amount,
                    "currency": alert.currency or admin.organization.currency,
                    "subject": alert.subject,
                    "detail": alert.detail,
                    "alerts_url": f"{settings.SITE_URL}{reverse('alerts:alert_list')}",
                },
            },
        )
        if created:
            queued.append(notification)
    return queued


def _queue_to_staff(*, kind: NotificationKind, refund: Refund, link: PaymentLink, recipients: list[Membership]) -> int:
    """One email per (kind, refund, recipient) to staff about a held refund, in each one's language."""
    invoice = link.invoice
    facts = {
        "organization_name": invoice.organization.name,
        "invoice_number": invoice.number,
        "buyer_company": invoice.buyer.company_name,
        "amount": refund.amount,
        "currency": refund.currency,
        "classification": refund.classification,
        "status": refund.status,
        "requested_by": str(refund.requested_by or ""),
        "decided_by": str(refund.decided_by or ""),
        "comment": refund.decision_comment,
        "memo": refund.memo,
        "approval_url": f"{settings.SITE_URL}{reverse('refunds:approval_detail', args=[refund.pk])}",
    }
    queued = 0
    for member in recipients:
        _, created = _outbox(
            kind=kind,
            refund=refund,
            to_email=member.user.email,
            defaults={
                "organization_id": refund.organization_id,
                "language": member.user.language or "ja",
                "context": facts,
            },
        )
        queued += created
    return queued


def notification_ask_approvers(*, refund: Refund, link: PaymentLink) -> None:
    """refunds.hooks.refund_held: every approver but the requester is asked, in the transaction that holds it."""
    approvers = [
        member
        for member in Membership.objects.filter(organization_id=refund.organization_id).select_related("user")
        if member.role_enum.can_approve_refund and member.user_id != refund.requested_by_id
    ]
    _queue_to_staff(kind=NotificationKind.APPROVAL_REQUESTED, refund=refund, link=link, recipients=approvers)


def notification_tell_requester(*, refund: Refund, link: PaymentLink) -> None:
    """refunds.hooks.refund_declined: the requester learns it was rejected or expired."""
    if refund.requested_by_id is None:
        return
    requester = (
        Membership.objects.filter(organization_id=refund.organization_id, user_id=refund.requested_by_id)
        .select_related("user")
        .first()
    )
    if requester is not None:
        _queue_to_staff(kind=NotificationKind.APPROVAL_DECIDED, refund=refund, link=link, recipients=[requester])
