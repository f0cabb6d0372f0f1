"""The Audit log says what happened to what in the reader's language: no model references, no Python reprs;
the CSV keeps the stored values."""

import csv
import io
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.api.conftest import paid_invoice_without_stripe
from tests.http import streamed_text

pytestmark = pytest.mark.django_db


def _refund_with_answer(org: Organization, operator_membership: Membership) -> Refund:
    invoice = paid_invoice_without_stripe(org, number="INV-2026-0001")
    refund = refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    # Stripe's answer as the worker records it (written here without Stripe: only the entry is read).
    audit_record(
        organization=org,
        action=AuditAction.REFUND_STRIPE_RESULT,
        target=refund,
        before={"status": RefundStatus.PROCESSING},
        after={"status": RefundStatus.SUCCEEDED, "stripe_refund_id": "re_123"},
    )
    return refund


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Refund of ¥22,000 on INV-2026-0001", "Status: Processing → Succeeded", "Refund type: Partial refund"]),
        ("ja", ["INV-2026-0001", "ステータス：処理中 → 完了", "返金の種類：一部返金"]),
    ],
)
def test_a_refund_reads_in_words_with_its_invoice_linked(
    org: Organization,
    operator_membership: Membership,
    login: Callable[[User], Client],
    language: str,
    words: list[str],
) -> None:
    refund = _refund_with_answer(org, operator_membership)
    admin = login(factories.member(org, Role.ADMIN))
    admin.post("/accounts/language/", {"language": language, "next": "/"})
    page = admin.get("/billing/audit/").content.decode()
    for text in words:
        assert text in page, text
    assert f'href="/billing/invoices/{refund.payment_link.invoice_id}/?tab=transactions"' in page
    assert "#" + str(refund.pk) not in page and "{'" not in page and "refunds.Refund" not in page
    assert 'class="nowrap"' in page


def test_settings_and_members_read_with_their_labels(org: Organization, login: Callable[[User], Client]) -> None:
    admin_user = factories.member(org, Role.ADMIN)
    admin = login(admin_user)
    member = factories.member(org, Role.VIEWER, email="later@example.test")
    membership = Membership.objects.get(user=member, organization=org)
    audit_record(
        organization=org,
        actor=admin_user,
        action=AuditAction.MEMBER_ROLE,
        target=membership,
        before={"role": "viewer"},
        after={"role": "operator", "email": "later@example.test"},
    )
    audit_record(
        organization=org,
        actor=admin_user,
        action=AuditAction.ORGANIZATION_SETTINGS,
        target=org,
        before={"refund_approval_policy": "none"},
        after={"refund_approval_policy": "always"},
    )
    page = admin.get("/billing/audit/").content.decode()
    assert "Member later@example.test" in page and "Role: Viewer → Operator" in page
    assert "Refund approval: No approval: refunds execute at once → Every refund needs approval" in page
    assert "accounts.Membership" not in page and "{'" not in page


def test_the_csv_keeps_the_stored_values(
    org: Organization, operator_membership: Membership, login: Callable[[User], Client]
) -> None:
    refund = _refund_with_answer(org, operator_membership)
    admin = login(factories.member(org, Role.ADMIN))
    rows = list(csv.reader(io.StringIO(streamed_text(admin.get("/billing/audit/", {"format": "csv"})))))
    answer = next(row for row in rows[1:] if row[2] == AuditAction.REFUND_STRIPE_RESULT)
    assert answer[3] == f"refunds.Refund#{refund.pk}"
    assert answer[4] == '{"status": "PROCESSING"}' and '"SUCCEEDED"' in answer[5]


@pytest.mark.django_db(databases=[])
def test_every_audit_action_reads_as_a_noun_in_japanese() -> None:
    from django.utils import translation

    with translation.override("ja"):
        labels = [str(label) for _, label in AuditAction.choices]
    assert labels and not [label for label in labels if label.endswith(("しました", "ました", "れました"))], labels
