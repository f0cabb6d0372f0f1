"""The buyer's refund email over real SMTP (aiosmtpd): Japanese intact, retried with backoff, sent once."""

from __future__ import annotations

import email
import email.header
import email.policy
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connections

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import free_port
from invoicedesk.notifications import delivery as notifications
from invoicedesk.notifications.models import Notification, NotificationStatus
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import TransactionKind
from invoicedesk.refunds.models import Refund, RefundClassification
from invoicedesk.refunds.outcomes import refund_execute
from invoicedesk.refunds.services import RefundInput, refund_request
from tests.worker import QUEUED_ONLY


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    yield inbox, port
    controller.stop()


@pytest.fixture
def japanese_buyer_invoice(make_paid_invoice: Callable[..., BillingInvoice]) -> BillingInvoice:
    invoice = make_paid_invoice(number="INV-2026-0001")
    invoice.buyer.language = "ja"
    invoice.buyer.company_name = "株式会社さくら商事"
    invoice.buyer.contact_name = "佐藤 春香"
    invoice.buyer.save()
    return invoice


def refund_22000(actor: Membership, invoice: BillingInvoice) -> None:
    refund_request(
        actor=actor,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_refund_email_reaches_a_real_smtp_server_with_the_japanese_subject_intact(
    smtp: tuple[Inbox, int], japanese_buyer_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    inbox, _ = smtp
    refund_22000(operator_membership, japanese_buyer_invoice)
    (message,) = inbox.messages
    assert message["Subject"] == "【Demo Seller Inc.】返金のお知らせ（請求書番号：INV-2026-0001）"
    assert inbox.envelopes[0].rcpt_tos == ["billing@sakura-trading.example"]
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "株式会社さくら商事" in text and "佐藤 春香 様" in text and "￥22,000（一部返金）" in text
    assert "返金後のお支払額：￥88,000" in text
    assert "<strong>￥22,000</strong>" in html
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.SENT and message["Message-ID"] == notification.message_id
    # Kept as sent: the bytes the SMTP server received (it adds nothing here), and their hash.
    kept = bytes(notification.sent_message or b"")
    assert kept.rstrip(b"\r\n") == inbox.envelopes[0].original_content.rstrip(b"\r\n")
    assert notification.sent_sha256 == hashlib.sha256(kept).hexdigest()
    history = japanese_buyer_invoice.payment_link.transactions.get(kind=TransactionKind.NOTIFICATION)
    assert history.status == "SENT" and "billing@sakura-trading.example" in render_message(history)


@pytest.mark.django_db(transaction=True)
def test_a_registered_sellers_return_invoice_arrives_attached_at_the_smtp_server(
    smtp: tuple[Inbox, int], japanese_buyer_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    from invoicedesk.accounts.models import Organization
    from invoicedesk.documents.models import RefundDocument

    inbox, _ = smtp
    Organization.objects.filter(pk=japanese_buyer_invoice.organization_id).update(
        invoice_registration_number="T7000012050002"
    )
    refund_22000(operator_membership, japanese_buyer_invoice)
    (message,) = inbox.messages
    document = RefundDocument.objects.get()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == document.filename and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == bytes(document.pdf)  # the stored bytes, as the buyer received them


@pytest.mark.django_db(transaction=True)
def test_smtp_failure_is_retried_and_then_delivered_once(
    settings: Any, japanese_buyer_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    port = free_port()  # nothing listens here yet
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 2},
        }
    }
    refund_22000(operator_membership, japanese_buyer_invoice)
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.RETRYING and notification.attempts == 1
    assert "Connection refused" in notification.last_error or "Errno" in notification.last_error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        notifications.notification_deliver(notification_id=notification.pk)
        notifications.notification_deliver(notification_id=notification.pk)  # a duplicate run sends nothing
    finally:
        controller.stop()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2
    assert len(inbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_gives_up_after_the_last_attempt_and_says_so_in_the_history(
    settings: Any, japanese_buyer_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    refund_22000(operator_membership, japanese_buyer_invoice)
    notification = Notification.objects.get()
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == notifications.MAX_ATTEMPTS
    failed = japanese_buyer_invoice.payment_link.transactions.get(kind=TransactionKind.NOTIFICATION)
    assert failed.status == "FAILED" and "failed after 6 attempts" in render_message(failed)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email(
    smtp: tuple[Inbox, int], settings: Any, japanese_buyer_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    inbox, _ = smtp
    settings.TASKS = QUEUED_ONLY  # queued, not run
    refund_22000(operator_membership, japanese_buyer_invoice)
    refund_execute(refund_id=Refund.objects.get().pk)  # the refund task's work, without its email task
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            notifications.notification_deliver(notification_id=notification.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inbox.messages) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
