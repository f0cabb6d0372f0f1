"""Reads of the audit trail, scoped to one organization (sign-ins of its members included)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from .models import AuditEntry, AuditVerification


@dataclass(frozen=True, kw_only=True)
class AuditFilters:
    since: date | None = None
    until: date | None = None
    actor: str = ""  # part of an email address
    action: str = ""
    # (object_type, object_ids) pairs the entries must be about (the invoice-number filter, resolved above).
    objects: tuple[tuple[str, tuple[str, ...]], ...] | None = None


def audit_entries(*, organization: Model, filters: AuditFilters) -> QuerySet[AuditEntry]:
    # Its members, through the user model's relation by name: accounts is the floor above.
    members = get_user_model()._default_manager.filter(memberships__organization_id=organization.pk).values("pk")
    # The organization's own entries, and sign-ins of its members (which belong to no organization).
    entries = AuditEntry.objects.filter(
        Q(organization=organization) | Q(organization__isnull=True, actor_id__in=members)
    ).select_related("actor")
    if filters.since:
        entries = entries.filter(created_at__gte=timezone.make_aware(datetime.combine(filters.since, time.min)))
    if filters.until:
        entries = entries.filter(created_at__lte=timezone.make_aware(datetime.combine(filters.until, time.max)))
    if filters.actor:
        entries = entries.filter(actor__email__icontains=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.objects is not None:
        about = Q(pk__in=[])
        for object_type, ids in filters.objects:
            about |= Q(object_type=object_type, object_id__in=ids)
        entries = entries.filter(about)
    return entries.order_by("-created_at", "-id")


def audit_page(
    entries: QuerySet[AuditEntry], *, before_id: int | None, size: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """One page, newest first, by keyset on the id (ids grow with time); returns the rows and the next cursor."""
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    rows = list(entries.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, rows[-1].pk if rows and more else None


def audit_rows_for_export(entries: QuerySet[AuditEntry]) -> Iterable[AuditEntry]:
    return entries.order_by("-id").iterator(chunk_size=2000)


@dataclass(frozen=True, kw_only=True)
class VerificationStatus:
    """The last finished verification that covered an organization, as its audit log page says it."""

    finished_at: datetime
    holds: bool
    broken_entry: int | None = None  # the first entry that does not verify (None: the chain's end was cut)


def audit_last_verification(*, organization: Model) -> VerificationStatus | None:
    run = (
        AuditVerification.objects.filter(finished_at__isnull=False)
        .filter(Q(organization__isnull=True) | Q(organization=organization))
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None or run.finished_at is None:
        return None
    mine = [item for item in run.breaks if item.get("organization") == organization.pk]
    if not mine:
        return VerificationStatus(finished_at=run.finished_at, holds=True)
    return VerificationStatus(finished_at=run.finished_at, holds=False, broken_entry=mine[0].get("entry"))
