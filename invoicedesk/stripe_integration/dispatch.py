"""Apply one stored event through the handlers its owning app registered (`handlers`)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from .handlers import WebhookEvent, webhook_handlers_for
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


def _run_handlers(stored: StripeEvent) -> StripeEventStatus:
    """Run the event's handlers; the status it is done with. A failure is recorded FAILED (with its back-off),
    logged, and raised. Each handler is its own durable transaction, and a failure is retried with every handler
    again: handlers are idempotent."""
    handlers = webhook_handlers_for(stored.type)
    try:
        for handler in handlers:
            handler(_as_webhook_event(stored))
    except Exception as error:
        logger.exception("processing Stripe event %s failed", stored.stripe_id)
        attempts = stored.attempts + 1
        StripeEvent.objects.filter(pk=stored.pk).update(
            status=StripeEventStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            attempts=attempts,
            next_attempt_at=timezone.now() + retry_delay(attempts),
        )
        raise
    return StripeEventStatus.PROCESSED if handlers else StripeEventStatus.IGNORED


def _mark_done(done: dict[StripeEventStatus, list[int]]) -> None:
    """One statement per status. An event another worker marked meanwhile keeps what that worker wrote."""
    processed_at = timezone.now()
    for status, event_pks in done.items():
        StripeEvent.objects.filter(pk__in=event_pks).exclude(status__in=StripeEventStatus.done()).update(
            status=status, processed_at=processed_at, error=""
        )


# A batch is marked done in small groups: a batch that runs past its lease (Stripe slow to answer a refund event's
# handler) leaves little finished work for another worker to run again, and a stopped worker little unmarked.
MARK_DONE_EVERY = 10
MARK_DONE_AFTER_SECONDS = 5.0


def stripe_events_process_batch(*, event_pks: list[int]) -> None:
    """A worker's claimed batch, read in one query and marked done a group at a time. An event run again (its
    worker died before marking it) changes nothing. A failing event is recorded FAILED (with its back-off) and
    logged; the batch goes on."""
    done: dict[StripeEventStatus, list[int]] = defaultdict(list)
    since = time.monotonic()
    waiting = StripeEvent.objects.filter(pk__in=event_pks).exclude(status__in=StripeEventStatus.done())
    try:
        for stored in waiting.order_by("pk"):
            with contextlib.suppress(Exception):  # recorded on the event and logged by _run_handlers
                done[_run_handlers(stored)].append(stored.pk)
            if sum(map(len, done.values())) >= MARK_DONE_EVERY or time.monotonic() - since > MARK_DONE_AFTER_SECONDS:
                _mark_done(done)
                done.clear()
                since = time.monotonic()
    finally:
        _mark_done(done)
