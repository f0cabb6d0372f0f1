"""The refund procedure (DESIGN.md §3). Rules are checked under the payment link's row lock;
Stripe is called after commit with the refund's own idempotency key."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership
from invoicedesk.audit.services import audit_record
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import Forbidden, NotFound, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.notifications.services import notification_queue_refund_succeeded
from invoicedesk.payments import stripe_gateway as gateway
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind

from .models import Refund, RefundClassification, RefundStatus
from .selectors import OUTSIDE_CONTRACT, refundable_amount

logger = logging.getLogger(__name__)

STRIPE_ACTOR = "Stripe"


@dataclass(frozen=True, kw_only=True)
class RefundInput:
    """What the operator asks for. `amount` is the amount to return, never the balance to keep."""

    invoice_id: int
    amount: int
    classification: RefundClassification
    reason: str = ""
    memo: str = ""
    idempotency_key: uuid.UUID
    # The Refundable Amount on the operator's screen, for the classification cross-check.
    shown_refundable: int | None = None


@dataclass(frozen=True)
class RefundQuote:
    """The live preview: refund now, net paid after it, and the link status after it."""

    paid: Money
    refundable: Money
    refund: Money
    net_paid_after: Money
    status_after: PaymentLinkStatus


def _locked_link(*, actor: Membership, invoice_id: int) -> PaymentLink:
    invoice = BillingInvoice.objects.filter(organization=actor.organization, pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("No such invoice."))
    link = (
        PaymentLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("invoice", "invoice__organization", "invoice__buyer")
        .filter(invoice=invoice)
        .first()
    )
    if not invoice.is_online_payment_link:
        raise ServiceError(
            _(
                "This invoice was paid by %(method)s. Only payments made through the online payment link "
                "are refunded here; this one is out of scope for this procedure."
            )
            % {"method": invoice.get_payment_method_display()},
            code="out_of_scope",
        )
    if link is None or not link.is_settled:
        raise ServiceError(
            _("This invoice has not been paid through its payment link, so there is nothing to refund."),
            code="not_paid",
        )
    return link


def _check(
    *, actor: Membership, link: PaymentLink, amount: int, classification: str, shown_refundable: int | None = None
) -> Money:
    """Role, add-on, amount and classification rules; returns the Refundable Amount the amount was capped by.

    The cap is always today's Refundable Amount, read under the row lock. The
    classification is the operator's cross-check of what they typed, so it is
    judged against the Refundable Amount they were shown, when the form says.
    """
    if not actor.role_enum.can_request_refund:
        raise Forbidden(_("Your role cannot refund payments."))
    if link.addon_contract_id is None:
        raise ServiceError(
            str(OUTSIDE_CONTRACT),
            code="no_addon",
        )
    refundable = refundable_amount(link)
    if refundable.amount == 0:
        raise ServiceError(_("Nothing is left to refund on this payment."), code="nothing_refundable", field="amount")
    if amount < 1:
        raise ServiceError(_("The amount must be greater than zero."), code="zero", field="amount")
    if amount > refundable.amount:
        raise ServiceError(
            _("The Refund Amount cannot exceed the Refundable Amount of %(refundable)s.")
            % {"refundable": refundable.format()},
            code="above_refundable",
            field="amount",
        )
    if classification not in RefundClassification.values:
        raise ServiceError(_("Choose Full refund or Partial refund."), code="classification", field="classification")
    shown = Money(shown_refundable, link.currency) if shown_refundable is not None else refundable
    if classification == RefundClassification.FULL and amount != shown.amount:
        raise ServiceError(
            _(
                "A full refund returns the whole Refundable Amount of %(refundable)s. To return %(amount)s, choose "
                "Partial refund."
            )
            % {"refundable": shown.format(), "amount": Money(amount, link.currency).format()},
            code="classification",
            field="classification",
        )
    if classification == RefundClassification.PARTIAL and amount == shown.amount:
        raise ServiceError(
            _("%(amount)s is the whole Refundable Amount: choose Full refund.") % {"amount": shown.format()},
            code="classification",
            field="classification",
        )
    return refundable


def _quote(link: PaymentLink, refundable: Money, amount: int) -> RefundQuote:
    refund = Money(amount, link.currency)
    net_after = refundable - refund
    return RefundQuote(
        paid=link.paid,
        refundable=refundable,
        refund=refund,
        net_paid_after=net_after,
        status_after=PaymentLinkStatus.after_payment(
            amount_paid=link.amount_paid, amount_refunded=link.amount_paid - net_after.amount
        ),
    )


@transaction.atomic(durable=True)
def refund_quote(
    *, actor: Membership, invoice_id: int, amount: int, classification: str, shown_refundable: int | None = None
) -> RefundQuote:
    """Check a refund as refund_request would, without writing anything: for the preview and the confirmation step."""
    link = _locked_link(actor=actor, invoice_id=invoice_id)
    refundable = _check(
        actor=actor, link=link, amount=amount, classification=classification, shown_refundable=shown_refundable
    )
    return _quote(link, refundable, amount)


def _history(link: PaymentLink, refund: Refund, kind: TransactionKind, message: str, **fields: object) -> None:
    PaymentTransaction.objects.create(
        organization_id=refund.organization_id,
        payment_link=link,
        kind=kind,
        amount=refund.amount,
        currency=refund.currency,
        status=refund.status,
        stripe_reference=refund.stripe_refund_id,
        message=message,
        **fields,
    )


@transaction.atomic(durable=True)
def refund_request(*, actor: Membership, request: RefundInput, ip_address: str | None = None) -> Refund:
    """Record a refund and, after commit, ask Stripe for it. A repeated idempotency key returns the first refund."""
    link = _locked_link(actor=actor, invoice_id=request.invoice_id)
    existing = Refund.objects.filter(idempotency_key=request.idempotency_key).first()
    if existing is not None:
        if existing.payment_link_id != link.pk:
            raise ServiceError(
                _("This form was already used for another refund. Open the Refund form again."), code="key_reused"
            )
        return existing
    refundable = _check(
        actor=actor,
        link=link,
        amount=request.amount,
        classification=request.classification,
        shown_refundable=request.shown_refundable,
    )
    # Stored as what it is now: another refund may have changed the Refundable Amount since the form was shown.
    classification = RefundClassification.FULL if request.amount == refundable.amount else RefundClassification.PARTIAL
    organization = link.invoice.organization
    needs_approval = organization.refund_needs_approval(amount=request.amount, amount_paid=link.amount_paid)
    refund = Refund.objects.create(
        organization=organization,
        payment_link=link,
        amount=request.amount,
        currency=link.currency,
        classification=classification,
        reason=request.reason,
        memo=request.memo,
        status=RefundStatus.PENDING_APPROVAL if needs_approval else RefundStatus.PROCESSING,
        idempotency_key=request.idempotency_key,
        requested_by=actor.user,
    )
    _history(
        link,
        refund,
        TransactionKind.REFUND,
        _("%(classification)s requested.") % {"classification": refund.get_classification_display()},
        actor_user=actor.user,
    )
    audit_record(
        action="refund.request",
        target=refund,
        organization=organization,
        actor=actor.user,
        after={
            "amount": refund.amount,
            "classification": refund.classification,
            "status": refund.status,
            "reason": refund.reason,
            "payment_link": link.pk,
        },
        ip_address=ip_address,
    )
    if refund.status == RefundStatus.PROCESSING:
        transaction.on_commit(partial(refund_execute, refund_id=refund.pk), robust=True)
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Ask Stripe for a PROCESSING refund and record its answer. Safe to repeat: same idempotency key."""
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
    # Always the link first, then the refund: the same order as refund_request, so no deadlock.
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
        message = _("Refunded by Stripe. Online Payment Link Status is now %(status)s.") % {
            "status": link.get_status_display()
        }
    elif new_status == RefundStatus.PENDING:
        message = _("Stripe accepted the refund and is still processing it.")
    else:
        refund.failure_code = info.failure_reason or ""
        refund.failure_message = _("Stripe reports the refund %(status)s (%(reason)s).") % {
            "status": info.status,
            "reason": info.failure_reason or "no reason given",
        }
        message = refund.failure_message
    refund.save()
    _history(link, refund, TransactionKind.REFUND_UPDATE, message, actor_label=STRIPE_ACTOR)
    audit_record(
        action="refund.stripe_result",
        target=refund,
        organization_id=refund.organization_id,
        before=before,
        after={"status": refund.status, "stripe_refund_id": refund.stripe_refund_id},
    )
    if new_status == RefundStatus.SUCCEEDED:
        notification_queue_refund_succeeded(refund=refund, link=link)
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
    _history(
        link,
        refund,
        TransactionKind.REFUND_UPDATE,
        _("Stripe refused the refund: %(message)s") % {"message": message},
        actor_label=STRIPE_ACTOR,
    )
    audit_record(
        action="refund.stripe_failed",
        target=refund,
        organization_id=refund.organization_id,
        before={"status": RefundStatus.PROCESSING},
        after={"status": refund.status, "code": code},
    )
    return refund


@transaction.atomic(durable=True)
def refund_mark_unconfirmed(*, refund_id: int, message: str) -> Refund:
    """No answer from Stripe: the refund stays PROCESSING, its amount stays reserved, reconciliation resolves it."""
    refund, link = _locked_refund(refund_id)
    if refund.status != RefundStatus.PROCESSING or refund.stripe_unconfirmed_since is not None:
        return refund
    refund.stripe_unconfirmed_since = timezone.now()
    refund.save(update_fields=["stripe_unconfirmed_since", "updated_at"])
    _history(
        link,
        refund,
        TransactionKind.REFUND_UPDATE,
        _("Awaiting confirmation from Stripe (%(message)s). The amount stays reserved; do not refund it again.")
        % {"message": message},
        actor_label=STRIPE_ACTOR,
    )
    return refund
