"""Subscribing to the Stripe Credit Card Payment Add-on, what it needs first, and cancelling it.

The add-on can be subscribed (issue 20, item 2) only when:

- the organization's own Stripe account (Stripe Connect) is onboarded as Stripe says: "the Stripe application is
  completed" (`details_submitted`), "the Charges feature is enabled" (`charges_enabled`) and "the Payouts feature
  is enabled" (`payouts_enabled`), and it is still connected to our platform; and
- the organization has published its commerce disclosure page (特定商取引法に基づく表記) and entered its address
  in Settings.

An organization without an account of its own takes payments on the platform's account (a one-seller deployment,
where the platform's owner is the seller): there is no connected account whose state we could read, and the
platform's account is the operator's own business, so the Stripe conditions are not asked; the commerce
disclosure still is, because the law asks it of every online seller whatever account takes the money.

The rule lives here, enforced under the organization's row lock; Settings only shows what `addon_offer` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import AddonContract, Membership, Organization
from invoicedesk.accounts.selectors import AddonState, addon_contract_valid_at, addon_state
from invoicedesk.accounts.twofactor import require_second_factor
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError

from .models import ConnectedAccount


class Missing(StrEnum):
    """A prerequisite of the add-on that is not met, by its code (the API and the tests name them so)."""

    COMMERCE_DISCLOSURE = "commerce_disclosure_missing"
    ACCOUNT_NOT_DESCRIBED = "stripe_account_not_described"
    ACCOUNT_DISCONNECTED = "stripe_account_disconnected"
    DETAILS_NOT_SUBMITTED = "stripe_details_not_submitted"
    CHARGES_DISABLED = "stripe_charges_disabled"
    PAYOUTS_DISABLED = "stripe_payouts_disabled"


@dataclass(frozen=True)
class Prerequisite:
    code: Missing
    message: str


class AddonPrerequisitesMissing(ServiceError):
    """The add-on cannot be subscribed yet; `missing` says each reason."""

    default_code = ErrorCode.ADDON_PREREQUISITES_MISSING

    def __init__(self, missing: list[Prerequisite]) -> None:
        super().__init__(
            " ".join(item.message for item in missing),
            details={"missing": [item.code.value for item in missing]},
        )
        self.missing = missing


def _current_account(organization: Organization) -> ConnectedAccount | None:
    # The account the organization takes payments on now; an earlier one, disconnected, may still have a row.
    return ConnectedAccount.objects.filter(
        organization=organization, stripe_account_id=organization.stripe_account_id
    ).first()


def addon_missing(organization: Organization) -> list[Prerequisite]:
    """What the organization still lacks for the add-on, in the reader's language; empty when it may subscribe."""
    missing: list[Prerequisite] = []
    if organization.stripe_account_id:
        account = _current_account(organization)
        if account is None:
            missing.append(
                Prerequisite(
                    Missing.ACCOUNT_NOT_DESCRIBED,
                    _(
                        "Stripe has not described the connected Stripe account yet: continue onboarding at Stripe "
                        "from this page."
                    ),
                )
            )
        elif account.deauthorized_at is not None:
            missing.append(
                Prerequisite(
                    Missing.ACCOUNT_DISCONNECTED,
                    _("The connected Stripe account was disconnected on %(date)s: connect a new one.")
                    % {"date": timezone.localtime(account.deauthorized_at).strftime("%Y-%m-%d")},
                )
            )
        else:
            if not account.details_submitted:
                missing.append(
                    Prerequisite(
                        Missing.DETAILS_NOT_SUBMITTED,
                        _("The Stripe application is not completed: Stripe still needs the account's details."),
                    )
                )
            if not account.charges_enabled:
                missing.append(
                    Prerequisite(
                        Missing.CHARGES_DISABLED,
                        _("The Charges feature of the connected Stripe account is not enabled."),
                    )
                )
            if not account.payouts_enabled:
                missing.append(
                    Prerequisite(
                        Missing.PAYOUTS_DISABLED,
                        _("The Payouts feature of the connected Stripe account is not enabled."),
                    )
                )
    if not organization.commerce_disclosure_url:
        missing.append(
            Prerequisite(
                Missing.COMMERCE_DISCLOSURE,
                _(
                    "The commerce disclosure page (特定商取引法に基づく表記) is not set: "
                    "enter its URL in the settings above."
                ),
            )
        )
    return missing


@dataclass(frozen=True)
class AddonOffer:
    """What Settings shows about the add-on: where it stands, and whether (or why not) it can be subscribed."""

    state: AddonState
    contract: AddonContract | None  # in force now, or signed and starting later
    missing: tuple[Prerequisite, ...]
    on_platform_account: bool

    @property
    def can_subscribe(self) -> bool:
        return self.contract is None and not self.missing

    @property
    def can_cancel(self) -> bool:
        return self.state.active


def _contract_in_force_or_upcoming(organization_id: int) -> AddonContract | None:
    now = timezone.now()
    return (
        AddonContract.objects.filter(organization_id=organization_id)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("starts_at")
        .first()
    )


def addon_offer(*, organization: Organization) -> AddonOffer:
    return AddonOffer(
        state=addon_state(organization=organization),
        contract=_contract_in_force_or_upcoming(organization.pk),
        missing=tuple(addon_missing(organization)),
        on_platform_account=not organization.stripe_account_id,
    )


def _require_admin(actor: Membership) -> None:
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can subscribe to or cancel the Stripe Credit Card Payment Add-on."))
    require_second_factor(actor)


@transaction.atomic(durable=True)
def addon_subscribe(*, actor: Membership, ip_address: str | None = None) -> AddonContract:
    """Start the add-on now for the actor's organization, if all it needs is there. A contract already in force (a
    double submit, a second admin) is returned as it is: one contract, one audit entry."""
    _require_admin(actor)
    # The organization's row, locked (not its key: inserts referencing it go on), serializes subscribing.
    organization = Organization.objects.select_for_update(no_key=True).get(pk=actor.organization_id)
    existing = _contract_in_force_or_upcoming(organization.pk)
    if existing is not None and existing.starts_at > timezone.now():
        raise ServiceError(
            _("Already subscribed: the Stripe Credit Card Payment Add-on starts on %(date)s.")
            % {"date": timezone.localdate(existing.starts_at).isoformat()},
            code=ErrorCode.REFUSED,
        )
    if existing is not None:
        return existing
    missing = addon_missing(organization)
    if missing:
        raise AddonPrerequisitesMissing(missing)
    contract = AddonContract.objects.create(organization=organization, starts_at=timezone.now())
    account = _current_account(organization)
    audit_record(
        action=AuditAction.ADDON_SUBSCRIBE,
        target=contract,
        organization=organization,
        actor=actor.user,
        after={
            "starts_at": contract.starts_at.isoformat(),
            "stripe_account_id": organization.stripe_account_id or None,
            "charges_enabled": account.charges_enabled if account else None,
            "payouts_enabled": account.payouts_enabled if account else None,
            "commerce_disclosure_url": organization.commerce_disclosure_url,
        },
        ip_address=ip_address,
    )
    return contract


@transaction.atomic(durable=True)
def addon_cancel(*, actor: Membership, ip_address: str | None = None) -> AddonContract:
    """End the contract in force now. New payment links stop; payments settled while it was valid stay refundable
    (each payment records the contract it was settled under)."""
    _require_admin(actor)
    organization = Organization.objects.select_for_update(no_key=True).get(pk=actor.organization_id)
    now = timezone.now()
    contract = addon_contract_valid_at(organization_id=organization.pk, moment=now)
    if contract is None:
        raise ServiceError(_("The Stripe Credit Card Payment Add-on is not active."), code=ErrorCode.ADDON_NOT_ACTIVE)
    # Not its key: payment links referencing it (FOR KEY SHARE) go on meanwhile.
    contract = AddonContract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    contract.ends_at = now
    contract.save(update_fields=["ends_at"])
    audit_record(
        action=AuditAction.ADDON_CANCEL,
        target=contract,
        organization=organization,
        actor=actor.user,
        before={"ends_at": None},
        after={"ends_at": now.isoformat(), "starts_at": contract.starts_at.isoformat()},
        ip_address=ip_address,
    )
    return contract
