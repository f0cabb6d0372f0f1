"""get_FOO_display() reads a mapping built once per field, in the reader's language."""

from django.utils import translation

from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.payments.models import PaymentTransaction, TransactionKind


def test_labels_follow_the_active_language_and_an_unknown_value_shows_as_it_is() -> None:
    entry = AuditEntry(action=AuditAction.PAYMENT_RECORD)
    with translation.override("en"):
        assert entry.get_action_display() == "Payment recorded from Stripe"
    with translation.override("ja"):
        assert entry.get_action_display() == "Stripeからの支払いの記録"
    assert AuditEntry(action="no.such.action").get_action_display() == "no.such.action"
    with translation.override("en"):
        assert PaymentTransaction(kind=TransactionKind.REFUND).get_kind_display() == str(TransactionKind.REFUND.label)
