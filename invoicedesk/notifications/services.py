"""The buyer's refund email: queued in the refund's transaction, delivered by a task, exactly once."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from invoicedesk.core.money import Money
from invoicedesk.payments.models import PaymentLink, PaymentTransaction, TransactionKind

from .models import Notification, NotificationKind, NotificationStatus

if TYPE_CHECKING:
    from invoicedesk.refunds.models import Refund

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min, 8 min


def notification_queue_refund_succeeded(*, refund: Refund, link: PaymentLink) -> Notification:
    """Queue the buyer's refund email; call inside the transaction that marks the refund SUCCEEDED.

    The row is unique per (kind, refund), so however often this runs, one email is queued.
    It records the facts as they are now, so the email says what was true at the refund.
    """
    from .tasks import deliver_notification

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


def _render_refund_email(notification: Notification) -> EmailMultiAlternatives:
    facts: dict[str, Any] = dict(notification.context)
    currency = facts["currency"]
    with translation.override(notification.language):
        refunded_at = timezone.localtime(datetime.fromisoformat(facts["refunded_at"]))
        context = {
            **facts,
            "refund_amount": Money(facts["refund_amount"], currency).format(notification.language),
            "net_paid_after": Money(facts["net_paid_after"], currency).format(notification.language),
            "paid_amount": Money(facts["paid_amount"], currency).format(notification.language),
            "refunded_on": refunded_at.strftime("%Y年%m月%d日" if notification.language == "ja" else "%B %-d, %Y"),
            "is_full": facts["classification"] == "FULL",
        }
        subject = render_to_string(f"notifications/refund_succeeded_subject.{notification.language}.txt", context)
        text = render_to_string(f"notifications/refund_succeeded.{notification.language}.txt", context)
        html = render_to_string(f"notifications/refund_succeeded.{notification.language}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        reply_to=[facts["seller_contact_email"]] if facts.get("seller_contact_email") else None,
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


def _history(notification: Notification, status: str, message: str) -> None:
    refund = notification.refund
    PaymentTransaction.objects.create(
        organization_id=notification.organization_id,
        payment_link_id=refund.payment_link_id,
        kind=TransactionKind.NOTIFICATION,
        amount=refund.amount,
        currency=refund.currency,
        status=status,
        actor_label="invoicedesk",
        message=message,
    )


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued email. The row stays locked while the SMTP server takes the message, so a
    second worker (or a retried task) waits and then finds it SENT: one email, however often this runs."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",), no_key=True)
            .select_related("refund")
            .get(pk=notification_id)
        )
        if notification.status in (NotificationStatus.SENT, NotificationStatus.FAILED):
            return notification
        if not notification.message_id:
            # Fixed before the first attempt: a resend after a crash carries the same Message-ID.
            notification.message_id = make_msgid(domain="invoicedesk")
        notification.attempts += 1
        try:
            _render_refund_email(notification).send()
        except (smtplib.SMTPException, OSError) as error:
            notification.last_error = f"{type(error).__name__}: {error}"
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
                _history(
                    notification,
                    "FAILED",
                    _("Refund email to %(email)s failed after %(attempts)d attempts: %(error)s")
                    % {
                        "email": notification.to_email,
                        "attempts": notification.attempts,
                        "error": notification.last_error,
                    },
                )
            else:
                notification.status = NotificationStatus.RETRYING
                delay = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
                transaction.on_commit(lambda: _retry_later(notification.pk, delay))
            logger.warning("refund email %s attempt %d failed: %s", notification.pk, notification.attempts, error)
            notification.save()
            return notification
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save()
        _history(notification, "SENT", _("Refund email delivered to %(email)s.") % {"email": notification.to_email})
        return notification


def _retry_later(notification_id: int, delay: timedelta) -> None:
    from .tasks import deliver_notification

    if deliver_notification.get_backend().supports_defer:
        deliver_notification.using(run_after=timezone.now() + delay).enqueue(notification_id)
    else:  # a backend without deferral (tests): the next run is up to the caller
        logger.info("task backend cannot defer; notification %s waits for the next run", notification_id)
