"""Two-factor sign-in for the people who approve: enrolment with an authenticator app (TOTP computed here as the app
would), recovery codes good once, and the gate: with the organization's setting on, approving, changing settings
or members and making API keys need a session that passed the second factor; with it off, nobody is asked."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role, User
from invoicedesk.accounts.twofactor import SecondFactorRequired
from invoicedesk.api.keys import api_key_create
from invoicedesk.api.models import ApiKey
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools import demo
from invoicedesk.refunds.approvals import refund_approve
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.api.conftest import ApiClient, paid_invoice_without_stripe

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user: User) -> TOTPDevice:
    """A confirmed authenticator app, as enrolment leaves it (enrolment itself is tested through its page)."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def membership(user: User) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=user)


@pytest.fixture
def guarded(org: Organization) -> Organization:
    """The demo seller with two-factor sign-in required and every refund held for approval."""
    org.require_two_factor = True
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    return org


@pytest.fixture
def approver(guarded: Organization) -> User:
    return factories.member(guarded, Role.APPROVER, email="approver@example.test", language="en")


@pytest.fixture
def admin(guarded: Organization) -> User:
    return factories.member(guarded, Role.ADMIN, email="admin@example.test", language="en")


def held_refund(org: Organization, operator: User) -> Refund:
    invoice: BillingInvoice = paid_invoice_without_stripe(org)
    return refund_request(
        actor=membership(operator),
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=5000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )


def test_new_organizations_require_it_and_the_demo_ones_do_not(db: None) -> None:
    assert Organization.objects.create(name="New Seller K.K.").require_two_factor is True
    demo_org = demo._organization("Demo Trading", contact_email="a@demo.test", contract_start=timezone.now())
    assert demo_org.require_two_factor is False


def test_enrolment_shows_the_secret_confirms_a_code_and_shows_ten_recovery_codes_once(
    guarded: Organization, approver: User, login: Callable[[User], Client]
) -> None:
    client = login(approver)
    page = client.get("/accounts/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    assert "<svg" in page and 'data-testid="qr-code"' in page
    assert "otpauth://totp/invoicedesk%3Aapprover%40example.test?secret=" in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)
    assert secret is not None and len(secret.group(1).replace(" ", "")) == 32
    # The page shows the same secret on a reload until it is confirmed.
    assert secret.group(1) in client.get("/accounts/two-factor/").content.decode()

    wrong = client.post("/accounts/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=approver, confirmed=True).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code's wait is django-otp's (tested there)
    device.save()
    done = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/approvals/"})
    assert done.status_code == 302
    shown = client.get(done["Location"])
    codes = re.findall(r'data-testid="recovery-code">([a-z2-7]+)<', shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert shown["Cache-Control"] == "no-store" and 'href="/approvals/"' in shown.content.decode()
    assert 'data-testid="recovery-code"' not in client.get("/accounts/two-factor/").content.decode()  # once
    assert sorted(StaticToken.objects.filter(device__user=approver).values_list("token", flat=True)) == sorted(codes)

    actions = list(AuditEntry.objects.filter(actor=approver).values_list("action", "after"))
    assert (AuditAction.TWO_FACTOR_ENROL, {}) in actions
    assert (AuditAction.TWO_FACTOR_RECOVERY_CODES, {"count": 10}) in actions
    # Enrolling passed the factor: this session may approve now.
    refund = held_refund(guarded, factories.member(guarded, Role.OPERATOR))
    client.post(f"/approvals/{refund.pk}/", {"decision": "approve"})
    refund.refresh_from_db()
    assert refund.status != RefundStatus.PENDING_APPROVAL and refund.decided_by == approver


def test_an_approver_cannot_approve_before_passing_the_second_factor(
    guarded: Organization, approver: User, operator: User
) -> None:
    device = enrolled(approver)
    refund = held_refund(guarded, operator)
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": approver.email, "password": factories.PASSWORD})
    assert signed_in["Location"].startswith("/accounts/two-factor/verify/?next=")

    # Skipping the code page: the approval is refused and sends them to enter the code, back to this refund.
    page = f"http://testserver/approvals/{refund.pk}/"
    refused = client.post(f"/approvals/{refund.pk}/", {"decision": "approve"}, HTTP_REFERER=page)
    assert refused.status_code == 302
    assert refused["Location"] == f"/accounts/two-factor/verify/?next=%2Fapprovals%2F{refund.pk}%2F"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_APPROVAL and refund.decided_by is None
    assert not AuditEntry.objects.filter(action=AuditAction.REFUND_APPROVE).exists()

    verified = client.post(refused["Location"], {"code": code_for(device)})
    assert verified.status_code == 302 and verified["Location"] == f"/approvals/{refund.pk}/"
    assert client.post(f"/approvals/{refund.pk}/", {"decision": "approve"}).status_code == 302
    refund.refresh_from_db()
    assert refund.status != RefundStatus.PENDING_APPROVAL and refund.decided_by == approver


def test_the_service_refuses_a_membership_no_verified_session_carries(
    guarded: Organization, approver: User, operator: User
) -> None:
    enrolled(approver)
    refund = held_refund(guarded, operator)
    with pytest.raises(SecondFactorRequired):
        refund_approve(actor=membership(approver), refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_APPROVAL


def test_an_approver_without_an_app_is_sent_to_set_it_up(
    guarded: Organization, approver: User, operator: User, login: Callable[[User], Client]
) -> None:
    client = login(approver)
    page = client.get("/billing/").content.decode()
    assert 'data-testid="second-factor-prompt"' in page
    refund = held_refund(guarded, operator)
    refused = client.post(f"/approvals/{refund.pk}/", {"decision": "approve"})
    assert refused["Location"].startswith("/accounts/two-factor/?next=")
    # Operators are not asked: the setting is for approvers and admins.
    assert 'data-testid="second-factor-prompt"' not in login(operator).get("/billing/").content.decode()


def test_a_recovery_code_signs_in_once(guarded: Organization, approver: User) -> None:
    enrolled(approver)
    device = StaticDevice.objects.create(user=approver, name="Recovery codes", confirmed=True)
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="efgh6789")
    first = Client()
    first.force_login(approver)
    used = first.post("/accounts/two-factor/verify/?next=/approvals/", {"code": "ABCD-2345"})
    assert used.status_code == 302 and used["Location"] == "/approvals/"
    assert list(device.token_set.values_list("token", flat=True)) == ["efgh6789"]
    entry = AuditEntry.objects.get(action=AuditAction.TWO_FACTOR_RECOVERY_CODE_USED)
    assert entry.actor == approver and entry.after == {"left": 1}

    second = Client()
    second.force_login(approver)
    again = second.post("/accounts/two-factor/verify/", {"code": "abcd2345"})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()


def test_new_recovery_codes_need_a_verified_session_and_replace_the_old(approver: User) -> None:
    device = enrolled(approver)
    client = Client()
    client.force_login(approver)
    refused = client.post("/accounts/two-factor/recovery-codes/")
    assert refused["Location"].startswith("/accounts/two-factor/verify/")
    assert not StaticToken.objects.exists()
    client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    client.post("/accounts/two-factor/recovery-codes/")
    codes = re.findall(
        r'data-testid="recovery-code">([a-z2-7]+)<', client.get("/accounts/two-factor/").content.decode()
    )
    assert len(codes) == 10 and StaticToken.objects.count() == 10
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_RECOVERY_CODES, actor=approver).count() == 1


def settings_form(org: Organization, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "refund_approval_policy": org.refund_approval_policy,
        "refund_approval_expiry_hours": org.refund_approval_expiry_hours,
        "time_zone": org.time_zone,
        "tax_rounding": org.tax_rounding,
        "require_two_factor": "on",
    }
    data.update(changes)
    return data


def test_settings_members_and_api_keys_need_the_second_factor(
    guarded: Organization, admin: User, operator: User
) -> None:
    device = enrolled(admin)
    client = Client()
    client.force_login(admin)
    assert client.get("/billing/settings/").status_code == 200  # reading is not guarded
    refused = client.post("/billing/settings/", settings_form(guarded, refund_approval_expiry_hours=5))
    assert refused["Location"].startswith("/accounts/two-factor/verify/?next=")
    guarded.refresh_from_db()
    assert guarded.refund_approval_expiry_hours == 72
    operator_membership = membership(operator)
    client.post(f"/billing/settings/members/{operator_membership.pk}/", {"role": "approver"})
    operator_membership.refresh_from_db()
    assert operator_membership.role == Role.OPERATOR
    assert client.post("/accounts/api-keys/", {"name": "ERP"})["Location"].startswith("/accounts/two-factor/")
    assert not ApiKey.objects.exists()

    client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    assert client.post("/billing/settings/", settings_form(guarded, refund_approval_expiry_hours=5)).status_code == 302
    guarded.refresh_from_db()
    assert guarded.refund_approval_expiry_hours == 5 and guarded.require_two_factor is True
    assert client.post("/accounts/api-keys/", {"name": "ERP"}).status_code == 302
    assert ApiKey.objects.filter(user=admin).count() == 1
    # The setting is a checkbox on the same form, and turning it off is audited like any setting.
    client.post("/billing/settings/", settings_form(guarded, require_two_factor=""))
    assert Organization.objects.get(pk=guarded.pk).require_two_factor is False
    entry = AuditEntry.objects.filter(action=AuditAction.ORGANIZATION_SETTINGS).first()
    assert entry is not None and entry.after == {"require_two_factor": False}


def test_an_api_key_cannot_approve_when_the_setting_is_on(org: Organization, operator: User) -> None:
    approver = factories.member(org, Role.APPROVER)
    secret = api_key_create(actor=membership(approver), name="approvals bot").secret  # made while it was off
    org.require_two_factor = True
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    refund = held_refund(org, operator)
    answer = ApiClient(secret).post(f"/approvals/{refund.pk}/approve", {"comment": "ok"})
    assert answer.status_code == 403 and answer.json()["code"] == "second_factor_required"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING_APPROVAL


def test_an_admin_resets_a_members_factor_audited(guarded: Organization, admin: User, approver: User) -> None:
    admin_device = enrolled(admin)
    enrolled(approver)
    StaticDevice.objects.create(user=approver, name="Recovery codes", confirmed=True).token_set.create(token="aaaa")
    client = Client()
    client.force_login(admin)
    client.post("/accounts/two-factor/verify/", {"code": code_for(admin_device)})
    page = client.get("/billing/settings/").content.decode()
    # Offered on the approver's row; one's own row offers no actions on oneself.
    assert page.count('data-testid="reset-two-factor"') == 1
    target = membership(approver)
    done = client.post(f"/billing/settings/members/{target.pk}/", {"action": "reset_two_factor"}, follow=True)
    assert "Two-factor sign-in reset" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=approver).exists() and not StaticDevice.objects.filter(user=approver)
    entry = AuditEntry.objects.get(action=AuditAction.TWO_FACTOR_RESET)
    assert entry.actor == admin and entry.organization_id == guarded.pk and entry.object_id == str(target.pk)
    assert entry.before == {"email": approver.email, "two_factor": True}

    # Someone who is also in another organization is not reset by this one's admin.
    other = factories.organization("Other Seller K.K.")
    shared = factories.member(guarded, Role.APPROVER, email="shared@example.test")
    Membership.objects.create(user=shared, organization=other, role=Role.ADMIN)
    enrolled(shared)
    refused = client.post(
        f"/billing/settings/members/{membership_in(shared, guarded).pk}/", {"action": "reset_two_factor"}, follow=True
    )
    assert "also belongs to another organization" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=shared).exists()


def membership_in(user: User, org: Organization) -> Membership:
    return Membership.objects.get(user=user, organization=org)


def test_with_the_setting_off_nobody_is_asked(org: Organization, operator: User) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    approver = factories.member(org, Role.APPROVER)
    refund = held_refund(org, operator)
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": approver.email, "password": factories.PASSWORD})
    assert signed_in["Location"] == "/billing/"
    assert 'data-testid="second-factor-prompt"' not in client.get("/billing/").content.decode()
    assert client.post(f"/approvals/{refund.pk}/", {"decision": "approve"})["Location"] == "/approvals/"
    refund.refresh_from_db()
    assert refund.decided_by == approver


def test_a_wrong_code_slows_the_next_tries(guarded: Organization, approver: User) -> None:
    device = enrolled(approver)
    client = Client()
    client.force_login(approver)
    with time_machine.travel(timezone.now(), tick=False):
        client.post("/accounts/two-factor/verify/", {"code": "000000" if code_for(device) != "000000" else "1"})
        # Even the right code waits out the failure's pause (django-otp's throttle: 1 s, then 2 s, 4 s, …).
        throttled = client.post("/accounts/two-factor/verify/", {"code": code_for(device)}).content.decode()
        assert "Too many wrong codes" in throttled
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_FAILED, actor=approver).count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=2), tick=False):
        assert client.post("/accounts/two-factor/verify/", {"code": code_for(device)}).status_code == 302


def test_the_pages_speak_japanese(guarded: Organization) -> None:
    user = factories.member(guarded, Role.APPROVER, language="ja")
    client = Client()
    client.force_login(user)
    setup = client.get("/accounts/two-factor/").content.decode()
    assert "認証アプリの設定" in setup and "2段階認証を有効にする" in setup
    assert "この組織では承認者と管理者に2段階認証が必要です。" in client.get("/billing/").content.decode()
    enrolled(user)
    assert "リカバリーコード" in client.get("/accounts/two-factor/verify/").content.decode()


def test_support_staff_delete_a_device_in_the_admin_audited_and_never_see_its_secret(approver: User) -> None:
    device = enrolled(approver)
    client = Client()
    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    url = f"/admin/otp_totp/totpdevice/{device.pk}/"
    page = client.get(f"{url}change/").content.decode()
    assert approver.email in page and device.key not in page
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    client.post(f"{url}delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_DELETE, object_type="otp_totp.TOTPDevice")
    assert entry.object_id == str(device.pk)
