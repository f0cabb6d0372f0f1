"""SENDING before the SMTP call, SENT after; reclaim after a lease; a slow attempt cannot undo a later one."""

import smtplib
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications import delivery
from invoicedesk.notifications.models import Notification, NotificationStatus
from invoicedesk.notifications.tasks import resend_abandoned_notifications
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent_notice(paid_invoice: BillingInvoice, operator_membership: Membership) -> Notification:
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid_invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    notice = Notification.objects.get()
    assert notice.status == NotificationStatus.SENT and len(mail.outbox) == 1
    return notice


def test_an_email_left_sending_by_a_dead_worker_is_sent_again_with_its_message_id(sent_notice: Notification) -> None:
    # As a worker killed during the SMTP call leaves it:
    Notification.objects.filter(pk=sent_notice.pk).update(
        status=NotificationStatus.SENDING, sent_at=None, sending_since=timezone.now()
    )
    assert resend_abandoned_notifications() == []  # its lease is not over: it may still be sending
    Notification.objects.filter(pk=sent_notice.pk).update(sending_since=timezone.now() - timedelta(hours=1))
    assert resend_abandoned_notifications() == [sent_notice.pk]
    sent_notice.refresh_from_db()
    assert sent_notice.status == NotificationStatus.SENT
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [sent_notice.message_id] * 2


def test_a_slow_attempt_that_fails_after_another_succeeded_changes_nothing(sent_notice: Notification) -> None:
    late = delivery._record_failure(sent_notice.pk, 1, smtplib.SMTPResponseException(451, b"try later"))
    assert late.notification.status == NotificationStatus.SENT and late.retry_after is None
    sent_notice.refresh_from_db()
    assert sent_notice.status == NotificationStatus.SENT and sent_notice.last_error == ""


def test_a_second_delivery_of_a_sent_email_sends_nothing(sent_notice: Notification) -> None:
    delivery.notification_deliver(notification_id=sent_notice.pk)
    assert len(mail.outbox) == 1
