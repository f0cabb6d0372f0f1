from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import Forbidden, NotFound
from invoicedesk.core.money import Money

from .hooks import alert_raised
from .models import Alert, AlertKind


def alert_raise(
    *,
    organization_id: int,
    kind: AlertKind,
    subject: str,
    invoice_id: int | None = None,
    amount: Money | None = None,
    detail: str = "",
) -> Alert:
    """Raise an alert once per (organization, kind, subject); call it inside the transaction that found it."""
    alert, created = Alert.objects.get_or_create(
        organization_id=organization_id,
        kind=kind,
        subject=subject,
        defaults={
            "invoice_id": invoice_id,
            "amount": amount.amount if amount is not None else None,
            "currency": amount.currency if amount is not None else "",
            "detail": detail,
        },
    )
    if created:
        alert_raised.call(alert=alert)  # the admins are emailed (notifications)
    return alert


@transaction.atomic(durable=True)
def alert_acknowledge(*, actor: Membership, alert_id: int, ip_address: str | None = None) -> Alert:
    if not actor.role_enum.can_see_alerts:
        raise Forbidden(_("Your role cannot acknowledge alerts."))
    alert = (
        Alert.objects.select_for_update(of=("self",), no_key=True)
        .filter(organization=actor.organization, pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert."))
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_record(
            action=AuditAction.ALERT_ACKNOWLEDGE,
            target=alert,
            organization=actor.organization,
            actor=actor.user,
            before={"acknowledged": False},
            after={"acknowledged": True, "kind": alert.kind, "subject": alert.subject},
            ip_address=ip_address,
        )
    return alert
