"""Intake of Stripe's webhook events: store once; workers process them from this table.

The stored event is itself the work item: every `run_worker` claims RECEIVED and due FAILED events from this table
in batches (`stripe_events_drain`), so intake is one INSERT … ON CONFLICT DO NOTHING and nothing else (a job per
event would only be a second row saying the same thing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .dispatch import stripe_events_process_batch
from .handlers import WebhookEvent
from .models import StripeEvent, StripeEventStatus

# The name of the work queue that takes stored events (core.work_queues; registered in StripeIntegrationConfig.ready).
WORK_QUEUE = "stripe_events"


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
    """Store a verified event once by its id; a worker claims it from the table after commit.

    Returns (stored id, created); a repeated delivery is acknowledged and changes nothing (id None). Called from
    the view (autocommit), the one INSERT commits on its own: no BEGIN/COMMIT round trips around one statement.
    """
    event_pk = _insert_once(event)
    return event_pk, event_pk is not None


def events_waiting(now: datetime) -> QuerySet[StripeEvent]:
    """Events a worker may take now: RECEIVED, or FAILED past their back-off, and not leased to another worker."""
    return StripeEvent.objects.filter(
        Q(status__in=[StripeEventStatus.RECEIVED, StripeEventStatus.FAILED])
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def _claim_due(limit: int) -> list[int]:
    """Take up to `limit` events that are waiting (RECEIVED, or FAILED and past their back-off) for one worker.

    The lease is `next_attempt_at`, pushed past the task timeout: other workers skip the rows while they are
    locked (SKIP LOCKED) and leave them alone after commit until the lease is over. A worker killed mid-batch
    therefore strands its events for one lease, then any worker takes them again; processing is idempotent.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.WORKER_TASK_TIMEOUT_SECONDS)
    with transaction.atomic(durable=True):
        claimed = list(
            events_waiting(now).select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        if claimed:
            StripeEvent.objects.filter(pk__in=claimed).update(next_attempt_at=lease_until)
    return claimed


def stripe_events_drain(limit: int) -> int:
    """Work queue of run_worker (core.work_queues): claim a batch of due events and process them. Returns how
    many were claimed; a failing event is recorded FAILED with its back-off and does not stop the batch."""
    claimed = _claim_due(limit)
    stripe_events_process_batch(event_pks=claimed)
    return len(claimed)
