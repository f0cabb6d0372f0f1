"""Intake of Stripe's webhook events: store once, then dispatch after commit."""

from __future__ import annotations

from django.db import transaction

from invoicedesk.core.webhooks import WebhookEvent

from .models import StripeEvent
from .tasks import process_stripe_event


@transaction.atomic(durable=True)
def stripe_event_receive(*, event: WebhookEvent) -> tuple[StripeEvent, bool]:
    """Store a verified event once by its id and queue its processing after commit.

    Returns (event, created); a repeated delivery is acknowledged and changes nothing.
    """
    stored, created = StripeEvent.objects.get_or_create(
        stripe_id=event.id,
        defaults={
            "type": event.type,
            "account": event.account or "",
            "payload": dict(event.payload),
            "created_at_stripe": event.created,
        },
    )
    if created:
        transaction.on_commit(lambda: process_stripe_event.enqueue(stored.pk))
    return stored, created
