from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from .models import AddonContract, Membership, Organization, User


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name", "id")


def membership_get(*, user: User, organization_id: int) -> Membership | None:
    return memberships_of(user).filter(organization_id=organization_id).first()


def addon_contract_valid_at(*, organization: Organization, moment: datetime) -> AddonContract | None:
    """The add-on contract in force at `moment`, if any."""
    return (
        AddonContract.objects.filter(organization=organization, starts_at__lte=moment)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
        .order_by("-starts_at")
        .first()
    )
