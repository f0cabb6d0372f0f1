"""Audit entries, the Payment Transaction history and issued documents are append-only, and not only by promise.

On PostgreSQL the application connects as a role that owns nothing and may only SELECT and INSERT these tables
(core.db_roles): each way around the append-only triggers fails for it. The owner, who could get past them, leaves
a trace: verify_audit (tests/audit/test_chain.py).
"""

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from invoicedesk.accounts.models import Organization
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.audit.services import audit_record
from invoicedesk.billing.models import BillingInvoice, InvoiceLine
from invoicedesk.documents.models import RefundDocument
from invoicedesk.payments.history import HistoryMessage, history_record
from invoicedesk.payments.models import PaymentLinkStatus, PaymentTransaction, TransactionKind
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.conftest import app_role_name

REFUSED = (InternalError, IntegrityError, ProgrammingError)
TABLES = ["audit_auditentry", "payments_paymenttransaction", "documents_refunddocument"]


def _rows(org: Organization) -> tuple[AuditEntry, PaymentTransaction]:
    link = factories.invoice(org).payment_link
    entry = audit_record(action=AuditAction.PAYMENT_LINK_ISSUE, target=link, organization=org)
    row = history_record(link=link, kind=TransactionKind.LINK_ISSUED, parts=[(HistoryMessage.TEXT, {"text": "x"})])
    return entry, row


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'forged' WHERE id = %(entry)s",
        "DELETE FROM audit_auditentry WHERE id = %(entry)s",
        "UPDATE payments_paymenttransaction SET amount = 1 WHERE id = %(row)s",
        "DELETE FROM payments_paymenttransaction WHERE id = %(row)s",
    ],
)
def test_the_application_may_not_and_the_owner_meets_the_trigger(
    org: Organization, statement: str, owner_rights: Callable[[], Any]
) -> None:
    entry, row = _rows(org)
    sql = statement % {"entry": entry.pk, "row": row.pk}
    with pytest.raises(REFUSED, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with owner_rights(), pytest.raises(REFUSED, match="append_only"), transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    assert AuditEntry.objects.filter(pk=entry.pk, action=AuditAction.PAYMENT_LINK_ISSUE).exists()
    assert PaymentTransaction.objects.filter(pk=row.pk, amount=None).exists()


@pytest.fixture
def refunded_as_the_app(
    org: Organization, make_paid_invoice: Callable[..., BillingInvoice], operator_membership: Any
) -> Refund:
    """A refund end to end (request, Stripe through the worker's task, history, return invoice, audit), run on
    connections of the application's role: the whole suite runs as it on PostgreSQL (tests/conftest.py)."""
    org.invoice_registration_number = "T7000012050002"
    org.save()
    invoice = make_paid_invoice(number="INV-2026-0001")
    InvoiceLine.objects.create(invoice=invoice, description="IT consulting", net_amount=100_000)
    refund = refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    return Refund.objects.get(pk=refund.pk)


@pytest.mark.django_db(transaction=True)
def test_a_refund_runs_end_to_end_as_the_application_role(refunded_as_the_app: Refund) -> None:
    refund = refunded_as_the_app
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.payment_link.status == PaymentLinkStatus.PARTIALLY_REFUNDED
    assert RefundDocument.objects.filter(refund=refund).count() == 1
    assert PaymentTransaction.objects.filter(payment_link=refund.payment_link).count() >= 3
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_ISSUE).count() == 1
    call_command("verify_audit")  # exit status 0: every chain holds
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (app_role_name(), False)


def _login_as_the_app_role() -> psycopg.Connection[Any]:
    """Its own login, not the suite's switched role: what a process with DATABASE_URL's credentials can do."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "localhost",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=app_role_name(),
    )


def _ways_around(table: str, trigger: str) -> dict[str, str]:
    ignore = f"SET LOCAL pgtrigger.ignore = '{{{trigger}}}'"
    return {
        "UPDATE under SET LOCAL pgtrigger.ignore": f"{ignore}; UPDATE {table} SET id = id",  # noqa: S608 - our own table names
        "DELETE under SET LOCAL pgtrigger.ignore": f"{ignore}; DELETE FROM {table}",  # noqa: S608
        "TRUNCATE": f"TRUNCATE {table} CASCADE",
        "ALTER TABLE … DISABLE TRIGGER": f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
        "DROP TRIGGER": f"DROP TRIGGER {trigger} ON {table}",
    }


@pytest.mark.django_db(transaction=True)
def test_as_the_application_role_each_way_around_append_only_fails(refunded_as_the_app: Refund) -> None:
    counts = {model: model.objects.count() for model in (AuditEntry, PaymentTransaction, RefundDocument)}
    assert all(counts.values())
    tried = 0
    with _login_as_the_app_role() as app:
        assert app.execute("SELECT session_user::text").fetchone() == (app_role_name(),)
        for table in TABLES:
            (trigger,) = app.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'pgtrigger_%%'", [table]
            ).fetchone() or ("",)
            assert trigger, table
            for sql in _ways_around(table, trigger).values():
                with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                    app.execute(sql.encode())
                tried += 1
        # Setting pgtrigger.ignore itself cannot be forbidden (any role may set a custom setting); it opens nothing.
        with app.transaction():
            app.execute("SET LOCAL pgtrigger.ignore = '{pgtrigger_audit_entry_append_only_e8f53}'")
    assert tried == 15
    assert {model: model.objects.count() for model in counts} == counts
    call_command("verify_audit")
