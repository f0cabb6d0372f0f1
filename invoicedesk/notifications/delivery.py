"""Delivering a queued email, exactly once. Runs in the worker (notifications.tasks); enqueues nothing."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from invoicedesk.core.money import Money
from invoicedesk.payments.history import SYSTEM_ACTOR, HistoryMessage, MessagePart, history_record
from invoicedesk.payments.models import TransactionKind

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min, 8 min


@dataclass(frozen=True)
class DeliveryResult:
    notification: Notification
    # Set when the attempt failed and another is due after this delay.
    retry_after: timedelta | None = None


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


def _history(notification: Notification, status: str, message: MessagePart) -> None:
    refund = notification.refund
    history_record(
        link=refund.payment_link,
        kind=TransactionKind.NOTIFICATION,
        parts=[message],
        amount=refund.amount,
        status=status,
        actor_label=SYSTEM_ACTOR,
    )


def notification_deliver(*, notification_id: int) -> DeliveryResult:
    """Send one queued email. The row stays locked while the SMTP server takes the message, so a
    second worker (or a retried task) waits and then finds it SENT: one email, however often this runs."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",), no_key=True)
            .select_related("refund__payment_link__invoice")
            .get(pk=notification_id)
        )
        if notification.status in (NotificationStatus.SENT, NotificationStatus.FAILED):
            return DeliveryResult(notification)
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
                    NotificationStatus.FAILED,
                    (
                        HistoryMessage.EMAIL_FAILED,
                        {
                            "email": notification.to_email,
                            "attempts": notification.attempts,
                            "error": notification.last_error,
                        },
                    ),
                )
                retry_after = None
            else:
                notification.status = NotificationStatus.RETRYING
                retry_after = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
            logger.warning("refund email %s attempt %d failed: %s", notification.pk, notification.attempts, error)
            notification.save()
            return DeliveryResult(notification, retry_after)
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save()
        _history(
            notification, NotificationStatus.SENT, (HistoryMessage.EMAIL_DELIVERED, {"email": notification.to_email})
        )
        return DeliveryResult(notification)
