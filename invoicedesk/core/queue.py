"""The job queue: procrastinate (PostgreSQL, LISTEN/NOTIFY, worker heartbeats), behind Django's task API.

The apps define their tasks with `django.tasks.task` and enqueue them as Django documents; `ProcrastinateBackend`
turns each enqueue into one procrastinate job of the task `invoicedesk.run`, written on Django's own connection:
inside `transaction.atomic` the job commits with the work or not at all. It is the one backend (settings.TASKS,
checked by core.checks): nothing here or in the tests runs a task any other way.

What procrastinate gives that we used to write ourselves:
- heartbeats: a worker updates its row every WORKER_HEARTBEAT_SECONDS; `retry_stalled_jobs` (every
  WORKER_STALLED_SWEEP_SECONDS) puts back the jobs of workers silent for WORKER_STALLED_SECONDS, and only those,
  so a job is never started twice while its worker lives, however long it runs;
- periodic jobs (core.schedule) deferred once per period across all workers (a unique row per period), each with
  a queueing lock so that a slow run is not queued again behind itself; they run as jobs, in the pool;
- locks: the jobs of a task registered with `register_job_lock` run one at a time;
- retries: a task registered with `register_job_retry` runs as a procrastinate task of its own with a retry
  strategy (the reconciliation's link jobs, on Stripe's unknown outcomes); `is_last_attempt()` tells it when
  no retry follows;
- pruning of finished jobs (`prune_jobs`, hourly).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.utils import timezone
from django.utils.module_loading import import_string
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.manager import JobManager
from procrastinate.tasks import configure_task

from .schedule import PeriodicJob, periodic_jobs

logger = logging.getLogger("invoicedesk.worker")

_P = ParamSpec("_P")
_R = TypeVar("_R")

RUN_TASK = "invoicedesk.run"
PERIODIC_TASK = "invoicedesk.periodic"
QUEUE = "default"

# The job the current thread runs (None outside a worker): its id lets work that marks rows as taken (an email
# SENDING) recognise, when its job is run again after its worker died, that the mark is its own.
_current_job_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("current_job_id", default=None)


def current_job_id() -> int | None:
    return _current_job_id.get()


# Whether the current job is its last attempt (no retry follows a failure); True outside a worker.
_last_attempt: contextvars.ContextVar[bool] = contextvars.ContextVar("last_attempt", default=True)


def is_last_attempt() -> bool:
    return _last_attempt.get()


@contextmanager
def _running(job_id: int | None, *, last_attempt: bool = True) -> Iterator[None]:
    token = _current_job_id.set(job_id)
    last = _last_attempt.set(last_attempt)
    close_old_connections()  # as around a request: drop broken or expired connections of this thread
    try:
        yield
    finally:
        close_old_connections()
        _last_attempt.reset(last)
        _current_job_id.reset(token)


@app.task(name=RUN_TASK, queue=QUEUE, pass_context=True)
def run_task(context: JobContext, task: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """A django.tasks task, enqueued through ProcrastinateBackend."""
    django_task: Task[..., Any] = import_string(task)
    with _running(context.job.id):
        django_task.call(*args, **kwargs)


# django.tasks task → the procrastinate task (with its retry strategy) that runs its jobs.
_retrying: dict[str, str] = {}


def register_job_retry(
    task: Task[..., Any], *, max_attempts: int, exponential_wait: int, retry_on: tuple[type[Exception], ...]
) -> None:
    """The jobs of `task` that raise one of `retry_on` are run again by procrastinate, after exponential_wait ** n
    seconds, up to max_attempts retries; on the last attempt `is_last_attempt()` is True."""
    name = f"{RUN_TASK}.retrying.{task.module_path}"
    if name in app.tasks:
        return
    strategy = RetryStrategy(max_attempts=max_attempts, exponential_wait=exponential_wait, retry_exceptions=retry_on)

    def run_retrying(context: JobContext, task: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        django_task: Task[..., Any] = import_string(task)
        # procrastinate's `attempts` counts the attempts before this one; at max_attempts it retries no more.
        with _running(context.job.id, last_attempt=context.job.attempts >= max_attempts):
            django_task.call(*args, **kwargs)

    app.task(name=name, queue=QUEUE, pass_context=True, retry=strategy)(run_retrying)
    _retrying[task.module_path] = name


@app.task(name=PERIODIC_TASK, queue=QUEUE, pass_context=True)
def run_periodic(context: JobContext, timestamp: int, name: str) -> None:
    """A periodic job of core.schedule, deferred once per period (whatever the number of workers)."""
    job = {job.name: job for job in periodic_jobs()}.get(name)
    if job is None:
        logger.warning("periodic job %s is not registered here; skipped", name)
        return
    with _running(context.job.id):
        job.run()


@app.task(name="invoicedesk.retry_stalled_jobs", queue=QUEUE, queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Jobs whose worker has sent no heartbeat for WORKER_STALLED_SECONDS go back to the queue, now."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.WORKER_STALLED_SECONDS):
        logger.warning("job %s (%s) of a dead worker goes back to the queue", job.id, job.task_name)
        try:
            await manager.retry_job(job)
        except Exception:  # another sweep took it first; it is back in the queue either way
            logger.info("job %s was retried by another sweep", job.id)


@app.task(name="invoicedesk.prune_jobs", queue=QUEUE, queueing_lock="prune_jobs", pass_context=True)
async def prune_jobs(context: JobContext, timestamp: int) -> None:
    """Finished jobs older than JOB_RETENTION_HOURS are deleted. Our own periodic task rather than procrastinate's
    builtin `remove_old_jobs`: a periodic job is given the period's `timestamp`, which the builtin does not take
    (it failed every hour)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=settings.JOB_RETENTION_HOURS)


def _cron(every: datetime.timedelta) -> str:
    """A period as procrastinate's cron (croniter; a sixth field counts seconds)."""
    seconds = int(every.total_seconds())
    if seconds < 60:
        return f"* * * * * */{seconds}"
    minutes = seconds // 60
    if minutes < 60:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    return f"0 */{minutes // 60} * * *" if minutes // 60 > 1 else "0 * * * *"


def register_periodic(jobs: list[PeriodicJob] | None = None) -> None:
    """Give procrastinate the registered periodic jobs and our own (stalled-job sweep, pruning). Called by
    `run_worker` before its worker starts: only workers defer periodic jobs."""
    registry = app.periodic_registry
    sweep = f"* * * * * */{settings.WORKER_STALLED_SWEEP_SECONDS}"
    registry.register_task(
        task=app.tasks["invoicedesk.retry_stalled_jobs"], cron=sweep, periodic_id="", configure_kwargs={}
    )
    registry.register_task(
        task=app.tasks["invoicedesk.prune_jobs"], cron="17 * * * *", periodic_id="", configure_kwargs={}
    )
    for job in periodic_jobs() if jobs is None else jobs:
        registry.register_task(
            task=app.tasks[PERIODIC_TASK],
            cron=_cron(job.every),
            periodic_id=job.name,
            # A run not started yet is not queued a second time (a slow one is not stacked behind itself).
            configure_kwargs={"task_kwargs": {"name": job.name}, "queueing_lock": f"periodic-{job.name}"},
        )


# Deferring always goes through Django's connection (even in the worker, whose procrastinate app uses a pool of
# its own): a job enqueued by work in a transaction commits with that work.
_job_manager = JobManager(DjangoConnector())


# Tasks whose jobs must never run two at a time: their jobs carry a procrastinate lock, and a
# worker starts one only when no other job of that lock is running.
_locks: dict[str, str] = {}


def register_job_lock(task: Task[..., Any], lock: str) -> None:
    _locks[task.module_path] = lock


class ProcrastinateBackend(BaseTaskBackend):
    """django.tasks → procrastinate: one job per enqueue, on Django's connection (in the current transaction)."""

    supports_defer = True
    supports_get_result = False

    def enqueue(self, task: Task[_P, _R], args: list[Any], kwargs: dict[str, Any]) -> TaskResult[_P, _R]:
        self.validate_task(task)
        run_after = task.run_after
        job_id = configure_task(
            name=_retrying.get(task.module_path, RUN_TASK),
            job_manager=_job_manager,
            queue=task.queue_name or QUEUE,
            schedule_at=run_after if isinstance(run_after, datetime.datetime) else None,
            priority=task.priority,
            lock=_locks.get(task.module_path),
        ).defer(task=task.module_path, args=list(args), kwargs=dict(kwargs))
        return TaskResult(
            task=task,
            id=str(job_id),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


def has_pending_jobs(task: Task[..., Any], *, first_arg: Any) -> bool:
    """Whether a job of `task` whose first argument is `first_arg` waits or runs (procrastinate's table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
            "AND args->>'task' = %s AND args->'args'->0 = %s::jsonb)",
            [task.module_path, json.dumps(first_arg)],
        )
        return bool(cursor.fetchone()[0])


def queue_health() -> dict[str, Any]:
    """For /healthz: how long the oldest waiting job has waited, and each worker's last heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXTRACT(EPOCH FROM NOW() - MIN(COALESCE(scheduled_at, e.at))) FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
            "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= NOW())"
        )
        oldest = cursor.fetchone()[0]
        cursor.execute("SELECT id, EXTRACT(EPOCH FROM NOW() - last_heartbeat) FROM procrastinate_workers ORDER BY id")
        workers = [{"id": row[0], "heartbeat_seconds_ago": round(float(row[1]), 1)} for row in cursor.fetchall()]
    return {
        "oldest_waiting_job_seconds": round(float(oldest), 1) if oldest is not None else None,
        "workers": workers,
    }
