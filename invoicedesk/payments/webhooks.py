"""Handlers for the Stripe events payments owns, registered in PaymentsConfig.ready()."""

from __future__ import annotations

from invoicedesk.core.webhooks import WebhookEvent, register_webhook_handler

from . import stripe_gateway as gateway
from .services import payment_record_failure, payment_record_intent


def on_payment_intent_succeeded(event: WebhookEvent) -> None:
    payment_record_intent(intent=gateway.payment_intent_from_dict(event.object))


def on_payment_intent_failed(event: WebhookEvent) -> None:
    payment_record_failure(intent=gateway.payment_intent_from_dict(event.object))


def register() -> None:
    register_webhook_handler("payment_intent.succeeded", on_payment_intent_succeeded)
    register_webhook_handler("payment_intent.payment_failed", on_payment_intent_failed)
