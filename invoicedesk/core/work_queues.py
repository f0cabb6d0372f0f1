"""Work the apps keep in their own tables, drained by every `manage.py run_worker` beside the task queue.

An app whose stored rows are themselves the work (a Stripe event stored RECEIVED is the event to process)
registers a `drain(limit)` in `AppConfig.ready()`: it claims at most `limit` rows so that no other worker takes
them while their lease lasts (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL), runs them, and returns how many
it claimed. A worker killed mid-batch leaves its rows to be claimed again when the lease is over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkQueue:
    name: str
    drain: Callable[[int], int]


_queues: dict[str, WorkQueue] = {}


def register_work_queue(name: str, *, drain: Callable[[int], int]) -> None:
    _queues[name] = WorkQueue(name=name, drain=drain)


def work_queues() -> list[WorkQueue]:
    return sorted(_queues.values(), key=lambda queue: queue.name)
