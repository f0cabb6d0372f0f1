"""`manage.py run_worker`: django-tasks-db's worker, plus the work queues (core.work_queues) and periodic jobs
(core.schedule) the apps registered."""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from invoicedesk.core.schedule import PeriodicJob, periodic_jobs
from invoicedesk.core.wakeups import TASKS, WakeupListener
from invoicedesk.core.work_queues import WorkQueue, work_queues

logger = logging.getLogger("invoicedesk.worker")


def run_due_jobs(jobs: list[PeriodicJob], next_run: dict[str, float]) -> None:
    now = time.monotonic()
    for job in jobs:
        if next_run[job.name] > now:
            continue
        next_run[job.name] = now + job.every.total_seconds()
        try:
            job.run()
        except Exception:  # a job's trouble is logged and retried on its next turn; the worker goes on
            logger.exception("periodic job %s failed", job.name)
        finally:
            close_old_connections()


def _job_loop(stop: threading.Event) -> None:
    jobs = periodic_jobs()
    start = time.monotonic()
    next_run = {job.name: start if job.at_start else start + job.every.total_seconds() for job in jobs}
    try:
        while not stop.is_set():
            run_due_jobs(jobs, next_run)
            stop.wait(1)
    finally:
        connections.close_all()


# Rows claimed at a time from a work queue: large enough that claiming is a small part of the work, small enough
# that a killed worker strands little until its lease is over.
WORK_QUEUE_BATCH = 50
# On SIGTERM, how long the work queues may take to finish the batch in hand.
SHUTDOWN_GRACE_SECONDS = 10


def drain_work_queue(queue: WorkQueue, *, batch: int = WORK_QUEUE_BATCH, stop: threading.Event | None = None) -> int:
    """Claim and run batches until the queue is dry (or the worker stops); returns how many rows were claimed."""
    total = 0
    while stop is None or not stop.is_set():
        try:
            claimed = queue.drain(batch)
        except Exception:  # a batch's trouble is logged; its rows come back when their lease is over
            logger.exception("work queue %s failed", queue.name)
            claimed = 0
        finally:
            close_old_connections()
        total += claimed
        if claimed == 0:
            break
    return total


def _work_queue_loop(queue: WorkQueue, stop: threading.Event, wakeup: threading.Event, interval: float) -> None:
    try:
        while not stop.is_set():
            wakeup.clear()  # before looking: work committed while we look sets it again
            if drain_work_queue(queue, stop=stop) == 0:
                wakeup.wait(interval)
    finally:
        connections.close_all()


class WakeableWorker(Worker):
    """django-tasks-db's worker, waiting between polls on a wake-up (core.wakeups) instead of a plain sleep, so a
    refund queued by a web request starts at once rather than at the next poll. The loop is upstream's
    (`Worker.run`, django-tasks-db 0.13) with that one change and without its batch and max-tasks exits."""

    def __init__(self, *, wakeup: threading.Event, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wakeup = wakeup

    def run(self) -> None:
        logger.info("worker %s taking tasks", self.worker_id)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (spreads workers started together)
        while self.running:
            close_old_connections()  # as after a request: drop broken or expired connections
            self.wakeup.clear()
            task_result = self._claim_next()
            if task_result is not None:
                self.run_task(task_result)
            close_old_connections()
            if self.running and task_result is None:
                self.wakeup.wait(self.interval)

    def _claim_next(self) -> DBTaskResult[..., Any] | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name, queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # so no other worker runs it
            return task_result


class Command(BaseCommand):
    help = (
        "Run tasks (django.tasks), the apps' work queues (Stripe events) and the periodic jobs: refund recovery, "
        "lease reclaim, link expiry, reconciliation."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.WORKER_POLL_SECONDS,
            help="seconds between polls of an empty queue (default: WORKER_POLL_SECONDS)",
        )
        parser.add_argument("--batch", action="store_true", help="run the periodic jobs once, the queue dry, then exit")
        parser.add_argument("--no-jobs", action="store_true", help="tasks only, no periodic jobs")
        parser.add_argument("--worker-id", default="", help="unique per worker process (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_options: dict[str, Any] = {
            "queue_names": ["default"],
            "interval": options["interval"],
            "batch": options["batch"],
            "backend_name": "default",
            "startup_delay": not options["batch"],
            "max_tasks": None,
            "worker_id": options["worker_id"] or get_random_string(32),
            "excluded_queue_names": [],
        }
        if options["batch"]:
            if not options["no_jobs"]:
                jobs = periodic_jobs()
                run_due_jobs(jobs, dict.fromkeys((job.name for job in jobs), 0.0))
            for queue in work_queues():
                drain_work_queue(queue)
            Worker(**worker_options).run()
            return
        stop = threading.Event()
        wakeups = WakeupListener()
        worker = WakeableWorker(wakeup=wakeups.waiter(TASKS), **worker_options)
        if not options["no_jobs"]:
            threading.Thread(target=_job_loop, args=(stop,), name="periodic-jobs", daemon=True).start()
        queue_threads = [
            threading.Thread(
                target=_work_queue_loop,
                args=(queue, stop, wakeups.waiter(queue.name), options["interval"]),
                name=queue.name,
                daemon=True,
            )
            for queue in work_queues()
        ]
        for thread in queue_threads:
            thread.start()
        wakeups.start(stop)
        worker.configure_signals()
        try:
            worker.run()
        finally:
            # Stopping (SIGTERM, Ctrl-C): the queues finish the batch in hand, which marks what it did, rather than
            # leave it to be run again when its lease is over.
            stop.set()
            for thread in queue_threads:
                thread.join(timeout=SHUTDOWN_GRACE_SECONDS)
