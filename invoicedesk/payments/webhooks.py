"""Handlers for the Stripe events payments owns, registered in PaymentsConfig.ready()."""

from __future__ import annotations

from invoicedesk.stripe_integration import gateway
from invoicedesk.stripe_integration.handlers import WebhookEvent, register_webhook_handler

from .connect import connect_account_deauthorize, connect_account_record
from .models import ConnectedAccount
from .services import payment_record_failure, payment_record_intent


def on_payment_intent_succeeded(event: WebhookEvent) -> None:
    payment_record_intent(intent=gateway.payment_intent_from_dict(event.object, account=event.account))


def on_payment_intent_failed(event: WebhookEvent) -> None:
    payment_record_failure(intent=gateway.payment_intent_from_dict(event.object, account=event.account))


def on_account_updated(event: WebhookEvent) -> None:
    """A connected account changed: its state is fetched fresh from Stripe (events repeat and come out of order).
    An account no organization of ours has is left alone."""
    account_id = str(event.object.get("id") or event.account or "")
    if not account_id or not ConnectedAccount.objects.filter(stripe_account_id=account_id).exists():
        return
    connect_account_record(info=gateway.retrieve_account(account_id=account_id))


def on_account_deauthorized(event: WebhookEvent) -> None:
    """`account.application.deauthorized`: the event's `account` is the seller's account that left the platform."""
    if event.account:
        connect_account_deauthorize(account_id=event.account, at=event.created)


def register() -> None:
    register_webhook_handler("account.updated", on_account_updated)
    register_webhook_handler("account.application.deauthorized", on_account_deauthorized)
    register_webhook_handler("payment_intent.succeeded", on_payment_intent_succeeded)
    register_webhook_handler("payment_intent.payment_failed", on_payment_intent_failed)
