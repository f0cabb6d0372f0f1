"""Queuing a task for the work of the current transaction."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.tasks import Task, task_backends


def queued_in_this_database(task: Task[Any, Any]) -> bool:
    """True when the task's queue is a table of this database (procrastinate, core.queue, as in production)."""
    from .queue import ProcrastinateBackend

    return isinstance(task_backends[task.backend], ProcrastinateBackend)


def enqueue_with_work(task: Task[Any, Any], *args: Any) -> None:
    """Queue `task` for what the current transaction does.

    With procrastinate (core.queue) the job is written in the transaction itself, on Django's connection: it
    commits with the work or not at all (no crash between the two can lose it), and its NOTIFY wakes the workers
    at that commit. With another backend (the tests run tasks at once), it is queued after commit.
    """
    if queued_in_this_database(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))
