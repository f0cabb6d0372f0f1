"""The refund procedure, the worker's side: ask Stripe for a refund, and make our records agree with what Stripe
says about every refund of a payment — ours, or made elsewhere (the Stripe Dashboard, another system).

Stripe is the source of truth. Whatever path brings its word (the answer to our request, a webhook, recovery,
`reconcile_stripe`), it ends in `refund_record_stripe_refund`, which moves our refund to Stripe's status under
the payment link's row lock (link first, then refund: the same order as refunds.services, so no deadlock) and
recomputes the link's amounts from the refunds themselves, so the result is the same in any order and however
often it runs. Only Stripe's clear refusal fails a refund; an unknown outcome keeps its amount reserved.
Runs in the worker (refunds.tasks), never in a web request. It imports no tasks: what follows a success or a
reversal (the documents' tasks) is enqueued by name through core.named_tasks, in the transaction that records it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.money import Money
from invoicedesk.core.named_tasks import enqueue_named_with_work
from invoicedesk.payments.history import STRIPE_ACTOR, HistoryMessage, MessagePart, choice, history_record
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.stripe_integration import gateway

from .disputes import disputes_sync_payment
from .hooks import refund_reversed, refund_succeeded
from .models import (
    Refund,
    RefundClassification,
    RefundPendingReason,
    RefundReason,
    RefundSource,
    RefundStatus,
)

logger = logging.getLogger(__name__)

STRIPE_REFUND_STATUS = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


def stripe_idempotency_key(refund: Refund) -> str:
    """The key of every request for this refund. A new generation only once Stripe has forgotten the old key
    (24 h) and shows no refund of ours (refunds.recovery)."""
    suffix = f"-{refund.stripe_key_generation}" if refund.stripe_key_generation else ""
    return f"refund-{refund.idempotency_key}{suffix}"


def refund_execute(*, refund_id: int) -> Refund:
    """Ask Stripe for a PROCESSING refund and record its answer. Safe to repeat: same idempotency key.

    The Stripe call runs outside any transaction and holds no lock.
    """
    refund = Refund.objects.select_related("payment_link__invoice", "organization").get(pk=refund_id)
    if refund.status != RefundStatus.PROCESSING or refund.source != RefundSource.APP:
        return refund  # only our own requests are sent to Stripe; one found there is never asked for again
    Refund.objects.filter(pk=refund_id).update(
        stripe_attempts=F("stripe_attempts") + 1,
        stripe_first_attempt_at=Coalesce(F("stripe_first_attempt_at"), timezone.now()),
    )
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
            idempotency_key=stripe_idempotency_key(refund),
            reason=refund.reason or None,
            stripe_account=link.stripe_account,
        )
    except gateway.StripeUnavailable as error:
        return refund_mark_unconfirmed(refund_id=refund_id, message=error.message)
    except gateway.StripeGatewayError as error:
        if error.code == "charge_already_refunded":
            # Stripe says the money is already back: record the payment's refunds as Stripe has them. If one
            # of them is this request's, that is its answer; otherwise Stripe clearly did not do it.
            refunds_sync_payment(link_id=link.pk)
            refund.refresh_from_db()
            if refund.status != RefundStatus.PROCESSING:
                return refund
        if error.code == "charge_disputed":
            return _refused_as_disputed(refund_id=refund_id, link_id=link.pk, message=error.message)
        return refund_record_stripe_failure(refund_id=refund_id, code=error.code or "", message=error.message)
    # The answer to our request with this refund's key is this refund, whatever its metadata says.
    return refund_apply_stripe_refund(refund_id=refund_id, info=info)


def _refused_as_disputed(*, refund_id: int, link_id: int, message: str) -> Refund:
    """Stripe refused because the charge is disputed: record the payment's disputes first (so the Refundable Amount
    and the page say why), then the refusal, which says so. A failure to fetch the disputes does not change the
    refusal: Stripe clearly did not refund, and the dispute's own webhook will record it."""
    try:
        disputes_sync_payment(link_id=link_id)
    except gateway.StripeGatewayError as error:
        logger.warning("refund %s: the payment's disputes could not be fetched: %s", refund_id, error.message)
    return refund_record_stripe_failure(
        refund_id=refund_id,
        code="charge_disputed",
        message=message,
        note=(HistoryMessage.DISPUTE_FOUND_ON_REFUSAL, {}),
    )


def refunds_sync_payment(*, link_id: int) -> list[Refund]:
    """Fetch every refund of the link's payment from Stripe and make ours agree. Idempotent, any order."""
    link = PaymentLink.objects.select_related("invoice__organization").get(pk=link_id)
    if not link.stripe_payment_intent_id:
        return []
    infos = gateway.list_refunds(
        payment_intent_id=link.stripe_payment_intent_id,
        stripe_account=link.stripe_account,
    )
    # Oldest first (list_refunds' order): of several Stripe refunds naming one request of ours, the first is ours.
    recorded = [refund_record_stripe_refund(info=info, link_id=link.pk) for info in infos]
    return [refund for refund in recorded if refund is not None]


def _locked_link(*, link_id: int | None, info: gateway.RefundInfo) -> PaymentLink | None:
    links = PaymentLink.objects.select_for_update(of=("self",), no_key=True).select_related(
        "invoice", "invoice__buyer", "invoice__organization"
    )
    if link_id is not None:
        return links.get(pk=link_id)
    if info.payment_intent_id:
        return links.filter(stripe_payment_intent_id=info.payment_intent_id).first()
    if info.charge_id:
        return links.filter(stripe_charge_id=info.charge_id).first()
    return None


@transaction.atomic(durable=True)
def refund_record_stripe_refund(*, info: gateway.RefundInfo, link_id: int | None = None) -> Refund | None:
    """Make our records say what Stripe says about one of its refunds. None if it is no payment of ours.

    Our refund is found by Stripe's refund id, else by our refund id in its metadata if it can still take a
    Stripe refund (`awaits_stripe_refund`); a refund we never requested is recorded with source "Stripe
    Dashboard" and raises an alert, and so is a second one naming a request of ours (a duplicate refund at
    Stripe: its own alert), never merged into ours. Called oldest first, the first naming a request is ours.
    """
    link = _locked_link(link_id=link_id, info=info)
    if link is None or not link.is_settled:
        return None
    refunds = Refund.objects.select_for_update(of=("self",), no_key=True).filter(payment_link=link)
    refund = refunds.filter(stripe_refund_id=info.id).first()
    duplicated: str | None = None
    if refund is None:
        named = named_refund_id(info, organization_id=link.invoice.organization_id)
        if named is not None:
            refund = refunds.filter(pk=named).first()
            if refund is None or not awaits_stripe_refund(refund):
                # Real money at Stripe under a reference that is not (or no longer) free: recorded on its own.
                duplicated = named_reference(refund, named)
                logger.error("Stripe refund %s is a duplicate: it names our refund %s", info.id, duplicated)
                refund = None
    if refund is None:
        refund = _record_outside_refund(link, info, duplicated=duplicated)
    _apply_stripe_state(link, refund, info)
    return refund


def named_refund_id(info: gateway.RefundInfo, *, organization_id: int) -> int | None:
    """The refund of ours that a Stripe refund names in its metadata, if it names one of this organization."""
    ours = info.metadata.get("refund_id", "")
    if ours.isdigit() and info.metadata.get("organization_id") == str(organization_id):
        return int(ours)
    return None


def awaits_stripe_refund(refund: Refund) -> bool:
    """Whether a Stripe refund naming this refund of ours is the one we asked for: only a request of ours that
    was sent to Stripe (PROCESSING, or FAILED on Stripe's refusal) and has no Stripe refund yet."""
    return (
        refund.source == RefundSource.APP
        and not refund.stripe_refund_id
        and refund.status in (RefundStatus.PROCESSING, RefundStatus.FAILED)
    )


def named_reference(refund: Refund | None, named: int) -> str:
    """Our refund as a duplicate's history, alert and report name it: "#12 (re_…)", in any language."""
    return f"#{named} ({refund.stripe_refund_id})" if refund is not None and refund.stripe_refund_id else f"#{named}"


def _record_outside_refund(link: PaymentLink, info: gateway.RefundInfo, *, duplicated: str | None = None) -> Refund:
    refund = Refund.objects.create(
        organization_id=link.invoice.organization_id,
        payment_link=link,
        amount=info.amount,
        currency=info.currency,  # as Stripe refunded it; a currency other than the payment's raises an alert
        classification=RefundClassification.PARTIAL,  # made true when it succeeds
        reason=info.reason if info.reason in RefundReason.values else "",
        status=RefundStatus.PROCESSING,  # moved to Stripe's status right after, with its consequences
        source=RefundSource.STRIPE_DASHBOARD,
        stripe_refund_id=info.id,
        requested_at=info.created or timezone.now(),
    )
    history_record(
        link=link,
        kind=TransactionKind.REFUND,
        parts=[
            (HistoryMessage.REFUND_DUPLICATED_AT_STRIPE, {"ours": duplicated})
            if duplicated
            else (HistoryMessage.REFUND_MADE_OUTSIDE, {})
        ],
        amount=refund.amount,
        status=STRIPE_REFUND_STATUS.get(info.status, refund.status),  # as Stripe has it, not our brief PROCESSING
        stripe_reference=info.id,
        actor_label=STRIPE_ACTOR,
        created_at=refund.requested_at,
    )
    audit_record(
        action=AuditAction.REFUND_FOUND_AT_STRIPE,
        target=refund,
        organization_id=refund.organization_id,
        after={
            "amount": refund.amount,
            "stripe_refund_id": info.id,
            "status": info.status,
            **({"duplicates": duplicated} if duplicated else {}),
        },
    )
    if duplicated:
        alert_duplicate_refund(link=link, info=info, ours=duplicated)
    else:
        alert_raise(
            organization_id=refund.organization_id,
            kind=AlertKind.REFUND_MADE_OUTSIDE,
            subject=info.id,
            invoice_id=link.invoice_id,
            amount=refund.money,
        )
    return refund


def alert_duplicate_refund(*, link: PaymentLink, info: gateway.RefundInfo, ours: str) -> None:
    """One alert per duplicate Stripe refund, whether reconciliation found it or it was recorded (same subject)."""
    alert_raise(
        organization_id=link.invoice.organization_id,
        kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE,
        subject=info.id,
        invoice_id=link.invoice_id,
        amount=Money(info.amount, info.currency),
        detail=(
            f"Stripe refund {info.id} ({info.amount} {info.currency}, {info.status}) carries the reference of our "
            f"refund {ours}, which cannot take it: it has its own Stripe refund, was never sent to Stripe, "
            "or is not this payment's."
        ),
    )


def _settle_link(link: PaymentLink, changing: Refund) -> None:
    """The link's refunded amount and status, computed from its succeeded refunds (never added up step by step):
    the others as stored, `changing` as it is about to be saved."""
    others = (
        Refund.objects.filter(payment_link=link, status=RefundStatus.SUCCEEDED)
        .exclude(pk=changing.pk)
        .aggregate(total=Sum("amount"))["total"]
    )
    link.amount_refunded = int(others or 0) + (changing.amount if changing.status == RefundStatus.SUCCEEDED else 0)
    if link.amount_refunded > link.amount_paid:
        # Stripe refunded more than we recorded as paid: our payment record is what is wrong. Say so loudly,
        # and keep the link within its constraint until a person has looked.
        logger.error("link %s: refunds total %s above the %s paid", link.pk, link.amount_refunded, link.amount_paid)
        alert_raise(
            organization_id=link.invoice.organization_id,
            kind=AlertKind.PAYMENT_DIFFERS,
            subject=f"{link.stripe_payment_intent_id}:refunded_above_paid",
            invoice_id=link.invoice_id,
            amount=Money(link.amount_refunded, link.currency),
            detail=f"Refunds at Stripe total {link.amount_refunded}; {link.amount_paid} is recorded as paid.",
        )
        link.amount_refunded = link.amount_paid
    link.status = PaymentLinkStatus.after_payment(amount_paid=link.amount_paid, amount_refunded=link.amount_refunded)
    link.save(update_fields=["amount_refunded", "status"])


def _alert_if_it_differs(link: PaymentLink, refund: Refund, info: gateway.RefundInfo) -> None:
    """Stripe's amount and currency for a refund must be ours: a difference is an alert, never a silent record."""
    if (info.amount, info.currency) == (refund.amount, refund.currency) and info.currency == link.currency:
        return
    logger.error(
        "refund %s: Stripe says %s %s, ours is %s %s",
        refund.pk,
        info.amount,
        info.currency,
        refund.amount,
        refund.currency,
    )
    alert_raise(
        organization_id=refund.organization_id,
        kind=AlertKind.PAYMENT_DIFFERS,
        subject=f"{info.id}:refund_differs",
        invoice_id=link.invoice_id,
        amount=Money(info.amount, info.currency),
        detail=f"Stripe refund {info.id}: {info.amount} {info.currency}; ours: {refund.amount} {refund.currency}.",
    )


def _apply_stripe_state(link: PaymentLink, refund: Refund, info: gateway.RefundInfo) -> None:
    _alert_if_it_differs(link, refund, info)
    new_status = STRIPE_REFUND_STATUS.get(info.status)
    # Stripe never turns a failed refund into a succeeded one: FAILED moves only when we concluded it ourselves
    # (Stripe refused our request, so we had no Stripe refund id) and Stripe now shows a refund of ours.
    failed_at_stripe = refund.status == RefundStatus.FAILED and bool(refund.stripe_refund_id)
    refund.stripe_refund_id = info.id
    if new_status is None:
        logger.warning("refund %s: unknown Stripe status %r", refund.pk, info.status)
        refund.save(update_fields=["stripe_refund_id", "updated_at"])
        return
    old_status = refund.status
    if new_status == old_status or failed_at_stripe or not refund.status_enum.can_become(new_status):
        if new_status != old_status:
            logger.warning("refund %s: Stripe says %s, ours is %s; left as it is", refund.pk, new_status, old_status)
        elif _pending_reason_changed(link, refund, info):  # still pending, for another reason now
            return
        refund.save(update_fields=["stripe_refund_id", "updated_at"])
        return
    refund.status = new_status
    refund.pending_reason = _pending_reason(refund, info)
    refund.stripe_unconfirmed_since = None
    _settle_link(link, changing=refund)  # the refund itself is saved once, below, with all it changes
    reversed_after_success = old_status == RefundStatus.SUCCEEDED
    message: MessagePart
    if new_status == RefundStatus.SUCCEEDED:
        refund.succeeded_at = timezone.now()
        # True when it succeeds: the refund that empties the payment is the full one.
        refund.classification = (
            RefundClassification.FULL if link.amount_refunded == link.amount_paid else RefundClassification.PARTIAL
        )
        message = (HistoryMessage.REFUND_SUCCEEDED, {"status": choice("link_status", link.status)})
    elif new_status == RefundStatus.PENDING:
        message = (HistoryMessage.REFUND_PENDING, {})
    else:
        reason = info.failure_reason or "no reason given"
        refund.failure_code = info.failure_reason or ""
        refund.failure_message = f"Stripe reports the refund {info.status} ({reason})."
        if reversed_after_success:
            message = (
                HistoryMessage.REFUND_REVERSED,
                {"status": info.status, "reason": reason, "link_status": choice("link_status", link.status)},
            )
        else:
            message = (HistoryMessage.REFUND_FAILED_AT_STRIPE, {"status": info.status, "reason": reason})
    refund.save()
    _refund_history(link, refund, message, _pending_reason_part(refund))
    _alert_if_waiting_for_funds(link, refund)
    audit_record(
        action=AuditAction.REFUND_STRIPE_RESULT,
        target=refund,
        organization_id=refund.organization_id,
        before={"status": old_status},
        after={"status": refund.status, "stripe_refund_id": refund.stripe_refund_id},
    )
    if new_status == RefundStatus.SUCCEEDED:
        # Queued with the success, before the buyer's email that carries it (which waits for it): the document's
        # task renders and numbers it in the worker, outside this transaction.
        enqueue_named_with_work("documents.issue_return_invoice", refund.pk)
        # In this transaction: the buyer's email is queued with the success, or neither is (notifications).
        refund_succeeded.call(refund=refund, link=link)
    elif reversed_after_success:
        alert_raise(
            organization_id=refund.organization_id,
            kind=AlertKind.REFUND_FAILED_AFTER_SUCCESS,
            subject=refund.stripe_refund_id,
            invoice_id=link.invoice_id,
            amount=refund.money,
            detail=refund.failure_message,
        )
        enqueue_named_with_work("documents.issue_correction", refund.pk)  # if its return invoice was issued
        refund_reversed.call(refund=refund, link=link)  # the buyer is corrected (notifications)


def _pending_reason(refund: Refund, info: gateway.RefundInfo) -> str:
    """Stripe's `pending_reason`, kept only while the refund is pending."""
    return (info.pending_reason or "") if refund.status == RefundStatus.PENDING else ""


def _pending_reason_part(refund: Refund) -> MessagePart | None:
    if not refund.pending_reason:
        return None
    return (HistoryMessage.REFUND_PENDING_REASON, {"reason": choice("refund_pending_reason", refund.pending_reason)})


def _pending_reason_changed(link: PaymentLink, refund: Refund, info: gateway.RefundInfo) -> bool:
    """A pending refund Stripe now keeps pending for another reason: recorded (saved, history, alert). Whether it
    changed."""
    reason = _pending_reason(refund, info)
    if refund.status != RefundStatus.PENDING or reason == refund.pending_reason:
        return False
    refund.pending_reason = reason
    refund.save(update_fields=["stripe_refund_id", "pending_reason", "updated_at"])
    _refund_history(link, refund, (HistoryMessage.REFUND_PENDING, {}), _pending_reason_part(refund))
    _alert_if_waiting_for_funds(link, refund)
    return True


def _alert_if_waiting_for_funds(link: PaymentLink, refund: Refund) -> None:
    if refund.pending_reason != RefundPendingReason.INSUFFICIENT_FUNDS:
        return
    alert_raise(
        organization_id=refund.organization_id,
        kind=AlertKind.REFUND_PENDING_INSUFFICIENT_FUNDS,
        subject=refund.stripe_refund_id,
        invoice_id=link.invoice_id,
        amount=refund.money,
        detail=f"Stripe refund {refund.stripe_refund_id} is pending: insufficient_funds.",
    )


@transaction.atomic(durable=True)
def refund_apply_stripe_refund(*, refund_id: int, info: gateway.RefundInfo) -> Refund:
    """Record Stripe's answer to our request for this refund.

    The answer is a snapshot from when Stripe took the request (a replay returns the same one): if a webhook or
    recovery has since recorded a newer state, that stands and only Stripe's refund id is kept.
    """
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING:
        if not refund.stripe_refund_id:
            refund.stripe_refund_id = info.id
            refund.save(update_fields=["stripe_refund_id", "updated_at"])
        return refund
    _apply_stripe_state(link, refund, info)
    return refund


def _locked_refund(refund_id: int) -> tuple[Refund, PaymentLink]:
    # The refund's link first (the lock order of refunds.services), found by the refund in the same statement.
    # Buyer and seller come along (not locked: `of=self`): the buyer's email queued on success reads them.
    link = (
        PaymentLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("invoice", "invoice__buyer", "invoice__organization")
        .get(pk=Subquery(Refund.objects.filter(pk=refund_id).values("payment_link_id")[:1]))
    )
    refund = Refund.objects.select_for_update(of=("self",), no_key=True).get(pk=refund_id)
    return refund, link


@transaction.atomic(durable=True)
def refund_record_stripe_failure(*, refund_id: int, code: str, message: str, note: MessagePart | None = None) -> Refund:
    """Stripe clearly refused the refund: nothing was refunded and the amount is refundable again. `note` adds a
    sentence to the history row (why, or what was recorded because of it)."""
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING:
        return refund
    refund.status = RefundStatus.FAILED
    refund.failure_code = code
    refund.failure_message = message
    refund.stripe_unconfirmed_since = None
    refund.save()
    _refund_history(link, refund, (HistoryMessage.REFUND_REFUSED, {"message": message}), note)
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
    """No clear answer from Stripe: the refund stays PROCESSING and its amount reserved until recovery knows."""
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING or refund.stripe_unconfirmed_since is not None:
        return refund
    refund.stripe_unconfirmed_since = timezone.now()
    refund.save(update_fields=["stripe_unconfirmed_since", "updated_at"])
    _refund_history(link, refund, (HistoryMessage.REFUND_UNCONFIRMED, {"message": message}))
    return refund


def _refund_history(link: PaymentLink, refund: Refund, message: MessagePart, note: MessagePart | None = None) -> None:
    history_record(
        link=link,
        kind=TransactionKind.REFUND_UPDATE,
        parts=[message, note] if note else [message],
        amount=refund.amount,
        status=refund.status,
        stripe_reference=refund.stripe_refund_id,
        actor_label=STRIPE_ACTOR,
    )
