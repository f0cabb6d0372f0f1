"""Intake of Stripe's webhook events: store once, then dispatch after commit.

The stored event is itself the work item: with procrastinate (production), every `run_worker` claims RECEIVED
and due FAILED events from this table in batches (`stripe_events_drain`), so intake is one INSERT … ON CONFLICT
DO NOTHING and nothing else. With another task backend (tests run tasks at once) a task is queued on commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from invoicedesk.core.tasks import enqueue_with_work, queued_in_this_database

from .dispatch import stripe_events_process_batch
from .handlers import WebhookEvent
from .models import StripeEvent, StripeEventStatus
from .tasks import process_stripe_event

# The name of the work queue that takes stored events (core.work_queues; registered in StripeIntegrationConfig.ready).
WORK_QUEUE = "stripe_events"


def events_claimed_from_table() -> bool:
    """True when the worker takes events from their own table: the task queue is in this same database, so a
    task per event would only be a second row saying the same thing."""
    return queued_in_this_database(process_stripe_event)


def _insert_once(event: WebhookEvent) -> int | None:
    """One statement: the new row's id, or None if an event with this id is stored already."""
    row = StripeEvent(
        stripe_id=event.id,
        type=event.type,
        account=event.account or "",
        payload=dict(event.payload),
        created_at_stripe=event.created,
    )
    fields = [field for field in StripeEvent._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    # Names from the model's own metadata; values as parameters.
    sql = (
        f"INSERT INTO {quote(StripeEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('stripe_id')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    return int(inserted[0]) if inserted else None


def stripe_event_receive(*, event: WebhookEvent) -> tuple[int | None, bool]:
    """Store a verified event once by its id; it is processed after commit (claimed by a worker, or its task).

    Returns (stored id, created); a repeated delivery is acknowledged and changes nothing (id None). Called from
    the view (autocommit), the one INSERT commits on its own: no BEGIN/COMMIT round trips around one statement.
    """
    claimed_from_table = events_claimed_from_table()
    event_pk = _insert_once(event)
    if event_pk is None:
        return None, False
    if not claimed_from_table:
        enqueue_with_work(process_stripe_event, event_pk)
    return event_pk, True


def _claim_due(limit: int) -> list[int]:
    """Take up to `limit` events that are waiting (RECEIVED, or FAILED and past their back-off) for one worker.

    The lease is `next_attempt_at`, pushed past the task timeout: other workers skip the rows while they are
    locked (SKIP LOCKED) and leave them alone after commit until the lease is over. A worker killed mid-batch
    therefore strands its events for one lease, then any worker takes them again; processing is idempotent.
    """
    now = timezone.now()
    due = Q(status__in=[StripeEventStatus.RECEIVED, StripeEventStatus.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    lease_until = now + timedelta(seconds=settings.WORKER_TASK_TIMEOUT_SECONDS)
    with transaction.atomic(durable=True):
        claimed = list(
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if claimed:
            StripeEvent.objects.filter(pk__in=claimed).update(next_attempt_at=lease_until)
    return claimed


def stripe_events_drain(limit: int) -> int:
    """Work queue of run_worker (core.work_queues): claim a batch of due events and process them. Returns how
    many were claimed; a failing event is recorded FAILED with its back-off and does not stop the batch."""
    if not events_claimed_from_table():
        return 0
    claimed = _claim_due(limit)
    stripe_events_process_batch(event_pks=claimed)
    return len(claimed)


RETRY_AFTER = timedelta(minutes=1)


def stripe_events_retry() -> list[int]:
    """Periodic job, for task backends other than the database one (there, `stripe_events_drain` takes lost and
    failed events itself): events not processed a minute after they arrived (their task was lost) and failed
    events whose back-off is over are queued again. Processing is idempotent, so an event queued twice changes
    nothing."""
    if events_claimed_from_table():
        return []
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
