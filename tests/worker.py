"""The job queue in the tests is production's: procrastinate, with a worker that runs when work commits.

Every task is enqueued through `ProcrastinateBackend` (core.queue), so a job is a row of procrastinate's table,
written in the transaction of its work. `WorkerAtCommit` adds one thing for the tests: when that transaction
commits, the real worker runs (`manage.py run_worker --batch --no-jobs`: the stored Stripe events, then
procrastinate's worker until no job is due), so the test reads what a live worker would have done a moment later.
A stored webhook queues no job: a test runs the worker for it with `run_worker()`. A job or Stripe event that
fails fails the test (`WorkFailed`): production logs it and goes on, which in a test would hide a crash.

That worker has connections of its own and sees committed rows only. In a test's own transaction (a test that is
not `django_db(transaction=True)`) the jobs stay queued, as rows the test can read, and `run_worker()` takes only
the stored Stripe events, on the test's connection, as a worker's event thread does.
"""

from __future__ import annotations

import threading
from typing import Any, ParamSpec, TypeVar

from django.core.management import call_command
from django.db import connection, transaction
from django.tasks import Task, TaskResult
from django.utils import timezone

from invoicedesk.core.management.commands.run_worker import WORK_QUEUE_BATCH
from invoicedesk.core.queue import ProcrastinateBackend
from invoicedesk.core.work_queues import work_queues
from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus
from invoicedesk.stripe_integration.services import events_waiting

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Jobs that enqueue jobs are run in the same pass; this many passes with work still due is a loop.
MAX_PASSES = 50

BACKEND = "tests.worker.WorkerAtCommit"
# Production's queue and no worker: jobs are written and wait (a test that runs their work itself, step by step).
QUEUED_ONLY = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}


def _jobs_due() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status = 'todo' "
            "AND (scheduled_at IS NULL OR scheduled_at <= NOW()))"
        )
        return bool(cursor.fetchone()[0])


def _events_due() -> bool:
    return events_waiting(timezone.now()).exists()


def run_worker() -> None:
    """What the workers do until nothing is left: the stored Stripe events, then every job due (and the jobs those
    enqueue); jobs scheduled for later stay queued. A test calls it after a webhook (the intake queues no job);
    jobs run at their commit by themselves. In a test's own transaction, only the Stripe events, taken on the
    test's connection as a worker's event thread takes them: the jobs they queue need committed work."""
    if connection.in_atomic_block:
        # The queues' own drain, without the worker loop's close_old_connections(), which would close the
        # connection the test's transaction is open on.
        for queue in work_queues():
            while queue.drain(WORK_QUEUE_BATCH):
                pass
        _raise_failures()
        return
    _work(wait=True)


class WorkFailed(AssertionError):
    """A job or a Stripe event the worker ran failed: a test reading what did (not) happen would read nothing."""


def _raise_failures() -> None:
    """Production logs a failed job or event and goes on; a test must not, or its assertions that something did
    not happen pass on a crash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, args->>'task' FROM procrastinate_jobs WHERE status = 'failed' ORDER BY id")
        jobs = cursor.fetchall()
    events = list(StripeEvent.objects.filter(status=StripeEventStatus.FAILED).values_list("stripe_id", "error"))
    if jobs or events:
        raise WorkFailed(f"the worker's work failed (see the log): jobs {jobs}, Stripe events {events}")


def _passes() -> None:
    for _ in range(MAX_PASSES):
        if not (_events_due() or _jobs_due()):
            return
        call_command("run_worker", "--batch", "--no-jobs")  # in a thread of its own, on its own connections
        _raise_failures()
    raise RuntimeError(f"work still due after {MAX_PASSES} passes of the worker (a job locked behind another?)")


# One worker at a time; a commit while it runs (of the jobs it runs, or of another thread of the test) asks it for
# one more pass instead of starting a worker inside the worker.
_running = threading.Lock()
_again = threading.Event()


def _work(*, wait: bool) -> None:
    _again.set()
    while _again.is_set():
        if not _running.acquire(blocking=wait):
            return  # the running worker makes another pass
        try:
            while _again.is_set():
                _again.clear()
                _passes()
        finally:
            _running.release()


def _worker_after_commit() -> None:
    if connection.in_atomic_block:
        return  # the test's transaction "committed" (captured on-commit callbacks): nothing a worker could see
    _work(wait=False)


class WorkerAtCommit(ProcrastinateBackend):
    """ProcrastinateBackend, and the worker run when the job's transaction commits."""

    def enqueue(self, task: Task[_P, _R], args: list[Any], kwargs: dict[str, Any]) -> TaskResult[_P, _R]:
        result = super().enqueue(task, args, kwargs)
        transaction.on_commit(_worker_after_commit)
        return result
