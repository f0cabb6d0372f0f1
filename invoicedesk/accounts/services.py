"""Writes of accounts: organization settings and members (invite, role, removal). Each is audited in its own
transaction: audit is the floor below accounts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.core.named_tasks import enqueue_named_with_work

from .models import ApprovalPolicy, Membership, Organization, Role, User, validate_commerce_disclosure_url
from .twofactor import require_second_factor

SETTINGS_FIELDS = (
    "refund_approval_policy",
    "refund_approval_threshold_amount",
    "refund_approval_threshold_percent",
    "refund_approval_expiry_hours",
    "refund_daily_limit_per_person",
    "email_buyer_on_outside_refunds",
    "time_zone",
    "invoice_registration_number",
    "invoice_issuer_name",
    "invoice_issuer_address",
    "tax_rounding",
    "return_invoices_always",
    "require_two_factor",
    "commerce_disclosure_url",
)


@dataclass(frozen=True, kw_only=True)
class OrganizationSettings:
    refund_approval_policy: ApprovalPolicy
    refund_approval_threshold_amount: int | None
    refund_approval_threshold_percent: int | None
    refund_approval_expiry_hours: int
    email_buyer_on_outside_refunds: bool
    time_zone: str
    invoice_registration_number: str = ""
    invoice_issuer_name: str = ""
    invoice_issuer_address: str = ""
    tax_rounding: str = "down"
    return_invoices_always: bool = False
    refund_daily_limit_per_person: int | None = None
    require_two_factor: bool = True
    commerce_disclosure_url: str = ""


@transaction.atomic(durable=True)
def organization_settings_update(
    *, actor: Membership, settings: OrganizationSettings, ip_address: str | None = None
) -> Organization:
    """Admins change the refund approval policy and related settings; every change is audited."""
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can change the organization's settings."))
    require_second_factor(actor)
    if settings.refund_approval_policy == ApprovalPolicy.ABOVE and (
        settings.refund_approval_threshold_amount is None and settings.refund_approval_threshold_percent is None
    ):
        raise ServiceError(
            _("Give an amount, a share of the payment, or both, for refunds that need approval."),
            field="refund_approval_threshold_amount",
        )
    if settings.commerce_disclosure_url:
        # Checked here too: the API and scripts reach this service without the form.
        try:
            validate_commerce_disclosure_url(settings.commerce_disclosure_url)
        except ValidationError as error:
            raise ServiceError(
                " ".join(error.messages), code=ErrorCode.INVALID_REQUEST, field="commerce_disclosure_url"
            ) from error
    organization = Organization.objects.select_for_update(no_key=True).get(pk=actor.organization_id)
    before = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        setattr(organization, name, getattr(settings, name))
    after = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    if after == before:
        return organization
    organization.save(update_fields=list(SETTINGS_FIELDS))
    changed = [name for name in SETTINGS_FIELDS if before[name] != after[name]]
    if "invoice_registration_number" in changed and organization.invoice_registration_number:
        # The registry's lookup (the accounting app's task, by name: accounting sits above), queued with this save.
        enqueue_named_with_work("accounting.registry_lookup", [organization.invoice_registration_number])
    audit_record(
        action=AuditAction.ORGANIZATION_SETTINGS,
        target=organization,
        organization=organization,
        actor=actor.user,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        ip_address=ip_address,
    )
    return organization


def _require_admin(actor: Membership) -> None:
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can manage members."))
    # Members and roles decide who approves: guarded like the settings.
    require_second_factor(actor)


def _locked_member(actor: Membership, membership_id: int) -> Membership:
    member = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization_id=actor.organization_id, pk=membership_id)
        .first()
    )
    if member is None:
        raise NotFound(_("No such member."))
    return member


def _refuse_losing_the_last_admin(actor: Membership, member: Membership) -> None:
    # Locks every admin row of the organization, so two admins demoting each other cannot both succeed.
    admins = list(Membership.objects.select_for_update().filter(organization_id=actor.organization_id, role=Role.ADMIN))
    if member.role == Role.ADMIN and len(admins) <= 1:
        raise ServiceError(_("An organization needs at least one admin: make someone else admin first."))


@transaction.atomic(durable=True)
def member_invite(
    *, actor: Membership, email: str, role: Role, base_url: str, ip_address: str | None = None
) -> Membership:
    """Add a person by email with a role. A new user gets an account without a password and, after commit, an
    email with a link to set one."""
    _require_admin(actor)
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email, password=None)
    membership, added = Membership.objects.get_or_create(
        user=user, organization_id=actor.organization_id, defaults={"role": role}
    )
    if not added:
        raise ServiceError(_("%(email)s is already a member.") % {"email": email}, field="email")
    audit_record(
        action=AuditAction.MEMBER_INVITE,
        target=membership,
        organization_id=actor.organization_id,
        actor=actor.user,
        after={"email": email, "role": role, "new_account": created},
        ip_address=ip_address,
    )
    if created:
        transaction.on_commit(partial(_send_invitation, user.pk, actor.organization.name, str(actor.user), base_url))
    return membership


def _send_invitation(user_id: int, organization_name: str, inviter: str, base_url: str) -> None:
    user = User.objects.get(pk=user_id)
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    send_mail(
        subject=f"[invoicedesk] {inviter} invited you to {organization_name} / {organization_name}への招待",
        message=(
            f"{inviter} invited you to {organization_name} on invoicedesk. Set your password here:\n"
            f"{inviter}さんが invoicedesk の {organization_name} にあなたを招待しました。"
            "こちらでパスワードを設定してください：\n\n"
            f"{base_url}{path}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic(durable=True)
def member_change_role(
    *, actor: Membership, membership_id: int, role: Role, ip_address: str | None = None
) -> Membership:
    _require_admin(actor)
    member = _locked_member(actor, membership_id)
    if member.role == role:
        return member
    if role != Role.ADMIN:
        _refuse_losing_the_last_admin(actor, member)
    before = {"role": member.role}
    member.role = role
    member.save(update_fields=["role"])
    audit_record(
        action=AuditAction.MEMBER_ROLE,
        target=member,
        organization_id=actor.organization_id,
        actor=actor.user,
        before=before,
        after={"role": role, "email": member.user.email},
        ip_address=ip_address,
    )
    return member


@transaction.atomic(durable=True)
def member_remove(*, actor: Membership, membership_id: int, ip_address: str | None = None) -> None:
    _require_admin(actor)
    member = _locked_member(actor, membership_id)
    _refuse_losing_the_last_admin(actor, member)
    # Their API keys end with the membership (the reverse relation of api.ApiKey, a floor above this one).
    revoked = member.api_keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        action=AuditAction.MEMBER_REMOVE,
        target=member,
        organization_id=actor.organization_id,
        actor=actor.user,
        before={"email": member.user.email, "role": member.role},
        after={"api_keys_revoked": revoked} if revoked else None,
        ip_address=ip_address,
    )
    member.delete()
