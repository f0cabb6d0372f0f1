"""Apply one stored event through the handlers its owning app registered (core.webhooks)."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from invoicedesk.core.webhooks import WebhookEvent, webhook_handlers_for

from .models import StripeEvent, StripeEventStatus

logger = logging.getLogger(__name__)


def _as_webhook_event(stored: StripeEvent) -> WebhookEvent:
    return WebhookEvent(
        id=stored.stripe_id,
        type=stored.type,
        created=stored.created_at_stripe or datetime.now(tz=UTC),
        account=stored.account or None,
        object=dict(stored.payload.get("data", {}).get("object") or {}),
        payload=stored.payload,
    )


MAX_RETRY_DELAY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most 6 hours: a broken event does not flood Stripe or the queue."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_RETRY_DELAY)


def stripe_event_process(*, event_pk: int) -> StripeEvent:
    """Run the event's handlers. Safe to run twice: handlers are idempotent, and a done event is skipped.

    Each handler is its own durable transaction; the event is marked done only
    after all of them succeeded, so a failure is retried with every handler again.
    """
    stored = StripeEvent.objects.get(pk=event_pk)
    if stored.status in StripeEventStatus.done():
        return stored
    handlers = webhook_handlers_for(stored.type)
    event = _as_webhook_event(stored)
    try:
        for handler in handlers:
            handler(event)
    except Exception as error:
        logger.exception("processing Stripe event %s failed", stored.stripe_id)
        attempts = stored.attempts + 1
        StripeEvent.objects.filter(pk=event_pk).update(
            status=StripeEventStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            attempts=attempts,
            next_attempt_at=timezone.now() + retry_delay(attempts),
        )
        raise
    status = StripeEventStatus.PROCESSED if handlers else StripeEventStatus.IGNORED
    processed_at = timezone.now()
    marked = (
        StripeEvent.objects.filter(pk=event_pk)
        .exclude(status__in=StripeEventStatus.done())
        .update(status=status, processed_at=processed_at, error="")
    )
    if marked:
        stored.status, stored.processed_at, stored.error = status, processed_at, ""
    else:  # another worker marked it meanwhile: what it wrote stands
        stored.refresh_from_db()
    return stored


def stripe_event_process_logged(*, event_pk: int) -> None:
    """For a worker's batch: a failing event is recorded FAILED (with its back-off) and logged; the batch goes on."""
    with contextlib.suppress(Exception):  # recorded on the event and logged by stripe_event_process
        stripe_event_process(event_pk=event_pk)
