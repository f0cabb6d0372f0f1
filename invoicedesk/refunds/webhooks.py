"""Handlers for the refund events refunds owns, registered in RefundsConfig.ready().

Dispute events (`charge.dispute.*`) are handled the same way: the payment's disputes are fetched and recorded.

Each handler takes from the event only *which payment* it is about, then fetches that payment's refunds from
Stripe and makes ours agree (refunds_sync_payment): Stripe's own advice, since events arrive late, twice or out
of order and carry a copy that may already be stale. So `refund.updated` to failed arriving before
`refund.created`, or a repeat of either, ends in the same records.
"""

from __future__ import annotations

import logging

from invoicedesk.payments.models import PaymentLink
from invoicedesk.payments.services import payment_record_intent
from invoicedesk.stripe_integration import gateway
from invoicedesk.stripe_integration.handlers import WebhookEvent, register_webhook_handler

from .disputes import disputes_sync_payment
from .outcomes import refunds_sync_payment

logger = logging.getLogger(__name__)

REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
CHARGE_EVENTS = ("charge.refunded",)
DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)


def _link_for(*, payment_intent_id: str | None, charge_id: str | None, account: str | None) -> PaymentLink | None:
    links = PaymentLink.objects.all()
    if payment_intent_id:
        link = links.filter(stripe_payment_intent_id=payment_intent_id).first()
    else:
        link = links.filter(stripe_charge_id=charge_id).first() if charge_id else None
    if link is not None and link.is_settled:
        return link
    payment_intent_id = payment_intent_id or (link.stripe_payment_intent_id if link is not None else None)
    if not payment_intent_id:
        return None
    # The refund's event came before the payment was recorded here: record the payment first.
    intent = gateway.retrieve_payment_intent(payment_intent_id=payment_intent_id, stripe_account=account)
    return payment_record_intent(intent=intent)


def on_refund_event(event: WebhookEvent) -> None:
    obj = event.object
    if event.type in CHARGE_EVENTS:
        payment_intent_id, charge_id = obj.get("payment_intent"), obj.get("id")
    else:
        payment_intent_id, charge_id = obj.get("payment_intent"), obj.get("charge")
    link = _link_for(
        payment_intent_id=str(payment_intent_id) if payment_intent_id else None,
        charge_id=str(charge_id) if charge_id else None,
        account=event.account,
    )
    if link is None:
        logger.info("Stripe event %s (%s) is about no payment of ours", event.id, event.type)
        return
    refunds_sync_payment(link_id=link.pk)


def on_dispute_event(event: WebhookEvent) -> None:
    """Any dispute event: the payment's disputes, fetched fresh, are recorded (disputes_sync_payment)."""
    obj = event.object
    payment_intent_id, charge_id = obj.get("payment_intent"), obj.get("charge")
    link = _link_for(
        payment_intent_id=str(payment_intent_id) if isinstance(payment_intent_id, str) and payment_intent_id else None,
        charge_id=str(charge_id) if isinstance(charge_id, str) and charge_id else None,
        account=event.account,
    )
    if link is None:
        logger.info("Stripe event %s (%s) is about no payment of ours", event.id, event.type)
        return
    disputes_sync_payment(link_id=link.pk)


def register() -> None:
    for event_type in (*REFUND_EVENTS, *CHARGE_EVENTS):
        register_webhook_handler(event_type, on_refund_event)
    for event_type in DISPUTE_EVENTS:
        register_webhook_handler(event_type, on_dispute_event)
