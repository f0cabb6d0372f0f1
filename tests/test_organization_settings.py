"""Admins set the refund approval policy on the settings page; every change is audited; others may not."""

from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import ApprovalPolicy, Organization, Role, User
from invoicedesk.audit.models import AuditAction, AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_admin_sets_approval_above_an_amount_and_it_is_audited(
    org: Organization, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN, email="boss@example.test"))
    page = admin.get("/billing/settings/").content.decode()
    assert 'data-testid="settings-menu"' in page and "Refund approval" in page
    response = admin.post(
        "/billing/settings/",
        {
            "refund_approval_policy": "above",
            "refund_approval_threshold_amount": "５０，０００",
            "refund_approval_threshold_percent": "",
            "refund_approval_expiry_hours": "48",
            "email_buyer_on_outside_refunds": "",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.refund_approval_policy, org.refund_approval_threshold_amount) == (ApprovalPolicy.ABOVE, 50_000)
    assert org.refund_approval_expiry_hours == 48 and org.email_buyer_on_outside_refunds is False
    assert org.refund_needs_approval(amount=50_000, amount_paid=110_000)
    assert not org.refund_needs_approval(amount=49_999, amount_paid=110_000)
    entry = AuditEntry.objects.get(action=AuditAction.ORGANIZATION_SETTINGS)
    assert entry.actor is not None and entry.actor.email == "boss@example.test"
    assert (
        entry.before["refund_approval_policy"] == "none" and entry.after["refund_approval_threshold_amount"] == 50_000
    )


def test_a_threshold_policy_without_a_threshold_is_refused_next_to_the_field(
    org: Organization, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN))
    html = admin.post(
        "/billing/settings/",
        {"refund_approval_policy": "above", "refund_approval_expiry_hours": "72"},
    ).content.decode()
    assert 'data-testid="refund_approval_threshold_amount-error"' in html and "Give an amount" in html
    org.refresh_from_db()
    assert org.refund_approval_policy == ApprovalPolicy.NONE


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.APPROVER, Role.VIEWER])
def test_only_admins_change_settings(org: Organization, login: Callable[[User], Client], role: Role) -> None:
    client = login(factories.member(org, role))
    assert 'data-testid="settings-menu"' not in client.get("/billing/").content.decode()
    assert client.get("/billing/settings/").status_code == 403
    assert client.post("/billing/settings/", {"refund_approval_policy": "always"}).status_code == 403
    org.refresh_from_db()
    assert org.refund_approval_policy == ApprovalPolicy.NONE
