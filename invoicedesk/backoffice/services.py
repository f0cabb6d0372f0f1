"""Writes that belong to the organization but must be audited, so they live above the audit app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import Forbidden, ServiceError

SETTINGS_FIELDS = (
    "refund_approval_policy",
    "refund_approval_threshold_amount",
    "refund_approval_threshold_percent",
    "refund_approval_expiry_hours",
    "email_buyer_on_outside_refunds",
)


@dataclass(frozen=True, kw_only=True)
class OrganizationSettings:
    refund_approval_policy: ApprovalPolicy
    refund_approval_threshold_amount: int | None
    refund_approval_threshold_percent: int | None
    refund_approval_expiry_hours: int
    email_buyer_on_outside_refunds: bool


@transaction.atomic(durable=True)
def organization_settings_update(
    *, actor: Membership, settings: OrganizationSettings, ip_address: str | None = None
) -> Organization:
    """Admins change the refund approval policy and related settings; every change is audited."""
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can change the organization's settings."))
    if settings.refund_approval_policy == ApprovalPolicy.ABOVE and (
        settings.refund_approval_threshold_amount is None and settings.refund_approval_threshold_percent is None
    ):
        raise ServiceError(
            _("Give an amount, a share of the payment, or both, for refunds that need approval."),
            code="threshold",
            field="refund_approval_threshold_amount",
        )
    organization = Organization.objects.select_for_update().get(pk=actor.organization_id)
    before = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        setattr(organization, name, getattr(settings, name))
    after = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    if after == before:
        return organization
    organization.save(update_fields=list(SETTINGS_FIELDS))
    changed = [name for name in SETTINGS_FIELDS if before[name] != after[name]]
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
