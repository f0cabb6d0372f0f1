"""Document numbers come from a per-organization counter row taken in the short transaction that inserts the
document; the PDF is rendered before, outside any transaction, and the Organization row is never locked."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.audit.chain import chain_verify
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.documents import issuing
from invoicedesk.documents.chain import DOCUMENT_CHAIN
from invoicedesk.documents.issuing import document_issue_return_invoice
from invoicedesk.documents.models import DocumentCounter, RefundDocument
from invoicedesk.notifications.delivery import DOCUMENT_WAIT, notification_deliver
from invoicedesk.notifications.models import Notification, NotificationKind, NotificationStatus
from invoicedesk.refunds.hooks import refund_reversed, refund_succeeded
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests.conftest import REGISTRATION

pytestmark = pytest.mark.django_db(transaction=True)

real_render = issuing._render_pdf


@pytest.fixture
def registered(org: Organization) -> Organization:
    Organization.objects.filter(pk=org.pk).update(
        invoice_registration_number=REGISTRATION, invoice_issuer_name="Demo Seller Inc."
    )
    return org


@pytest.fixture
def render_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("renderer down")

    with monkeypatch.context() as patch:
        patch.setattr(issuing, "_render_pdf", broken)
        yield


def refunded(actor: Membership, invoice: BillingInvoice, amount: int = 22_000) -> Refund:
    refund = refund_request(
        actor=actor,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=amount,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    return refund


def test_documents_are_issued_by_their_own_task_not_by_a_hook_of_refunds() -> None:
    followers = [hook.call for hook in (refund_succeeded, refund_reversed)]
    assert not any(getattr(f, "__module__", "").startswith("invoicedesk.documents") for f in followers), followers


def test_a_render_failure_numbers_nothing_and_the_email_waits_then_goes_saying_so(
    registered: Organization,
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    render_fails: None,
) -> None:
    mail.outbox.clear()
    refund = refunded(operator_membership, paid_invoice)
    assert not RefundDocument.objects.exists()
    assert DocumentCounter.objects.get(pk=registered.pk).last == 0  # nothing numbered: numbers go at insert
    notice = Notification.objects.get(kind=NotificationKind.REFUND_SUCCEEDED, refund=refund)
    assert (notice.status, notice.attempts, mail.outbox) == (NotificationStatus.PENDING, 0, [])

    waiting = notification_deliver(notification_id=notice.pk)  # the task again, within the wait: still waits
    assert waiting.retry_after is not None and waiting.notification.status == NotificationStatus.PENDING
    assert mail.outbox == []

    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - DOCUMENT_WAIT - timedelta(seconds=1))
    sent = notification_deliver(notification_id=notice.pk)
    assert sent.notification.status == NotificationStatus.SENT
    [email] = mail.outbox
    assert email.attachments == []
    assert "The qualified return invoice for this refund could not be attached to this email." in str(email.body)
    assert "could not be attached" in str(email.alternatives[0].content)  # type: ignore[attr-defined]


def test_the_email_waits_for_its_document_and_carries_it_once_issued(
    registered: Organization,
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail.outbox.clear()
    with monkeypatch.context() as patch:
        patch.setattr(issuing, "_render_pdf", lambda *args, **kwargs: 1 / 0)
        refund = refunded(operator_membership, paid_invoice)
    assert mail.outbox == []
    document = document_issue_return_invoice(refund_id=refund.pk)  # the document's task, retried
    assert document is not None and document.number.endswith("-000001")  # the failed render took no number
    notice = Notification.objects.get(kind=NotificationKind.REFUND_SUCCEEDED, refund=refund)
    assert notification_deliver(notification_id=notice.pk).notification.status == NotificationStatus.SENT
    [email] = mail.outbox
    assert [name for name, _, _ in email.attachments] == [document.filename]
    assert "could not be attached" not in str(email.body)


def test_issuing_never_locks_the_organization_row(
    registered: Organization,
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(issuing, "_render_pdf", lambda *args, **kwargs: 1 / 0)
        refund = refunded(operator_membership, paid_invoice)
    rendered_in: list[bool] = []

    def render(*args: Any, **kwargs: Any) -> bytes:
        rendered_in.append(connection.in_atomic_block)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(issuing, "_render_pdf", render)
    # Another transaction holds what every foreign-key check of the organization's inserts takes: FOR KEY SHARE.
    # FOR UPDATE on the Organization row would wait for it (here: fail after lock_timeout).
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT 1 FROM accounts_organization WHERE id = %s FOR KEY SHARE", [registered.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        try:
            document = document_issue_return_invoice(refund_id=refund.pk)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        other.rollback()
        other.close()
    assert document is not None and RefundDocument.objects.get() == document
    assert rendered_in == [False]  # rendered outside any transaction, holding no lock


def test_two_refunds_issuing_at_once_get_consecutive_numbers(
    registered: Organization,
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(issuing, "_render_pdf", lambda *args, **kwargs: 1 / 0)
        refunds = [refunded(operator_membership, make_paid_invoice(number=f"INV-C{n}")) for n in range(2)]
    assert not RefundDocument.objects.exists()

    # Both render before either inserts, with the same expected number: one takes it, the other renders again.
    both_rendering = threading.Barrier(2, timeout=20)
    renders: list[str] = []

    def render(refund: Refund, number: str, *args: Any, **kwargs: Any) -> bytes:
        renders.append(number)
        if len(renders) <= 2:
            both_rendering.wait()
        return real_render(refund, number, *args, **kwargs)

    monkeypatch.setattr(issuing, "_render_pdf", render)
    errors: list[BaseException] = []

    def issue(refund_id: int) -> None:
        try:
            document_issue_return_invoice(refund_id=refund_id)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(refund.pk,)) for refund in refunds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    year = timezone.now().year
    numbers = sorted(RefundDocument.objects.values_list("number", flat=True))
    assert numbers == [f"RI-{year}-000001", f"RI-{year}-000002"]
    assert sorted(renders) == [f"RI-{year}-000001", f"RI-{year}-000001", f"RI-{year}-000002"]
    assert {document.refund_id for document in RefundDocument.objects.all()} == {refund.pk for refund in refunds}
    assert DocumentCounter.objects.get(pk=registered.pk).last == 2
    assert chain_verify(DOCUMENT_CHAIN, organization_id=registered.pk, every=False).breaks == []
