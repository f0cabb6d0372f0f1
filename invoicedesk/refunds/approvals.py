"""Maker-checker: a refund the organization's policy holds (PENDING_APPROVAL) is approved, rejected, canceled by its
requester, or expires. Its amount is reserved from the request on; every decision is taken once, under the payment
link's row lock, and approval re-checks the money before the refund executes exactly as an immediate one does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.twofactor import require_second_factor
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.payments.history import SYSTEM_ACTOR, HistoryMessage, MessagePart, history_record
from invoicedesk.payments.models import PaymentLink, TransactionKind

from .hooks import refund_declined
from .models import Refund, RefundStatus
from .selectors import OUTSIDE_CONTRACT, reserved_amount
from .tasks import execute_refund


def _locked(*, organization_id: int, refund_id: int) -> tuple[Refund, PaymentLink]:
    """The link's row first, then the refund's: the order every refund service takes."""
    link_id = (
        Refund.objects.filter(organization_id=organization_id, pk=refund_id)
        .values_list("payment_link_id", flat=True)
        .first()
    )
    if link_id is None:
        raise NotFound(_("No such refund."))
    link = (
        PaymentLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("invoice__organization")
        .get(pk=link_id)
    )
    refund = (
        Refund.objects.select_for_update(of=("self",), no_key=True)
        .select_related("decided_by", "requested_by", "organization")
        .get(pk=refund_id)
    )
    return refund, link


def _refuse_if_decided(refund: Refund) -> None:
    if refund.status == RefundStatus.PENDING_APPROVAL:
        return
    if refund.status in (RefundStatus.PROCESSING, RefundStatus.PENDING) and refund.decided_at is None:
        # Never held for approval: it went to Stripe at once, and only Stripe's answer settles it now.
        raise ServiceError(
            _(
                "This refund was sent to Stripe without waiting for approval: it can no longer be canceled, "
                "approved or rejected, and its status follows Stripe's answer."
            ),
            code=ErrorCode.AWAITING_STRIPE,
        )
    when = timezone.localtime(refund.decided_at).strftime("%Y-%m-%d %H:%M %Z") if refund.decided_at else ""
    if refund.status == RefundStatus.REJECTED:
        message = _("This refund was already rejected by %(who)s at %(when)s.")
    elif refund.status == RefundStatus.CANCELED and refund.decided_by_id == refund.requested_by_id:
        message = _("This refund request was canceled by its requester at %(when)s.")
    elif refund.status == RefundStatus.EXPIRED:
        message = _("This refund request expired unapproved at %(when)s.")
    else:
        message = _("This refund was already approved by %(who)s at %(when)s.")
    raise ServiceError(message % {"who": refund.decided_by or "—", "when": when}, code=ErrorCode.ALREADY_DECIDED)


def expires_at(refund: Refund) -> datetime:
    hours = refund.organization.refund_approval_expiry_hours
    return refund.requested_at + timedelta(hours=hours)


def _history(link: PaymentLink, refund: Refund, message: MessagePart, *, actor: Membership | None) -> None:
    history_record(
        link=link,
        kind=TransactionKind.REFUND_UPDATE,
        parts=[message],
        amount=refund.amount,
        status=refund.status,
        actor_user=actor.user if actor is not None else None,
        actor_label="" if actor is not None else SYSTEM_ACTOR,
    )


def _decide(
    refund: Refund,
    link: PaymentLink,
    *,
    status: RefundStatus,
    actor: Membership | None,
    action: AuditAction,
    message: MessagePart,
    comment: str = "",
    ip_address: str | None = None,
) -> None:
    """Record a decision on a held refund: its status, the history row and the audit entry, in one place."""
    before = {"status": refund.status}
    refund.status = status
    refund.decided_by = actor.user if actor is not None else None
    refund.decided_at = timezone.now()
    refund.decision_comment = comment
    refund.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    _history(link, refund, message, actor=actor)
    audit_record(
        action=action,
        target=refund,
        organization_id=refund.organization_id,
        actor=actor.user if actor is not None else None,
        before=before,
        after={"status": refund.status, **({"comment": comment} if comment else {})},
        ip_address=ip_address,
    )


@transaction.atomic(durable=True)
def refund_approve(*, actor: Membership, refund_id: int, comment: str = "", ip_address: str | None = None) -> Refund:
    """Approve a held refund: re-check the money under the lock, then execute it as an immediate refund does."""
    if not actor.role_enum.can_approve_refund:
        raise Forbidden(_("Your role cannot approve refunds."))
    # Maker-checker is only as strong as the checker's sign-in.
    require_second_factor(actor)
    refund, link = _locked(organization_id=actor.organization_id, refund_id=refund_id)
    _refuse_if_decided(refund)
    if refund.requested_by_id == actor.user_id:
        raise Forbidden(
            _("You requested this refund: another approver must approve it."), code=ErrorCode.SELF_APPROVAL_FORBIDDEN
        )
    if timezone.now() >= expires_at(refund):
        raise ServiceError(_("This refund request has expired; ask for a new one."), code=ErrorCode.APPROVAL_EXPIRED)
    if link.addon_contract_id is None:
        raise ServiceError(str(OUTSIDE_CONTRACT), code=ErrorCode.ADDON_NOT_VALID)
    # Its own reservation is not held against it; anything else since (another refund, a Dashboard refund) is —
    # unclamped: other reservations may already exceed the payment.
    refundable = Money(link.amount_paid - reserved_amount(link) + refund.amount, refund.currency)
    if refund.amount > refundable.amount:
        raise ServiceError(
            _(
                "This refund of %(amount)s can no longer be made: the Refundable Amount is now %(refundable)s. "
                "Reject it and ask for a new one."
            )
            % {"amount": refund.money.format(), "refundable": refundable.format()},
            code=ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
            details={"refundable": {"amount": refundable.amount, "currency": refundable.currency}},
        )
    _decide(
        refund,
        link,
        status=RefundStatus.PROCESSING,
        actor=actor,
        action=AuditAction.REFUND_APPROVE,
        message=(HistoryMessage.REFUND_APPROVED, {"comment": comment}),
        comment=comment,
        ip_address=ip_address,
    )
    execute_refund.enqueue(refund.pk)
    return refund


@transaction.atomic(durable=True)
def refund_reject(*, actor: Membership, refund_id: int, comment: str = "", ip_address: str | None = None) -> Refund:
    """Reject a held refund: nothing goes to Stripe and its amount is refundable again."""
    if not actor.role_enum.can_approve_refund:
        raise Forbidden(_("Your role cannot reject refunds."))
    refund, link = _locked(organization_id=actor.organization_id, refund_id=refund_id)
    _refuse_if_decided(refund)
    _decide(
        refund,
        link,
        status=RefundStatus.REJECTED,
        actor=actor,
        action=AuditAction.REFUND_REJECT,
        message=(HistoryMessage.REFUND_REJECTED, {"comment": comment}),
        comment=comment,
        ip_address=ip_address,
    )
    refund_declined.call(refund=refund, link=link)  # the requester is told (notifications)
    return refund


@transaction.atomic(durable=True)
def refund_cancel(*, actor: Membership, refund_id: int, ip_address: str | None = None) -> Refund:
    """The requester (or an admin) withdraws a held request before anyone decided."""
    refund, link = _locked(organization_id=actor.organization_id, refund_id=refund_id)
    if refund.requested_by_id != actor.user_id and not actor.role_enum.can_administer:
        raise Forbidden(_("Only its requester or an admin can cancel a refund request."))
    _refuse_if_decided(refund)
    _decide(
        refund,
        link,
        status=RefundStatus.CANCELED,
        actor=actor,
        action=AuditAction.REFUND_CANCEL,
        message=(HistoryMessage.REFUND_CANCELED, {}),
        ip_address=ip_address,
    )
    return refund


@transaction.atomic(durable=True)
def refund_expire(*, refund_id: int) -> bool:
    """A held request past the organization's approval expiry → EXPIRED, its amount released. True if it changed."""
    organization_id = Refund.objects.values_list("organization_id", flat=True).get(pk=refund_id)
    refund, link = _locked(organization_id=organization_id, refund_id=refund_id)
    if refund.status != RefundStatus.PENDING_APPROVAL or timezone.now() < expires_at(refund):
        return False
    _decide(
        refund,
        link,
        status=RefundStatus.EXPIRED,
        actor=None,
        action=AuditAction.REFUND_EXPIRE,
        message=(HistoryMessage.REFUND_EXPIRED, {"hours": refund.organization.refund_approval_expiry_hours}),
    )
    refund_declined.call(refund=refund, link=link)  # the requester is told (notifications)
    return True


def refunds_expire_approvals() -> int:
    """Periodic job: expire held requests past their organization's expiry. Returns how many."""
    pending = Refund.objects.filter(status=RefundStatus.PENDING_APPROVAL).select_related("organization")
    due = [refund.pk for refund in pending.iterator() if timezone.now() >= expires_at(refund)]
    return sum(refund_expire(refund_id=refund_id) for refund_id in due)
