"""The refund procedure (DESIGN.md §3), the operator's side: quote and request.

Rules are checked under the payment link's row lock, split in two so approval
can reuse the money rules: `_authorize` (who may: role, organization, add-on)
and `_check_amount` (what may: amount, classification, Refundable Amount).
Stripe is never called here: after commit a worker task executes the refund
(refunds.outcomes)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from invoicedesk.accounts.models import Membership
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.payments.connect import disconnected_account, disconnected_reason
from invoicedesk.payments.history import HistoryMessage, choice, history_record
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind

from .controls import (
    HoldReason,
    approval_hold_reasons,
    check_expected_refundable,
    check_not_a_repeat,
    check_payment_unchanged,
)
from .hooks import refund_held
from .models import Refund, RefundClassification, RefundStatus
from .selectors import OUTSIDE_CONTRACT, refundable_amount
from .tasks import execute_refund
from .tax_split import RatePart, gross_by_rate, split_of_new_refund, split_problem


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
    # The payment's state the request was decided on (controls.payment_state; the web form always carries it,
    # API clients may send If-Match), and the Refundable Amount an API client expected: stale → payment_changed.
    expected_state: str | None = None
    expected_refundable: int | None = None
    # The operator confirmed that the same amount again within 24 hours is meant (else possible_duplicate).
    confirm_repeat: bool = False
    # The currency the caller means (API clients state it); None: the payment's own.
    currency: str | None = None
    # The operator's split over tax rates, {"10": 5000, "8": 5900}; empty: pro rata.
    rate_split: dict[str, int] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """What the request asks for, hashed: a repeated idempotency key must come with the same request."""
        asked = {
            "invoice_id": self.invoice_id,
            "amount": self.amount,
            "currency": self.currency,
            "classification": str(self.classification),
            "reason": self.reason,
            "memo": self.memo,
            **({"rate_split": self.rate_split} if self.rate_split else {}),
        }
        return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class RefundQuote:
    """The live preview: refund now, net paid after it, and the link status after it."""

    paid: Money
    refundable: Money
    refund: Money
    net_paid_after: Money
    status_after: PaymentLinkStatus
    # Why the organization's approval policy holds this refund for an approver (empty: it goes at once).
    hold_reasons: tuple[HoldReason, ...] = ()
    # Amount and tax per consumption tax rate, shown when the invoice has more than one rate (JPY invoices).
    split: tuple[RatePart, ...] = ()

    @property
    def needs_approval(self) -> bool:
        return bool(self.hold_reasons)

    @property
    def hold_reason_texts(self) -> list[str]:
        return [reason.text() for reason in self.hold_reasons]


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
            code=ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD,
        )
    if link is None or not link.is_settled:
        raise ServiceError(
            _("This invoice has not been paid through its payment link, so there is nothing to refund."),
            code=ErrorCode.NOT_PAID,
        )
    return link


def _authorize(*, actor: Membership, link: PaymentLink) -> None:
    """Who may refund this payment: the actor's role, and a payment settled under an add-on contract.

    The organization was checked when the link was found (_locked_link).
    """
    if not actor.role_enum.can_request_refund:
        raise Forbidden(_("Your role cannot refund payments."))
    if link.addon_contract_id is None:
        raise ServiceError(str(OUTSIDE_CONTRACT), code=ErrorCode.ADDON_NOT_VALID)
    gone = disconnected_account(link.stripe_account)
    if gone is not None:
        # Stripe would refuse any refund on an account that left us: say so, not "nothing to refund".
        raise ServiceError(disconnected_reason(gone), code=ErrorCode.STRIPE_ACCOUNT_DISCONNECTED)


def _check_amount(
    *,
    link: PaymentLink,
    amount: int,
    classification: str,
    shown_refundable: int | None = None,
    own_reservation: int = 0,
    currency: str | None = None,
) -> Money:
    """What may be refunded: returns the Refundable Amount the amount was capped by.

    The cap is always today's Refundable Amount, read under the row lock, plus
    `own_reservation` when a refund already holding its amount is re-checked
    (approval). The classification is the operator's cross-check of what they
    typed, so it is judged against the Refundable Amount they were shown, when the form says.
    """
    if currency is not None and currency != link.currency:
        raise ServiceError(
            _("This payment was made in %(paid)s; a refund returns %(paid)s, not %(asked)s.")
            % {"paid": link.currency, "asked": currency},
            code=ErrorCode.CURRENCY_MISMATCH,
            field="currency",
            details={"payment_currency": link.currency},
        )
    refundable = refundable_amount(link) + Money(own_reservation, link.currency)
    cap = {"refundable": {"amount": refundable.amount, "currency": refundable.currency}}
    if refundable.amount == 0:
        raise ServiceError(
            _("Nothing is left to refund on this payment."),
            code=ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
            field="amount",
            details=cap,
        )
    if amount < 1:
        raise ServiceError(_("The amount must be greater than zero."), code=ErrorCode.INVALID_REQUEST, field="amount")
    if amount > refundable.amount:
        raise ServiceError(
            _("The Refund Amount cannot exceed the Refundable Amount of %(refundable)s.")
            % {"refundable": refundable.format()},
            code=ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
            field="amount",
            details=cap,
        )
    if classification not in RefundClassification.values:
        raise ServiceError(
            _("Choose Full refund or Partial refund."), code=ErrorCode.CLASSIFICATION_MISMATCH, field="classification"
        )
    shown = Money(shown_refundable, link.currency) if shown_refundable is not None else refundable
    if classification == RefundClassification.FULL and amount != shown.amount:
        raise ServiceError(
            _(
                "A full refund returns the whole Refundable Amount of %(refundable)s. To return %(amount)s, choose "
                "Partial refund."
            )
            % {"refundable": shown.format(), "amount": Money(amount, link.currency).format()},
            code=ErrorCode.CLASSIFICATION_MISMATCH,
            field="classification",
            details=cap,
        )
    if classification == RefundClassification.PARTIAL and amount == shown.amount:
        raise ServiceError(
            _("%(amount)s is the whole Refundable Amount: choose Full refund.") % {"amount": shown.format()},
            code=ErrorCode.CLASSIFICATION_MISMATCH,
            field="classification",
            details=cap,
        )
    return refundable


def _quote(
    link: PaymentLink,
    refundable: Money,
    amount: int,
    chosen: dict[str, int] | None = None,
    *,
    requester: Membership,
) -> RefundQuote:
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
        hold_reasons=tuple(approval_hold_reasons(link=link, amount=amount, requester=requester.user)),
        split=_split_if_mixed(link, amount, chosen),
    )


def _split_if_mixed(link: PaymentLink, amount: int, chosen: dict[str, int] | None = None) -> tuple[RatePart, ...]:
    if link.currency != "JPY" or len(gross_by_rate(link.invoice)) < 2:
        return ()
    return tuple(split_of_new_refund(link, amount, chosen))


SPLIT_PROBLEMS = {
    "rates": _lazy("Split the refund only over this invoice's tax rates."),
    "sum": _lazy("The amounts per tax rate must add up to the Refund Amount of %(amount)s."),
    "above": _lazy("More than remains at a tax rate: each rate can return at most what is left of it."),
}


def _check_split(link: PaymentLink, amount: int, chosen: dict[str, int]) -> None:
    if not chosen:
        return
    problem = split_problem(link, amount, chosen)
    if problem is not None:
        message = str(SPLIT_PROBLEMS[problem]) % {"amount": Money(amount, link.currency).format()}
        raise ServiceError(message, field="rate_split")


@transaction.atomic(durable=True)
def refund_quote(
    *,
    actor: Membership,
    invoice_id: int,
    amount: int,
    classification: str,
    shown_refundable: int | None = None,
    currency: str | None = None,
    rate_split: dict[str, int] | None = None,
    expected_state: str | None = None,
    confirm_repeat: bool = False,
) -> RefundQuote:
    """Check a refund as refund_request would, without writing anything: for the preview and the confirmation step."""
    link = _locked_link(actor=actor, invoice_id=invoice_id)
    _authorize(actor=actor, link=link)
    refundable = _check_amount(
        link=link, amount=amount, classification=classification, shown_refundable=shown_refundable, currency=currency
    )
    _check_split(link, amount, rate_split or {})
    check_payment_unchanged(link=link, expected_state=expected_state, refundable=refundable)
    check_not_a_repeat(link=link, amount=amount, confirm_repeat=confirm_repeat)
    return _quote(link, refundable, amount, rate_split, requester=actor)


@transaction.atomic(durable=True)
def refund_request(*, actor: Membership, request: RefundInput, ip_address: str | None = None) -> Refund:
    """Record a refund and, after commit, have the worker ask Stripe for it. A repeated idempotency key with the
    same request returns the first refund; with a different request it is refused (key_reused)."""
    link = _locked_link(actor=actor, invoice_id=request.invoice_id)
    _authorize(actor=actor, link=link)
    fingerprint = request.fingerprint()
    # Looked up within the organization only: another organization's keys are never seen, let alone named.
    existing = Refund.objects.filter(
        organization_id=actor.organization_id, idempotency_key=request.idempotency_key
    ).first()
    if existing is not None:
        if existing.payment_link_id != link.pk:
            raise ServiceError(
                _("This form was already used for another refund. Open the Refund form again."),
                code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
        # Refunds recorded before fingerprints were kept are compared by their amount.
        same_request = (
            existing.request_fingerprint == fingerprint
            if existing.request_fingerprint
            else existing.amount == request.amount
        )
        if not same_request:
            raise ServiceError(
                _(
                    "This form was already used to request a refund of %(amount)s, so %(asked)s was not refunded. "
                    "To make another refund, close the form and open the Refund form again."
                )
                % {"amount": existing.money.format(), "asked": Money(request.amount, link.currency).format()},
                code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                details={"refund_id": existing.pk},
            )
        return existing
    refundable = _check_amount(
        link=link,
        amount=request.amount,
        classification=request.classification,
        shown_refundable=request.shown_refundable,
        currency=request.currency,
    )
    _check_split(link, request.amount, request.rate_split)
    check_payment_unchanged(link=link, expected_state=request.expected_state, refundable=refundable)
    check_expected_refundable(expected=request.expected_refundable, refundable=refundable)
    # Asked last, so the rules above keep their own messages.
    check_not_a_repeat(link=link, amount=request.amount, confirm_repeat=request.confirm_repeat)
    # Stored as what it is now: another refund may have changed the Refundable Amount since the form was shown.
    classification = RefundClassification.FULL if request.amount == refundable.amount else RefundClassification.PARTIAL
    organization = link.invoice.organization
    if organization.refund_daily_limit_per_person is not None:
        # The limit is the person's across payments: their refunds are weighed one at a time.
        Membership.objects.select_for_update(no_key=True).filter(pk=actor.pk).values_list("pk").first()
    hold_reasons = approval_hold_reasons(link=link, amount=request.amount, requester=actor.user)
    refund = Refund.objects.create(
        organization=organization,
        payment_link=link,
        amount=request.amount,
        currency=link.currency,
        classification=classification,
        reason=request.reason,
        memo=request.memo,
        status=RefundStatus.PENDING_APPROVAL if hold_reasons else RefundStatus.PROCESSING,
        hold_reasons=[reason.as_json() for reason in hold_reasons],
        idempotency_key=request.idempotency_key,
        request_fingerprint=fingerprint,
        requested_by=actor.user,
        rate_split=request.rate_split,
    )
    history_record(
        link=link,
        kind=TransactionKind.REFUND,
        parts=[(HistoryMessage.REFUND_REQUESTED, {"classification": choice("refund_classification", classification)})],
        amount=refund.amount,
        status=refund.status,
        actor_user=actor.user,
    )
    audit_record(
        action=AuditAction.REFUND_REQUEST,
        target=refund,
        organization=organization,
        actor=actor.user,
        after={
            "amount": refund.amount,
            "classification": refund.classification,
            "status": refund.status,
            "reason": refund.reason,
            "payment_link": link.pk,
            **({"hold_reasons": refund.hold_reasons} if refund.hold_reasons else {}),
        },
        ip_address=ip_address,
    )
    if refund.status == RefundStatus.PROCESSING:
        execute_refund.enqueue(refund.pk)
    else:
        refund_held.call(refund=refund, link=link)  # the approvers are asked (notifications)
    return refund
