"""Intake of Stripe's webhook events: store once, then dispatch after commit."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
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
    """Periodic job: events not processed a minute after they arrived (their task was lost) and failed events
    whose back-off is over are queued again. Processing is idempotent, so an event queued twice changes nothing."""
    now = timezone.now()
    not_waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    lost = Q(status=StripeEventStatus.RECEIVED, received_at__lte=now - RETRY_AFTER) & not_waiting
    failed = Q(status=StripeEventStatus.FAILED, next_attempt_at__lte=now)
    due = list(StripeEvent.objects.filter(lost | failed).order_by("received_at").values_list("pk", flat=True)[:500])
    # Pushed forward now, so the next run of this job does not queue them again while they wait in the queue.
    StripeEvent.objects.filter(pk__in=due).update(next_attempt_at=now + RETRY_AFTER)
    for event_pk in due:
        process_stripe_event.enqueue(event_pk)
    return due
