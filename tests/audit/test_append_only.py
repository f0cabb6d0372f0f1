"""Audit entries and the Payment Transaction history are append-only: on PostgreSQL the database refuses an
UPDATE or a DELETE of a row, whoever sends it (a pgtrigger); SQLite has no such triggers, which is why production
runs on PostgreSQL."""

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from invoicedesk.accounts.models import Organization
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.audit.services import audit_record
from invoicedesk.payments.history import HistoryMessage, history_record
from invoicedesk.payments.models import PaymentTransaction, TransactionKind
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, IntegrityError, ProgrammingError)


def _rows(org: Organization) -> tuple[AuditEntry, PaymentTransaction]:
    link = factories.invoice(org).payment_link
    entry = audit_record(action=AuditAction.PAYMENT_LINK_ISSUE, target=link, organization=org)
    row = history_record(link=link, kind=TransactionKind.LINK_ISSUED, parts=[(HistoryMessage.TEXT, {"text": "x"})])
    return entry, row


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'forged' WHERE id = %(entry)s",
        "DELETE FROM audit_auditentry WHERE id = %(entry)s",
        "UPDATE payments_paymenttransaction SET amount = 1 WHERE id = %(row)s",
        "DELETE FROM payments_paymenttransaction WHERE id = %(row)s",
    ],
)
def test_the_database_refuses_to_change_or_remove_a_row(org: Organization, statement: str) -> None:
    entry, row = _rows(org)
    sql = statement % {"entry": entry.pk, "row": row.pk}
    if connection.vendor == "postgresql":
        with pytest.raises(REFUSED, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert AuditEntry.objects.filter(pk=entry.pk, action=AuditAction.PAYMENT_LINK_ISSUE).exists()
        assert PaymentTransaction.objects.filter(pk=row.pk, amount=None).exists()
    else:
        # SQLite (the embedded demo default) has no such triggers: the statement goes through.
        with connection.cursor() as cursor:
            cursor.execute(sql)
            assert cursor.rowcount == 1
