"""Writes for payment links and payments. Each top-level service is one durable transaction;
Stripe calls that change something happen after commit or outside any lock."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.selectors import addon_contract_id_valid_at, addon_contract_valid_at
from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.currencies import STRIPE_MAXIMUM_CHARGE, STRIPE_MINIMUM_CHARGE, STRIPE_THREE_DECIMAL
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.stripe_integration import gateway

from .connect import account_refusal
from .fees import FEE_FIELDS
from .fees import take_fee as _take_fee
from .history import (
    STRIPE_ACTOR,
    SYSTEM_ACTOR,
    HistoryMessage,
    MessagePart,
    choice,
    history_record,
    moment,
    money,
    render_parts,
)
from .models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind, new_link_token
from .tasks import fetch_payment_fee

logger = logging.getLogger(__name__)


def _invoice_for_update(*, membership: Membership, invoice_id: int) -> BillingInvoice:
    invoice = (
        BillingInvoice.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization")
        .filter(organization=membership.organization, pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound(_("No such invoice."))
    return invoice


def _link_for_update(invoice: BillingInvoice) -> PaymentLink | None:
    return PaymentLink.objects.select_for_update(of=("self",), no_key=True).filter(invoice=invoice).first()


def _cancel_intent_later(payment_intent_id: str, stripe_account: str) -> None:
    """After commit, cancel a PaymentIntent that no link points to any more (best effort)."""

    def cancel() -> None:
        try:
            gateway.cancel_payment_intent(payment_intent_id=payment_intent_id, stripe_account=stripe_account or None)
        except gateway.StripeGatewayError as error:
            # Already paid or already canceled: the webhook records a payment if there was one.
            logger.info("could not cancel PaymentIntent %s: %s", payment_intent_id, error.message)

    transaction.on_commit(cancel)


def _stripe_cannot_charge(due: Money) -> str | None:
    """Why Stripe cannot take this amount in one card payment, in words for staff; None when it can."""
    minimum = STRIPE_MINIMUM_CHARGE.get(due.currency)
    if minimum is not None and due.amount < minimum:
        return _("Stripe cannot charge less than %(minimum)s by card; this invoice is %(amount)s.") % {
            "minimum": Money(minimum, due.currency).format(),
            "amount": due.format(),
        }
    if due.amount > STRIPE_MAXIMUM_CHARGE:
        return _("Stripe cannot charge more than %(maximum)s in one card payment; this invoice is %(amount)s.") % {
            "maximum": Money(STRIPE_MAXIMUM_CHARGE, due.currency).format(),
            "amount": due.format(),
        }
    if due.currency in STRIPE_THREE_DECIMAL and due.amount % 10:
        return _("Stripe charges %(currency)s only in amounts whose last decimal is 0.") % {"currency": due.currency}
    return None


@transaction.atomic(durable=True)
def payment_link_issue(*, actor: Membership, invoice_id: int) -> PaymentLink:
    """Issue the invoice's online payment link, or re-issue it (new address, new expiry) before payment."""
    if not actor.role_enum.can_manage_payment_links:
        raise Forbidden(_("Your role cannot issue payment links."))
    invoice = _invoice_for_update(membership=actor, invoice_id=invoice_id)
    if not invoice.is_online_payment_link:
        raise ServiceError(
            _("This invoice is paid by %(method)s, not through an online payment link.")
            % {"method": invoice.get_payment_method_display()},
            code=ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD,
        )
    problem = _stripe_cannot_charge(invoice.billing_amount)
    if problem is not None:
        raise ServiceError(problem, code=ErrorCode.AMOUNT_NOT_CHARGEABLE)
    now = timezone.now()
    if addon_contract_valid_at(organization_id=invoice.organization_id, moment=now) is None:
        raise ServiceError(
            _(
                "Your organization has no active Stripe Credit Card Payment Add-on contract, "
                "so no payment link can be issued."
            ),
            code=ErrorCode.ADDON_NOT_VALID,
        )
    refusal = account_refusal(invoice.organization)
    if refusal is not None:
        raise ServiceError(refusal, code=ErrorCode.STRIPE_ACCOUNT_NOT_READY)
    link = _link_for_update(invoice)
    before = {"status": link.status, "expires_at": link.expires_at.isoformat()} if link else {}
    if link is not None and link.is_settled:
        raise ServiceError(
            _("This invoice is already paid; its link cannot be re-issued."), code=ErrorCode.ALREADY_PAID
        )
    expires_at = now + timedelta(days=settings.PAYMENT_LINK_VALID_DAYS)
    if link is None:
        link = PaymentLink.objects.create(invoice=invoice, expires_at=expires_at)
        message = HistoryMessage.LINK_ISSUED
    else:
        if link.stripe_payment_intent_id:
            _cancel_intent_later(link.stripe_payment_intent_id, link.stripe_account_id)
        link.token = new_link_token()
        link.expires_at = expires_at
        link.status = PaymentLinkStatus.UNPAID
        link.stripe_payment_intent_id = ""
        link.save(update_fields=["token", "expires_at", "status", "stripe_payment_intent_id"])
        message = HistoryMessage.LINK_REISSUED
    history_record(
        link=link,
        kind=TransactionKind.LINK_ISSUED,
        parts=[(message, {"date": moment(expires_at)})],
        amount=invoice.amount,
        status=link.status,
        actor_user=actor.user,
    )
    audit_record(
        action=AuditAction.PAYMENT_LINK_ISSUE,
        target=link,
        organization=invoice.organization,
        actor=actor.user,
        before=before,
        after={"status": link.status, "expires_at": expires_at.isoformat()},
    )
    return link


@transaction.atomic(durable=True)
def payment_link_cancel(*, actor: Membership, invoice_id: int) -> PaymentLink:
    if not actor.role_enum.can_manage_payment_links:
        raise Forbidden(_("Your role cannot cancel payment links."))
    invoice = _invoice_for_update(membership=actor, invoice_id=invoice_id)
    link = _link_for_update(invoice)
    if link is None:
        raise NotFound(_("This invoice has no payment link."))
    if link.is_settled:
        raise ServiceError(_("This invoice is already paid; its link cannot be canceled."), code=ErrorCode.ALREADY_PAID)
    if link.status == PaymentLinkStatus.CANCELED:
        return link
    before = {"status": link.status}
    link.status = PaymentLinkStatus.CANCELED
    link.save(update_fields=["status"])
    if link.stripe_payment_intent_id:
        _cancel_intent_later(link.stripe_payment_intent_id, link.stripe_account_id)
    history_record(link=link, kind=TransactionKind.LINK_CANCELED, status=link.status, actor_user=actor.user)
    audit_record(
        action=AuditAction.PAYMENT_LINK_CANCEL,
        target=link,
        organization=invoice.organization,
        actor=actor.user,
        before=before,
        after={"status": link.status},
    )
    return link


# ---------------------------------------------------------------- the buyer's side


def payment_link_unavailable_reason(link: PaymentLink) -> str | None:
    """Why this link takes no money now, in words for the buyer; None when it is payable."""
    now = timezone.now()
    if link.is_settled:
        return _("This invoice has already been paid. Thank you.")
    if link.status == PaymentLinkStatus.CANCELED:
        return _("This payment link has been canceled by the seller. Please contact them for a new one.")
    if link.status == PaymentLinkStatus.EXPIRED or link.is_expired_at(now):
        return _("This payment link has expired. Please contact the seller for a new one.")
    if not link.invoice.is_online_payment_link:
        return _("This invoice is not payable online.")
    if addon_contract_valid_at(organization_id=link.invoice.organization_id, moment=now) is None:
        return _("Online card payment is not available for this invoice. Please contact the seller.")
    if account_refusal(link.invoice.organization) is not None:
        return _("Online card payment is not available for this invoice. Please contact the seller.")
    if _stripe_cannot_charge(link.invoice.billing_amount) is not None:
        # Issued before the limits were checked: say so instead of "try again later" for ever.
        return _("This amount cannot be paid by card. Please contact the seller for another way to pay.")
    return None


@transaction.atomic(durable=True)
def payment_link_expire(*, link_id: int) -> bool:
    """Mark an unpaid link past its expiry EXPIRED. True if it changed."""
    link = PaymentLink.objects.select_for_update(of=("self",), no_key=True).select_related("invoice").get(pk=link_id)
    if not link.is_expired_at(timezone.now()):
        return False
    link.status = PaymentLinkStatus.EXPIRED
    link.save(update_fields=["status"])
    history_record(link=link, kind=TransactionKind.LINK_EXPIRED, status=link.status, actor_label=SYSTEM_ACTOR)
    return True


def payment_links_expire_due() -> int:
    """Unpaid links past their expiry → EXPIRED (hourly, in the worker). Returns how many."""
    due = PaymentLink.objects.filter(status=PaymentLinkStatus.UNPAID, expires_at__lte=timezone.now())
    return sum(payment_link_expire(link_id=pk) for pk in due.values_list("pk", flat=True).iterator())


def payment_intent_for_link(*, link: PaymentLink) -> gateway.PaymentIntentInfo:
    """The link's one PaymentIntent for exactly the amount due, created on first use and reused after.

    The Stripe call runs outside any transaction; the link's idempotency key
    makes concurrent first loads get the same PaymentIntent from Stripe, and
    the row lock below keeps whichever id was stored first.
    """
    invoice = link.invoice
    account = link.stripe_account
    replaced = link.stripe_payment_intent_id
    idempotency_key = link.stripe_idempotency_key
    if replaced:
        current = gateway.retrieve_payment_intent(payment_intent_id=replaced, stripe_account=account)
        if current.status != "canceled":
            return current
        # A canceled PaymentIntent cannot take money: start a new one, keyed on the one it replaces.
        idempotency_key = f"{idempotency_key}-after-{replaced}"
        account = invoice.organization.stripe_account_id or None  # a new intent goes to today's account
    intent = gateway.create_payment_intent(
        amount=invoice.amount,
        currency=invoice.currency,
        metadata={
            "organization_id": str(invoice.organization_id),
            "invoice_id": str(invoice.pk),
            "invoice_number": invoice.number,
            "payment_link_id": str(link.pk),
        },
        idempotency_key=idempotency_key,
        stripe_account=account,
    )
    with transaction.atomic(durable=True):
        locked = PaymentLink.objects.select_for_update(of=("self",), no_key=True).get(pk=link.pk)
        if locked.token != link.token:
            raise ServiceError(_("This payment link has been replaced. Please use the newest link."))
        if locked.stripe_payment_intent_id == replaced:
            locked.stripe_payment_intent_id = intent.id
            locked.stripe_account_id = account or ""
            locked.save(update_fields=["stripe_payment_intent_id", "stripe_account_id"])
    if locked.stripe_payment_intent_id != intent.id:
        return gateway.retrieve_payment_intent(
            payment_intent_id=locked.stripe_payment_intent_id, stripe_account=locked.stripe_account
        )
    link.stripe_payment_intent_id, link.stripe_account_id = intent.id, account or ""
    return intent


def payment_refresh_from_stripe(*, link: PaymentLink) -> gateway.PaymentIntentInfo | None:
    """Ask Stripe about the link's PaymentIntent and record a success (the buyer's return page).

    None when there is no PaymentIntent yet or Stripe does not answer; the webhook records the payment then.
    """
    if not link.stripe_payment_intent_id:
        return None
    try:
        intent = gateway.retrieve_payment_intent(
            payment_intent_id=link.stripe_payment_intent_id,
            stripe_account=link.stripe_account,
        )
    except gateway.StripeGatewayError as failure:
        logger.warning("return page for link %s: %s", link.pk, failure)
        return None
    if intent.succeeded:
        payment_record_intent(intent=intent)
        link.refresh_from_db()
    return intent


# ---------------------------------------------------------------- recording what Stripe says


def _link_for_intent(intent: gateway.PaymentIntentInfo, *, paid_at: datetime | None = None) -> PaymentLink | None:
    """The intent's link, locked. With `paid_at`, it carries `addon_contract_at_payment`: the id of the add-on
    contract in force then, read in the same statement."""
    qs = PaymentLink.objects.select_for_update(of=("self",), no_key=True).select_related("invoice")
    if paid_at is not None:
        qs = qs.annotate(
            addon_contract_at_payment=addon_contract_id_valid_at(
                organization_ref="invoice__organization_id", moment=paid_at
            )
        )
    link_id = intent.metadata.get("payment_link_id", "")
    link = qs.filter(pk=int(link_id)).first() if link_id.isdigit() else None
    foreign_account = link is not None and link.stripe_account != intent.account
    if link is not None and (
        str(link.invoice_id) != intent.metadata.get("invoice_id")
        or str(link.invoice.organization_id) != intent.metadata.get("organization_id")
        or foreign_account
    ):
        # Metadata is not trusted unless it hangs together and the intent lives on the account the link's payments
        # go to: anyone with a Stripe account (a connected seller too) can write another seller's ids in metadata.
        if foreign_account:
            logger.warning(
                "PaymentIntent %s on account %s names link %s of another account: ignored",
                intent.id,
                intent.account or "(platform)",
                link.pk,
            )
        link = None
    # An intent id is Stripe's own, unique: a link that stored it made it.
    return link or qs.filter(stripe_payment_intent_id=intent.id).first()


# What recording a payment changes on its link.
PAYMENT_FIELDS = [
    "status",
    "amount_paid",
    "paid_currency",
    "paid_at",
    "stripe_payment_intent_id",
    "stripe_charge_id",
    "card_brand",
    "card_last4",
    "addon_contract",
    "review_note",
    *FEE_FIELDS,
]


@transaction.atomic(durable=True)
def payment_record_intent(*, intent: gateway.PaymentIntentInfo) -> PaymentLink | None:
    """Mark the link PAID from a succeeded PaymentIntent. Idempotent: webhook and return page both call it."""
    if not intent.succeeded:
        return None
    paid_at = intent.charged_at or timezone.now()
    link = _link_for_intent(intent, paid_at=paid_at)
    if link is None:
        logger.warning("succeeded PaymentIntent %s matches no payment link", intent.id)
        return None
    invoice = link.invoice
    if link.is_settled:
        if link.stripe_payment_intent_id == intent.id and intent.card_last4 and not link.card_last4:
            # The webhook came first without the card; the return page's answer carries it.
            link.card_brand, link.card_last4 = intent.card_brand, intent.card_last4
            link.save(update_fields=["card_brand", "card_last4"])
        if _take_fee(link, intent):
            # The webhook's charge is not expanded; the return page's (or reconciliation's) answer has the fee.
            link.save(update_fields=FEE_FIELDS)
        if (
            link.stripe_payment_intent_id != intent.id
            and not PaymentTransaction.objects.filter(
                payment_link=link, kind=TransactionKind.PAYMENT, stripe_reference=intent.id
            ).exists()
        ):
            # A second payment for the same invoice: record it for a person to sort out.
            second_payment: MessagePart = (HistoryMessage.SECOND_PAYMENT, {"intent": intent.id})
            link.review_note = render_parts([second_payment])
            link.save(update_fields=["review_note"])
            history_record(
                link=link,
                kind=TransactionKind.PAYMENT,
                parts=[second_payment],
                amount=intent.amount_received,
                status="DUPLICATE",
                stripe_reference=intent.id,
                actor_label=STRIPE_ACTOR,
            )
        return link
    notes: list[MessagePart] = []
    if intent.currency != invoice.currency or intent.amount_received != invoice.amount:
        received = Money(intent.amount_received, intent.currency)
        notes.append(
            (HistoryMessage.AMOUNT_DIFFERS, {"received": money(received), "due": money(invoice.billing_amount)})
        )
        alert_raise(
            organization_id=invoice.organization_id,
            kind=AlertKind.PAYMENT_DIFFERS,
            subject=intent.id,
            invoice_id=invoice.pk,
            amount=received,
            detail=f"Stripe received {received.plain()} {received.currency}; "
            f"{invoice.billing_amount.plain()} {invoice.currency} was due.",
        )
    if link.status != PaymentLinkStatus.UNPAID:
        notes.append((HistoryMessage.PAID_AFTER_LINK_CLOSED, {"status": choice("link_status", link.status)}))
    before = {"status": link.status}
    link.status = PaymentLinkStatus.PAID
    link.amount_paid = intent.amount_received
    link.paid_currency = intent.currency
    link.paid_at = paid_at
    link.stripe_payment_intent_id = intent.id
    link.stripe_charge_id = intent.latest_charge_id or ""
    link.card_brand, link.card_last4 = intent.card_brand, intent.card_last4
    link.addon_contract_id = getattr(link, "addon_contract_at_payment")  # noqa: B009 - _link_for_intent's annotation
    if not _take_fee(link, intent) and link.stripe_fee is None:
        # A webhook's charge is not expanded: the fee is fetched from Stripe after this commits.
        fetch_payment_fee.enqueue(link.pk)
    if link.addon_contract_id is None:
        notes.append((HistoryMessage.PAID_OUTSIDE_CONTRACT, {}))
    link.review_note = render_parts(notes)
    link.save(update_fields=PAYMENT_FIELDS)
    history_record(
        link=link,
        kind=TransactionKind.PAYMENT,
        parts=[(HistoryMessage.PAID_BY_CARD, {"charge": link.stripe_charge_id or "—"}), *notes],
        amount=intent.amount_received,
        status=link.status,
        stripe_reference=intent.id,
        actor_label=STRIPE_ACTOR,
        created_at=paid_at,
    )
    audit_record(
        action=AuditAction.PAYMENT_RECORD,
        target=link,
        organization_id=invoice.organization_id,
        before=before,
        after={
            "status": link.status,
            "amount_paid": link.amount_paid,
            "paid_currency": link.paid_currency,
            "payment_intent": intent.id,
            "stripe_fee": link.stripe_fee,
        },
    )
    return link


@transaction.atomic(durable=True)
def payment_record_failure(*, intent: gateway.PaymentIntentInfo) -> PaymentLink | None:
    link = _link_for_intent(intent)
    if link is None:
        return None
    history_record(
        link=link,
        kind=TransactionKind.PAYMENT_FAILED,
        parts=[
            (HistoryMessage.TEXT, {"text": intent.last_error})
            if intent.last_error
            else (HistoryMessage.CARD_PAYMENT_FAILED, {})
        ],
        amount=intent.amount,
        status="FAILED",
        stripe_reference=intent.id,
        actor_label=STRIPE_ACTOR,
    )
    return link
