"""Queuing a task for the work of the current transaction."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.tasks import Task, task_backends
from django_tasks_db.backend import DatabaseBackend


def queued_in_this_database(task: Task[Any, Any]) -> bool:
    """True when the task's queue is a table of this database (django-tasks-db, as in production)."""
    return isinstance(task_backends[task.backend], DatabaseBackend)


def enqueue_with_work(task: Task[Any, Any], *args: Any) -> None:
    """Queue `task` for what the current transaction does.

    When the queue is a table of this database, the task is written in the transaction itself: it commits with the
    work or not at all (no crash between the two can lose it), in the same commit, and the workers' wake-up goes out
    with it (core.wakeups). With another backend (the tests run tasks at once), it is queued after commit.
    """
    if queued_in_this_database(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))
