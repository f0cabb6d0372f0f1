"""Disputes (chargebacks and inquiries) on payments, as Stripe reports them, and what they do to refunds.

Stripe is the source of truth: however its word arrives (a `charge.dispute.*` webhook, or Stripe refusing a refund
with `charge_disputed`), the payment's disputes are fetched fresh (`disputes.list`) and recorded by
`dispute_record_stripe` under the payment link's row lock, the same lock the refund services take, so the
Refundable Amount (refunds.selectors.dispute_hold) never reads half a dispute. Recording is idempotent and ends
the same in any order: each call writes Stripe's current state, and a history row only when the state changed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.payments.history import STRIPE_ACTOR, HistoryMessage, MessagePart, choice, history_record, money
from invoicedesk.payments.history import moment as moment_param
from invoicedesk.payments.models import PaymentLink, TransactionKind
from invoicedesk.stripe_integration import gateway

from .models import Dispute, DisputeStatus

logger = logging.getLogger(__name__)

# Admins are alerted when the date by which Stripe needs evidence is this close.
DUE_SOON = timedelta(days=3)


def disputes_sync_payment(*, link_id: int) -> list[Dispute]:
    """Fetch every dispute of the link's payment from Stripe and record it. Idempotent, any order."""
    link = PaymentLink.objects.select_related("invoice__organization").get(pk=link_id)
    if not link.stripe_payment_intent_id:
        return []
    infos = gateway.list_disputes(
        payment_intent_id=link.stripe_payment_intent_id,
        stripe_account=link.stripe_account,
    )
    recorded = [dispute_record_stripe(info=info, link_id=link.pk) for info in infos]
    return [dispute for dispute in recorded if dispute is not None]


@transaction.atomic(durable=True)
def dispute_record_stripe(*, info: gateway.DisputeInfo, link_id: int) -> Dispute | None:
    """Make our record of one dispute say what Stripe says. None if the link has no payment to dispute."""
    link = PaymentLink.objects.select_for_update(of=("self",), no_key=True).select_related("invoice").get(pk=link_id)
    if not link.is_settled:
        return None
    dispute = Dispute.objects.select_for_update().filter(stripe_dispute_id=info.id).first()
    if dispute is not None and dispute.payment_link_id != link.pk:
        logger.error("Stripe dispute %s is recorded on link %s, not %s", info.id, dispute.payment_link_id, link.pk)
        return dispute
    old_status = dispute.status if dispute is not None else None
    if dispute is None:
        dispute = Dispute(
            organization_id=link.invoice.organization_id,
            payment_link=link,
            stripe_dispute_id=info.id,
            created_at_stripe=info.created,
        )
    dispute.stripe_charge_id = info.charge_id or ""
    dispute.amount = info.amount
    dispute.currency = info.currency or link.currency
    dispute.reason = info.reason
    dispute.status = info.status
    dispute.evidence_due_by = info.evidence_due_by
    dispute.is_charge_refundable = info.is_charge_refundable
    if dispute.status == DisputeStatus.LOST and dispute.lost_at is None:
        dispute.lost_at = timezone.now()  # the books date the loss when we learned of it (accounting.journal)
    dispute.save()
    audits: list[tuple[AuditAction, str | None]] = []
    if old_status is None:
        _history(link, dispute, _opened(dispute))
        audits.append((AuditAction.DISPUTE_OPEN, None))
        if dispute.status in (DisputeStatus.WON, DisputeStatus.LOST):
            _history(link, dispute, _changed(dispute))  # first heard of when it was already decided
            audits.append((_audit_action(dispute), None))
        alert_raise(
            organization_id=dispute.organization_id,
            kind=AlertKind.DISPUTE_OPENED,
            subject=dispute.stripe_dispute_id,
            invoice_id=link.invoice_id,
            amount=dispute.money,
            detail=f"Stripe dispute {dispute.stripe_dispute_id}: {dispute.reason or 'no reason given'}, "
            f"{dispute.status}.",
        )
    elif old_status != dispute.status:
        _history(link, dispute, _changed(dispute))
        audits.append((_audit_action(dispute), old_status))
    alert_if_due_soon(dispute, invoice_id=link.invoice_id)
    # Last: the audit chain's head stays locked until commit (audit.chain).
    for action, before in audits:
        _audit(dispute, action, before)
    return dispute


def _audit_action(dispute: Dispute) -> AuditAction:
    if dispute.status == DisputeStatus.WON:
        return AuditAction.DISPUTE_WON
    if dispute.status == DisputeStatus.LOST:
        return AuditAction.DISPUTE_LOST
    return AuditAction.DISPUTE_CHANGE


def _audit(dispute: Dispute, action: AuditAction, before_status: str | None) -> None:
    """Stripe's word on a dispute, in the audit trail beside the history row (no user of ours acted)."""
    audit_record(
        action=action,
        target=dispute,
        organization_id=dispute.organization_id,
        before={"status": before_status} if before_status else None,
        after={
            "stripe_dispute_id": dispute.stripe_dispute_id,
            "status": dispute.status,
            "amount": dispute.amount,
            "reason": dispute.reason,
            "evidence_due_by": dispute.evidence_due_by.isoformat() if dispute.evidence_due_by else None,
        },
    )


def alert_if_due_soon(dispute: Dispute, *, invoice_id: int) -> None:
    """One alert per dispute whose evidence is due within DUE_SOON while it is open (alert_raise de-duplicates)."""
    due = dispute.evidence_due_by
    if due is None or not dispute.is_open or due - timezone.now() > DUE_SOON:
        return
    alert_raise(
        organization_id=dispute.organization_id,
        kind=AlertKind.DISPUTE_DUE_SOON,
        subject=dispute.stripe_dispute_id,
        invoice_id=invoice_id,
        amount=dispute.money,
        detail=f"Evidence for Stripe dispute {dispute.stripe_dispute_id} is due by {due.isoformat()}.",
    )


def disputes_alert_due_soon() -> int:
    """The periodic check: a due date comes closer without any event from Stripe. Returns the disputes seen."""
    soon = timezone.now() + DUE_SOON
    open_due = (
        Dispute.objects.exclude(status__in=DisputeStatus.closed())
        .filter(evidence_due_by__isnull=False, evidence_due_by__lte=soon)
        .select_related("payment_link")
    )
    count = 0
    for dispute in open_due:
        with transaction.atomic(durable=True):
            alert_if_due_soon(dispute, invoice_id=dispute.payment_link.invoice_id)
        count += 1
    return count


def _opened(dispute: Dispute) -> MessagePart:
    due = moment_param(dispute.evidence_due_by) if dispute.evidence_due_by else "—"
    return (
        HistoryMessage.DISPUTE_OPENED,
        {
            "amount": money(dispute.money),
            "reason": choice("dispute_reason", dispute.reason),
            "status": choice("dispute_status", dispute.status),
            "due": due,
        },
    )


def _changed(dispute: Dispute) -> MessagePart:
    if dispute.status == DisputeStatus.WON:
        return (HistoryMessage.DISPUTE_WON, {"amount": money(dispute.money)})
    if dispute.status == DisputeStatus.LOST:
        return (HistoryMessage.DISPUTE_LOST, {"amount": money(dispute.money)})
    return (
        HistoryMessage.DISPUTE_CHANGED,
        {"amount": money(dispute.money), "status": choice("dispute_status", dispute.status)},
    )


def _history(link: PaymentLink, dispute: Dispute, message: MessagePart) -> None:
    history_record(
        link=link,
        kind=TransactionKind.DISPUTE,
        parts=[message],
        amount=dispute.amount,
        status=dispute.status,
        stripe_reference=dispute.stripe_dispute_id,
        actor_label=STRIPE_ACTOR,
    )
