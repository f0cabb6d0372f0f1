from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import AddonContract, Membership, Organization, User


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name", "id")


def membership_get(*, user: User, organization_id: int) -> Membership | None:
    return memberships_of(user).filter(organization_id=organization_id).first()


def _contracts_in_force(organization_id: int | OuterRef, moment: datetime) -> QuerySet[AddonContract]:
    return (
        AddonContract.objects.filter(organization_id=organization_id, starts_at__lte=moment)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
        .order_by("-starts_at")
    )


def addon_contract_valid_at(*, organization_id: int, moment: datetime) -> AddonContract | None:
    """The add-on contract in force at `moment`, if any."""
    return _contracts_in_force(organization_id, moment).first()


def addon_contract_id_valid_at(*, organization_ref: str, moment: datetime) -> Subquery:
    """The same as an expression: the id of the contract in force at `moment` for the organization the query's
    `organization_ref` field names, to read along with another row in one statement."""
    return Subquery(_contracts_in_force(OuterRef(organization_ref), moment).values("pk")[:1])


@dataclass(frozen=True)
class AddonState:
    """Where the organization stands with the Stripe Credit Card Payment Add-on, for pages to say so."""

    active: bool
    since: datetime | None  # when the contract in force started
    ended_at: datetime | None  # when the last contract ended, if none is in force
    upcoming: datetime | None  # when a signed contract starts, if none is in force yet

    @property
    def never(self) -> bool:
        return not self.active and self.ended_at is None and self.upcoming is None


def addon_state(*, organization: Organization, moment: datetime | None = None) -> AddonState:
    moment = moment or timezone.now()
    # An organization has a handful of contracts: one plain query for all of them (every page's top bar shows this;
    # the same as subqueries of one statement cost more to compile than the round trips they save).
    contracts = list(AddonContract.objects.filter(organization=organization).order_by("-starts_at"))
    current = next((contract for contract in contracts if contract.is_valid_at(moment)), None)
    if current is not None:
        return AddonState(active=True, since=current.starts_at, ended_at=None, upcoming=None)
    return AddonState(
        active=False,
        since=None,
        ended_at=max((c.ends_at for c in contracts if c.ends_at is not None and c.ends_at <= moment), default=None),
        upcoming=min((c.starts_at for c in contracts if c.starts_at > moment), default=None),
    )
