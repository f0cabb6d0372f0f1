"""The refund procedure, the worker's side: ask Stripe for a refund and record what Stripe says.

Runs in a worker task (refunds.tasks), never in a web request. Every answer is
recorded under the payment link's row lock, link first, then the refund: the
same order as refunds.services, so no deadlock. Nothing here enqueues work.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.payments import stripe_gateway as gateway
from invoicedesk.payments.history import STRIPE_ACTOR, HistoryMessage, MessagePart, choice, history_record
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind

from .models import Refund, RefundStatus
from .signals import refund_succeeded

logger = logging.getLogger(__name__)


def refund_execute(*, refund_id: int) -> Refund:
    """Ask Stripe for a PROCESSING refund and record its answer. Safe to repeat: same idempotency key.

    The Stripe call runs outside any transaction and holds no lock.
    """
    refund = Refund.objects.select_related("payment_link__invoice", "organization").get(pk=refund_id)
    if refund.status != RefundStatus.PROCESSING:
        return refund
    link = refund.payment_link
    try:
        info = gateway.create_refund(
            payment_intent_id=link.stripe_payment_intent_id,
            amount=refund.amount,
            metadata={
                "refund_id": str(refund.pk),
                "invoice_number": link.invoice.number,
                "organization_id": str(refund.organization_id),
            },
            idempotency_key=f"refund-{refund.idempotency_key}",
            reason=refund.reason or None,
            stripe_account=refund.organization.stripe_account_id or None,
        )
    except gateway.StripeUnavailable as error:
        return refund_mark_unconfirmed(refund_id=refund_id, message=error.message)
    except gateway.StripeGatewayError as error:
        return refund_record_stripe_failure(refund_id=refund_id, code=error.code or "", message=error.message)
    return refund_apply_stripe_refund(refund_id=refund_id, info=info)


def _locked_refund(refund_id: int) -> tuple[Refund, PaymentLink]:
    link_id = Refund.objects.values_list("payment_link_id", flat=True).get(pk=refund_id)
    link = PaymentLink.objects.select_for_update(of=("self",), no_key=True).select_related("invoice").get(pk=link_id)
    refund = Refund.objects.select_for_update(of=("self",), no_key=True).get(pk=refund_id)
    return refund, link


STRIPE_REFUND_STATUS = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


@transaction.atomic(durable=True)
def refund_apply_stripe_refund(*, refund_id: int, info: gateway.RefundInfo) -> Refund:
    """Record what Stripe says about a refund: its id and status; on success, move the link's amounts."""
    refund, link = _locked_refund(refund_id)
    new_status = STRIPE_REFUND_STATUS.get(info.status)
    if new_status is None:
        logger.warning("refund %s: unknown Stripe status %r", refund_id, info.status)
        return refund
    refund.stripe_refund_id = info.id
    if new_status == refund.status or not refund.status_enum.can_become(new_status):
        refund.save(update_fields=["stripe_refund_id", "updated_at"])
        return refund
    before = {"status": refund.status}
    refund.status = new_status
    refund.stripe_unconfirmed_since = None
    if new_status == RefundStatus.SUCCEEDED:
        refund.succeeded_at = timezone.now()
        link.amount_refunded += refund.amount
        link.status = PaymentLinkStatus.after_payment(
            amount_paid=link.amount_paid, amount_refunded=link.amount_refunded
        )
        link.save(update_fields=["amount_refunded", "status"])
        message: MessagePart = (HistoryMessage.REFUND_SUCCEEDED, {"status": choice("link_status", link.status)})
    elif new_status == RefundStatus.PENDING:
        message = (HistoryMessage.REFUND_PENDING, {})
    else:
        refund.failure_code = info.failure_reason or ""
        refund.failure_message = (
            f"Stripe reports the refund {info.status} ({info.failure_reason or 'no reason given'})."
        )
        message = (
            HistoryMessage.REFUND_FAILED_AT_STRIPE,
            {"status": info.status, "reason": info.failure_reason or "—"},
        )
    refund.save()
    _refund_history(link, refund, message)
    audit_record(
        action=AuditAction.REFUND_STRIPE_RESULT,
        target=refund,
        organization_id=refund.organization_id,
        before=before,
        after={"status": refund.status, "stripe_refund_id": refund.stripe_refund_id},
    )
    if new_status == RefundStatus.SUCCEEDED:
        # In this transaction: the buyer's email is queued exactly when the success is recorded.
        refund_succeeded.send(sender=Refund, refund=refund, link=link)
    return refund


@transaction.atomic(durable=True)
def refund_record_stripe_failure(*, refund_id: int, code: str, message: str) -> Refund:
    """Stripe refused the refund: nothing was refunded and the amount is refundable again."""
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING:
        return refund
    refund.status = RefundStatus.FAILED
    refund.failure_code = code
    refund.failure_message = message
    refund.stripe_unconfirmed_since = None
    refund.save()
    _refund_history(link, refund, (HistoryMessage.REFUND_REFUSED, {"message": message}))
    audit_record(
        action=AuditAction.REFUND_STRIPE_FAILED,
        target=refund,
        organization_id=refund.organization_id,
        before={"status": RefundStatus.PROCESSING},
        after={"status": refund.status, "code": code},
    )
    return refund


@transaction.atomic(durable=True)
def refund_mark_unconfirmed(*, refund_id: int, message: str) -> Refund:
    """No answer from Stripe: the refund stays PROCESSING and its amount reserved until Stripe's answer is known."""
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING or refund.stripe_unconfirmed_since is not None:
        return refund
    refund.stripe_unconfirmed_since = timezone.now()
    refund.save(update_fields=["stripe_unconfirmed_since", "updated_at"])
    _refund_history(link, refund, (HistoryMessage.REFUND_UNCONFIRMED, {"message": message}))
    return refund


def _refund_history(link: PaymentLink, refund: Refund, message: MessagePart) -> None:
    history_record(
        link=link,
        kind=TransactionKind.REFUND_UPDATE,
        parts=[message],
        amount=refund.amount,
        status=refund.status,
        stripe_reference=refund.stripe_refund_id,
        actor_label=STRIPE_ACTOR,
    )
