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
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.refund_approval_policy, org.refund_approval_threshold_amount) == (ApprovalPolicy.ABOVE, 50_000)
    assert org.refund_approval_expiry_hours == 48 and org.email_buyer_on_outside_refunds is False
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
        {"refund_approval_policy": "above", "refund_approval_expiry_hours": "72", "time_zone": "Asia/Tokyo"},
    ).content.decode()
    assert 'data-testid="refund_approval_threshold_amount-error"' in html and "Give an amount" in html
    org.refresh_from_db()
    assert org.refund_approval_policy == ApprovalPolicy.NONE


def test_times_show_in_the_organizations_time_zone_with_the_zone_named(
    org: Organization, login: Callable[[User], Client]
) -> None:
    from datetime import UTC, datetime

    from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus

    invoice = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    PaymentLink.objects.filter(invoice=invoice).update(paid_at=datetime(2026, 5, 1, 1, 0, tzinfo=UTC))
    admin = login(factories.member(org, Role.ADMIN))
    detail = f"/billing/invoices/{invoice.pk}/"
    assert "2026-05-01 10:00 JST" in admin.get(detail).content.decode()  # the default: Asia/Tokyo
    form = {"refund_approval_policy": "none", "refund_approval_expiry_hours": "72", "time_zone": "Europe/Berlin"}
    assert admin.post("/billing/settings/", form).status_code == 302
    assert "2026-05-01 03:00 CEST" in admin.get(detail).content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.ORGANIZATION_SETTINGS)
    assert (entry.before["time_zone"], entry.after["time_zone"]) == ("Asia/Tokyo", "Europe/Berlin")
    refused = admin.post("/billing/settings/", {**form, "time_zone": "Mars/Olympus_Mons"}).content.decode()
    assert 'data-testid="time_zone-error"' in refused


def test_the_registration_number_is_checked_and_said_what_is_wrong(
    org: Organization, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN))
    form = {"refund_approval_policy": "none", "refund_approval_expiry_hours": "72", "time_zone": "Asia/Tokyo"}
    refused = admin.post("/billing/settings/", {**form, "invoice_registration_number": "T8000012050002"})
    assert "check digit" in refused.content.decode() and 'data-testid="invoice_registration_number-error"' in (
        refused.content.decode()
    )
    # Written as printed, with hyphens or full-width digits, it is stored compact.
    saved = admin.post("/billing/settings/", {**form, "invoice_registration_number": "Ｔ7-0000-1205-0002"})
    assert saved.status_code == 302
    org.refresh_from_db()
    assert org.invoice_registration_number == "T7000012050002" and org.tax_rounding == "down"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.APPROVER, Role.VIEWER])
def test_only_admins_change_settings(org: Organization, login: Callable[[User], Client], role: Role) -> None:
    client = login(factories.member(org, role))
    assert 'data-testid="settings-menu"' not in client.get("/billing/").content.decode()
    assert client.get("/billing/settings/").status_code == 403
    assert client.post("/billing/settings/", {"refund_approval_policy": "always"}).status_code == 403
    org.refresh_from_db()
    assert org.refund_approval_policy == ApprovalPolicy.NONE


@pytest.mark.django_db(transaction=True)
def test_an_admin_invites_a_new_member_who_sets_a_password(org: Organization, login: Callable[[User], Client]) -> None:
    import re

    from django.core import mail

    admin = login(factories.member(org, Role.ADMIN, email="boss@example.test"))
    response = admin.post("/billing/settings/members/", {"email": "New.Person@Example.test", "role": "approver"})
    assert response.status_code == 302
    member = org.memberships.select_related("user").get(user__email="new.person@example.test")
    assert member.role == Role.APPROVER and not member.user.has_usable_password()
    (invitation,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/set-password/\S+)", str(invitation.body))
    assert link, invitation.body
    newcomer = Client()
    form = newcomer.get(link[1], follow=True)
    assert form.status_code == 200 and b"Set your password" in form.content
    done = newcomer.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link[1],
        {"new_password1": "a-good-first-secret-26", "new_password2": "a-good-first-secret-26"},
    )
    assert done.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password("a-good-first-secret-26")
    assert AuditEntry.objects.filter(action=AuditAction.MEMBER_INVITE, actor__email="boss@example.test").exists()


def test_roles_change_and_members_go_but_never_the_last_admin(
    org: Organization, login: Callable[[User], Client]
) -> None:
    boss = factories.member(org, Role.ADMIN, email="boss@example.test")
    admin = login(boss)
    boss_membership = org.memberships.get(user=boss)
    refused = admin.post(f"/billing/settings/members/{boss_membership.pk}/", {"role": "viewer"}, follow=True)
    assert "at least one admin" in refused.content.decode()
    boss_membership.refresh_from_db()
    assert boss_membership.role == Role.ADMIN
    assert (
        "at least one admin"
        in admin.post(
            f"/billing/settings/members/{boss_membership.pk}/", {"action": "remove"}, follow=True
        ).content.decode()
    )
    worker = factories.member(org, Role.OPERATOR, email="worker@example.test")
    worker_membership = org.memberships.get(user=worker)
    admin.post(f"/billing/settings/members/{worker_membership.pk}/", {"role": "approver"})
    worker_membership.refresh_from_db()
    assert worker_membership.role == Role.APPROVER
    admin.post(f"/billing/settings/members/{worker_membership.pk}/", {"action": "remove"})
    assert not org.memberships.filter(user=worker).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.MEMBER_ROLE, AuditAction.MEMBER_REMOVE} <= actions


def test_another_organizations_member_is_not_found(
    org: Organization, other_org: Organization, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN))
    stranger = factories.member(other_org, Role.ADMIN)
    theirs = other_org.memberships.get(user=stranger)
    assert admin.post(f"/billing/settings/members/{theirs.pk}/", {"action": "remove"}).status_code == 404
    assert other_org.memberships.filter(pk=theirs.pk).exists()
