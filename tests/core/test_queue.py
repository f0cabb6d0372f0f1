"""The queue behind django.tasks (core.queue): jobs of locked tasks carry their lock, tasks with a retry strategy run
as a procrastinate task of their own, and /healthz reports the oldest waiting job and each worker's heartbeat."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.backoffice.tasks import verify_audit_nightly
from invoicedesk.refunds.tasks import execute_refund, reconcile_stripe_links
from invoicedesk.stripe_integration.gateway import StripeUnavailable

QUEUE = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}


@pytest.mark.django_db(transaction=True)
def test_locked_jobs_carry_their_lock_and_retried_ones_their_own_task(settings: Any) -> None:
    settings.TASKS = QUEUE
    with transaction.atomic():
        verify_audit_nightly.enqueue(1)
        reconcile_stripe_links.enqueue(1, [2])
        execute_refund.enqueue(2)
    jobs = {job.args["task"]: (job.task_name, job.lock) for job in ProcrastinateJob.objects.all()}
    links = "invoicedesk.refunds.tasks.reconcile_stripe_links"
    assert jobs == {
        "invoicedesk.backoffice.tasks.verify_audit_nightly": ("invoicedesk.run", "verify_audit"),
        links: (f"invoicedesk.run.retrying.{links}", None),
        "invoicedesk.refunds.tasks.execute_refund": ("invoicedesk.run", None),
    }
    strategy = app.tasks[f"invoicedesk.run.retrying.{links}"].retry_strategy
    assert isinstance(strategy, RetryStrategy)
    assert strategy.max_attempts == 5 and tuple(strategy.retry_exceptions or ()) == (StripeUnavailable,)


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_the_oldest_waiting_job_and_each_workers_heartbeat(settings: Any) -> None:
    settings.TASKS = QUEUE
    idle = Client().get("/healthz").json()
    assert idle == {"status": "ok", "oldest_waiting_job_seconds": None, "workers": []}

    with transaction.atomic():
        execute_refund.enqueue(1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_events SET at = NOW() - INTERVAL '90 seconds' WHERE type = 'deferred'")
        cursor.execute("SELECT procrastinate_register_worker_v1()")
        worker_id = cursor.fetchone()[0]
        cursor.execute("UPDATE procrastinate_workers SET last_heartbeat = NOW() - INTERVAL '12 seconds'")
    busy = Client().get("/healthz").json()
    assert 90 <= busy["oldest_waiting_job_seconds"] < 100
    assert [(w["id"], 12 <= w["heartbeat_seconds_ago"] < 20) for w in busy["workers"]] == [(worker_id, True)]


def test_every_periodic_job_takes_the_periods_timestamp() -> None:
    """procrastinate calls a periodic task with `timestamp=`; one that does not take it fails every period
    (the builtin job pruning did, registered as it was)."""
    import inspect

    from invoicedesk.core.queue import register_periodic

    register_periodic()
    periodic = list(app.periodic_registry.periodic_tasks.values())
    assert {item.task.name for item in periodic} >= {"invoicedesk.prune_jobs", "invoicedesk.retry_stalled_jobs"}
    for item in periodic:
        parameters = inspect.signature(item.task.func).parameters
        assert "timestamp" in parameters, item.task.name
