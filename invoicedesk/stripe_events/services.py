"""Intake of Stripe's webhook events: store once, then dispatch after commit."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from invoicedesk.core.webhooks import WebhookEvent

from .models import StripeEvent, StripeEventStatus
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


RETRY_AFTER = timedelta(minutes=1)


def stripe_events_retry() -> list[int]:
    """Periodic job: events not processed a minute after they arrived (their task failed or was lost) are queued
    again. Processing is idempotent, so an event queued twice changes nothing twice."""
    due = StripeEvent.objects.filter(
        status__in=[StripeEventStatus.RECEIVED, StripeEventStatus.FAILED],
        received_at__lte=timezone.now() - RETRY_AFTER,
    ).values_list("pk", flat=True)
    queued = list(due[:1000])
    for event_pk in queued:
        process_stripe_event.enqueue(event_pk)
    return queued
