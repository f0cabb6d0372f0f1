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
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import Forbidden
from invoicedesk.stripe_integration import gateway

from .models import ConnectedAccount

logger = logging.getLogger(__name__)


def connect_onboarding_url(
    *, actor: Membership, refresh_url: str, return_url: str, ip_address: str | None = None
) -> str:
    """The address of Stripe's onboarding for the actor's organization, creating its account on first use."""
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can connect a Stripe account."))
    organization = Organization.objects.get(pk=actor.organization_id)
    account_id = organization.stripe_account_id
    known = ConnectedAccount.objects.filter(stripe_account_id=account_id).first() if account_id else None
    if not account_id or (known is not None and known.deauthorized_at is not None):
        # A first account, or a new one after the seller disconnected the last (whose row and payments stay). One
        # account per organization and predecessor: the key makes a double click (or two admins at once) one.
        key = f"connect-account-{organization.pk}" + (f"-after-{account_id}" if account_id else "")
        info = gateway.create_account(
            email=actor.user.email, metadata={"organization_id": str(organization.pk)}, idempotency_key=key
        )
        account_id = _connect(
            organization_id=organization.pk, info=info, actor=actor, ip_address=ip_address, replacing=account_id
        ).stripe_account_id
    elif known is None:
        connect_account_record(info=gateway.retrieve_account(account_id=account_id), organization_id=organization.pk)
    return gateway.create_account_link(account_id=account_id, refresh_url=refresh_url, return_url=return_url)


@transaction.atomic(durable=True)
def _connect(
    *, organization_id: int, info: gateway.AccountInfo, actor: Membership, ip_address: str | None, replacing: str
) -> ConnectedAccount:
    """Make `info`'s account the organization's, in place of `replacing` (the disconnected one, or "")."""
    organization = Organization.objects.select_for_update(no_key=True).get(pk=organization_id)
    if organization.stripe_account_id not in ("", replacing):
        # Another request connected one meanwhile (this very one, replayed under its key, or another): it stands.
        return ConnectedAccount.objects.get_or_create(
            stripe_account_id=organization.stripe_account_id, defaults={"organization": organization}
        )[0]
    organization.stripe_account_id = info.id
    organization.save(update_fields=["stripe_account_id"])
    account, _created = ConnectedAccount.objects.update_or_create(
        stripe_account_id=info.id, defaults=_fields(info) | {"organization": organization}
    )
    audit_record(
        action=AuditAction.STRIPE_ACCOUNT_CONNECT,
        target=account,
        organization_id=organization.pk,
        actor=actor.user,
        before={"stripe_account_id": replacing} if replacing else None,
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
        if ConnectedAccount.objects.filter(organization=organization, deauthorized_at=None).exists():
            # Its connected account is another, still connected (the organization's id changed by hand): one at a
            # time; the new one is taken through "Connect a new Stripe account" after a disconnection.
            logger.warning("Stripe account %s: organization %s has another connected", info.id, organization.pk)
            return None
        account = ConnectedAccount(organization=organization, stripe_account_id=info.id)
    was_charging = account.charges_enabled
    for name, value in _fields(info).items():
        setattr(account, name, value)
    account.save()
    if was_charging and not account.charges_enabled:
        # New payment links are refused from now on (account_refusal); settled payments stay refundable.
        alert_raise(
            organization_id=account.organization_id,
            kind=AlertKind.STRIPE_CHARGES_DISABLED,
            subject=f"{account.stripe_account_id}:{timezone.now():%Y%m%d%H%M%S}",
            detail=f"Stripe disabled charges on {account.stripe_account_id}"
            f" ({account.disabled_reason or 'no reason given'}); due: {', '.join(account.requirements_due) or '—'}.",
        )
    return account


@transaction.atomic(durable=True)
def connect_account_deauthorize(*, account_id: str, at: datetime) -> ConnectedAccount | None:
    """The seller disconnected its account from our platform: links stop, refunds go to the Stripe Dashboard."""
    account = ConnectedAccount.objects.select_for_update().filter(stripe_account_id=account_id).first()
    if account is None:
        logger.info("Stripe account %s, deauthorized, belongs to no organization of ours", account_id)
        return None
    if account.deauthorized_at is None:
        account.deauthorized_at = at
        account.save(update_fields=["deauthorized_at", "updated_at"])
    alert_raise(
        organization_id=account.organization_id,
        kind=AlertKind.STRIPE_ACCOUNT_DISCONNECTED,
        subject=account.stripe_account_id,
        detail=f"Stripe account {account.stripe_account_id} was disconnected from the platform on {at.isoformat()}.",
    )
    return account


def disconnected_reason(account: ConnectedAccount) -> str:
    """Why nothing can be refunded here on a disconnected account's payments (the page and the refund's refusal)."""
    when = timezone.localtime(account.deauthorized_at or timezone.now()).strftime("%Y-%m-%d")
    return _("This organization's Stripe account was disconnected on %(date)s; refund in the Stripe Dashboard.") % {
        "date": when
    }


def account_refusal(organization: Organization) -> str | None:
    """Why no new payment link can be issued on the organization's connected account, or None. An account set by
    hand that Stripe has not described here is not second-guessed."""
    account = connected_account_of(organization)
    if account is None:
        return None
    if account.deauthorized_at is not None:
        when = timezone.localtime(account.deauthorized_at).strftime("%Y-%m-%d")
        return _(
            "This organization's Stripe account was disconnected on %(date)s, so no payment link can be issued."
        ) % {"date": when}
    if not account.charges_enabled:
        return _(
            "Stripe has not enabled charges on this organization's Stripe account, so no payment link can be issued. "
            "See Settings for what Stripe asks for."
        )
    return None


def disconnected_account(stripe_account_id: str | None) -> ConnectedAccount | None:
    """The connected account a payment is on, if it was disconnected from our platform."""
    if not stripe_account_id:
        return None
    return ConnectedAccount.objects.filter(stripe_account_id=stripe_account_id, deauthorized_at__isnull=False).first()


def connect_account_refresh(*, organization: Organization) -> ConnectedAccount | None:
    """The admin is back from Stripe's onboarding: ask Stripe how the account stands now."""
    if not organization.stripe_account_id:
        return None
    info = gateway.retrieve_account(account_id=organization.stripe_account_id)
    return connect_account_record(info=info, organization_id=organization.pk)


def connected_account_of(organization: Organization) -> ConnectedAccount | None:
    """The account the organization takes payments on now (not one disconnected before it), as Stripe described it."""
    if not organization.stripe_account_id:
        return None
    return ConnectedAccount.objects.filter(
        organization=organization, stripe_account_id=organization.stripe_account_id
    ).first()
