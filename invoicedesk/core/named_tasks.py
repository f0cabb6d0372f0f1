"""Tasks a lower app enqueues, by name, for work an app above it owns.

`refunds` may not import `documents`, yet a refund's success must have its return invoice issued. The owner registers
its task under a name in `AppConfig.ready()`; the service that records the event enqueues that name explicitly, in
its own transaction, beside its other work (`enqueue_named_with_work`). Unlike a signal, the call is written where
the event happens, it names the one thing that follows, and nothing of the other app runs inside the transaction:
only its job is queued. An unregistered name is an error, not a silent no-op.
"""

from __future__ import annotations

from typing import Any

from django.tasks import Task

_tasks: dict[str, Task[Any, Any]] = {}


def register_named_task(name: str, task: Task[Any, Any]) -> None:
    _tasks[name] = task


def named_task(name: str) -> Task[Any, Any]:
    try:
        return _tasks[name]
    except KeyError:
        raise LookupError(f"no task registered as {name!r}; its app registers it in AppConfig.ready()") from None


def enqueue_named_with_work(name: str, *args: Any) -> None:
    """Queue the task registered as `name` in the current transaction: its job commits with the work (core.queue)."""
    named_task(name).enqueue(*args)
