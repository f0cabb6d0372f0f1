"""Writes of the accounting app: who may export, the audit row of each export, the organization's account names."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import Forbidden

from .exports import ExportFormat
from .journal import Period
from .models import SETTINGS_FIELDS, AccountingSettings
from .registry import check_enabled
from .tasks import registry_lookup


def accounting_authorize(actor: Membership) -> None:
    if not actor.role_enum.can_export_accounting:
        raise Forbidden(_("Only admins and accountants can export the books."))


@transaction.atomic(durable=True)
def accounting_export_record(
    *, actor: Membership, export_format: ExportFormat, period: Period, channel: str, ip_address: str | None = None
) -> None:
    """Check the role and write the export's audit row, before the file streams."""
    accounting_authorize(actor)
    books, _created = AccountingSettings.objects.get_or_create(organization_id=actor.organization_id)
    audit_record(
        action=AuditAction.ACCOUNTING_EXPORT,
        target=books,
        organization_id=actor.organization_id,
        actor=actor.user,
        after={
            "format": export_format.value,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "channel": channel,
        },
        ip_address=ip_address,
    )


@transaction.atomic(durable=True)
def accounting_settings_update(
    *, actor: Membership, values: dict[str, Any], ip_address: str | None = None
) -> AccountingSettings:
    if not actor.role_enum.can_administer:
        raise Forbidden(_("Only admins can change the account names."))
    books, _created = AccountingSettings.objects.select_for_update().get_or_create(
        organization_id=actor.organization_id
    )
    before = {name: getattr(books, name) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        if name in values:
            setattr(books, name, values[name])
    books.full_clean()
    books.save()
    after = {name: getattr(books, name) for name in SETTINGS_FIELDS}
    audit_record(
        action=AuditAction.ACCOUNTING_SETTINGS,
        target=books,
        organization_id=actor.organization_id,
        actor=actor.user,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        ip_address=ip_address,
    )
    return books


def registry_lookup_enqueue(number: str) -> None:
    """A registration number was entered (the organization's own, by its settings): its registry lookup is queued
    with the transaction that saves it; a worker asks the registry (no web request waits on it)."""
    if number and check_enabled():
        registry_lookup.enqueue([number])
