"""The Audit log page: admins see each step of a refund with actor and IP, sign-ins included; filters, pages, CSV."""

import csv
import io
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.audit.services import audit_record
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.http import streamed_text

pytestmark = pytest.mark.django_db


def test_sign_ins_and_failed_sign_ins_are_audited_with_the_ip(org: Organization) -> None:
    user = factories.member(org, Role.OPERATOR, email="who@example.test")
    client = Client(REMOTE_ADDR="192.0.2.7")
    refused = client.post("/accounts/login/", {"username": "who@example.test", "password": "wrong"})
    assert refused.status_code == 200
    signed_in = client.post("/accounts/login/", {"username": "who@example.test", "password": factories.PASSWORD})
    assert signed_in.status_code == 302
    client.post("/accounts/logout/")
    actions = list(AuditEntry.objects.filter(actor=user).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [AuditAction.LOGIN, AuditAction.LOGOUT]
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.after == {"email": "who@example.test"} and failed.ip_address == "192.0.2.7"


def test_admins_read_each_step_filter_by_invoice_and_export(
    paid_invoice: BillingInvoice, operator_membership: Membership, org: Organization, login: Callable[[User], Client]
) -> None:
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid_invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
        ip_address="198.51.100.4",
    )
    other = factories.invoice(org, number="INV-OTHER")
    admin = login(factories.member(org, Role.ADMIN))
    page = admin.get("/billing/audit/", {"invoice_number": "INV-2026-0001"}).content.decode()
    assert 'data-testid="audit-table"' in page
    assert (
        'data-card="title">Refund requested</td>' in page and "operator@example.test" in page and "198.51.100.4" in page
    )
    assert f"payments.PaymentLink#{other.payment_link.pk}" not in page
    rows = list(csv.reader(io.StringIO(streamed_text(admin.get("/billing/audit/", {"format": "csv"})))))
    assert rows[0][0] == "Time" and any(row[2] == AuditAction.REFUND_REQUEST for row in rows[1:])
    only = admin.get("/billing/audit/", {"action": AuditAction.PAYMENT_RECORD}).content.decode()
    assert (
        'data-card="title">Payment recorded from Stripe</td>' in only
        and 'data-card="title">Refund requested</td>' not in only
    )


def test_pages_go_back_in_time(org: Organization, login: Callable[[User], Client]) -> None:
    admin_user = factories.member(org, Role.ADMIN)
    for _ in range(55):
        audit_record(organization=org, actor=admin_user, action=AuditAction.ALERT_ACKNOWLEDGE, target=org)
    admin = login(admin_user)
    first = admin.get("/billing/audit/")
    assert first.context["next_cursor"] is not None and len(first.context["rows"]) == 50
    second = admin.get("/billing/audit/", {"before": first.context["next_cursor"]})
    assert len(second.context["rows"]) == 6  # the 55, and the admin's own sign-in


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.APPROVER, Role.VIEWER])
def test_only_admins_read_the_audit_log(org: Organization, login: Callable[[User], Client], role: Role) -> None:
    assert login(factories.member(org, role)).get("/billing/audit/").status_code == 403


def test_another_organizations_entries_are_not_shown(
    org: Organization, other_org: Organization, login: Callable[[User], Client]
) -> None:
    stranger = factories.member(other_org, Role.ADMIN, email="stranger@example.test")
    audit_record(organization=other_org, actor=stranger, action=AuditAction.ALERT_ACKNOWLEDGE, target=other_org)
    page = login(factories.member(org, Role.ADMIN)).get("/billing/audit/").content.decode()
    assert "stranger@example.test" not in page
