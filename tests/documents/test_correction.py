"""A refund that fails after it had succeeded: a new document cancels its return invoice; the original stays."""

from typing import Any

import pytest
from django.core import mail

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.billing.models import BillingInvoice, InvoiceLine
from invoicedesk.documents.models import DocumentKind, RefundDocument
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.services import refund_request
from tests.conftest import REGISTRATION
from tests.documents.test_return_invoice import pdf_text
from tests.refunds.test_stripe_is_the_truth import ask, deliver, link_of
from tests.stripe_support import StripeLike, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()  # localstripe never fails a refund later; Stripe does
    with stripe_http_client(client):
        yield client


def test_a_refund_failing_after_success_gets_a_correction_that_names_the_original(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    stripe_like: Any,
    settings: Any,
) -> None:
    Organization.objects.filter(pk=paid_invoice.organization_id).update(invoice_registration_number=REGISTRATION)
    InvoiceLine.objects.create(invoice=paid_invoice, description="IT consulting", net_amount=100_000)
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 22_000, RefundClassification.PARTIAL))
    refund.refresh_from_db()
    original = RefundDocument.objects.get()
    original_bytes = bytes(original.pdf)

    stripe_like.later[refund.stripe_refund_id] = {"status": "failed", "failure_reason": "expired_or_canceled_card"}
    failed = {
        "id": refund.stripe_refund_id,
        "object": "refund",
        "status": "failed",
        "payment_intent": link_of(paid_invoice).stripe_payment_intent_id,
    }
    deliver(settings, "refund.failed", failed, event_id="evt_failed_doc")
    deliver(settings, "refund.updated", failed)  # again: still one correction
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED

    correction = RefundDocument.objects.get(kind=DocumentKind.CORRECTION)
    assert correction.corrects == original and correction.number != original.number
    assert correction.amounts_by_rate == original.amounts_by_rate == [[10, 22_000, 2_000]]
    original.refresh_from_db()
    assert bytes(original.pdf) == original_bytes  # never changed after issue
    text = pdf_text(bytes(correction.pdf))
    assert "（訂正）" in text and original.number in text and "22,000円" in text
    from invoicedesk.audit.models import AuditAction, AuditEntry

    trail = AuditEntry.objects.filter(object_type="documents.RefundDocument").order_by("id")
    assert [(entry.action, entry.after["number"]) for entry in trail] == [
        (AuditAction.DOCUMENT_ISSUE, original.number),
        (AuditAction.DOCUMENT_CORRECT, correction.number),
    ]
    assert trail.last().after["corrects"] == original.number  # type: ignore[union-attr]
    correction_email = mail.outbox[-1]
    assert [name for name, _, _ in correction_email.attachments] == [correction.filename]
