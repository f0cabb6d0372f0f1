"""Connecting an organization's own Stripe account (Stripe Connect, direct charges).

We create the account on the platform's key and send the admin to Stripe's hosted onboarding through an Account
Link (Stripe's documented flow for platforms: no OAuth, the seller signs in or signs up on Stripe's page; OAuth for
Standard accounts is a legacy flow Stripe no longer recommends). An account set by hand (`stripe_account_id`, for a
one-seller deployment) is taken as it is and described from Stripe. Its state — charges and payouts enabled,
details submitted, what Stripe still asks for — is Stripe's, stored on the return from onboarding and on every
`account.updated`, each time fetched fresh from Stripe.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import Forbidden

from . import stripe_gateway as gateway
from .models import ConnectedAccount

logger = logging.getLogger(__name__)


def connect_onboarding_url(
    *, actor: Membership, refresh_url: str, return_url: str, ip_address: str | None = None
) -> str:
    """The address of Stripe's onboarding for the actor's organization, creating its account on first use."""
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can connect a Stripe account."))
    organization = actor.organization
    account_id = organization.stripe_account_id
    if not account_id:
        # One account per organization: the key makes a double click (or two admins at once) one account.
        info = gateway.create_account(
            email=actor.user.email,
            metadata={"organization_id": str(organization.pk)},
            idempotency_key=f"connect-account-{organization.pk}",
        )
        account_id = _connect(
            organization_id=organization.pk, info=info, actor=actor, ip_address=ip_address
        ).stripe_account_id
    elif not ConnectedAccount.objects.filter(organization=organization).exists():
        connect_account_record(info=gateway.retrieve_account(account_id=account_id), organization_id=organization.pk)
    return gateway.create_account_link(account_id=account_id, refresh_url=refresh_url, return_url=return_url)


@transaction.atomic(durable=True)
def _connect(
    *, organization_id: int, info: gateway.AccountInfo, actor: Membership, ip_address: str | None
) -> ConnectedAccount:
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if organization.stripe_account_id and organization.stripe_account_id != info.id:
        # Another request connected one meanwhile: that one stands.
        return ConnectedAccount.objects.get_or_create(
            organization=organization, defaults={"stripe_account_id": organization.stripe_account_id}
        )[0]
    organization.stripe_account_id = info.id
    organization.save(update_fields=["stripe_account_id"])
    account, _created = ConnectedAccount.objects.update_or_create(
        organization=organization, defaults=_fields(info) | {"stripe_account_id": info.id}
    )
    audit_record(
        action=AuditAction.STRIPE_ACCOUNT_CONNECT,
        target=account,
        organization_id=organization.pk,
        actor=actor.user,
        after={"stripe_account_id": info.id},
        ip_address=ip_address,
    )
    return account


def _fields(info: gateway.AccountInfo) -> dict[str, object]:
    return {
        "charges_enabled": info.charges_enabled,
        "payouts_enabled": info.payouts_enabled,
        "details_submitted": info.details_submitted,
        "requirements_due": list(info.requirements_due),
        "disabled_reason": info.disabled_reason,
    }


@transaction.atomic(durable=True)
def connect_account_record(*, info: gateway.AccountInfo, organization_id: int | None = None) -> ConnectedAccount | None:
    """Store what Stripe says about a connected account. None for an account no organization of ours has."""
    account = ConnectedAccount.objects.select_for_update().filter(stripe_account_id=info.id).first()
    if account is None:
        owner = Organization.objects.filter(stripe_account_id=info.id)
        if organization_id is not None:
            owner = owner.filter(pk=organization_id)
        organization = owner.first()
        if organization is None:
            logger.info("Stripe account %s belongs to no organization of ours", info.id)
            return None
        account = ConnectedAccount(organization=organization, stripe_account_id=info.id)
    for name, value in _fields(info).items():
        setattr(account, name, value)
    account.save()
    return account


def connect_account_refresh(*, organization: Organization) -> ConnectedAccount | None:
    """The admin is back from Stripe's onboarding: ask Stripe how the account stands now."""
    if not organization.stripe_account_id:
        return None
    info = gateway.retrieve_account(account_id=organization.stripe_account_id)
    return connect_account_record(info=info, organization_id=organization.pk)


def connected_account_of(organization: Organization) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(organization=organization).first()
