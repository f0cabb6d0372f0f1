"""Two-factor sign-in (django-otp): enrolment with an authenticator app, single-use recovery codes, verification
after the password, and an admin resetting a member's factor. Every step that changes a factor is audited (audit is
the floor below); the gate the services check is accounts.twofactor.

A person's factor is theirs, not an organization's: enrolment, recovery codes and their use are audited without an
organization, like sign-ins, so every organization they belong to sees them in its Audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError

from .models import Membership, Organization, User
from .services import _locked_member, _require_admin

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def has_second_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def members_with_second_factor(organization: Organization) -> set[int]:
    """Ids of the organization's people who have set up two-factor sign-in (for Settings › Members)."""
    members = organization.memberships.values_list("user_id", flat=True)
    return set(TOTPDevice.objects.filter(user_id__in=members, confirmed=True).values_list("user_id", flat=True))


def totp_device_pending(user: User) -> TOTPDevice:
    """The secret being set up: kept unconfirmed until the person proves their app has it (one per person)."""
    if has_second_factor(user):
        raise ServiceError(_("Two-factor sign-in is already set up."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def _normalize(code: str) -> str:
    # People type codes as shown ("123 456", "abcd-efgh") and as their phone capitalises them.
    return re.sub(r"[\s\-]", "", code).lower()[:32]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic(durable=True)
def two_factor_enrol(*, user: User, code: str, ip_address: str | None = None) -> Enrolment | None:
    """Confirm the pending secret with a code from the app; then make the recovery codes (shown once).

    None when the code is wrong: nothing is raised, so the device's failure count (its throttle) is kept.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or has_second_factor(user):
        raise ServiceError(_("Two-factor sign-in is already set up."))
    if not device.verify_token(_normalize(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    audit_record(action=AuditAction.TWO_FACTOR_ENROL, target=user, actor=user, after={}, ip_address=ip_address)
    audit_record(
        action=AuditAction.TWO_FACTOR_RECOVERY_CODES,
        target=user,
        actor=user,
        after={"count": len(codes)},
        ip_address=ip_address,
    )
    return Enrolment(device=device, recovery_codes=codes)


@transaction.atomic(durable=True)
def two_factor_recovery_codes_renew(*, user: User, session_verified: bool, ip_address: str | None = None) -> list[str]:
    """New recovery codes replace the old ones (all of them), from a session that passed the second factor."""
    if not has_second_factor(user):
        raise ServiceError(_("Set up two-factor sign-in first."))
    if not session_verified:
        raise Forbidden(_("Enter a code from your authenticator app first."), code=ErrorCode.SECOND_FACTOR_REQUIRED)
    codes = _new_recovery_codes(user)
    audit_record(
        action=AuditAction.TWO_FACTOR_RECOVERY_CODES,
        target=user,
        actor=user,
        after={"count": len(codes)},
        ip_address=ip_address,
    )
    return codes


@dataclass(frozen=True)
class Verification:
    device: Any  # a django-otp Device (TOTPDevice or StaticDevice) to log the session in with, or None
    throttled: bool = False


@transaction.atomic(durable=True)
def two_factor_verify(*, user: User, code: str, ip_address: str | None = None) -> Verification:
    """Check a code from the app, or else a recovery code (used up by this). Wrong codes are audited and slow the
    device down (django-otp's throttling doubles the wait after each failure)."""
    token = _normalize(code)
    app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if app is None:
        raise ServiceError(_("Set up two-factor sign-in first."))
    allowed, _details = app.verify_is_allowed()
    if not allowed:
        return Verification(device=None, throttled=True)
    if token.isdigit() and app.verify_token(token):
        return Verification(device=app)
    recovery = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if recovery is not None and not token.isdigit() and recovery.verify_token(token):
        audit_record(
            action=AuditAction.TWO_FACTOR_RECOVERY_CODE_USED,
            target=user,
            actor=user,
            after={"left": recovery.token_set.count()},
            ip_address=ip_address,
        )
        return Verification(device=recovery)
    if not token.isdigit():
        # A wrong recovery code counts against the app's throttle too: one wait for every way in.
        app.throttle_increment(commit=True)
    audit_record(action=AuditAction.TWO_FACTOR_FAILED, target=user, actor=user, after={}, ip_address=ip_address)
    return Verification(device=None)


@transaction.atomic(durable=True)
def member_second_factor_reset(*, actor: Membership, membership_id: int, ip_address: str | None = None) -> Membership:
    """An admin removes a member's authenticator app and recovery codes (a lost phone); they set it up again at
    their next guarded action. Refused for someone who also belongs to another organization: one tenant's admin
    does not weaken another's sign-in (support staff reset those in the Django admin)."""
    _require_admin(actor)
    member = _locked_member(actor, membership_id)
    if Membership.objects.filter(user_id=member.user_id).exclude(organization_id=actor.organization_id).exists():
        raise ServiceError(
            _("%(email)s also belongs to another organization: ask support to reset their two-factor sign-in.")
            % {"email": member.user.email},
        )
    removed_app = TOTPDevice.objects.filter(user_id=member.user_id).delete()[0]
    removed_codes = StaticDevice.objects.filter(user_id=member.user_id).delete()[0]
    if not removed_app and not removed_codes:
        raise ServiceError(_("%(email)s has not set up two-factor sign-in.") % {"email": member.user.email})
    audit_record(
        action=AuditAction.TWO_FACTOR_RESET,
        target=member,
        organization_id=actor.organization_id,
        actor=actor.user,
        before={"email": member.user.email, "two_factor": True},
        after={"two_factor": False},
        ip_address=ip_address,
    )
    return member
