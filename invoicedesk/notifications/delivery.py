"""Delivering a queued email, at least once, de-duplicated by Message-ID. Runs in the worker
(notifications.tasks); enqueues nothing and issues no document (a buyer's email waits for its document's task)."""

from __future__ import annotations

import email.message
import email.policy
import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.policy import Policy
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from invoicedesk.alerts.models import AlertKind
from invoicedesk.core.money import Money
from invoicedesk.core.queue import current_job_id
from invoicedesk.documents.issuing import document_awaited
from invoicedesk.documents.models import DocumentKind, RefundDocument
from invoicedesk.payments.history import SYSTEM_ACTOR, HistoryMessage, MessagePart, history_record
from invoicedesk.payments.models import TransactionKind
from invoicedesk.refunds.models import RefundStatus

from .models import Notification, NotificationKind, NotificationStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min, 8 min


BUYER_KINDS = (NotificationKind.REFUND_SUCCEEDED, NotificationKind.REFUND_CORRECTION)
# The document each buyer email carries; its own task issues it (documents.tasks), queued with the email.
DOCUMENT_OF: dict[NotificationKind, DocumentKind] = {
    NotificationKind.REFUND_SUCCEEDED: DocumentKind.RETURN_INVOICE,
    NotificationKind.REFUND_CORRECTION: DocumentKind.CORRECTION,
}
# How long a buyer's email waits for its document before it goes without it, saying so. Longer than the document
# task's own retries (30 s + 1 + 2 + 4 min) so a passing failure costs no attachment; short enough that a broken
# renderer holds back the buyer's refund notice by minutes, not for ever. Checked again every DOCUMENT_POLL.
DOCUMENT_WAIT = timedelta(minutes=10)
DOCUMENT_POLL = timedelta(seconds=10)


@dataclass(frozen=True)
class DeliveryResult:
    notification: Notification
    # Set when the attempt failed and another is due after this delay.
    retry_after: timedelta | None = None


def _template_context(notification: Notification) -> dict[str, Any]:
    """The stored facts, formatted for the recipient's language (call inside translation.override)."""
    facts: dict[str, Any] = dict(notification.context)
    language = notification.language
    for key, value in facts.items():
        # Rows queued before SITE_URL carry a bare path, which no mail client can open.
        if key.endswith("_url") and isinstance(value, str) and value.startswith("/"):
            facts[key] = f"{settings.SITE_URL}{value}"
    if notification.kind in (NotificationKind.APPROVAL_REQUESTED, NotificationKind.APPROVAL_DECIDED):
        return {
            **facts,
            "amount": Money(facts["amount"], facts["currency"]).format(language),
            "is_full": facts["classification"] == "FULL",
            "rejected": facts["status"] == "REJECTED",
        }
    if notification.kind == NotificationKind.ALERT:
        amount = facts.get("amount")
        return {
            **facts,
            "amount": Money(amount, facts["currency"]).format(language) if amount is not None else "",
            "kind_label": AlertKind(facts["kind"]).label
            if facts.get("kind") in AlertKind.values
            else facts.get("kind"),
        }
    currency = facts["currency"]
    # The document the email carries, named in its text (issued before the email is rendered; none: not said).
    attached = DOCUMENT_OF.get(NotificationKind(notification.kind))
    document = (
        RefundDocument.objects.filter(refund_id=notification.refund_id, kind=attached).order_by("-id").first()
        if attached is not None and notification.refund_id
        else None
    )
    facts["document_number"] = document.number if document is not None else ""
    seller_zone = ZoneInfo(facts.get("time_zone") or settings.TIME_ZONE)  # rows queued before the field: the default
    refunded_at = timezone.localtime(datetime.fromisoformat(facts["refunded_at"]), seller_zone)
    return {
        **facts,
        "refund_amount": Money(facts["refund_amount"], currency).format(language),
        "net_paid_after": Money(facts["net_paid_after"], currency).format(language),
        "paid_amount": Money(facts["paid_amount"], currency).format(language),
        "refunded_on": refunded_at.strftime("%Y年%m月%d日" if language == "ja" else "%B %-d, %Y"),
        "is_full": facts["classification"] == "FULL",
    }


class _RenderedOnce(EmailMultiAlternatives):
    """The MIME message is built once per policy, so the bytes kept are the bytes the SMTP backend sends
    (a second rendering would differ in its multipart boundaries)."""

    def message(self, *, policy: Policy | None = email.policy.default) -> email.message.EmailMessage:
        chosen = policy or email.policy.default
        rendered: dict[int, email.message.EmailMessage] = self.__dict__.setdefault("_rendered", {})
        if id(chosen) not in rendered:
            rendered[id(chosen)] = super().message(policy=chosen)
        return rendered[id(chosen)]

    def wire_bytes(self) -> bytes:
        return self.message(policy=email.policy.SMTP).as_bytes()


def _sender(notification: Notification) -> str:
    """A buyer's email comes from the seller: their name shown, our address (we may send from it; the seller's
    own domain would fail SPF/DMARC), Reply-To the seller's. Staff emails keep the app's own sender."""
    seller = (notification.context or {}).get("seller_name")
    if notification.kind not in BUYER_KINDS or not seller:
        return settings.DEFAULT_FROM_EMAIL
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return str(Address(display_name=seller, addr_spec=address))


def _render(notification: Notification) -> _RenderedOnce:
    facts: dict[str, Any] = dict(notification.context)
    with translation.override(notification.language):
        context = _template_context(notification)
        name = f"notifications/{notification.kind}"
        subject = render_to_string(f"{name}_subject.{notification.language}.txt", context)
        text = render_to_string(f"{name}.{notification.language}.txt", context)
        html = render_to_string(f"{name}.{notification.language}.html", context)
    message = _RenderedOnce(
        subject=" ".join(subject.split()),
        body=text,
        from_email=_sender(notification),
        to=[notification.to_email],
        reply_to=[facts["seller_contact_email"]] if facts.get("seller_contact_email") else None,
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(html, "text/html")
    attached = DOCUMENT_OF.get(NotificationKind(notification.kind))
    if attached is not None and notification.refund_id and not facts.get("document_missing"):
        for document in RefundDocument.objects.filter(refund_id=notification.refund_id, kind=attached):
            message.attach(document.filename, bytes(document.pdf), "application/pdf")
    return message


def _history(notification: Notification, status: str, message: MessagePart) -> None:
    refund = notification.refund
    if refund is None or notification.kind not in BUYER_KINDS:  # staff emails are not part of a payment's history
        return
    history_record(
        link=refund.payment_link,
        kind=TransactionKind.NOTIFICATION,
        parts=[message],
        amount=refund.amount,
        status=status,
        actor_label=SYSTEM_ACTOR,
    )


def _locked(notification_id: int) -> Notification:
    return (
        Notification.objects.select_for_update(of=("self",), no_key=True)
        .select_related("refund__payment_link__invoice", "alert")
        .get(pk=notification_id)
    )


def _waits_for_document(notification: Notification) -> bool:
    """A buyer's email carries its refund's document: it waits while the document is owed and not issued yet, up to
    DOCUMENT_WAIT after it was queued. Past that it goes without, and says so (`document_missing`, kept with its
    facts so that every attempt and every later rendering of it says the same)."""
    kind = DOCUMENT_OF.get(NotificationKind(notification.kind))
    if kind is None or not notification.refund_id or notification.context.get("document_missing"):
        return False
    if not document_awaited(refund_id=notification.refund_id, kind=kind):
        return False
    if timezone.now() < notification.created_at + DOCUMENT_WAIT:
        return True
    logger.warning("email %s goes without its %s: not issued within %s", notification.pk, kind, DOCUMENT_WAIT)
    notification.context = {**notification.context, "document_missing": True}
    return False


def notification_deliver(*, notification_id: int) -> DeliveryResult:
    """Send one queued email: at least once, de-duplicated by Message-ID, however often this runs.

    A buyer's email whose document is not issued yet waits for it (retry_after, nothing marked). Otherwise the row
    is marked SENDING (committed) before the SMTP server is asked, and SENT after: a second worker or a repeated
    task finds it SENDING or SENT and sends nothing. A worker killed in between leaves it SENDING; the queue runs
    the job again once that worker's heartbeat stops (core.queue), and the job that marked it sends it again with the
    same Message-ID, so the buyer's mail system sees one message (`notifications_reclaim`, after the lease, is the
    backstop for a row whose job was lost). Nothing slow runs between SENDING and the send: the document is rendered
    by its own task, not here.
    """
    with transaction.atomic():
        notification = _locked(notification_id)
        if notification.status in NotificationStatus.done():
            return DeliveryResult(notification)
        if notification.status == NotificationStatus.SENDING:
            job = current_job_id()
            if job is None or notification.sending_job != job:
                return DeliveryResult(notification)  # another job has it; the queue runs that one again if it died
            # This very job marked it SENDING and is run again: the queue does that only once its worker is dead
            # (no heartbeat), so the send was cut short. Again, with the same Message-ID.
            logger.warning("email %s: its worker died while sending; sending it again", notification.pk)
        refund = notification.refund
        if (
            notification.kind == NotificationKind.REFUND_SUCCEEDED
            and refund
            and refund.status != RefundStatus.SUCCEEDED
        ):
            # The refund stopped being true before its notice went out (it failed at the bank): say nothing.
            notification.status = NotificationStatus.CANCELED
            notification.save(update_fields=["status"])
            return DeliveryResult(notification)
        if _waits_for_document(notification):
            return DeliveryResult(notification, retry_after=DOCUMENT_POLL)  # no attempt used, nothing sent
        if not notification.message_id:
            # Fixed before the first attempt: a resend after a crash carries the same Message-ID.
            notification.message_id = make_msgid(domain="invoicedesk")
        notification.attempts += 1
        notification.status = NotificationStatus.SENDING
        notification.sending_since = timezone.now()
        notification.sending_job = current_job_id()
        notification.save(update_fields=["message_id", "attempts", "status", "sending_since", "sending_job", "context"])
        attempt = notification.attempts
    message = _render(notification)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        return _record_failure(notification_id, attempt, error)
    return _record_sent(notification_id, message.wire_bytes() if notification.kind in BUYER_KINDS else None)


def _record_sent(notification_id: int, sent: bytes | None = None) -> DeliveryResult:
    """The SMTP server took the message: SENT, whichever attempt this was (a late success still stops resends).
    A buyer's email is kept as sent, with its SHA-256."""
    with transaction.atomic():
        notification = _locked(notification_id)
        if notification.status in NotificationStatus.done():
            return DeliveryResult(notification)
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.sending_since = None
        notification.last_error = ""
        if sent is not None:
            notification.sent_message = sent
            notification.sent_sha256 = hashlib.sha256(sent).hexdigest()
        notification.save()
        delivered = (
            HistoryMessage.CORRECTION_DELIVERED
            if notification.kind == NotificationKind.REFUND_CORRECTION
            else HistoryMessage.EMAIL_DELIVERED
        )
        _history(notification, NotificationStatus.SENT, (delivered, {"email": notification.to_email}))
        return DeliveryResult(notification)


def _record_failure(notification_id: int, attempt: int, error: Exception) -> DeliveryResult:
    """The SMTP server refused or did not answer. Only the attempt that still holds the row may record it: a slow
    attempt that failed after the row was reclaimed and sent again must not undo that."""
    with transaction.atomic():
        notification = _locked(notification_id)
        if notification.status != NotificationStatus.SENDING or notification.attempts != attempt:
            logger.warning(
                "email %s attempt %d failed after another attempt took over: %s", notification_id, attempt, error
            )
            return DeliveryResult(notification)
        notification.last_error = f"{type(error).__name__}: {error}"
        notification.sending_since = None
        retry_after = None
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
        else:
            notification.status = NotificationStatus.RETRYING
            retry_after = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
            notification.next_attempt_at = timezone.now() + retry_after
        logger.warning("email %s attempt %d failed: %s", notification.pk, notification.attempts, error)
        notification.save()
        return DeliveryResult(notification, retry_after)


def notifications_overdue(*, grace: timedelta) -> list[int]:
    """Queued emails whose delivery task was lost (a worker died between commit and enqueue, or before a retry
    was queued): PENDING or RETRYING well past when they were due. The caller enqueues their delivery again."""
    now = timezone.now()
    overdue = Notification.objects.filter(
        Q(status=NotificationStatus.PENDING, created_at__lt=now - grace)
        | Q(status=NotificationStatus.RETRYING, next_attempt_at__lt=now - grace)
    )
    return list(overdue.values_list("pk", flat=True)[:1000])


def notifications_reclaim(*, lease: timedelta) -> list[int]:
    """Notifications left SENDING by a worker that died: back to RETRYING, to be sent again (same Message-ID).

    Returns their ids; the caller enqueues their delivery.
    """
    stale = Notification.objects.filter(
        status=NotificationStatus.SENDING, sending_since__lt=timezone.now() - lease
    ).values_list("pk", flat=True)
    reclaimed = list(stale)
    # The same conditions again: a row that a worker took since the select keeps its fresh lease.
    Notification.objects.filter(
        pk__in=reclaimed, status=NotificationStatus.SENDING, sending_since__lt=timezone.now() - lease
    ).update(status=NotificationStatus.RETRYING, sending_since=None, next_attempt_at=timezone.now())
    return reclaimed


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The email as it is sent: subject, headers, text and HTML, rendered from the facts stored with it."""
    return _render(notification)
