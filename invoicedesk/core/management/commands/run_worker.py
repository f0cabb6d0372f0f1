"""`manage.py run_worker`: procrastinate's worker (core.queue: jobs, heartbeats, stalled-job retry, periodic jobs
deferred once per period across workers), plus the work queues the apps keep in their own tables
(core.work_queues: Stripe events)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.utils import connector_params
from procrastinate.psycopg_connector import PsycopgConnector

from invoicedesk.core import queue
from invoicedesk.core.schedule import periodic_jobs
from invoicedesk.core.work_queues import WorkQueue, work_queues

logger = logging.getLogger("invoicedesk.worker")

# Rows claimed at a time from a work queue: large enough that claiming is a small part of the work, small enough
# that a killed worker strands little until its lease is over.
WORK_QUEUE_BATCH = 50
# On SIGTERM, how long running jobs and the work queues may take to finish what they hold.
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


def _work_queue_loop(queue: WorkQueue, stop: threading.Event, interval: float) -> None:
    try:
        while not stop.is_set():
            if drain_work_queue(queue, stop=stop) == 0:
                stop.wait(interval)
    finally:
        connections.close_all()


def worker_connector() -> PsycopgConnector:
    """The worker's own pool (procrastinate LISTENs on one of its connections): to PostgreSQL itself when
    DATABASE_LISTEN_URL is set (behind PgBouncer's transaction pooling LISTEN would not work)."""
    params = connector_params("default")
    listen = settings.DATABASE_LISTEN
    if listen:
        params.update(
            {
                key: value
                for key, value in {
                    "host": listen.get("HOST"),
                    "port": listen.get("PORT"),
                    "dbname": listen.get("NAME"),
                    "user": listen.get("USER"),
                    "password": listen.get("PASSWORD"),
                }.items()
                if value
            }
        )
    return PsycopgConnector(kwargs=params)


class Command(BaseCommand):
    help = (
        "Run jobs (procrastinate), the apps' work queues (Stripe events) and defer the periodic jobs: refund "
        "recovery, stalled-job retry, link expiry, reconciliation."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.WORKER_POLL_SECONDS,
            help="seconds between polls of an empty queue (default: WORKER_POLL_SECONDS)",
        )
        parser.add_argument("--batch", action="store_true", help="run the periodic jobs once, the queue dry, then exit")
        parser.add_argument(
            "--no-jobs", action="store_true", help="defer no periodic jobs (nor the stalled-job sweep): benches"
        )
        parser.add_argument("--worker-id", default="", help="the worker's name in logs (default: procrastinate's)")
        parser.add_argument(
            "--concurrency", type=int, default=settings.WORKER_CONCURRENCY, help="jobs run at once (threads)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_jobs"] and not options["batch"]:
            queue.register_periodic()
        with app.replace_connector(worker_connector()):
            if options["batch"]:
                self._batch(no_jobs=options["no_jobs"])
                return
            stop = threading.Event()
            queue_threads = [
                threading.Thread(
                    target=_work_queue_loop, args=(work_queue, stop, options["interval"]), name=work_queue.name
                )
                for work_queue in work_queues()
            ]
            for thread in queue_threads:
                thread.start()
            worker_options: dict[str, Any] = {
                "concurrency": options["concurrency"],
                "fetch_job_polling_interval": options["interval"],
                "update_heartbeat_interval": settings.WORKER_HEARTBEAT_SECONDS,
                "stalled_worker_timeout": settings.WORKER_STALLED_SECONDS,
                "shutdown_graceful_timeout": SHUTDOWN_GRACE_SECONDS,
            }
            if options["worker_id"]:
                worker_options["name"] = options["worker_id"]
            try:
                app.run_worker(**worker_options)
            finally:
                # Stopping (SIGTERM, Ctrl-C): the queues finish the batch in hand, which marks what it did, rather
                # than leave it to be run again when its lease is over.
                stop.set()
                for thread in queue_threads:
                    thread.join(timeout=SHUTDOWN_GRACE_SECONDS)

    def _batch(self, *, no_jobs: bool) -> None:
        # All in a thread of its own, as a worker has connections of its own: the caller's connection is left as it
        # was (the work queues close theirs between batches), and procrastinate's worker runs its own event loop
        # (asyncio.run), which cannot start in a thread that has one running already (a caller's, such as
        # Playwright's in the tests).
        failed: list[BaseException] = []

        def run() -> None:
            try:
                if not no_jobs:
                    for job in periodic_jobs():
                        try:
                            job.run()
                        except Exception:  # logged; the others still run
                            logger.exception("periodic job %s failed", job.name)
                        finally:
                            close_old_connections()
                for work_queue in work_queues():
                    drain_work_queue(work_queue)
                app.run_worker(wait=False, concurrency=1, install_signal_handlers=False, listen_notify=False)
            except BaseException as error:  # handed to the caller's thread below
                failed.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, name="batch-worker")
        thread.start()
        thread.join()
        if failed:
            raise failed[0]
