"""The job queue with real worker processes: a job longer than the stalled-worker timeout is never started twice
while its worker lives (heartbeats), and several workers defer each periodic job once per period."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.core.queue import PERIODIC_TASK
from invoicedesk.core.schedule import periodic_jobs
from invoicedesk.devtools.localstripe import LocalStripe

from .jobs import long_task
from .support import WorkerProcess, running_workers, wait_until, worker_env

QUEUE = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
STALLED_SECONDS = 2


@pytest.mark.django_db(transaction=True)
def test_a_job_longer_than_the_stalled_timeout_runs_once_while_its_worker_lives(
    settings: Any, tmp_path: Path, stripe_server: LocalStripe
) -> None:
    settings.TASKS = QUEUE
    env = worker_env(stripe_api_base=stripe_server.url, smtp_port=1, var_dir=tmp_path / "var")
    env.update(WORKER_STALLED_SECONDS=str(STALLED_SECONDS), WORKER_HEARTBEAT_SECONDS="0.5")
    env["WORKER_STALLED_SWEEP_SECONDS"] = "1"
    runs = 5 * STALLED_SECONDS  # five times as long as a silent worker is given: the old fixed lease would rerun it
    with transaction.atomic():
        long_task.enqueue(runs)
    log = tmp_path / "var" / "long_task.log"
    with running_workers() as workers:
        for n in range(3):
            workers.append(WorkerProcess(env, tmp_path / f"worker-{n}.log").start())
        wait_until(
            lambda: log.exists() and "end" in log.read_text(), timeout=runs + 30, what="the end", workers=workers
        )
        time.sleep(2 * STALLED_SECONDS)  # sweeps keep running: none may put the finished job back
        for worker in workers:
            worker.stop()
    lines = log.read_text().split()
    assert lines.count("start") == 1 and lines.count("end") == 1, lines
    job = ProcrastinateJob.objects.get(args__task="tests.faults.jobs.long_task")
    assert (job.status, job.attempts) == ("succeeded", 1)


@pytest.mark.django_db(transaction=True)
def test_three_workers_defer_each_periodic_job_once_per_period(
    settings: Any, tmp_path: Path, stripe_server: LocalStripe
) -> None:
    settings.TASKS = QUEUE
    env = worker_env(stripe_api_base=stripe_server.url, smtp_port=1, var_dir=tmp_path / "var")
    env["WORKER_STALLED_SWEEP_SECONDS"] = "1"  # the stalled-job sweep: a periodic job of every second
    with running_workers() as workers:
        started = time.monotonic()
        for n in range(3):
            workers.append(WorkerProcess(env, tmp_path / f"worker-{n}.log").start())
        wait_until(
            lambda: ProcrastinateJob.objects.filter(task_name="invoicedesk.retry_stalled_jobs").count() >= 8,
            timeout=40,
            what="eight sweeps",
            workers=workers,
        )
        for worker in workers:
            worker.stop()
        lasted = time.monotonic() - started

    # One job per period, whatever the number of workers: per (job, period) one row, and the sweep's periods are
    # the seconds that passed, not three times as many.
    deferred = ProcrastinateJob.objects.filter(task_name__in=[PERIODIC_TASK, "invoicedesk.retry_stalled_jobs"])
    per_period = Counter(
        (job.task_name, job.args.get("name", ""), job.args["timestamp"]) for job in deferred.only("task_name", "args")
    )
    assert per_period and set(per_period.values()) == {1}, per_period
    sweeps = [period for period in per_period if period[0] == "invoicedesk.retry_stalled_jobs"]
    assert 8 <= len(sweeps) <= lasted + 1
    # The apps' periodic jobs: at start, those whose last tick is recent (procrastinate catches up ten minutes) are
    # deferred, once; the hourly ones wait for their hour.
    names = {name for task_name, name, _ in per_period if task_name == PERIODIC_TASK}
    assert names >= {job.name for job in periodic_jobs() if job.every <= timedelta(minutes=5)}, names
