"""Periodic jobs: apps register theirs in `AppConfig.ready()`; `manage.py run_worker` hands them to procrastinate
(core.queue.register_periodic), which defers each once per period across all workers and runs it as a job.

At a worker's start, a job whose last tick is less than ten minutes old and was not deferred yet is deferred then
(procrastinate catches up); `every` is turned into a cron (whole minutes or hours, or seconds under a minute).
Jobs are idempotent and take the row locks they need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[], object]


_jobs: dict[str, PeriodicJob] = {}


def register_periodic_job(name: str, *, every: timedelta, run: Callable[[], object]) -> None:
    _jobs[name] = PeriodicJob(name=name, every=every, run=run)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)
