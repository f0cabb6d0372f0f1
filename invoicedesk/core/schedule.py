"""Periodic jobs the worker runs (`manage.py run_worker`): apps register theirs in `AppConfig.ready()`.

A job runs in every worker process at start and then every `every`; jobs are idempotent and take the row
locks they need, so two workers running one at the same time do no harm, only double work.
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
    at_start: bool = True


_jobs: dict[str, PeriodicJob] = {}


def register_periodic_job(name: str, *, every: timedelta, run: Callable[[], object], at_start: bool = True) -> None:
    _jobs[name] = PeriodicJob(name=name, every=every, run=run, at_start=at_start)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)
