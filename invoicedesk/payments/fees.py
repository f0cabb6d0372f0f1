"""Stripe's processing fee of a payment, read from its charge's balance transaction (docs/accounting.md).

The return page's answer carries the fee (the gateway expands `latest_charge.balance_transaction`); a payment we
learn about only by webhook does not, so recording it queues `payments.tasks.fetch_payment_fee`, which asks Stripe
with this module. Worker code: it enqueues nothing. Nothing waits on the fee: while it is unknown the payment, its
refunds and the books work without it (the journal has no fee line until it is known).
"""

from __future__ import annotations

from django.db import transaction

from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.stripe_integration import gateway

from .models import PaymentLink

FEE_FIELDS = ["stripe_fee", "stripe_fee_tax", "stripe_fee_currency", "stripe_balance_transaction_id"]


def take_fee(link: PaymentLink, intent: gateway.PaymentIntentInfo, *, correct: bool = False) -> bool:
    """Copy Stripe's processing fee onto the link when the answer carries it and the link has none yet (with
    `correct`, also when ours differs: Stripe is the source of truth). True when the link changed."""
    if intent.fee is None or link.stripe_payment_intent_id != intent.id:
        return False
    fee = (intent.fee, intent.fee_tax, intent.fee_currency or intent.currency, intent.balance_transaction_id)
    ours = (link.stripe_fee, link.stripe_fee_tax, link.stripe_fee_currency, link.stripe_balance_transaction_id)
    if ours == fee or (link.stripe_fee is not None and not correct):
        return False
    link.stripe_fee, link.stripe_fee_tax, link.stripe_fee_currency, link.stripe_balance_transaction_id = fee
    return True


def fee_differs(link: PaymentLink, intent: gateway.PaymentIntentInfo) -> bool:
    """Stripe knows the fee and ours is missing or another (reconciliation's comparison)."""
    if intent.fee is None:
        return False
    return (link.stripe_fee, link.stripe_fee_currency or link.currency) != (
        intent.fee,
        intent.fee_currency or intent.currency,
    )


@transaction.atomic(durable=True)
def payment_fee_record(*, link_id: int, intent: gateway.PaymentIntentInfo, correct: bool = False) -> bool:
    """Record Stripe's fee on the link, under its lock; a correction of a fee we had is audited."""
    link = (
        PaymentLink.objects.select_for_update(of=("self",), no_key=True)
        .select_related("invoice")
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        return False
    before = {"stripe_fee": link.stripe_fee, "stripe_fee_currency": link.stripe_fee_currency}
    if not take_fee(link, intent, correct=correct):
        return False
    link.save(update_fields=FEE_FIELDS)
    if before["stripe_fee"] is not None:
        audit_record(
            action=AuditAction.PAYMENT_RECORD,
            target=link,
            organization_id=link.invoice.organization_id,
            before=before,
            after={
                "stripe_fee": link.stripe_fee,
                "stripe_fee_currency": link.stripe_fee_currency,
                "balance_transaction": link.stripe_balance_transaction_id,
            },
        )
    return True


def payment_fee_fetch(*, link_id: int) -> bool:
    """Ask Stripe for a settled payment's fee and record it. True when there is nothing more to fetch (recorded,
    known already, or no such payment); False when Stripe has no balance transaction for the charge yet.
    StripeGatewayError passes through: the task tries again later."""
    link = PaymentLink.objects.select_related("invoice__organization").filter(pk=link_id).first()
    if link is None or link.stripe_fee is not None or not link.is_settled or not link.stripe_payment_intent_id:
        return True
    intent = gateway.retrieve_payment_intent(
        payment_intent_id=link.stripe_payment_intent_id, stripe_account=link.stripe_account
    )
    if intent.fee is None:
        return False
    payment_fee_record(link_id=link_id, intent=intent)
    return True
