"""The Alerts page: operators and admins see their organization's open alerts, with a count in the menu,
and acknowledge them (audited)."""

from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.money import Money
from tests import factories

pytestmark = pytest.mark.django_db


def raise_one(org: Organization, subject: str = "re_123") -> Alert:
    invoice = BillingInvoice.objects.filter(organization=org, number=f"INV-{subject}").first()
    invoice = invoice or factories.invoice(org, number=f"INV-{subject}")
    return alert_raise(
        organization_id=org.pk,
        kind=AlertKind.REFUND_FAILED_AFTER_SUCCESS,
        subject=subject,
        invoice_id=invoice.pk,
        amount=Money(22_000, "JPY"),
        detail="Stripe reports the refund failed (expired_or_canceled_card).",
    )


def test_the_same_thing_is_alerted_once(org: Organization) -> None:
    first = raise_one(org)
    assert alert_raise(organization_id=org.pk, kind=AlertKind(first.kind), subject=first.subject).pk == first.pk
    assert Alert.objects.count() == 1


def test_operators_see_open_alerts_with_a_count_and_acknowledge_them(
    operator_client: Client, operator: User, org: Organization, other_org: Organization
) -> None:
    alert = raise_one(org)
    raise_one(other_org, "re_theirs")
    page = operator_client.get("/alerts/").content.decode()
    assert 'data-testid="alerts-menu"' in page and '<span class="badge"' in page
    assert "A refund failed after it had succeeded" in page and "INV-re_123" in page and "¥22,000" in page
    assert "re_theirs" not in page  # another organization's alert is not shown
    response = operator_client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == operator and alert.acknowledged_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.ALERT_ACKNOWLEDGE)
    assert entry.actor == operator and entry.object_id == str(alert.pk)
    assert 'data-testid="no-alerts"' in operator_client.get("/alerts/").content.decode()
    assert "INV-re_123" in operator_client.get("/alerts/?show=all").content.decode()


def test_another_organizations_alert_cannot_be_acknowledged(operator_client: Client, other_org: Organization) -> None:
    theirs = raise_one(other_org, "re_theirs")
    assert operator_client.post(f"/alerts/{theirs.pk}/acknowledge/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_viewers_neither_see_nor_acknowledge_alerts(org: Organization, login: Callable[[User], Client]) -> None:
    alert = raise_one(org)
    viewer = login(factories.member(org, Role.VIEWER))
    assert 'data-testid="alerts-menu"' not in viewer.get("/billing/").content.decode()
    assert viewer.get("/alerts/").status_code == 403
    assert viewer.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_admins_are_emailed_once_per_alert_in_their_language(org: Organization) -> None:
    from django.core import mail

    factories.member(org, Role.ADMIN, email="admin-en@example.test", language="en")
    factories.member(org, Role.ADMIN, email="admin-ja@example.test", language="ja")
    factories.member(org, Role.OPERATOR, email="operator-x@example.test")
    alert = raise_one(org)
    raise_one(org)  # the same alert again: no second email
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["admin-en@example.test", "admin-ja@example.test"]
    assert "A refund failed after it had succeeded" in by_recipient["admin-en@example.test"].subject
    assert "成功した返金が後から失敗しました" in by_recipient["admin-ja@example.test"].subject
    body = by_recipient["admin-en@example.test"].body
    assert alert.subject in body and "¥22,000" in body and "/alerts/" in body
